"""The members API as API.md writes it: register, savings, withdrawals, reversals,
leaving, and who may see what."""

from datetime import date

import pytest
import sqlalchemy as sa

from mart.clock import business_date
from mart.extensions import db
from mart.models import AuditLog
from mart.money import format_rupiah
from members.models import Member, SavingsEntry
from printers.document import Document
from printers.models import PrintJob
from printers.services import render_text
from tests.conftest import DEFAULT_PASSWORD
from tests.factories import next_nik

POKOK = 100_000
WAJIB = 20_000


@pytest.fixture
def manager(api_as):
    return api_as("manager")


def register(manager, **body):
    body = {"name": "Sri Wahyuni", "nik": next_nik(), **body}
    response = manager.post("/members", json=body)
    assert response.status_code == 201, response.json
    return response.json


# --- registering --------------------------------------------------------------------


def test_register_member_numbers_gap_free(manager):
    first = register(manager, phone="+62 812-1111-2222", address="Jl. Melati 3")
    second = register(manager, name="Ahmad")
    assert first["member_no"] == "M000001"
    assert second["member_no"] == "M000002"
    assert first["status"] == "active"
    assert first["phone"] == "081211112222"
    assert first["savings"] == {"pokok": 0, "wajib": 0, "sukarela": 0, "total": 0}


def test_register_with_pokok_in_the_same_step(manager):
    body = register(manager, pay_pokok=True)
    assert body["savings"]["pokok"] == POKOK


@pytest.mark.parametrize(
    "nik", ["123", "31740101019000011", "317401010190000A", 3174010101900001, "", None]
)
def test_bad_nik_422_naming_nik_and_nothing_written(manager, rows, nik):
    before = rows.snapshot()
    response = manager.post("/members", json={"name": "X", "nik": nik})
    assert response.status_code == 422
    assert "nik" in response.json["errors"]["json"]
    assert response.json["message"]
    assert rows.snapshot() == before


def test_duplicate_nik_409_and_nothing_written(manager, rows):
    nik = next_nik()
    register(manager, nik=nik)
    before = rows.snapshot()
    response = manager.post("/members", json={"name": "Other", "nik": nik})
    assert response.status_code == 409
    assert response.json["message"]
    assert rows.snapshot() == before


def test_missing_name_422(manager, rows):
    before = rows.snapshot()
    response = manager.post("/members", json={"nik": next_nik()})
    assert response.status_code == 422
    assert "name" in response.json["errors"]["json"]
    assert rows.snapshot() == before


# --- deposits -----------------------------------------------------------------------


def test_pokok_exact_amount_once(manager, rows):
    no = register(manager)["member_no"]
    response = manager.post(f"/members/{no}/deposits", json={"kind": "pokok", "amount": POKOK})
    assert response.status_code == 201
    assert response.json["savings"]["pokok"] == POKOK
    assert response.json["balances"]["total"] == POKOK
    before = rows.snapshot()
    again = manager.post(f"/members/{no}/deposits", json={"kind": "pokok", "amount": POKOK})
    assert again.status_code == 409
    assert rows.snapshot() == before


@pytest.mark.parametrize("amount", [50_000, 100_001, 200_000])
def test_pokok_wrong_amount_422_naming_amount(manager, rows, amount):
    no = register(manager)["member_no"]
    before = rows.snapshot()
    response = manager.post(f"/members/{no}/deposits", json={"kind": "pokok", "amount": amount})
    assert response.status_code == 422
    assert "amount" in response.json["errors"]["json"]
    assert rows.snapshot() == before


@pytest.mark.parametrize("amount", [0, -5000, 1.5, "1000", None, True])
@pytest.mark.parametrize("path", ["deposits", "withdrawals"])
def test_amount_not_positive_whole_422(manager, rows, amount, path):
    no = register(manager, pay_pokok=True)["member_no"]
    before = rows.snapshot()
    response = manager.post(f"/members/{no}/{path}", json={"kind": "sukarela", "amount": amount})
    assert response.status_code == 422
    assert "amount" in response.json["errors"]["json"]
    assert rows.snapshot() == before


def test_unknown_kind_422(manager, rows):
    no = register(manager)["member_no"]
    before = rows.snapshot()
    response = manager.post(f"/members/{no}/deposits", json={"kind": "emas", "amount": 1000})
    assert response.status_code == 422
    assert "kind" in response.json["errors"]["json"]
    assert rows.snapshot() == before


def test_unknown_member_404(manager, rows):
    before = rows.snapshot()
    for path in ("deposits", "withdrawals"):
        response = manager.post(
            f"/members/M999999/{path}", json={"kind": "sukarela", "amount": 1000}
        )
        assert response.status_code == 404
        assert response.json["message"]
    assert manager.get("/members/M999999").status_code == 404
    assert rows.snapshot() == before


def test_body_not_json_400(manager):
    no = register(manager)["member_no"]
    response = manager.post(
        f"/members/{no}/deposits", data="kind=pokok", headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 400


def test_wajib_months_tracked_and_arrears(app, manager, make_member):
    with app.app_context():
        today = business_date()
    start = date(today.year - 1, today.month, 1)  # joined 12 months before this month
    no = make_member(join_date=start)
    arrears = manager.get(f"/members/{no}/arrears").json
    assert arrears["months_due"] == 13
    assert arrears["arrears_months"] == 13
    assert arrears["arrears_amount"] == 13 * WAJIB

    # Three months at once, then half a month.
    response = manager.post(f"/members/{no}/deposits", json={"kind": "wajib", "amount": 60_000})
    assert response.status_code == 201
    entry = response.json["entry"]
    assert entry["period_from"] == start.isoformat()
    assert (
        entry["period_to"]
        == date(start.year + (start.month + 1) // 12, (start.month + 1) % 12 + 1, 1).isoformat()
    )
    manager.post(f"/members/{no}/deposits", json={"kind": "wajib", "amount": 10_000})
    arrears = manager.get(f"/members/{no}/arrears").json
    assert arrears["months_paid"] == 3 and arrears["partial"] == 10_000
    assert arrears["arrears_months"] == 10
    assert arrears["arrears_amount"] == 13 * WAJIB - 70_000
    assert (
        arrears["unpaid_months"][0] == f"{start.year + (start.month + 2) // 12:04d}-"
        f"{(start.month + 2) % 12 + 1:02d}"
    )

    report = manager.get("/members/arrears").json
    assert report["total"] == 1
    assert report["items"][0]["member_no"] == no

    # Paying all of it clears the arrears.
    manager.post(f"/members/{no}/deposits", json={"kind": "wajib", "amount": 13 * WAJIB - 70_000})
    assert manager.get(f"/members/{no}/arrears").json["arrears_months"] == 0
    assert manager.get("/members/arrears").json["total"] == 0


def test_wajib_paying_months_past_the_year_9999_is_422_changing_nothing(
    app, manager, rows, make_member
):
    with app.app_context():
        today = business_date()
    no = make_member(join_date=today.replace(day=1))
    # This month to December 9999.
    months = 9999 * 12 + 12 - (today.year * 12 + today.month - 1)
    most = months * WAJIB
    before = rows.snapshot()
    balances = manager.get(f"/members/{no}").json["savings"]
    # One rupiah over, and what the API fuzzer sent (months past 9999 were a 500).
    for amount in (most + 1, 43_214_956_772):
        response = manager.post(f"/members/{no}/deposits", json={"kind": "wajib", "amount": amount})
        assert response.status_code == 422, response.json
        message = response.json["errors"]["json"]["amount"][0]
        assert "tahun 9999" in message and format_rupiah(most) in message
    assert rows.snapshot() == before
    assert manager.get(f"/members/{no}").json["savings"] == balances

    response = manager.post(f"/members/{no}/deposits", json={"kind": "wajib", "amount": most})
    assert response.status_code == 201, response.json
    assert response.json["entry"]["period_to"] == "9999-12-01"
    # Paid to the end: not a rupiah more, and the message says so.
    more = manager.post(f"/members/{no}/deposits", json={"kind": "wajib", "amount": 1})
    assert more.status_code == 422
    assert "Rp 0" in more.json["errors"]["json"]["amount"][0]


# --- withdrawals --------------------------------------------------------------------


def test_withdraw_sukarela_never_below_zero(manager, rows, make_member):
    no = make_member(sukarela=50_000)
    ok = manager.post(f"/members/{no}/withdrawals", json={"kind": "sukarela", "amount": 30_000})
    assert ok.status_code == 201
    assert ok.json["savings"]["sukarela"] == 20_000
    before = rows.snapshot()
    too_much = manager.post(
        f"/members/{no}/withdrawals", json={"kind": "sukarela", "amount": 20_001}
    )
    assert too_much.status_code == 409
    assert too_much.json["message"]
    assert rows.snapshot() == before
    exact = manager.post(f"/members/{no}/withdrawals", json={"kind": "sukarela", "amount": 20_000})
    assert exact.status_code == 201 and exact.json["savings"]["sukarela"] == 0


@pytest.mark.parametrize("kind", ["pokok", "wajib"])
def test_withdraw_pokok_or_wajib_while_member_409(manager, rows, make_member, kind):
    no = make_member(wajib=40_000)
    before = rows.snapshot()
    response = manager.post(f"/members/{no}/withdrawals", json={"kind": kind, "amount": 1000})
    assert response.status_code == 409
    assert rows.snapshot() == before


def test_withdrawal_is_audited(app, manager, make_member):
    no = make_member(sukarela=10_000)
    manager.post(f"/members/{no}/withdrawals", json={"kind": "sukarela", "amount": 5000})
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditLog.action)).all()
    assert "savings.withdrawal" in actions


# --- reversals ----------------------------------------------------------------------


def test_reversal_corrects_and_is_audited_once(app, manager, rows, make_member):
    no = make_member()
    wrong = manager.post(f"/members/{no}/deposits", json={"kind": "sukarela", "amount": 75_000})
    entry_id = wrong.json["entry"]["id"]
    response = manager.post(
        f"/members/{no}/reversals", json={"entry_id": entry_id, "reason": "salah ketik"}
    )
    assert response.status_code == 201
    assert response.json["entry"]["amount"] == -75_000
    assert response.json["entry"]["reversal_of"] == entry_id
    assert response.json["savings"]["sukarela"] == 0
    with app.app_context():
        audit = db.session.scalars(
            sa.select(AuditLog).where(AuditLog.action == "savings.reversal")
        ).all()
        assert len(audit) == 1 and audit[0].note == "salah ketik"
        # The ledger keeps both lines: append-only.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SavingsEntry)) == 3
    before = rows.snapshot()
    again = manager.post(f"/members/{no}/reversals", json={"entry_id": entry_id, "reason": "lagi"})
    assert again.status_code == 409
    assert rows.snapshot() == before


def test_reversal_that_would_go_below_zero_409(manager, rows, make_member):
    no = make_member()
    dep = manager.post(f"/members/{no}/deposits", json={"kind": "sukarela", "amount": 10_000})
    manager.post(f"/members/{no}/withdrawals", json={"kind": "sukarela", "amount": 8000})
    before = rows.snapshot()
    response = manager.post(
        f"/members/{no}/reversals", json={"entry_id": dep.json["entry"]["id"], "reason": "x"}
    )
    assert response.status_code == 409
    assert rows.snapshot() == before


def test_reversal_of_other_members_entry_404_and_missing_reason_422(manager, rows, make_member):
    a = make_member()
    b = make_member()
    dep = manager.post(f"/members/{a}/deposits", json={"kind": "sukarela", "amount": 10_000})
    before = rows.snapshot()
    entry_id = dep.json["entry"]["id"]
    assert (
        manager.post(
            f"/members/{b}/reversals", json={"entry_id": entry_id, "reason": "x"}
        ).status_code
        == 404
    )
    missing = manager.post(f"/members/{a}/reversals", json={"entry_id": entry_id})
    assert missing.status_code == 422 and "reason" in missing.json["errors"]["json"]
    assert rows.snapshot() == before


def test_reversed_pokok_can_be_paid_again(manager, make_member):
    no = make_member(pokok=False)
    dep = manager.post(f"/members/{no}/deposits", json={"kind": "pokok", "amount": POKOK})
    manager.post(
        f"/members/{no}/reversals", json={"entry_id": dep.json["entry"]["id"], "reason": "x"}
    )
    again = manager.post(f"/members/{no}/deposits", json={"kind": "pokok", "amount": POKOK})
    assert again.status_code == 201 and again.json["savings"]["pokok"] == POKOK


# --- ledger -------------------------------------------------------------------------


def test_ledger_running_balance_per_kind(manager, make_member):
    no = make_member(wajib=20_000)
    manager.post(f"/members/{no}/deposits", json={"kind": "sukarela", "amount": 30_000})
    manager.post(f"/members/{no}/withdrawals", json={"kind": "sukarela", "amount": 5000})
    manager.post(f"/members/{no}/deposits", json={"kind": "wajib", "amount": 20_000})
    ledger = manager.get(f"/members/{no}/ledger").json
    assert ledger["total"] == 5
    lines = [(i["kind"], i["amount"], i["balance"]) for i in ledger["items"]]
    assert lines == [
        ("wajib", 20_000, 40_000),
        ("sukarela", -5000, 25_000),
        ("sukarela", 30_000, 30_000),
        ("wajib", 20_000, 20_000),
        ("pokok", POKOK, POKOK),
    ]
    only = manager.get(f"/members/{no}/ledger?kind=sukarela&per_page=1").json
    assert only["total"] == 2 and len(only["items"]) == 1
    assert only["items"][0]["balance"] == 25_000


# --- leaving ------------------------------------------------------------------------


def test_leave_pays_out_everything_and_closes(app, manager, rows, make_member, make_user):
    no = make_member(wajib=60_000, sukarela=25_000)
    make_user("member", username="sri", member_no=no)
    response = manager.post(f"/members/{no}/leave", json={"reason": "resign"})
    assert response.status_code == 200, response.json
    body = response.json
    assert body["payouts"] == {"pokok": POKOK, "wajib": 60_000, "sukarela": 25_000}
    assert body["total"] == POKOK + 85_000
    member = manager.get(f"/members/{no}").json
    assert member["status"] == "left" and member["left_reason"] == "resign"
    assert member["savings"] == {"pokok": 0, "wajib": 0, "sukarela": 0, "total": 0}
    # History stays: the entries and the payout entries are all there.
    ledger = manager.get(f"/members/{no}/ledger").json
    assert ledger["total"] == 6
    assert sum(i["amount"] for i in ledger["items"]) == 0

    before = rows.snapshot()
    for path, body in (
        ("deposits", {"kind": "sukarela", "amount": 1000}),
        ("withdrawals", {"kind": "sukarela", "amount": 1000}),
        ("leave", {"reason": "died"}),
    ):
        assert manager.post(f"/members/{no}/{path}", json=body).status_code == 409
    assert rows.snapshot() == before

    # The member's own login no longer works.
    anon = app.test_client()
    token = anon.post("/api/v1/auth/token", json={"username": "sri", "password": DEFAULT_PASSWORD})
    assert token.status_code == 401


def test_leave_reason_must_be_known(manager, rows, make_member):
    no = make_member()
    before = rows.snapshot()
    response = manager.post(f"/members/{no}/leave", json={"reason": "bored"})
    assert response.status_code == 422 and "reason" in response.json["errors"]["json"]
    assert rows.snapshot() == before


# --- who may see what ---------------------------------------------------------------


def test_member_sees_only_own(api_as, make_member):
    mine = make_member("Sri", sukarela=5000)
    other = make_member("Budi")
    member = api_as("member", member_no=mine)
    own = member.get(f"/members/{mine}")
    assert own.status_code == 200
    assert own.json["savings"]["sukarela"] == 5000
    assert own.json["nik"].endswith("*" * 12)
    for path in ("", "/ledger", "/arrears", "/purchases", "/shu"):
        assert member.get(f"/members/{other}{path}").status_code == 403
        assert member.get(f"/members/{mine}{path}").status_code == 200
    assert member.get("/members").status_code == 403
    assert member.get("/members/arrears").status_code == 403
    assert (
        member.post(
            f"/members/{mine}/deposits", json={"kind": "sukarela", "amount": 1000}
        ).status_code
        == 403
    )


def test_member_who_left_is_refused_even_with_a_live_token(api_as, manager, make_member, app):
    no = make_member()
    # A login with two roles is not deactivated, but the member pages refuse it.
    member = api_as("member", "cashier", member_no=no)
    assert member.get(f"/members/{no}/ledger").status_code == 200
    manager.post(f"/members/{no}/leave", json={"reason": "expelled"})
    assert member.get(f"/members/{no}/ledger").status_code == 403


def test_cashier_lookup_without_nik_or_savings(api_as, make_member):
    no = make_member("Siti Aminah", phone="0812-3456-7890", sukarela=10_000)
    cashier = api_as("cashier")
    for code in (no, no.lower(), "+62 812 3456 7890"):
        found = cashier.get(f"/members/lookup?code={code}")
        assert found.status_code == 200, code
        assert found.json["member_no"] == no
        assert found.json["name"] == "Siti Aminah"
        assert found.json["status"] == "active"
        assert "*" in found.json["nik"]
        assert found.json.get("savings") is None
    seen = cashier.get(f"/members/{no}").json
    assert seen["savings"] is None and "*" in seen["nik"]
    assert cashier.get("/members/lookup?code=M404404").status_code == 404
    assert cashier.get(f"/members/{no}/ledger").status_code == 403


def test_manager_sees_full_nik(manager, make_member):
    no = make_member(nik="3174019999999999")
    assert manager.get(f"/members/{no}").json["nik"] == "3174019999999999"


def test_search_by_number_name_phone(manager, make_member):
    a = make_member("Siti Aminah", phone="081234567890")
    b = make_member("Budi Santoso", phone="085611112222")
    assert [m["member_no"] for m in manager.get("/members?q=aminah").json["items"]] == [a]
    assert [m["member_no"] for m in manager.get("/members?q=santoso budi").json["items"]] == [b]
    assert [m["member_no"] for m in manager.get("/members?q=0856").json["items"]] == [b]
    assert [m["member_no"] for m in manager.get(f"/members?q={a}").json["items"]] == [a]
    page = manager.get("/members?per_page=1&page=2").json
    assert page["total"] == 2 and [m["member_no"] for m in page["items"]] == [b]
    assert page["items"][0]["savings"]["pokok"] == POKOK


def test_capital_totals(manager, make_member):
    make_member(wajib=40_000, sukarela=1000)
    make_member(wajib=20_000)
    body = manager.get("/members/capital").json
    assert body == {
        "pokok": 2 * POKOK,
        "wajib": 60_000,
        "sukarela": 1000,
        "total": 2 * POKOK + 61_000,
        "as_of": None,
    }


def test_member_rows_created(app, make_member):
    make_member()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Member)) == 1


# --- slips through the print queue ---------------------------------------------------


def test_deposit_and_leave_can_print_slips(app, manager, make_member):
    no = make_member(sukarela=10_000)
    response = manager.post(
        f"/members/{no}/deposits", json={"kind": "wajib", "amount": 40_000, "print": True}
    )
    assert response.status_code == 201
    job_id = response.json["print_job_id"]
    assert job_id
    left = manager.post(f"/members/{no}/leave", json={"reason": "resign", "print": True})
    assert left.status_code == 200 and left.json["print_job_id"]
    with app.app_context():
        job = db.session.get(PrintJob, job_id)
        assert job.kind == "slip" and job.ref_type == "savings_entry"
        text = render_text(Document.from_dict(job.payload), 32)
        assert no in text and "40.000" in text
        settlement = db.session.get(PrintJob, left.json["print_job_id"])
        text = render_text(Document.from_dict(settlement.payload), 48)
        assert "150.000" in text  # 100.000 pokok + 40.000 wajib + 10.000 sukarela
