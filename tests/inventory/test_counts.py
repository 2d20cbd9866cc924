"""Stock opname: differences against the ledger at the moment each product was counted."""

import threading
from decimal import Decimal

import pytest

from inventory import services
from inventory.models import Product
from mart.errors import Conflict, InvalidInput
from mart.extensions import db


def _stocked(app, make_supplier, make_product, qty=10, cost=3000):
    sup = make_supplier()
    pid = make_product()
    with app.app_context():
        services.post_goods_receipt(
            {"supplier_id": sup, "lines": [{"product_id": pid, "quantity": qty, "unit_cost": cost}]}
        )
        db.session.commit()
    return pid


def test_sales_during_count_are_accounted(app, make_supplier, make_product):
    pid = _stocked(app, make_supplier, make_product)
    with app.app_context():
        count = services.open_count({})
        db.session.commit()
        services.record_sale(pid, 1, unit_price=5000, ref_id="before")  # ledger 9
        services.enter_count(count.id, {"product_id": pid, "quantity": 8})  # one missing
        services.record_sale(pid, 2, unit_price=5000, ref_id="after")  # ledger 7, shelf 6
        db.session.commit()
        summary = services.count_summary(services.get_count(count.id))
        [line] = summary["lines"]
        assert line["difference"] == Decimal("-1.000")
        assert line["value"] == -3000 and summary["difference_value"] == -3000
        services.post_count(count.id)
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Product, pid).on_hand == Decimal("6.000")
        with pytest.raises(Conflict):
            services.post_count(count.id)
        db.session.rollback()
        with pytest.raises(Conflict):
            services.enter_count(count.id, {"product_id": pid, "quantity": 1})


def test_two_shelves_add_up(app, make_supplier, make_product):
    pid = _stocked(app, make_supplier, make_product, qty=10)
    with app.app_context():
        count = services.open_count({"product_ids": [pid]})
        services.enter_count(count.id, {"product_id": pid, "quantity": 4})
        services.enter_count(count.id, {"product_id": pid, "quantity": 7})
        db.session.commit()
        [line] = services.count_summary(services.get_count(count.id))["lines"]
        assert line["counted"] == Decimal("11.000") and line["difference"] == Decimal("1.000")
        services.enter_count(count.id, {"product_id": pid, "quantity": 10, "mode": "set"})
        [line] = services.count_summary(services.get_count(count.id))["lines"]
        assert line["difference"] == 0


def test_count_limited_to_its_products(app, make_supplier, make_product):
    pid = _stocked(app, make_supplier, make_product)
    other = make_product()
    with app.app_context():
        count = services.open_count({"product_ids": [pid]})
        with pytest.raises(InvalidInput):
            services.enter_count(count.id, {"product_id": other, "quantity": 1})


def test_counters_scanning_at_once_add_up(app, make_supplier, make_product):
    pid = _stocked(app, make_supplier, make_product, qty=10)
    with app.app_context():
        count = services.open_count({})
        db.session.commit()
        count_id = count.id
    barrier = threading.Barrier(2)
    errors = []

    def counter():
        with app.app_context():
            try:
                barrier.wait()
                for _ in range(5):
                    services.enter_count(count_id, {"product_id": pid, "quantity": 1})
                    db.session.commit()
            except Exception as exc:
                db.session.rollback()
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=counter) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():
        [line] = services.count_summary(services.get_count(count_id))["lines"]
        assert line["counted"] == Decimal("10.000") and line["difference"] == 0
