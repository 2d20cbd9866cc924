"""Simpanan wajib months and arrears.

A deposit may be any positive amount. What a member has paid in wajib (net of
reversals) is applied month by month from the month of joining, so ``paid // rate``
months are covered and the remainder is a partial payment of the next month. Every
month from the join month up to and including the current month is due; the months
due and not covered are the arrears.
"""

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import current_app

from mart.clock import business_date
from mart.extensions import db
from members.models import Member, SavingsEntry
from members.services.base import _month_index, _month_start
from members.services.savings import _wajib_paid

# --- simpanan wajib arrears ---------------------------------------------------------


@dataclass
class WajibStatus:
    rate: int
    months_due: int
    paid: int
    months_paid: int
    partial: int
    arrears_months: int
    arrears_amount: int
    paid_through: date | None
    unpaid_months: list = field(default_factory=list)

    def as_dict(self):
        return {
            "rate": self.rate,
            "months_due": self.months_due,
            "paid": self.paid,
            "months_paid": self.months_paid,
            "partial": self.partial,
            "arrears_months": self.arrears_months,
            "arrears_amount": self.arrears_amount,
            "paid_through": None
            if self.paid_through is None
            else self.paid_through.strftime("%Y-%m"),
            "unpaid_months": [m.strftime("%Y-%m") for m in self.unpaid_months],
        }


def _wajib_status(member, paid, as_of) -> WajibStatus:
    rate = current_app.config["MART_SIMPANAN_WAJIB"]
    end = as_of
    if member.status == "left" and member.left_date and member.left_date < end:
        end = member.left_date
    start = _month_index(member.join_date)
    months_due = max(0, _month_index(end) - start + 1)
    months_paid = paid // rate if rate else 0
    arrears_months = max(0, months_due - months_paid)
    return WajibStatus(
        rate=rate,
        months_due=months_due,
        paid=paid,
        months_paid=months_paid,
        partial=paid % rate if rate else 0,
        arrears_months=arrears_months,
        arrears_amount=max(0, months_due * rate - paid),
        paid_through=_month_start(start + months_paid - 1) if months_paid else None,
        unpaid_months=[_month_start(start + i) for i in range(months_paid, months_due)][:120],
    )


def wajib_status(member, as_of=None) -> WajibStatus:
    """Which months of simpanan wajib are paid and which are in arrears."""
    return _wajib_status(member, _wajib_paid(member.id), as_of or business_date())


def arrears_report(as_of=None) -> list[dict]:
    """Active members with simpanan wajib in arrears, most months first."""
    as_of = as_of or business_date()
    paid = (
        sa.select(
            SavingsEntry.member_id,
            sa.func.sum(SavingsEntry.amount).label("paid"),
        )
        .where(SavingsEntry.kind == "wajib", SavingsEntry.entry_type != "payout")
        .group_by(SavingsEntry.member_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Member, sa.func.coalesce(paid.c.paid, 0))
        .outerjoin(paid, paid.c.member_id == Member.id)
        .where(Member.status == "active")
        .order_by(Member.member_no)
    ).all()
    report = []
    for member, paid_amount in rows:
        status = _wajib_status(member, int(paid_amount), as_of)
        if status.arrears_months > 0:
            report.append(
                {
                    "member_no": member.member_no,
                    "name": member.name,
                    "phone": member.phone,
                    **status.as_dict(),
                }
            )
    report.sort(key=lambda r: (-r["arrears_months"], r["member_no"]))
    return report
