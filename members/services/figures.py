"""Figures for the roll-up and the reports: members, capital, ledger totals."""

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from mart.clock import business_date
from mart.extensions import db
from members.models import KINDS, Member, SavingsEntry
from members.services.base import _as_date, balances_table

# --- roll-up ------------------------------------------------------------------------


def _day_range(day_start, day_end) -> tuple[date, date]:
    """Inclusive first and last business date of a roll-up period."""
    first = _as_date(day_start)
    if isinstance(day_end, datetime):
        last = business_date(day_end - timedelta(microseconds=1))
    else:
        last = day_end
    return first, max(first, last)


def member_figures(day_start, day_end) -> dict:
    """Members at the end of the period, joined and left within it."""
    first, last = _day_range(day_start, day_end)
    count = sa.select(sa.func.count()).select_from(Member)
    total = db.session.scalar(
        count.where(
            Member.join_date <= last,
            sa.or_(Member.left_date.is_(None), Member.left_date > last),
        )
    )
    joined = db.session.scalar(count.where(Member.join_date.between(first, last)))
    left = db.session.scalar(count.where(Member.left_date.between(first, last)))
    return {"members_total": total, "members_joined": joined, "members_left": left}


def capital_totals(as_of=None) -> dict:
    """Simpanan of all members by kind: now, or at the end of business date ``as_of``.

    A datetime ``as_of`` is an exclusive end (the roll-up passes the end of a business
    day): the entries of business days before that moment count.
    """
    if isinstance(as_of, datetime):
        as_of = business_date(as_of - timedelta(microseconds=1))
    totals = dict.fromkeys(KINDS, 0)
    if as_of is None:
        rows = db.session.execute(
            sa.select(balances_table.c.kind, sa.func.sum(balances_table.c.balance)).group_by(
                balances_table.c.kind
            )
        ).all()
    else:
        rows = db.session.execute(
            sa.select(SavingsEntry.kind, sa.func.sum(SavingsEntry.amount))
            .where(SavingsEntry.booked_on <= _as_date(as_of))
            .group_by(SavingsEntry.kind)
        ).all()
    for kind, amount in rows:
        totals[kind] = int(amount or 0)
    return totals


def ledger_totals() -> dict:
    """``{kind: sum of every member's entries}``: the ledgers themselves (the cached
    balances are not read), for the books' reconciliation."""
    totals = dict.fromkeys(KINDS, 0)
    for kind, amount in db.session.execute(
        sa.select(SavingsEntry.kind, sa.func.sum(SavingsEntry.amount)).group_by(SavingsEntry.kind)
    ):
        totals[kind] = int(amount or 0)
    return totals
