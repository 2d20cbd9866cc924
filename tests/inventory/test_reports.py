"""Near-expiry report: per batch, how much may remain (first in, first out)."""

from datetime import timedelta
from decimal import Decimal

from inventory import reports, services
from mart.extensions import db


def test_near_expiry_may_remain_is_fifo(app, make_supplier, make_product, api_as):
    sup = make_supplier()
    pid = make_product(tracks_expiry=True)
    other = make_product(tracks_expiry=True)
    with app.app_context():
        today = services.utcnow().date()
        soon, later = today + timedelta(days=5), today + timedelta(days=20)
        for line in (
            {
                "product_id": pid,
                "quantity": 10,
                "unit_cost": 1000,
                "expiry_date": soon,
                "batch": "A",
            },
            {
                "product_id": pid,
                "quantity": 6,
                "unit_cost": 1000,
                "expiry_date": later,
                "batch": "B",
            },
        ):  # two receipts: A first, then B
            services.post_goods_receipt({"supplier_id": sup, "lines": [line]})
            db.session.flush()
        services.post_goods_receipt(
            {"supplier_id": sup, "lines": [{"product_id": pid, "quantity": 2, "unit_cost": 1000}]}
        )
        services.post_goods_receipt(
            {
                "supplier_id": sup,
                "lines": [
                    {"product_id": other, "quantity": 3, "unit_cost": 500, "expiry_date": soon}
                ],
            }
        )
        services.record_sale(pid, 7, unit_price=1500, ref_id="s1")  # 18 - 7 = 11 on hand
        db.session.commit()
        columns, rows, extra = reports.near_expiry(days=30)
        got = {(r[0], r[3]): dict(zip(columns, r, strict=True)) for r in rows}
        # 11 on hand: the newest 2 (no expiry) + all 6 of B + 3 of A.
        assert got[(pid, "A")]["may_remain"] == Decimal(3)
        assert got[(pid, "B")]["may_remain"] == Decimal(6)
        assert got[(pid, "A")]["received"] == Decimal(10) and got[(pid, "A")]["on_hand"] == 11
        assert got[(other, None)]["may_remain"] == Decimal(3)
        services.record_sale(pid, 10, unit_price=1500, ref_id="s2")  # 1 left: the newest
        db.session.commit()
        columns, rows, _extra = reports.near_expiry(days=30)
        got = {(r[0], r[3]): dict(zip(columns, r, strict=True)) for r in rows}
        assert got[(pid, "A")]["may_remain"] == 0 and got[(pid, "B")]["may_remain"] == 0
    body = api_as("manager").get("/api/v1/stock/reports/near-expiry?days=30").json
    assert {item["may_remain"] for item in body["items"] if item["product_id"] == other} == {3}
