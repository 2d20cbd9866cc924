"""Purchase orders: creation, bad input, suggestions, receiving in parts, text, report."""

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from inventory import purchasing, services
from inventory.models import StockMovement
from mart.db import utcnow
from mart.extensions import db
from printers import services as printing
from printers.models import PrintJob


@pytest.fixture
def manager(api_as):
    return api_as("manager")


def _order(manager, supplier_id, lines):
    r = manager.post("/purchase-orders", json={"supplier_id": supplier_id, "lines": lines})
    assert r.status_code == 201, r.json
    return r.json


def test_create_get_and_receive_in_parts(manager, make_supplier, make_product):
    s = make_supplier()
    a = make_product(supplier_id=s)
    b = make_product(supplier_id=s)
    po = _order(
        manager,
        s,
        [{"product_id": a, "quantity": 40, "unit_cost": 2500}, {"product_id": b, "quantity": 10}],
    )
    assert po["status"] == "open" and po["total"] == 100000
    got = manager.get(f"/purchase-orders/{po['id']}").json
    assert [
        (ln["product_id"], ln["quantity"], ln["received"], ln["outstanding"]) for ln in got["lines"]
    ] == [
        (a, 40, 0, 40),
        (b, 10, 0, 10),
    ]
    r = manager.post(
        "/goods-receipts",
        json={
            "supplier_id": s,
            "purchase_order_id": po["id"],
            "lines": [{"product_id": a, "quantity": 25, "unit_cost": 2500}],
        },
    )
    assert r.status_code == 201, r.json
    assert r.json["purchase_order_id"] == po["id"]
    got = manager.get(f"/purchase-orders/{po['id']}").json
    assert got["status"] == "partial"
    assert [(ln["received"], ln["outstanding"]) for ln in got["lines"]] == [(25, 15), (0, 10)]
    r = manager.post(
        "/goods-receipts",
        json={
            "supplier_id": s,
            "purchase_order_id": po["id"],
            "lines": [
                {"product_id": a, "quantity": 15, "unit_cost": 2500},
                {"product_id": b, "quantity": 10, "unit_cost": 1000},
            ],
        },
    )
    assert r.status_code == 201, r.json
    got = manager.get(f"/purchase-orders/{po['id']}").json
    assert got["status"] == "received"
    assert [ln["outstanding"] for ln in got["lines"]] == [0, 0]
    assert manager.get(f"/products/{a}").json["on_hand"] == 40
    # A received order takes no more receipts, nothing written.
    r = manager.post(
        "/goods-receipts",
        json={
            "supplier_id": s,
            "purchase_order_id": po["id"],
            "lines": [{"product_id": a, "quantity": 1}],
        },
    )
    assert r.status_code == 422 and "purchase_order_id" in r.json["errors"]["json"]
    assert manager.get(f"/products/{a}").json["on_hand"] == 40


def test_close_makes_it_closed_and_listing(manager, make_supplier, make_product):
    s = make_supplier()
    a = make_product(supplier_id=s)
    po = _order(manager, s, [{"product_id": a, "quantity": 5}])
    r = manager.post(f"/purchase-orders/{po['id']}/close")
    assert r.status_code == 200 and r.json["status"] == "closed"
    assert manager.post(f"/purchase-orders/{po['id']}/close").status_code == 409
    listed = manager.get(f"/purchase-orders?supplier_id={s}").json
    assert listed["total"] == 1 and listed["items"][0]["id"] == po["id"]
    assert manager.get("/purchase-orders?status=open").json["total"] == 0
    assert manager.get("/purchase-orders/9999").status_code == 404


def test_bad_input_names_the_field_and_writes_nothing(manager, make_supplier, make_product, rows):
    s = make_supplier()
    other = make_supplier(terms="consignment")
    mine = make_product(supplier_id=s)
    consigned = make_product(supplier_id=other, supplier_price=1000)
    before = rows.snapshot()
    cases = [
        (
            {
                "supplier_id": s,
                "lines": [
                    {"product_id": mine, "quantity": 1},
                    {"product_id": consigned, "quantity": 2},
                ],
            },
            "lines.1.product_id",
        ),
        ({"supplier_id": 999, "lines": [{"product_id": mine, "quantity": 1}]}, "supplier_id"),
        ({"supplier_id": s, "lines": [{"product_id": 999, "quantity": 1}]}, "lines.0.product_id"),
        (
            {
                "supplier_id": s,
                "lines": [{"product_id": mine, "quantity": 1}, {"product_id": mine, "quantity": 1}],
            },
            "lines.1.product_id",
        ),
    ]
    for body, field in cases:
        r = manager.post("/purchase-orders", json=body)
        assert r.status_code == 422, (body, r.json)
        assert field in r.json["errors"]["json"], (field, r.json)
    r = manager.post(
        "/purchase-orders", json={"supplier_id": s, "lines": [{"product_id": mine, "quantity": 0}]}
    )
    assert r.status_code == 422 and "lines" in r.json["errors"]["json"]
    r = manager.post("/purchase-orders", json={"supplier_id": s, "lines": []})
    assert r.status_code == 422 and "lines" in r.json["errors"]["json"]
    assert rows.snapshot() == before


def test_consigned_product_of_the_same_supplier_is_accepted(manager, make_supplier, make_product):
    c = make_supplier(terms="consignment")
    p = make_product(supplier_id=c, supplier_price=1000)
    po = _order(manager, c, [{"product_id": p, "quantity": 3}])
    assert po["lines"][0]["product_id"] == p


def test_receipt_against_another_suppliers_order_or_a_product_not_on_it(
    manager, make_supplier, make_product, rows
):
    s, t = make_supplier(), make_supplier()
    a, b = make_product(supplier_id=s), make_product(supplier_id=s)
    po = _order(manager, s, [{"product_id": a, "quantity": 5}])
    before = rows.snapshot()
    r = manager.post(
        "/goods-receipts",
        json={
            "supplier_id": t,
            "purchase_order_id": po["id"],
            "lines": [{"product_id": a, "quantity": 1}],
        },
    )
    assert r.status_code == 422 and "purchase_order_id" in r.json["errors"]["json"]
    r = manager.post(
        "/goods-receipts",
        json={
            "supplier_id": s,
            "purchase_order_id": po["id"],
            "lines": [{"product_id": b, "quantity": 1}],
        },
    )
    assert r.status_code == 422 and "lines.0.product_id" in r.json["errors"]["json"]
    r = manager.post(
        "/goods-receipts",
        json={
            "supplier_id": s,
            "purchase_order_id": 4242,
            "lines": [{"product_id": a, "quantity": 1}],
        },
    )
    assert r.status_code == 422 and "purchase_order_id" in r.json["errors"]["json"]
    assert rows.snapshot() == before


def _sell(app, product_id, qty, days_ago):
    with app.app_context():
        m = services.record_sale(product_id, qty, unit_price=5000, ref_id="t")
        m.at = utcnow() - timedelta(days=days_ago)
        db.session.commit()


def test_suggestions_from_velocity_on_hand_on_order_and_reorder_point(
    app, manager, make_supplier, make_product, svc
):
    s = make_supplier(lead_time_days=5)
    fast = make_product(supplier_id=s, reorder_point=10)
    idle = make_product(supplier_id=s)
    ordered = make_product(supplier_id=s)
    make_product(supplier_id=make_supplier())  # another supplier's: never listed
    svc(
        services.post_goods_receipt,
        {"supplier_id": s, "lines": [{"product_id": fast, "quantity": 20, "unit_cost": 100}]},
    )
    # 42 sold within six weeks, 100 more long before (outside the window).
    _sell(app, fast, 42, days_ago=3)
    _sell(app, fast, 100, days_ago=60)
    _sell(app, ordered, 84, days_ago=10)
    _order(manager, s, [{"product_id": ordered, "quantity": 20}])
    r = manager.get(f"/purchase-orders/suggestions?supplier_id={s}")
    assert r.status_code == 200, r.json
    body = r.json
    assert body["weeks"] == 6 and body["lead_time_days"] == 5 and body["cover_days"] == 7
    items = {i["product_id"]: i for i in body["items"]}
    assert idle not in items
    # fast: daily 1, target 10 + 12 = 22; on hand 20 - 142 = -122 -> 144
    assert items[fast]["daily"] == 1 and items[fast]["on_hand"] == -122
    assert items[fast]["suggested"] == 144
    # ordered: daily 2, target 24; on hand -84, on order 20 -> 88
    assert items[ordered]["on_order"] == 20 and items[ordered]["suggested"] == 88
    assert manager.get(f"/purchase-orders/suggestions?supplier_id={s}&weeks=3").status_code == 422
    assert manager.get("/purchase-orders/suggestions?supplier_id=999").status_code == 422


def test_suggestion_rounds_up_to_whole_pieces(app, manager, make_supplier, make_product):
    s = make_supplier(lead_time_days=0)
    p = make_product(supplier_id=s)
    _sell(app, p, 1, days_ago=1)  # daily 1/42, target 7/42 -> need 7/42 + 1 (on hand -1)
    items = manager.get(f"/purchase-orders/suggestions?supplier_id={s}").json["items"]
    assert items[0]["suggested"] == 2


def test_text_for_whatsapp_and_print_on_the_receipt_printer(
    app, manager, make_supplier, make_product
):
    s = make_supplier(name="CV Maju Jaya")
    a = make_product(supplier_id=s, name="Gula Pasir 1kg")
    po = _order(manager, s, [{"product_id": a, "quantity": 12, "unit_cost": 14000}])
    r = manager.get(f"/purchase-orders/{po['id']}/text")
    assert r.status_code == 200 and r.mimetype == "text/plain"
    text = r.get_data(as_text=True)
    assert "CV Maju Jaya" in text and "Gula Pasir 1kg" in text and "12 pcs x 14.000" in text
    assert "Rp 168.000" in text
    r = manager.post(f"/purchase-orders/{po['id']}/print", json={})
    assert r.status_code == 202, r.json
    with app.app_context():
        job = db.session.get(PrintJob, r.json["job_id"])
        preview = printing.job_preview(job, 32)
    assert "CV Maju Jaya" in preview and "Gula Pasir 1kg" in preview and "Rp 168.000" in preview


def test_delivery_report_shows_short_and_late(app, manager, make_supplier, make_product, svc):
    good, bad = make_supplier(name="Tepat"), make_supplier(name="Telat")
    g, b = make_product(supplier_id=good), make_product(supplier_id=bad)
    po_good = _order(manager, good, [{"product_id": g, "quantity": 10}])
    po_bad = _order(manager, bad, [{"product_id": b, "quantity": 10}])
    svc(
        services.post_goods_receipt,
        {
            "supplier_id": good,
            "purchase_order_id": po_good["id"],
            "lines": [{"product_id": g, "quantity": 10}],
        },
    )
    svc(
        services.post_goods_receipt,
        {
            "supplier_id": bad,
            "purchase_order_id": po_bad["id"],
            "lines": [{"product_id": b, "quantity": 4}],
        },
    )
    with app.app_context():
        rows = purchasing.delivery_report(today=utcnow().date() + timedelta(days=30))
    by = {r["supplier_name"]: r for r in rows}
    assert rows[0]["supplier_name"] == "Telat"
    assert by["Telat"]["fill_rate"] == Decimal("40.0") and by["Telat"]["short_orders"] == 1
    assert by["Tepat"]["fill_rate"] == Decimal("100.0") and by["Tepat"]["short_orders"] == 0
    assert by["Tepat"]["late_orders"] == 0
    r = manager.get("/purchase-orders/deliveries")
    assert r.status_code == 200 and {i["supplier_name"] for i in r.json["items"]} == {
        "Tepat",
        "Telat",
    }


def test_received_quantities_equal_the_receipts(app, manager, make_supplier, make_product, svc):
    s = make_supplier()
    a = make_product(supplier_id=s)
    po = _order(manager, s, [{"product_id": a, "quantity": 7}])
    for q in (1, 2, 3):
        svc(
            services.post_goods_receipt,
            {
                "supplier_id": s,
                "purchase_order_id": po["id"],
                "lines": [{"product_id": a, "quantity": q}],
            },
        )
    with app.app_context():
        got = purchasing.get_order(po["id"])
        total = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(StockMovement)
            .where(StockMovement.product_id == a)
        )
        assert total == 3
        assert got.lines[0].received == 6 and got.status == "partial"


@given(st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(100000), places=6))
def test_round_up_never_orders_less_than_needed(need):
    pcs = purchasing._round_up(need, "pcs")
    assert pcs == pcs.to_integral_value() and need <= pcs < need + 1
    kg = purchasing._round_up(need, "kg")
    assert kg == kg.quantize(Decimal("0.001")) and need <= kg < need + Decimal("0.001")
