"""The member types their PIN on the customer display (pos.pinpad): the cashier asks,
the display's pad posts the PIN (checked with the member's count, lock and audit), and
the sale carries the one-time approval instead of the PIN. Every refusal writes nothing."""

import re
import threading
import uuid
from datetime import timedelta

import sqlalchemy as sa

from mart.db import utcnow
from mart.extensions import db
from mart.models import AuditLog
from pos import services
from pos.models import MemberPinApproval, Sale
from tests import factories
from tests.conftest import ApiClient
from tests.pos.conftest import MEMBER_PIN, sukarela

WRONG = "135790"


def _without_audit(snapshot):
    return {k: v for k, v in snapshot.items() if k != "audit_log"}


def _audit(app, action, member_no=None):
    with app.app_context():
        stmt = sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.action == action)
        if member_no:
            stmt = stmt.where(AuditLog.target_id == member_no)
        return db.session.scalar(stmt)


class Display:
    """The register's customer display, not logged in: its token in the address, the
    CSRF token from its page (as display.js sends it)."""

    def __init__(self, app, counter):
        self.code = counter.register["code"]
        with app.app_context():
            self.token = services.display_token(counter.register["id"], self.code)
        self.client = app.test_client()
        page = self.client.get(f"/pos/display/{self.code}?t={self.token}")
        assert page.status_code == 200
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)

    def state(self):
        response = self.client.get(f"/pos/display/{self.code}/state?t={self.token}")
        assert response.status_code == 200
        return response.json

    def type_pin(self, request_id, pin, *, token=True, csrf=True):
        headers = {"Accept": "application/json"}
        if csrf:
            headers["X-CSRFToken"] = self.csrf
        url = f"/pos/display/{self.code}/pin" + (f"?t={self.token}" if token else "")
        return self.client.post(url, json={"request": request_id, "pin": pin}, headers=headers)


def _ask(counter, member_no, amount, client=None):
    rid = counter.register["id"]
    response = (client or counter.cashier).post(
        f"/registers/{rid}/member-pin-requests", json={"member_no": member_no, "amount": amount}
    )
    assert response.status_code == 201, response.json
    return response.json


def _approved(app, counter, member_no, amount, display=None):
    display = display or Display(app, counter)
    asked = _ask(counter, member_no, amount)
    typed = display.type_pin(asked["id"], MEMBER_PIN)
    assert typed.status_code == 200, typed.json
    return asked["token"]


def _pay(counter, pid, member_no, token, amount=15_000):
    return counter.sale(
        [{"product_id": pid}],
        [{"method": "simpanan", "amount": amount}],
        member_no=member_no,
        member_pin=None,
        member_pin_approval=token,
    )


def test_pin_typed_on_the_display_pays_once(app, counter, make_product, make_member):
    pid, _ = make_product(price=15_000)
    member_no = make_member(sukarela=20_000, name="Siti Aminah")
    display = Display(app, counter)
    assert display.state()["pin"] is None

    asked = _ask(counter, member_no, 15_000)
    assert asked["status"] == "pending" and asked["amount"] == 15_000
    assert asked["display_active"] is True  # the display polled just now
    state = display.state()
    expires_in = state["pin"].pop("expires_in")
    assert 0 < expires_in <= app.config["MART_MEMBER_PIN_APPROVAL_SECONDS"]
    assert state["pin"] == {
        "request": asked["id"],
        "amount": 15_000,
        "amount_text": "Rp 15.000",
        "method": "simpanan",  # asked without a method: the simpanan wording
        "member": "Siti Aminah",
    }
    assert asked["token"] not in str(state)  # the display never sees the sale's token

    typed = display.type_pin(asked["id"], MEMBER_PIN)
    assert typed.status_code == 200 and typed.json == {"approved": True}
    assert display.state()["pin"] is None  # the pad goes
    status = counter.cashier.get(f"/member-pin-requests/{asked['token']}")
    assert status.status_code == 200 and status.json["status"] == "approved"
    assert _audit(app, "member.pin_ok", member_no) == 1

    sale = _pay(counter, pid, member_no, asked["token"])
    assert sale.status_code == 201, sale.json
    assert sukarela(app, member_no) == 5_000
    assert counter.cashier.get(f"/member-pin-requests/{asked['token']}").json["status"] == "used"
    with app.app_context():
        row = db.session.scalars(sa.select(MemberPinApproval)).one()
        assert row.sale_id == sale.json["id"] and row.used_at is not None
        # the PIN itself is stored nowhere
        values = [str(getattr(row, c.key)) for c in MemberPinApproval.__table__.columns]
        assert not any(MEMBER_PIN in v for v in values)
    assert _audit(app, "member.pin_approval_used") == 1


def test_an_approval_covers_up_to_its_amount(app, counter, make_product, make_member):
    pid, _ = make_product(price=15_000)
    member_no = make_member(sukarela=50_000)
    token = _approved(app, counter, member_no, 20_000)
    assert _pay(counter, pid, member_no, token).status_code == 201
    assert sukarela(app, member_no) == 35_000


def test_wrong_pin_on_the_display_403_then_locked_429(
    app, counter, make_product, make_member, rows
):
    pid, _ = make_product(price=15_000)
    member_no = make_member(sukarela=50_000)
    display = Display(app, counter)
    asked = _ask(counter, member_no, 15_000)
    before = rows.snapshot()
    limit = app.config["MART_MEMBER_PIN_MAX_FAILURES"]
    minutes = app.config["MART_MEMBER_PIN_LOCK_MINUTES"]
    for attempt in range(1, limit + 1):
        wrong = display.type_pin(asked["id"], WRONG)
        assert wrong.status_code == 403
        assert wrong.json["message"]
        if attempt < limit:
            assert "locked" not in wrong.json
    # the last wrong try says plainly that the PIN is now locked, and for how long
    assert wrong.json["locked"] is True and wrong.json["locked_minutes"] == minutes
    assert wrong.json["message"] == f"PIN anggota salah. PIN kini dikunci {minutes} menit."
    locked = display.type_pin(asked["id"], MEMBER_PIN)  # even the right one
    assert locked.status_code == 429
    assert locked.json["locked"] is True and 0 < locked.json["locked_minutes"] <= minutes
    assert _without_audit(rows.snapshot()) == _without_audit(before)
    assert _audit(app, "member.pin_failed", member_no) == limit
    assert _audit(app, "member.pin_locked", member_no) == 1
    status = counter.cashier.get(f"/member-pin-requests/{asked['token']}").json
    assert status["status"] == "pending"  # nothing approved
    # the counter's own PIN field is locked too: one count for the member
    assert (
        counter.sale(
            [{"product_id": pid}],
            [{"method": "simpanan", "amount": 15_000}],
            member_no=member_no,
        ).status_code
        == 429
    )
    assert sukarela(app, member_no) == 50_000


def test_a_pending_request_pays_nothing(app, counter, make_product, make_member, rows):
    pid, _ = make_product(price=15_000)
    member_no = make_member(sukarela=50_000)
    asked = _ask(counter, member_no, 15_000)
    assert asked["display_active"] is False  # no display polled: the counter's field
    before = rows.snapshot()
    response = _pay(counter, pid, member_no, asked["token"])
    assert response.status_code == 409
    assert "PIN" in response.json["message"]
    assert rows.snapshot() == before
    assert sukarela(app, member_no) == 50_000


def test_an_approval_is_used_once(app, counter, make_product, make_member, rows):
    pid, _ = make_product(price=15_000)
    member_no = make_member(sukarela=50_000)
    token = _approved(app, counter, member_no, 15_000)
    assert _pay(counter, pid, member_no, token).status_code == 201
    before = rows.snapshot()
    again = _pay(counter, pid, member_no, token)
    assert again.status_code == 409
    assert "already used" in again.json["message"] or "sudah dipakai" in again.json["message"]
    assert rows.snapshot() == before
    assert sukarela(app, member_no) == 35_000


def test_an_expired_approval_is_refused(app, counter, make_product, make_member, rows):
    pid, _ = make_product(price=15_000)
    member_no = make_member(sukarela=50_000)
    token = _approved(app, counter, member_no, 15_000)
    with app.app_context():
        db.session.execute(
            sa.update(MemberPinApproval)
            .where(MemberPinApproval.token == token)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    assert counter.cashier.get(f"/member-pin-requests/{token}").json["status"] == "expired"
    before = rows.snapshot()
    response = _pay(counter, pid, member_no, token)
    assert response.status_code == 409
    assert rows.snapshot() == before
    assert sukarela(app, member_no) == 50_000


def test_an_expired_request_takes_no_pin(app, counter, make_member, rows):
    member_no = make_member(sukarela=50_000)
    display = Display(app, counter)
    asked = _ask(counter, member_no, 15_000)
    with app.app_context():
        db.session.execute(
            sa.update(MemberPinApproval).values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    assert display.state()["pin"] is None
    before = rows.snapshot()
    typed = display.type_pin(asked["id"], MEMBER_PIN)
    assert typed.status_code == 409
    assert rows.snapshot() == before


def test_another_registers_approval_is_refused(app, counter, make_product, make_member, rows):
    pid, _ = make_product(price=15_000)
    member_no = make_member(sukarela=50_000)
    token = _approved(app, counter, member_no, 15_000)
    other = factories.make_counter(app, code="R2", manager=counter.manager)
    before = rows.snapshot()
    response = _pay(other, pid, member_no, token)
    assert response.status_code == 403
    assert "register" in response.json["message"] or "kasir lain" in response.json["message"]
    assert rows.snapshot() == before
    assert sukarela(app, member_no) == 50_000
    # still good on its own register
    assert _pay(counter, pid, member_no, token).status_code == 201


def test_another_members_approval_is_refused(app, counter, make_product, make_member, rows):
    pid, _ = make_product(price=15_000)
    member_no = make_member(sukarela=50_000)
    other = make_member(sukarela=50_000)
    token = _approved(app, counter, member_no, 15_000)
    before = rows.snapshot()
    response = _pay(counter, pid, other, token)
    assert response.status_code == 403
    assert rows.snapshot() == before
    assert sukarela(app, other) == 50_000 and sukarela(app, member_no) == 50_000


def test_an_amount_above_the_approval_is_refused(app, counter, make_product, make_member, rows):
    pid, _ = make_product(price=15_000)
    member_no = make_member(sukarela=50_000)
    token = _approved(app, counter, member_no, 10_000)
    before = rows.snapshot()
    response = _pay(counter, pid, member_no, token)
    assert response.status_code == 403
    assert "Rp 10.000" in response.json["message"] and "Rp 15.000" in response.json["message"]
    assert rows.snapshot() == before
    assert sukarela(app, member_no) == 50_000


def test_unknown_or_doubled_proofs_are_422(app, counter, make_product, make_member, rows):
    pid, _ = make_product(price=15_000)
    member_no = make_member(sukarela=50_000)
    token = _approved(app, counter, member_no, 15_000)
    before = rows.snapshot()
    unknown = _pay(counter, pid, member_no, "no-such-approval")
    assert unknown.status_code == 422
    assert "member_pin_approval" in unknown.json["errors"]["json"]
    both = counter.sale(
        [{"product_id": pid}],
        [{"method": "simpanan", "amount": 15_000}],
        member_no=member_no,
        member_pin=MEMBER_PIN,
        member_pin_approval=token,
    )
    assert both.status_code == 422
    assert "member_pin_approval" in both.json["errors"]["json"]
    assert rows.snapshot() == before


def test_cancelled_request_leaves_the_display(app, counter, make_product, make_member, rows):
    pid, _ = make_product(price=15_000)
    member_no = make_member(sukarela=50_000)
    display = Display(app, counter)
    asked = _ask(counter, member_no, 15_000)
    assert display.state()["pin"]["request"] == asked["id"]
    cancelled = counter.cashier.delete(f"/member-pin-requests/{asked['token']}")
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert display.state()["pin"] is None
    before = rows.snapshot()
    assert display.type_pin(asked["id"], MEMBER_PIN).status_code == 409
    assert _pay(counter, pid, member_no, asked["token"]).status_code == 409
    assert rows.snapshot() == before
    # asking again replaces what was asked before
    first = _ask(counter, member_no, 15_000)
    second = _ask(counter, member_no, 12_000)
    assert display.state()["pin"]["request"] == second["id"]
    assert counter.cashier.get(f"/member-pin-requests/{first['token']}").json["status"] == (
        "cancelled"
    )


def test_the_display_pin_needs_the_display_and_csrf(app, counter, make_member, rows, login_as):
    member_no = make_member(sukarela=50_000)
    display = Display(app, counter)
    asked = _ask(counter, member_no, 15_000)
    member = login_as("member")
    before = rows.snapshot()
    assert display.type_pin(asked["id"], MEMBER_PIN, token=False).status_code == 403
    assert display.type_pin(asked["id"], MEMBER_PIN, csrf=False).status_code == 400
    assert member.post(
        "/pos/display/R1/pin",
        json={"request": asked["id"], "pin": MEMBER_PIN},
        headers={"Accept": "application/json"},
    ).status_code in (400, 403)
    assert rows.snapshot() == before
    # the member's PIN was not tried by any of these
    assert _audit(app, "member.pin_failed", member_no) == 0
    assert _audit(app, "member.pin_ok", member_no) == 0


def test_asking_needs_the_registers_own_cashier(app, counter, make_member, rows):
    member_no = make_member(sukarela=50_000)
    stranger = factories.api_user(app, "cashier")
    before = rows.snapshot()
    rid = counter.register["id"]
    response = stranger.post(
        f"/registers/{rid}/member-pin-requests", json={"member_no": member_no, "amount": 5_000}
    )
    assert response.status_code == 403
    zero = counter.cashier.post(
        f"/registers/{rid}/member-pin-requests", json={"member_no": member_no, "amount": 0}
    )
    assert zero.status_code == 422
    assert rows.snapshot() == before


def test_two_sales_racing_for_one_approval_one_wins(app, counter, make_product, make_member):
    """Eight sales (eight ids) carry the same approval at once: exactly one is stored,
    the others are refused (409) with nothing written."""
    pid, _ = make_product(price=15_000)
    member_no = make_member(sukarela=500_000)
    token = _approved(app, counter, member_no, 15_000)
    statuses, lock, start = [], threading.Lock(), threading.Barrier(8)

    def one_try():
        client = ApiClient(app, counter.cashier.token)
        body = {
            "id": str(uuid.uuid4()),
            "shift_id": counter.shift["id"],
            "member_no": member_no,
            "lines": [{"product_id": pid}],
            "payments": [{"method": "simpanan", "amount": 15_000}],
            "member_pin_approval": token,
        }
        start.wait()
        answer = client.post("/sales", json=body)
        with lock:
            statuses.append(answer.status_code)

    threads = [threading.Thread(target=one_try) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] + [409] * 7, statuses
    assert sukarela(app, member_no) == 485_000
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Sale)) == 1


def test_the_request_says_what_the_pin_pays(app, counter, make_member):
    """The display's pad says what the PIN pays (issue 15): the request's ``method``
    (simpanan, credit or both) goes to the display's state; an unknown one is refused
    naming the field, nothing asked."""
    member_no = make_member(sukarela=20_000, name="Siti Aminah")
    display = Display(app, counter)
    rid = counter.register["id"]
    url = f"/registers/{rid}/member-pin-requests"
    refused = counter.cashier.post(
        url, json={"member_no": member_no, "amount": 15_000, "method": "cash"}
    )
    assert refused.status_code == 422 and "method" in str(refused.json)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MemberPinApproval)) == 0
    assert display.state()["pin"] is None
    for method in ("credit", "both", "simpanan"):
        asked = counter.cashier.post(
            url, json={"member_no": member_no, "amount": 15_000, "method": method}
        )
        assert asked.status_code == 201 and asked.json["method"] == method
        pin = display.state()["pin"]
        assert (pin["request"], pin["method"]) == (asked.json["id"], method)
    with app.app_context():
        rows = db.session.scalars(sa.select(MemberPinApproval).order_by(MemberPinApproval.id))
        assert [(r.method, r.status) for r in rows] == [
            ("credit", "cancelled"),
            ("both", "cancelled"),
            ("simpanan", "pending"),
        ]
