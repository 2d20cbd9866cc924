"""What the point of sale's services share: settings, the manager's approval, a
line's error, and the exact integer arithmetic of money (proportional split, price x
quantity, net unit price)."""

from decimal import Decimal
from fractions import Fraction

from flask import current_app
from flask_babel import gettext as _

from mart.auth import approve_with_pin
from mart.errors import InvalidInput
from mart.money import round_half_up


def _cfg(name):
    return current_app.config[name]


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
