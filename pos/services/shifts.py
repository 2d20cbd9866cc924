"""Shifts: open, cash in and out of the drawer, close with the cash count, the X/Z
report slip. A cashier works on their own shift; managers on any."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from books import events as books_events
from mart import audit
from mart.clock import business_date, local_text
from mart.db import utcnow
from mart.errors import Conflict, Forbidden, InvalidInput, NotFound
from mart.extensions import db
from mart.money import format_number
from pos.models import SHIFT_CLOSED, SHIFT_OPEN, CashMovement, Register, Shift
from pos.services._common import _approve, _cfg, _is_manager
from pos.services.figures import shift_figures
from pos.services.receipts import method_label
from printers import services as printers
from printers.document import Document, Total, branch_header

# Rupiah notes and coins (docs/DOMAIN.md). The 1.000 exists as a note and as a coin; a cash
# count enters them on one line.
DENOMINATIONS = (100_000, 50_000, 20_000, 10_000, 5_000, 2_000, 1_000, 500, 200, 100)


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
    printers.queue_drawer_kick(shift.register.printer_id, ref_type=ref_type, ref_id=ref_id)


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
    counted_cash, counts = _cash_count(counted_cash, denominations)
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


def _cash_count(counted_cash, denominations) -> tuple[int, dict | None]:
    """The cash counted at a close, ``(counted_cash, counts)``: with ``denominations``,
    their sum (``counted_cash``, if also given, must equal it) and the counts by value
    (``_denomination_counts``); without, ``counts`` is ``None``. ``InvalidInput``."""
    counts = None
    if denominations is not None:
        counts = _denomination_counts(denominations)
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
    return counted_cash, counts


def _denomination_counts(denominations) -> dict[str, int]:
    """How many of each note/coin (``DENOMINATIONS``), keyed by its value as text, the
    ones counted zero left out. ``InvalidInput``: an unknown value, a count that is not
    a whole number."""
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
    return counts


def print_shift_report(shift: Shift, *, final: bool):
    document = shift_report_document(shift, final=final)
    return printers.queue_document(
        document,
        shift.register.printer_id,
        kind="report",
        ref_type="shift",
        ref_id=str(shift.id),
    )


def shift_report_document(shift: Shift, *, final: bool):
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
        header_lines=branch_header(),
        title=_("Z report (shift closed)") if final else _("X report (shift so far)"),
        info=[
            (_("Register"), f["register"]),
            (_("Cashier"), f["cashier"]),
            (_("Opened"), local_text(shift.opened_at)),
            (_("Closed"), local_text(shift.closed_at)),
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
