"""Top products across branches: the reports' optional ``top_products`` kept per branch
and month on the hub (by difference, as the other summaries), ``GET
/association/products``, the dashboard's table and its CSV/XLSX; older reports without
the field still accepted; bad product lists refused, changing nothing."""

import io
from datetime import date

import sqlalchemy as sa
from openpyxl import load_workbook

from mart.extensions import db
from rollup.models import HubProductMonthly, HubReport
from tests import factories
from tests.rollup.conftest import make_report, signed_post

DAY = date(2026, 11, 3)


def product(ref, name, sales, quantity="1", barcode="", umkm=False, supplier="", unit="pcs"):
    return {
        "ref": ref,
        "name": name,
        "barcode": barcode,
        "unit": unit,
        "umkm": umkm,
        "supplier": supplier,
        "quantity": quantity,
        "sales": sales,
    }


KERIPIK = dict(barcode="8991234", umkm=True, supplier="Keripik Bu Sri")


def _fill(register, hub_client):
    keys = {
        code: register(code, kota=kota, kecamatan=kec)
        for code, kota, kec in (
            ("JKT01", "Jakarta Selatan", "Tebet"),
            ("JKT02", "Jakarta Selatan", "Setiabudi"),
            ("BDG01", "Bandung", "Coblong"),
        )
    }
    posts = [
        ("JKT01", DAY, 1, [product("7", "Keripik Singkong", 40_000, "4", **KERIPIK),
                           product("8", "Beras 5 kg", 65_000, "1")]),
        # a newer revision of the same day: the difference counts, not both
        ("JKT01", DAY, 2, [product("7", "Keripik Singkong", 50_000, "5", **KERIPIK),
                           product("9", "Gula", 14_000, "1,25".replace(",", "."), unit="kg")]),
        # another branch, another ref, the same barcode: the same product
        ("JKT02", DAY, 1, [product("31", "KERIPIK SINGKONG", 30_000, "3", **KERIPIK)]),
        ("BDG01", date(2026, 12, 1), 1, [product("2", "Keripik Singkong", 10_000, "1", **KERIPIK),
                                         product("5", "beras  5 KG", 60_000, "1")]),
        ("BDG01", date(2026, 11, 30), 1, None),  # an older branch: no top_products
    ]  # fmt: skip
    for code, day, revision, top in posts:
        body = make_report(code, day, revision)
        if top is not None:
            body["top_products"] = top
        answer = signed_post(hub_client, code, keys[code], body)
        assert answer.status_code == 201, answer.get_json()
    return keys


def test_top_products_across_branches(hub, hub_client, register, hub_api):
    _fill(register, hub_client)
    api = hub_api()
    r = api.get(
        "/api/v1/association/products", query_string={"from": "2026-11-01", "to": "2026-12-31"}
    )
    assert r.status_code == 200, r.json
    items = {i["key"]: i for i in r.json["items"]}
    assert [i["key"] for i in r.json["items"]] == ["8991234", "name:beras 5 kg", "name:gula"]
    keripik = items["8991234"]
    assert (keripik["sales"], keripik["quantity"]) == (90_000, "9.000")
    assert (keripik["branches"], keripik["kecamatan"], keripik["kota"]) == (3, 3, 2)
    assert keripik["umkm"] is True and keripik["supplier"] == "Keripik Bu Sri"
    # Without a barcode the name, in lower case and single spaces, names a product; JKT01's
    # beras left its day's best sellers in revision 2: no longer counted there.
    assert (items["name:beras 5 kg"]["sales"], items["name:beras 5 kg"]["branches"]) == (60_000, 1)
    assert items["name:gula"]["quantity"] == "1.250" and items["name:gula"]["unit"] == "kg"

    # By whole months: November alone; only UMKM products; a limit.
    nov = api.get(
        "/api/v1/association/products", query_string={"from": "2026-11-10", "to": "2026-11-20"}
    )
    assert {i["key"]: i["sales"] for i in nov.json["items"]} == {
        "8991234": 80_000, "name:gula": 14_000,
    }  # fmt: skip
    assert nov.json["from"] == "2026-11-01"
    umkm = api.get(
        "/api/v1/association/products",
        query_string={"from": "2026-11-01", "to": "2026-12-31", "umkm": "true"},
    )
    assert [i["key"] for i in umkm.json["items"]] == ["8991234"]
    one = api.get(
        "/api/v1/association/products",
        query_string={"from": "2026-11-01", "to": "2026-12-31", "limit": 1},
    )
    assert [i["key"] for i in one.json["items"]] == ["8991234"]
    bad = api.get("/api/v1/association/products", query_string={"limit": 0})
    assert bad.status_code == 422 and "limit" in bad.json["errors"]["query"]
    # Only the association (and admin).
    cashier = hub_api("cashier")
    assert cashier.get("/api/v1/association/products").status_code == 403


def test_dashboard_shows_top_products_with_exports(hub, hub_client, register):
    _fill(register, hub_client)
    client = factories.login(hub, "association")
    query = {"from": "2026-11-01", "to": "2026-12-31"}
    page = client.get("/association/", query_string=query)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-testid="products-table"' in html
    assert "Keripik Bu Sri" in html and "1,25 kg" in html and "Rp 90.000" in html
    csv = client.get("/association/export/products.csv", query_string=query)
    assert csv.status_code == 200
    lines = csv.get_data(as_text=True).splitlines()
    assert len(lines) == 4 and "8991234" in lines[1] and "90000" in lines[1]
    xlsx = client.get("/association/export/products.xlsx", query_string=query)
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 4 and rows[1][1] == "KERIPIK SINGKONG" and rows[1][6] == 90_000


def test_bad_product_lists_change_nothing(hub, hub_client, register):
    key = register("JKT01")

    def rows():
        with hub.app_context():
            return (
                db.session.scalar(sa.select(sa.func.count()).select_from(HubProductMonthly)),
                db.session.scalar(sa.select(sa.func.count()).select_from(HubReport)),
            )

    before = rows()
    for bad in (
        [product("1", "A", 100), product("1", "B", 200)],  # listed twice
        [product("1", "", 100)],  # no name
        [{"ref": "1", "name": "A", "sales": "lots"}],
        [{"ref": "1", "name": "A", "quantity": "NaN"}],
        [{"ref": "1", "name": "A", "quantity": "1000000001"}],
        [product("1", "A", 1)] * 101,
    ):
        body = make_report("JKT01", DAY, top_products=bad)
        r = signed_post(hub_client, "JKT01", key, body)
        assert r.status_code == 422 and "top_products" in r.get_json()["errors"]["json"], bad
    assert rows() == before == (0, 0)
