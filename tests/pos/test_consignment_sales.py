"""Issue 11, money 3: a consigned line's value is what the customer paid for it, after
the whole-sale discount's share, so the supplier is paid exactly."""

from datetime import timedelta
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inventory import services
from mart.db import utcnow
from mart.extensions import db
from mart.money import round_half_up
from tests import factories


def _receive(app, supplier_id, product_id, quantity):
    with app.app_context():
        services.post_goods_receipt(
            {
                "supplier_id": supplier_id,
                "lines": [{"product_id": product_id, "quantity": quantity}],
            }
        )
        db.session.commit()


def _settle(app, supplier_id):
    with app.app_context():
        settlement = services.create_settlement(supplier_id, utcnow().date() + timedelta(days=1))
        db.session.commit()
        return settlement.sales_value, settlement.commission, settlement.payable


def test_consigned_line_settles_from_what_the_customer_paid(app, counter, make_product, rows):
    sup = factories.make_supplier(app, terms="consignment", commission_percent=15)
    kue, _ = make_product(price=8_000, supplier_id=sup, supplier_price=6_500)
    other, _ = make_product(price=10_000)
    _receive(app, sup, kue, 10)
    sale = counter.sale(
        [{"product_id": kue, "quantity": 3}, {"product_id": other, "quantity": 1}],
        [{"method": "cash", "amount": 40_000}],
        discount=3_105,
    )
    assert sale.status_code == 201, sale.json
    line = next(ln for ln in sale.json["lines"] if ln["product_id"] == kue)
    # 24.000 of 34.000 takes 2.191,76 of the discount -> 2.192 (largest remainder)
    assert line["amount"] == 21_808  # 21.808 / 3 = 7.269,33: 3 x 7.269 would be 21.807
    back = counter.cashier.post(
        f"/sales/{sale.json['id']}/returns",
        json={"lines": [{"product_id": kue, "quantity": 1}], "approval_pin": "4321"},
    )
    assert back.status_code == 201 and back.json["amount"] == 7_269  # 21.808 / 3 half up
    value = 21_808 - 7_269
    commission = 2_181  # 14.539 x 15% = 2.180,85
    assert _settle(app, sup) == (value, commission, value - commission)


def test_whole_sale_discount_pays_the_supplier_to_the_rupiah(app, counter, make_product):
    """The audit's line: without a return, 21.808 at 15%: 3.271 commission, 18.537 paid."""
    sup = factories.make_supplier(app, terms="consignment", commission_percent=15)
    kue, _ = make_product(price=8_000, supplier_id=sup, supplier_price=6_500)
    other, _ = make_product(price=10_000)
    _receive(app, sup, kue, 10)
    sale = counter.sale(
        [{"product_id": kue, "quantity": 3}, {"product_id": other, "quantity": 1}],
        [{"method": "cash", "amount": 40_000}],
        discount=3_105,
    )
    assert sale.status_code == 201
    assert _settle(app, sup) == (21_808, 3_271, 18_537)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    quantities=st.lists(st.integers(min_value=1, max_value=7), min_size=1, max_size=3),
    prices=st.lists(st.integers(min_value=500, max_value=60_000), min_size=3, max_size=3),
    discount_per_mille=st.integers(min_value=0, max_value=99),
    percent=st.sampled_from([10, 12.5, 15]),
)
def test_settlement_value_is_what_the_customers_paid(
    app, counter, make_product, quantities, prices, discount_per_mille, percent
):
    """Property: whatever the whole-sale discount, a consigned product's sales value is
    the sum of its lines' amounts, and the supplier gets that less the commission."""
    sup = factories.make_supplier(app, terms="consignment", commission_percent=percent)
    kue, _ = make_product(price=prices[0], supplier_id=sup, supplier_price=1)
    own, _ = make_product(price=prices[1])
    _receive(app, sup, kue, 50)
    paid = 0
    for qty in quantities:
        subtotal = qty * prices[0] + prices[1]
        sale = counter.sale(
            [{"product_id": kue, "quantity": qty}, {"product_id": own, "quantity": 1}],
            [{"method": "cash", "amount": subtotal}],
            discount=subtotal * discount_per_mille // 1000,
        )
        assert sale.status_code == 201, sale.json
        paid += next(ln["amount"] for ln in sale.json["lines"] if ln["product_id"] == kue)
    commission = round_half_up(Fraction(paid) * Fraction(str(percent)) / 100)
    assert _settle(app, sup) == (paid, commission, paid - commission)
