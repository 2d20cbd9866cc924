"""Operations: gunicorn with the deploy configuration logs one JSON line per request
carrying the request id; /healthz is clean JSON with the database, probes and backup."""

import json
import logging
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import requests

from tests.reliability.server import ROOT, Server

pytestmark = pytest.mark.slow


def test_gunicorn_access_log_is_json_with_the_request_id(app, database_url, instance_path):
    server = Server(database_url, instance_path, workers=1).start()
    try:
        answer = requests.get(
            f"{server.base}/healthz?member=3171012345678901",
            headers={"X-Request-Id": "req-abc-123"},
            timeout=30,
        )
        assert answer.headers["X-Request-Id"] == "req-abc-123"
        generated = requests.get(f"{server.base}/login", timeout=30).headers["X-Request-Id"]
        # a path and an agent that gunicorn's own line wrote as no JSON, or as two lines
        requests.get(
            f"{server.base}/a%0A%7B%22logger%22%3A%20%22forged%22%7D%5Cb%22c%09d",
            headers={"X-Request-Id": "req-odd", "User-Agent": 'agent\\ "x"'},
            timeout=30,
        )
    finally:
        server.stop()
    lines = [line for line in server.log_tail(400).splitlines() if '"logger": "access"' in line]
    entries = [json.loads(line) for line in lines]  # every access line is JSON
    odd = [e for e in entries if e["request_id"] == "req-odd"]
    assert len(odd) == 1 and odd[0]["status"] == 404, odd
    assert odd[0]["path"] == '/a\n{"logger": "forged"}\\b"c\td'
    assert odd[0]["agent"] == 'agent\\ "x"'
    assert "forged" not in {e["logger"] for e in entries}
    mine = [e for e in entries if e["request_id"] == "req-abc-123"]
    assert mine and mine[0]["path"] == "/healthz" and mine[0]["status"] == 200
    assert "3171012345678901" not in server.log_tail(400)  # query strings are not logged
    assert any(e["request_id"] == generated for e in entries)
    # The serving process froze what loading the app made (deploy/gunicorn.conf.py,
    # post_worker_init), so a full collection no longer walks it during a request.
    frozen = re.findall(r"gc: (\d+) objects of the loaded app frozen", server.log_tail(400))
    assert frozen and int(frozen[0]) > 10_000


def test_healthz_is_clean_json_with_every_part(app, client):
    def probe():
        return {"waiting": 2, "oldest": datetime(2026, 1, 1, tzinfo=UTC), "x": Decimal("1.5")}

    app.extensions.setdefault("mart_health", {})["reliability_probe"] = probe
    app.extensions["mart_health"]["broken_probe"] = lambda: 1 / 0
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.mimetype == "application/json"
    body = json.loads(answer.data)
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["reliability_probe"] == {
        "waiting": 2,
        "oldest": "2026-01-01T00:00:00+00:00",
        "x": "1.5",
    }
    assert "error" in body["broken_probe"]
    assert set(body["backup"]) >= {"last_at", "age_hours", "stale", "copies", "last_error"}
    # the print queue and the roll-up outbox, from the probes their packages register
    assert isinstance(body["printers"], dict) and "error" not in body["printers"]
    assert isinstance(body["rollup"], dict) and "error" not in body["rollup"]


def test_deploy_files_are_there():
    unit = (ROOT / "deploy" / "okoce-mart.service").read_text()
    assert "gunicorn --config deploy/gunicorn.conf.py wsgi:app" in unit
    assert "mart init" in unit
    assert (ROOT / "deploy" / "okoce-mart.env.example").read_text().count("MART_") >= 8


@pytest.fixture
def mart_logger():
    """The "mart" logger, restored after a test that configures it for real."""
    logger = logging.getLogger("mart")
    level, handlers = logger.level, list(logger.handlers)
    yield logger
    logger.setLevel(level)
    logger.handlers[:] = handlers


def test_log_level_setting(app_factory, mart_logger):
    key = "a-production-length-secret-key-0123456789"  # a production config needs one
    app_factory(TESTING=False, SECRET_KEY=key, MART_LOG_LEVEL="warning")
    assert mart_logger.level == logging.WARNING
    app_factory(TESTING=False, SECRET_KEY=key)
    assert mart_logger.level == logging.INFO
    with pytest.raises(ValueError, match="MART_LOG_LEVEL: 'CHATTY'"):
        app_factory(TESTING=False, SECRET_KEY=key, MART_LOG_LEVEL="chatty")
