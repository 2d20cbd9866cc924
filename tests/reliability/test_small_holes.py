"""Issue 11, security 8 (the holes outside login): open redirects after login, CSV
cells a spreadsheet would run, unbounded money, non-ASCII digits, print-job previews,
the cashier's member lookup, the hub's bounds. Each refusal changes nothing."""

import csv
import io
import json
import re
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from inventory import importer
from inventory import services as inventory
from mart.csvsafe import safe_cell, unescape_cell
from mart.extensions import db
from members import services
from members import services as members
from printers import services as printing
from printers.document import Document
from printers.models import PrintJob
from tests import factories
from tests.conftest import DEFAULT_PASSWORD
from tests.factories import ean13
from tests.rollup.conftest import make_report, signed_post

ROOT = Path(__file__).resolve().parents[2]


# --- open redirect after login ---------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example",  # a tab: browsers drop it, leaving //evil.example
        "/\t/evil.example",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\\/evil.example",
        "https://evil.example/",
        "http:evil.example",
        "javascript:alert(1)",
        "/%0d%0aSet-Cookie:x=1",  # CR/LF: a 500 before
        "/\r\nSet-Cookie: x=1",
        "/ /evil.example",
    ],
)
def test_login_never_redirects_off_site(client, make_user, target):
    _, username = make_user("manager")
    token = factories.csrf_token(client, "/login")

    url = "/login?next=" + (target if "%" in target else quote(target, safe=""))
    answer = client.post(
        url, data={"username": username, "password": DEFAULT_PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert "evil" not in location and "\r" not in location and "\n" not in location
    assert location.startswith("/") and not location.startswith("//")
    assert "Set-Cookie: x" not in str(answer.headers)


def test_login_keeps_a_local_next(client, make_user):
    _, username = make_user("manager")
    token = factories.csrf_token(client, "/login")
    answer = client.post(
        "/login?next=/members/%3Fq%3Dsiti",
        data={"username": username, "password": DEFAULT_PASSWORD, "csrf_token": token},
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/members/?q=siti"


# --- CSV cells -------------------------------------------------------------------------


def test_safe_cell():
    for cell in ("=1+2", "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x")'):
        assert safe_cell(cell) == "'" + cell
        assert unescape_cell(safe_cell(cell)) == cell
    for cell in ("-1500", "-0.25", "12", "Teh", "", "'quoted", 5, -5, None):
        assert safe_cell(cell) == cell


@given(st.text(max_size=30))
def test_safe_cell_property(text):
    """Whatever the text: the cell never starts a formula, and reads back as it was."""
    cell = safe_cell(text)
    assert not cell.startswith(("=", "+", "@", "\t", "\r")) or cell == text == ""
    if cell.startswith("-"):
        assert re.fullmatch(r"-[0-9]+(?:[.,][0-9]+)?", cell)
    assert unescape_cell(cell) == text


def test_every_csv_writer_goes_through_the_one_helper():
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts or path.name == "csvsafe.py":
            continue
        if re.search(r"\bcsv\.writer\(|\bcsv\.DictWriter\(", path.read_text()):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, offenders


def test_exports_neutralise_formulas(app, tmp_path):
    formula = '=HYPERLINK("http://evil.example","klik")'
    with app.app_context():
        product = inventory.create_product(
            {"sku": "+SKU1", "name": formula, "price": 5000, "barcode": ean13(991)}
        )
        inventory.record_sale(product.id, 1, unit_price=5000, ref_id="s1")  # stock -1
        members.register_member("@SUM(1+1)", "3171000000009901", phone=None)
        db.session.commit()
    manager = factories.login(app, "manager")
    # products
    sheet = manager.get("/inventory/products/export.csv").get_data(as_text=True)
    row = next(csv.DictReader(io.StringIO(sheet)))
    assert row["Nama"] == "'" + formula and row["Kode"] == "'+SKU1"
    # ... which imports back unchanged
    with app.app_context():
        importer.import_products(sheet)
        db.session.commit()
        product = inventory.search_stmt(q=None)
        names = [p.name for p in db.session.scalars(product)]
    assert names == [formula]
    # reports
    report = manager.get("/inventory/reports/negative-stock?format=csv").get_data(as_text=True)
    assert "'" + formula.replace('"', '""') in report
    # SHU
    year = date.today().year
    token = re.search(
        r'name="csrf-token" content="([^"]+)"', manager.get("/members/shu").get_data(as_text=True)
    ).group(1)
    sheet = manager.post(
        "/members/shu",
        data={"csrf_token": token, "year": str(year), "surplus": "1000000", "action": "csv"},
    )
    assert sheet.mimetype == "text/csv", sheet.get_data(as_text=True)[:300]
    row = next(csv.DictReader(io.StringIO(sheet.get_data(as_text=True))))
    assert row["Nama"] == "'@SUM(1+1)"


def test_hub_export_neutralises_formulas(app_factory):
    hub = app_factory(MART_MODE="association")
    result = hub.test_cli_runner().invoke(
        args=["rollup", "add-branch", "JKT01", "--name", "=cmd|' /C calc'!A0", "--kota", "-x"]
    )
    assert result.exit_code == 0, result.output
    client = factories.login(hub, "association")
    sheet = client.get("/association/export/branches.csv").get_data(as_text=True)
    row = next(csv.DictReader(io.StringIO(sheet)))
    assert row["Cabang"] == "'=cmd|' /C calc'!A0" and row["Kota/kabupaten"] == "'-x"


# --- bounded money, ASCII digits ---------------------------------------------------------


def test_savings_and_surplus_are_bounded(app, rows):
    manager = factories.api_user(app, "manager")
    no = factories.make_member(app)
    before = rows.snapshot()
    for amount in (2**62, 10**13 + 1, 2**63):
        r = manager.post(f"/members/{no}/deposits", json={"kind": "sukarela", "amount": amount})
        assert r.status_code == 422 and "amount" in r.json["errors"]["json"], r.json
        r = manager.post(f"/members/{no}/withdrawals", json={"kind": "sukarela", "amount": amount})
        assert r.status_code == 422 and "amount" in r.json["errors"]["json"], r.json
    allocation = {"cadangan": 40, "jasa_modal": 20, "jasa_usaha": 40}
    r = manager.post(
        f"/shu/{date.today().year - 1}/preview",
        json={"surplus": 2**62, "allocation": allocation},
    )
    assert r.status_code == 422 and "surplus" in json.dumps(r.json["errors"]), r.json
    assert rows.snapshot() == before
    with app.app_context():
        for call in (
            lambda: services.deposit(no, "sukarela", 2**62),
            lambda: services.shu_compute(date.today().year - 1, 2**62, allocation),
        ):
            with pytest.raises(Exception) as caught:
                call()
            assert getattr(caught.value, "status", None) == 422
        db.session.rollback()
    assert rows.snapshot() == before
    # Within the bound, the balance stays an exact integer.
    r = manager.post(f"/members/{no}/deposits", json={"kind": "sukarela", "amount": 10**13})
    assert r.status_code == 201
    body = manager.get(f"/members/{no}").json
    assert body["savings"]["sukarela"] == 10**13 and isinstance(body["savings"]["sukarela"], int)


def test_money_above_10_13_is_422(app, rows):
    manager = factories.api_user(app, "manager")
    before = rows.snapshot()
    r = manager.post("/products", json={"sku": "X1", "name": "X", "price": 10**13 + 1})
    assert r.status_code == 422 and "price" in r.json["errors"]["json"]
    assert rows.snapshot() == before


def test_imported_prices_are_bounded_and_ascii(app, rows):
    before = rows.snapshot()
    for price in (str(2**62), "10000000000001", "١٢٣", "１２３"):
        text = f"sku,name,barcode,price\nS1,Teh,,{price}\n"
        with app.app_context(), pytest.raises(importer.ImportFailed) as failed:
            importer.import_products(text)
        assert [e.column for e in failed.value.errors] == ["price"], price
    assert rows.snapshot() == before


def test_barcodes_take_ascii_digits_only(app, rows):
    manager = factories.api_user(app, "manager")
    code = ean13(4242)
    r = manager.post("/products", json={"sku": "A1", "name": "Teh", "price": 5000, "barcode": code})
    assert r.status_code == 201
    arabic = code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    fullwidth = code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    before = rows.snapshot()
    for other in (arabic, fullwidth):
        r = manager.post(
            "/products", json={"sku": "A2", "name": "Teh 2", "price": 5000, "barcode": other}
        )
        assert r.status_code == 422 and "barcode" in r.json["errors"]["json"], r.json
        r = manager.get("/products", query_string={"barcode": other})
        assert r.status_code in (200, 404) and not (r.json.get("items") or [])
    # NIK and phone digits too
    r = manager.post("/members", json={"name": "Rina", "nik": "٣١٧١" + "0" * 12})
    assert r.status_code == 422 and "nik" in r.json["errors"]["json"]
    assert rows.snapshot() == before
    with app.app_context():
        assert services.normalise_phone("٠٨١٢٣٤") is None


# --- roles: print-job previews, members ---------------------------------------------------


def test_print_job_previews_follow_what_they_print(app, login_as):
    manager = factories.api_user(app, "manager")
    no = factories.make_member(app)
    r = manager.post(
        f"/members/{no}/deposits", json={"kind": "sukarela", "amount": 75_000, "print": True}
    )
    assert r.status_code == 201, r.json
    with app.app_context():
        slip = db.session.scalar(sa.select(PrintJob).where(PrintJob.kind == "slip"))
        test_job = printing.queue_document(Document(title="Tes"), kind="test")
        db.session.commit()
        slip_id, test_id = slip.id, test_job.id
    cashier = factories.api_user(app, "cashier")
    answer = cashier.get(f"/print-jobs/{slip_id}")
    assert answer.status_code == 403 and "75.000" not in answer.get_data(as_text=True)
    page = login_as("cashier").get(f"/printers/jobs/{slip_id}")
    assert page.status_code == 403 and "75.000" not in page.get_data(as_text=True)
    assert "75.000" in manager.get(f"/print-jobs/{slip_id}").json["preview"]
    assert cashier.get(f"/print-jobs/{test_id}").status_code == 200


def test_cashier_looks_members_up_one_at_a_time(app, login_as):
    cashier = factories.api_user(app, "cashier")
    no = factories.make_member(app)
    assert cashier.get("/members").status_code == 403
    assert cashier.get("/members?q=Anggota").status_code == 403
    assert login_as("cashier").get("/members/").status_code == 403
    found = cashier.get("/members/lookup", query_string={"code": no})
    assert found.status_code == 200 and found.json["member_no"] == no
    assert "savings" not in found.json or found.json["savings"] is None


# --- the hub's bounds ------------------------------------------------------------------------


@pytest.fixture
def hub_branch(app_factory):
    hub = app_factory(MART_MODE="association")
    result = hub.test_cli_runner().invoke(args=["rollup", "add-branch", "JKT01", "--name", "M"])
    return hub, result.output.strip().splitlines()[-1]


def test_hub_bounds_dates_revisions_figures_and_sizes(hub_branch, rows):
    hub, key = hub_branch
    client = hub.test_client()
    day = date.today() - timedelta(days=1)
    before = rows.snapshot()
    cases = [
        ({"date": "1999-12-31"}, "date"),
        ({"date": (date.today() + timedelta(days=30)).isoformat()}, "date"),
        ({"date": "9999-12-31"}, "date"),
        ({"revision": 2**62}, "revision"),
        ({"revision": 1_000_001}, "revision"),
        ({"sales_gross": 10**13 + 1}, "sales_gross"),
        ({"sales_net": -(10**13) - 1}, "sales_net"),
        ({"transactions": -1}, "transactions"),
        ({"members_total": -5}, "members_total"),
        ({"branch_name": "x" * 201}, "branch_name"),
        ({"built_at": "x" * 65}, "built_at"),
        ({"staff": ["k"] * 501}, "staff"),
        ({"sources_missing": ["x"] * 21}, "sources_missing"),
        ({"by_payment": {f"m{i}": 1 for i in range(21)}}, "by_payment"),
        ({"member_sales_share": 1e300}, "member_sales_share"),
    ]
    for override, field in cases:
        r = signed_post(client, "JKT01", key, make_report("JKT01", day, **override))
        assert r.status_code == 422, (override, r.status_code)
        assert field in r.json["errors"]["json"], (override, r.json)
    assert rows.snapshot() == before
    # Negative where it means something: a day where returns outweigh sales.
    r = signed_post(client, "JKT01", key, make_report("JKT01", day, sales_net=-5000, ppn=-500))
    assert r.status_code == 201, r.json
