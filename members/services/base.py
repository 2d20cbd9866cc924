"""What every part of the members services shares: the balance and entry tables,
the month arithmetic of simpanan wajib, the member's row locked, the acting user.
"""

from datetime import date, datetime

from flask import has_request_context
from flask_login import current_user

from mart.clock import business_date
from members.models import SavingsBalance, SavingsEntry

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


def _current_user():
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user
    return None


def _current_user_id():
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id
    return None
