"""Cash (issue 13 item 11): cash rounding to Rp 100 is on by default; the drawer opens
for cash refunds and cash in/out, not for refunds that are not cash."""

import sqlalchemy as sa

import config
from mart.extensions import db
from printers.models import PrintJob


def drawer_kicks(app):
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(PrintJob).where(PrintJob.kind == "drawer")
        )


def test_cash_rounding_is_on_by_default(monkeypatch):
    monkeypatch.delenv("MART_CASH_ROUNDING", raising=False)
    assert config.settings()["MART_CASH_ROUNDING"] == 100


def test_drawer_opens_for_cash_out_and_cash_refund_only(app, counter, make_product):
    pid, _ = make_product(price=10_000)
    before = drawer_kicks(app)
    out = counter.cashier.post(
        f"/shifts/{counter.shift['id']}/cash-movements",
        # above MART_CASH_OUT_LIMIT: a manager approves
        json={"kind": "out", "amount": 20_000, "reason": "Beli galon", "approval_pin": "4321"},
    )
    assert out.status_code == 201, out.json
    assert drawer_kicks(app) == before + 1
    paid_by_qris = counter.sale(
        [{"product_id": pid, "quantity": 2}], [{"method": "qris", "amount": 20_000}]
    ).json
    kicks = drawer_kicks(app)
    back = counter.cashier.post(
        f"/sales/{paid_by_qris['id']}/returns",
        json={
            "lines": [{"product_id": pid, "quantity": 1}],
            "refund_method": "original",
            "approval_pin": "4321",
        },
    )
    assert back.status_code == 201, back.json
    assert drawer_kicks(app) == kicks  # refunded by QRIS: the drawer stays shut
    cash = counter.cashier.post(
        f"/sales/{paid_by_qris['id']}/returns",
        json={
            "lines": [{"product_id": pid, "quantity": 1}],
            "refund_method": "cash",
            "approval_pin": "4321",
        },
    )
    assert cash.status_code == 201, cash.json
    assert drawer_kicks(app) == kicks + 1
