from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError

from mart.fields import MAX_MONEY, Money, Quantity


class Line(Schema):
    quantity = Quantity(positive=True, required=True)
    count = Quantity(non_negative=True)
    price = Money()


def test_quantity_reads_numbers_and_strings_exactly():
    assert Line().load({"quantity": 1.25})["quantity"] == Decimal("1.250")
    assert Line().load({"quantity": "0.001"})["quantity"] == Decimal("0.001")
    assert Line().load({"quantity": 3})["quantity"] == Decimal("3.000")


@pytest.mark.parametrize(
    "bad", [0, -1, "abc", True, None, "NaN", "Infinity", 1.2345, 10**30, "1e400", [1]]
)
def test_quantity_refuses_bad_values_with_a_message(bad):
    with pytest.raises(ValidationError) as error:
        Line().load({"quantity": bad})
    assert "quantity" in error.value.messages


def test_quantity_non_negative_allows_zero():
    assert Line().load({"quantity": 1, "count": 0})["count"] == Decimal("0.000")
    with pytest.raises(ValidationError):
        Line().load({"quantity": 1, "count": -0.5})


@given(st.decimals(min_value=Decimal("0.001"), max_value=Decimal(10**9), places=3))
def test_quantity_round_trips_as_a_json_number(value):
    loaded = Line().load({"quantity": str(value)})["quantity"]
    dumped = Line().dump({"quantity": loaded})["quantity"]
    assert isinstance(dumped, int | float)
    assert Decimal(repr(dumped)) == value


def test_money_is_a_bounded_integer():
    assert Line().load({"quantity": 1, "price": 12500})["price"] == 12500
    for bad in (12.5, "12500", -1, MAX_MONEY + 1):
        with pytest.raises(ValidationError):
            Line().load({"quantity": 1, "price": bad})
