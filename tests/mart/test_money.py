from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mart.money import format_rupiah, ppn_split, round_cash, round_half_up

RATE, DPP = Fraction(12, 100), Fraction(11, 12)


@pytest.mark.parametrize(
    "amount, text",
    [
        (12500, "Rp 12.500"),
        (0, "Rp 0"),
        (-12500, "Rp -12.500"),
        (1_000_000, "Rp 1.000.000"),
        (999, "Rp 999"),
    ],
)
def test_format_rupiah(amount, text):
    assert format_rupiah(amount) == text


def test_format_rupiah_refuses_float():
    with pytest.raises(TypeError):
        format_rupiah(12.5)


def test_ppn_worked_example_from_domain():
    split = ppn_split(111_000, RATE, DPP)
    assert (split.before_tax, split.dpp_nilai_lain, split.ppn) == (100_000, 91_667, 11_000)


def test_ppn_rounds_half_up_once():
    # 10.000 x 11/111 = 990.99... -> 991
    assert ppn_split(10_000, RATE, DPP).ppn == 991


@given(st.integers(min_value=0, max_value=10**12))
def test_ppn_parts_add_up(gross):
    split = ppn_split(gross, RATE, DPP)
    assert split.before_tax + split.ppn == gross
    exact = Fraction(gross * 11, 111)
    assert abs(split.ppn - exact) <= Fraction(1, 2)


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_round_cash_to_100(amount):
    rounded = round_cash(amount, 100)
    assert rounded % 100 == 0
    assert abs(rounded - amount) <= 50


def test_round_half_up():
    assert round_half_up(Fraction(5, 2)) == 3
    assert round_half_up(Fraction(-5, 2)) == -3
    assert round_cash(12_350, 100) == 12_400
    assert round_cash(12_349, 100) == 12_300
