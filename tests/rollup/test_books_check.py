"""Books reconciliation per branch on the hub: each branch's newest report says whether
its books reconcile with its ledgers (``books_check``, or ``books.reconciled`` from a
branch that sends only that); the hub lists the branches whose books do not, on the API
and the dashboard with CSV/XLSX; an older day arriving late does not override the newer
verdict; a bad check is refused and changes nothing."""

import io
from datetime import date

import sqlalchemy as sa
from openpyxl import load_workbook

from mart.extensions import db
from rollup.models import HubLatest
from tests import factories
from tests.rollup.conftest import make_report, signed_post

DAY = date(2026, 11, 3)
DIFF = "1-1100 Kas (kas): books 1500000, ledgers 1450000 (drawers), difference 50000"


def _fill(register, hub_client):
    keys = {code: register(code, kecamatan=f"Kec {code}") for code in ("A1", "B1", "C1", "D1")}
    posts = [
        ("A1", DAY, {"books_check": {"ok": False, "differences": [DIFF]}}),
        ("B1", DAY, {"books": {"assets": 5, "reconciled": True}}),  # only the books' flag
        ("C1", DAY, {}),  # an older branch: says nothing of its books
        ("D1", DAY, {"books_check": {"ok": False, "differences": ["x"]}}),
        ("D1", date(2026, 11, 4), {"books_check": {"ok": True, "differences": []}}),
        # D1's older day again (a new revision), late: the newer day's verdict stands
        ("D1", DAY, {"revision": 2, "books_check": {"ok": False, "differences": ["y"]}}),
    ]
    for code, day, extra in posts:
        body = make_report(code, day, **extra)
        answer = signed_post(hub_client, code, keys[code], body)
        assert answer.status_code == 201, answer.get_json()
    return keys


def test_the_hub_lists_branches_whose_books_do_not_reconcile(hub, hub_client, register, hub_api):
    _fill(register, hub_client)
    r = hub_api().get("/api/v1/association/books-check")
    assert r.status_code == 200, r.json
    assert (r.json["checked"], r.json["not_reconciled"]) == (3, 1)
    assert [(i["code"], i["as_of"], i["differences"]) for i in r.json["items"]] == [
        ("A1", "2026-11-03", [DIFF])
    ]
    assert hub_api("cashier").get("/api/v1/association/books-check").status_code == 403

    client = factories.login(hub, "association")
    html = client.get("/association/").get_data(as_text=True)
    assert 'data-testid="books-check-table"' in html and "difference 50000" in html
    csv = client.get("/association/export/books.csv").get_data(as_text=True).splitlines()
    assert len(csv) == 2 and csv[1].startswith("A1,") and "difference 50000" in csv[1]
    xlsx = client.get("/association/export/books.xlsx")
    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == "A1"


def test_a_branch_with_only_the_books_flag_is_listed_without_details(
    hub, hub_client, register, hub_api
):
    key = register("E1")
    body = make_report("E1", DAY, books={"assets": 1, "reconciled": False})
    assert signed_post(hub_client, "E1", key, body).status_code == 201
    items = hub_api().get("/api/v1/association/books-check").json["items"]
    assert [(i["code"], i["differences"]) for i in items] == [("E1", None)]
    client = factories.login(hub, "association")
    csv = client.get("/association/export/books.csv").get_data(as_text=True)
    assert "E1," in csv


def test_a_bad_books_check_changes_nothing(hub, hub_client, register):
    key = register("F1")

    def latest():
        with hub.app_context():
            return db.session.execute(sa.select(HubLatest.branch_id, HubLatest.books_ok)).all()

    before = latest()
    for bad in (
        {"differences": []},  # no verdict
        {"ok": "maybe"},
        {"ok": False, "differences": ["x" * 301]},
        {"ok": False, "differences": ["x"] * 51},
    ):
        r = signed_post(hub_client, "F1", key, make_report("F1", DAY, books_check=bad))
        assert r.status_code == 422 and "books_check" in r.get_json()["errors"]["json"], bad
    assert latest() == before == []
