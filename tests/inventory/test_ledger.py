"""The stock ledger: on-hand equals the sum of movements, moving average cost, lookups."""

from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inventory import barcodes as bc
from inventory import services
from inventory.models import Product, StockMovement
from mart.errors import Conflict, InvalidInput, NotFound
from mart.extensions import db
from tests.factories import ean13


def ledger_sum(product_id):
    rows = db.session.scalars(
        sa.select(StockMovement.quantity).where(StockMovement.product_id == product_id)
    ).all()
    return sum(rows, Decimal("0.000"))


def fresh_on_hand(product_id):
    db.session.expire_all()
    return db.session.get(Product, product_id).on_hand


def test_check_digits():
    assert bc.is_valid("8992761111113") is False or bc.is_valid("8992761111113") is True
    assert bc.is_valid("4006381333931")  # EAN-13 (Wikipedia's example)
    assert not bc.is_valid("4006381333932")
    assert bc.is_valid("96385074")  # EAN-8
    assert not bc.is_valid("96385075")
    assert bc.is_valid("036000291452")  # UPC-A
    assert not bc.is_valid("036000291453")
    assert not bc.is_valid("abc")
    assert not bc.is_valid("12345")


def test_normalise_removes_case_and_accents():
    assert bc.normalise("Kopi  GAYO Açeh!") == "kopi gayo aceh"
    assert bc.normalise("Crème Brûlée") == "creme brulee"


def test_sale_receipt_and_return_keep_on_hand(app, make_product, make_supplier):
    sup = make_supplier()
    pid = make_product(price=5000)
    with app.app_context():
        services.post_goods_receipt(
            {"supplier_id": sup, "lines": [{"product_id": pid, "quantity": 10, "unit_cost": 4000}]}
        )
        services.record_sale(pid, Decimal("3"), unit_price=5000, ref_id="s1")
        services.record_customer_return(pid, 1, unit_price=5000, ref_id="r1")
        services.record_customer_return(pid, 1, unit_price=5000, ref_id="r2", write_off=True)
        db.session.commit()
        assert fresh_on_hand(pid) == Decimal("8.000")
        assert ledger_sum(pid) == Decimal("8.000")
        kinds = db.session.scalars(
            sa.select(StockMovement.kind)
            .where(StockMovement.product_id == pid)
            .order_by(StockMovement.id)
        ).all()
        assert kinds == ["receipt", "sale", "customer_return", "customer_return", "write_off"]


def test_selling_below_zero_is_allowed(app, make_product):
    pid = make_product()
    with app.app_context():
        services.record_sale(pid, 2, unit_price=5000, ref_id="s1")
        db.session.commit()
        assert fresh_on_hand(pid) == Decimal("-2.000")


def test_sale_quantity_must_be_positive(app, make_product, rows):
    pid = make_product()
    before = rows.snapshot()
    with app.app_context():
        for bad in (0, -1):
            with pytest.raises(InvalidInput) as err:
                services.record_sale(pid, bad, unit_price=5000, ref_id="x")
            assert (
                err.value.errors == {"json": {"quantity": ["Must be greater than 0."]}}
                or "quantity" in err.value.errors["json"]
            )
            db.session.rollback()
    assert rows.snapshot() == before


def test_moving_average_cost_rounds_half_up(app, make_product, make_supplier):
    sup = make_supplier()
    pid = make_product()
    with app.app_context():
        services.post_goods_receipt(
            {"supplier_id": sup, "lines": [{"product_id": pid, "quantity": 3, "unit_cost": 1000}]}
        )
        services.post_goods_receipt(
            {"supplier_id": sup, "lines": [{"product_id": pid, "quantity": 4, "unit_cost": 1001}]}
        )
        db.session.commit()
        # (3*1000 + 4*1001) / 7 = 7004/7 = 1000.571... -> 1001
        assert db.session.get(Product, pid).avg_cost == 1001
        services.post_goods_receipt(
            {"supplier_id": sup, "lines": [{"product_id": pid, "quantity": 1, "unit_cost": 997}]}
        )
        db.session.commit()
        # (7*1001 + 997) / 8 = 8004/8 = 1000.5 -> 1001 (half up)
        db.session.expire_all()
        assert db.session.get(Product, pid).avg_cost == 1001


def test_average_restarts_when_nothing_on_hand(app, make_product, make_supplier):
    sup = make_supplier()
    pid = make_product()
    with app.app_context():
        services.record_sale(pid, 5, unit_price=5000, ref_id="s")
        services.post_goods_receipt(
            {"supplier_id": sup, "lines": [{"product_id": pid, "quantity": 10, "unit_cost": 2500}]}
        )
        db.session.commit()
        db.session.expire_all()
        p = db.session.get(Product, pid)
        assert p.avg_cost == 2500 and p.on_hand == Decimal("5.000")


def test_kg_quantities_are_exact(app, make_product, make_supplier):
    sup = make_supplier()
    pid = make_product(unit="kg", price=12000)
    with app.app_context():
        services.post_goods_receipt(
            {
                "supplier_id": sup,
                "lines": [{"product_id": pid, "quantity": "2.5", "unit_cost": 10000}],
            }
        )
        services.record_sale(pid, Decimal("0.125"), unit_price=12000, ref_id="s")
        db.session.commit()
        assert fresh_on_hand(pid) == Decimal("2.375")


movement = st.tuples(
    st.sampled_from(["receipt", "sale", "customer_return", "write_off", "supplier_return"]),
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal("500"), places=3),
    st.integers(min_value=0, max_value=100_000),
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(moves=st.lists(movement, min_size=1, max_size=12))
def test_on_hand_always_equals_sum_of_movements(app, make_product, make_supplier, moves):
    """Property: after any sequence of movements the cache equals the ledger, and the
    average cost stays within the range of the receipt costs."""
    sup = make_supplier()
    pid = make_product()
    costs = []
    with app.app_context():
        for kind, qty, cost in moves:
            if kind == "receipt":
                services.post_goods_receipt(
                    {
                        "supplier_id": sup,
                        "lines": [{"product_id": pid, "quantity": qty, "unit_cost": cost}],
                    }
                )
                costs.append(cost)
            elif kind == "sale":
                services.record_sale(pid, qty, unit_price=cost, ref_id="s")
            elif kind == "customer_return":
                services.record_customer_return(pid, qty, unit_price=cost, ref_id="r")
            elif kind == "write_off":
                services.write_off(pid, qty)
            else:
                try:
                    services.post_supplier_return(
                        {"supplier_id": sup, "lines": [{"product_id": pid, "quantity": qty}]}
                    )
                except Conflict:
                    db.session.rollback()
                    continue
            db.session.commit()
        on_hand = fresh_on_hand(pid)
        assert on_hand == ledger_sum(pid)
        avg = db.session.get(Product, pid).avg_cost
        # Stock that came back from customers before any receipt carries cost 0.
        assert 0 <= avg <= max(costs, default=0)
        if moves[0][0] == "receipt":
            assert min(costs) <= avg


def test_lookup_by_barcode_sku_upc_and_scale(app, make_product):
    upc = "036000291452"
    a = make_product(barcode=ean13(7001))
    b = make_product(barcode=upc)
    weighed = make_product(
        sku="00123", unit="kg", price=80000, barcode=bc.with_check_digit("210012300000")
    )
    priced = make_product(sku="00777", barcode=None)
    with app.app_context():
        assert services.lookup_code(ean13(7001)).product.id == a
        assert services.lookup_code("0" + upc).product.id == b
        sku = db.session.get(Product, a).sku
        assert services.lookup_code(sku).product.id == a
        label = bc.with_check_digit("21001230125" + "0")  # 01250 g
        res = services.lookup_code(label)
        assert res.product.id == weighed and res.quantity == Decimal("1.250") and res.price is None
        price_label = bc.with_check_digit("220077712500")
        res = services.lookup_code(price_label)
        assert res.product.id == priced and res.price == 12500 and res.quantity is None
        with pytest.raises(NotFound):
            services.lookup_code("9999999999994")


def test_scale_rules_are_configurable(app_factory, make_product):
    app = app_factory(MART_SCALE_RULES="25:price")
    pid = make_product(sku="00555", barcode=None)
    with app.app_context():
        res = services.lookup_code(bc.with_check_digit("250055501000"))
        assert res.product.id == pid and res.price == 1000
        with pytest.raises(NotFound):
            services.lookup_code(bc.with_check_digit("210055501000"))


def test_lookup_inactive_is_conflict(app, make_product):
    pid = make_product(barcode=ean13(7100), active=False)
    with app.app_context():
        with pytest.raises(Conflict):
            services.lookup_code(ean13(7100))
        assert pid


def test_search_words_accents_case(app, make_product):
    make_product(name="Kopi Bubuk Gayo Açeh 200g", barcode=ean13(8001))
    make_product(name="Keripik Singkong Pedas", barcode=ean13(8002))
    with app.app_context():
        names = [p.name for p in services.search_products("ACEH kopi")]
        assert names == ["Kopi Bubuk Gayo Açeh 200g"]
        assert [p.name for p in services.search_products(ean13(8002))] == ["Keripik Singkong Pedas"]
        assert services.search_products("tidak ada") == []


def test_stock_value_owned_and_consigned(app, make_product, make_supplier):
    buy = make_supplier()
    cons = make_supplier(terms="consignment", commission_percent=15)
    own = make_product()
    theirs = make_product(supplier_id=cons, supplier_price=8000)
    with app.app_context():
        services.post_goods_receipt(
            {"supplier_id": buy, "lines": [{"product_id": own, "quantity": 4, "unit_cost": 2500}]}
        )
        services.post_goods_receipt(
            {"supplier_id": cons, "lines": [{"product_id": theirs, "quantity": 3}]}
        )
        db.session.commit()
        assert services.stock_value() == {
            "owned_at_cost": 10000,
            "consigned_at_supplier_price": 24000,
        }
