"""Marshmallow fields shared by the domains: exact quantities and rupiah amounts.

Both document themselves in the OpenAPI spec as plain numbers/integers with numeric
bounds (never ``Decimal`` values, which JSON would turn into strings).
"""

from decimal import Decimal, InvalidOperation

from marshmallow import ValidationError, fields, validate

from mart.db import QUANTUM

MAX_QUANTITY = 1_000_000_000
MAX_MONEY = 10**13  # Rp 10 triliun: beyond any branch's figures, within BIGINT


class Quantity(fields.Decimal):
    """An exact quantity, at most 3 decimal places, read without float and kept as a
    3-place ``Decimal``; written as a JSON number (``10``, ``1.25``).

    ``positive=True`` refuses 0 and below; ``non_negative=True`` refuses below 0.
    """

    def __init__(self, *, positive=False, non_negative=False, **kw):
        self.positive = positive
        self.non_negative = non_negative
        if positive:
            kw.setdefault("metadata", {}).update({"exclusiveMinimum": True, "minimum": 0})
        elif non_negative:
            kw.setdefault("metadata", {})["minimum"] = 0
        kw.setdefault("metadata", {})["maximum"] = MAX_QUANTITY
        super().__init__(**kw)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        value = Decimal(value)
        if value == value.to_integral_value():
            return int(value)
        return float(value.normalize())  # at most 3 places: exact enough as a JSON number

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValidationError("Not a valid number.")
        try:
            number = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
        except InvalidOperation as exc:
            raise ValidationError("Not a valid number.") from exc
        if not number.is_finite():
            raise ValidationError("Not a valid number.")
        if abs(number) > MAX_QUANTITY:
            raise ValidationError(f"Must be at most {MAX_QUANTITY}.")
        if number != number.quantize(QUANTUM):
            raise ValidationError("At most 3 decimal places.")
        if self.positive and number <= 0:
            raise ValidationError("Must be greater than 0.")
        if self.non_negative and number < 0:
            raise ValidationError("Must be 0 or more.")
        return number.quantize(QUANTUM)


def Money(*, minimum=0, maximum=MAX_MONEY, **kw):
    """Integer rupiah (never a float or a string), bounded so it fits BIGINT."""
    kw.setdefault("validate", validate.Range(min=minimum, max=maximum))
    return fields.Integer(strict=True, **kw)
