"""Demo books: so that ``make run`` shows a believable neraca and PHU.

The demo shop sells for a few days only (pos demo); the books get the months before
them as monthly summaries, all through the bank so the drawers, stock and simpanan
still agree with the books: an opening balance on 1 January of last year (bank and
the shop's equipment), then each month a summary of sales (paid into the bank, PPN
paid the month after) with the goods bought for them (bought and sold in the month:
persediaan moves in and out), and the month's expenses: wages, rent, electricity,
bank charges and the depreciation of the equipment. Last year is closed, so its RAT
pack is complete.
"""

import random
from datetime import date, timedelta

import sqlalchemy as sa

from books.closing import close_year
from books.models import Journal
from books.services import local_today, post
from mart.extensions import db

EQUIPMENT = 60_000_000  # shelves, freezers, registers: five years
OPENING_BANK = 40_000_000
MEMO_TAG = "(demo)"


def _month_starts(first: date, until: date):
    d = first
    while d < until:
        yield d
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def _end_of_month(d: date) -> date:
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def seed(context):
    """Fill the books with a year and a bit of demo history (the caller commits)."""
    if db.session.scalar(
        sa.select(sa.func.count()).select_from(Journal).where(Journal.memo.like(f"%{MEMO_TAG}"))
    ):
        return
    rng = random.Random(context.get("rng_seed", 2026) + 90)
    today = local_today()
    start = date(today.year - 1, 1, 1)
    opening = OPENING_BANK + EQUIPMENT
    _entry(
        start,
        "Saldo awal",
        [("bank", OPENING_BANK, 0), ("peralatan", EQUIPMENT, 0), ("saldo_awal", 0, opening)],
        kind="opening",
    )
    this_month = date(today.year, today.month, 1)
    ppn_due = 0
    for month in _month_starts(start, this_month):
        end = _end_of_month(month)
        label = f"{month.month:02d}/{month.year}"
        if ppn_due:
            _entry(
                month.replace(day=10),
                "Setor PPN bulan lalu",
                [("ppn_keluaran", ppn_due, 0), ("bank", 0, ppn_due)],
            )
        net = rng.randrange(82, 104) * 1_000_000 + rng.randrange(0, 1000) * 1000
        ppn = net * 11 // 100
        cost = net * rng.randrange(76, 80) // 100
        _entry(
            month.replace(day=15),
            f"Pembelian barang {label}",
            [("persediaan", cost, 0), ("bank", 0, cost)],
        )
        _entry(
            end,
            f"Ringkasan penjualan {label}",
            [("bank", net + ppn, 0), ("penjualan", 0, net), ("ppn_keluaran", 0, ppn)],
        )
        _entry(end, f"Harga pokok penjualan {label}", [("hpp", cost, 0), ("persediaan", 0, cost)])
        ppn_due = ppn
        for role, amount, day in (
            ("beban_gaji", 9_000_000 + rng.randrange(0, 6) * 100_000, 25),
            ("beban_sewa", 4_000_000, 1),
            ("beban_listrik", 1_700_000 + rng.randrange(0, 90) * 10_000, 20),
            ("beban_bank", 25_000 + rng.randrange(0, 30) * 1000, 28),
        ):
            _entry(
                month.replace(day=day),
                f"{_EXPENSE_MEMO[role]} {label}",
                [(role, amount, 0), ("bank", 0, amount)],
            )
        monthly = EQUIPMENT // 60
        _entry(
            end,
            f"Penyusutan peralatan {label}",
            [("beban_penyusutan", monthly, 0), ("akumulasi_penyusutan", 0, monthly)],
        )
    db.session.flush()

    close_year(today.year - 1)


def _entry(day, memo, lines, kind="manual"):
    post(day, f"{memo} {MEMO_TAG}", lines, source_type=None, source_id=None, kind=kind)


_EXPENSE_MEMO = {
    "beban_gaji": "Gaji karyawan",
    "beban_sewa": "Sewa toko",
    "beban_listrik": "Listrik, air dan telepon",
    "beban_bank": "Biaya administrasi bank",
}
