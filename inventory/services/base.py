"""What every part of the inventory services shares: whole-rupiah rounding, the
acting user, quantities as their stored thousandths in SQL."""

from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask import has_request_context
from flask_babel import gettext as _
from flask_login import current_user

from mart.db import quantity
from mart.errors import InvalidInput

ZERO = Decimal("0.000")


def _money(value) -> int:
    """Round an exact Decimal amount to whole rupiah, halves up (away from zero)."""
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _user(user=None):
    if user is not None:
        return user
    if has_request_context() and current_user.is_authenticated:
        return current_user
    return None


def _user_id(user=None):
    user = _user(user)
    return getattr(user, "id", None)


def _positive(value, field="quantity") -> Decimal:
    try:
        value = quantity(value)
    except Exception as exc:
        raise InvalidInput(_("Not a number."), field=field) from exc
    if value <= 0:
        raise InvalidInput(_("Must be greater than 0."), field=field)
    return value


def raw(column):
    """A Quantity column as its stored integer (thousandths), for exact SQL arithmetic."""
    return sa.type_coerce(column, sa.BigInteger)


def from_raw(value) -> Decimal:
    """Stored thousandths to a 3-place Decimal (exact)."""
    return Decimal(int(value or 0)).scaleb(-3)
