"""Member purchases: what a member bought, by day, the basis of jasa usaha."""

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from mart.db import utcnow
from mart.errors import InvalidInput
from mart.extensions import db
from members.models import MemberPurchase
from members.services.base import _as_date
from members.services.members import get_member

# --- member purchases ---------------------------------------------------------------


def record_purchase(member_no, amount, *, on: date, ref_type, ref_id) -> MemberPurchase | None:
    """Add to the member's purchases for SHU (jasa usaha); a return is negative.

    Called by the point of sale in its transaction. ``NotFound``; ``InvalidInput`` for
    an amount that is not a whole number. An amount of 0 records nothing.
    """
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidInput(_("The amount must be a whole number of rupiah."), field="amount")
    member = get_member(member_no)
    if amount == 0:
        return None
    row = MemberPurchase(
        member_id=member.id,
        purchase_date=_as_date(on),
        amount=amount,
        ref_type=ref_type,
        ref_id=None if ref_id is None else str(ref_id),
        at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    return row


def purchases_in_year(member_no, year) -> int:
    """The member's purchases in ``year``, net of returns."""
    member = get_member(member_no)
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(MemberPurchase.amount), 0)).where(
                MemberPurchase.member_id == member.id,
                MemberPurchase.purchase_date >= date(year, 1, 1),
                MemberPurchase.purchase_date <= date(year, 12, 31),
            )
        )
    )


def purchases_by_month(member_id, year=None, since=None) -> list[dict]:
    """``[{"month": "2026-03", "amount": n}]`` newest first (all years, one, or since a date)."""
    y = sa.extract("year", MemberPurchase.purchase_date)
    m = sa.extract("month", MemberPurchase.purchase_date)
    stmt = sa.select(y, m, sa.func.sum(MemberPurchase.amount)).where(
        MemberPurchase.member_id == member_id
    )
    if year:
        stmt = stmt.where(
            MemberPurchase.purchase_date >= date(year, 1, 1),
            MemberPurchase.purchase_date <= date(year, 12, 31),
        )
    if since:
        stmt = stmt.where(MemberPurchase.purchase_date >= since)
    rows = db.session.execute(stmt.group_by(y, m).order_by(y.desc(), m.desc())).all()
    return [{"month": f"{int(a):04d}-{int(b):02d}", "amount": int(s)} for a, b, s in rows]
