"""A hub's serving process warms its reads before its first request: gunicorn's
``post_worker_init`` (deploy/gunicorn.conf.py) runs ``app.extensions["mart_warm_up"]``,
where the roll-up puts its warm-up. After it the dashboard's default page and
``GET /association/summary`` and ``/breakdown`` build no statement of their own (each
was built and compiled in the first request of every process: a year's summary over
7,300 branches took 530 ms there, about 180 once warm), and it wrote nothing."""

import logging
import re
import runpy
import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
import requests
import sqlalchemy as sa

from mart.extensions import db
from rollup import hub as hub_service
from rollup.models import HubReport
from tests import factories
from tests.reliability.server import ROOT, Server
from tests.rollup.conftest import make_report, signed_post


def _rows(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(HubReport))


def test_warm_up_builds_what_the_first_requests_read(hub, hub_client, register, monkeypatch):
    key = register("JKT01", kota="Jakarta Selatan", kecamatan="Tebet")
    with hub.app_context():
        day = hub_service.today() - timedelta(days=1)
    assert signed_post(hub_client, "JKT01", key, make_report("JKT01", day)).status_code == 201
    before = _rows(hub)
    monkeypatch.setattr(hub_service, "_BUILT", {})  # as in a new serving process
    hub.jinja_env.cache.clear()

    warm_ups = hub.extensions["mart_warm_up"]
    assert warm_ups
    for warm in warm_ups:
        warm(hub)
    built = set(hub_service._BUILT)
    assert built, "the warm-up built nothing"
    assert _rows(hub) == before
    compiled = {name for _loader, name in hub.jinja_env.cache}
    assert {"base.html", "rollup/dashboard.html"} <= compiled

    api = factories.api_user(hub, "association")
    assert api.get("/api/v1/association/summary").status_code == 200
    assert api.get("/api/v1/association/summary?per_page=50").status_code == 200
    for by in ("kota", "kecamatan"):
        for query in ("", "&sort=sales_net", "&per_page=50", "&sort=sales_net&per_page=50"):
            assert api.get(f"/api/v1/association/breakdown?by={by}{query}").status_code == 200
    web = factories.login(hub, "association")
    html = web.get("/association/").get_data(as_text=True)
    assert "Tebet" in html
    assert set(hub_service._BUILT) == built, set(hub_service._BUILT) - built


def test_no_warm_up_on_a_branch(app, monkeypatch):
    monkeypatch.setattr(hub_service, "_BUILT", {})
    for warm in app.extensions.get("mart_warm_up", []):
        warm(app)
    assert hub_service._BUILT == {}


@pytest.mark.slow
def test_gunicorn_warms_a_hub_process_before_it_serves(hub, database_url, instance_path):
    server = Server(
        database_url, instance_path, workers=1, env={"MART_MODE": "association"}
    ).start()
    try:
        assert requests.get(f"{server.base}/healthz", timeout=30).status_code == 200
    finally:
        server.stop()
    log = server.log_tail(400)
    assert re.search(r"warm-up _warm_up: \d+ ms", log), log
    assert "failed" not in log


def test_a_warm_up_that_hangs_does_not_hold_the_process(caplog):
    """A database that does not answer must not keep a serving process from serving
    (gunicorn would kill it at its ``timeout`` and start another, again and again)."""
    conf = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    warm_up = conf["_warm_up"]
    warm_up.__globals__["WARM_UP_WAIT"] = 0.2
    started, release = threading.Event(), threading.Event()

    def hangs(app):
        started.set()
        release.wait(30)

    worker = SimpleNamespace(
        wsgi=SimpleNamespace(extensions={"mart_warm_up": [hangs]}),
        log=logging.getLogger("tests.warm_up"),
    )
    with caplog.at_level(logging.WARNING, logger="tests.warm_up"):
        warm_up(worker)  # returns while the warm-up still runs
    try:
        assert started.is_set() and not release.is_set()
        assert "warm-up still running" in caplog.text
    finally:
        release.set()
