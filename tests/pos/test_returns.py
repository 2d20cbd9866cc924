"""Returns against the original receipt: partial, never more than sold, refunds."""

from datetime import date

import sqlalchemy as sa

from mart.extensions import db
from mart.models import AuditLog
from pos.models import SaleReturn
from tests.pos.conftest import on_hand, purchases, sukarela


def _return(counter, sale_id, lines, **kw):
    body = {"lines": lines, "refund_method": "cash", "approval_pin": "4321", **kw}
    return counter.cashier.post(f"/sales/{sale_id}/returns", json=body)


def test_partial_returns_up_to_what_was_sold(app, counter, make_product, rows):
    a, _ = make_product(price=10_000)
    b, _ = make_product(price=3_333)
    sale = counter.sale(
        [{"product_id": a, "quantity": 3}, {"product_id": b, "quantity": 3}],
        [{"method": "cash", "amount": 50_000}],
        discount=1_000,
    ).json
    first = _return(counter, sale["id"], [{"product_id": a, "quantity": 1}])
    assert first.status_code == 201, first.json
    assert on_hand(app, a) == -2
    second = _return(
        counter, sale["id"], [{"product_id": a, "quantity": 2}, {"product_id": b, "quantity": 3}]
    )
    assert second.status_code == 201
    # all returns together give back exactly what the sale cost
    assert first.json["amount"] + second.json["amount"] == sale["total"]
    before = rows.snapshot()
    over = _return(counter, sale["id"], [{"product_id": a, "quantity": 1}])
    assert over.status_code == 409
    assert rows.snapshot() == before
    assert on_hand(app, a) == 0 and on_hand(app, b) == 0
    listed = counter.cashier.get(f"/sales/{sale['id']}/returns").json
    assert listed["total"] == 2


def test_return_bad_input_changes_nothing(app, counter, make_product, rows):
    a, _ = make_product(price=10_000)
    other, _ = make_product(price=1_000)
    sale = counter.sale(
        [{"product_id": a, "quantity": 2}], [{"method": "cash", "amount": 20_000}]
    ).json
    before = rows.snapshot()
    assert _return(counter, sale["id"], [{"product_id": a, "quantity": 3}]).status_code == 409
    not_on_receipt = _return(counter, sale["id"], [{"product_id": other, "quantity": 1}])
    assert not_on_receipt.status_code == 422
    zero = _return(counter, sale["id"], [{"product_id": a, "quantity": 0}])
    assert zero.status_code == 422 and "lines" in zero.json["errors"]["json"]
    bad_method = _return(
        counter, sale["id"], [{"product_id": a, "quantity": 1}], refund_method="emas"
    )
    assert bad_method.status_code == 422 and "refund_method" in bad_method.json["errors"]["json"]
    no_pin = counter.cashier.post(
        f"/sales/{sale['id']}/returns",
        json={"lines": [{"product_id": a, "quantity": 1}], "refund_method": "cash"},
    )
    assert no_pin.status_code == 422 and "approval_pin" in no_pin.json["errors"]["json"]
    unknown = counter.cashier.post(
        "/sales/nope/returns", json={"lines": [{"product_id": a, "quantity": 1}]}
    )
    assert unknown.status_code == 404
    assert rows.snapshot() == before


def test_member_return_reverses_purchase_and_refunds_simpanan(
    app, counter, make_product, make_member
):
    pid, _ = make_product(price=10_000)
    member_no = make_member(sukarela=100_000)
    sale = counter.sale(
        [{"product_id": pid, "quantity": 4}],
        [{"method": "simpanan", "amount": 25_000}, {"method": "cash", "amount": 15_000}],
        member_no=member_no,
    ).json
    assert sukarela(app, member_no) == 75_000
    year = date.today().year
    assert purchases(app, member_no, year) == 40_000
    ret = _return(
        counter, sale["id"], [{"product_id": pid, "quantity": 3}], refund_method="original"
    )
    assert ret.status_code == 201, ret.json
    assert ret.json["amount"] == 30_000
    assert ret.json["refunds"] == [
        {"method": "simpanan", "amount": 25_000},
        {"method": "cash", "amount": 5_000},
    ]
    assert sukarela(app, member_no) == 100_000
    assert purchases(app, member_no, year) == 10_000
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(AuditLog)
                .where(AuditLog.action == "sale.return")
            )
            == 1
        )


def test_manager_returns_without_pin_and_damaged_goods_written_off(app, counter, make_product):
    pid, _ = make_product(price=8_000)
    sale = counter.sale(
        [{"product_id": pid, "quantity": 2}], [{"method": "cash", "amount": 16_000}]
    ).json
    response = counter.manager.post(
        f"/sales/{sale['id']}/returns",
        json={
            "lines": [{"product_id": pid, "quantity": 1}],
            "refund_method": "cash",
            "damaged": True,
            "shift_id": counter.shift["id"],  # a manager may name any open shift's drawer
        },
    )
    assert response.status_code == 201, response.json
    assert response.json["damaged"] is True
    # in and straight out as damaged: the shelf does not get it back
    assert on_hand(app, pid) == -2
    with app.app_context():
        ret = db.session.scalar(sa.select(SaleReturn))
        assert ret.approved_by_id is not None and ret.shift_id == counter.shift["id"]
    # a non-cash refund leaves no drawer: a manager books it without a shift
    qris = counter.manager.post(
        f"/sales/{sale['id']}/returns",
        json={"lines": [{"product_id": pid, "quantity": 1}], "refund_method": "qris"},
    )
    assert qris.status_code == 201, qris.json
    assert qris.json["shift_id"] is None
