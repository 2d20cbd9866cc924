"""The inventory API of API.md: shapes, statuses, roles; bad input changes nothing."""

import pytest

from inventory import barcodes as bc
from inventory import services
from mart.extensions import db
from tests.factories import ean13


@pytest.fixture
def manager(api_as):
    return api_as("manager")


def _supplier(api, **kw):
    body = {"name": "CV Sumber Rejeki", "terms": "purchase", **kw}
    r = api.post("/suppliers", json=body)
    assert r.status_code == 201, r.json
    return r.json


def _product(api, **kw):
    body = {
        "sku": "IDM-001",
        "name": "Indomie Goreng 85g",
        "barcode": ean13(1),
        "price": 3500,
        **kw,
    }
    r = api.post("/products", json=body)
    assert r.status_code == 201, r.json
    return r.json


def test_create_and_get_product(manager):
    p = _product(manager, member_price=3300, tax="exempt", reorder_point=12, category="Mi Instan")
    assert p["on_hand"] == 0 and p["unit"] == "pcs" and p["tax"] == "exempt"
    assert p["barcode"] == ean13(1) and p["category"] == "Mi Instan"
    got = manager.get(f"/products/{p['id']}")
    assert got.status_code == 200 and got.json["on_hand"] == 0 and got.json["sku"] == "IDM-001"
    by_code = manager.get(f"/products?barcode={ean13(1)}").json
    assert by_code["total"] == 1 and by_code["items"][0]["id"] == p["id"]
    by_words = manager.get("/products?q=goreng%20INDOMIE").json
    assert by_words["total"] == 1
    assert manager.get("/products?q=sabun").json == {"items": [], "total": 0}
    assert manager.get("/products/999").status_code == 404


def test_duplicates_409_and_bad_check_digit_422(manager, rows):
    _product(manager)
    before = rows.snapshot()
    r = manager.post("/products", json={"sku": "IDM-001", "name": "x", "price": 1})
    assert r.status_code == 409 and r.json["message"]
    r = manager.post("/products", json={"sku": "NEW", "name": "x", "price": 1, "barcode": ean13(1)})
    assert r.status_code == 409
    wrong = ean13(2)[:-1] + str((int(ean13(2)[-1]) + 1) % 10)
    r = manager.post("/products", json={"sku": "NEW", "name": "x", "price": 1, "barcode": wrong})
    assert r.status_code == 422 and "barcode" in r.json["errors"]["json"]
    r = manager.post("/products", json={"sku": "NEW", "name": "x", "price": -1})
    assert r.status_code == 422 and "price" in r.json["errors"]["json"]
    r = manager.post("/products", json={"sku": "NEW", "name": "x", "price": 1, "unit": "box"})
    assert r.status_code == 422 and "unit" in r.json["errors"]["json"]
    r = manager.post("/products", json={"sku": "NEW", "name": "x", "price": 1, "supplier_id": 77})
    assert r.status_code == 422 and "supplier_id" in r.json["errors"]["json"]
    assert rows.snapshot() == before


def test_in_store_and_ean8_upc_barcodes_accepted(manager):
    for i, code in enumerate([bc.with_check_digit("200000000001"), "96385074", "036000291452"]):
        r = manager.post(
            "/products", json={"sku": f"S{i}", "name": "x", "price": 1, "barcode": code}
        )
        assert r.status_code == 201, r.json


def test_patch_product(manager):
    p = _product(manager)
    r = manager.patch(f"/products/{p['id']}", json={"price": 3700, "active": False})
    assert r.status_code == 200 and r.json["price"] == 3700 and r.json["active"] is False
    r = manager.patch(f"/products/{p['id']}", json={"barcode": "123"})
    assert r.status_code == 422


def test_receive_sell_count_return_settle_flow(app, manager, rows):
    buy = _supplier(manager)
    cons = _supplier(
        manager,
        name="Bu Sari Keripik",
        terms="consignment",
        commission_percent=15,
        member_no="M000001",
        permit_no="NIB 1234567890123",
    )
    assert cons["commission_percent"] == 15 and cons["member_no"] == "M000001"
    mie = _product(manager, supplier_id=buy["id"])
    keripik = _product(
        manager,
        sku="KRP-1",
        name="Keripik Singkong Balado",
        barcode=ean13(2),
        price=12000,
        supplier_id=cons["id"],
        supplier_price=9000,
    )
    r = manager.post(
        "/goods-receipts",
        json={
            "supplier_id": buy["id"],
            "lines": [
                {
                    "product_id": mie["id"],
                    "quantity": 40,
                    "unit_cost": 2800,
                    "expiry_date": "2027-01-31",
                }
            ],
        },
    )
    assert r.status_code == 201, r.json
    assert r.json["total_cost"] == 112000 and r.json["lines"][0]["quantity"] == 40
    r = manager.post(
        "/goods-receipts",
        json={"supplier_id": cons["id"], "lines": [{"product_id": keripik["id"], "quantity": 10}]},
    )
    assert r.status_code == 201 and r.json["lines"][0]["unit_cost"] == 9000
    with app.app_context():
        services.record_sale(keripik["id"], 4, unit_price=12000, ref_id="sale-1")
        services.record_sale(mie["id"], 5, unit_price=3500, ref_id="sale-1")
        db.session.commit()
    assert manager.get(f"/products/{keripik['id']}").json["on_hand"] == 6
    got = manager.get(f"/products/{mie['id']}").json
    assert got["on_hand"] == 35 and got["avg_cost"] == 2800

    r = manager.post(
        "/supplier-returns",
        json={"supplier_id": cons["id"], "lines": [{"product_id": keripik["id"], "quantity": 2}]},
    )
    assert r.status_code == 201 and r.json["total_cost"] == 18000

    r = manager.post(
        "/consignment-settlements", json={"supplier_id": cons["id"], "period_end": "2099-12-31"}
    )
    assert r.status_code == 201, r.json
    s = r.json
    assert (s["sales_value"], s["commission"], s["payable"]) == (48000, 7200, 40800)
    [line] = s["lines"]
    assert line["units_sold"] == 4 and line["units_received"] == 10
    assert line["units_returned"] == 2 and line["on_hand"] == 4
    again = manager.post(
        "/consignment-settlements", json={"supplier_id": cons["id"], "period_end": "2099-12-31"}
    )
    assert again.status_code == 201 and again.json["payable"] == 0
    paid = manager.post(f"/consignment-settlements/{s['id']}/pay", json={"reference": "BCA-77"})
    assert paid.status_code == 200 and paid.json["paid"] and paid.json["paid_reference"] == "BCA-77"
    assert (
        manager.post(f"/consignment-settlements/{s['id']}/pay", json={"reference": "x"}).status_code
        == 409
    )

    count = manager.post("/stock-counts", json={"note": "Rak 1"})
    assert count.status_code == 201
    cid = count.json["id"]
    r = manager.post(f"/stock-counts/{cid}/lines", json={"barcode": ean13(1), "quantity": 33})
    assert r.status_code == 201
    detail = manager.get(f"/stock-counts/{cid}").json
    assert detail["lines"][0]["difference"] == -2 and detail["lines"][0]["value"] == -5600
    assert detail["difference_value"] == -5600
    posted = manager.post(f"/stock-counts/{cid}/post")
    assert posted.status_code == 200 and posted.json["status"] == "posted"
    assert manager.post(f"/stock-counts/{cid}/post").status_code == 409
    assert manager.get(f"/products/{mie['id']}").json["on_hand"] == 33

    moves = manager.get(f"/stock/movements?product_id={mie['id']}").json
    assert moves["total"] == 3
    assert [m["kind"] for m in moves["items"]] == ["count_adjustment", "sale", "receipt"]

    soh = manager.get("/stock/reports/stock-on-hand").json
    assert soh["total_value"] == 33 * 2800
    cons_stock = manager.get("/stock/reports/consigned-stock").json
    assert cons_stock["total_value"] == 4 * 9000
    csv = manager.get("/stock/reports/stock-on-hand?format=csv")
    assert csv.mimetype == "text/csv" and csv.data.decode().splitlines()[0].startswith(
        "product_id,"
    )
    assert manager.get("/stock/value").json == {
        "owned_at_cost": 92400,
        "consigned_at_supplier_price": 36000,
    }


def test_bad_receipts_change_nothing(manager, rows):
    buy = _supplier(manager)
    p = _product(manager)
    off = _product(manager, sku="OFF", barcode=ean13(3), active=False)
    before = rows.snapshot()
    cases = [
        ({"supplier_id": 999, "lines": [{"product_id": p["id"], "quantity": 1}]}, "supplier_id"),
        ({"supplier_id": buy["id"], "lines": [{"product_id": p["id"], "quantity": 0}]}, "lines"),
        ({"supplier_id": buy["id"], "lines": [{"product_id": p["id"], "quantity": -3}]}, "lines"),
        (
            {"supplier_id": buy["id"], "lines": [{"product_id": off["id"], "quantity": 1}]},
            "lines.0.product_id",
        ),
        (
            {"supplier_id": buy["id"], "lines": [{"product_id": 4242, "quantity": 1}]},
            "lines.0.product_id",
        ),
        ({"supplier_id": buy["id"], "lines": []}, "lines"),
    ]
    for body, field in cases:
        r = manager.post("/goods-receipts", json=body)
        assert r.status_code == 422, (body, r.json)
        assert field in r.json["errors"]["json"], r.json
    r = manager.post(
        "/supplier-returns",
        json={"supplier_id": buy["id"], "lines": [{"product_id": p["id"], "quantity": 5}]},
    )
    assert r.status_code == 409
    r = manager.post(
        "/consignment-settlements", json={"supplier_id": buy["id"], "period_end": "2026-01-31"}
    )
    assert r.status_code == 422 and "supplier_id" in r.json["errors"]["json"]
    r = manager.post(
        "/consignment-settlements", json={"supplier_id": 999, "period_end": "2026-01-31"}
    )
    assert r.status_code == 422 and "supplier_id" in r.json["errors"]["json"]
    r = manager.post("/suppliers", json={"name": "x", "terms": "barter"})
    assert r.status_code == 422 and "terms" in r.json["errors"]["json"]
    assert rows.snapshot() == before


def test_quantity_error_names_the_field(manager):
    buy = _supplier(manager)
    p = _product(manager)
    r = manager.post(
        "/goods-receipts",
        json={"supplier_id": buy["id"], "lines": [{"product_id": p["id"], "quantity": 0}]},
    )
    assert r.json["errors"]["json"]["lines"]["0"]["quantity"] == ["Must be greater than 0."]


def test_supplier_sees_only_its_own(app, api_as, manager):
    mine = _supplier(manager, name="UMKM Saya", terms="consignment", commission_percent=10)
    other = _supplier(manager, name="UMKM Lain", terms="consignment", commission_percent=10)
    p1 = _product(manager, sku="MINE", supplier_id=mine["id"], supplier_price=5000)
    p2 = _product(
        manager, sku="OTHER", barcode=ean13(9), supplier_id=other["id"], supplier_price=5000
    )
    for s, p in ((mine, p1), (other, p2)):
        manager.post(
            "/goods-receipts",
            json={"supplier_id": s["id"], "lines": [{"product_id": p["id"], "quantity": 3}]},
        )
        manager.post(
            "/consignment-settlements", json={"supplier_id": s["id"], "period_end": "2099-01-01"}
        )
    sup = api_as("supplier", supplier_id=mine["id"])
    items = sup.get("/products").json["items"]
    assert [i["sku"] for i in items] == ["MINE"]
    assert sup.get(f"/products/{p2['id']}").status_code == 404
    assert sup.get(f"/products/{p1['id']}").status_code == 200
    assert [s["id"] for s in sup.get("/suppliers").json["items"]] == [mine["id"]]
    assert sup.get(f"/suppliers/{other['id']}").status_code == 404
    setts = sup.get("/consignment-settlements").json["items"]
    assert {s["supplier_id"] for s in setts} == {mine["id"]}
    assert sup.get(f"/stock/movements?product_id={p2['id']}").status_code == 404
    assert {m["product_id"] for m in sup.get("/stock/movements").json["items"]} == {p1["id"]}
    report = sup.get("/stock/reports/consigned-stock").json
    assert [i["sku"] for i in report["items"]] == ["MINE"]
    assert (
        sup.post(
            "/goods-receipts",
            json={"supplier_id": mine["id"], "lines": [{"product_id": p1["id"], "quantity": 3}]},
        ).status_code
        == 403
    )


def test_lookup_endpoint_scale_label(manager):
    _product(
        manager, sku="00123", unit="kg", price=80000, barcode=bc.with_check_digit("210012300000")
    )
    label = bc.with_check_digit("210012301500")
    r = manager.get(f"/products/lookup?code={label}")
    assert (
        r.status_code == 200 and r.json["quantity"] == 1.5 and r.json["product"]["sku"] == "00123"
    )
    assert manager.get("/products/lookup?code=nothing").status_code == 404


def test_openapi_documents_inventory(anon_api):
    spec = anon_api.get("/api/v1/openapi.json").json
    for path in ("/api/v1/products", "/api/v1/goods-receipts", "/api/v1/consignment-settlements"):
        assert path in spec["paths"]


def test_create_user_checks_supplier_link(runner, make_supplier):
    args = ["mart", "create-user", "umkmz", "--role", "supplier", "--password", "umkm-1234"]
    bad = runner.invoke(args=[*args, "--supplier-id", "999"])
    assert bad.exit_code != 0 and "no supplier" in bad.output
    sid = make_supplier()
    ok = runner.invoke(args=[*args, "--supplier-id", str(sid)])
    assert ok.exit_code == 0, ok.output


@pytest.mark.parametrize(
    "value", [10**30, "1e999999", -1, 1.0005, "NaN", True, 10**9 + 1, "9" * 5000]
)
def test_bad_reorder_point_422_changes_nothing(manager, rows, value):
    p = _product(manager, reorder_point=5)
    before = rows.snapshot()
    r = manager.patch(f"/products/{p['id']}", json={"reorder_point": value})
    assert r.status_code == 422, r.json
    assert "reorder_point" in r.json["errors"]["json"]
    assert rows.snapshot() == before
    assert manager.get(f"/products/{p['id']}").json["reorder_point"] == 5


def test_supplier_commission_bounds(manager, rows):
    before = rows.snapshot()
    for bad in (100.01, -1, "1e999999", 12.345):
        r = manager.post(
            "/suppliers", json={"name": "X", "terms": "consignment", "commission_percent": bad}
        )
        assert r.status_code == 422 and "commission_percent" in r.json["errors"]["json"], bad
    assert rows.snapshot() == before
    s = _supplier(manager, terms="consignment", commission_percent=12.5)
    assert s["commission_percent"] == 12.5
    r = manager.patch(f"/suppliers/{s['id']}", json={"commission_percent": 100})
    assert r.status_code == 200 and r.json["commission_percent"] == 100


def test_openapi_bounds_and_report_schemas_are_numbers(anon_api):
    spec = anon_api.get("/api/v1/openapi.json").json
    schemas = spec["components"]["schemas"]
    for name in ("SupplierCreate", "SupplierUpdate"):
        prop = schemas[name]["properties"]["commission_percent"]
        assert prop["minimum"] == 0 and prop["maximum"] == 100
        assert not isinstance(prop["maximum"], str)
    for name in ("ProductCreate", "ProductUpdate"):
        prop = schemas[name]["properties"]["reorder_point"]
        assert prop["type"] == "number" and prop["minimum"] == 0
        assert isinstance(prop["maximum"], int)
    for path in ("/api/v1/stock/value", "/api/v1/stock/reports/{name}"):
        ok = spec["paths"][path]["get"]["responses"]["200"]
        assert "$ref" in ok["content"]["application/json"]["schema"]


def test_patch_supplier_with_empty_body_changes_nothing(api_as, make_supplier, rows):
    manager = api_as("manager")
    supplier_id = make_supplier(terms="consignment", commission_percent=15)
    before = manager.get(f"/suppliers/{supplier_id}").json
    response = manager.patch(f"/suppliers/{supplier_id}", json={})
    assert response.status_code == 200
    assert response.json["commission_percent"] == 15
    assert manager.get(f"/suppliers/{supplier_id}").json == before


def test_patch_supplier_commission_null_is_422(api_as, make_supplier, rows):
    manager = api_as("manager")
    supplier_id = make_supplier(terms="consignment", commission_percent=15)
    snapshot = rows.snapshot()
    response = manager.patch(f"/suppliers/{supplier_id}", json={"commission_percent": None})
    assert response.status_code == 422
    assert "commission_percent" in response.json["errors"]["json"]
    assert rows.snapshot() == snapshot
    assert manager.get(f"/suppliers/{supplier_id}").json["commission_percent"] == 15
