"""Every route, every role, against the one declared table (access_table.py).

The routes are read from ``app.url_map``, so a new route is covered automatically
(and fails until it is declared). The branch is seeded with ``flask mart seed-demo``
and the URL parameters are filled with real records (matrix.FILL).
"""

import pytest

from mart.extensions import db
from mart.models import User
from mart.security import CSRF_EXEMPT_ENDPOINTS
from tests.reliability.access_table import (
    ACCESS,
    ANON,
    CSRF_EXEMPT_REASONS,
    MODE_ONLY,
    ROLES,
    SELF_SERVICE,
    SIGNATURE_ONLY,
)
from tests.reliability.matrix import Matrix, allowed_roles, refused, rules_of

# Every answer, of every route and role, carries these headers (mart/security.py).
HEADERS = {
    "Content-Security-Policy": "script-src 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}

OWN_RECORD_ROLES = {"member", "supplier"}
HUB_AND_CORE = ("rollup", "mart.", "auth.", "api-docs", "static")


@pytest.fixture(autouse=True)
def _sqlite_pass_only(is_postgres):
    """Who may use a route is decided before any query (``roles_required``, the access
    table), the same whatever database stands behind it, so the matrix's 2000-odd requests
    run in the SQLite pass only. The PostgreSQL pass still requests every API operation
    (test_fuzz_api.py) and every page through each package's page tests."""
    if is_postgres:
        pytest.skip("the access matrix runs in the SQLite pass")


@pytest.fixture(params=["branch", "association"])
def seeded(request, seeded_branch):
    branch, hub, matrix = seeded_branch
    app = branch if request.param == "branch" else hub
    return app, Matrix.for_app(matrix, app)


def test_every_route_is_declared(seeded_branch):
    app = seeded_branch[0]
    missing = sorted({rule.endpoint for rule, _ in rules_of(app)} - set(ACCESS))
    assert not missing, (
        "routes missing from tests/reliability/access_table.py ACCESS (declare who may use "
        f"them): {missing}"
    )
    for rule, method in rules_of(app):
        allowed_roles(ACCESS, rule.endpoint, method)  # a per-method entry names each method


def test_access_matrix(seeded):
    app, matrix = seeded
    mode = app.config["MART_MODE"]
    problems = []
    for rule, method in rules_of(app):
        if rule.endpoint not in ACCESS:
            continue  # reported by test_every_route_is_declared
        if mode == "association" and not rule.endpoint.startswith(HUB_AND_CORE):
            continue  # the branch's routes are walked in branch mode
        allowed = allowed_roles(ACCESS, rule.endpoint, method)
        url = matrix.url(rule)
        only = MODE_ONLY.get(rule.endpoint)
        for role in (ANON, *ROLES):
            answer = matrix.call(role, rule, method, url)
            where = f"{method} {url} ({rule.endpoint}) as {role}"
            for name, expected in HEADERS.items():
                if expected not in answer.headers.get(name, ""):
                    problems.append(f"{where}: header {name} missing or wrong")
            if not answer.headers.get("X-Request-Id"):
                problems.append(f"{where}: no X-Request-Id")
            if answer.status >= 500:
                problems.append(f"{where}: server error {answer.status}")
            elif only and only != mode:
                if answer.status != 404 and not refused(answer):
                    problems.append(f"{where}: {answer.status} in {mode} mode (only {only})")
            elif allowed is SIGNATURE_ONLY:
                if answer.status != 401:
                    problems.append(f"{where}: {answer.status} without a signature; must be 401")
            elif allowed is SELF_SERVICE and role == "admin":
                pass  # an admin without a member link: refused or an empty page, both fine
            elif role in allowed or role == "admin":
                if refused(answer):
                    problems.append(f"{where}: refused ({answer.status}) but the table allows")
            elif not refused(answer) and not (
                answer.status == 404 and role in OWN_RECORD_ROLES and rule.arguments
            ):
                problems.append(f"{where}: answered {answer.status}; must be refused")
    assert not problems, "\n".join(problems)


def test_admin_passes_everywhere_in_the_table():
    for endpoint, entry in ACCESS.items():
        for roles in entry.values() if isinstance(entry, dict) else [entry]:
            if roles is SIGNATURE_ONLY or roles is SELF_SERVICE:
                continue
            assert "admin" in roles, f"{endpoint}: admin always passes; add it to the entry"


def _view_endpoints(app, names):
    out = set()
    for endpoint, func in app.view_functions.items():
        inner = getattr(func, "__wrapped__", func)
        view_class = getattr(func, "view_class", None)
        if f"{inner.__module__}.{inner.__name__}" in names:
            out.add(endpoint)
        if view_class is not None:
            for attr in ("get", "post", "put", "patch", "delete"):
                method = getattr(view_class, attr, None)
                method = getattr(method, "__wrapped__", method)
                if method is not None and f"{method.__module__}.{method.__name__}" in names:
                    out.add(endpoint)
    return out


@pytest.mark.parametrize("seeded", ["branch"], indirect=True)
def test_every_state_change_needs_a_csrf_token_or_says_why_not(seeded):
    """A cookie-session POST/PUT/PATCH/DELETE without the CSRF token is refused (400),
    except on endpoints declared exempt with a reason."""
    app, matrix = seeded
    exempt = _view_endpoints(app, CSRF_EXEMPT_ENDPOINTS)
    undocumented = sorted(exempt - set(CSRF_EXEMPT_REASONS))
    assert not undocumented, f"@csrf_exempt without a reason in CSRF_EXEMPT_REASONS: {undocumented}"
    problems = []
    for rule, method in rules_of(app):
        if method == "GET" or rule.endpoint in exempt:
            continue
        client = app.test_client()
        with app.app_context():
            session_id = db.session.get(User, matrix.users["admin"]).get_id()
        with client.session_transaction() as session:
            session["_user_id"] = session_id
            session["_fresh"] = True
        url = matrix.url(rule)
        if url.startswith("/api/"):
            answer = client.open(url, method=method, json={})
        else:
            answer = client.open(url, method=method, data={})
        if answer.status_code != 400 or b"CSRF" not in answer.data.upper():
            problems.append(f"{method} {url}: {answer.status_code} without a CSRF token")
    assert not problems, "\n".join(problems)
