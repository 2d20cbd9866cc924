"""The foundation: factory, health, errors, login, tokens, throttle, CSRF, CLI."""

import sqlite3
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_smorest import Blueprint
from openapi_spec_validator import validate

from mart.audit import record
from mart.auth import PIN_MAX_FAILURES, approve_with_pin, roles_required
from mart.counters import next_value
from mart.db import utcnow
from mart.errors import Forbidden, TooManyRequests
from mart.extensions import db
from mart.models import ApiToken, AuditLog, LoginThrottle, User
from tests import factories
from tests.conftest import DEFAULT_PASSWORD


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["database"] == "ok"


def test_healthz_503_when_database_unreachable(app_factory, tmp_path):
    # A directory cannot be opened as a SQLite database.
    broken = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}")
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_security_headers_and_csp(client):
    response = client.get("/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Request-Id"]


# --- token auth -------------------------------------------------------------------


def test_token_for_good_credentials(anon_api, make_user):
    make_user("manager", username="ani")
    response = anon_api.post("/auth/token", json={"username": "ani", "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    assert response.json["roles"] == ["manager"]
    token = response.json["token"]
    me = anon_api.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json["username"] == "ani"


def test_token_is_stored_hashed(app, anon_api, make_user):
    make_user("cashier", username="budi")
    token = anon_api.post(
        "/auth/token", json={"username": "budi", "password": DEFAULT_PASSWORD}
    ).json["token"]
    with app.app_context():
        stored = db.session.scalars(sa.select(ApiToken.token_hash)).all()
    assert token not in stored
    assert len(stored) == 1 and len(stored[0]) == 64


def test_wrong_password_401_with_message(anon_api, make_user):
    make_user("cashier", username="budi")
    response = anon_api.post("/auth/token", json={"username": "budi", "password": "salah"})
    assert response.status_code == 401
    assert response.json["message"]


def test_revoked_token_no_longer_works(api_as):
    manager = api_as("manager")
    assert manager.get("/auth/me").status_code == 200
    assert manager.delete("/auth/token").status_code == 200
    assert manager.get("/auth/me").status_code == 401


def test_expired_token_refused(app, api_as):
    manager = api_as("manager")
    with app.app_context():
        db.session.execute(sa.update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert manager.get("/auth/me").status_code == 401


def test_throttle_locks_after_failures_even_with_right_password(app, anon_api, make_user):
    make_user("cashier", username="citra")
    for _ in range(app.config["MART_LOGIN_MAX_FAILURES"]):
        bad = anon_api.post("/auth/token", json={"username": "citra", "password": "nope"})
        assert bad.status_code == 401
    locked = anon_api.post("/auth/token", json={"username": "citra", "password": DEFAULT_PASSWORD})
    assert locked.status_code == 429
    assert "login" in locked.json["message"].lower() or locked.json["message"]


def test_successful_login_clears_failures(app, anon_api, make_user):
    make_user("cashier", username="dodi")
    anon_api.post("/auth/token", json={"username": "dodi", "password": "nope"})
    ok = anon_api.post("/auth/token", json={"username": "dodi", "password": DEFAULT_PASSWORD})
    assert ok.status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginThrottle)) == 0


# --- error shapes -------------------------------------------------------------------


def test_401_json_when_not_logged_in(anon_api):
    response = anon_api.get("/auth/me")
    assert response.status_code == 401
    assert response.is_json and response.json["message"]


def test_403_json_for_wrong_role(app, api_as):
    cashier = api_as("cashier")
    # The role check itself, on a page reserved to managers.
    page = cashier.client.get("/backoffice", headers={"Authorization": f"Bearer {cashier.token}"})
    assert page.status_code == 403
    assert Blueprint and roles_required  # imported for clarity of what is under test


def test_404_json_on_api(anon_api):
    response = anon_api.get("/no-such-thing")
    assert response.status_code == 404
    assert response.is_json and response.json["message"]


def test_404_html_on_pages(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_422_names_the_field(anon_api):
    response = anon_api.post("/auth/token", json={"username": "x"})
    assert response.status_code == 422
    assert "password" in response.json["errors"]["json"]
    assert response.json["message"]


def test_400_when_body_is_not_json(anon_api):
    response = anon_api.post(
        "/auth/token", data="username=x", headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 400
    assert response.json["message"]


def test_400_when_json_is_broken(anon_api):
    response = anon_api.post(
        "/auth/token", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json["message"]


# --- pages, login, CSRF --------------------------------------------------------------


@pytest.mark.parametrize(
    "role, landing",
    [
        ("manager", "/backoffice"),
        ("association", "/association/"),
        ("cashier", "/pos/"),
        ("member", "/members/me"),
        ("supplier", "/inventory/supplier_home"),
    ],
)
def test_login_lands_on_the_page_of_the_role(client, make_user, role, landing):
    _, username = make_user(role)
    token = factories.csrf_token(client)
    response = client.post(
        "/login", data={"username": username, "password": DEFAULT_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    home = client.get(response.headers["Location"])
    assert home.status_code == 302 and home.headers["Location"].endswith(landing)
    assert client.get(landing).status_code == 200


def test_login_without_csrf_token_refused(client, make_user):
    _, username = make_user("manager")
    response = client.post("/login", data={"username": username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert client.get("/backoffice").status_code == 302  # still not logged in


def test_session_api_post_needs_csrf_header(login_as):
    client = login_as("manager")
    response = client.delete("/api/v1/auth/token")
    assert response.status_code == 400
    assert "csrf" in response.json["message"].lower()


def test_page_redirects_anonymous_to_login(client):
    response = client.get("/backoffice")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_wrong_password_on_page_shows_error(client, make_user):
    _, username = make_user("manager")
    token = factories.csrf_token(client)
    response = client.post(
        "/login", data={"username": username, "password": "wrong", "csrf_token": token}
    )
    assert response.status_code == 401
    assert "Salah" in response.get_data(as_text=True) or "salah" in response.get_data(as_text=True)


def test_language_switch_to_english(client):
    html = client.get("/login?lang=en").get_data(as_text=True)
    assert "Log in" in html
    html_id = client.get("/login?lang=id").get_data(as_text=True)
    assert "Masuk" in html_id


def test_logout(login_as):
    client = login_as("manager")
    assert client.get("/backoffice").status_code == 200
    with client.session_transaction() as session:
        pass
    token = factories.csrf_token(client, "/backoffice")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/backoffice").status_code == 302
    assert session is not None


# --- audit, counters, OpenAPI ------------------------------------------------------


def test_audit_record_commits_with_the_change(app, make_user):
    user_id, _ = make_user("manager")
    with app.app_context():
        user = db.session.get(User, user_id)
        record("price.override", "Product", 7, before={"price": 1}, after={"price": 2}, user=user)
        db.session.rollback()  # rolled back with the change: nothing
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == 0
        record("price.override", "Product", 7, before={"price": 1}, after={"price": 2}, user=user)
        db.session.commit()
        row = db.session.scalar(sa.select(AuditLog))
        assert (row.action, row.target_id, row.before, row.username) == (
            "price.override",
            "7",
            {"price": 1},
            user.username,
        )


def test_counters_are_sequential_and_give_back_on_rollback(app):
    with app.app_context():
        assert [next_value("r1") for _ in range(3)] == [1, 2, 3]
        db.session.commit()
        assert next_value("r1") == 4
        db.session.rollback()
        assert next_value("r1") == 4
        assert next_value("other") == 1
        db.session.commit()


def test_openapi_document_is_valid(client):
    spec = client.get("/api/v1/openapi.json").json
    validate(spec)
    assert "/api/v1/auth/token" in spec["paths"]


def test_api_docs_page_uses_no_cdn(client):
    html = client.get("/api/v1/docs").get_data(as_text=True)
    assert "swagger-ui-bundle.js" in html
    assert "http://" not in html and "https://" not in html


def test_manager_pin_approves_and_locks(app, make_user):
    make_user("manager", username="mgr", pin="480213")
    make_user("manager", username="mgr2", pin="597314")
    with app.app_context():
        assert approve_with_pin("480213").username == "mgr"
        assert approve_with_pin("480213", approver="mgr").username == "mgr"
        for _ in range(PIN_MAX_FAILURES):
            with pytest.raises(Forbidden):
                approve_with_pin("597314", approver="mgr")  # mgr2's PIN is not mgr's
            db.session.rollback()  # the caller's rollback keeps the failure count
        with pytest.raises(TooManyRequests):
            approve_with_pin("480213", approver="mgr")
        # only the named approver is locked
        assert approve_with_pin("597314", approver="mgr2").username == "mgr2"


def test_cashier_pin_does_not_approve(app, make_user):
    make_user("cashier", username="ksr", pin="803152")
    with app.app_context(), pytest.raises(Forbidden):
        approve_with_pin("803152")


def test_database_busy_is_503_with_retry_after(app, app_factory, make_user):
    """A writer holding SQLite's lock past the busy timeout: 503, nothing saved."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite's single-writer lock")
    make_user("manager", username="sibuk")
    impatient = app_factory(
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"timeout": 0.2, "check_same_thread": False}}
    )
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        response = impatient.test_client().post(
            "/api/v1/auth/token", json={"username": "sibuk", "password": "x"}
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.json["message"]
