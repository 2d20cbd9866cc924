"""``mart.access_log.AccessLogger`` (``deploy/gunicorn.conf.py``'s ``logger_class``)
writes the access line gunicorn's own logger writes for ordinary requests, from the
values the format names only, and escapes every value as JSON (gunicorn escapes only
``"``). The real server's lines are checked in tests/reliability/test_operations.py."""

import datetime
import json
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger

from mart.access_log import AccessLogger, json_text

CONF = runpy.run_path(str(Path(__file__).resolve().parent.parent / "deploy" / "gunicorn.conf.py"))


def _cfg(fmt=CONF["access_log_format"]):
    cfg = Config()
    cfg.set("access_log_format", fmt)
    return cfg


def _request(path="/sales", agent="Mozilla/5.0 (X11; Linux x86_64)", status="201 CREATED"):
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": path + "?x=1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.7",
        "PATH_INFO": path,
        "QUERY_STRING": "x=1",
        "HTTP_USER_AGENT": agent,
        "HTTP_HOST": "kasir.local",
        "wsgi.url_scheme": "http",
        **{f"HTTP_X_FILLER_{n}": "y" * 30 for n in range(20)},
    }
    req = SimpleNamespace(
        headers=[("HOST", "kasir.local"), ("USER-AGENT", agent), ("X-REQUEST-ID", "in-1")]
    )
    resp = SimpleNamespace(
        status=status,
        sent=1234,
        headers=[("Content-Type", "application/json"), ("X-Request-Id", "req-42")],
    )
    return resp, req, environ, datetime.timedelta(seconds=0, microseconds=7_500)


def _line(logger_class, cfg, request, monkeypatch):
    logger = logger_class(cfg)
    monkeypatch.setattr(logger, "now", lambda: "[04/Dec/2026:19:30:00 +0000]")
    atoms = logger.atoms_wrapper_class(logger.atoms(*request))
    return cfg.access_log_format % atoms


def test_the_line_is_gunicorns_own(monkeypatch):
    cfg = _cfg()
    request = _request()
    ours = _line(AccessLogger, cfg, request, monkeypatch)
    assert ours == _line(Logger, cfg, request, monkeypatch)
    assert json.loads(ours) == {
        "time": "[04/Dec/2026:19:30:00 +0000]",
        "logger": "access",
        "request_id": "req-42",
        "remote": "10.0.0.7",
        "method": "POST",
        "path": "/sales",
        "status": 201,
        "bytes": "1234",
        "ms": 7,
        "agent": "Mozilla/5.0 (X11; Linux x86_64)",
    }


@pytest.mark.parametrize(
    "fmt",
    [
        '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"',  # gunicorn's default
        "%(U)s %(q)s %(H)s %(D)s %(L)s %(T)s %(p)s {%(x-request-id)s}",
        "%({host}i)s %({HOST}i)s %({content-type}o)s %({missing}i)s"
        " %({http_host}e)s %({wsgi.url_scheme}e)s",
    ],
)
def test_other_formats_read_as_gunicorns(monkeypatch, fmt):
    cfg = _cfg(fmt)
    request = _request()
    assert _line(AccessLogger, cfg, request, monkeypatch) == _line(
        Logger, cfg, request, monkeypatch
    )


def test_odd_values_stay_one_json_line(monkeypatch):
    path = '/a\n{"logger": "forged"}\\b"c\td'
    agent = 'agent\\ "x"\x1b[31m'
    ours = _line(AccessLogger, _cfg(), _request(path=path, agent=agent), monkeypatch)
    assert "\n" not in ours
    entry = json.loads(ours)
    assert entry["path"] == path and entry["agent"] == agent and entry["logger"] == "access"
    with pytest.raises(json.JSONDecodeError):  # gunicorn's own line, as it was
        json.loads(_line(Logger, _cfg(), _request(path=path, agent=agent), monkeypatch))


def test_json_text():
    assert json_text("plain /sales") == "plain /sales"
    assert json_text("Bahasa Indonésia") == "Bahasa Indonésia"
    assert json_text('q"\\\n') == 'q\\"\\\\\\n'
    assert json_text(201) == 201 and json_text(None) is None
