"""Money (integer rupiah), PPN and cash rounding, per docs/DOMAIN.md."""

from dataclasses import dataclass
from fractions import Fraction

from flask import current_app


def format_rupiah(amount: int) -> str:
    """``format_rupiah(12500) == "Rp 12.500"``; negatives ``Rp -12.500``."""
    if isinstance(amount, float):
        raise TypeError("money is int rupiah, never float")
    amount = int(amount)
    sign = "-" if amount < 0 else ""
    return f"Rp {sign}{abs(amount):,}".replace(",", ".")


def format_number(amount: int) -> str:
    """Thousands with dots, no currency: ``12.500``."""
    amount = int(amount)
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount):,}".replace(",", ".")


def round_half_up(value: Fraction) -> int:
    """Round an exact fraction to the nearest integer, halves away from zero."""
    if value < 0:
        return -round_half_up(-value)
    return int((value + Fraction(1, 2)) // 1)


@dataclass(frozen=True)
class PpnSplit:
    gross: int  # tax-inclusive amount
    before_tax: int  # price before tax (P - PPN, whole rupiah)
    dpp_nilai_lain: int  # P x 100/111 x 11/12, from the exact price before tax, rounded once
    ppn: int  # P x 11/111

    @property
    def effective_rate(self) -> Fraction:
        return Fraction(self.ppn, self.before_tax) if self.before_tax else Fraction(0)


def ppn_settings():
    cfg = current_app.config
    return (
        Fraction(cfg["MART_PPN_RATE_PERCENT"], 100),
        Fraction(cfg["MART_PPN_DPP_NUMERATOR"], cfg["MART_PPN_DPP_DENOMINATOR"]),
    )


def ppn_split(gross: int, rate: Fraction | None = None, dpp: Fraction | None = None) -> PpnSplit:
    """Split a tax-inclusive amount into price before tax, DPP nilai lain and PPN.

    With the 2025 rules (12% of DPP nilai lain = 11/12): effective rate 11%,
    ``ppn_split(111000)`` gives before tax 100.000, DPP 91.667, PPN 11.000. The rate
    and the DPP fraction are settings (MART_PPN_*), read from the app when not given.
    PPN is rounded once, half up, over the amount given (compute it per receipt).
    DPP nilai lain is taken from the exact price before tax (P x 100/111 x 11/12) and
    rounded once, half up, so that 12% of it gives the PPN (to the rupiah, whenever the
    exact PPN is not within 0,06 of a half rupiah: both are rounded once from exact
    figures, and 12% of DPP's rounding can move the PPN past the half; e.g. P = 25:
    PPN 2 (2,477), DPP 21 (20,645), 12% x 21 = 2,52).
    """
    if rate is None or dpp is None:
        rate_s, dpp_s = ppn_settings()
        rate = rate if rate is not None else rate_s
        dpp = dpp if dpp is not None else dpp_s
    effective = rate * dpp  # 12% x 11/12 = 11%
    before = Fraction(int(gross)) / (1 + effective)  # exact price before tax
    ppn = round_half_up(Fraction(int(gross)) - before)
    return PpnSplit(
        gross=int(gross),
        before_tax=int(gross) - ppn,
        dpp_nilai_lain=round_half_up(before * dpp),
        ppn=ppn,
    )


def round_cash(amount: int, unit: int) -> int:
    """Round an amount due in cash to the nearest ``unit`` (e.g. Rp 100), halves up."""
    if not unit:
        return int(amount)
    return round_half_up(Fraction(int(amount), unit)) * unit
