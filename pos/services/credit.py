"""Member credit at the counter (issue 15): a sale paid by ``credit``, a return of it
refunded to the credit, a repayment at the counter (cash into the shift's drawer).

The ledger and the limit are ``members.services.credit``; this module is the counter's
side, called from ``sales.create_sale`` by two one-line hooks (``check_sale`` before
anything is written, ``charge_sale`` with the sale's other effects) and from
``returns``.
"""

from flask_babel import gettext as _

from mart.errors import InvalidInput
from mart.extensions import db
from members import services as members
from pos.models import CashMovement
from pos.services.shifts import _open_drawer, _require_own_open_shift, get_shift, open_shift_of


def credit_amount(payments) -> int:
    return sum(p["amount"] for p in payments if p["method"] == "credit")


def check_sale(payments, member_no) -> int:
    """Before anything is written: a credit payment needs the member and must fit in
    what they have available (read, no lock; ``charge_sale`` checks again under the
    lock). Answers the amount on credit (0: none)."""
    amount = credit_amount(payments)
    if not amount:
        return 0
    if not member_no:
        raise InvalidInput(_("Paying on credit needs the member."), field="payments")
    members.credit.check_charge(member_no, amount, lock=False)
    return amount


def charge_sale(sale, amount, user) -> None:
    """The sale's credit payment charged to the member, under the member's credit row
    lock (two registers selling to one member at once cannot together pass the
    limit: the second waits and is refused, and its sale rolls back)."""
    if amount:
        members.credit.charge(
            sale.member_no,
            amount,
            sale_id=sale.id,
            on=sale.business_date,
            ref=sale.number,
            user=user,
        )


def refund_return(sale, ret, refunds, user) -> None:
    """A return's refund to credit lowers what the member owes."""
    amount = sum(a for m, a in refunds if m == "credit")
    if amount:
        members.credit.refund(
            sale.member_no,
            amount,
            sale_id=sale.id,
            ref=ret.number,
            on=ret.business_date,
            user=user,
        )


def repay_at_counter(member_no, amount, method, user, shift_id=None):
    """A member repaying their credit at the counter. In cash it goes into the drawer
    of the given shift (a cashier may name only their own) or the user's open shift,
    as a cash-in the shift's expected cash counts; by transfer no shift is needed.
    ``InvalidInput`` (no open shift for cash, amount, method); ``Conflict`` above what is
    owed; nothing written on any error."""
    shift = None
    if method == "cash":
        shift = get_shift(shift_id) if shift_id else open_shift_of(user.id)
        if shift is None:
            raise InvalidInput(_("Open a shift to take cash."), field="shift_id")
        _require_own_open_shift(shift, user)
    entry = members.credit.repay(member_no, amount, method=method, user=user)
    if shift is not None:
        movement = CashMovement(
            shift_id=shift.id,
            kind="in",
            amount=amount,
            reason=_("Credit repayment %(no)s", no=str(member_no).strip().upper()),
            user_id=user.id,
        )
        db.session.add(movement)
        db.session.flush()
        entry.ref = f"shift:{shift.id}"
        _open_drawer(shift, "cash_movement", movement.id)
    return entry
