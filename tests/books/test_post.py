"""books.post and books.account_balances: balanced journals only, nothing written on
bad input, the chart seeded once."""

from datetime import date

import pytest
import sqlalchemy as sa

from books import account_balances, post
from books.chart import CHART
from books.models import Account, FiscalYear, Journal, JournalLine
from books.services import ensure_chart
from mart.errors import Conflict, InvalidInput
from mart.extensions import db
from tests.conftest import count_rows


def test_chart_is_seeded_once_with_every_role(app, runner):
    result = runner.invoke(args=["mart", "init"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["mart", "init"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        roles = ensure_chart()
        accounts = db.session.scalars(sa.select(Account)).all()

    assert len(accounts) == len(CHART)
    assert set(roles) == {row[3] for row in CHART}
    for role in ("kas", "persediaan", "utang_konsinyasi", "simpanan_sukarela", "hpp"):
        assert role in roles


def test_post_writes_a_balanced_journal_and_balances_sum_it(app):
    with app.app_context():
        journal_id = post(
            date(2026, 3, 1),
            "test",
            [("kas", 11_100, 0), ("penjualan", 0, 10_000), ("ppn_keluaran", 0, 1_100)],
            source_type="test",
            source_id=1,
        )
        db.session.commit()
        assert journal_id
        balances = account_balances()
        assert balances["1101"] == (11_100, 0)
        assert balances["4101"] == (0, 10_000)
        assert balances["2103"] == (0, 1_100)
        assert account_balances(as_of=date(2026, 2, 28))["1101"] == (0, 0)
        assert account_balances(date_from=date(2026, 3, 1), date_to=date(2026, 3, 1))["1101"] == (
            11_100,
            0,
        )
        lines = db.session.scalars(sa.select(JournalLine)).all()
        assert len(lines) == 3


def test_lines_of_one_account_merge_and_zero_lines_drop(app):
    with app.app_context():
        post(
            date(2026, 3, 1),
            "merge",
            [("kas", 5_000, 0), ("kas", 0, 1_000), ("hpp", 0, 0), ("penjualan", 0, 4_000)],
            source_type="test",
            source_id=2,
        )
        db.session.commit()
        assert count_rows(app, JournalLine) == 2
        assert (
            post(date(2026, 3, 1), "nothing", [("kas", 0, 0)], source_type=None, source_id=None)
            is None
        )


@pytest.mark.parametrize(
    "lines",
    [
        [("kas", 1_000, 0), ("penjualan", 0, 999)],
        [("kas", 1_000, 0), ("9999", 0, 1_000)],
        [("kas", 1.5, 0), ("penjualan", 0, 1.5)],
    ],
)
def test_bad_lines_write_nothing(app, lines):
    with app.app_context():
        ensure_chart()
        db.session.commit()
        with pytest.raises(InvalidInput):
            post(date(2026, 3, 1), "bad", lines, source_type="test", source_id=3)
        db.session.rollback()
    assert count_rows(app, Journal) == 0
    assert count_rows(app, JournalLine) == 0


def test_a_closed_year_takes_no_entries(app):
    with app.app_context():
        db.session.add(FiscalYear(year=2020, closed_at=sa.func.now(), surplus=0))
        db.session.commit()
        with pytest.raises(Conflict):
            post(
                date(2020, 6, 1),
                "late",
                [("kas", 1_000, 0), ("penjualan", 0, 1_000)],
                source_type="test",
                source_id=4,
            )
        db.session.rollback()
        post(
            date(2021, 1, 1),
            "next year is open",
            [("kas", 1_000, 0), ("penjualan", 0, 1_000)],
            source_type="test",
            source_id=5,
        )
        db.session.commit()
    assert count_rows(app, Journal) == 1
