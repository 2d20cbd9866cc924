"""Web security: headers on every answer, cookies, throttling, passwords, the manager PIN,
no secrets or personal data in the logs."""

import logging
import re
from pathlib import Path

import pytest

import config
from mart.auth import PIN_MAX_FAILURES, approve_with_pin
from mart.errors import Forbidden, TooManyRequests
from mart.extensions import db
from mart.logs import JsonFormatter, MaskFilter, mask
from mart.models import User
from tests import factories
from tests.conftest import DEFAULT_PASSWORD
from tests.reliability.matrix import rules_of

ROOT = Path(__file__).resolve().parents[2]


def test_csp_forbids_inline_script_and_style(client):
    csp = client.get("/login").headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp


def test_templates_have_no_inline_script_or_style():
    """The CSP forbids them; catch them in the source before a browser does."""
    offenders = []
    for template in ROOT.glob("*/**/templates/**/*.html"):
        if ".venv" in template.parts:
            continue
        text = template.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            offenders.append(f"{template.relative_to(ROOT)}: inline <script>")
        if re.search(r"\sstyle\s*=", text) or "<style" in text:
            offenders.append(f"{template.relative_to(ROOT)}: style attribute or <style>")
        if re.search(r"\son[a-z]+\s*=\s*[\"']", text):
            offenders.append(f"{template.relative_to(ROOT)}: inline event handler")
    assert not offenders, "\n".join(offenders)


def test_session_cookie_is_httponly_samesite_and_secure_when_configured(
    app_factory, make_user, monkeypatch
):
    monkeypatch.setenv("MART_SECURE_COOKIES", "1")
    assert config.settings()["SESSION_COOKIE_SECURE"] is True
    assert config.settings()["REMEMBER_COOKIE_SECURE"] is True
    monkeypatch.delenv("MART_SECURE_COOKIES")
    assert config.settings()["SESSION_COOKIE_SECURE"] is False

    app = app_factory(SESSION_COOKIE_SECURE=True)
    _, username = make_user("manager")
    client = app.test_client()
    client.get("/login")
    token = factories.csrf_in(client.get("/login").get_data(as_text=True))
    answer = client.post(
        "/login",
        data={"username": username, "password": DEFAULT_PASSWORD, "csrf_token": token},
    )
    assert answer.status_code == 302
    cookie = answer.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login_form_without_csrf_token_is_refused(client, make_user, rows):
    _, username = make_user("manager")
    answer = client.post("/login", data={"username": username, "password": DEFAULT_PASSWORD})
    assert answer.status_code == 400
    assert "session" not in answer.headers.get("Set-Cookie", "") or "_user_id" not in str(
        client.get_cookie("session")
    )


def test_login_is_throttled_on_the_api_and_the_page(app, anon_api, make_user):
    _, username = make_user("cashier")
    for _ in range(app.config["MART_LOGIN_MAX_FAILURES"]):
        answer = anon_api.post("/auth/token", json={"username": username, "password": "wrong-1"})
        assert answer.status_code == 401
    answer = anon_api.post("/auth/token", json={"username": username, "password": DEFAULT_PASSWORD})
    assert answer.status_code == 429 and answer.json["message"]
    # the page shares the count (same user, same address)
    client = app.test_client()
    token = factories.csrf_in(client.get("/login").get_data(as_text=True))
    page = client.post(
        "/login", data={"username": username, "password": DEFAULT_PASSWORD, "csrf_token": token}
    )
    assert page.status_code == 429


@pytest.mark.parametrize("weak", ["short1", "onlyletters", "1234567890", ""])
def test_weak_passwords_are_refused_by_create_user(runner, rows, weak):
    before = rows(User)
    result = runner.invoke(
        args=["mart", "create-user", "lemah", "--role", "cashier", "--password", weak]
    )
    assert result.exit_code != 0
    assert "Password" in result.output or "password" in result.output
    assert rows(User) == before


def test_every_place_that_sets_a_password_checks_its_strength():
    """Whoever adds a way to set a password must call mart.auth.password_problem."""
    offenders = []
    for source in ROOT.glob("**/*.py"):
        if {".venv", "tests", "migrations"} & set(source.parts):
            continue
        text = source.read_text()
        for match in re.finditer(r"\.set_password\(", text):
            func_start = text.rfind("\ndef ", 0, match.start())
            caller = re.match(r"\ndef (\w+)", text[func_start:]).group(1)
            if caller == "create_user" and source == ROOT / "mart" / "cli.py":
                continue  # the helper; its command checks, demo/test passwords are fixed
            if "password_problem" not in text:
                offenders.append(f"{source.relative_to(ROOT)}:{caller}")
    assert not offenders, offenders


def test_manager_pin_locks_after_failures(app, make_user):
    make_user("manager", pin="8642")
    with app.test_request_context():
        assert approve_with_pin("8642").has_role("manager")
        for _ in range(PIN_MAX_FAILURES):
            with pytest.raises(Forbidden):
                approve_with_pin("0000")
        with pytest.raises(TooManyRequests):
            approve_with_pin("8642")  # even the right PIN, while locked
        db.session.rollback()


def test_no_secret_or_personal_data_in_logs(app, anon_api, make_user, caplog):
    """Log everything (DEBUG, every logger) during logins and token calls: no password,
    no token; and NIK/phone numbers are masked by the log formatter."""
    _, username = make_user("manager", password="Sangat-Rahasia-77")
    caplog.set_level(logging.DEBUG)
    anon_api.post("/auth/token", json={"username": username, "password": "Salah-Sekali-99"})
    answer = anon_api.post(
        "/auth/token", json={"username": username, "password": "Sangat-Rahasia-77"}
    )
    token = answer.json["token"]
    anon_api.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    anon_api.delete("/auth/token", headers={"Authorization": f"Bearer {token}"})
    client = app.test_client()
    csrf = factories.csrf_in(client.get("/login").get_data(as_text=True))
    client.post(
        "/login", data={"username": username, "password": "Sangat-Rahasia-77", "csrf_token": csrf}
    )
    logged = "\n".join(
        f"{r.getMessage()} {r.args!r} {getattr(r, 'exc_text', '')}" for r in caplog.records
    )
    for secret in ("Sangat-Rahasia-77", "Salah-Sekali-99", token, csrf):
        assert secret not in logged

    formatter = JsonFormatter()
    record = logging.LogRecord(
        "mart",
        logging.INFO,
        __file__,
        1,
        "member %s phone %s",
        ("3171012345678901", "081234567890"),
        None,
    )
    line = formatter.format(record)
    assert "3171012345678901" not in line and "081234567890" not in line
    assert "3171********8901" in line
    assert MaskFilter().filter(record) and "3171012345678901" not in record.getMessage()


@pytest.mark.parametrize(
    "text, hidden",
    [
        ("login password=hunter-22 ok", "hunter-22"),
        ('{"password": "hunter-22"}', "hunter-22"),
        ("Authorization: Bearer abc.DEF_123", "abc.DEF_123"),
        ("nik 3201234567890123", "3201234567890123"),
        ("telepon +6281298765432", "+6281298765432"),
    ],
)
def test_mask(text, hidden):
    assert hidden not in mask(text)


def test_huge_numbers_in_urls_and_bodies_are_not_server_errors(app, api_as):
    """A number too big for the database column is bad input (4xx), never a 500."""
    admin = api_as("admin")
    problems = []
    for rule, method in rules_of(app):
        if method != "GET" or not rule.rule.startswith("/api/"):
            continue
        ints = [
            a for a, conv in rule._converters.items() if type(conv).__name__ == "IntegerConverter"
        ]
        if not ints:
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = re.sub(rf"<[^>]*\b{arg}>", str(10**30) if arg in ints else "1", url)
        answer = admin.get(url)
        if answer.status_code >= 500 or not answer.json.get("message"):
            problems.append(f"GET {url}: {answer.status_code}")
    assert not problems, problems
