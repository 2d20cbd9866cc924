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


def test_dpp_nilai_lain_from_the_exact_price_before_tax():
    # Issue 11: three lines of 5.555 (eggs are exempt): P = 16.665. Exact price before
    # tax 15.013,51; DPP 15.013,51 x 11/12 = 13.762,39 -> 13.762 (it printed 13.763,
    # from 11/12 x (P - rounded PPN)); PPN 16.665 x 11/111 = 1.651,49 -> 1.651.
    split = ppn_split(3 * 5_555, RATE, DPP)
    assert (split.dpp_nilai_lain, split.ppn) == (13_762, 1_651)
    # 12% of the printed DPP gives the printed PPN: 1.651,44 -> 1.651 (13.763 gave 1.651,56)
    assert round_half_up(split.dpp_nilai_lain * Fraction(12, 100)) == split.ppn


@given(st.integers(min_value=0, max_value=10**13))
def test_dpp_is_rounded_once_and_twelve_percent_of_it_gives_the_ppn(gross):
    split = ppn_split(gross, RATE, DPP)
    exact_dpp = Fraction(gross * 100, 111) * Fraction(11, 12)
    assert abs(split.dpp_nilai_lain - exact_dpp) <= Fraction(1, 2)  # rounded once
    exact_ppn = Fraction(gross * 11, 111)
    from_dpp = split.dpp_nilai_lain * Fraction(12, 100)
    # 12% of DPP's own rounding (at most 0,06) is all that separates it from the exact PPN
    assert abs(from_dpp - exact_ppn) <= Fraction(6, 100)
    if abs((exact_ppn - int(exact_ppn)) - Fraction(1, 2)) > Fraction(6, 100):
        # exact PPN not within 0,06 of a half rupiah: the printed figures agree exactly
        assert round_half_up(from_dpp) == split.ppn
    else:  # both rounded once from exact figures: at most a rupiah apart
        assert abs(round_half_up(from_dpp) - split.ppn) <= 1


def test_twelve_percent_of_dpp_can_differ_near_half_a_rupiah():
    # The documented limit: P = 25 -> exact PPN 2,477 -> 2; DPP 20,645 -> 21; 12% x 21 = 2,52.
    split = ppn_split(25, RATE, DPP)
    assert (split.dpp_nilai_lain, split.ppn) == (21, 2)
