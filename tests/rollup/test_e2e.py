"""End to end over real HTTP: a hub (gunicorn, PostgreSQL) and two branches (gunicorn,
SQLite files) as separate processes. Sales at both through the pos API, `flask rollup
push`, the hub's totals equal the branches' own figures; the hub stopped while the
branches keep selling, restarted: everything arrives, once. Forged reports refused.
"""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
import requests

from rollup.keys import sign
from tests.conftest import ROOT

# Builds its own hub and branch databases: the PostgreSQL pass need not repeat it.
pytestmark = [pytest.mark.slow, pytest.mark.single_pass]

BIN = Path(sys.executable).parent
ADMIN_URL = os.environ.get(
    "MART_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
PASSWORD = "rahasia-123"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def hub_database():
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("MART_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL required (MART_REQUIRE_POSTGRES=1) but unreachable: {exc}")
        pytest.skip(f"the hub runs on PostgreSQL, not reachable at {ADMIN_URL}: {exc}")
    name = f"mart_hub_e2e_{secrets.token_hex(4)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


class Site:
    """One application: its environment, its CLI, and its gunicorn server."""

    def __init__(self, name, tmp_path, **env):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        instance = tmp_path / name
        instance.mkdir()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("MART_")},
            "MART_INSTANCE_PATH": str(instance),
            "MART_SECRET_KEY": f"e2e-test-secret-of-the-site-{name}-0123456789",
            "MART_START_WORKERS": "0",
            **env,
        }
        self.process = None
        self.log = instance / "server.log"

    def cli(self, *args, check=True):
        result = subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        if check:
            assert result.returncode == 0, f"{self.name} {args}: {result.stdout}{result.stderr}"
        return result

    def start(self):
        with self.log.open("a") as log:  # the child keeps its own descriptor
            self.process = self._spawn(log)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"{self.name} died: {self.log.read_text()[-3000:]}"
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise AssertionError(f"{self.name} did not start: {self.log.read_text()[-3000:]}")

    def _spawn(self, log):
        return subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--threads",
                "4",
                "--timeout",
                "60",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def token(self, username):
        response = requests.post(
            f"{self.url}/api/v1/auth/token",
            json={"username": username, "password": PASSWORD},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    def get(self, path, headers, **params):
        response = requests.get(
            f"{self.url}/api/v1{path}", headers=headers, params=params, timeout=30
        )
        assert response.status_code == 200, (path, response.status_code, response.text)
        return response.json()

    def post(self, path, headers, body, expect=(200, 201)):
        response = requests.post(f"{self.url}/api/v1{path}", headers=headers, json=body, timeout=30)
        assert response.status_code in expect, (path, response.status_code, response.text)
        return response.json()


class Shop:
    """A branch with a product, a register and an open shift, selling through pos."""

    def __init__(self, site: Site):
        self.site = site
        site.cli("mart", "init")
        site.cli(
            "mart",
            "create-user",
            "manajer",
            "--role",
            "manager",
            "--role",
            "cashier",
            "--password",
            PASSWORD,
        )
        site.start()
        self.manager = self.cashier = site.token("manajer")
        product = site.post(
            "/products", self.manager, {"sku": "KOPI-1", "name": "Kopi bubuk", "price": 12_500}
        )
        self.product_id = product["id"]
        register = site.post("/registers", self.manager, {"code": "K1", "name": "Kasir 1"})
        shift = site.post(
            "/shifts", self.cashier, {"register_id": register["id"], "opening_float": 0}
        )
        self.shift_id = shift["id"]

    def restart(self):
        self.site.start()

    def sell(self, quantity):
        total = 12_500 * quantity
        sale = self.site.post(
            "/sales",
            self.cashier,
            {
                "id": str(uuid.uuid4()),
                "shift_id": self.shift_id,
                "lines": [{"product_id": self.product_id, "quantity": str(quantity)}],
                "payments": [{"method": "cash", "amount": total}],
            },
        )
        assert sale["total"] == total
        return total

    def daily(self, day):
        return self.site.get("/rollup/daily", self.manager, date=day.isoformat())


# The business day of the branches ends twelve hours from now (MART_DAY_END_HOUR), so
# the test never straddles the end of a day, whatever the hour it runs at.
NOW = datetime.now(UTC).astimezone(ZoneInfo("Asia/Jakarta"))
DAY_END_HOUR = (NOW.hour + 12) % 24


def business_today():
    local = datetime.now(UTC).astimezone(ZoneInfo("Asia/Jakarta"))
    return local.date() - timedelta(days=1) if local.hour < DAY_END_HOUR else local.date()


def test_two_branches_and_a_hub_over_real_http(tmp_path, hub_database):
    hub = Site("hub", tmp_path, MART_MODE="association", MART_DATABASE_URL=hub_database)
    sites = []
    try:
        hub.cli("mart", "init")
        keys = {}
        for code, kota in (("JKT01", "Jakarta Selatan"), ("BGR01", "Kabupaten Bogor")):
            out = hub.cli("rollup", "add-branch", code, "--name", f"Mart {code}", "--kota", kota)
            keys[code] = out.stdout.strip().splitlines()[-1]
        hub.cli("mart", "create-user", "asosiasi", "--role", "association", "--password", PASSWORD)
        hub.start()
        staff = hub.token("asosiasi")

        shops = {}
        # JKT01 sends only with `flask rollup push`; BGR01 also runs the sender thread
        # (quick retries for the test), which must deliver on its own once the hub is back.
        threaded = {
            "MART_START_WORKERS": "1",
            "MART_ROLLUP_SEND_SECONDS": "0.5",
            "MART_ROLLUP_RETRY_SECONDS": "0.5",
            "MART_ROLLUP_RETRY_MAX_SECONDS": "1",
        }
        for code in keys:
            site = Site(
                code.lower(),
                tmp_path,
                MART_BRANCH_CODE=code,
                MART_ASSOCIATION_URL=hub.url,
                MART_BRANCH_KEY=keys[code],
                MART_ROLLUP_READ_TIMEOUT="5",
                MART_DAY_END_HOUR=str(DAY_END_HOUR),
                **(threaded if code == "BGR01" else {}),
            )
            sites.append(site)
            shops[code] = Shop(site)

        day = business_today()
        for quantity in (1, 2, 3):
            shops["JKT01"].sell(quantity)
        for quantity in (4, 5):
            shops["BGR01"].sell(quantity)

        for shop in shops.values():
            shop.site.cli("rollup", "push", "--date", day.isoformat())  # exit 0: delivered

        def hub_matches_branches():
            summary = hub.get("/association/summary", staff, **{"from": day, "to": day})
            rows = {r["code"]: r for r in summary["branches"]}
            total_net = total_tx = 0
            for code, shop in shops.items():
                own = shop.daily(day)
                assert own["sources_missing"] == []
                assert rows[code]["sales_net"] == own["sales_net"]
                assert rows[code]["sales_gross"] == own["sales_gross"]
                assert rows[code]["transactions"] == own["transactions"]
                assert rows[code]["members_total"] == own["members_total"]
                assert rows[code]["days_reported"] == 1
                total_net += own["sales_net"]
                total_tx += own["transactions"]
            assert summary["totals"]["sales_net"] == total_net
            assert summary["totals"]["transactions"] == total_tx
            return summary

        summary = hub_matches_branches()
        assert summary["totals"]["sales_net"] == 12_500 * 15
        assert summary["totals"]["transactions"] == 5

        # The link breaks: the hub stops, the branches keep selling, reports wait.
        hub.stop()
        shops["JKT01"].sell(2)
        shops["BGR01"].sell(1)
        for shop in shops.values():
            result = shop.site.cli("rollup", "push", "--date", day.isoformat(), check=False)
            assert result.returncode == 1, result.stdout + result.stderr
            assert "NOT SENT" in result.stderr
            waiting = shop.site.get("/rollup/outbox", shop.manager, status="pending")
            assert waiting["total"] >= 1
            health = requests.get(f"{shop.site.url}/healthz", timeout=10).json()
            assert health["rollup"]["pending"] >= 1

        # Back up: a plain push delivers what waited at JKT01; BGR01's thread does it alone.
        hub.start()
        result = shops["JKT01"].site.cli("rollup", "push")
        assert "NOT SENT" not in result.stderr
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:  # wait for the thread, then check what arrived
            summary = hub.get("/association/summary", staff, **{"from": day, "to": day})
            if summary["totals"]["transactions"] == 7:
                break
            time.sleep(0.5)
        summary = hub_matches_branches()
        assert summary["totals"]["sales_net"] == 12_500 * 18
        assert summary["totals"]["transactions"] == 7
        for shop in shops.values():
            assert shop.site.get("/rollup/outbox", shop.manager, status="pending")["total"] == 0

        # Forgeries over the wire are refused and change nothing.
        url = f"{hub.url}/api/v1/association/reports"
        body = dict(shops["JKT01"].daily(day), revision=1)
        for name in ("built", "status"):
            body.pop(name)
        raw = json.dumps(body).encode()

        def post(code, data, signature):
            return requests.post(
                url,
                data=data,
                timeout=10,
                headers={
                    "Content-Type": "application/json",
                    "X-Mart-Branch": code,
                    "X-Mart-Signature": signature,
                },
            )

        assert post("JKT01", raw, sign(raw, keys["JKT01"])).status_code == 401  # older revision
        newer = json.dumps(dict(body, revision=99, sales_net=1)).encode()
        assert post("JKT01", newer, sign(raw, keys["JKT01"])).status_code == 401  # tampered
        assert post("JKT01", newer, sign(newer, keys["BGR01"])).status_code == 401  # wrong key
        assert post("XXX99", newer, sign(newer, keys["JKT01"])).status_code == 401  # unknown
        assert post("JKT01", newer, "").status_code == 401  # unsigned
        after = hub_matches_branches()
        assert after["totals"] == summary["totals"]
    finally:
        for site in sites:
            site.stop()
        hub.stop()
