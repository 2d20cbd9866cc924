"""Member credit (kredit anggota, issue 15): sales on credit within the limit, refused
above it with nothing written, racing sales, repayment at the counter into the drawer,
returns back to the credit, the payroll round trip, aging, set-off on leaving, SHU
purchases. Every test ends with the books agreeing with the ledgers (piutang anggota
= what the members owe), as ``flask books check`` does (tests/books/agree.py)."""

import csv
import io
import queue
import threading
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from mart.clock import business_date
from mart.extensions import db
from members import services as members
from members.models import CreditEntry
from members.services.credit import BUCKETS, bucket_of, open_parts
from tests.conftest import ApiClient
from tests.pos.conftest import purchases


@pytest.fixture
def credit_member(app, make_member):
    """A member with pokok (100.000) and wajib 100.000 paid: capital 200.000, so the
    default limit (50 %) is 100.000."""

    def make(**kw):
        return make_member(pokok=True, wajib=100_000, **kw)

    return make


def _credit(client, member_no):
    response = client.get(f"/members/{member_no}/credit")
    assert response.status_code == 200, response.json
    return response.json


def _on_credit(counter, pid, member_no, amount, quantity=1, **extra):
    return counter.sale(
        [{"product_id": pid, "quantity": quantity}],
        [{"method": "credit", "amount": amount}],
        member_no=member_no,
        **extra,
    )


def test_default_limit_is_a_share_of_capital_and_a_sale_uses_it(
    app, counter, make_product, credit_member
):
    pid, _ = make_product(price=30_000)
    member_no = credit_member()
    assert _credit(counter.manager, member_no) | {"aging": None} == {
        "member_no": member_no,
        "name": "Anggota",
        "status": "active",
        "limit": 100_000,
        "used": 0,
        "available": 100_000,
        "default_limit": True,
        "aging": None,
    }
    sale = _on_credit(counter, pid, member_no, 30_000)
    assert sale.status_code == 201, sale.json
    assert sale.json["payments"][0]["method"] == "credit"
    again = _on_credit(counter, pid, member_no, 30_000, id=sale.json["id"])
    assert again.status_code == 200  # the same sale posted again: charged once
    after = _credit(counter.cashier, member_no)
    assert (after["used"], after["available"]) == (30_000, 70_000)
    assert after["aging"]["current"] == 30_000
    # a credit purchase counts for SHU like any purchase
    with app.app_context():
        year = business_date().year
    assert purchases(app, member_no, year) == 30_000


def test_above_the_limit_is_refused_and_nothing_is_written(
    app, counter, make_product, credit_member, rows
):
    pid, _ = make_product(price=30_000)
    member_no = credit_member()
    limit = counter.manager.put(f"/members/{member_no}/credit", json={"limit": 50_000})
    assert limit.status_code == 200 and limit.json["default_limit"] is False
    assert _on_credit(counter, pid, member_no, 30_000).status_code == 201
    before = rows.snapshot()
    refused = _on_credit(counter, pid, member_no, 30_000)
    assert refused.status_code == 409
    assert "Rp 20.000" in refused.json["message"]  # what is still available
    assert rows.snapshot() == before
    assert _credit(counter.manager, member_no)["used"] == 30_000
    # a sale of exactly what is available passes
    pid2, _ = make_product(price=20_000)
    assert _on_credit(counter, pid2, member_no, 20_000).status_code == 201
    assert _credit(counter.manager, member_no)["available"] == 0


def test_credit_needs_the_member_and_their_pin(app, counter, make_product, credit_member, rows):
    pid, _ = make_product(price=10_000)
    member_no = credit_member()
    before = rows.snapshot()
    no_member = counter.sale([{"product_id": pid}], [{"method": "credit", "amount": 10_000}])
    assert no_member.status_code == 422
    assert "payments" in no_member.json["errors"]["json"]
    missing = _on_credit(counter, pid, member_no, 10_000, member_pin="")
    assert missing.status_code == 422 and "member_pin" in missing.json["errors"]["json"]
    wrong = _on_credit(counter, pid, member_no, 10_000, member_pin="135790")
    assert wrong.status_code == 403
    after = rows.snapshot()
    after.pop("audit_log"), before.pop("audit_log")  # the refused PIN is audited
    after.pop("members", None), before.pop("members", None)
    assert after == before
    assert _credit(counter.manager, member_no)["used"] == 0


def test_a_bad_limit_is_refused(app, counter, credit_member):
    member_no = credit_member()
    bad = counter.manager.put(f"/members/{member_no}/credit", json={"limit": -1})
    assert bad.status_code == 422 and "limit" in bad.json["errors"]["json"]
    assert counter.cashier.put(f"/members/{member_no}/credit", json={"limit": 1}).status_code == 403
    back = counter.manager.put(f"/members/{member_no}/credit", json={"limit": None})
    assert back.status_code == 200 and back.json["limit"] == 100_000


def test_racing_sales_never_pass_the_limit_together(app, make_product, credit_member):
    """Eight registers' sales of 10.000 on credit at once against a limit of 50.000:
    exactly five pass (the member's credit row is locked from check to charge)."""
    from tests import factories  # noqa: PLC0415

    pid, _ = make_product(price=10_000)
    member_no = credit_member()
    first = factories.make_counter(app, "R1")
    counters = [first] + [
        factories.make_counter(app, f"R{i}", manager=first.manager) for i in range(2, 5)
    ]
    assert (
        first.manager.put(f"/members/{member_no}/credit", json={"limit": 50_000}).status_code == 200
    )
    work = queue.Queue()
    for i in range(8):
        work.put(counters[i % len(counters)])
    results = []
    lock = threading.Lock()

    def worker():
        while True:
            try:
                counter = work.get_nowait()
            except queue.Empty:
                return
            client = ApiClient(app, counter.cashier.token)
            response = _on_credit(counter, pid, member_no, 10_000, client=client)
            with lock:
                results.append(response.status_code)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [201] * 5 + [409] * 3, results
    credit = _credit(first.manager, member_no)
    assert (credit["used"], credit["available"]) == (50_000, 0)
    with app.app_context():
        total = db.session.scalar(sa.select(sa.func.sum(CreditEntry.amount)))
    assert total == 50_000


def test_repayment_at_the_counter_goes_into_the_drawer(
    app, counter, make_product, credit_member, rows
):
    pid, _ = make_product(price=40_000)
    member_no = credit_member()
    assert _on_credit(counter, pid, member_no, 40_000).status_code == 201
    shift = counter.shift["id"]
    expected = counter.cashier.get(f"/shifts/{shift}/report").json["expected_cash"]
    before = rows.snapshot()
    too_much = counter.cashier.post(
        f"/members/{member_no}/credit-payments", json={"amount": 40_001, "method": "cash"}
    )
    assert too_much.status_code == 409
    zero = counter.cashier.post(f"/members/{member_no}/credit-payments", json={"amount": 0})
    assert zero.status_code == 422 and "amount" in zero.json["errors"]["json"]
    assert rows.snapshot() == before
    paid = counter.cashier.post(
        f"/members/{member_no}/credit-payments", json={"amount": 15_000, "method": "cash"}
    )
    assert paid.status_code == 201, paid.json
    assert (paid.json["used"], paid.json["available"]) == (25_000, 75_000)
    report = counter.cashier.get(f"/shifts/{shift}/report").json
    assert report["expected_cash"] == expected + 15_000
    by_transfer = counter.cashier.post(
        f"/members/{member_no}/credit-payments", json={"amount": 5_000, "method": "transfer"}
    )
    assert by_transfer.status_code == 201
    assert counter.cashier.get(f"/shifts/{shift}/report").json["expected_cash"] == (
        expected + 15_000
    )
    assert _credit(counter.manager, member_no)["used"] == 20_000


def test_a_return_of_a_credit_sale_goes_back_to_the_credit(
    app, counter, make_product, credit_member
):
    pid, _ = make_product(price=10_000)
    member_no = credit_member()
    sale = _on_credit(counter, pid, member_no, 30_000, quantity=3)
    assert sale.status_code == 201, sale.json
    back = counter.manager.post(
        f"/sales/{sale.json['id']}/returns",
        json={"lines": [{"product_id": pid, "quantity": 1}], "refund_method": "original"},
    )
    assert back.status_code == 201, back.json
    assert back.json["refunds"] == [{"method": "credit", "amount": 10_000}]
    assert _credit(counter.manager, member_no)["used"] == 20_000
    with app.app_context():
        year = business_date().year
    assert purchases(app, member_no, year) == 20_000


def _owe(app, member_no, amount, days_ago):
    """A purchase on credit booked ``days_ago`` (through the service, as a sale does)."""
    with app.test_request_context():
        on = business_date() - timedelta(days=days_ago)
        members.credit.charge(member_no, amount, sale_id=str(uuid.uuid4()), on=on)
        from books import events  # noqa: PLC0415

        # the books' side of the sale, as its journal would post it
        events.sale(
            on,
            sale_id=str(uuid.uuid4()),
            number="TEST",
            total=amount,
            ppn=0,
            rounding=0,
            change=0,
            payments=[("credit", amount)],
            consigned=[],
            cost=0,
        )
        db.session.commit()


def test_aging_buckets_and_repayments_pay_the_oldest_first(app, counter, credit_member):
    member_no = credit_member()
    counter.manager.put(f"/members/{member_no}/credit", json={"limit": 1_000_000})
    for amount, days in ((10_000, 100), (20_000, 65), (30_000, 40), (40_000, 3)):
        _owe(app, member_no, amount, days)
    aging = _credit(counter.manager, member_no)["aging"]
    assert {b: aging[b] for b in BUCKETS} == {
        "current": 40_000,
        "30": 30_000,
        "60": 20_000,
        "90+": 10_000,
    }
    assert aging["overdue"] == 60_000  # due after 30 days
    # 15.000 repaid: the 90+ purchase is paid, 5.000 off the 60-day one
    paid = counter.cashier.post(
        f"/members/{member_no}/credit-payments", json={"amount": 15_000, "method": "cash"}
    )
    assert paid.status_code == 201
    aging = _credit(counter.manager, member_no)["aging"]
    assert (aging["90+"], aging["60"], aging["30"], aging["current"]) == (0, 15_000, 30_000, 40_000)
    other = credit_member(name="Lain")
    _owe(app, other, 5_000, 95)
    _owe(app, other, 2_000, 1)
    listing = counter.manager.get("/member-credit")
    assert listing.status_code == 200
    first, second = listing.json["items"]  # largest first
    assert first["member_no"] == member_no and first["used"] == 85_000
    assert second["member_no"] == other and second["aging"]["90+"] == 5_000
    for item in (first, second):  # the list's one-pass aging is each member's own
        own = _credit(counter.manager, item["member_no"])
        assert item["aging"] == own["aging"] and item["limit"] == own["limit"]
    assert listing.json["totals"]["60"] == 15_000
    assert listing.json["totals"]["90+"] == 5_000


def test_payroll_round_trip(app, counter, make_product, credit_member, rows):
    pid, _ = make_product(price=10_000)
    a = credit_member(name="Budi")
    b = credit_member(name="Sari")
    credit_member(name="Tanpa utang")
    assert _on_credit(counter, pid, a, 20_000, quantity=2).status_code == 201
    assert _on_credit(counter, pid, b, 30_000, quantity=3).status_code == 201
    out = counter.manager.get("/member-credit/payroll.csv")
    assert out.status_code == 200 and out.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(out.get_data(as_text=True))))
    assert table[0] == ["member_no", "name", "amount"]
    assert sorted(table[1:]) == sorted([[a, "Budi", "20000"], [b, "Sari", "30000"]])

    before = rows.snapshot()
    bad_files = [
        (f"member_no,amount\n{a},20000\nM999999,5000\n", "Row 3, member_no"),
        (f"member_no,amount\n{a},20000\n{b},abc\n", "Row 3, amount"),
        (f"member_no,amount\n{a},20001\n", "Row 2, amount"),
        (f"member_no,amount\n{a},1000\n{a},1000\n", "Row 3, member_no"),
        ("nomor,jumlah\nM1,1\n", "member_no"),
        # two problems: the first in the file is named
        (f"member_no,amount\nM999999,1\n{a},20001\n", "Row 2, member_no"),
    ]
    for text, where in bad_files:
        refused = counter.manager.post("/member-credit/payroll", json={"csv": text})
        assert refused.status_code == 422, (text, refused.json)
        assert (
            where in refused.json["message"]
            or where.replace("Row", "Baris") in (refused.json["message"])
        ), refused.json
    assert rows.snapshot() == before

    back = f"member_no,name,amount\n{a},Budi,20000\n{b},Sari,10000\n"
    done = counter.manager.post("/member-credit/payroll", json={"csv": back, "ref": "Gaji Okt"})
    assert done.status_code == 201, done.json
    assert done.json == {"rows": 2, "total": 30_000}
    assert _credit(counter.manager, a)["used"] == 0
    assert _credit(counter.manager, b)["used"] == 20_000
    with app.app_context():
        kinds = db.session.scalars(
            sa.select(CreditEntry.kind).where(CreditEntry.kind == "payroll")
        ).all()
    assert len(kinds) == 2


def test_leaving_sets_credit_off_against_the_payout(app, counter, make_product, credit_member):
    pid, _ = make_product(price=10_000)
    member_no = credit_member()
    assert _on_credit(counter, pid, member_no, 30_000, quantity=3).status_code == 201
    left = counter.manager.post(f"/members/{member_no}/leave", json={"reason": "resign"})
    assert left.status_code in (200, 201), left.json
    assert left.json["total"] == 200_000
    assert left.json["credit_setoff"] == 30_000
    assert left.json["paid_out"] == 170_000
    assert _credit(counter.manager, member_no)["used"] == 0


@given(
    st.lists(st.integers(min_value=1, max_value=10**9), max_size=20),
    st.integers(min_value=0, max_value=10**10),
)
def test_open_parts_add_up_to_what_is_owed(amounts, used):
    """Property: the open parts add up to what is owed (or every purchase when they do
    not cover it), each part at most its purchase, only the oldest one partial."""
    charges = [(i, None, a) for i, a in enumerate(amounts)]
    parts = open_parts(charges, used)
    assert sum(p for _d, _due, p in parts) == min(used, sum(amounts))
    for (_d, _due, part), (_d2, _due2, amount) in zip(parts, charges, strict=False):
        assert 0 < part <= amount
    assert all(
        part == amount for (_, _, part), (_, _, amount) in zip(parts[:-1], charges, strict=False)
    )


def test_buckets():
    assert [bucket_of(d) for d in (0, 29, 30, 59, 60, 89, 90, 400)] == [
        "current",
        "current",
        "30",
        "30",
        "60",
        "60",
        "90+",
        "90+",
    ]


# --- the pages ---------------------------------------------------------------------------


def test_manager_page_payroll_upload_and_member_reminder(
    app, counter, make_product, credit_member, login_as, rows
):
    from tests import factories  # noqa: PLC0415

    pid, _ = make_product(price=10_000)
    member_no = credit_member(name="Budi Kasbon")
    counter.manager.put(f"/members/{member_no}/credit", json={"limit": 500_000})
    _owe(app, member_no, 40_000, 45)  # overdue
    assert _on_credit(counter, pid, member_no, 10_000).status_code == 201
    manager = login_as("manager")
    page = manager.get("/member-credit/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Budi Kasbon" in html and "Rp 50.000" in html and "Rp 40.000" in html
    out = manager.get("/member-credit/payroll.csv")
    assert out.status_code == 200 and f"{member_no},Budi Kasbon,50000" in out.get_data(as_text=True)

    token = factories.csrf_token(manager, "/member-credit/")
    before = rows.snapshot()
    bad = manager.post(
        "/member-credit/payroll",
        data={
            "csrf_token": token,
            "file": (io.BytesIO(f"member_no,amount\n{member_no},60000\n".encode()), "back.csv"),
        },
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422
    assert "Baris 2, amount" in bad.get_data(as_text=True)
    assert rows.snapshot() == before
    good = manager.post(
        "/member-credit/payroll",
        data={
            "csrf_token": token,
            "file": (io.BytesIO(f"member_no,amount\n{member_no},30000\n".encode()), "back.csv"),
        },
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    assert _credit(counter.manager, member_no)["used"] == 20_000

    detail = manager.get(f"/members/{member_no}").get_data(as_text=True)
    assert 'data-testid="member-credit"' in detail
    assert "Rp 10.000" in detail  # of the overdue purchase, 10.000 is left
    assert "Pengingat" in detail


def test_manager_sets_the_limit_on_the_member_page(app, counter, credit_member, login_as, rows):
    from tests import factories  # noqa: PLC0415

    member_no = credit_member()
    manager = login_as("manager")
    detail = manager.get(f"/members/{member_no}").get_data(as_text=True)
    assert 'data-testid="credit-limit-form"' in detail and "Rp 100.000" in detail
    token = factories.csrf_token(manager, f"/members/{member_no}")
    before = rows.snapshot()
    bad = manager.post(
        f"/member-credit/{member_no}/limit", data={"csrf_token": token, "limit": "-5"}
    )
    assert bad.status_code == 422
    assert rows.snapshot() == before
    ok = manager.post(
        f"/member-credit/{member_no}/limit", data={"csrf_token": token, "limit": "250.000"}
    )
    assert ok.status_code == 302
    assert _credit(counter.manager, member_no)["limit"] == 250_000
    manager.post(f"/member-credit/{member_no}/limit", data={"csrf_token": token, "limit": ""})
    assert _credit(counter.manager, member_no)["default_limit"] is True


def test_the_settlement_shows_the_set_off(app, counter, make_product, credit_member, login_as):
    pid, _ = make_product(price=10_000)
    member_no = credit_member()
    assert _on_credit(counter, pid, member_no, 30_000, quantity=3).status_code == 201
    assert counter.manager.post(
        f"/members/{member_no}/leave", json={"reason": "resign"}
    ).status_code in (200, 201)
    page = login_as("manager").get(f"/members/{member_no}/settlement").get_data(as_text=True)
    assert 'data-testid="settlement-credit"' in page
    assert "Rp 170.000" in page and "-Rp 30.000" in page
    with app.test_request_context():
        from members.printing import settlement_slip  # noqa: PLC0415

        member = members.get_member(member_no)
        slip = settlement_slip(member, members.settlement(member))
    assert [(t.label, t.amount) for t in slip.totals][-2:] == [
        ("Kompensasi kredit anggota", -30_000),
        ("Dibayarkan", 170_000),
    ] or [t.amount for t in slip.totals] == [200_000, -30_000, 170_000]


def test_repayment_page_at_the_counter(app, counter, make_product, credit_member, login_as, rows):
    from tests import factories  # noqa: PLC0415

    pid, _ = make_product(price=10_000)
    member_no = credit_member(name="Sari Kasbon")
    assert _on_credit(counter, pid, member_no, 30_000, quantity=3).status_code == 201
    cashier = login_as("cashier")  # no open shift of their own
    page = cashier.get(f"/pos/credit/?member={member_no}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Sari Kasbon" in html and "Rp 30.000" in html
    assert cashier.get("/pos/credit/?member=M999999").status_code == 422
    token = factories.csrf_token(cashier, "/pos/credit/")
    before = rows.snapshot()
    for body, status in (
        ({"amount": "10.000", "method": "cash"}, 422),  # no open shift for cash
        ({"amount": "0", "method": "transfer"}, 422),
        ({"amount": "40.000", "method": "transfer"}, 409),  # above what is owed
    ):
        refused = cashier.post(
            "/pos/credit/", data={"csrf_token": token, "member": member_no, **body}
        )
        assert refused.status_code == status, body
    assert rows.snapshot() == before
    ok = cashier.post(
        "/pos/credit/",
        data={"csrf_token": token, "member": member_no, "amount": "10.000", "method": "transfer"},
    )
    assert ok.status_code == 302
    assert _credit(counter.manager, member_no)["used"] == 20_000


def test_books_piutang_anggota_follows_the_credit_ledger(app, counter, make_product, credit_member):
    """Sale on credit, repayment in cash, a return back to credit, payroll and leaving:
    after each, piutang anggota (1105) in the books equals what the members owe, the
    trial balance balances and ``flask books check`` agrees."""
    from books.reconcile import check  # noqa: PLC0415
    from books.services import account_balances  # noqa: PLC0415

    def piutang():
        with app.app_context():
            debit, credit = account_balances()["1105"]
            owed = members.credit.owed_total()
            result = check()
            db.session.rollback()
        assert result.ok, result.differences()
        assert debit - credit == owed
        return owed

    pid, _ = make_product(price=10_000)
    a, b = credit_member(), credit_member()
    sale = _on_credit(counter, pid, a, 50_000, quantity=5)
    assert sale.status_code == 201
    assert _on_credit(counter, pid, b, 20_000, quantity=2).status_code == 201
    assert piutang() == 70_000
    counter.cashier.post(f"/members/{a}/credit-payments", json={"amount": 5_000})
    assert piutang() == 65_000
    counter.manager.post(
        f"/sales/{sale.json['id']}/returns",
        json={"lines": [{"product_id": pid, "quantity": 1}], "refund_method": "original"},
    )
    assert piutang() == 55_000
    counter.manager.post("/member-credit/payroll", json={"csv": f"member_no,amount\n{b},7000\n"})
    assert piutang() == 48_000
    counter.manager.post(f"/members/{a}/leave", json={"reason": "resign"})
    assert piutang() == 13_000  # a's 35.000 set off against their pay-out


def test_a_return_after_the_credit_was_repaid_is_refunded_another_way(
    app, counter, make_product, credit_member, rows
):
    pid, _ = make_product(price=10_000)
    member_no = credit_member()
    sale = _on_credit(counter, pid, member_no, 20_000, quantity=2)
    paid = counter.cashier.post(f"/members/{member_no}/credit-payments", json={"amount": 20_000})
    assert paid.status_code == 201
    before = rows.snapshot()
    body = {"lines": [{"product_id": pid, "quantity": 1}], "refund_method": "original"}
    refused = counter.manager.post(f"/sales/{sale.json['id']}/returns", json=body)
    assert refused.status_code == 409
    assert rows.snapshot() == before
    cash = counter.manager.post(
        f"/sales/{sale.json['id']}/returns",
        json={**body, "refund_method": "cash", "shift_id": counter.shift["id"]},
    )
    assert cash.status_code == 201, cash.json
    assert cash.json["refunds"] == [{"method": "cash", "amount": 10_000}]
    assert _credit(counter.manager, member_no)["used"] == 0
