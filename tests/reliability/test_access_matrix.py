"""Every route, every role, against the one declared table (access_table.py).

The routes are read from ``app.url_map``, so a new route is covered automatically
(and fails until it is declared). The branch is seeded with ``flask mart seed-demo``
and the URL parameters are filled with real records (matrix.FILL).
"""

import pytest

from mart.security import CSRF_EXEMPT_ENDPOINTS
from tests.reliability.access_table import (
    ACCESS,
    ANON,
    CSRF_EXEMPT_REASONS,
    MODE_ONLY,
    ROLES,
    SIGNATURE_ONLY,
)
from tests.reliability.matrix import Matrix, allowed_roles, refused, rules_of

OWN_RECORD_ROLES = {"member", "supplier"}


@pytest.fixture(params=["branch", "association"])
def seeded(request, app_factory):
    app = app_factory(MART_MODE=request.param)
    result = app.test_cli_runner().invoke(args=["mart", "seed-demo"])
    assert result.exit_code == 0, result.output
    return app, Matrix(app)


def test_every_route_is_declared(app):
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
        allowed = allowed_roles(ACCESS, rule.endpoint, method)
        url = matrix.url(rule)
        only = MODE_ONLY.get(rule.endpoint)
        for role in (ANON, *ROLES):
            answer = matrix.call(role, rule, method, url)
            where = f"{method} {url} ({rule.endpoint}) as {role}"
            if answer.status >= 500:
                problems.append(f"{where}: server error {answer.status}")
            elif only and only != mode:
                if answer.status != 404 and not refused(answer):
                    problems.append(f"{where}: {answer.status} in {mode} mode (only {only})")
            elif allowed is SIGNATURE_ONLY:
                if answer.status != 401:
                    problems.append(f"{where}: {answer.status} without a signature; must be 401")
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
            if roles is SIGNATURE_ONLY:
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
        with client.session_transaction() as session:
            session["_user_id"] = str(matrix.users["admin"])
            session["_fresh"] = True
        url = matrix.url(rule)
        if url.startswith("/api/"):
            answer = client.open(url, method=method, json={})
        else:
            answer = client.open(url, method=method, data={})
        if answer.status_code != 400 or b"CSRF" not in answer.data.upper():
            problems.append(f"{method} {url}: {answer.status_code} without a CSRF token")
    assert not problems, "\n".join(problems)
