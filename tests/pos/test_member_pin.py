"""A member's savings move only with the member: simpanan payments need the member's PIN."""

import threading
import uuid

import pytest
import sqlalchemy as sa

from mart.errors import Forbidden, InvalidInput
from mart.extensions import db
from mart.models import AuditLog
from members import services
from tests.conftest import ApiClient
from tests.pos.conftest import MEMBER_PIN, sukarela


def _without_audit(snapshot):
    return {k: v for k, v in snapshot.items() if k not in ("audit_log",)}


def _audit(app, action, member_no):
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditLog)
            .where(AuditLog.action == action, AuditLog.target_id == member_no)
        )


def _pay(counter, pid, member_no, **extra):
    return counter.sale(
        [{"product_id": pid}],
        [{"method": "simpanan", "amount": 15_000}],
        member_no=member_no,
        **extra,
    )


def test_right_pin_pays_and_is_audited(app, counter, make_product, make_member):
    pid, _ = make_product(price=15_000)
    member_no = make_member(sukarela=20_000)
    ok = _pay(counter, pid, member_no, member_pin=MEMBER_PIN)
    assert ok.status_code == 201, ok.json
    assert sukarela(app, member_no) == 5_000
    assert _audit(app, "member.pin_ok", member_no) == 1


def test_missing_pin_422_names_the_field_and_writes_nothing(
    app, counter, make_product, make_member, rows
):
    pid, _ = make_product(price=15_000)
    member_no = make_member(sukarela=20_000)
    before = rows.snapshot()
    for missing in (None, ""):
        response = _pay(counter, pid, member_no, member_pin=missing)
        assert response.status_code == 422
        assert "member_pin" in response.json["errors"]["json"]
    assert rows.snapshot() == before
    assert sukarela(app, member_no) == 20_000


def test_wrong_pin_403_writes_no_sale_and_is_audited(app, counter, make_product, make_member, rows):
    pid, _ = make_product(price=15_000)
    member_no = make_member(sukarela=20_000)
    before = rows.snapshot()
    wrong = _pay(counter, pid, member_no, member_pin="135790")
    assert wrong.status_code == 403
    assert _without_audit(rows.snapshot()) == _without_audit(before)
    assert sukarela(app, member_no) == 20_000
    assert _audit(app, "member.pin_failed", member_no) == 1


def test_five_wrong_lock_that_member_only(app, counter, make_product, make_member, rows):
    pid, _ = make_product(price=15_000)
    member_no = make_member(sukarela=100_000)
    other = make_member(sukarela=100_000)
    limit = app.config["MART_MEMBER_PIN_MAX_FAILURES"]
    for _ in range(limit):
        assert _pay(counter, pid, member_no, member_pin="135790").status_code == 403
    before = rows.snapshot()
    locked = _pay(counter, pid, member_no, member_pin=MEMBER_PIN)  # even the right one
    assert locked.status_code == 429
    assert _without_audit(rows.snapshot()) == _without_audit(before)
    assert sukarela(app, member_no) == 100_000
    assert _audit(app, "member.pin_failed", member_no) == limit
    assert _audit(app, "member.pin_locked", member_no) == 1
    # another member pays as usual
    assert _pay(counter, pid, other, member_pin=MEMBER_PIN).status_code == 201


def test_a_right_pin_resets_the_count(app, counter, make_product, make_member):
    pid, _ = make_product(price=15_000)
    member_no = make_member(sukarela=200_000)
    limit = app.config["MART_MEMBER_PIN_MAX_FAILURES"]
    for _ in range(limit - 1):
        assert _pay(counter, pid, member_no, member_pin="135790").status_code == 403
    assert _pay(counter, pid, member_no, member_pin=MEMBER_PIN).status_code == 201
    for _ in range(limit - 1):
        assert _pay(counter, pid, member_no, member_pin="135790").status_code == 403
    assert _pay(counter, pid, member_no, member_pin=MEMBER_PIN).status_code == 201


def test_member_without_pin_cannot_pay_by_simpanan(app, counter, make_product, make_member, rows):
    pid, _ = make_product(price=15_000)
    member_no = make_member(sukarela=20_000, pin=None)
    before = rows.snapshot()
    response = _pay(counter, pid, member_no, member_pin="135790")
    assert response.status_code == 403
    assert _without_audit(rows.snapshot()) == _without_audit(before)
    assert sukarela(app, member_no) == 20_000


def test_cash_sale_of_a_member_needs_no_pin(app, counter, make_product, make_member):
    pid, _ = make_product(price=15_000)
    member_no = make_member(sukarela=20_000)
    ok = counter.sale(
        [{"product_id": pid}], [{"method": "cash", "amount": 15_000}], member_no=member_no
    )
    assert ok.status_code == 201, ok.json


def test_check_member_pin_is_a_members_service(app, make_member):
    """The check other payments (credit) reuse: members.services.check_member_pin."""

    member_no = make_member()
    with app.app_context():
        assert services.check_member_pin(member_no, MEMBER_PIN).member_no == member_no
        with pytest.raises(InvalidInput) as missing:
            services.check_member_pin(member_no, None)
        assert "member_pin" in missing.value.errors["json"]
        with pytest.raises(Forbidden):
            services.check_member_pin(member_no, "000001")


def test_parallel_wrong_pins_are_counted_one_by_one(app, counter, make_product, make_member):
    """Twelve wrong PINs at once: exactly the limit are checked (403), the rest find the
    lock (429); nothing is paid."""
    pid, _ = make_product(price=15_000)
    member_no = make_member(sukarela=100_000)
    limit = app.config["MART_MEMBER_PIN_MAX_FAILURES"]
    statuses, lock, start = [], threading.Lock(), threading.Barrier(12)

    def one_try():
        client = ApiClient(app, counter.cashier.token)
        body = {
            "id": str(uuid.uuid4()),
            "shift_id": counter.shift["id"],
            "member_no": member_no,
            "lines": [{"product_id": pid}],
            "payments": [{"method": "simpanan", "amount": 15_000}],
            "member_pin": "135790",
        }
        start.wait()
        answer = client.post("/sales", json=body)
        with lock:
            statuses.append(answer.status_code)

    threads = [threading.Thread(target=one_try) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(403) == limit and statuses.count(429) == 12 - limit, statuses
    assert sukarela(app, member_no) == 100_000
