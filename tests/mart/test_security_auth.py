"""Issue 11: the secret key, sessions that end, CSRF beside a cookie, the login throttle
under concurrency, unknown users' cost, manager PINs that name a person, and the audit
of logins, tokens and PINs."""

import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner

from mart import InsecureConfig, auth, create_app, security
from mart.auth import PIN_MAX_FAILURES, is_trivial_pin, set_manager_pin
from mart.cli import DEMO_PINS
from mart.errors import InvalidInput
from mart.extensions import db
from mart.models import AuditLog, User
from members import services
from pos.models import Sale
from tests import factories
from tests.conftest import DEFAULT_PASSWORD, ROOT, make_config

# --- the secret key -----------------------------------------------------------------


@pytest.mark.parametrize(
    "key", ["change-me", "dev", "secret", "CHANGE_ME_PLEASE_0123456789abcdefghij"]
)
def test_production_refuses_a_placeholder_key(database_url, instance_path, key):
    config = make_config(database_url, instance_path, TESTING=False, SECRET_KEY=key)
    with pytest.raises(InsecureConfig, match="MART_SECRET_KEY"):
        create_app(config)


def test_production_refuses_a_short_key(database_url, instance_path):
    config = make_config(database_url, instance_path, TESTING=False, SECRET_KEY="x7Gq" * 7)
    with pytest.raises(InsecureConfig, match="MART_SECRET_KEY.*32"):
        create_app(config)


def test_production_starts_with_a_long_random_key_or_none(database_url, tmp_path):
    key = "f3a9c1" * 8
    app = create_app(make_config(database_url, str(tmp_path), TESTING=False, SECRET_KEY=key))
    assert app.config["SECRET_KEY"] == key
    # unset: a random key made once in the instance folder (make run)
    app = create_app(make_config(database_url, str(tmp_path), TESTING=False, SECRET_KEY=None))
    kept = (tmp_path / "secret_key").read_text().strip()
    assert app.config["SECRET_KEY"] == kept and len(kept) >= 32


def test_tests_may_use_a_short_key(app):
    assert app.config["TESTING"] and len(app.config["SECRET_KEY"]) < 32


def test_example_env_file_carries_no_usable_key():
    text = (ROOT / "deploy" / "okoce-mart.env.example").read_text()
    values = re.findall(r"^MART_SECRET_KEY=(.*)$", text, flags=re.M)
    assert values == [""]


# --- sessions -----------------------------------------------------------------------


def _login(app, username):
    client = app.test_client()
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": DEFAULT_PASSWORD,
            "csrf_token": factories.csrf_token(client),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def _cookie(client, app):
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


def _with_cookie(app, value):
    client = app.test_client()
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], value)
    return client


def test_saved_cookie_is_dead_after_logout(app, make_user):
    _, username = make_user("manager")
    client = _login(app, username)
    saved = _cookie(client, app)
    assert _with_cookie(app, saved).get("/members/").status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/backoffice").text)
    assert client.post("/logout", data={"csrf_token": token.group(1)}).status_code == 302
    again = _with_cookie(app, saved).get("/members/")
    assert again.status_code == 302 and "/login" in again.headers["Location"]


def test_new_password_and_deactivation_end_sessions(app, make_user):
    user_id, username = make_user("manager")
    saved = _cookie(_login(app, username), app)
    with app.app_context():
        db.session.get(User, user_id).set_password("another-pass-123")
        db.session.commit()
    assert _with_cookie(app, saved).get("/members/").status_code == 302

    user_id, username = make_user("manager")
    saved = _cookie(_login(app, username), app)
    with app.app_context():
        user = db.session.get(User, user_id)
        user.active = False
        db.session.commit()
        user.active = True  # even switched on again, the old session stays dead
        db.session.commit()
    assert _with_cookie(app, saved).get("/members/").status_code == 302


def test_member_leaving_ends_the_member_logins_sessions_and_tokens(app, make_user, api_as):
    member_no = factories.make_member(app, "Leaver", nik="3171999988887777", pin=None)
    _, username = make_user("member", member_no=member_no)
    saved = _cookie(_login(app, username), app)
    member_api = api_as("member", member_no=member_no)
    assert member_api.get("/auth/me").status_code == 200
    with app.test_request_context():
        services.leave(member_no, "resign")
        db.session.commit()
    assert _with_cookie(app, saved).get("/members/me").status_code == 302
    assert member_api.get("/auth/me").status_code == 401


def test_token_of_a_deactivated_user_stops_working(app, api_as):
    manager = api_as("manager")
    assert manager.get("/auth/me").status_code == 200
    with app.app_context():
        db.session.execute(
            sa.update(User).where(User.username == manager.username).values(active=False)
        )
        db.session.commit()
    assert manager.get("/auth/me").status_code == 401


def test_session_expires_after_the_idle_hours(app, make_user):
    _, username = make_user("manager")
    client = _login(app, username)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie.expires is not None  # a permanent session (its expiry moves on)
    saved = cookie.value
    # The same session signed as of (idle hours + 1 minute) ago: refused by the server.
    interface = app.session_interface
    serializer = interface.get_signing_serializer(app)
    with app.test_request_context():
        data = serializer.loads(saved)
    idle = app.config["MART_SESSION_IDLE_HOURS"] * 3600 + 60

    class Old(TimestampSigner):
        def get_timestamp(self):
            return super().get_timestamp() - idle

    serializer.signer = Old
    old = serializer.dumps(data)
    assert _with_cookie(app, saved).get("/members/").status_code == 200
    expired = _with_cookie(app, old).get("/members/")
    assert expired.status_code == 302 and "/login" in expired.headers["Location"]
    assert app.permanent_session_lifetime == timedelta(hours=app.config["MART_SESSION_IDLE_HOURS"])


def _sets_session_cookie(app, response) -> bool:
    name = app.config["SESSION_COOKIE_NAME"]
    return any(h.startswith(f"{name}=") for h in response.headers.getlist("Set-Cookie"))


PAGE = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}  # a browser's page load
FETCH = {"Accept": "*/*"}  # fetch()'s


def test_an_answer_that_changes_no_session_sends_no_cookie(app, make_user):
    """A page's background fetch must not send back the session it was sent with: when
    it arrives after a form's answer, it overwrites that answer's flash or CSRF token
    (``mart.security.keep_session_alive``). The idle expiry still moves on: on a page
    load at most every ``SESSION_REFRESH_SECONDS``, on a fetch once half the idle time
    has gone by without a page (a register's screen only fetches)."""
    _, username = make_user("manager")
    client = _login(app, username)
    assert client.get("/members/").status_code == 200  # the page made its CSRF token
    quiet = client.get("/api/v1/auth/me", headers=FETCH)
    assert quiet.status_code == 200
    assert not _sets_session_cookie(app, quiet)
    with client.session_transaction() as stored:  # as if 5 minutes had gone by
        stored["_refreshed"] -= security.SESSION_REFRESH_SECONDS
    fetched = client.get("/api/v1/auth/me", headers=FETCH)
    assert fetched.status_code == 200 and not _sets_session_cookie(app, fetched)
    page = client.get("/members/", headers=PAGE)
    assert page.status_code == 200 and _sets_session_cookie(app, page)
    assert not _sets_session_cookie(app, client.get("/members/", headers=PAGE))
    half = app.permanent_session_lifetime.total_seconds() / 2
    with client.session_transaction() as stored:  # half the idle time, fetches only
        stored["_refreshed"] -= int(half)
    kept = client.get("/api/v1/auth/me", headers=FETCH)
    assert kept.status_code == 200 and _sets_session_cookie(app, kept)
    assert not _sets_session_cookie(app, client.get("/api/v1/auth/me", headers=FETCH))


@pytest.mark.parametrize("minutes_before", [0, security.SESSION_REFRESH_SECONDS // 60])
def test_a_flash_survives_a_fetch_that_left_before_it(app, make_user, minutes_before):
    """The race CI saw, by hand: a fetch sent with the session as it was before a
    form's answer put a flash there comes back after that answer, and the browser keeps
    whatever cookie came last; the page it then loads must still show the flash. Also
    when the fetch is the first request past the refresh interval (it moved the expiry
    on, and sent its old session back with it, until 4 Dec)."""
    _, username = make_user("manager")
    client = _login(app, username)
    assert client.get("/members/").status_code == 200
    if minutes_before:
        with client.session_transaction() as stored:
            stored["_refreshed"] -= minutes_before * 60
    name = app.config["SESSION_COOKIE_NAME"]
    before = client.get_cookie(name).value
    with client.session_transaction() as stored:  # the form's answer: a flash
        stored.setdefault("_flashes", []).append(("message", "Dikirim lagi."))
    late = _with_cookie(app, before).get("/api/v1/auth/me", headers=FETCH)  # sent before
    assert late.status_code == 200
    for header in late.headers.getlist("Set-Cookie"):  # as the browser takes it
        if header.startswith(f"{name}="):
            client.set_cookie(name, header.split(";", 1)[0].split("=", 1)[1])
    assert "Dikirim lagi." in client.get("/members/", headers=PAGE).get_data(as_text=True)


# --- CSRF beside a cookie ------------------------------------------------------------


def test_bearer_header_beside_a_session_cookie_still_needs_csrf(login_as, api_as):
    client = login_as("manager")
    other = api_as("manager")
    for header in ("Bearer junk", f"Bearer {other.token}"):
        response = client.post(
            "/api/v1/members",
            json={"name": "Forged", "nik": "3171000011112222"},
            headers={"Authorization": header},
        )
        assert response.status_code == 400, header
        assert "csrf" in response.json["message"].lower()


def test_bearer_alone_needs_no_csrf(api_as):
    manager = api_as("manager")
    response = manager.post("/members", json={"name": "Rina", "nik": "3171000011113333"})
    assert response.status_code == 201, response.json


# --- the login throttle ---------------------------------------------------------------


def test_forty_parallel_tries_let_at_most_five_through(app, make_user):
    _, username = make_user("cashier")
    limit = app.config["MART_LOGIN_MAX_FAILURES"]
    statuses = []
    lock = threading.Lock()
    start = threading.Barrier(40)

    def one_try():
        client = app.test_client()
        start.wait()
        response = client.post(
            "/api/v1/auth/token", json={"username": username, "password": "wrong-guess-1"}
        )
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=one_try) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(statuses)) == [401, 429]
    assert statuses.count(401) == limit
    assert statuses.count(429) == 40 - limit


def test_unknown_user_costs_one_password_hash(app, make_user, monkeypatch):
    """Unknown and inactive users are checked against a hash like known ones, so the
    answer's time does not tell which user names exist."""
    calls = []
    real = auth.check_password_hash

    def counting(stored, password):
        calls.append(stored.split("$", 1)[0])
        return real(stored, password)

    monkeypatch.setattr(auth, "check_password_hash", counting)
    user_id, username = make_user("cashier")
    client = app.test_client()
    for name in (username, "nobody-here", "also-nobody"):
        client.post("/api/v1/auth/token", json={"username": name, "password": "wrong-1"})
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == user_id).values(active=False))
        db.session.commit()
    client.post("/api/v1/auth/token", json={"username": username, "password": DEFAULT_PASSWORD})
    assert len(calls) == 4
    assert len(set(calls)) == 1  # the same method (and cost) every time


# --- manager PINs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "pin",
    ["123456", "000000", "111111", "654321", "121212", "123123", "234567", "112233", "123321"],
)
def test_trivial_manager_pins_refused(app, make_user, pin):
    user_id, _ = make_user("manager")
    with app.app_context():
        user = db.session.get(User, user_id)
        with pytest.raises(InvalidInput):
            set_manager_pin(user, pin)
        db.session.rollback()
        assert db.session.get(User, user_id).pin_hash is None


@pytest.mark.parametrize("pin", ["4321", "1234567", "12a456", "٤٨٢٩١٥", ""])
def test_manager_pin_is_six_ascii_digits(app, make_user, pin):
    user_id, _ = make_user("manager")
    with app.app_context(), pytest.raises(InvalidInput):
        set_manager_pin(db.session.get(User, user_id), pin)


def test_manager_pins_are_unique(app, make_user):
    first, _ = make_user("manager")
    second, _ = make_user("admin")
    with app.app_context():
        set_manager_pin(db.session.get(User, first), "482915")
        db.session.commit()
        with pytest.raises(InvalidInput) as refused:
            set_manager_pin(db.session.get(User, second), "482915")
        assert "pin" in refused.value.errors["json"]
        db.session.rollback()
        assert db.session.get(User, second).pin_hash is None
        set_manager_pin(db.session.get(User, second), "590317")  # another PIN is fine


def test_cli_refuses_a_trivial_pin(runner):
    result = runner.invoke(
        args=[
            "mart",
            "create-user",
            "mgrx",
            "--role",
            "manager",
            "--password",
            "pass-1234",
            "--pin",
            "123456",
        ]
    )
    assert result.exit_code != 0 and "--pin" in result.output
    with runner.app.app_context():
        assert db.session.scalar(sa.select(User).where(User.username == "mgrx")) is None


def test_approval_names_the_chosen_approver_and_locks_only_them(app, make_user, api_as):
    make_user("admin", username="boss", pin="482915")
    manager = api_as("manager", username="siti", pin="736204")
    counter = factories.make_counter(app, manager=manager)

    pid, _ = factories.make_product(app, price=100_000)
    big = [{"product_id": pid, "discount": 30_000}]
    cash = [{"method": "cash", "amount": 70_000}]
    for _ in range(PIN_MAX_FAILURES):
        wrong = counter.sale(big, cash, approval_pin="482915", approver="siti")
        assert wrong.status_code == 403
    locked = counter.sale(big, cash, approval_pin="736204", approver="siti")
    assert locked.status_code == 429
    ok = counter.sale(big, cash, approval_pin="482915", approver="boss")
    assert ok.status_code == 201, ok.json
    # an old client sends the PIN alone: it names its approver
    old = counter.sale(big, cash, approval_pin="482915")
    assert old.status_code == 201
    with app.app_context():
        approvers = {db.session.get(Sale, s.json["id"]).approved_by_id for s in (ok, old)}
        boss = db.session.scalar(sa.select(User.id).where(User.username == "boss"))
        assert approvers == {boss}
        failed = db.session.scalars(
            sa.select(AuditLog).where(AuditLog.action == "auth.pin_failed")
        ).all()
        assert len(failed) == PIN_MAX_FAILURES
        assert all(row.after["approver"] == "siti" for row in failed)
    unknown = counter.sale(big, cash, approval_pin="482915", approver="kasir-nobody")
    assert unknown.status_code == 422 and "approver" in unknown.json["errors"]["json"]


def test_nameless_wrong_pins_lock_the_asker_not_the_managers(app, make_user, api_as):
    manager = api_as("manager", username="mgr-a", pin="736204")
    counter = factories.make_counter(app, manager=manager)
    other = factories.make_counter(app, code="R2", manager=manager)
    pid, _ = factories.make_product(app, price=100_000)
    big = [{"product_id": pid, "discount": 30_000}]
    cash = [{"method": "cash", "amount": 70_000}]
    for _ in range(PIN_MAX_FAILURES):
        assert counter.sale(big, cash, approval_pin="590317").status_code == 403
    assert counter.sale(big, cash, approval_pin="736204").status_code == 429
    # another cashier, and the manager by name, still approve
    assert other.sale(big, cash, approval_pin="736204").status_code == 201
    assert counter.sale(big, cash, approval_pin="736204", approver="mgr-a").status_code == 201


# --- audit ------------------------------------------------------------------------------


def _actions(app):
    with app.app_context():
        return [row.action for row in db.session.scalars(sa.select(AuditLog).order_by(AuditLog.id))]


def test_logins_logouts_tokens_are_audited(app, make_user):
    _, username = make_user("manager")
    client = app.test_client()
    bad = client.post(
        "/login",
        data={
            "username": username,
            "password": "nope-123",
            "csrf_token": factories.csrf_token(client),
        },
    )
    assert bad.status_code == 401
    client = _login(app, username)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/backoffice").text)
    client.post("/logout", data={"csrf_token": token.group(1)})
    api = app.test_client()
    issued = api.post(
        "/api/v1/auth/token", json={"username": username, "password": DEFAULT_PASSWORD}
    )
    api.delete("/api/v1/auth/token", headers={"Authorization": f"Bearer {issued.json['token']}"})
    actions = _actions(app)
    for action in (
        "auth.login_failed",
        "auth.login",
        "auth.logout",
        "auth.token_created",
        "auth.token_revoked",
    ):
        assert action in actions, (action, actions)


def test_throttled_login_is_audited(app, make_user):
    _, username = make_user("cashier")
    api = app.test_client()
    for _ in range(app.config["MART_LOGIN_MAX_FAILURES"] + 1):
        api.post("/api/v1/auth/token", json={"username": username, "password": "nope-123"})
    assert "auth.login_throttled" in _actions(app)


def test_supplier_bank_change_deposit_and_goods_receipt_are_audited(app, api_as):
    manager = api_as("manager")
    supplier = manager.post(
        "/suppliers", json={"name": "UD Maju", "bank_account_no": "0123", "terms": "purchase"}
    )
    assert supplier.status_code == 201, supplier.json
    sid = supplier.json["id"]
    changed = manager.patch(f"/suppliers/{sid}", json={"bank_account_no": "9999"})
    assert changed.status_code == 200, changed.json
    with app.app_context():
        row = db.session.scalar(
            sa.select(AuditLog).where(AuditLog.action == "supplier.bank_account_change")
        )
        assert row.before == {"bank_account_no": "0123"} and row.after == {
            "bank_account_no": "9999"
        }
    member = manager.post("/members", json={"name": "Ani", "nik": "3171000011114444"})
    no = member.json["member_no"]
    assert (
        manager.post(
            f"/members/{no}/deposits", json={"kind": "sukarela", "amount": 5_000}
        ).status_code
        == 201
    )
    assert (
        manager.post(
            f"/members/{no}/withdrawals", json={"kind": "sukarela", "amount": 1_000}
        ).status_code
        == 201
    )

    pid, _ = factories.make_product(app, price=5_000)
    receipt = manager.post(
        "/goods-receipts",
        json={
            "supplier_id": sid,
            "lines": [{"product_id": pid, "quantity": 2, "unit_cost": 3_000}],
        },
    )
    assert receipt.status_code == 201, receipt.json
    actions = _actions(app)
    for action in ("savings.deposit", "savings.withdrawal", "goods_receipt.post"):
        assert action in actions, action


def test_demo_pins_are_distinct_and_documented(runner):
    assert len(set(DEMO_PINS.values())) == len(DEMO_PINS)
    assert not any(is_trivial_pin(p) for p in DEMO_PINS.values())
    readme = (ROOT / "README.md").read_text()
    assert "PIN 1234" not in readme
    for user, pin in DEMO_PINS.items():
        assert pin in readme, user
    assert Path(ROOT / "README.md").exists()


def _counts(app):
    with app.app_context():
        return (
            db.session.scalar(sa.select(sa.func.count()).select_from(Sale)),
            db.session.scalar(sa.select(sa.func.count()).select_from(User)),
        )


def test_no_login_meets_the_views_refusal_before_its_body_is_read(app, client):
    """The role is checked by the view itself (roles_required right under blp.route):
    without a login the answer is 401 (API) or the login page, never a complaint about
    the body or a missing CSRF token, and nothing is written."""
    before = _counts(app)
    not_json = client.post("/api/v1/sales", data="x=1", content_type="text/plain")
    assert not_json.status_code == 401
    assert not_json.json["message"]
    bad_body = client.post("/api/v1/products", json={"sku": 5, "price": "banyak"})
    assert bad_body.status_code == 401
    page = client.post("/members/new", data={"name": "Tanpa Login"})
    assert page.status_code == 302
    assert "/login?next=" in page.headers["Location"]
    assert _counts(app) == before


def test_the_login_form_keeps_its_csrf_check(client):
    answer = client.post("/login", data={"username": "admin", "password": "x"})
    assert answer.status_code == 400
