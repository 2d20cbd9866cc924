"""Issue 11, security 4 (cash control): cash-outs above the limit need a manager, a
cash refund comes out of an open shift's drawer, a cashier works and reads only their
own shifts. Every refusal changes nothing."""

from pos.models import CashMovement, SaleReturn
from tests import factories


def _out(client, shift_id, amount, **extra):
    return client.post(
        f"/shifts/{shift_id}/cash-movements",
        json={"kind": "out", "amount": amount, "reason": "Setor ke brankas", **extra},
    )


def test_cash_out_above_the_limit_needs_a_manager_pin(app, counter, rows):
    sid = counter.shift["id"]
    limit = app.config["MART_CASH_OUT_LIMIT"]
    assert _out(counter.cashier, sid, limit // 2).status_code == 201  # within the limit
    before = rows.snapshot()
    # the rest of the limit is fine, one rupiah more is not (the shift's cash-outs add up)
    missing = _out(counter.cashier, sid, limit - limit // 2 + 1)
    assert missing.status_code == 422
    assert "approval_pin" in missing.json["errors"]["json"]
    wrong = _out(counter.cashier, sid, 150_000, approval_pin="9999")
    assert wrong.status_code == 403
    after = rows.snapshot()
    for counted in ("users", "audit_log", "login_throttles"):  # a wrong PIN's count and audit
        after.pop(counted, None), before.pop(counted, None)
    assert after == before
    ok = _out(counter.cashier, sid, 150_000, approval_pin="4321")
    assert ok.status_code == 201, ok.json
    assert ok.json["approved_by"] is not None
    # the approved cash-out does not use up the limit; cash-ins never need a PIN
    assert _out(counter.cashier, sid, limit - limit // 2).status_code == 201
    cash_in = counter.cashier.post(
        f"/shifts/{sid}/cash-movements", json={"kind": "in", "amount": 900_000, "reason": "Modal"}
    )
    assert cash_in.status_code == 201
    # a manager's own cash-out is approved by the manager
    manager_out = _out(counter.manager, sid, 300_000)
    assert manager_out.status_code == 201 and manager_out.json["approved_by"] is not None
    report = counter.cashier.get(f"/shifts/{sid}/report").json
    assert report["cash_out"] == limit // 2 + 150_000 + (limit - limit // 2) + 300_000


def test_a_shortage_cannot_be_hidden_by_an_unapproved_cash_out(app, counter, make_product, rows):
    """The audit's case: the whole difference taken out as a cash-out closed with 0."""
    pid, _ = make_product(price=100_000)
    counter.sale([{"product_id": pid, "quantity": 3}], [{"method": "cash", "amount": 300_000}])
    sid = counter.shift["id"]
    before = rows(CashMovement)
    assert _out(counter.cashier, sid, 300_000).status_code == 422
    assert rows(CashMovement) == before
    close = counter.cashier.post(f"/shifts/{sid}/close", json={"counted_cash": 200_000})
    assert close.status_code == 422 and "approval_pin" in close.json["errors"]["json"]


def _sale(counter, pid, method="cash"):
    response = counter.sale(
        [{"product_id": pid, "quantity": 2}], [{"method": method, "amount": 20_000}]
    )
    assert response.status_code == 201, response.json
    return response.json


def _return(client, sale_id, pid, **extra):
    body = {"lines": [{"product_id": pid, "quantity": 1}], "approval_pin": "4321", **extra}
    return client.post(f"/sales/{sale_id}/returns", json=body)


def test_cash_refund_without_an_open_shift_is_409_and_writes_nothing(
    app, counter, make_product, rows
):
    pid, _ = make_product(price=10_000)
    sale = _sale(counter, pid)
    other = factories.api_user(app, "cashier")
    before = rows.snapshot()
    # a manager with no shift of their own, naming none, refunding cash
    response = _return(counter.manager, sale["id"], pid, refund_method="cash")
    assert response.status_code == 409
    # "original" on a cash sale is a cash refund too
    assert _return(counter.manager, sale["id"], pid).status_code == 409
    # a cashier without a shift
    assert _return(other, sale["id"], pid, refund_method="cash").status_code == 409
    assert _return(other, sale["id"], pid, refund_method="qris").status_code == 409
    # a closed or unknown shift named
    assert _return(counter.manager, sale["id"], pid, shift_id=999_999).status_code == 422
    assert rows.snapshot() == before
    # the cashier's own open shift: the refund leaves that drawer
    ok = _return(counter.cashier, sale["id"], pid, refund_method="cash")
    assert ok.status_code == 201, ok.json
    assert ok.json["shift_id"] == counter.shift["id"]
    report = counter.cashier.get(f"/shifts/{counter.shift['id']}/report").json
    assert report["refunds"] == {"cash": 10_000}
    assert report["expected_cash"] == 200_000 + 20_000 - 10_000


def test_a_cashier_books_returns_only_on_their_own_shift(app, counter, make_product, rows):
    pid, _ = make_product(price=10_000)
    sale = _sale(counter, pid)
    second = factories.make_counter(app, code="R2", manager=counter.manager)
    before = rows.snapshot()
    theirs = _return(second.cashier, sale["id"], pid, shift_id=counter.shift["id"])
    assert theirs.status_code == 403
    assert rows.snapshot() == before
    own = _return(second.cashier, sale["id"], pid, shift_id=second.shift["id"])
    assert own.status_code == 201, own.json
    assert own.json["shift_id"] == second.shift["id"]
    # a manager may name any open shift
    by_manager = _return(counter.manager, sale["id"], pid, shift_id=counter.shift["id"])
    assert by_manager.status_code == 201
    assert rows(SaleReturn) == 2


def test_a_cashier_reads_only_their_own_shifts(app, counter):
    second = factories.make_counter(app, code="R2", manager=counter.manager)
    sid = counter.shift["id"]
    for path in (f"/shifts/{sid}", f"/shifts/{sid}/report"):
        assert second.cashier.get(path).status_code == 403, path
        assert counter.cashier.get(path).status_code == 200, path
        assert counter.manager.get(path).status_code == 200, path
    assert second.cashier.post(f"/shifts/{sid}/report/print").status_code == 403
    listed = second.cashier.get("/shifts").json
    assert [s["id"] for s in listed["items"]] == [second.shift["id"]]
    assert {s["id"] for s in counter.manager.get("/shifts").json["items"]} == {
        sid,
        second.shift["id"],
    }
