"""gunicorn's access log (``deploy/gunicorn.conf.py``: ``logger_class``): the same line,
with less work per request, and every value written as JSON text.

gunicorn's ``Logger.atoms`` gathers, for every request, every request header, every
response header and every WSGI environ entry (some 70 values), and its ``SafeAtoms``
then copies them all, to write the nine the format names. Here the format's names are
read once, and only those values are looked up, by gunicorn's own ``atoms`` given just
the entries they come from: the values are gunicorn's.

The branch's access line is JSON (``access_log_format``), and gunicorn escapes only
``"`` in a value: a request path with a backslash, a line break (``%0A``) or another
control character wrote a line that is not JSON, or two lines, one of them made by
whoever sent the request. Here each text value is escaped as JSON escapes it.

``tests/test_access_log.py`` holds the line to gunicorn's own for ordinary requests.
"""

import json
import re
from types import SimpleNamespace

from gunicorn.glogging import Logger, SafeAtoms

_NAME = re.compile(r"%\(([^)]*)\)")
# what gunicorn's base atoms read from the environ (``environ[...]`` for the first three)
_BASE_ENVIRON = (
    "REQUEST_METHOD",
    "RAW_URI",
    "SERVER_PROTOCOL",
    "REMOTE_ADDR",
    "PATH_INFO",
    "QUERY_STRING",
    "HTTP_REFERER",
    "HTTP_USER_AGENT",
    "HTTP_AUTHORIZATION",
)


def json_text(value):
    """``value`` as it goes between the quotes of a JSON string (non-text as it is)."""
    if not isinstance(value, str):
        return value
    if value.isprintable() and '"' not in value and "\\" not in value:
        return value  # nearly every value: nothing to escape
    return json.dumps(value, ensure_ascii=False)[1:-1]


class _Escaped(SafeAtoms):
    """gunicorn's ``SafeAtoms`` (a missing value reads ``-``, ``{name}`` case-blind) for
    values already escaped (``json_text``): not escaped again."""

    def __init__(self, atoms):
        dict.__init__(self, atoms)


class AccessLogger(Logger):
    """gunicorn's ``Logger``, whose access line looks up only the values its format
    names, and writes each text value escaped as JSON."""

    atoms_wrapper_class = _Escaped

    def setup(self, cfg):
        super().setup(cfg)
        names = _NAME.findall(cfg.access_log_format or "")
        wanted = [n.lower() for n in names if n.startswith("{")]
        self._headers_in = {n[1:-2] for n in wanted if n.endswith("}i")}
        self._headers_out = {n[1:-2] for n in wanted if n.endswith("}o")}
        environ = {n[1:-2] for n in wanted if n.endswith("}e")}
        self._environ = tuple(dict.fromkeys((*_BASE_ENVIRON, *(k.upper() for k in environ))))
        self._environ_lower = environ
        self._names = [n for n in names if not n.startswith("{")] + wanted

    def atoms(self, resp, req, environ, request_time):
        if not hasattr(self, "_names"):  # not set up (gunicorn always sets up first)
            return super().atoms(resp, req, environ, request_time)
        small_environ = {k: environ[k] for k in self._environ if k in environ}
        if self._environ_lower:  # an environ atom's key, matched as gunicorn matches it
            for key, value in environ.items():
                if key.lower() in self._environ_lower:
                    small_environ[key] = value
        req_headers = req.headers if hasattr(req, "headers") else req
        if hasattr(req_headers, "items"):
            req_headers = req_headers.items()
        resp_headers = resp.headers.items() if hasattr(resp.headers, "items") else resp.headers
        small_resp = SimpleNamespace(
            status=resp.status,
            headers=[(k, v) for k, v in resp_headers if k.lower() in self._headers_out],
        )
        if hasattr(resp, "sent"):
            small_resp.sent = resp.sent
        small_req = SimpleNamespace(
            headers=[(k, v) for k, v in req_headers if k.lower() in self._headers_in]
        )
        every = super().atoms(small_resp, small_req, small_environ, request_time)
        return {name: json_text(every[name]) for name in self._names if name in every}
