"""Manual entries, expenses, accounts and the reconciliation's failures: bad input is a
clear error naming the field and writes nothing."""

import pytest
import sqlalchemy as sa

from books.models import Account, FiscalYear, Journal, JournalLine
from books.services import ensure_chart
from mart.db import utcnow
from mart.extensions import db
from tests import factories
from tests.books.conftest import balances
from tests.conftest import count_rows


def _counts(app):
    return count_rows(app, Journal), count_rows(app, JournalLine), count_rows(app, Account)


def test_a_manual_entry_posts_and_is_listed_with_no_source(app, api_as):
    manager = api_as("manager")
    made = manager.post(
        "/books/journals",
        json={
            "date": "2026-03-01",
            "memo": "Sewa toko Maret",
            "lines": [
                {"account": "6102", "debit": 1_500_000},
                {"account": "1102", "credit": 1_500_000},
            ],
        },
    )
    assert made.status_code == 201, made.json
    assert made.json["source"] is None and made.json["kind"] == "manual"
    listed = manager.get("/books/journals?account=6102").json
    assert listed["total"] == 1 and listed["items"][0]["memo"] == "Sewa toko Maret"
    assert manager.get("/books/journals?account=4101").json["total"] == 0
    accounts = {a["code"]: a for a in manager.get("/books/accounts").json["items"]}
    assert accounts["6102"]["balance"] == 1_500_000 and accounts["6102"]["role"] == "beban_sewa"
    assert accounts["1102"]["balance"] == -1_500_000  # an asset gone below zero shows so


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ([{"account": "6102", "debit": 1_000}, {"account": "1101", "credit": 999}], "lines"),
        (
            [{"account": "6102", "debit": 1_000}, {"account": "9999", "credit": 1_000}],
            "lines.1.account",
        ),
        (
            [
                {"account": "6102", "debit": 1_000, "credit": 1_000},
                {"account": "1101", "credit": 0},
            ],
            "lines.0.debit",
        ),
        ([{"account": "6102", "debit": 1_000}], "lines"),
        ([{"account": "6102", "debit": -5}, {"account": "1101", "credit": -5}], "lines"),
    ],
)
def test_bad_manual_entries_write_nothing(app, api_as, lines, field):
    manager = api_as("manager")
    manager.get("/books/accounts")  # the chart exists
    before = _counts(app)
    bad = manager.post("/books/journals", json={"date": "2026-03-01", "memo": "x", "lines": lines})
    assert bad.status_code == 422, bad.json
    assert bad.json["message"]
    assert field.split(".")[0] in str(bad.json["errors"])
    assert _counts(app) == before


@pytest.mark.parametrize("day", ["0277-04-30", "1999-12-31", "2999-01-01"])
def test_a_journal_or_expense_dated_out_of_range_is_refused_and_writes_nothing(app, api_as, day):
    """A typo of a year (the fuzz posted an expense dated 0277) is refused naming the date:
    the books list every year from the first journal's."""
    manager = api_as("manager")
    manager.get("/books/accounts")  # the chart exists
    before = _counts(app)
    lines = [{"account": "6102", "debit": 1_000}, {"account": "1101", "credit": 1_000}]
    entry = manager.post("/books/journals", json={"date": day, "memo": "x", "lines": lines})
    expense = manager.post(
        "/books/expenses", json={"date": day, "kind": "rent", "amount": 1_000, "paid_from": "kas"}
    )
    for bad in (entry, expense):
        assert bad.status_code == 422, bad.json
        assert "date" in str(bad.json["errors"]) and "2000" in bad.json["message"]
    assert _counts(app) == before


def test_a_closed_year_refuses_entries_with_409(app, api_as):
    manager = api_as("manager")
    with app.app_context():
        ensure_chart()
        db.session.add(FiscalYear(year=2025, closed_at=utcnow(), surplus=0))
        db.session.commit()
    before = _counts(app)
    late = manager.post(
        "/books/journals",
        json={
            "date": "2025-12-31",
            "memo": "telat",
            "lines": [{"account": "6102", "debit": 5}, {"account": "1101", "credit": 5}],
        },
    )
    assert late.status_code == 409, late.json
    assert _counts(app) == before


def test_expenses_for_the_common_cases(app, api_as):
    manager = api_as("manager")
    for kind, paid_from, amount in (
        ("wages", "kas", 3_000_000),
        ("electricity", "bank", 450_000),
        ("depreciation", "kas", 200_000),
        ("bank_charges", "bank", 6_500),
    ):
        made = manager.post(
            "/books/expenses",
            json={"date": "2026-04-30", "kind": kind, "amount": amount, "paid_from": paid_from},
        )
        assert made.status_code == 201, made.json
    got = balances(app)
    assert got["beban_gaji"] == 3_000_000 and got["kas"] == -3_000_000
    assert got["beban_listrik"] == 450_000 and got["beban_bank"] == 6_500
    assert got["bank"] == -456_500
    assert got["beban_penyusutan"] == 200_000 and got["akumulasi_penyusutan"] == -200_000
    before = _counts(app)
    bad = manager.post("/books/expenses", json={"date": "2026-04-30", "kind": "party", "amount": 5})
    assert bad.status_code == 422 and "kind" in bad.json["errors"]["json"]
    assert _counts(app) == before


def test_admin_adds_and_closes_accounts_never_deletes(app, api_as):
    admin, manager = api_as("admin"), api_as("manager")
    assert (
        manager.post(
            "/books/accounts", json={"code": "6110", "name": "Beban Kebersihan", "type": "expense"}
        ).status_code
        == 403
    )
    made = admin.post(
        "/books/accounts", json={"code": "6110", "name": "Beban Kebersihan", "type": "expense"}
    )
    assert made.status_code == 201, made.json
    again = admin.post("/books/accounts", json={"code": "6110", "name": "Lagi", "type": "expense"})
    assert again.status_code == 409
    manager.post(
        "/books/journals",
        json={
            "date": "2026-03-02",
            "memo": "sapu",
            "lines": [{"account": "6110", "debit": 20_000}, {"account": "1101", "credit": 20_000}],
        },
    )
    assert admin.post("/books/accounts/6110/close").status_code == 409  # it has a balance
    manager.post(
        "/books/journals",
        json={
            "date": "2026-03-03",
            "memo": "pindah",
            "lines": [{"account": "6199", "debit": 20_000}, {"account": "6110", "credit": 20_000}],
        },
    )
    closed = admin.post("/books/accounts/6110/close")
    assert closed.status_code == 200 and closed.json["closed"] is True
    assert admin.post("/books/accounts/1101/close").status_code == 409  # events post to kas
    before = _counts(app)
    refused = manager.post(
        "/books/journals",
        json={
            "date": "2026-03-04",
            "memo": "x",
            "lines": [{"account": "6110", "debit": 1}, {"account": "1101", "credit": 1}],
        },
    )
    assert refused.status_code == 422 and "lines" in str(refused.json["errors"])
    assert _counts(app) == before
    assert "6110" in {a["code"] for a in manager.get("/books/accounts").json["items"]}  # kept


def test_check_names_every_difference_and_the_command_exits_non_zero(app, runner, api_as):
    manager = api_as("manager")
    assert runner.invoke(args=["books", "check"]).exit_code == 0
    # A manual entry to persediaan that no stock movement explains, and one to simpanan.
    manager.post(
        "/books/journals",
        json={
            "date": "2026-03-05",
            "memo": "salah akun",
            "lines": [
                {"account": "1201", "debit": 7_000},
                {"account": "2104", "debit": 3_000},
                {"account": "1101", "credit": 10_000},
            ],
        },
    )
    result = runner.invoke(args=["books", "check"])
    assert result.exit_code == 1
    assert "1201" in result.output and "7000" in result.output
    assert "2104" in result.output
    answer = manager.get("/books/check").json
    assert answer["ok"] is False and len(answer["differences"]) == 2
    # put right by a correcting entry: the books agree again
    manager.post(
        "/books/journals",
        json={
            "date": "2026-03-06",
            "memo": "koreksi",
            "lines": [
                {"account": "1101", "debit": 10_000},
                {"account": "1201", "credit": 7_000},
                {"account": "2104", "credit": 3_000},
            ],
        },
    )
    assert runner.invoke(args=["books", "check"]).exit_code == 0


def test_pages_render_in_indonesian(app, login_as):
    manager = login_as("manager")
    for path in (
        "/books/",
        "/books/journals",
        "/books/journals/new",
        "/books/expenses",
        "/books/check",
    ):
        page = manager.get(path)
        assert page.status_code == 200, path
    assert "Bagan akun" in manager.get("/books/").get_data(as_text=True)
    saved = manager.post(
        "/books/expenses",
        data={
            "date": "2026-05-01",
            "kind": "rent",
            "amount": "1.250.000",
            "paid_from": "bank",
            "memo": "Sewa Mei",
            "csrf_token": factories.csrf_token(manager, "/books/expenses"),
        },
    )
    assert saved.status_code == 302
    assert balances(app)["beban_sewa"] == 1_250_000
    before = count_rows(app, Journal)
    bad = manager.post(
        "/books/journals/new",
        data={
            "date": "2026-05-01",
            "memo": "x",
            "account_0": "6102",
            "debit_0": "5.000",
            "account_1": "1101",
            "credit_1": "4.000",
            "csrf_token": factories.csrf_token(manager, "/books/journals/new"),
        },
    )
    assert bad.status_code == 422
    assert "berselisih" in bad.get_data(as_text=True)
    assert count_rows(app, Journal) == before
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Journal)) == before
