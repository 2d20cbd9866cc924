"""The sale's shortcuts: every place the sale path leaves the ordinary way for speed.

A sale is the request the counter waits for, so ``sales.create_sale`` is measured
(``bench/profile_sale.py``, pos/README.md "The sale path") and takes these shortcuts.
Each keeps the outcome of the ordinary way; the tests named keep it so.

1. **One representation of a sale: ``SaleView``.** ``create_sale`` answers a
   ``SaleView`` whether it wrote the sale (built from the rows it inserted, nothing
   read back) or found it already stored (``SaleView.of``, an idempotent retry). Plain
   attributes only: the columns of ``Sale`` plus ``amount_due``, ``register`` (``id``,
   ``code``, ``printer_id``), ``cashier`` (``id``, ``username``, ``full_name``), and
   ``lines``/``payments`` with the columns of ``SaleLine``/``Payment``. No ORM object,
   so reading it after the commit costs no query. The receipt document, the stock
   movements, the journal and the API answer take it as they would take a ``Sale``.
2. **Core statements, built once per dialect** (``statement``): the shift and its
   register as columns with whether the sale's id is taken and the receipt's printer
   (``printers.services.receipt_printer_columns``), in one statement (``FOR
   SHARE OF shifts`` on PostgreSQL, so a concurrent close waits), and the inserts of the
   sale, its lines and its payments (one executemany each), run on the session's
   connection: the ORM's unit of work and ``session.execute`` cost CPU per row and per
   statement, and nothing here needs ORM objects. On PostgreSQL the lines go in by one
   statement, the rows as one JSON text (``insert_lines``, ``mart.db.JsonRowsInsert``:
   what the executemany stores, without binding and sending it row by row).
3. **The receipt number** comes from ``mart.counters.next_value``, the one gap-free
   counter (a single upsert; the row stays locked until the sale commits or rolls back,
   so a rolled-back sale gives its number back).
4. **The answer** goes through its declared schema, ``pos.schemas.SaleOut``, which
   dumps by a plan built once (``pos.schemas.PlainSchema``: each declared field read
   as the attribute of that name, no dump hooks) instead of marshmallow's per-field
   machinery, which cost more CPU than the rest of the answer for ten lines; orjson
   writes it (``mart.apiutil.large_json``: keys sorted as ``jsonify`` sorts them).

Held by ``tests/pos/test_sale_path.py``: the 201 answer equals what ``GET
/sales/{id}`` answers for the stored sale, and a 10-line sale stays within its
statements.
"""

from types import SimpleNamespace

import sqlalchemy as sa

from mart.db import JsonRowsInsert
from pos.models import Payment, Register, Sale, SaleLine, Shift
from pos.services.promotions import given_on
from printers.services import receipt_printer_columns

_SALE_COLUMNS = tuple(Sale.__table__.columns.keys())
_LINE_COLUMNS = tuple(SaleLine.__table__.columns.keys())
_PAYMENT_COLUMNS = tuple(Payment.__table__.columns.keys())


class SaleView(SimpleNamespace):
    """A sale as plain attributes (see the module's contract, 1)."""

    @property
    def amount_due(self) -> int:
        return self.total + self.rounding

    @classmethod
    def of(cls, sale: Sale) -> "SaleView":
        """The view of a stored sale (reads its register, cashier, lines, payments)."""
        return cls(
            **{name: getattr(sale, name) for name in _SALE_COLUMNS},
            register=SimpleNamespace(
                id=sale.register.id, code=sale.register.code, printer_id=sale.register.printer_id
            ),
            cashier=person(sale.cashier),
            lines=[
                SimpleNamespace(
                    **{name: getattr(line, name) for name in _LINE_COLUMNS},
                    promotions=given_on(line),
                )
                for line in sale.lines
            ],
            payments=[
                SimpleNamespace(**{name: getattr(p, name) for name in _PAYMENT_COLUMNS})
                for p in sale.payments
            ],
        )


def receipt_printer(found):
    """The receipt's printer as the shift statement read it (``queue_receipt``'s
    ``printer``): None for no printer at all, or ``...`` (look it up) when the
    register names a printer the join did not find (``queue_receipt`` then answers
    ``NotFound`` as before)."""
    if found.printer_id is None:
        return ... if found.register_printer_id is not None else None
    return SimpleNamespace(
        id=found.printer_id,
        drawer_pin=found.printer_drawer_pin,
        drawer_pulse_ms=found.printer_drawer_pulse_ms,
    )


def person(user) -> SimpleNamespace:
    """What a sale shows of its cashier, as plain attributes."""
    return SimpleNamespace(id=user.id, username=user.username, full_name=user.full_name)


# Statements of the sale path, built once per dialect (building them costs CPU).
_STATEMENTS: dict[tuple[str, str], sa.Executable] = {}


def statement(name: str, dialect: str) -> sa.Executable:
    """The sale path's statement ``name`` (``shift``, ``sale``, ``lines``, ``payments``)."""
    stmt = _STATEMENTS.get((name, dialect))
    if stmt is None:
        stmt = _STATEMENTS[(name, dialect)] = _BUILDERS[name](dialect)
    return stmt


def _shift_statement(dialect):
    """What a sale needs of its shift and register (Core columns, no ORM objects), and
    whether the sale's id is taken, in one statement."""
    shifts, registers, sales = Shift.__table__, Register.__table__, Sale.__table__
    taken = sa.select(sales.c.id).where(sales.c.id == sa.bindparam("sale_id")).exists()
    # the receipt's printer (the register's, else the default one), read here rather
    # than by a statement of its own when the receipt is queued
    printers, printer_columns, on_printer = receipt_printer_columns(registers.c.printer_id)
    stmt = (
        sa.select(
            shifts.c.id,
            shifts.c.status,
            shifts.c.cashier_id,
            shifts.c.opened_at,
            registers.c.id.label("register_id"),
            registers.c.code.label("register_code"),
            registers.c.printer_id.label("register_printer_id"),
            taken.label("taken"),
            *printer_columns,
        )
        .select_from(
            shifts.join(registers, registers.c.id == shifts.c.register_id).outerjoin(
                printers, on_printer
            )
        )
        .where(shifts.c.id == sa.bindparam("shift_id"))
    )
    if dialect == "postgresql":
        # a concurrent close waits for this sale
        stmt = stmt.with_for_update(read=True, of=shifts)
    return stmt


def _lines_statement(dialect):
    """The sale's lines: an executemany; on PostgreSQL one statement of JSON rows."""
    if dialect == "postgresql":
        return JsonRowsInsert(SaleLine.__table__, [c for c in _LINE_COLUMNS if c != "id"])
    return sa.insert(SaleLine.__table__).inline()


def insert_lines(conn, dialect: str, rows: list[dict]) -> None:
    """Insert the sale's line rows (every column but ``id``), in their order."""
    stmt = statement("lines", dialect)
    if isinstance(stmt, JsonRowsInsert):
        conn.execute(stmt.statement, stmt.params(conn.dialect, rows))
    else:
        conn.execute(stmt, rows)


# The inserts are ``inline()``: SQLAlchemy would add ``RETURNING id`` to a one-row
# insert for its ``inserted_primary_key``, which nothing here reads.
_BUILDERS = {
    "shift": _shift_statement,
    "sale": lambda dialect: sa.insert(Sale.__table__).inline(),
    "lines": _lines_statement,
    "payments": lambda dialect: sa.insert(Payment.__table__).inline(),
}
