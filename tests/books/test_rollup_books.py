"""The books in the roll-up: the branch's daily report carries its neraca and PHU
totals; the hub stores them and shows them per branch and per kota and kecamatan,
and still takes reports from branches without them."""

import json
from datetime import date

import pytest

from books import post
from mart.extensions import db
from rollup import branch
from tests import factories
from tests.rollup.conftest import hub, hub_api, hub_client, make_report, register, signed_post

__all__ = ["hub", "hub_api", "hub_client", "register"]  # fixtures of the roll-up tests


@pytest.mark.books_unchecked  # kas moved by hand, no drawer
def test_daily_report_carries_the_books(app):
    manager = factories.api_user(app, "manager")
    with app.app_context():
        today = branch.business_date()
        capital = [("bank", 3_000_000, 0), ("saldo_awal", 0, 3_000_000)]
        post(date(today.year, 1, 1), "modal", capital, source_type=None, source_id=None)
        post(today, "jual", [("kas", 500_000, 0), ("penjualan", 0, 500_000)],
             source_type=None, source_id=None)  # fmt: skip
        post(today, "gaji", [("beban_gaji", 200_000, 0), ("kas", 0, 200_000)],
             source_type=None, source_id=None, kind="manual")  # fmt: skip
        db.session.commit()
    body = manager.get(f"/rollup/daily?date={today}").json
    assert body["books"]["assets"] == 3_300_000
    assert body["books"]["liabilities"] == 0 and body["books"]["equity"] == 3_300_000
    assert body["books"]["revenue"] == 500_000 and body["books"]["surplus"] == 300_000
    assert "reconciled" in body["books"]
    # the day before: nothing sold yet
    before = manager.get(f"/rollup/daily?date={date.fromordinal(today.toordinal() - 1)}").json
    if before["date"][:4] == str(today.year):
        assert before["books"]["revenue"] == 0
    with app.app_context():
        row, _new = branch.build_report(today)
        db.session.commit()
        assert json.loads(row.body)["books"]["surplus"] == 300_000


def test_hub_keeps_books_per_branch_and_area_and_takes_older_reports(
    hub, hub_client, register, hub_api
):
    day = date(2026, 3, 14)
    key1 = register("JKT01", kota="Jakarta Selatan", kecamatan="Tebet")
    key2 = register("JKT02", kota="Jakarta Selatan", kecamatan="Tebet")
    key3 = register("BDG01", kota="Bandung", kecamatan="Coblong")
    books1 = {"assets": 1_000, "liabilities": 200, "equity": 800, "revenue": 500,
              "surplus": 100, "reconciled": True}  # fmt: skip
    books2 = {"assets": 3_000, "liabilities": 1_000, "equity": 2_000, "revenue": 900,
              "surplus": -50, "reconciled": False}  # fmt: skip
    r1 = signed_post(hub_client, "JKT01", key1, make_report("JKT01", day, books=books1))
    r2 = signed_post(hub_client, "JKT02", key2, make_report("JKT02", day, books=books2))
    old = signed_post(hub_client, "BDG01", key3, make_report("BDG01", day))  # older branch
    assert (r1.status_code, r2.status_code, old.status_code) == (201, 201, 201), old.json
    api = hub_api("association")
    got = api.get(f"/association/books?as_of={day}")
    assert got.status_code == 200, got.json
    data = got.json
    rows = {b["code"]: b for b in data["branches"]}
    assert rows["JKT01"]["assets"] == 1_000 and rows["JKT01"]["reconciled"] is True
    assert rows["BDG01"]["has_books"] is False and rows["BDG01"]["assets"] is None
    areas = {(a["kota"], a["kecamatan"]): a for a in data["areas"]}
    tebet = areas[("Jakarta Selatan", "Tebet")]
    assert tebet["assets"] == 4_000 and tebet["surplus"] == 50 and tebet["not_reconciled"] == 1
    assert areas[("Bandung", "Coblong")]["reporting"] == 0
    assert data["totals"]["reporting"] == 2 and data["totals"]["branches"] == 3
    # a later report of a branch replaces its figures; the page shows them
    newer = dict(books1, assets=1_500)
    signed_post(hub_client, "JKT01", key1,
                make_report("JKT01", date(2026, 3, 15), books=newer))  # fmt: skip
    later = api.get("/association/books?as_of=2026-03-15").json
    assert {b["code"]: b for b in later["branches"]}["JKT01"]["assets"] == 1_500
    assert api.get("/association/books?as_of=2026-03-14").json["totals"]["assets"] == 4_000
