"""The content security policy is satisfied by the pages, in a real browser.

Each role logs in through the login form of a real gunicorn server and opens every
page the access table allows it (no URL parameter left unfilled); any
``securitypolicyviolation`` event or CSP console message fails the test, and so does
an uncaught script error.
"""

import os

import pytest

from tests import factories
from tests.browser import REQUIRES_CHROMIUM
from tests.reliability.access_table import ACCESS, ANON, ROLES
from tests.reliability.matrix import PASSWORD, Matrix, allowed_roles, rules_of
from tests.reliability.server import Server

# The pages' CSP does not depend on the database: once, in the SQLite pass. The cashier
# page's service worker runs, as at a register (its registration is under the CSP too).
pytestmark = [*REQUIRES_CHROMIUM, pytest.mark.single_pass, pytest.mark.service_worker]

LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' +
                    (e.sourceFile || '') + ':' + e.lineNumber);
});
"""


# Pages whose HTML reads no user (the API docs: swagger-ui on the same spec for
# everyone): opened once, as anonymous (the walk's first role): their CSP cannot differ
# by role; ``test_pages_opened_once_read_no_user`` holds them to that. The docs page
# took 0,35 s of chromium a visit, 14 visits a run.
SAME_FOR_EVERY_ROLE = frozenset({"mart.api_docs"})


def page_rules(app):
    """GET routes that answer a page (not the API, files or the health check)."""
    for rule, method in rules_of(app):
        if method != "GET" or rule.endpoint.endswith("static"):
            continue
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "mart.api_docs":
            continue
        if rule.endpoint in ("mart.healthz",) or rule.rule.endswith((".csv", ".xlsx")):
            continue
        if "/state" in rule.rule:
            continue  # JSON for the customer display
        yield rule


@pytest.mark.parametrize("mode", ["branch", "association"])
def test_pages_satisfy_the_csp(seeded_branch, database_url, instance_path, browser, mode):
    branch, hub, matrix = seeded_branch
    app = branch if mode == "branch" else hub
    matrix = Matrix.for_app(matrix, app)
    server = Server(database_url, instance_path, workers=1, env={"MART_MODE": mode}).start()
    problems = []
    visited = 0
    try:
        for role in (ANON, *ROLES):
            context = browser.new_context(viewport={"width": 1366, "height": 768})
            context.add_init_script(LISTEN)
            page = context.new_page()
            messages = []
            page.on(
                "console",
                lambda msg, messages=messages: (
                    messages.append(msg.text)
                    if "Content Security Policy" in msg.text or "Refused to" in msg.text
                    else None
                ),
            )
            page.on("pageerror", lambda exc, messages=messages: messages.append(f"JS: {exc}"))
            if role != ANON:
                page.goto(f"{server.base}/login?lang=en")
                page.fill("input[name=username]", f"matrix-{role}")
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit], input[type=submit]")
                page.wait_for_load_state("load")
            for rule in page_rules(app):
                if mode == "association" and not rule.endpoint.startswith(("rollup", "mart")):
                    continue
                allowed = allowed_roles(ACCESS, rule.endpoint, "GET")
                if role not in allowed and role != "admin":
                    continue
                if role != "admin" and rule.arguments:
                    continue  # admin opens the record pages; the others their own lists
                if rule.endpoint in SAME_FOR_EVERY_ROLE and role != ANON:
                    continue
                path = matrix.url(rule)
                del messages[:]
                response = page.goto(f"{server.base}{path}", wait_until="load")
                visited += 1
                status = response.status if response else 0
                if status >= 500:
                    problems.append(f"{path} as {role}: {status}")
                violations = page.evaluate("window.__csp || []")
                for item in [*violations, *messages]:
                    problems.append(f"{path} as {role}: {item}")
            context.close()
    finally:
        server.kill()
    if os.environ.get("MART_CSP_VERBOSE"):
        print(f"visited {visited} pages")
    assert visited > 0
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("mode", ["branch", "association"])
def test_pages_opened_once_read_no_user(app_factory, mode):
    app = app_factory(MART_MODE=mode)
    paths = {rule.rule for rule in page_rules(app) if rule.endpoint in SAME_FOR_EVERY_ROLE}
    assert paths == {"/api/v1/docs"}
    for path in paths:
        anonymous = app.test_client().get(path)
        assert anonymous.status_code == 200
        for role in ROLES:
            seen = factories.login(app, role).get(path)
            assert (seen.status_code, seen.data) == (200, anonymous.data), (path, role)
