"""Request guards: CSRF for cookie sessions, JSON bodies on the API, security headers,
and when a login session's cookie is sent again (``keep_session_alive``)."""

import time
import uuid

from flask import current_app, g, request, session
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import BadRequest

from mart.extensions import csrf

# Endpoints that authenticate without an ambient cookie (credentials or a signature in
# the request itself), so CSRF does not apply.
CSRF_EXEMPT_ENDPOINTS = set()

# Endpoints that read and check their raw body themselves before parsing it (the hub's
# signed reports: the signature first), so the JSON check below leaves it to them.
RAW_BODY_ENDPOINTS = set()

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; worker-src 'self'; object-src 'none'; "
    "base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def csrf_exempt(view):
    CSRF_EXEMPT_ENDPOINTS.add(f"{view.__module__}.{view.__name__}")
    return view


def raw_body(view):
    RAW_BODY_ENDPOINTS.add(f"{view.__module__}.{view.__name__}")
    return view


def _protect():
    g.request_id = _request_id()
    if request.method == "OPTIONS":
        return None
    if request.method in ("GET", "HEAD", "TRACE"):
        return None
    if not current_user.is_authenticated and _needs_login():
        # No login, so no ambient authority a forged request could borrow, and nothing
        # this view will read: it answers 401 (API.md) or sends the visitor to the login
        # page before its body is parsed, instead of a body or CSRF error.
        return
    if request.path.startswith("/api/") and _view_name() not in RAW_BODY_ENDPOINTS:
        _require_json_body()
    if _bearer_only():
        return  # not ambient: a cross-site page cannot attach it
    if request.path.startswith("/api/") and not current_user.is_authenticated:
        return  # no login session: the view answers (the login form keeps its CSRF check)
    view = request.endpoint and _view_name()
    if view in CSRF_EXEMPT_ENDPOINTS:
        return
    csrf.protect()


def _bearer_only() -> bool:
    """The request authenticates by a bearer token alone: it carries one and no session
    cookie. Beside a session cookie the cookie is what Flask-Login reads first, so a
    forged request adding any ``Authorization: Bearer`` header must still pass CSRF."""
    if not request.headers.get("Authorization", "").startswith("Bearer "):
        return False
    return current_app.config["SESSION_COOKIE_NAME"] not in request.cookies


def _request_id():
    """The caller's X-Request-Id when it is a sane token (it goes into logs), else a new one."""
    given = request.headers.get("X-Request-Id", "")
    if given and len(given) <= 64 and given.replace("-", "").replace("_", "").isalnum():
        return given
    return uuid.uuid4().hex[:16]


def _needs_login() -> bool:
    """Whether the view carries ``roles_required`` (``functools.wraps`` carries its
    ``allowed_roles`` up to the outermost function)."""
    func = current_app.view_functions.get(request.endpoint)
    return getattr(func, "allowed_roles", None) is not None


def _view_name():
    func = current_app.view_functions.get(request.endpoint)
    func = getattr(func, "__wrapped__", func)
    return f"{func.__module__}.{func.__name__}" if func else None


def _require_json_body():
    if not request.content_length and not request.data:
        return
    if not request.is_json:
        raise BadRequest(_("The body must be JSON (Content-Type: application/json)."))
    if request.get_json(silent=True) is None:
        raise BadRequest(_("The body is not valid JSON."))


def _headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if "request_id" in g:
        response.headers["X-Request-Id"] = g.request_id
    return response


# How often a login session's cookie is sent again only to move its idle expiry on.
SESSION_REFRESH_SECONDS = 300


def keep_session_alive():
    """Move a login session's idle expiry (``MART_SESSION_IDLE_HOURS``) on, at most every
    ``SESSION_REFRESH_SECONDS``: the cookie is sent again only then or when the session
    changed (``SESSION_REFRESH_EACH_REQUEST`` is off, mart.create_app). Sent with every
    answer, a background fetch's (the printers page polls each printer's status) carried
    the session as it was when the fetch left, and when it came back after a form's
    answer it overwrote that answer's flash: CI saw "akan dikirim lagi" lost after a
    retry (tests/printers/test_browser.py).

    Only a page the browser loads (``_navigation``) moves it on every few minutes: a
    fetch that moved it on at the wrong moment still carried its old session over a
    form's answer, once in ``SESSION_REFRESH_SECONDS``. A fetch moves it on only once
    half the idle time has gone by without a page (a register's screen, whose requests
    are all fetches, stays logged in while it is used), and a page with flashes loads
    often enough that its fetches never do."""
    if not session.permanent:
        return
    now = int(time.time())
    age = now - session.get("_refreshed", 0)
    if age < SESSION_REFRESH_SECONDS:
        return
    if _navigation() or age >= current_app.permanent_session_lifetime.total_seconds() / 2:
        session["_refreshed"] = now


def _navigation() -> bool:
    """The browser loads a page (a link, a form): it asks for HTML. A script's fetch
    asks for ``*/*`` or JSON. (``Sec-Fetch-Mode`` would say it too, but browsers send it
    only to secure origins, and a branch's server is plain HTTP on its LAN.)"""
    return "text/html" in request.headers.get("Accept", "")


def init_app(app):
    app.before_request(keep_session_alive)
    app.before_request(_protect)
    app.after_request(_headers)
