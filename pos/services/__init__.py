"""Point of sale: the operations. Services flush; the request commits.

Other packages are reached only through their services (docs/CONTRACTS.md), imported
inside the functions: ``inventory.services`` (products, stock ledger),
``members.services`` (members, simpanan sukarela, purchases for SHU) and
``printers.services`` (the print queue). Everything a sale touches is written in the
caller's transaction, so it commits together or not at all.
"""

import hashlib
import hmac
import logging
import re
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from mart import audit
from mart.counters import next_value
from mart.db import quantity as to_quantity
from mart.db import utcnow
from mart.errors import Conflict, Forbidden, InvalidInput, NotFound
from mart.extensions import db
from mart.models import Counter
from mart.money import format_number, ppn_split, round_cash, round_half_up
from pos import qris
from pos.models import (
    SHIFT_CLOSED,
    SHIFT_OPEN,
    CashMovement,
    Payment,
    Register,
    ReturnRefund,
    Sale,
    SaleLine,
    SaleReturn,
    SaleReturnLine,
    Shift,
    SuspendedSale,
)

log = logging.getLogger(__name__)

# Rupiah notes and coins (DOMAIN.md). The 1.000 exists as a note and as a coin; a cash
# count enters them on one line.
DENOMINATIONS = (100_000, 50_000, 20_000, 10_000, 5_000, 2_000, 1_000, 500, 200, 100)


# --- helpers -----------------------------------------------------------------------


def _cfg(name):
    return current_app.config[name]


def business_date(at: datetime | None = None) -> date:
    """The business day of a moment: local time (MART_TIMEZONE) before MART_DAY_END_HOUR
    still belongs to the day before."""
    at = at or utcnow()
    local = at.astimezone(ZoneInfo(_cfg("MART_TIMEZONE")))
    return (local - timedelta(hours=_cfg("MART_DAY_END_HOUR"))).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC start and end of a business day."""
    tz = ZoneInfo(_cfg("MART_TIMEZONE"))
    start = datetime.combine(day, time(0), tz) + timedelta(hours=_cfg("MART_DAY_END_HOUR"))
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


# Payments spending what is the member's: they carry the member's PIN (members.pins).
PIN_METHODS = ("simpanan", "credit")


def _is_manager(user) -> bool:
    return bool(user) and user.has_role("admin", "manager")


def _approve(user, pin, what, approver=None):
    """The approving manager: the user if a manager, else the chosen ``approver`` (a
    user name) whose PIN this is, or without one the owner of ``pin``.

    Raises ``InvalidInput`` (field ``approval_pin``) when no PIN is given, ``Forbidden``
    for a wrong one. Call before writing anything (a wrong PIN commits its count).
    """
    from mart.auth import approve_with_pin

    if _is_manager(user):
        return user
    if not pin:
        raise InvalidInput(
            _("%(what)s needs a manager's approval: enter the manager PIN.", what=what),
            field="approval_pin",
        )
    return approve_with_pin(pin, approver=approver)


def check_approval(user, pin, approver=None):
    """The manager approving at the counter (the user, if a manager; else the chosen
    ``approver``, a user name): ``InvalidInput`` without a PIN, ``Forbidden`` for a
    wrong one, ``TooManyRequests`` while locked."""
    return _approve(user, pin, _("This discount"), approver)


def _line_error(index, field, message):
    error = InvalidInput(message)
    error.errors = {"json": {"lines": {str(index): {field: [message]}}}}
    return error


def _split_proportionally(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` over ``weights`` in proportion, whole rupiah, exact sum
    (largest remainder)."""
    base = sum(weights)
    if total == 0 or base == 0:
        return [0] * len(weights)
    exact = [Fraction(total * w, base) for w in weights]
    shares = [int(x) for x in exact]
    left = total - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: exact[i] - shares[i], reverse=True)
    for i in order[:left]:
        shares[i] += 1
    return shares


# --- registers ---------------------------------------------------------------------


def create_register(code: str, name: str, printer_id: int | None = None) -> Register:
    """A new register. Raises ``Conflict`` when the code is taken."""
    code = code.strip().upper()
    _check_printer(printer_id)
    if db.session.scalar(sa.select(Register.id).where(Register.code == code)):
        raise Conflict(_("Register %(code)s already exists.", code=code))
    register = Register(code=code, name=name.strip(), printer_id=printer_id)
    db.session.add(register)
    db.session.flush()
    audit.record("register.create", register, after={"code": code, "printer_id": printer_id})
    return register


def _check_printer(printer_id):
    if printer_id is None:
        return
    from printers import services as printers

    try:
        printers.get_printer(printer_id)
    except NotFound:
        raise InvalidInput(_("Unknown printer."), field="printer_id") from None


def get_register(register_id: int) -> Register:
    register = db.session.get(Register, register_id)
    if register is None:
        raise NotFound(_("Unknown register."))
    return register


def register_by_code(code: str) -> Register:
    register = db.session.scalar(sa.select(Register).where(Register.code == code.upper()))
    if register is None:
        raise NotFound(_("Unknown register."))
    return register


def update_register(register: Register, **changes) -> Register:
    if changes.get("printer_id") is not None:
        _check_printer(changes["printer_id"])
    before = {"name": register.name, "printer_id": register.printer_id, "active": register.active}
    for key, value in changes.items():
        setattr(register, key, value)
    db.session.flush()
    audit.record("register.update", register, before=before, after=changes)
    return register


# --- shifts ------------------------------------------------------------------------


def get_shift(shift_id: int, *, lock=False) -> Shift:
    stmt = sa.select(Shift).where(Shift.id == shift_id)
    if lock:
        stmt = stmt.with_for_update()
    shift = db.session.scalar(stmt)
    if shift is None:
        raise NotFound(_("Unknown shift."))
    return shift


def open_shift_of(user_id: int) -> Shift | None:
    return db.session.scalar(
        sa.select(Shift).where(Shift.cashier_id == user_id, Shift.status == SHIFT_OPEN)
    )


def open_shift(register_id: int, opening_float: int, user, *, at: datetime | None = None) -> Shift:
    """Open a shift for ``user`` on a register.

    Raises ``InvalidInput`` for an unknown register, ``Conflict`` when the register or
    the cashier already has an open shift (two partial unique indexes also hold this
    when two requests race).
    """
    register = db.session.get(Register, register_id)
    if register is None or not register.active:
        raise InvalidInput(_("Unknown register."), field="register_id")
    if db.session.scalar(
        sa.select(Shift.id).where(Shift.register_id == register.id, Shift.status == SHIFT_OPEN)
    ):
        raise Conflict(_("Register %(code)s already has an open shift.", code=register.code))
    if open_shift_of(user.id):
        raise Conflict(_("You already have an open shift."))
    shift = Shift(
        register_id=register.id,
        cashier_id=user.id,
        opening_float=opening_float,
        status=SHIFT_OPEN,
        opened_at=at or utcnow(),
    )
    db.session.add(shift)
    db.session.flush()
    audit.record("shift.open", shift, after={"register": register.code, "float": opening_float})
    return shift


def _require_own_open_shift(shift: Shift, user):
    if shift.status != SHIFT_OPEN:
        raise Conflict(_("The shift is closed."))
    if shift.cashier_id != user.id and not _is_manager(user):
        raise Forbidden(_("This shift belongs to another cashier."))


def add_cash_movement(
    shift_id: int,
    kind: str,
    amount: int,
    reason: str,
    user,
    *,
    approval_pin=None,
    approver_name=None,
    to: str = "safe",
) -> CashMovement:
    """Cash into (``in``) or out of (``out``) the drawer, from or to the safe (``to``
    ``safe``) or the bank.

    A cash-out that takes the shift's unapproved cash-outs above MART_CASH_OUT_LIMIT
    needs a manager (the user, or ``approval_pin``): without a PIN ``InvalidInput``
    naming ``approval_pin``, a wrong one ``Forbidden``. ``Conflict`` on a closed shift,
    ``Forbidden`` on another cashier's shift.
    """
    shift = get_shift(shift_id, lock=True)
    _require_own_open_shift(shift, user)
    approver = None
    if kind == "out":
        unapproved = db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(CashMovement.amount), 0)).where(
                CashMovement.shift_id == shift.id,
                CashMovement.kind == "out",
                CashMovement.approved_by_id.is_(None),
            )
        )
        if int(unapproved) + amount > _cfg("MART_CASH_OUT_LIMIT"):
            approver = _approve(user, approval_pin, _("A cash-out above the limit"), approver_name)
    movement = CashMovement(
        shift_id=shift.id,
        kind=kind,
        amount=amount,
        reason=reason.strip(),
        user_id=user.id,
        approved_by_id=approver.id if approver else None,
    )
    db.session.add(movement)
    db.session.flush()
    from books import events as books_events

    books_events.cash_movement(
        business_date(movement.created_at or utcnow()),
        movement_id=movement.id,
        kind=kind,
        amount=amount,
        to=to,
        user=user,
    )
    audit.record(
        "shift.cash_" + kind,
        movement,
        after={"amount": amount, "reason": reason},
        note=f"approved by {approver.username}" if approver else None,
    )
    _open_drawer(shift, "cash_movement", movement.id)
    return movement


def require_shift_reader(shift: Shift, user) -> Shift:
    """A cashier reads only their own shifts; managers read all. ``Forbidden``."""
    if shift.cashier_id != user.id and not _is_manager(user):
        raise Forbidden(_("This shift belongs to another cashier."))
    return shift


def _open_drawer(shift, ref_type, ref_id):
    """Kick the register's cash drawer (cash in or out of it); written in this
    transaction, fired by the print worker after the commit."""
    from printers import services as printers

    printers.queue_drawer_kick(shift.register.printer_id, ref_type=ref_type, ref_id=ref_id)


def shift_figures(shift: Shift) -> dict:
    """The X/Z report figures of a shift, from the ledgers (sales, returns, cash)."""
    sales = db.session.execute(
        sa.select(
            sa.func.count(Sale.id),
            sa.func.coalesce(sa.func.sum(Sale.subtotal), 0),
            sa.func.coalesce(sa.func.sum(Sale.discount), 0),
            sa.func.coalesce(sa.func.sum(Sale.total), 0),
            sa.func.coalesce(sa.func.sum(Sale.rounding), 0),
            sa.func.coalesce(sa.func.sum(Sale.ppn), 0),
            sa.func.coalesce(sa.func.sum(Sale.change), 0),
        ).where(Sale.shift_id == shift.id, Sale.status == "completed")
    ).one()
    count, subtotal, discount, total, rounding, ppn, change = (int(x) for x in sales)
    by_method = defaultdict(int)
    for method, amount in db.session.execute(
        sa.select(Payment.method, sa.func.sum(Payment.amount))
        .join(Sale, Sale.id == Payment.sale_id)
        .where(Sale.shift_id == shift.id, Sale.status == "completed")
        .group_by(Payment.method)
    ):
        by_method[method] += int(amount)
    by_method["cash"] -= change  # cash kept = handed over - change
    if by_method["cash"] == 0 and not change:
        by_method.pop("cash")
    returns = db.session.execute(
        sa.select(
            sa.func.count(SaleReturn.id),
            sa.func.coalesce(sa.func.sum(SaleReturn.amount), 0),
            sa.func.coalesce(sa.func.sum(SaleReturn.ppn), 0),
        ).where(SaleReturn.shift_id == shift.id)
    ).one()
    refunds = defaultdict(int)
    for method, amount in db.session.execute(
        sa.select(ReturnRefund.method, sa.func.sum(ReturnRefund.amount))
        .join(SaleReturn, SaleReturn.id == ReturnRefund.return_id)
        .where(SaleReturn.shift_id == shift.id)
        .group_by(ReturnRefund.method)
    ):
        refunds[method] += int(amount)
    cash = {"in": 0, "out": 0}
    for kind, amount in db.session.execute(
        sa.select(CashMovement.kind, sa.func.sum(CashMovement.amount))
        .where(CashMovement.shift_id == shift.id)
        .group_by(CashMovement.kind)
    ):
        cash[kind] = int(amount)
    expected = (
        shift.opening_float
        + by_method.get("cash", 0)
        + cash["in"]
        - cash["out"]
        - refunds.get("cash", 0)
    )
    return {
        "shift_id": shift.id,
        "register": shift.register.code,
        "cashier": shift.cashier.username,
        "status": shift.status,
        "opened_at": shift.opened_at.isoformat(),
        "closed_at": shift.closed_at.isoformat() if shift.closed_at else None,
        "opening_float": shift.opening_float,
        "transactions": count,
        "sales_gross": subtotal,
        "discounts": discount,
        "sales_total": total,
        "rounding": rounding,
        "sales_ppn": ppn,
        "returns_ppn": int(returns[2]),
        "ppn": ppn - int(returns[2]),  # net of the returns booked on this shift
        "by_payment": dict(sorted(by_method.items())),
        "returns_count": int(returns[0]),
        "returns": int(returns[1]),
        "refunds": dict(sorted(refunds.items())),
        "cash_in": cash["in"],
        "cash_out": cash["out"],
        "expected_cash": expected,
        "counted_cash": shift.counted_cash,
        "difference": shift.difference,
    }


def open_drawers_cash() -> int:
    """The expected cash in the drawers of every open shift (for the books' kas)."""
    shifts = db.session.scalars(sa.select(Shift).where(Shift.status == SHIFT_OPEN)).all()
    return sum(shift_figures(shift)["expected_cash"] for shift in shifts)


def close_shift(
    shift_id,
    user,
    *,
    counted_cash=None,
    denominations=None,
    approval_pin=None,
    approver=None,
    at: datetime | None = None,
    printing=True,
):
    """Close a shift with the cash count; the Z report prints on the register's printer.

    ``denominations`` maps a note/coin value to how many were counted; with it,
    ``counted_cash`` (if also given) must equal their sum. A difference larger than
    MART_SHIFT_DIFFERENCE_APPROVAL needs a manager (``approval_pin``). Raises
    ``InvalidInput``, ``Conflict`` (already closed), ``Forbidden``.
    """
    counts = None
    if denominations is not None:
        counts = {}
        for key, number in denominations.items():
            try:
                value = int(key)
            except (TypeError, ValueError):
                value = None
            if value not in DENOMINATIONS:
                raise InvalidInput(
                    _("Unknown denomination: %(value)s.", value=key), field="denominations"
                )
            if not isinstance(number, int) or isinstance(number, bool) or number < 0:
                raise InvalidInput(_("Counts must be whole numbers."), field="denominations")
            if number:
                counts[str(value)] = counts.get(str(value), 0) + number
        total = sum(int(k) * n for k, n in counts.items())
        if counted_cash is not None and counted_cash != total:
            raise InvalidInput(
                _(
                    "The counted cash does not match the denominations (%(total)s).",
                    total=format_number(total),
                ),
                field="counted_cash",
            )
        counted_cash = total
    if counted_cash is None:
        raise InvalidInput(_("Enter the counted cash."), field="counted_cash")
    shift = get_shift(shift_id, lock=True)
    if shift.status != SHIFT_OPEN:
        raise Conflict(_("The shift is already closed."))
    if shift.cashier_id != user.id and not _is_manager(user):
        raise Forbidden(_("This shift belongs to another cashier."))
    figures = shift_figures(shift)
    difference = counted_cash - figures["expected_cash"]
    chosen, approver = approver, None
    if abs(difference) > _cfg("MART_SHIFT_DIFFERENCE_APPROVAL"):
        approver = _approve(user, approval_pin, _("A cash difference"), chosen)
    # Atomic state change: a concurrent close loses here.
    closed = db.session.execute(
        sa.update(Shift)
        .where(Shift.id == shift.id, Shift.status == SHIFT_OPEN)
        .values(status=SHIFT_CLOSED, closed_at=at or utcnow())
        .execution_options(synchronize_session=False)
    )
    if closed.rowcount != 1:
        raise Conflict(_("The shift is already closed."))
    db.session.refresh(shift)
    shift.counted_cash = counted_cash
    shift.counted_by_denomination = counts
    shift.expected_cash = figures["expected_cash"]
    shift.difference = difference
    shift.closed_by_id = user.id
    shift.approved_by_id = approver.id if approver else None
    figures = shift_figures(shift)
    shift.report = figures
    db.session.flush()
    from books import events as books_events

    books_events.shift_difference(
        business_date(shift.closed_at), shift_id=shift.id, difference=difference, user=user
    )
    audit.record(
        "shift.close",
        shift,
        after={
            "expected": figures["expected_cash"],
            "counted": counted_cash,
            "difference": difference,
        },
        note=f"approved by {approver.username}" if approver else None,
    )
    if printing:
        print_shift_report(shift, final=True)
    return shift


def print_shift_report(shift: Shift, *, final: bool):
    from printers import services as printing

    document = shift_report_document(shift, final=final)
    return printing.queue_document(
        document,
        shift.register.printer_id,
        kind="report",
        ref_type="shift",
        ref_id=str(shift.id),
    )


def shift_report_document(shift: Shift, *, final: bool):
    from printers.document import Document, Total

    f = shift.report if final and shift.report else shift_figures(shift)
    totals = [
        Total(_("Opening float"), f["opening_float"]),
        Total(_("Sales"), f["sales_total"], emphasis=True),
        Total(_("Discounts"), f["discounts"]),
    ]
    for method, amount in f["by_payment"].items():
        totals.append(Total(method_label(method), amount))
    totals.append(Total(_("Returns"), f["returns"]))
    if f.get("sales_ppn") or f.get("returns_ppn"):
        totals += [
            Total(_("PPN of sales"), f["sales_ppn"]),
            Total(_("PPN of returns"), -f["returns_ppn"]),
            Total(_("PPN (net)"), f["ppn"]),
        ]
    totals += [
        Total(_("Cash in"), f["cash_in"]),
        Total(_("Cash out"), f["cash_out"]),
        Total(_("Expected cash"), f["expected_cash"], emphasis=True),
    ]
    if f.get("counted_cash") is not None:
        totals.append(Total(_("Counted cash"), f["counted_cash"], emphasis=True))
        totals.append(Total(_("Difference"), f["difference"]))
    return Document(
        header_lines=_branch_header(),
        title=_("Z report (shift closed)") if final else _("X report (shift so far)"),
        info=[
            (_("Register"), f["register"]),
            (_("Cashier"), f["cashier"]),
            (_("Opened"), _local(shift.opened_at)),
            (_("Closed"), _local(shift.closed_at) if shift.closed_at else "-"),
            (_("Transactions"), str(f["transactions"])),
            (_("Returns"), str(f["returns_count"])),
        ],
        items=[],
        totals=totals,
        notes=[],
        footer_lines=[],
        qr_payload=None,
        barcode=None,
        copy=False,
    )


# --- sales -------------------------------------------------------------------------


def get_sale(sale_id: str) -> Sale:
    sale = db.session.get(Sale, sale_id)
    if sale is None:
        raise NotFound(_("Unknown sale."))
    return sale


def sale_by_number(number: str) -> Sale | None:
    return db.session.scalar(sa.select(Sale).where(Sale.number == number.strip()))


def _resolve_member(member_no):
    from members import services as members

    try:
        member = members.find_member(member_no)
    except NotFound:
        raise InvalidInput(_("Unknown member."), field="member_no") from None
    return members.require_active(member.member_no)


def _priced_lines(lines_in, member) -> list[dict]:
    """Look up every line's product and price it. Raises ``InvalidInput`` per line."""
    from inventory import services as inventory

    # Every product of the sale in one statement (by id and by registered barcode);
    # only a code that is no registered barcode (UPC-A spelling, scale label, sku)
    # goes through lookup_code on its own.
    by_id, by_code = inventory.sale_products(
        (line["product_id"] for line in lines_in if line.get("product_id") is not None),
        (line["barcode"].strip() for line in lines_in if line.get("product_id") is None),
    )
    priced = []
    for i, line in enumerate(lines_in):
        count = to_quantity(line["quantity"])
        if count <= 0:
            raise _line_error(i, "quantity", _("Must be greater than 0."))
        embedded_price = None
        code = None
        if line.get("product_id") is not None:
            product = by_id.get(line["product_id"])
            if product is None:
                raise _line_error(i, "product_id", _("Unknown product."))
            qty = count
        else:
            code = line["barcode"].strip()
            product = by_code.get(code)
            if product is not None and product.active:
                scan = inventory.ScanResult(product)
            else:  # the full lookup (and its answer for an inactive product)
                try:
                    scan = inventory.lookup_code(code)
                except NotFound:
                    raise _line_error(i, "barcode", _("Unknown barcode.")) from None
            product = scan.product
            qty = count
            if scan.quantity is not None:
                qty = to_quantity(Decimal(scan.quantity) * count)
            if scan.price is not None:
                embedded_price = int(scan.price)
                if scan.quantity is None and product.price:
                    qty = to_quantity(Decimal(embedded_price) / Decimal(product.price) * count)
        if not getattr(product, "active", True):
            raise _line_error(i, "product_id", _("This product is no longer sold."))
        if product.unit != "kg" and qty != qty.to_integral_value():
            raise _line_error(i, "quantity", _("This product is sold by the piece."))
        member_price = (
            member is not None and embedded_price is None and product.member_price is not None
        )
        unit_price = product.member_price if member_price else product.price
        if embedded_price is not None:
            gross = round_half_up(Fraction(embedded_price) * Fraction(count))
            unit_price = round_half_up(Fraction(gross) / Fraction(qty)) if qty else gross
        else:
            gross = _times_quantity(unit_price, qty)
        discount = int(line.get("discount") or 0)
        if discount > gross:
            raise _line_error(i, "discount", _("The discount is larger than the line."))
        priced.append(
            {
                "product": product,
                "code": code,
                "quantity": qty,
                "regular_price": int(product.price),
                "unit_price": int(unit_price),
                "member_price": bool(member_price),
                "gross": int(gross),
                "discount": discount,
                "tax": product.tax,
            }
        )
    return priced


class SaleView(SimpleNamespace):
    """A sale ``create_sale`` just wrote, as plain attributes: the columns of ``Sale``,
    ``register`` and ``cashier``, and ``lines``/``payments`` with the columns of
    ``SaleLine``/``Payment``. Built from what was inserted, so nothing is read back;
    the receipt and the API answer (``SaleOut``) take it as they take a ``Sale``."""

    @property
    def amount_due(self) -> int:
        return self.total + self.rounding


# Statements of the sale path, built once per dialect (building them costs CPU).
_STATEMENTS: dict[tuple[str, str], sa.Executable] = {}


# How far ahead of the server's clock a register's clock may be: a sale's own time up
# to this far in the future counts as now.
CLOCK_SKEW = timedelta(minutes=2)


def sale_time(created_at: datetime | None, opened_at: datetime, now: datetime | None = None):
    """The time a sale is recorded at. The register sends its own (``created_at``, the
    moment the cashier finished it): a sale kept while the server was away and sent
    later keeps it, so it counts on its real day and hour. It is kept when it lies
    within the shift, from its opening to now (a clock up to ``CLOCK_SKEW`` ahead reads
    as now); otherwise the server's time is used. Never refused for its time: the
    customer has paid and the register must be able to hand the sale over."""
    now = now or utcnow()
    if created_at is None:
        return now
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    if opened_at.tzinfo is None:
        opened_at = opened_at.replace(tzinfo=UTC)
    if created_at < opened_at or created_at > now + CLOCK_SKEW:
        return now
    return min(created_at, now)


def _statement(name: str, dialect: str) -> sa.Executable:
    stmt = _STATEMENTS.get((name, dialect))
    if stmt is None:
        stmt = _STATEMENTS[(name, dialect)] = _BUILDERS[name](dialect)
    return stmt


def _shift_statement(dialect):
    """What a sale needs of its shift and register (Core columns, no ORM objects), and
    whether the sale's id is taken, in one statement."""
    shifts, registers, sales = Shift.__table__, Register.__table__, Sale.__table__
    taken = sa.select(sales.c.id).where(sales.c.id == sa.bindparam("sale_id")).exists()
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
        )
        .select_from(shifts.join(registers, registers.c.id == shifts.c.register_id))
        .where(shifts.c.id == sa.bindparam("shift_id"))
    )
    if dialect == "postgresql":
        # a concurrent close waits for this sale
        stmt = stmt.with_for_update(read=True, of=shifts)
    return stmt


def _counter_statement(dialect):
    """``mart.counters.next_value`` in one statement: an upsert that answers the value.
    Gap-free the same way (the row is locked until the sale commits or rolls back)."""
    table = Counter.__table__
    insert = (postgresql if dialect == "postgresql" else sqlite).insert
    return (
        insert(table)
        .values(name=sa.bindparam("name"), value=1)
        .on_conflict_do_update(index_elements=[table.c.name], set_={"value": table.c.value + 1})
        .returning(table.c.value)
    )


_BUILDERS = {
    "shift": _shift_statement,
    "counter": _counter_statement,
    "sale": lambda dialect: sa.insert(Sale.__table__),
    "lines": lambda dialect: sa.insert(SaleLine.__table__),
    "payments": lambda dialect: sa.insert(Payment.__table__),
}


def create_sale(
    data: dict, user, *, at: datetime | None = None, printing=True
) -> tuple[Sale | SaleView, bool]:
    """Record a sale and everything it touches, in the caller's transaction.

    Returns ``(sale, created)``: posting an id that exists answers that ``Sale`` with
    ``created=False`` and writes nothing; a new sale comes back as a ``SaleView`` (what
    was written, not read back). Raises ``InvalidInput`` (bad lines, unknown
    product/barcode/member, underpayment, non-cash above the total, discount needing a
    PIN), ``Conflict`` (closed shift, member who left, simpanan too low),
    ``Forbidden`` (wrong PIN, another cashier's shift). Two posts of the same id racing:
    the loser's insert fails on the primary key; the view answers the winner's sale.
    """
    cfg = current_app.config
    dialect = db.session.get_bind().dialect.name
    # Core statements on the session's connection: the ORM's execute costs about
    # 40 us more per statement, and nothing here needs ORM objects.
    conn = db.session.connection()
    found = conn.execute(
        _statement("shift", dialect), {"shift_id": data["shift_id"], "sale_id": data["id"]}
    ).first()
    if found is None or found.taken:
        existing = db.session.get(Sale, data["id"])
        if existing is not None:
            return existing, False
        raise InvalidInput(_("Unknown shift."), field="shift_id")
    shift = SimpleNamespace(id=found.id, status=found.status, cashier_id=found.cashier_id)
    _require_own_open_shift(shift, user)
    register = SimpleNamespace(
        id=found.register_id, code=found.register_code, printer_id=found.register_printer_id
    )

    member_no = (data.get("member_no") or "").strip() or None
    member = _resolve_member(member_no) if member_no else None
    if member is not None:
        member_no = member.member_no

    lines = _priced_lines(data["lines"], member)
    subtotal = sum(line["gross"] for line in lines)
    line_discount = sum(line["discount"] for line in lines)
    sale_discount = int(data.get("discount") or 0)
    after_lines = [line["gross"] - line["discount"] for line in lines]
    if sale_discount > sum(after_lines):
        raise InvalidInput(_("The discount is larger than the sale."), field="discount")
    shares = _split_proportionally(sale_discount, after_lines)
    for line, net, share in zip(lines, after_lines, shares, strict=True):
        line["sale_discount_share"] = share
        line["amount"] = net - share
    discount = line_discount + sale_discount
    total = subtotal - discount

    # Discounts above the setting need a manager (checked per line and overall).
    limit = Fraction(cfg["MART_DISCOUNT_APPROVAL_PERCENT"], 100)
    approver = None
    needs_approval = (subtotal and Fraction(discount, subtotal) > limit) or any(
        line["gross"] and Fraction(line["discount"], line["gross"]) > limit for line in lines
    )
    payments = data.get("payments") or []
    noncash = sum(p["amount"] for p in payments if p["method"] != "cash")
    cash = sum(p["amount"] for p in payments if p["method"] == "cash")
    if noncash > total:
        raise InvalidInput(_("Non-cash payments are above the total."), field="payments")
    rounding = 0
    if cash:
        cash_due = total - noncash
        rounding = round_cash(cash_due, cfg["MART_CASH_ROUNDING"]) - cash_due
    due = total + rounding
    paid = noncash + cash
    if paid < due:
        raise InvalidInput(
            _(
                "Payments (%(paid)s) are below the amount due (%(due)s).",
                paid=format_number(paid),
                due=format_number(due),
            ),
            field="payments",
        )
    simpanan = sum(p["amount"] for p in payments if p["method"] == "simpanan")
    if simpanan and not member_no:
        raise InvalidInput(_("Paying by simpanan needs the member."), field="payments")
    if needs_approval:
        approver = _approve(
            user, data.get("approval_pin"), _("This discount"), data.get("approver")
        )
    if any(p["method"] in PIN_METHODS for p in payments):
        if data.get("member_pin_approval"):
            # The PIN the member typed on the customer display (pos.pinpad): used up
            # here, once; a refusal raises before anything is written.
            if data.get("member_pin"):
                raise InvalidInput(
                    _("Send the member's PIN or the display's approval, not both."),
                    field="member_pin_approval",
                )
            from pos import pinpad

            pinpad.consume(
                data["member_pin_approval"],
                register_id=register.id,
                member_no=member_no,
                amount=sum(p["amount"] for p in payments if p["method"] in PIN_METHODS),
                sale_id=data["id"],
            )
        else:
            # The member's own PIN before anything is written (a refusal commits its
            # count).
            from members import services as members

            members.check_member_pin(member_no, data.get("member_pin"), user=user)

    taxable = dpp = ppn = 0
    if cfg["MART_PKP"]:
        taxable = sum(line["amount"] for line in lines if line["tax"] == "ppn")
        split = ppn_split(taxable)
        dpp, ppn = split.dpp_nilai_lain, split.ppn

    # Writes from here on, by Core statements (no ORM unit of work), and nothing read
    # back: the answer is built from what was written. The receipt counter row
    # serialises one register's sales.
    now = at or sale_time(data.get("created_at"), found.opened_at)
    seq = conn.execute(
        _statement("counter", dialect), {"name": f"receipt:{register.code}"}
    ).scalar_one()
    row = {
        "id": data["id"],
        "number": f"{cfg['MART_BRANCH_CODE']}-{register.code}-{seq:06d}",
        "register_id": register.id,
        "shift_id": shift.id,
        "cashier_id": user.id,
        "member_no": member_no,
        "subtotal": subtotal,
        "line_discount": line_discount,
        "sale_discount": sale_discount,
        "discount": discount,
        "total": total,
        "rounding": rounding,
        "taxable": taxable,
        "dpp": dpp,
        "ppn": ppn,
        "paid": paid,
        "change": paid - due,
        "status": "completed",
        "approved_by_id": approver.id if approver else None,
        "business_date": business_date(now),
        "created_at": now,
    }
    # The primary key: a racing duplicate fails here (IntegrityError, see the view).
    conn.execute(_statement("sale", dialect), row)
    line_rows = [
        {
            "sale_id": row["id"],
            "line_no": no,
            "product_id": line["product"].id,
            "sku": line["product"].sku or "",
            "name": line["product"].name,
            "unit": line["product"].unit,
            "code": line["code"],
            "quantity": line["quantity"],
            "regular_price": line["regular_price"],
            "unit_price": line["unit_price"],
            "member_price": line["member_price"],
            "gross": line["gross"],
            "discount": line["discount"],
            "sale_discount_share": line["sale_discount_share"],
            "amount": line["amount"],
            "tax": line["tax"],
        }
        for no, line in enumerate(lines, start=1)
    ]
    # Lines and payments in one multi-row statement each (no ORM round trip per row).
    conn.execute(_statement("lines", dialect), line_rows)
    payment_rows = [
        {
            "sale_id": row["id"],
            "method": p["method"],
            "amount": p["amount"],
            "reference": p.get("reference"),
        }
        for p in payments
    ]
    if payment_rows:
        conn.execute(_statement("payments", dialect), payment_rows)
    sale = SaleView(
        **row,
        register=register,
        cashier=user,
        lines=[SimpleNamespace(**r) for r in line_rows],
        payments=[SimpleNamespace(**r) for r in payment_rows],
    )
    _post_sale_effects(
        sale,
        user,
        cash_paid=bool(cash),
        simpanan=simpanan,
        printing=printing,
        products={line["product"].id: line["product"] for line in lines},
    )
    if approver is not None:
        audit.record(
            "sale.discount_approved",
            "Sale",
            sale.id,
            after={"discount": discount, "subtotal": subtotal},
            note=f"approved by {approver.username}",
        )
    audit.record("sale.create", "Sale", sale.id, after={"number": sale.number, "total": total})
    return sale, True


def _thousandths(qty: Decimal) -> int | None:
    """A quantity in whole thousandths, or None if it has more than 3 places."""
    scaled = qty.scaleb(3)
    return int(scaled) if scaled == scaled.to_integral_value() else None


def _div_half_up(numerator: int, denominator: int) -> int:
    """``round_half_up(Fraction(numerator, denominator))`` in integers (denominator > 0)."""
    whole, rest = divmod(abs(numerator), denominator)
    if 2 * rest >= denominator:
        whole += 1
    return whole if numerator >= 0 else -whole


def _times_quantity(price: int, qty: Decimal) -> int:
    """``round_half_up(price x qty)``; integer arithmetic for a 3-place quantity (the
    Fraction version costs a few microseconds per line more)."""
    thousandths = _thousandths(qty)
    if thousandths is None:
        return round_half_up(Fraction(price) * Fraction(qty))
    return _div_half_up(price * thousandths, 1000)


def _net_unit_price(amount: int, qty: Decimal) -> int:
    """``round_half_up(amount / qty)``, 0 for no quantity."""
    if not qty:
        return 0
    thousandths = _thousandths(qty)
    if thousandths is None:
        return round_half_up(Fraction(amount) / Fraction(qty))
    return _div_half_up(amount * 1000, thousandths)


def _post_sale_effects(sale, user, *, cash_paid: bool, simpanan: int, printing=True, products=None):
    from inventory import services as inventory

    # All lines in one call (stock rows moved in product order inside, so two
    # registers never lock them crosswise); the products as read for pricing.
    inventory.record_sales(
        [
            (
                line.product_id,
                line.quantity,
                _net_unit_price(line.amount, line.quantity),
                line.amount,  # what the customer paid: consignment settles from it
            )
            for line in sorted(sale.lines, key=lambda ln: (ln.product_id, ln.line_no))
        ],
        ref_type="sale",
        ref_id=sale.id,
        user=user,
        products=products,
    )
    _journal_sale(sale, user, products or {})
    if sale.member_no:
        from members import services as members

        if simpanan:
            members.pay_from_sukarela(
                sale.member_no, simpanan, ref_type="sale", ref_id=sale.id, user=user
            )
        members.record_purchase(
            sale.member_no, sale.total, on=sale.business_date, ref_type="sale", ref_id=sale.id
        )
    if not printing:
        return  # demo data and imports of past sales print nothing
    from printers import services as printers

    # The receipt and (paid in cash) the drawer kick: one printer look-up, one insert.
    printers.queue_receipt(
        receipt_document(sale),
        sale.register.printer_id,
        drawer=cash_paid,
        ref_type="sale",
        ref_id=sale.id,
    )


def _commission_percent(product):
    percent = getattr(product, "commission_percent", None)
    if percent is None and getattr(product, "supplier", None) is not None:
        percent = product.supplier.commission_percent
    return percent or 0


def _journal_sale(sale, user, products):
    """The sale's journal (books.events.sale) from the figures already at hand: two
    statements, nothing read, except the on-hand of a weighed own product whose cost
    of the quantity sold is not whole rupiah (its stock value is rounded as a whole)."""
    from books import events as books_events
    from inventory import books as stock_books

    ppn_shares = [0] * len(sale.lines)
    if sale.ppn:
        ppn_shares = _split_proportionally(
            sale.ppn, [line.amount if line.tax == "ppn" else 0 for line in sale.lines]
        )
    consigned, cost, weighed = [], 0, {}
    for line, ppn_share in zip(sale.lines, ppn_shares, strict=True):
        product = products[line.product_id]
        if product.consigned:
            share = stock_books.consignment_share(
                line.quantity,
                _net_unit_price(line.amount, line.quantity),
                product.supplier_price,
                _commission_percent(product),
                amount=line.amount,
            )
            consigned.append((line.amount - ppn_share, share))
            continue
        thousandths = _thousandths(line.quantity)
        if thousandths is not None and (thousandths * product.avg_cost) % 1000 == 0:
            cost += thousandths * product.avg_cost // 1000
        else:
            weighed[product.id] = weighed.get(product.id, 0) + line.quantity
    if weighed:
        for pid, (on_hand, avg_cost) in stock_books.owned_values(weighed).items():
            cost += stock_books.value(on_hand + weighed[pid], avg_cost) - stock_books.value(
                on_hand, avg_cost
            )
    books_events.sale(
        sale.business_date,
        sale_id=sale.id,
        number=sale.number,
        total=sale.total,
        ppn=sale.ppn,
        rounding=sale.rounding,
        change=sale.change,
        payments=[(p.method, p.amount) for p in sale.payments],
        consigned=consigned,
        cost=cost,
        user=user,
    )


def method_label(method: str) -> str:
    return {
        "cash": _("Cash"),
        "qris": _("QRIS"),
        "card": _("Card"),
        "transfer": _("Transfer"),
        "simpanan": _("Simpanan sukarela"),
    }.get(method, method)


def _branch_header() -> list[str]:
    cfg = current_app.config
    lines = [cfg["MART_BRANCH_NAME"], cfg["MART_BRANCH_ADDRESS"]]
    if cfg["MART_PKP"] and cfg.get("MART_BRANCH_NPWP"):
        lines.append(_("NPWP %(npwp)s", npwp=cfg["MART_BRANCH_NPWP"]))
    return [line for line in lines if line]


def _local(at: datetime | None) -> str:
    if at is None:
        return "-"
    return at.astimezone(ZoneInfo(_cfg("MART_TIMEZONE"))).strftime("%d-%m-%Y %H:%M")


def receipt_document(sale: Sale, *, copy: bool = False):
    """The receipt as a ``printers.document.Document`` (what prints and previews)."""
    from printers.document import Document, Item, Total

    cfg = current_app.config
    items = []
    for line in sale.lines:
        notes = []
        if line.member_price:
            notes.append(_("member price"))
        if line.discount:
            notes.append(_("discount -%(amount)s", amount=format_number(line.discount)))
        items.append(
            Item(
                name=line.name,
                quantity=line.quantity,
                unit_price=line.unit_price,
                amount=line.gross - line.discount,
                note=", ".join(notes) or None,
                unit=line.unit,
            )
        )
    totals = [Total(_("Subtotal"), sale.subtotal - sale.line_discount)]
    if sale.sale_discount:
        totals.append(Total(_("Discount"), -sale.sale_discount))
    totals.append(Total(_("Total"), sale.total, emphasis=True))
    if sale.rounding:
        totals.append(Total(_("Rounding"), sale.rounding))
        totals.append(Total(_("Amount due"), sale.amount_due, emphasis=True))
    for payment in sale.payments:
        label = method_label(payment.method)
        if payment.reference:
            label = f"{label} ({payment.reference})"
        totals.append(Total(label, payment.amount))
    totals.append(Total(_("Change"), sale.change, emphasis=bool(sale.change)))
    notes = []
    if cfg["MART_PKP"] and sale.taxable:
        notes.append(_("Prices include PPN."))
        totals.append(Total(_("DPP nilai lain"), sale.dpp))
        totals.append(Total(_("PPN"), sale.ppn))
    if sale.discount:
        notes.append(_("You saved %(amount)s", amount=format_number(sale.discount)))
    if sale.member_no:
        from members import services as members

        year_total = members.purchases_in_year(sale.member_no, sale.business_date.year)
        notes.append(
            _(
                "Member %(no)s: purchases in %(year)s so far %(amount)s",
                no=sale.member_no,
                year=sale.business_date.year,
                amount=format_number(year_total),
            )
        )
    return Document(
        header_lines=_branch_header(),
        title=None,
        info=[
            (_("No."), sale.number),
            (_("Date"), _local(sale.created_at)),
            (_("Cashier"), sale.cashier.full_name or sale.cashier.username),
            (_("Register"), sale.register.code),
        ],
        items=items,
        totals=totals,
        notes=notes,
        footer_lines=[cfg["MART_RECEIPT_FOOTER"]] if cfg["MART_RECEIPT_FOOTER"] else [],
        qr_payload=None,
        barcode=sale.number,
        copy=copy,
    )


def receipt_text(sale: Sale, width: int, *, copy=False) -> str:
    from printers import services as printing

    return printing.render_text(receipt_document(sale, copy=copy), width)


def reprint(sale: Sale, user):
    """Queue a copy of the receipt (marked COPY/SALINAN)."""
    from printers import services as printing

    job = printing.queue_document(
        receipt_document(sale, copy=True),
        sale.register.printer_id,
        kind="receipt",
        copy=True,
        ref_type="sale",
        ref_id=sale.id,
    )
    audit.record("sale.reprint", sale, after={"number": sale.number}, user=user)
    return job


def search_sales(*, number=None, day=None, member_no=None, register_id=None, shift_id=None):
    """A ``select`` of sales, newest first, by receipt number (or its end), day, member
    (``member_no`` is a member number, or a name or part of one)."""
    stmt = sa.select(Sale).order_by(Sale.created_at.desc(), Sale.number.desc())
    if number:
        number = number.strip()
        stmt = stmt.where(sa.or_(Sale.number == number, Sale.number.like(f"%{number}")))
    if day:
        stmt = stmt.where(Sale.business_date == day)
    if member_no:
        text = member_no.strip()
        if re.match(r"^M\d+$", text, re.IGNORECASE):
            stmt = stmt.where(Sale.member_no == text.upper())
        else:  # a member's name, or part of it
            from members.models import Member

            names = sa.select(Member.member_no).where(Member.name.ilike(f"%{text}%"))
            stmt = stmt.where(Sale.member_no.in_(names))
    if register_id:
        stmt = stmt.where(Sale.register_id == register_id)
    if shift_id:
        stmt = stmt.where(Sale.shift_id == shift_id)
    return stmt


# --- returns -----------------------------------------------------------------------


def returned_quantities(sale: Sale) -> dict[int, Decimal]:
    """Quantity already returned per sale line id."""
    rows = db.session.execute(
        sa.select(SaleReturnLine.sale_line_id, SaleReturnLine.quantity)
        .join(SaleReturn, SaleReturn.id == SaleReturnLine.return_id)
        .where(SaleReturn.sale_id == sale.id)
    )
    done = defaultdict(lambda: Decimal("0.000"))
    for line_id, qty in rows:
        done[line_id] += qty
    return done


def create_return(
    sale_id: str, data: dict, user, *, at: datetime | None = None, printing=True
) -> SaleReturn:
    """Goods back against a receipt, line by line, partial allowed.

    Refund by ``original`` (simpanan back to simpanan, the rest by the sale's main
    method), ``cash`` or a named method. Stock goes back in (or is written off when
    ``damaged``), the member's purchase is reversed. A manager approves (the user, or
    ``approval_pin``). Raises ``NotFound`` (sale), ``InvalidInput`` (a product not on
    the receipt, missing PIN, simpanan without a member), ``Conflict`` (more than was
    sold over all returns), ``Forbidden`` (wrong PIN).
    """
    from inventory import services as inventory

    stmt = sa.select(Sale).where(Sale.id == sale_id)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()  # two returns of one sale check the rest one by one
    sale = db.session.scalar(stmt)
    if sale is None:
        raise NotFound(_("Unknown sale."))
    done = returned_quantities(sale)
    wanted = []  # (sale_line, quantity)
    for i, item in enumerate(data["lines"]):
        qty = to_quantity(item["quantity"])
        if qty <= 0:
            raise _line_error(i, "quantity", _("Must be greater than 0."))
        candidates = [ln for ln in sale.lines if ln.product_id == item["product_id"]]
        if not candidates:
            raise _line_error(i, "product_id", _("This product is not on the receipt."))
        left = qty
        for line in candidates:
            already = done[line.id] + sum((q for ln, q in wanted if ln is line), Decimal(0))
            room = line.quantity - already
            if room <= 0:
                continue
            take = min(room, left)
            wanted.append((line, take))
            left -= take
            if left <= 0:
                break
        if left > 0:
            raise Conflict(_("Returning more than was sold: %(name)s.", name=candidates[0].name))
    method = data["refund_method"]
    if method == "simpanan" and not sale.member_no:
        raise InvalidInput(_("Refund to simpanan needs a member's sale."), field="refund_method")

    # Amounts: cumulative rounding, so all returns of a line add up to its amount.
    amounts = []
    running = dict(done)
    for line, qty in wanted:
        before = running.get(line.id, Decimal(0))
        amounts.append(return_share(line.amount, line.quantity, before, qty))
        running[line.id] = before + qty
    amount = sum(amounts)

    refunds = _refund_split(sale, method, amount)
    shift = _return_shift(data.get("shift_id"), user, cash=any(m == "cash" for m, _a in refunds))
    approver = _approve(user, data.get("approval_pin"), _("A return"), data.get("approver"))
    register = shift.register if shift is not None else sale.register
    # The return's own PPN: its taxable amount x 11/111, half up (the sale's rules),
    # when the sale carried PPN; DPP nilai lain as on a receipt.
    taxable = dpp = ppn = 0
    if sale.taxable and sale.ppn:
        taxable = sum(a for (ln, _q), a in zip(wanted, amounts, strict=True) if ln.tax == "ppn")
        split = ppn_split(taxable)
        dpp, ppn = split.dpp_nilai_lain, split.ppn
    seq = next_value(f"return:{register.code}")
    now = at or utcnow()
    ret = SaleReturn(
        number=f"{current_app.config['MART_BRANCH_CODE']}-{register.code}-R{seq:06d}",
        sale_id=sale.id,
        shift_id=shift.id if shift is not None else None,
        refund_method=method,
        amount=amount,
        taxable=taxable,
        dpp=dpp,
        ppn=ppn,
        damaged=bool(data.get("damaged")),
        reason=data.get("reason"),
        user_id=user.id,
        approved_by_id=approver.id,
        business_date=business_date(now),
        created_at=now,
    )
    for (line, qty), share in zip(wanted, amounts, strict=True):
        ret.lines.append(
            SaleReturnLine(
                sale_line_id=line.id, product_id=line.product_id, quantity=qty, amount=share
            )
        )
    for refund_method, refund_amount in refunds:
        ret.refunds.append(ReturnRefund(method=refund_method, amount=refund_amount))
    db.session.add(ret)
    db.session.flush()
    from inventory import books as stock_books

    stock_before = stock_books.owned_values({line.product_id for line, _q in wanted}, lock=True)
    for (line, qty), share in sorted(zip(wanted, amounts, strict=True), key=_by_product):
        inventory.record_customer_return(
            line.product_id,
            qty,
            unit_price=_net_unit_price(line.amount, line.quantity),
            amount=share,
            ref_type="return",
            ref_id=ret.number,
            write_off=ret.damaged,
            user=user,
        )
    _journal_return(sale, ret, wanted, amounts, refunds, stock_before, user)
    if sale.member_no:
        from members import services as members

        simpanan_back = sum(a for m, a in refunds if m == "simpanan")
        if simpanan_back:
            members.refund_to_sukarela(
                sale.member_no, simpanan_back, ref_type="return", ref_id=ret.number, user=user
            )
        if amount:
            members.record_purchase(
                sale.member_no, -amount, on=ret.business_date, ref_type="return", ref_id=ret.number
            )
    audit.record(
        "sale.return",
        ret,
        after={
            "sale": sale.number,
            "amount": amount,
            "refund": refunds,
            "lines": [[ln.product_id, str(q)] for ln, q in wanted],
            "damaged": ret.damaged,
        },
        note=f"approved by {approver.username}",
    )
    if printing:
        from printers import services as printers

        printers.queue_document(
            return_document(ret),
            register.printer_id,
            kind="receipt",
            ref_type="return",
            ref_id=ret.number,
        )
        if any(m == "cash" and a > 0 for m, a in refunds):
            # cash goes out of the drawer: it opens, as for a cash sale
            printers.queue_drawer_kick(register.printer_id, ref_type="return", ref_id=ret.number)
    return ret


def _by_product(wanted_and_share):
    (line, _qty), _share = wanted_and_share
    return line.product_id


def _return_shift(shift_id, user, *, cash: bool) -> Shift | None:
    """The shift a return is booked on: ``shift_id`` (open; a cashier may name only
    their own) or the user's open shift. A cashier books returns only on their own
    shift, and a cash refund comes out of an open shift's drawer: with neither,
    ``Conflict``. Raises ``InvalidInput`` (unknown shift), ``Forbidden``."""
    if shift_id is not None:
        shift = db.session.get(Shift, shift_id)
        if shift is None:
            raise InvalidInput(_("Unknown shift."), field="shift_id")
        if shift.cashier_id != user.id and not _is_manager(user):
            raise Forbidden(_("This shift belongs to another cashier."))
        if shift.status != SHIFT_OPEN:
            raise Conflict(_("The shift is closed."))
        return shift
    shift = open_shift_of(user.id)
    if shift is None and cash:
        raise Conflict(
            _("A cash refund comes out of a drawer: open a shift or name an open shift.")
        )
    if shift is None and not _is_manager(user):
        raise Conflict(_("Open your shift first: a cashier books returns on their own shift."))
    return shift


def _journal_return(sale, ret, wanted, amounts, refunds, stock_before, user):
    """The return's journal (books.events.sale_return): the mirror of the lines
    returned with the return's PPN; stock back at the change of its value, damaged
    goods to selisih persediaan."""
    from books import events as books_events
    from inventory import books as stock_books
    from inventory import services as inventory

    ppn = getattr(ret, "ppn", None)
    taxable = [
        amt if line.tax == "ppn" else 0 for (line, _q), amt in zip(wanted, amounts, strict=True)
    ]
    if ppn is None:
        ppn = ppn_split(sum(taxable)).ppn if sale.ppn and sum(taxable) else 0
    ppn_shares = _split_proportionally(ppn, taxable)
    consigned, cost_damaged = [], 0
    for (line, qty), amount, ppn_share in zip(wanted, amounts, ppn_shares, strict=True):
        product = inventory.get_product(line.product_id)
        if product.consigned:
            share = stock_books.consignment_share(
                qty,
                _net_unit_price(line.amount, line.quantity),
                product.supplier_price,
                product.supplier.commission_percent,
                amount=amount,
            )
            consigned.append((amount - ppn_share, share))
        elif ret.damaged:
            cost_damaged += stock_books.value(qty, product.avg_cost)
    stock_after = stock_books.owned_values(stock_before)
    books_events.sale_return(
        ret.business_date,
        return_id=ret.id,
        number=ret.number,
        amount=ret.amount,
        ppn=ppn,
        refunds=list(refunds),
        consigned=consigned,
        cost_back=stock_books.values_of(stock_after) - stock_books.values_of(stock_before),
        cost_damaged=cost_damaged,
        user=user,
    )


def return_share(amount: int, sold: Decimal, before: Decimal, qty: Decimal) -> int:
    """What returning ``qty`` of a line that cost ``amount`` for ``sold`` units gives
    back, when ``before`` units came back already. Rounded cumulatively, so all the
    returns of a line add up to exactly its amount."""

    def upto(units):
        return round_half_up(Fraction(amount) * Fraction(units) / Fraction(sold))

    return upto(before + qty) - upto(before)


def _refund_split(sale: Sale, method: str, amount: int) -> list[tuple[str, int]]:
    if amount == 0:
        return []
    if method != "original":
        return [(method, amount)]
    paid_simpanan = sum(p.amount for p in sale.payments if p.method == "simpanan")
    refunded_simpanan = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(ReturnRefund.amount), 0))
        .join(SaleReturn, SaleReturn.id == ReturnRefund.return_id)
        .where(SaleReturn.sale_id == sale.id, ReturnRefund.method == "simpanan")
    )
    simpanan = max(0, min(amount, paid_simpanan - int(refunded_simpanan)))
    rest = amount - simpanan
    parts = [("simpanan", simpanan)] if simpanan else []
    if rest:
        others = [p for p in sale.payments if p.method != "simpanan"]
        main = max(others, key=lambda p: p.amount).method if others else "cash"
        parts.append((main, rest))
    return parts


def return_document(ret: SaleReturn):
    from printers.document import Document, Item, Total

    items = [
        Item(
            name=line.sale_line.name,
            quantity=line.quantity,
            unit_price=line.sale_line.unit_price,
            amount=-line.amount,
            unit=line.sale_line.unit,
        )
        for line in ret.lines
    ]
    totals = [Total(_("Refund"), ret.amount, emphasis=True)]
    totals += [Total(method_label(r.method), r.amount) for r in ret.refunds]
    notes = [_("Return of receipt %(number)s", number=ret.sale.number)]
    if ret.ppn:
        notes.append(_("Prices include PPN."))
        totals.append(Total(_("DPP nilai lain"), ret.dpp))
        totals.append(Total(_("PPN returned"), ret.ppn))
    if ret.damaged:
        notes.append(_("Damaged goods: written off."))
    return Document(
        header_lines=_branch_header(),
        title=_("RETURN NOTE (NOTA RETUR)"),
        info=[
            (_("No."), ret.number),
            (_("Date"), _local(ret.created_at)),
            (_("Receipt"), ret.sale.number),
        ],
        items=items,
        totals=totals,
        notes=notes,
        footer_lines=[],
        qr_payload=None,
        barcode=None,
        copy=False,
    )


# --- suspended sales, customer display, QRIS ---------------------------------------


def suspend(register_id: int, payload: dict, label: str, user) -> SuspendedSale:
    register = get_register(register_id)
    row = SuspendedSale(
        register_id=register.id, user_id=user.id, label=label or "", payload=payload
    )
    db.session.add(row)
    db.session.flush()
    return row


def resume(suspended_id: int) -> dict:
    """The suspended sale's payload; the parked row is removed (it is not a ledger)."""
    row = db.session.get(SuspendedSale, suspended_id)
    if row is None:
        raise NotFound(_("Unknown suspended sale."))
    payload = row.payload
    deleted = db.session.execute(
        sa.delete(SuspendedSale).where(SuspendedSale.id == suspended_id)
    ).rowcount
    if deleted != 1:  # another register resumed it first
        raise Conflict(_("This sale was already resumed."))
    return payload


def display_token(register_id: int, code: str) -> str:
    """The customer display's token of a register: what a screen that is not logged in
    shows in its address (``/pos/display/CODE?t=TOKEN``) to read the register's display.
    Derived from the secret key, so it needs no storage; a new secret key changes it."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    message = f"customer-display:{register_id}:{code.upper()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def display_token_valid(register_id: int, code: str, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(display_token(register_id, code), str(token))


def set_display(register: Register, state: dict) -> int:
    """Store what the customer display shows; returns the new version (atomic)."""
    return db.session.execute(
        sa.update(Register)
        .where(Register.id == register.id)
        .values(display=state, display_version=Register.display_version + 1)
        .returning(Register.display_version)
    ).scalar_one()


def qris_payload(amount: int) -> str:
    """The dynamic QRIS for ``amount``. ``Conflict`` without MART_QRIS_PAYLOAD."""
    static = (current_app.config.get("MART_QRIS_PAYLOAD") or "").strip()
    if not static:
        raise Conflict(_("No QRIS merchant payload is configured (MART_QRIS_PAYLOAD)."))
    try:
        return qris.dynamic_payload(static, amount)
    except qris.QrisError as exc:
        raise Conflict(
            _("The configured QRIS payload is not valid: %(error)s", error=str(exc))
        ) from exc


# --- roll-up ----------------------------------------------------------------------


def ppn_figures(day_start: datetime, day_end: datetime) -> dict:
    """PPN of ``[day_start, day_end)`` net of returns, for the day's figures and tax
    reports: ``{taxable, dpp, sales_ppn, returns_taxable, returns_dpp, returns_ppn,
    ppn}`` with ``ppn = sales_ppn - returns_ppn`` (a return counts when it was made)."""
    sales = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(Sale.taxable), 0),
            sa.func.coalesce(sa.func.sum(Sale.dpp), 0),
            sa.func.coalesce(sa.func.sum(Sale.ppn), 0),
        ).where(Sale.created_at >= day_start, Sale.created_at < day_end, Sale.status == "completed")
    ).one()
    returns = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(SaleReturn.taxable), 0),
            sa.func.coalesce(sa.func.sum(SaleReturn.dpp), 0),
            sa.func.coalesce(sa.func.sum(SaleReturn.ppn), 0),
        ).where(SaleReturn.created_at >= day_start, SaleReturn.created_at < day_end)
    ).one()
    taxable, dpp, sales_ppn = (int(x) for x in sales)
    r_taxable, r_dpp, r_ppn = (int(x) for x in returns)
    return {
        "taxable": taxable,
        "dpp": dpp,
        "sales_ppn": sales_ppn,
        "returns_taxable": r_taxable,
        "returns_dpp": r_dpp,
        "returns_ppn": r_ppn,
        "ppn": sales_ppn - r_ppn,
    }


def rollup_figures(day_start: datetime, day_end: datetime) -> dict:
    """The day's sales figures for the association roll-up (docs/CONTRACTS.md).

    Everything is net of the day's returns where it says so: ``sales_net`` =
    ``sales_gross - returns``, ``ppn`` = the sales' PPN - the returns' PPN,
    ``member_sales`` = members' sales - returns of members' sales. ``by_payment`` is
    what was received (cash net of change), ``rounding`` the cash rounding added to
    the totals, ``refunds`` what went back by method, so that
    ``sum(by_payment) - rounding - sum(refunds) == sales_net``.
    """
    in_day = sa.and_(
        Sale.created_at >= day_start, Sale.created_at < day_end, Sale.status == "completed"
    )
    row = db.session.execute(
        sa.select(
            sa.func.count(Sale.id),
            sa.func.coalesce(sa.func.sum(Sale.total), 0),
            sa.func.coalesce(sa.func.sum(Sale.discount), 0),
            sa.func.coalesce(
                sa.func.sum(sa.case((Sale.member_no.is_not(None), Sale.total), else_=0)), 0
            ),
            sa.func.coalesce(sa.func.sum(Sale.change), 0),
            sa.func.coalesce(sa.func.sum(Sale.rounding), 0),
        ).where(in_day)
    ).one()
    count, gross, discounts, member_sales, change, rounding = (int(x) for x in row)
    items = db.session.scalar(
        sa.select(sa.func.count(SaleLine.id)).join(Sale, Sale.id == SaleLine.sale_id).where(in_day)
    )
    by_payment = defaultdict(int)
    for method, amount in db.session.execute(
        sa.select(Payment.method, sa.func.sum(Payment.amount))
        .join(Sale, Sale.id == Payment.sale_id)
        .where(in_day)
        .group_by(Payment.method)
    ):
        by_payment[method] += int(amount)
    if change:
        by_payment["cash"] -= change
    ret_in_day = sa.and_(SaleReturn.created_at >= day_start, SaleReturn.created_at < day_end)
    returns, member_returns = (
        int(x)
        for x in db.session.execute(
            sa.select(
                sa.func.coalesce(sa.func.sum(SaleReturn.amount), 0),
                sa.func.coalesce(
                    sa.func.sum(sa.case((Sale.member_no.is_not(None), SaleReturn.amount), else_=0)),
                    0,
                ),
            )
            .join(Sale, Sale.id == SaleReturn.sale_id)
            .where(ret_in_day)
        ).one()
    )
    refunds = defaultdict(int)
    for method, amount in db.session.execute(
        sa.select(ReturnRefund.method, sa.func.sum(ReturnRefund.amount))
        .join(SaleReturn, SaleReturn.id == ReturnRefund.return_id)
        .where(ret_in_day)
        .group_by(ReturnRefund.method)
    ):
        refunds[method] += int(amount)
    ppn = ppn_figures(day_start, day_end)
    from mart.models import User

    cashiers = db.session.scalars(
        sa.select(User.username).join(Sale, Sale.cashier_id == User.id).where(in_day).distinct()
    ).all()
    return {
        "sales_gross": gross,
        "discounts": discounts,
        "returns": returns,
        "sales_net": gross - returns,
        "ppn": ppn["ppn"],
        "sales_ppn": ppn["sales_ppn"],
        "returns_ppn": ppn["returns_ppn"],
        "transactions": count,
        "items": int(items or 0),
        "by_payment": dict(sorted(by_payment.items())),
        "rounding": rounding,
        "refunds": dict(sorted(refunds.items())),
        "member_sales": member_sales - member_returns,
        "cashiers": sorted(cashiers),
    }
