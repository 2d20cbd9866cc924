"""What every part of the members services shares: the balance and entry tables,
the month arithmetic of simpanan wajib, the member's row locked, the acting user.
"""

from datetime import date, datetime

import sqlalchemy as sa
from flask import has_request_context
from flask_babel import gettext as _
from flask_login import current_user

from mart.clock import business_date
from mart.errors import NotFound
from mart.extensions import db
from members.models import Member, SavingsBalance, SavingsEntry

balances_table = SavingsBalance.__table__
entries_table = SavingsEntry.__table__


# --- dates (the business day itself is mart.clock's) --------------------------------


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return business_date(value)
    return value


def _month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def _month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


# --- the member's row, the acting user -----------------------------------------------


def _lock_member(member_no) -> Member:
    """The member, row-locked on PostgreSQL (SQLite writers are serialised already)."""
    member_no = str(member_no).strip().upper()
    member = db.session.scalar(
        sa.select(Member)
        .where(Member.member_no == member_no)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if member is None:
        raise NotFound(_("No member with number %(no)s.", no=member_no))
    return member


def _current_user():
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user
    return None


def _current_user_id():
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id
    return None
