"""The branch: business days, the daily figures, building revisions into the outbox,
and sending them over real sockets (an in-thread hub, a failing server, no server)."""

import json
import re
import socket
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.serving import make_server

from mart.extensions import db
from rollup import branch as branch_side
from rollup.models import HubReport, RollupOutbox
from rollup.sender import run_once, send_due, start_worker
from tests import factories

DAY = date(2026, 3, 14)


class Figures:
    """pos's ``rollup_figures`` as CONTRACTS.md states it, with figures a test sets."""

    def __init__(self):
        self.values = {
            "sales_gross": 250_000,
            "discounts": 10_000,
            "returns": 0,
            "sales_net": 240_000,
            "ppn": 0,
            "transactions": 6,
            "items": 14,
            "by_payment": {"cash": 200_000, "qris": 40_000},
            "member_sales": 60_000,
            "cashiers": ["kasir1", "kasir2", "kasir1"],
        }
        self.calls = []

    def __call__(self, day_start, day_end):
        self.calls.append((day_start, day_end))
        return dict(self.values)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def branch_factory(app_factory, monkeypatch):
    def factory(**overrides):
        config = {"MART_BRANCH_CODE": "JKT01", "MART_ROLLUP_RETRY_SECONDS": 60, **overrides}
        app = app_factory(**config)
        figures = Figures()
        monkeypatch.setattr(branch_side, "rollup_figures", figures)
        app.figures = figures
        return app

    return factory


@pytest.fixture
def branch(branch_factory):
    return branch_factory()


@pytest.fixture
def live_hub(app_factory, register):
    """The hub app served on a loopback port from a thread (same database, own tables)."""
    hub_app = app_factory(MART_MODE="association")
    server = make_server("127.0.0.1", 0, hub_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    key = register("JKT01")
    yield f"http://127.0.0.1:{server.server_port}", key
    server.shutdown()
    thread.join()


def outbox(app, day=None):
    query = sa.select(RollupOutbox).order_by(RollupOutbox.id)
    if day is not None:
        query = query.where(RollupOutbox.date == day)
    with app.app_context():
        return [(r.date, r.revision, r.status, r.attempts) for r in db.session.scalars(query)]


# --- business days --------------------------------------------------------------------


def test_day_bounds_midnight_jakarta(branch):
    with branch.app_context():
        start, end = branch_side.day_bounds(DAY)
    assert start == datetime(2026, 3, 13, 17, 0, tzinfo=UTC)  # 00:00 WIB = 17:00 UTC
    assert end == datetime(2026, 3, 14, 17, 0, tzinfo=UTC)


def test_day_end_hour_moves_the_day(branch_factory):
    app = branch_factory(MART_DAY_END_HOUR=3)
    with app.app_context():
        start, end = branch_side.day_bounds(DAY)
        assert start == datetime(2026, 3, 13, 20, 0, tzinfo=UTC)
        # 01:30 WIB on the 15th still belongs to the 14th.
        assert branch_side.business_date(datetime(2026, 3, 14, 18, 30, tzinfo=UTC)) == DAY
        assert branch_side.business_date(datetime(2026, 3, 14, 20, 0, tzinfo=UTC)) == date(
            2026, 3, 15
        )


@settings(max_examples=200, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1)),
    hour=st.integers(min_value=0, max_value=6),
    tz=st.sampled_from(["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"]),
)
def test_every_moment_falls_in_exactly_its_business_day(moment, hour, tz):
    flask_app = Flask("t")
    flask_app.config.update(MART_TIMEZONE=tz, MART_DAY_END_HOUR=hour)
    moment = moment.replace(tzinfo=UTC)
    with flask_app.app_context():
        day = branch_side.business_date(moment)
        start, end = branch_side.day_bounds(day)
        assert start <= moment < end
        assert branch_side.day_bounds(day + timedelta(days=1))[0] == end


# --- figures --------------------------------------------------------------------------


def test_daily_figures_from_the_providers(branch, api_as):
    api = _api_for(branch, api_as)
    body = api.get(f"/rollup/daily?date={DAY}").json
    assert body["branch_code"] == "JKT01" and body["date"] == DAY.isoformat()
    assert body["sales_gross"] == 250_000 and body["sales_net"] == 240_000
    assert body["transactions"] == 6 and body["average_basket"] == 40_000
    assert body["by_payment"] == {"cash": 200_000, "qris": 40_000}
    assert body["member_sales_share"] == 0.25
    assert body["staff"] == ["kasir1", "kasir2"] and body["staff_count"] == 2
    assert set(body["capital"]) == {"pokok", "wajib", "sukarela"}
    assert body["revision"] == 1 and body["built"] is False
    assert body["sources_missing"] == []
    start, end = branch.figures.calls[-1]
    assert (start, end) == (
        datetime(2026, 3, 13, 17, 0, tzinfo=UTC),
        datetime(2026, 3, 14, 17, 0, tzinfo=UTC),
    )


def _api_for(app, api_as):
    client = api_as("manager")
    client.app, client.client = app, app.test_client()
    return client


def test_daily_needs_a_manager_and_a_date(branch, api_as, anon_api):
    anon_api.app, anon_api.client = branch, branch.test_client()
    assert anon_api.get(f"/rollup/daily?date={DAY}").status_code == 401
    cashier = api_as("cashier")
    cashier.app, cashier.client = branch, branch.test_client()
    assert cashier.get(f"/rollup/daily?date={DAY}").status_code == 403
    api = _api_for(branch, api_as)
    response = api.get("/rollup/daily?date=14-03-2026")
    assert response.status_code == 422 and "date" in response.json["errors"]["query"]
    assert api.get("/rollup/daily").status_code == 422


def test_a_day_without_sales_gives_zeros(app_factory, api_as):
    app = app_factory()
    api = _api_for(app, api_as)
    body = api.get(f"/rollup/daily?date={DAY}").json
    assert body["sources_missing"] == []  # kept on the wire for older hubs
    assert body["sales_net"] == 0 and body["transactions"] == 0 and body["average_basket"] == 0


# --- building revisions ---------------------------------------------------------------


def test_build_makes_a_revision_only_when_figures_change(branch):
    with branch.app_context():
        row, created = branch_side.build_report(DAY)
        db.session.commit()
        assert created and row.revision == 1 and row.status == "pending"
        row, created = branch_side.build_report(DAY)
        assert not created and row.revision == 1
        branch.figures.values.update(returns=30_000, sales_net=210_000)  # a late return
        row, created = branch_side.build_report(DAY)
        db.session.commit()
        assert created and row.revision == 2
        body = json.loads(row.body)
        assert body["revision"] == 2 and body["sales_net"] == 210_000
    # revision 1 never went out: only the newest is sent.
    assert outbox(branch) == [(DAY, 1, "superseded", 0), (DAY, 2, "pending", 0)]


def test_stock_value_snapshot_kept_for_a_closed_day(branch, monkeypatch):
    monkeypatch.setattr(branch_side, "stock_value", stock := _StockValue())
    with branch.app_context():
        row, _ = branch_side.build_report(DAY)  # built long after DAY closed
        db.session.commit()
        stock.value = 9_999  # stock moves on later
        row2, created = branch_side.build_report(DAY)
        assert not created and row2.id == row.id


class _StockValue:
    value = 5_000

    def __call__(self):
        return {"owned_at_cost": self.value, "consigned_at_supplier_price": 0}


# --- sending --------------------------------------------------------------------------


def test_push_with_no_hub_configured_keeps_the_report(branch, rows):
    result = branch.test_cli_runner().invoke(args=["rollup", "push", "--date", DAY.isoformat()])
    assert result.exit_code == 1
    assert "NOT SENT" in result.output
    assert outbox(branch) == [(DAY, 1, "pending", 1)]


def test_push_to_a_closed_port_keeps_it_queued_with_backoff(branch_factory):
    app = branch_factory(
        MART_ASSOCIATION_URL=f"http://127.0.0.1:{free_port()}", MART_BRANCH_KEY="k" * 40
    )
    runner = app.test_cli_runner()
    assert runner.invoke(args=["rollup", "push", "--date", DAY.isoformat()]).exit_code == 1
    # Without --date, push also builds the last closed day; both stay queued.
    assert runner.invoke(args=["rollup", "push"]).exit_code == 1
    with app.app_context():
        yesterday = branch_side.last_closed_day()
    assert outbox(app) == [(DAY, 1, "pending", 2), (yesterday, 1, "pending", 1)]
    with app.app_context():
        row = db.session.scalar(sa.select(RollupOutbox).where(RollupOutbox.date == DAY))
        assert row.last_error and "Connection" in row.last_error
        waited = row.next_attempt_at - datetime.now(UTC)
        assert timedelta(seconds=60) < waited <= timedelta(seconds=120)  # 60 s doubled
        # The sender thread's cycle does not retry before the time has come.

        assert send_due().failed == []
        status = app.test_client().get("/healthz").json["rollup"]
        assert status["pending"] == 2 and status["oldest_pending_date"] == DAY.isoformat()


class _Answer(BaseHTTPRequestHandler):
    status = 503
    delay = 0.0
    seen = []

    def do_POST(self):

        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).seen.append(body)
        time.sleep(self.delay)
        payload = json.dumps({"message": "down for maintenance"}).encode()
        try:
            self.send_response(self.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def bad_server():
    def start(status=503, delay=0.0):
        handler = type("H", (_Answer,), {"status": status, "delay": delay, "seen": []})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}", handler

    servers = []
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("status,delay", [(503, 0.0), (500, 0.0), (429, 0.0), (200, 2.0)])
def test_hub_5xx_or_too_slow_leaves_it_queued(branch_factory, bad_server, status, delay):
    url, handler = bad_server(status, delay)
    app = branch_factory(
        MART_ASSOCIATION_URL=url, MART_BRANCH_KEY="k" * 40, MART_ROLLUP_READ_TIMEOUT=0.5
    )
    result = app.test_cli_runner().invoke(args=["rollup", "push", "--date", DAY.isoformat()])
    assert result.exit_code == 1, result.output
    assert outbox(app) == [(DAY, 1, "pending", 1)]
    assert len(handler.seen) == 1
    sent = json.loads(handler.seen[0])
    assert sent["revision"] == 1 and sent["sales_net"] == 240_000


def test_hub_refusing_for_good_marks_rejected(branch_factory, bad_server):
    url, _handler = bad_server(422)
    app = branch_factory(MART_ASSOCIATION_URL=url, MART_BRANCH_KEY="k" * 40)
    result = app.test_cli_runner().invoke(args=["rollup", "push", "--date", DAY.isoformat()])
    assert result.exit_code == 1 and "REJECTED" in result.output
    assert outbox(app) == [(DAY, 1, "rejected", 1)]


def test_push_to_a_live_hub_delivers_once(branch_factory, live_hub, hub_api, rows):
    url, key = live_hub
    app = branch_factory(MART_ASSOCIATION_URL=url, MART_BRANCH_KEY=key)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["rollup", "push", "--date", DAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert outbox(app) == [(DAY, 1, "sent", 1)]
    summary = hub_api().get(f"/association/summary?from={DAY}&to={DAY}").json
    assert summary["totals"]["sales_net"] == 240_000
    # Nothing new: pushing again sends nothing and changes nothing at the hub.
    before = rows(HubReport)
    result = runner.invoke(args=["rollup", "push", "--date", DAY.isoformat()])
    assert result.exit_code == 0 and "unchanged" in result.output
    assert rows(HubReport) == before
    # A late return: a new revision replaces the hub's figures.
    app.figures.values.update(returns=40_000, sales_net=200_000)
    result = runner.invoke(args=["rollup", "push", "--date", DAY.isoformat()])
    assert result.exit_code == 0, result.output
    summary = hub_api().get(f"/association/summary?from={DAY}&to={DAY}").json
    assert summary["totals"]["sales_net"] == 200_000 and summary["totals"]["returns"] == 40_000
    assert rows(HubReport) == before


def test_sent_twice_is_applied_once(branch_factory, live_hub, hub_api):
    """A report whose answer was lost (sent again later) does not count twice."""
    url, key = live_hub
    app = branch_factory(MART_ASSOCIATION_URL=url, MART_BRANCH_KEY=key)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["rollup", "push", "--date", DAY.isoformat()]).exit_code == 0
    with app.app_context():  # as if the answer never arrived
        db.session.execute(sa.update(RollupOutbox).values(status="pending"))
        db.session.commit()
    assert runner.invoke(args=["rollup", "push"]).exit_code == 0
    summary = hub_api().get(f"/association/summary?from={DAY}&to={DAY}").json
    assert summary["totals"]["sales_net"] == 240_000 and summary["totals"]["days_reported"] == 1


def test_the_hub_holding_a_newer_revision_supersedes_an_old_one(branch_factory, live_hub):
    url, key = live_hub
    app = branch_factory(MART_ASSOCIATION_URL=url, MART_BRANCH_KEY=key)
    runner = app.test_cli_runner()
    runner.invoke(args=["rollup", "push", "--date", DAY.isoformat()])
    app.figures.values.update(sales_net=1_000)
    runner.invoke(args=["rollup", "push", "--date", DAY.isoformat()])
    with app.app_context():
        db.session.execute(
            sa.update(RollupOutbox).where(RollupOutbox.revision == 1).values(status="pending")
        )
        db.session.commit()
    assert runner.invoke(args=["rollup", "push"]).exit_code == 0
    assert outbox(app, DAY) == [(DAY, 1, "superseded", 2), (DAY, 2, "sent", 1)]


def test_wrong_branch_key_stays_queued(branch_factory, live_hub):
    url, _key = live_hub
    app = branch_factory(MART_ASSOCIATION_URL=url, MART_BRANCH_KEY="not-the-key")
    result = app.test_cli_runner().invoke(args=["rollup", "push", "--date", DAY.isoformat()])
    assert result.exit_code == 1 and "401" in result.output
    assert outbox(app) == [(DAY, 1, "pending", 1)]


def test_sender_thread_builds_yesterday_and_sends_it(branch_factory, live_hub, hub_api):
    url, key = live_hub
    app = branch_factory(MART_ASSOCIATION_URL=url, MART_BRANCH_KEY=key)
    result = run_once(app, rebuild=True)
    assert result is not None and len(result.sent) == 1
    with app.app_context():
        yesterday = branch_side.last_closed_day()
    assert outbox(app) == [(yesterday, 1, "sent", 1)]
    summary = hub_api().get(f"/association/summary?from={yesterday}&to={yesterday}").json
    assert summary["totals"]["sales_net"] == 240_000


def test_worker_is_registered_and_starts_only_on_a_branch(branch, hub):
    assert start_worker in branch.extensions["mart_workers"]
    assert start_worker(hub) is None


# --- the manager's page ---------------------------------------------------------------


def test_manager_page_shows_figures_and_queue(branch):
    client = factories.login(branch, "manager")
    html = client.get(f"/rollup/?date={DAY}").get_data(as_text=True)
    assert "Rp 240.000" in html and 'data-testid="outbox"' in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post("/rollup/push", data={"date": DAY.isoformat(), "csrf_token": token})
    assert response.status_code == 302
    html = client.get(f"/rollup/?date={DAY}").get_data(as_text=True)
    assert 'data-testid="pending-count">1<' in html
    assert outbox(branch) == [(DAY, 1, "pending", 1)]
    # A bad date changes nothing.
    client.post("/rollup/push", data={"date": "kemarin", "csrf_token": token})
    assert outbox(branch) == [(DAY, 1, "pending", 1)]


def test_report_carries_each_umkm_suppliers_sales(app, api_as):
    """The branch's report lists per UMKM supplier its sales through the branch that day
    (optional figures the hub's UMKM pages are made of); other suppliers are left out."""
    api = api_as("manager", "cashier")
    umkm = api.post(
        "/api/v1/suppliers",
        json={"name": "Keripik Bu Sri", "umkm": True, "permit_no": "NIB-1", "terms": "purchase"},
    )
    assert umkm.status_code == 201, umkm.json
    umkm = umkm.json
    other = api.post(
        "/api/v1/suppliers", json={"name": "PT Grosir", "umkm": False, "terms": "purchase"}
    ).json
    products = [
        api.post(
            "/api/v1/products",
            json={"sku": sku, "name": sku, "price": price, "supplier_id": supplier["id"]},
        ).json
        for sku, price, supplier in (("KRP", 10_000, umkm), ("GRS", 7_000, other))
    ]
    register = api.post("/api/v1/registers", json={"code": "K1", "name": "Kasir 1"}).json
    shift = api.post("/api/v1/shifts", json={"register_id": register["id"], "opening_float": 0})
    for product, quantity in ((products[0], 3), (products[1], 1)):
        total = product["price"] * quantity
        sale = api.post(
            "/api/v1/sales",
            json={
                "id": str(uuid.uuid4()),
                "shift_id": shift.json["id"],
                "lines": [{"product_id": product["id"], "quantity": str(quantity)}],
                "payments": [{"method": "cash", "amount": total}],
            },
        )
        assert sale.status_code == 201, sale.json
    with app.app_context():
        day = branch_side.business_date()
    daily = api.get(f"/api/v1/rollup/daily?date={day.isoformat()}").json
    with app.app_context():
        body = branch_side.collect(day)
    assert body["umkm_suppliers"] == [
        {
            "ref": str(umkm["id"]),
            "name": "Keripik Bu Sri",
            "member": False,
            "permit": True,
            "has_page": False,
            "sales": 30_000,
            "consignment_paid": 0,
        }
    ]
    assert daily["sales_net"] == 37_000
    # The day's best sellers, for the hub's top products across branches.
    top = [
        {
            "ref": str(products[0]["id"]),
            "name": "KRP",
            "barcode": "",
            "unit": "pcs",
            "umkm": True,
            "supplier": "Keripik Bu Sri",
            "quantity": "3.000",
            "sales": 30_000,
        },
        {
            "ref": str(products[1]["id"]),
            "name": "GRS",
            "barcode": "",
            "unit": "pcs",
            "umkm": False,
            "supplier": "",
            "quantity": "1.000",
            "sales": 7_000,
        },
    ]
    assert body["top_products"] == top
    assert daily["top_products"] == top
    # The books' check against the ledgers, for the hub's list of books that do not
    # reconcile: the same verdict as the books' own figures carry.
    check = body["books_check"]
    assert check["ok"] is body["books"]["reconciled"]
    assert check["ok"] == (check["differences"] == [])
    assert daily["books_check"] == check
