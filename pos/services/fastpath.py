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
   statement, and nothing here needs ORM objects. On PostgreSQL the receipt number,
   the sale, its lines, its payments and its stock-out are ONE statement (since 4
   December; ``insert_sale_pg``), the lines and payments as JSON rows
   (``mart.db.JsonRowsInsert``: what the executemany stores, without binding and
   sending it row by row), and the journal, the print jobs and the audit row one more
   (``mart.db.gathered_writes``, in ``sales.create_sale``). The inserts are
   ``inline()``: no ``RETURNING id``.
3. **The receipt number** comes from the one gap-free counter of ``mart.counters`` (a
   single upsert; the row stays locked until the sale commits or rolls back, so a
   rolled-back sale gives its number back): ``next_value`` on SQLite, its upsert as a
   CTE of the sale's insert on PostgreSQL (``counters.upsert_sql``).
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
from sqlalchemy.dialects import postgresql

from inventory.services import batch as stock_batch
from mart import counters
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
    """The sale path's statement ``name`` (``shift``, ``sale``, ``lines``, ``payments``,
    ``sale_pg``)."""
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


_NUMBERED_SALE_COLUMNS = tuple(c for c in _SALE_COLUMNS if c != "number")


def _sale_statement_pg() -> sa.TextualSelect:
    """PostgreSQL: the receipt number, the sale, its lines, its payments and its stock
    in ONE statement (five before 4 December):

    - ``counter``: the receipt counter's upsert (``mart.counters``, the same statement:
      gap-free, the row locked until the sale commits or rolls back);
    - ``sale``: the sale (a JSON row, as the lines), its number ``<prefix><value>`` with
      the value zero-padded to 6 digits as ``f"{value:06d}"`` pads it (``1234567``
      stays whole), answered;
    - ``lines`` and ``payments``: JSON rows (``mart.db.JsonRowsInsert``), in order;
    - the stock-out (``inventory.services.batch``: ``locked``, ``moved``, ``movements``
      and ``on_hand``): the movements, and on-hand with the products locked in id
      order, as ``record_sales`` writes them by a statement of its own elsewhere.

    The foreign keys of lines and payments to the sale are checked at the end of the
    statement, when the sale is there. The counter's row is locked before the
    products (the main query reads ``sale``, which reads ``counter``; ``on_hand`` runs
    after it), as when they were statements one after the other. A sale id already
    taken fails the statement on the primary key, as the sale's own insert did, and the
    counter's change goes with it. ``tests/pos/test_sale_path.py`` holds it to storing
    what the statements one by one store."""
    counter = counters.upsert_sql("counter_name")
    quote = postgresql.dialect().identifier_preparer.quote
    names = ", ".join(quote(c) for c in _NUMBERED_SALE_COLUMNS)
    padded = "lpad(counter.value::text, greatest(6, length(counter.value::text)), '0')"
    sql = (
        f"WITH counter AS ({counter}),"
        f" sale AS (INSERT INTO sales ({names}, number)"
        f" SELECT {names}, (SELECT :number_prefix || {padded} FROM counter)"
        f" FROM json_populate_recordset(NULL::sales, CAST(:{_SALE_ROW.name} AS json))"
        " RETURNING number),"
        f" lines AS ({_LINE_ROWS.sql}),"
        f" payments AS ({_PAYMENT_ROWS.sql}),"
        f" {stock_batch.ON_HAND_CTES_PG},"
        f" on_hand AS ({stock_batch.ON_HAND_UPDATE_PG})"
        " SELECT number FROM sale"
    )
    # the answer's column declared: SQLAlchemy keeps the result's metadata once, where
    # it reads a plain text's cursor description at every sale
    return (
        sa.text(sql)
        .bindparams(stock_batch.ON_HAND_NOW_PG)
        .columns(sa.column("number", Sale.__table__.c.number.type))
    )


# the sale's own row goes in as JSON too: one parameter where its 21 columns were 21,
# each bound by SQLAlchemy and dumped by psycopg
_SALE_ROW = JsonRowsInsert(Sale.__table__, _NUMBERED_SALE_COLUMNS, "sale_row")
_LINE_ROWS = JsonRowsInsert(SaleLine.__table__, [c for c in _LINE_COLUMNS if c != "id"], "lines")
_PAYMENT_ROWS = JsonRowsInsert(
    Payment.__table__, [c for c in _PAYMENT_COLUMNS if c != "id"], "payments"
)


def insert_sale_pg(conn, row, line_rows, payment_rows, sale_stock, *, counter, prefix) -> str:
    """PostgreSQL: take the receipt number from ``counter`` and insert the sale ``row``
    (every column but ``number``), its lines and its payments, and write its stock-out
    (``sale_stock``: ``inventory.services.SaleStock``), in one statement
    (``_sale_statement_pg``). Answers the sale's number."""
    params = {
        **_SALE_ROW.params(conn.dialect, [row]),
        **sale_stock.params_pg(conn.dialect),
        "counter_name": counter,
        "number_prefix": prefix,
        **_LINE_ROWS.params(conn.dialect, line_rows),
        **_PAYMENT_ROWS.params(conn.dialect, payment_rows),
    }
    return conn.execute(statement("sale_pg", "postgresql"), params).scalar_one()


# The inserts are ``inline()``: SQLAlchemy would add ``RETURNING id`` to a one-row
# insert for its ``inserted_primary_key``, which nothing here reads.
_BUILDERS = {
    "shift": _shift_statement,
    "sale": lambda dialect: sa.insert(Sale.__table__).inline(),
    "lines": lambda dialect: sa.insert(SaleLine.__table__).inline(),
    "payments": lambda dialect: sa.insert(Payment.__table__).inline(),
    "sale_pg": lambda dialect: _sale_statement_pg(),
}
