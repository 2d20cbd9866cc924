"""Konsinyasi: settlements pay each unit sold exactly once, even when two race."""

import threading
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inventory import services
from inventory.models import ConsignmentSettlement, StockMovement
from mart.db import utcnow
from mart.errors import Conflict, InvalidInput
from mart.extensions import db
from mart.money import round_half_up


def _consigned(app, make_supplier, make_product, percent=15, supplier_price=8000, price=10000):
    sup = make_supplier(terms="consignment", commission_percent=percent)
    pid = make_product(supplier_id=sup, supplier_price=supplier_price, price=price)
    with app.app_context():
        services.post_goods_receipt(
            {"supplier_id": sup, "lines": [{"product_id": pid, "quantity": 20}]}
        )
        db.session.commit()
    return sup, pid


def today():
    return utcnow().date()


def test_commission_basis(app, make_supplier, make_product):
    sup, pid = _consigned(app, make_supplier, make_product, percent=15)
    with app.app_context():
        services.record_sale(pid, 5, unit_price=10000, ref_id="a")
        services.record_sale(pid, 2, unit_price=9000, ref_id="b")  # discounted
        services.record_customer_return(pid, 1, unit_price=10000, ref_id="c")
        db.session.commit()
        s = services.create_settlement(sup, today())
        db.session.commit()
        # net sold 6 units, value 50000 + 18000 - 10000 = 58000; 15% = 8700
        assert (s.sales_value, s.commission, s.payable) == (58000, 8700, 49300)
        [line] = s.lines
        assert line.units_sold == Decimal("6.000")
        assert line.units_received == Decimal("20.000")
        assert line.on_hand == Decimal("14.000")
        again = services.create_settlement(sup, today())
        db.session.commit()
        # nothing new: the stock is still listed, the 20 received are not repeated
        assert again.payable == 0
        [line] = again.lines
        assert (line.units_received, line.units_sold, line.units_returned, line.on_hand) == (
            0,
            0,
            0,
            Decimal("14.000"),
        )


def test_supplier_price_basis(app, make_supplier, make_product):
    sup, pid = _consigned(app, make_supplier, make_product, percent=0, supplier_price=7500)
    with app.app_context():
        services.record_sale(pid, 4, unit_price=10000, ref_id="a")
        db.session.commit()
        s = services.create_settlement(sup, today())
        assert (s.sales_value, s.payable, s.commission) == (40000, 30000, 10000)
        assert s.basis == "supplier_price"


def test_period_end_excludes_later_sales(app, make_supplier, make_product):
    sup, pid = _consigned(app, make_supplier, make_product)
    with app.app_context():
        services.record_sale(pid, 1, unit_price=10000, ref_id="old")
        db.session.commit()
        old = db.session.scalars(
            sa.select(StockMovement).where(StockMovement.ref_id == "old")
        ).one()
        old.at = utcnow() - timedelta(days=10)
        services.record_sale(pid, 3, unit_price=10000, ref_id="new")
        db.session.commit()
        s = services.create_settlement(sup, today() - timedelta(days=5))
        assert s.sales_value == 10000
        s2 = services.create_settlement(sup, today())
        assert s2.sales_value == 30000
        db.session.commit()


def test_purchase_supplier_cannot_be_settled(app, make_supplier, rows):
    sup = make_supplier(terms="purchase")
    before = rows.snapshot()
    with app.app_context():
        with pytest.raises(InvalidInput) as err:
            services.create_settlement(sup, today())
        assert "supplier_id" in err.value.errors["json"]
        db.session.rollback()
    assert rows.snapshot() == before


def test_pay_once(app, make_supplier, make_product):
    sup, pid = _consigned(app, make_supplier, make_product)
    with app.app_context():
        services.record_sale(pid, 1, unit_price=10000, ref_id="a")
        s = services.create_settlement(sup, today())
        db.session.commit()
        services.pay_settlement(s.id, "TRF-001")
        db.session.commit()
        with pytest.raises(Conflict):
            services.pay_settlement(s.id, "TRF-002")
        db.session.rollback()
        assert db.session.get(ConsignmentSettlement, s.id).paid_reference == "TRF-001"


def test_racing_settlements_pay_each_unit_once(app, make_supplier, make_product):
    sup, pid = _consigned(app, make_supplier, make_product, percent=10)
    with app.app_context():
        for i in range(10):
            services.record_sale(pid, 1, unit_price=10000, ref_id=f"s{i}")
        db.session.commit()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def settle():
        with app.app_context():
            try:
                barrier.wait()
                s = services.create_settlement(sup, today())
                db.session.commit()
                results.append(s.payable)
            except Exception as exc:  # a serialisation failure is acceptable, a double pay not
                db.session.rollback()
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=settle) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 90000  # 10 x 10000 - 10 %
    assert len(results) + len(errors) == 2
    with app.app_context():
        unsettled = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(StockMovement)
            .where(StockMovement.kind == "sale", StockMovement.settlement_id.is_(None))
        )
        assert unsettled == 0
        total = db.session.scalar(sa.select(sa.func.sum(ConsignmentSettlement.payable)))
        assert total == 90000


def test_supplier_figures_for_rollup(app, make_supplier, make_product):
    umkm = make_supplier(terms="purchase", member_no="M000001")
    cons, pid = _consigned(app, make_supplier, make_product, percent=10)
    own = make_product(supplier_id=umkm)
    with app.app_context():
        services.post_goods_receipt(
            {"supplier_id": umkm, "lines": [{"product_id": own, "quantity": 3, "unit_cost": 5000}]}
        )
        services.record_sale(pid, 1, unit_price=10000, ref_id="a")
        s = services.create_settlement(cons, today())
        services.pay_settlement(s.id, "x")
        db.session.commit()
        start = utcnow() - timedelta(hours=1)
        end = utcnow() + timedelta(hours=1)
        figures = services.supplier_figures(start, end)
        assert figures == {
            "umkm_purchases": 15000,
            "consignment_payable": 9000,
            "consignment_paid": 9000,
            "active_umkm_suppliers": 1,
            "member_suppliers": 1,
        }
        assert services.supplier_figures(end, end + timedelta(days=1))["umkm_purchases"] == 0


def test_period_cutoff_is_end_of_day(app):
    with app.app_context():
        cut = services.period_cutoff(date(2026, 1, 31))
        assert cut.isoformat() == "2026-02-01T00:00:00+00:00"


sale_or_return = st.tuples(
    st.booleans(),  # True: sale, False: customer return
    st.integers(min_value=1, max_value=5),
    st.integers(min_value=100, max_value=200_000),
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    events=st.lists(sale_or_return, min_size=1, max_size=8),
    percent=st.sampled_from([0, 10, 12.5, 15]),
)
def test_settlement_money_property(app, make_supplier, make_product, events, percent):
    """Property: the settlement equals the hand computation of the documented rule, its
    lines add up to its totals, and commission + payable = sales value."""
    sup, pid = _consigned(app, make_supplier, make_product, percent=percent, supplier_price=7300)
    value = Fraction(0)
    units = 0
    with app.app_context():
        for i, (is_sale, qty, price) in enumerate(events):
            if is_sale:
                services.record_sale(pid, qty, unit_price=price, ref_id=f"s{i}")
                value += qty * price
                units += qty
            else:
                services.record_customer_return(pid, qty, unit_price=price, ref_id=f"r{i}")
                value -= qty * price
                units -= qty
        s = services.create_settlement(sup, today())
        db.session.commit()
        sales_value = round_half_up(value)
        if percent:
            commission = round_half_up(value * Fraction(str(percent)) / 100)
            payable = sales_value - commission
        else:
            payable = units * 7300
            commission = sales_value - payable
        assert (s.sales_value, s.commission, s.payable) == (sales_value, commission, payable)
        assert sum(line.payable for line in s.lines) == s.payable
        assert s.commission + s.payable == s.sales_value
        assert sum(line.units_sold for line in s.lines) == units


def test_statement_lists_every_product_and_never_repeats_receipts(app, make_supplier, make_product):
    """Issue 11, money 4: a product with receipts and returns but no sale is on the
    statement; a second settlement with the same period_end lists only what is new."""
    sup, sold = _consigned(app, make_supplier, make_product, percent=10)
    unsold = make_product(supplier_id=sup, supplier_price=4000, price=5000)
    idle = make_product(supplier_id=sup, supplier_price=4000, price=5000)  # nothing at all
    with app.app_context():
        services.post_goods_receipt(
            {"supplier_id": sup, "lines": [{"product_id": unsold, "quantity": 20}]}
        )
        services.post_supplier_return(
            {"supplier_id": sup, "lines": [{"product_id": unsold, "quantity": 6}]}
        )
        services.record_sale(sold, 2, unit_price=10000, ref_id="a", amount=20000)
        db.session.commit()
        first = services.create_settlement(sup, today())
        db.session.commit()
        lines = {line.product_id: line for line in first.lines}
        assert set(lines) == {sold, unsold}  # idle has no movement and no stock
        assert (lines[unsold].units_received, lines[unsold].units_returned) == (20, 6)
        assert (lines[unsold].units_sold, lines[unsold].on_hand, lines[unsold].payable) == (
            0,
            14,
            0,
        )
        assert (lines[sold].units_received, lines[sold].units_sold) == (20, 2)
        assert first.payable == 18000
        services.post_goods_receipt(
            {"supplier_id": sup, "lines": [{"product_id": unsold, "quantity": 5}]}
        )
        db.session.commit()
        second = services.create_settlement(sup, today())
        db.session.commit()
        lines = {line.product_id: line for line in second.lines}
        assert set(lines) == {sold, unsold}
        assert (lines[unsold].units_received, lines[unsold].units_returned) == (5, 0)
        assert lines[unsold].on_hand == 19
        assert (lines[sold].units_received, lines[sold].units_sold, lines[sold].on_hand) == (
            0,
            0,
            18,
        )
        assert second.payable == 0
        assert idle not in lines
