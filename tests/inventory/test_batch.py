"""The batch calls of the sale path: the same outcome as one call per line."""

from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inventory import services
from inventory.models import Product, StockMovement
from mart.errors import InvalidInput, NotFound
from mart.extensions import db
from tests.factories import ean13


def _movements(app, ref_id):
    with app.app_context():
        rows = db.session.execute(
            sa.select(
                StockMovement.product_id,
                StockMovement.kind,
                StockMovement.quantity,
                StockMovement.unit_cost,
                StockMovement.unit_price,
                StockMovement.owner,
                StockMovement.supplier_id,
                StockMovement.ref_type,
                StockMovement.user_id,
            )
            .where(StockMovement.ref_id == ref_id)
            .order_by(StockMovement.product_id, StockMovement.id)
        ).all()
        return [tuple(r) for r in rows]


def _on_hand(app, pid):
    with app.app_context():
        return db.session.get(Product, pid).on_hand


def test_record_sales_writes_what_record_sale_writes(app, make_product, make_supplier):
    sup = make_supplier(terms="consignment", commission_percent=10)
    own = make_product(price=5000)
    cons = make_product(price=9000, supplier_id=sup, supplier_price=7000)
    with app.app_context():
        services.post_goods_receipt(
            {"supplier_id": sup, "lines": [{"product_id": cons, "quantity": 10}]}
        )
        db.session.commit()
    lines = [(cons, Decimal("2"), 8500), (own, 3, 4000), (own, Decimal("1.000"), 5000)]
    with app.app_context():
        assert services.record_sales(lines, ref_id="batch") == 3
        db.session.commit()
    after_batch = {own: _on_hand(app, own), cons: _on_hand(app, cons)}
    assert after_batch == {own: Decimal("-4.000"), cons: Decimal("8.000")}
    with app.app_context():
        for pid, qty, price in lines:
            services.record_sale(pid, qty, unit_price=price, ref_id="single")
        db.session.commit()
    assert _movements(app, "batch") == _movements(app, "single")
    assert _on_hand(app, own) == Decimal("-8.000") and _on_hand(app, cons) == Decimal("6.000")
    [cons_row] = [m for m in _movements(app, "batch") if m[0] == cons]
    assert cons_row[3:7] == (7000, 8500, "supplier", sup)


def test_record_sales_keeps_loaded_products_in_step(app, make_product):
    pid = make_product()
    with app.app_context():
        product = services.get_product(pid)
        services.record_sales([(pid, 2, 5000)], ref_id="s1")
        assert product.on_hand == Decimal("-2.000")
        db.session.rollback()


@pytest.mark.parametrize(
    ("lines", "error"),
    [
        ([(10**9, 1, 100)], NotFound),
        ([("self", 0, 100)], InvalidInput),
        ([("self", -1, 100)], InvalidInput),
    ],
)
def test_record_sales_bad_line_writes_nothing(app, make_product, rows, lines, error):
    pid = make_product()
    lines = [(pid, 1, 5000)] + [(pid if p == "self" else p, q, u) for p, q, u in lines]
    before = rows.snapshot()
    with app.app_context(), pytest.raises(error):
        services.record_sales(lines, ref_id="bad")
    assert rows.snapshot() == before
    assert _on_hand(app, pid) == Decimal("0.000")


def test_get_products_and_products_by_barcodes(app, make_product):
    a = make_product(barcode=ean13(90001))
    b = make_product(barcode=ean13(90002))
    with app.app_context():
        services.update_product(b, {"active": False})
        db.session.commit()
        assert set(services.get_products([a, b, 10**9])) == {a, b}
        assert services.get_products([]) == {}
        found = services.products_by_barcodes([ean13(90001), ean13(90002), "4000000000000"])
        assert {code: p.id for code, p in found.items()} == {ean13(90001): a, ean13(90002): b}
        assert found[ean13(90002)].active is False  # the caller decides
        # the products' barcodes still load on access
        assert [bc.code for bc in found[ean13(90001)].barcodes] == [ean13(90001)]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 2),
            st.decimals(min_value=Decimal("0.001"), max_value=Decimal("500"), places=3),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_record_sales_on_hand_is_the_sum(app, make_product, lines):
    pids = [make_product() for _ in range(3)]
    with app.app_context():
        services.record_sales([(pids[i], q, 1000) for i, q in lines], ref_id="prop")
        db.session.commit()
    for n, pid in enumerate(pids):
        assert _on_hand(app, pid) == -sum((q for i, q in lines if i == n), Decimal("0.000"))
