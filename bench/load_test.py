"""Load test: 8 registers selling, members depositing and a manager running reports at
once, against gunicorn (deploy/gunicorn.conf.py) on SQLite and on PostgreSQL.

    .venv/bin/python bench/load_test.py                 # 5 minutes per database
    MART_LOAD_SECONDS=60 .venv/bin/python bench/load_test.py
    MART_LOAD_DB=sqlite .venv/bin/python bench/load_test.py   # or postgresql, or both

Afterwards it checks: no error and no lock timeout, every product's stock equals its
ledger (opening minus what the committed sales took), every member's simpanan
sukarela equals the deposits made, and each register's receipt numbers run 1..n
without a gap. It prints throughput and p50/p99 latency per kind of request.
Not part of the test suite.
"""

import os
import random
import secrets
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import requests  # noqa: E402

from mart import create_app  # noqa: E402
from mart.cli import create_user, upgrade_database  # noqa: E402
from mart.extensions import db  # noqa: E402
from tests.reliability.server import Api, Server  # noqa: E402

SECONDS = float(os.environ.get("MART_LOAD_SECONDS", "300"))
REGISTERS = int(os.environ.get("MART_LOAD_REGISTERS", "8"))
DEPOSITORS = int(os.environ.get("MART_LOAD_DEPOSITORS", "2"))
MEMBERS = int(os.environ.get("MART_LOAD_MEMBERS", "40"))
PRODUCTS = int(os.environ.get("MART_LOAD_PRODUCTS", "60"))
PG_ADMIN = os.environ.get("MART_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# gunicorn workers; deploy/gunicorn.conf.py uses 1 for SQLite, 2 (or cores) for PostgreSQL
WORKERS = int(os.environ.get("MART_LOAD_WORKERS", "0"))
PASSWORD = "load-pass-123"


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency = defaultdict(list)
        self.errors = []

    def timed(self, kind, call):
        start = time.perf_counter()
        try:
            answer = call()
        except requests.RequestException as exc:
            with self.lock:
                self.errors.append(f"{kind}: {exc}")
            return None
        elapsed = time.perf_counter() - start
        with self.lock:
            self.latency[kind].append(elapsed)
            if answer.status_code >= 400:
                self.errors.append(f"{kind}: {answer.status_code} {answer.text[:200]}")
        return answer


def prepare(database_url, instance):
    """Schema and users, in-process; everything else through the API."""
    os.environ["MART_INSTANCE_PATH"] = str(instance)

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "MART_INSTANCE_PATH": str(instance)})
    with app.app_context():
        upgrade_database()
        create_user("load-manager", ["manager"], PASSWORD)
        for n in range(REGISTERS):
            create_user(f"load-kasir{n}", ["cashier"], PASSWORD)
        db.session.commit()
        db.engine.dispose()


def setup_shop(server, rng):
    manager = Api(server, server.token("load-manager", PASSWORD))
    products = {}
    for n in range(PRODUCTS):
        price = rng.choice([2_500, 3_500, 5_000, 7_500, 12_000, 18_500, 25_000])
        answer = manager.post(
            "/products", json={"sku": f"LOAD{n:04d}", "name": f"Barang {n}", "price": price}
        )
        answer.raise_for_status()
        products[answer.json()["id"]] = {"price": price, "opening": answer.json()["on_hand"]}
    members = []
    for n in range(MEMBERS):
        answer = manager.post(
            "/members",
            json={"name": f"Anggota {n}", "nik": f"3171{n + 1:012d}", "pay_pokok": True},
        )
        answer.raise_for_status()
        members.append(answer.json()["member_no"])
    sukarela = {m: manager.get(f"/members/{m}").json()["savings"]["sukarela"] for m in members}
    registers = []
    for n in range(REGISTERS):
        answer = manager.post("/registers", json={"code": f"L{n}", "name": f"Kasir {n}"})
        answer.raise_for_status()
        cashier = Api(server, server.token(f"load-kasir{n}", PASSWORD))
        shift = cashier.post(
            "/shifts", json={"register_id": answer.json()["id"], "opening_float": 200_000}
        )
        shift.raise_for_status()
        registers.append((cashier, shift.json()["id"], f"L{n}"))
    return manager, products, members, sukarela, registers


def run(database_label, database_url):
    global WORKERS
    WORKERS = WORKERS or (1 if database_url.startswith("sqlite") else 2)
    rng = random.Random(2026)
    instance = Path(tempfile.mkdtemp(prefix=f"mart-load-{database_label}-"))
    prepare(database_url, instance)
    server = Server(database_url, instance, workers=WORKERS, threads=8).start()
    stats = Stats()
    try:
        manager, products, members, sukarela, registers = setup_shop(server, rng)
        stop = time.monotonic() + SECONDS
        sold = Counter()
        numbers = defaultdict(list)
        deposited = Counter()
        lock = threading.Lock()
        product_ids = sorted(products)

        def register_loop(n, cashier, shift_id, code):
            local = random.Random(n)
            while time.monotonic() < stop:
                lines = [
                    {"product_id": pid, "quantity": local.randint(1, 4)}
                    for pid in local.sample(product_ids, local.randint(1, 6))
                ]
                total = sum(
                    products[line["product_id"]]["price"] * line["quantity"] for line in lines
                )
                body = {
                    "id": str(uuid.uuid4()),
                    "shift_id": shift_id,
                    "lines": lines,
                    "payments": [
                        {"method": "cash", "amount": total + local.choice([0, 500, 5000])}
                    ],
                }
                if local.random() < 0.3:
                    body["member_no"] = local.choice(members)
                answer = stats.timed("sale", lambda body=body: cashier.post("/sales", json=body))
                if answer is not None and answer.status_code == 201:
                    with lock:
                        for line in lines:
                            sold[line["product_id"]] += line["quantity"]
                        numbers[code].append(answer.json()["number"])

        def deposit_loop(n):
            local = random.Random(100 + n)
            api = Api(server, manager.session.headers["Authorization"].split()[1])
            while time.monotonic() < stop:
                member = local.choice(members)
                amount = local.choice([10_000, 25_000, 50_000])
                answer = stats.timed(
                    "deposit",
                    lambda m=member, a=amount: api.post(
                        f"/members/{m}/deposits", json={"kind": "sukarela", "amount": a}
                    ),
                )
                if answer is not None and answer.status_code == 201:
                    with lock:
                        deposited[member] += amount
            api.close()

        def report_loop():
            api = Api(server, manager.session.headers["Authorization"].split()[1])
            today = time.strftime("%Y-%m-%d")
            reports = [
                f"/rollup/daily?date={today}",
                "/stock/reports/stock-on-hand",
                "/members/capital",
                "/sales?per_page=50",
                f"/shifts/{registers[0][1]}/report",
            ]
            i = 0
            while time.monotonic() < stop:
                path = reports[i % len(reports)]
                stats.timed("report", lambda p=path: api.get(p))
                i += 1
            api.close()

        threads = [
            threading.Thread(target=register_loop, args=(n, *registers[n]))
            for n in range(REGISTERS)
        ]
        threads += [threading.Thread(target=deposit_loop, args=(n,)) for n in range(DEPOSITORS)]
        threads.append(threading.Thread(target=report_loop))
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started

        # Consistency afterwards.
        problems = []
        for pid, info in products.items():
            on_hand = float(manager.get(f"/products/{pid}").json()["on_hand"])
            if on_hand != float(info["opening"]) - sold[pid]:
                problems.append(f"product {pid}: on_hand {on_hand}, ledger says {-sold[pid]}")
        for member in members:
            balance = manager.get(f"/members/{member}").json()["savings"]["sukarela"]
            if balance != sukarela[member] + deposited[member]:
                problems.append(f"member {member}: sukarela {balance} != {deposited[member]}")
        for code, got in numbers.items():
            seq = sorted(int(n.rsplit("-", 1)[1]) for n in got)
            if seq != list(range(1, len(seq) + 1)):
                problems.append(f"register {code}: receipt numbers with gaps or doubles")
        report(database_label, stats, elapsed, problems, server)
        return not stats.errors and not problems
    finally:
        server.stop()


def report(label, stats, elapsed, problems, server):
    print(
        f"\n== {label}: {elapsed:.0f} s, {REGISTERS} registers, {DEPOSITORS} depositors, "
        f"1 manager running reports; gunicorn {WORKERS} worker(s) x 8 threads; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    for kind, values in sorted(stats.latency.items()):
        values = sorted(values)
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        print(
            f"  {kind:<8} {len(values):>7} requests  {len(values) / elapsed:7.1f}/s  "
            f"p50 {statistics.median(values) * 1000:6.1f} ms  p99 {p99 * 1000:7.1f} ms  "
            f"max {values[-1] * 1000:7.1f} ms"
        )
    total = sum(len(v) for v in stats.latency.values())
    print(f"  total    {total:>7} requests  {total / elapsed:7.1f}/s")
    print(f"  errors: {len(stats.errors)}" + "".join(f"\n    {e}" for e in stats.errors[:10]))
    locked = [e for e in stats.errors if "locked" in e.lower() or "timeout" in e.lower()]
    print(f"  lock timeouts: {len(locked)}")
    print(
        "  consistency: "
        + (
            "ok (stock = ledger, sukarela = deposits, receipts gap-free)"
            if not problems
            else "FAILED"
        )
    )
    for problem in problems[:20]:
        print(f"    {problem}")
    if stats.errors or problems:
        print(f"  server log: {server.log_path}")


def main():
    which = os.environ.get("MART_LOAD_DB", "both")
    ok = True
    if which in ("sqlite", "both"):
        path = Path(tempfile.mkdtemp(prefix="mart-load-db-")) / "load.sqlite3"
        ok &= run("SQLite", f"sqlite:///{path}")
    if which in ("postgresql", "both"):
        try:
            admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
        except psycopg.OperationalError as exc:
            print(f"SKIPPED PostgreSQL: {exc}")
        else:
            name = f"mart_load_{secrets.token_hex(4)}"
            admin.execute(f'CREATE DATABASE "{name}"')
            try:
                ok &= run("PostgreSQL", f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}")
            finally:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
