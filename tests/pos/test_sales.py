"""Sales through the API: totals, payments, members, PPN, rounding, idempotency, errors."""

import uuid
from datetime import date

import pytest
import sqlalchemy as sa

from inventory import barcodes as bc
from mart.extensions import db
from members import services
from pos.models import Payment, Sale, SaleLine
from printers.models import PrintJob
from tests import factories
from tests.pos.conftest import on_hand, purchases, sukarela


def _jobs(app, sale_id):
    with app.app_context():
        return db.session.scalars(
            sa.select(PrintJob.kind).where(PrintJob.ref_id == sale_id).order_by(PrintJob.id)
        ).all()


def test_cash_sale(app, counter, make_product):
    a, code_a = make_product(price=12_500)
    b, _ = make_product(price=3_000)
    response = counter.sale(
        [{"barcode": code_a, "quantity": 2}, {"product_id": b, "quantity": 3}],
        [{"method": "cash", "amount": 50_000}],
    )
    assert response.status_code == 201, response.json
    sale = response.json
    assert sale["number"] == "JKT01-R1-000001"
    assert sale["total"] == 34_000 and sale["paid"] == 50_000 and sale["change"] == 16_000
    assert sale["ppn"] == 0 and sale["member_no"] is None
    assert [line["amount"] for line in sale["lines"]] == [25_000, 9_000]
    assert sale["payments"] == [{"method": "cash", "amount": 50_000, "reference": None}]
    assert on_hand(app, a) == -2 and on_hand(app, b) == -3
    assert _jobs(app, sale["id"]) == ["receipt", "drawer"]
    second = counter.sale([{"product_id": b, "quantity": 1}], [{"method": "cash", "amount": 3_000}])
    assert second.json["number"] == "JKT01-R1-000002"
    assert second.json["change"] == 0


def test_same_id_twice_answers_the_first_sale_and_writes_nothing(app, counter, make_product, rows):
    pid, _ = make_product(price=10_000)
    body = {
        "id": str(uuid.uuid4()),
        "shift_id": counter.shift["id"],
        "lines": [{"product_id": pid, "quantity": 1}],
        "payments": [{"method": "cash", "amount": 10_000}],
    }
    first = counter.cashier.post("/sales", json=body)
    assert first.status_code == 201
    before = rows.snapshot()
    again = counter.cashier.post("/sales", json=body)
    assert again.status_code == 200
    assert again.json == first.json
    assert rows.snapshot() == before
    assert on_hand(app, pid) == -1
    assert counter.cashier.get(f"/sales/{body['id']}").json == first.json


def test_non_cash_and_split_payments(app, counter, make_product):
    pid, _ = make_product(price=40_000)
    response = counter.sale(
        [{"product_id": pid, "quantity": 1}],
        [
            {"method": "qris", "amount": 15_000, "reference": "QR-778"},
            {"method": "card", "amount": 10_000, "reference": "CARD-1"},
            {"method": "cash", "amount": 20_000},
        ],
    )
    assert response.status_code == 201, response.json
    assert response.json["paid"] == 45_000 and response.json["change"] == 5_000
    exact = counter.sale(
        [{"product_id": pid, "quantity": 1}],
        [{"method": "transfer", "amount": 40_000, "reference": "TRF-9"}],
    )
    assert exact.status_code == 201 and exact.json["change"] == 0
    assert _jobs(app, exact.json["id"]) == ["receipt"]  # no cash, no drawer kick


@pytest.mark.parametrize(
    "lines, payments, field",
    [
        ([{"product_id": "P", "quantity": 1}], [{"method": "cash", "amount": 9_999}], "payments"),
        (
            [{"product_id": "P", "quantity": 1}],
            [{"method": "qris", "amount": 10_001}],
            "payments",
        ),
        (
            [{"product_id": "P", "quantity": 1}],
            [{"method": "qris", "amount": 6_000}, {"method": "card", "amount": 6_000}],
            "payments",
        ),
        ([{"product_id": 999_999, "quantity": 1}], [{"method": "cash", "amount": 1}], "lines"),
        ([{"barcode": "8990000099999", "quantity": 1}], [{"method": "cash", "amount": 1}], "lines"),
        ([{"product_id": "P", "quantity": 0}], [{"method": "cash", "amount": 1}], "lines"),
        ([{"product_id": "P", "quantity": -2}], [{"method": "cash", "amount": 1}], "lines"),
        ([{"product_id": "P", "quantity": "1.5"}], [{"method": "cash", "amount": 99_999}], "lines"),
        ([{"product_id": "P"}], [{"method": "bitcoin", "amount": 10_000}], "payments"),
        ([{"product_id": "P"}], [{"method": "cash", "amount": 0}], "payments"),
        ([{"product_id": "P", "discount": 10_001}], [{"method": "cash", "amount": 1}], "lines"),
        ([], [{"method": "cash", "amount": 1}], "lines"),
        ([{"quantity": 1}], [{"method": "cash", "amount": 1}], "lines"),
        (
            [{"product_id": "P", "quantity": 1}],
            [{"method": "simpanan", "amount": 10_000}],
            "payments",
        ),
    ],
)
def test_bad_sale_422_changes_nothing(app, counter, make_product, rows, lines, payments, field):
    pid, _ = make_product(price=10_000)
    lines = [
        {**line, "product_id": pid} if line.get("product_id") == "P" else line for line in lines
    ]
    before = rows.snapshot()
    response = counter.sale(lines, payments)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"], response.json
    assert response.json["message"]
    assert rows.snapshot() == before
    assert on_hand(app, pid) == 0


def test_bad_ids_422(counter, rows):
    before = rows.snapshot()
    response = counter.cashier.post(
        "/sales",
        json={"id": "not-a-uuid", "shift_id": counter.shift["id"], "lines": [{"product_id": 1}]},
    )
    assert response.status_code == 422 and "id" in response.json["errors"]["json"]
    unknown_shift = counter.sale([{"product_id": 1}], shift_id=99_999)
    assert unknown_shift.status_code == 422
    assert rows.snapshot() == before


@pytest.mark.usefixtures("counter")
def test_closed_shift_409(app, counter, make_product, rows):
    pid, _ = make_product(price=1_000)
    close = counter.cashier.post(
        f"/shifts/{counter.shift['id']}/close", json={"counted_cash": 200_000}
    )
    assert close.status_code == 200
    before = rows.snapshot()
    response = counter.sale(
        [{"product_id": pid, "quantity": 1}], [{"method": "cash", "amount": 1_000}]
    )
    assert response.status_code == 409
    assert rows.snapshot() == before


def test_another_cashiers_shift_refused(app, counter, make_product, api_as, rows):
    pid, _ = make_product(price=1_000)
    other = api_as("cashier")
    before = rows.snapshot()
    response = counter.sale(
        [{"product_id": pid}], [{"method": "cash", "amount": 1_000}], client=other
    )
    assert response.status_code == 403
    assert rows.snapshot() == before


def test_member_prices_purchase_and_receipt_line(app, counter, make_product, make_member):
    pid, code = make_product(price=10_000, member_price=9_000)
    plain, _ = make_product(price=2_000)
    member_no = make_member()
    response = counter.sale(
        [{"barcode": code, "quantity": 2}, {"product_id": plain, "quantity": 1}],
        [{"method": "cash", "amount": 20_000}],
        member_no=member_no,
    )
    assert response.status_code == 201, response.json
    sale = response.json
    assert sale["member_no"] == member_no
    assert sale["lines"][0]["unit_price"] == 9_000 and sale["lines"][0]["member_price"] is True
    assert sale["lines"][1]["member_price"] is False
    assert sale["total"] == 20_000
    assert purchases(app, member_no, date.today().year) == 20_000
    receipt = counter.cashier.get(f"/sales/{sale['id']}/receipt?width=48")
    assert receipt.status_code == 200
    assert receipt.mimetype == "text/plain"
    assert member_no in receipt.text and "20.000" in receipt.text
    # without the member the normal price applies
    anon = counter.sale([{"barcode": code, "quantity": 1}], [{"method": "cash", "amount": 10_000}])
    assert anon.json["total"] == 10_000


def test_unknown_member_422(counter, make_product, rows):
    pid, _ = make_product()
    before = rows.snapshot()
    response = counter.sale([{"product_id": pid}], member_no="M999999")
    assert response.status_code == 422 and "member_no" in response.json["errors"]["json"]
    assert rows.snapshot() == before


def test_simpanan_payment(app, counter, make_product, make_member, rows):
    pid, _ = make_product(price=15_000)
    member_no = make_member(sukarela=20_000)
    ok = counter.sale(
        [{"product_id": pid}], [{"method": "simpanan", "amount": 15_000}], member_no=member_no
    )
    assert ok.status_code == 201, ok.json
    assert sukarela(app, member_no) == 5_000
    before = rows.snapshot()
    too_low = counter.sale(
        [{"product_id": pid}], [{"method": "simpanan", "amount": 15_000}], member_no=member_no
    )
    assert too_low.status_code == 409
    assert rows.snapshot() == before
    assert sukarela(app, member_no) == 5_000


def test_member_who_left_409(app, counter, make_product, make_member, rows):
    pid, _ = make_product(price=15_000)
    member_no = make_member(sukarela=50_000)
    with app.app_context():
        services.leave(member_no, "resign")
        db.session.commit()
    before = rows.snapshot()
    response = counter.sale(
        [{"product_id": pid}], [{"method": "simpanan", "amount": 15_000}], member_no=member_no
    )
    assert response.status_code == 409
    assert rows.snapshot() == before


def test_discounts_and_approval(app, counter, make_product, rows):
    pid, _ = make_product(price=100_000)
    small = counter.sale(
        [{"product_id": pid, "discount": 5_000}], [{"method": "cash", "amount": 95_000}]
    )
    assert small.status_code == 201
    assert small.json["total"] == 95_000 and small.json["discount"] == 5_000
    before = rows.snapshot()
    big = [{"product_id": pid, "discount": 30_000}]
    missing = counter.sale(big, [{"method": "cash", "amount": 70_000}])
    assert missing.status_code == 422 and "approval_pin" in missing.json["errors"]["json"]
    wrong = counter.sale(big, [{"method": "cash", "amount": 70_000}], approval_pin="1111")
    assert wrong.status_code == 403
    snapshot = rows.snapshot()
    # a wrong PIN writes only its audit row and its count (mart.auth.approve_with_pin)
    kept = ("audit_log", "login_throttles")
    assert {k: v for k, v in snapshot.items() if k not in kept} == {
        k: v for k, v in before.items() if k not in kept
    }
    ok = counter.sale(big, [{"method": "cash", "amount": 70_000}], approval_pin="4321")
    assert ok.status_code == 201
    assert ok.json["total"] == 70_000
    with app.app_context():
        assert db.session.get(Sale, ok.json["id"]).approved_by_id is not None
    # whole-sale discount, spread over the lines
    p2, _ = make_product(price=30_000)
    whole = counter.sale(
        [{"product_id": pid}, {"product_id": p2}],
        [{"method": "cash", "amount": 130_000}],
        discount=13_000,
    )
    assert whole.status_code == 201, whole.json
    assert whole.json["total"] == 117_000
    assert [line["sale_discount_share"] for line in whole.json["lines"]] == [10_000, 3_000]


def test_ppn_when_pkp(app_factory):
    app = app_factory(MART_PKP=True, MART_BRANCH_NPWP="01.234.567.8-901.000")
    counter = factories.make_counter(app)
    taxed, _ = factories.make_product(app, price=111_000)
    exempt, _ = factories.make_product(app, price=20_000, tax="exempt")
    response = counter.sale(
        [{"product_id": taxed}, {"product_id": exempt}], [{"method": "cash", "amount": 131_000}]
    )
    assert response.status_code == 201, response.json
    assert response.json["ppn"] == 11_000
    assert response.json["dpp"] == 91_667
    assert response.json["total"] == 131_000
    text = counter.cashier.get(f"/sales/{response.json['id']}/receipt?width=32").text
    assert "11.000" in text and "91.667" in text and "01.234.567.8-901.000" in text
    # PPN once per receipt, after discounts: 3 x 1.000 taxed, 10% off the sale
    small, _ = factories.make_product(app, price=1_000)
    three = counter.sale(
        [{"product_id": small, "quantity": 3}], [{"method": "cash", "amount": 3_000}], discount=300
    )
    assert three.json["ppn"] == 268  # 2.700 x 11/111 = 267,57


def test_cash_rounding(app_factory):
    app = app_factory(MART_CASH_ROUNDING=100)
    counter = factories.make_counter(app)
    pid, _ = factories.make_product(app, price=12_345)
    cash = counter.sale([{"product_id": pid}], [{"method": "cash", "amount": 20_000}])
    assert cash.status_code == 201, cash.json
    assert cash.json["total"] == 12_345 and cash.json["rounding"] == -45
    assert cash.json["amount_due"] == 12_300 and cash.json["change"] == 7_700
    up, _ = factories.make_product(app, price=12_350)
    rounded_up = counter.sale([{"product_id": up}], [{"method": "cash", "amount": 12_400}])
    assert rounded_up.json["rounding"] == 50 and rounded_up.json["change"] == 0
    card = counter.sale([{"product_id": pid}], [{"method": "card", "amount": 12_345}])
    assert card.json["rounding"] == 0
    short = counter.sale([{"product_id": up}], [{"method": "cash", "amount": 12_350}])
    assert short.status_code == 422  # 12.350 is due as 12.400 in cash


def test_scale_labels_weight_and_price(app, counter):
    """Labels ``21 IIIII GGGGG C`` (grams) and ``22 IIIII RRRRR C`` (rupiah), found by sku."""
    pid, _ = factories.make_product(app, price=30_000, unit="kg", barcode=None, sku="12345")
    weight = bc.with_check_digit("21" + "12345" + "01250")
    response = counter.sale([{"barcode": weight}], [{"method": "cash", "amount": 50_000}])
    assert response.status_code == 201, response.json
    assert response.json["lines"][0]["quantity"] == 1.25
    assert response.json["total"] == 37_500
    priced = bc.with_check_digit("22" + "12345" + "15000")
    by_price = counter.sale([{"barcode": priced}], [{"method": "cash", "amount": 15_000}])
    assert by_price.status_code == 201, by_price.json
    assert by_price.json["total"] == 15_000
    assert by_price.json["lines"][0]["quantity"] == 0.5
    assert str(on_hand(app, pid)) == "-1.750"


def test_list_and_search_sales(counter, make_product, make_member):
    pid, _ = make_product(price=1_000)
    member_no = make_member()
    first = counter.sale([{"product_id": pid}], [{"method": "cash", "amount": 1_000}]).json
    counter.sale([{"product_id": pid}], [{"method": "cash", "amount": 1_000}], member_no=member_no)
    listed = counter.cashier.get("/sales")
    assert listed.status_code == 200 and listed.json["total"] == 2
    by_number = counter.cashier.get(f"/sales?number={first['number']}").json
    assert [s["id"] for s in by_number["items"]] == [first["id"]]
    by_member = counter.cashier.get(f"/sales?member_no={member_no}").json
    assert by_member["total"] == 1
    today = first["business_date"]
    assert counter.cashier.get(f"/sales?date={today}").json["total"] == 2
    assert counter.cashier.get("/sales?date=2001-01-01").json["total"] == 0
    assert counter.cashier.get("/sales?date=kemarin").status_code == 422
    paged = counter.cashier.get("/sales?per_page=1&page=2").json
    assert paged["total"] == 2 and len(paged["items"]) == 1
    assert counter.cashier.get("/sales/nope").status_code == 404


def test_reprint_marked_copy(app, counter, make_product):
    pid, _ = make_product(price=1_000)
    sale = counter.sale([{"product_id": pid}], [{"method": "qris", "amount": 1_000}]).json
    response = counter.cashier.post(f"/sales/{sale['id']}/print")
    assert response.status_code == 201
    with app.app_context():
        job = db.session.get(PrintJob, response.json["job_id"])
        assert job.copy is True and job.ref_id == sale["id"]
    copy_text = counter.cashier.get(f"/sales/{sale['id']}/receipt?width=48&copy=true").text
    assert "SALINAN" in copy_text or "COPY" in copy_text
    assert counter.cashier.get(f"/sales/{sale['id']}/receipt?width=40").status_code == 422


def test_sale_rows_consistent(app, counter, make_product):
    """Lines add up to the sale; payments recorded as given."""
    pid, _ = make_product(price=7_777)
    sale = counter.sale(
        [{"product_id": pid, "quantity": 3, "discount": 1_000}],
        [{"method": "cash", "amount": 30_000}],
        discount=331,
    ).json
    with app.app_context():
        lines = db.session.scalars(sa.select(SaleLine).where(SaleLine.sale_id == sale["id"])).all()
        pays = db.session.scalars(sa.select(Payment).where(Payment.sale_id == sale["id"])).all()
        assert sum(line.amount for line in lines) == sale["total"] == 23_331 - 1_331
        assert [p.amount for p in pays] == [30_000]
