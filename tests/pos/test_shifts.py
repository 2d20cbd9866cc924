"""Registers and shifts: opening, cash in/out, closing with the count, reports."""

import threading

from mart.extensions import db
from mart.models import AuditLog
from pos.models import CashMovement, Register, Shift
from printers.models import PrintJob


def test_register_created_by_manager_only(api_as, rows):
    manager = api_as("manager")
    response = manager.post("/registers", json={"code": "r1", "name": "Kasir 1"})
    assert response.status_code == 201
    assert response.json["code"] == "R1"
    assert manager.post("/registers", json={"code": "R1", "name": "Lagi"}).status_code == 409
    cashier = api_as("cashier")
    before = rows(Register)
    assert cashier.post("/registers", json={"code": "R2", "name": "x"}).status_code == 403
    bad = manager.post("/registers", json={"code": "R 2!", "name": "x"})
    assert bad.status_code == 422 and "code" in bad.json["errors"]["json"]
    no_printer = manager.post("/registers", json={"code": "R3", "name": "x", "printer_id": 999})
    assert no_printer.status_code == 422 and "printer_id" in no_printer.json["errors"]["json"]
    assert rows(Register) == before
    listed = cashier.get("/registers")
    assert listed.status_code == 200 and listed.json["total"] == 1


def test_open_shift_and_second_on_same_register_409(counter, api_as, rows):
    assert counter.shift["status"] == "open"
    assert counter.shift["opening_float"] == 200_000
    other = api_as("cashier")
    before = rows(Shift)
    response = other.post(
        "/shifts", json={"register_id": counter.register["id"], "opening_float": 0}
    )
    assert response.status_code == 409
    assert response.json["message"]
    assert rows(Shift) == before


def test_one_open_shift_per_cashier(counter, rows):
    r2 = counter.manager.post("/registers", json={"code": "R2", "name": "Kasir 2"}).json
    before = rows(Shift)
    response = counter.cashier.post("/shifts", json={"register_id": r2["id"], "opening_float": 0})
    assert response.status_code == 409
    assert rows(Shift) == before


def test_open_shift_bad_input(api_as, rows):
    cashier = api_as("cashier")
    before = rows(Shift)
    unknown = cashier.post("/shifts", json={"register_id": 999, "opening_float": 0})
    assert unknown.status_code == 422 and "register_id" in unknown.json["errors"]["json"]
    negative = cashier.post("/shifts", json={"register_id": 1, "opening_float": -1})
    assert negative.status_code == 422 and "opening_float" in negative.json["errors"]["json"]
    assert rows(Shift) == before


def test_racing_shift_opens_give_one_shift(app, api_as, rows):
    """Several cashiers open a shift on one register at the same moment: one wins."""
    manager = api_as("manager")
    register_id = manager.post("/registers", json={"code": "R9", "name": "x"}).json["id"]
    cashiers = [api_as("cashier") for _ in range(4)]
    results = []
    barrier = threading.Barrier(len(cashiers))

    def run(client):
        barrier.wait()
        results.append(
            client.post(
                "/shifts", json={"register_id": register_id, "opening_float": 0}
            ).status_code
        )

    threads = [threading.Thread(target=run, args=(c,)) for c in cashiers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [201, 409, 409, 409]
    assert rows(Shift) == 1


def test_cash_movements(counter, rows):
    path = f"/shifts/{counter.shift['id']}/cash-movements"
    ok = counter.cashier.post(path, json={"kind": "in", "amount": 50_000, "reason": "Tambah modal"})
    assert ok.status_code == 201 and ok.json["amount"] == 50_000
    before = rows(CashMovement)
    for body, field in [
        ({"kind": "sideways", "amount": 1, "reason": "x"}, "kind"),
        ({"kind": "out", "amount": 0, "reason": "x"}, "amount"),
        ({"kind": "out", "amount": 10, "reason": ""}, "reason"),
        ({"kind": "out", "amount": 1.5, "reason": "x"}, "amount"),
    ]:
        response = counter.cashier.post(path, json=body)
        assert response.status_code == 422, body
        assert field in response.json["errors"]["json"]
    assert rows(CashMovement) == before


def test_close_shift_expected_counted_difference(counter, app, rows):
    sid = counter.shift["id"]
    counter.cashier.post(
        f"/shifts/{sid}/cash-movements",
        json={"kind": "out", "amount": 20_000, "reason": "Setor", "approval_pin": "4321"},
    )
    x = counter.cashier.get(f"/shifts/{sid}/report")
    assert x.status_code == 200
    assert x.json["expected_cash"] == 180_000 and x.json["cash_out"] == 20_000
    assert x.json["text"]
    close = counter.cashier.post(
        f"/shifts/{sid}/close",
        json={"denominations": {"100000": 1, "50000": 1, "20000": 1, "5000": 1, "2000": 2}},
    )
    assert close.status_code == 200, close.json
    assert close.json["counted_cash"] == 179_000
    assert close.json["expected_cash"] == 180_000
    assert close.json["difference"] == -1_000
    assert close.json["id"] == sid and close.json["status"] == "closed"
    shift = counter.cashier.get(f"/shifts/{sid}").json
    assert shift["status"] == "closed"
    assert shift["counted_by_denomination"] == {
        "100000": 1,
        "50000": 1,
        "20000": 1,
        "5000": 1,
        "2000": 2,
    }
    # closed: no more movements, no second close
    before = rows(CashMovement)
    again = counter.cashier.post(f"/shifts/{sid}/close", json={"counted_cash": 1})
    assert again.status_code == 409
    moved = counter.cashier.post(
        f"/shifts/{sid}/cash-movements", json={"kind": "in", "amount": 1, "reason": "x"}
    )
    assert moved.status_code == 409
    assert rows(CashMovement) == before
    # the Z report went to the print queue

    assert rows(PrintJob) >= 1


def test_close_bad_count_changes_nothing(counter, rows):
    sid = counter.shift["id"]
    before = rows.snapshot()
    for body, field in [
        ({}, "counted_cash"),
        ({"denominations": {"300": 1}}, "denominations"),
        ({"denominations": {"1000": -1}}, "denominations"),
        ({"counted_cash": 5, "denominations": {"1000": 1}}, "counted_cash"),
        ({"counted_cash": -5}, "counted_cash"),
    ]:
        response = counter.cashier.post(f"/shifts/{sid}/close", json=body)
        assert response.status_code == 422, (body, response.json)
        assert field in response.json["errors"]["json"], body
    assert rows.snapshot() == before


def test_large_difference_needs_manager_pin(counter, app, rows):
    sid = counter.shift["id"]
    before = rows.snapshot()
    missing = counter.cashier.post(f"/shifts/{sid}/close", json={"counted_cash": 100_000})
    assert missing.status_code == 422 and "approval_pin" in missing.json["errors"]["json"]
    wrong = counter.cashier.post(
        f"/shifts/{sid}/close", json={"counted_cash": 100_000, "approval_pin": "0000"}
    )
    assert wrong.status_code == 403
    after = rows.snapshot()
    for counted in ("users", "audit_log", "login_throttles"):  # the wrong PIN's count and audit
        after.pop(counted, None)
        before.pop(counted, None)
    assert after == before
    ok = counter.cashier.post(
        f"/shifts/{sid}/close", json={"counted_cash": 100_000, "approval_pin": "4321"}
    )
    assert ok.status_code == 200
    assert ok.json["difference"] == -100_000
    with app.app_context():
        shift = db.session.get(Shift, sid)
        assert shift.approved_by is not None and shift.approved_by.has_role("manager")
        assert db.session.query(AuditLog).filter_by(action="shift.close").count() == 1


def test_shift_report_counts_sales_and_refunds(counter, make_product):
    pid, _ = make_product(price=12_500)
    sale = counter.sale(
        [{"product_id": pid, "quantity": 2}], [{"method": "cash", "amount": 30_000}]
    )
    assert sale.status_code == 201
    counter.sale(
        [{"product_id": pid, "quantity": 1}],
        [{"method": "qris", "amount": 12_500, "reference": "Q1"}],
    )
    ret = counter.cashier.post(
        f"/sales/{sale.json['id']}/returns",
        json={
            "lines": [{"product_id": pid, "quantity": 1}],
            "refund_method": "cash",
            "approval_pin": "4321",
        },
    )
    assert ret.status_code == 201, ret.json
    report = counter.cashier.get(f"/shifts/{counter.shift['id']}/report").json
    assert report["transactions"] == 2
    assert report["sales_total"] == 37_500
    assert report["by_payment"] == {"cash": 25_000, "qris": 12_500}
    assert report["returns"] == 12_500 and report["refunds"] == {"cash": 12_500}
    assert report["expected_cash"] == 200_000 + 25_000 - 12_500
