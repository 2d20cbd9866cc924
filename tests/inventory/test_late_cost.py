"""Issue 11, money 5: a unit sold before any cost was known takes the cost of its
product's next receipt, so cost of goods sold is complete."""

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from inventory import services
from inventory.models import LateCost
from mart.db import utcnow
from mart.extensions import db


def _cogs(app):
    now = utcnow()
    with app.app_context():
        return services.cost_of_goods_sold(now - timedelta(days=1), now + timedelta(days=1))


def test_units_sold_before_any_cost_take_the_next_receipts_cost(
    app, make_supplier, make_product, api_as, rows
):
    """The audit's case: 3 sold at cost 0, then 10 received at 8.000: Rp 24.000 of cost
    of goods sold was missing."""
    sup = make_supplier()
    pid = make_product(price=10_000)
    with app.app_context():
        services.record_sales([(pid, 3, 10_000, 30_000)], ref_id="s1")
        db.session.commit()
        assert services.get_product(pid).cost_pending == Decimal("3.000")
    assert _cogs(app) == {"sold_at_cost": 0, "late_costs": 0, "total": 0}
    manager = api_as("manager")
    receipt = manager.post(
        "/goods-receipts",
        json={
            "supplier_id": sup,
            "lines": [{"product_id": pid, "quantity": 10, "unit_cost": 8000}],
        },
    )
    assert receipt.status_code == 201, receipt.json
    assert receipt.json["late_costs"] == [
        {"product_id": pid, "quantity": 3, "unit_cost": 8000, "amount": 24_000}
    ]
    assert _cogs(app) == {"sold_at_cost": 0, "late_costs": 24_000, "total": 24_000}
    with app.app_context():
        product = services.get_product(pid)
        assert (product.on_hand, product.avg_cost, product.cost_pending) == (7, 8000, 0)
        # stock value (7 x 8.000) + cost of goods sold (24.000) = what was received (80.000)
        assert services.stock_value()["owned_at_cost"] + 24_000 == 80_000
    # the next receipt books nothing more
    again = manager.post(
        "/goods-receipts",
        json={"supplier_id": sup, "lines": [{"product_id": pid, "quantity": 1, "unit_cost": 9000}]},
    )
    assert again.status_code == 201 and again.json["late_costs"] == []
    assert rows(LateCost) == 1
    cogs = manager.get(
        f"/stock/cost-of-goods-sold?from={utcnow().date() - timedelta(days=1)}"
        f"&to={utcnow().date() + timedelta(days=1)}"
    )
    assert cogs.status_code == 200 and cogs.json["total"] == 24_000


def test_units_sold_from_stock_or_returned_wait_for_no_cost(app, make_supplier, make_product):
    sup = make_supplier()
    pid = make_product(price=10_000)
    with app.app_context():
        # a count found 2 (at cost 0): selling 5 leaves 3 below zero, 1 of them comes back
        services.add_movement(services.get_product(pid), "count_adjustment", 2, unit_cost=0)
        services.record_sale(pid, 5, unit_price=10_000, ref_id="s1", amount=50_000)
        services.record_customer_return(pid, 1, unit_price=10_000, ref_id="r1", amount=10_000)
        db.session.commit()
        assert services.get_product(pid).cost_pending == Decimal("2.000")
        # a receipt at cost 0 gives no cost: they keep waiting
        services.post_goods_receipt(
            {"supplier_id": sup, "lines": [{"product_id": pid, "quantity": 1, "unit_cost": 0}]}
        )
        db.session.commit()
        assert services.get_product(pid).cost_pending == Decimal("2.000")
        receipt = services.post_goods_receipt(
            {"supplier_id": sup, "lines": [{"product_id": pid, "quantity": 4, "unit_cost": 7_250}]}
        )
        db.session.commit()
        [late] = services.late_costs_of(receipt.id)
        # on-hand was -1 when it arrived (2 - 5 + 1 + 1): one unit still uncovered
        assert (late.quantity, late.unit_cost, late.amount) == (1, 7_250, 7_250)
        assert services.get_product(pid).cost_pending == 0


def test_a_receipt_refused_books_no_late_cost(app, make_supplier, make_product, api_as, rows):
    sup = make_supplier()
    pid = make_product(price=10_000)
    with app.app_context():
        services.record_sales([(pid, 2, 10_000)], ref_id="s1")
        db.session.commit()
    manager = api_as("manager")
    before = rows.snapshot()
    bad = manager.post(
        "/goods-receipts",
        json={
            "supplier_id": sup,
            "lines": [
                {"product_id": pid, "quantity": 1, "unit_cost": 5000},
                {"product_id": pid, "quantity": -1, "unit_cost": 5000},
            ],
        },
    )
    assert bad.status_code == 422
    assert rows.snapshot() == before
    with app.app_context():
        assert services.get_product(pid).cost_pending == 2
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LateCost)) == 0


def test_cost_of_goods_sold_refuses_bad_dates(api_as):
    manager = api_as("manager")
    for query in ("from=2026-01-01", "from=0001-01-01&to=2026-01-01", "from=x&to=2026-01-01"):
        answer = manager.get(f"/stock/cost-of-goods-sold?{query}")
        assert answer.status_code == 422, query
        assert answer.json["errors"]["query"]
