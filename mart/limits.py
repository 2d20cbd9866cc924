"""Request limits: body size (413 before anything is parsed) and JSON depth (400).

- Every body is capped at ``MAX_CONTENT_LENGTH`` (``MART_MAX_BODY_BYTES``, 1 MB). A
  declared ``Content-Length`` above it is refused before the body is read; a body sent
  without one (chunked) is cut off by Werkzeug's stream limit at the same size, also 413.
- The endpoints in ``LARGE_BODY_ENDPOINTS`` (the CSV import upload) take up to
  ``MART_IMPORT_MAX_BYTES`` (20 MB) instead.
- JSON is read by ``SafeJSONProvider``: nesting deeper than ``MAX_JSON_DEPTH`` (or deep
  enough to exhaust Python's recursion) is invalid JSON, so a 400 and never a 500.
"""

from flask import current_app, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from mart.errors import _rollback, error_response
from mart.money import format_number

MAX_JSON_DEPTH = 64

# "blueprint.view" endpoints whose body may be as large as MART_IMPORT_MAX_BYTES.
LARGE_BODY_ENDPOINTS = {"inventory.products_import"}


class JSONTooDeep(ValueError):
    pass


def json_depth_ok(value, limit=MAX_JSON_DEPTH) -> bool:
    """True when no array/object in ``value`` is nested deeper than ``limit``."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            if depth > limit:
                return False
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, dict | list))
        elif isinstance(item, list):
            if depth > limit:
                return False
            stack.extend((v, depth + 1) for v in item if isinstance(v, dict | list))
    return True


class SafeJSONProvider(DefaultJSONProvider):
    """Flask's JSON, but a body nested too deep is a ``ValueError`` (Flask answers 400)
    instead of a ``RecursionError`` (a 500)."""

    def loads(self, s, **kwargs):
        try:
            value = super().loads(s, **kwargs)
        except RecursionError as exc:
            raise JSONTooDeep("JSON nested too deep") from exc
        if isinstance(value, dict | list) and not json_depth_ok(value):
            raise JSONTooDeep("JSON nested too deep")
        return value


def body_limit() -> int | None:
    if request.endpoint in LARGE_BODY_ENDPOINTS:
        return current_app.config.get("MART_IMPORT_MAX_BYTES")
    return current_app.config.get("MAX_CONTENT_LENGTH")


def _check_size():
    limit = body_limit()
    request.max_content_length = limit
    if limit is None:
        return
    if request.content_length is not None:
        if request.content_length > limit:
            raise RequestEntityTooLarge()
        return
    # No length given (chunked): Werkzeug's stream stops quietly at the limit, which
    # would leave a truncated body (a 400 at best). Read it now (cached for the view)
    # and refuse one that reached the limit.
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if chunked and len(request.get_data(cache=True)) >= limit:
        raise RequestEntityTooLarge()


def _size_text(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{format_number(n // (1024 * 1024))} MB"
    return f"{format_number(max(1, n // 1024))} kB"


def handle_too_large(error):
    _rollback()
    limit = body_limit() or 0
    return error_response(
        413, _("The request is too large (at most %(size)s).", size=_size_text(limit))
    )


def init_app(app):
    safe = SafeJSONProvider(app)
    for name in ("sort_keys", "ensure_ascii", "compact", "mimetype"):
        setattr(safe, name, getattr(app.json, name))  # keep what was set on the old one
    app.json = safe
    # First of all before_request functions: nothing may read the body before this.
    app.before_request_funcs.setdefault(None, []).insert(0, _check_size)
    app.register_error_handler(RequestEntityTooLarge, handle_too_large)
