"""Shared pieces of the browser tests: Debian's chromium through playwright, a live
server for an app on a loopback port, login, and watchers for console and CSP errors.

Use ``pytestmark = REQUIRES_CHROMIUM`` in a browser test module, and the ``browser``
fixture (in tests/conftest.py).
"""

import os
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.factories import DEFAULT_PASSWORD

CHROMIUM = "/usr/bin/chromium"
# Screenshots the browser tests take for people to look at (MART_SHOTS_DIR, else a
# folder in the temporary directory).
SHOTS_ROOT = Path(os.environ.get("MART_SHOTS_DIR") or Path(tempfile.gettempdir()) / "mart-shots")


def shots_dir(name: str) -> Path:
    """The folder for one area's screenshots, made if missing."""
    folder = SHOTS_ROOT / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# Without the background-networking flags chromium keeps dialling out, and this
# machine's closed network refuses it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REQUIRES_CHROMIUM = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason=f"browser tests need Debian's chromium at {CHROMIUM}"
    ),
]
CSP_LISTENER = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def _closed_before_sent(app):
    """``app`` with each response read whole, and closed, before it is sent. Werkzeug's
    development server leaves a static file's handle open when the browser drops the
    connection mid-response (a page left while its favicon loads): a ResourceWarning,
    an error in this suite. Pages and the API answer small bodies; none streams."""

    def wsgi(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    return wsgi


@contextmanager
def serving(app):
    """Serve ``app`` on a free loopback port (threads); yields the base URL."""
    server = make_server("127.0.0.1", 0, _closed_before_sent(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def login(page, base, username, password=None):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password or DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def watch_console(page):
    """Collect console errors and uncaught page errors of ``page``."""
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors
