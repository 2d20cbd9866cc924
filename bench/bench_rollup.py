"""Roll-up benchmarks. Prints its figures; scale down with environment variables.

1. Hub on PostgreSQL with BENCH_ROLLUP_BRANCHES (1000) x BENCH_ROLLUP_YEARS (5) years of
   daily reports, bulk-loaded with SQL, summary tables built from them:
   - ingest rate through the real endpoint (HTTP on loopback, signed reports,
     BENCH_ROLLUP_INGEST (400) reports from BENCH_ROLLUP_CLIENTS (4) client threads);
   - the summary of one year across all branches (target < 300 ms): the service, and
     GET /api/v1/association/summary over HTTP; the dashboard page too.
2. Branch daily report for a day of BENCH_ROLLUP_SALES (3000) sales made through
   pos.services.create_sale (target < 200 ms), on SQLite (the branch default).

    .venv/bin/python bench/bench_rollup.py
    BENCH_ROLLUP_BRANCHES=100 BENCH_ROLLUP_YEARS=1 BENCH_ROLLUP_SALES=300 \\
        .venv/bin/python bench/bench_rollup.py
"""

import json
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from config import TestConfig  # noqa: E402

ADMIN_URL = os.environ.get(
    "MART_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BRANCHES = int(os.environ.get("BENCH_ROLLUP_BRANCHES", 1000))
YEARS = int(os.environ.get("BENCH_ROLLUP_YEARS", 5))
INGEST = int(os.environ.get("BENCH_ROLLUP_INGEST", 400))
CLIENTS = int(os.environ.get("BENCH_ROLLUP_CLIENTS", 4))
SALES = int(os.environ.get("BENCH_ROLLUP_SALES", 3000))
REPEAT = 7


def config(url, instance, **extra):
    base = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    base.update(
        TESTING=False,
        SQLALCHEMY_DATABASE_URI=url,
        MART_INSTANCE_PATH=instance,
        SECRET_KEY="bench-secret-of-the-rollup-benchmark-0123456789",
        **extra,
    )
    return base


def timed(fn, repeat=REPEAT):
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times), result


def make_app(url, instance, **extra):
    from mart import create_app
    from mart.cli import upgrade_database
    from mart.extensions import db

    app = create_app(config(url, instance, **extra))
    with app.app_context():
        upgrade_database()
        db.session.remove()
    return app


# --- hub ------------------------------------------------------------------------------

SUMS = (
    "sales_gross",
    "discounts",
    "returns",
    "sales_net",
    "ppn",
    "transactions",
    "items",
    "member_sales",
    "members_joined",
    "members_left",
    "umkm_purchases",
    "consignment_payable",
    "consignment_paid",
)


def bulk_load(app, first_day, last_day):
    """Branches with real (encrypted) keys, then the reports and summaries in SQL."""
    from mart.extensions import db
    from mart.rollup import keys
    from mart.rollup.models import HubBranch

    branch_keys = {}
    with app.app_context():
        t0 = time.perf_counter()
        kotas = [f"Kota {i}" for i in range(40)]
        rows = []
        for n in range(BRANCHES):
            code = f"B{n:04d}"
            key = keys.new_branch_key()
            branch_keys[code] = key
            rows.append(
                {
                    "code": code,
                    "name": f"OK OCE Mart {n}",
                    "kota": kotas[n % len(kotas)],
                    "kecamatan": f"Kecamatan {n % 400}",
                    "key_encrypted": keys.encrypt_key(key),
                    "key_rotated_at": datetime.now(UTC),
                    "active": True,
                    "created_at": datetime.now(UTC),
                }
            )
        db.session.execute(sa.insert(HubBranch), rows)
        db.session.commit()
        conn = db.session.connection()
        cols = ", ".join(SUMS)
        conn.exec_driver_sql(
            f"""
            INSERT INTO hub_reports (branch_id, date, revision, received_at, body, {cols},
                members_total, capital_pokok, capital_wajib, capital_sukarela,
                stock_value_cost, stock_consigned, umkm_suppliers_active,
                umkm_suppliers_members, staff_count)
            SELECT b.id, d::date, 1, now(), '{{}}',
                t * 45000 + 20000, t * 400, t * 300, t * 44300 + 20000, 0, t, t * 4, t * 20000,
                (random() * 2)::int, (random() * 1.05)::int, (random() * 3)::int * 500000,
                200000, 100000,
                m, m * 100000, m * 240000, m * 120000, 90000000, 12000000, 15, 5, 4
            FROM hub_branches b
            CROSS JOIN generate_series(%(first)s::date, %(last)s::date, interval '1 day') d
            CROSS JOIN LATERAL (
                SELECT 80 + (random() * 200)::int + b.id * 0 AS t, 150 + mod(b.id, 200) AS m
            ) x
            """,
            {"first": first_day, "last": last_day},
        )
        sums = ", ".join(f"sum({c})" for c in SUMS)
        conn.exec_driver_sql(
            f"""INSERT INTO hub_monthly (branch_id, month, reports, {cols})
                SELECT branch_id, date_trunc('month', date)::date, count(*), {sums}
                FROM hub_reports GROUP BY 1, 2"""
        )
        conn.exec_driver_sql(
            f"""INSERT INTO hub_daily (date, reports, {cols})
                SELECT date, count(*), {sums} FROM hub_reports GROUP BY 1"""
        )
        conn.exec_driver_sql(
            """UPDATE hub_branches b SET last_report_date = m.d
               FROM (SELECT branch_id, max(date) d FROM hub_reports GROUP BY 1) m
               WHERE m.branch_id = b.id"""
        )
        db.session.commit()
        conn = db.session.connection()
        conn.exec_driver_sql("ANALYZE")
        db.session.commit()
        count = db.session.scalar(sa.text("SELECT count(*) FROM hub_reports"))
        size = db.session.scalar(
            sa.text("SELECT pg_size_pretty(pg_total_relation_size('hub_reports'))")
        )
        print(
            f"  bulk load: {count:,} reports in {time.perf_counter() - t0:.1f} s "
            f"(hub_reports with indexes: {size})"
        )
    return branch_keys


def serve(app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.server_port}"


def bench_ingest(url, branch_keys, day):
    import random

    from mart.rollup.demo import demo_report
    from mart.rollup.keys import sign

    rng = random.Random(1)
    codes = list(branch_keys)[:INGEST]
    bodies = []
    for i in range(INGEST):
        code = codes[i % len(codes)]
        d = day + timedelta(days=i // len(codes))
        raw = json.dumps(demo_report(code, d, rng)).encode()
        bodies.append((code, raw, sign(raw, branch_keys[code])))
    session_local = threading.local()

    def post(item):
        code, raw, signature = item
        session = getattr(session_local, "s", None) or requests.Session()
        session_local.s = session
        r = session.post(
            f"{url}/api/v1/association/reports",
            data=raw,
            headers={
                "Content-Type": "application/json",
                "X-Mart-Branch": code,
                "X-Mart-Signature": signature,
            },
            timeout=30,
        )
        assert r.status_code in (200, 201), r.text
        return r.status_code

    start = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = list(pool.map(post, bodies))
    elapsed = time.perf_counter() - start
    print(
        f"  ingest through POST /api/v1/association/reports: {len(bodies)} signed reports, "
        f"{CLIENTS} clients: {len(bodies) / elapsed:.0f} reports/s "
        f"({elapsed * 1000 / len(bodies):.1f} ms each on average); "
        f"{statuses.count(201)} stored"
    )
    # The same reports again: idempotent, nothing written.
    start = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = list(pool.map(post, bodies[:100]))
    elapsed = time.perf_counter() - start
    print(f"  repeated reports (unchanged, 200): {100 / elapsed:.0f} reports/s")


def bench_hub():
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        print(f"SKIPPED the hub benchmark: PostgreSQL not reachable at {ADMIN_URL}: {exc}")
        return
    name = f"mart_bench_rollup_{secrets.token_hex(4)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    try:
        with tempfile.TemporaryDirectory() as instance:
            app = make_app(url, instance, MART_MODE="association")
            last_day = date(2026, 10, 31)
            first_day = last_day - timedelta(days=365 * YEARS + YEARS // 4 - 1)
            print(
                f"== hub: {BRANCHES} branches x {YEARS} years "
                f"({first_day} .. {last_day}) on PostgreSQL"
            )
            branch_keys = bulk_load(app, first_day, last_day)
            year_from, year_to = date(2025, 11, 1), last_day

            from mart.extensions import db
            from mart.rollup import hub

            with app.app_context():
                for label, f, t in (
                    ("a year (12 full months)", year_from, year_to),
                    (
                        "a year, odd edges (2025-11-17 .. 2026-10-13)",
                        date(2025, 11, 17),
                        date(2026, 10, 13),
                    ),
                    ("one month", date(2026, 10, 1), last_day),
                    ("one day", last_day, last_day),
                ):
                    med, best, result = timed(lambda f=f, t=t: hub.summary(f, t))
                    db.session.rollback()
                    print(
                        f"  summary service, {label}: median {med:.0f} ms, best {best:.0f} ms "
                        f"(sales_net Rp {result['totals']['sales_net']:,})"
                    )
                med, best, _ = timed(lambda: hub.trend(year_from, year_to, "day"))
                print(f"  trend by day over a year: median {med:.0f} ms")

            # Over HTTP, with an association token.
            from mart.auth import issue_token
            from mart.cli import create_user

            with app.app_context():
                user = create_user("asosiasi", ["association"], "bench-pass-123")
                token, _ = issue_token(user)
                db.session.commit()
            server, base = serve(app)
            try:
                headers = {"Authorization": f"Bearer {token}"}
                s = requests.Session()

                def summary_http():
                    r = s.get(
                        f"{base}/api/v1/association/summary",
                        params={"from": year_from, "to": year_to},
                        headers=headers,
                        timeout=60,
                    )
                    assert r.status_code == 200, r.text
                    return r

                med, best, r = timed(summary_http)
                print(
                    f"  GET /api/v1/association/summary for a year: median {med:.0f} ms, "
                    f"best {best:.0f} ms ({len(r.content) / 1024:.0f} KiB, "
                    f"{len(r.json()['branches'])} branches)"
                )
                bench_ingest(base, branch_keys, last_day + timedelta(days=1))
            finally:
                server.shutdown()
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


# --- branch ---------------------------------------------------------------------------


def bench_branch():
    with tempfile.TemporaryDirectory() as instance:
        url = f"sqlite:///{instance}/branch.sqlite3"
        app = make_app(url, instance, MART_BRANCH_CODE="JKT01")
        from mart.cli import create_user
        from mart.extensions import db
        from mart.rollup import branch as branch_side

        day = date(2026, 11, 20)
        with app.app_context():
            try:
                from inventory.services import create_product
                from pos import schemas as pos_schemas
                from pos import services as pos
            except ImportError as exc:
                print(f"SKIPPED the branch benchmark: pos/inventory not available ({exc})")
                return
            print(f"== branch: daily report of a day with {SALES} sales (SQLite)")
            user = create_user("kasir", ["cashier", "manager"], "bench-pass-123")
            products = [
                create_product({"sku": f"SKU{i}", "name": f"Barang {i}", "price": 1_000 + i * 500})
                for i in range(50)
            ]
            register = pos.create_register("K1", "Kasir 1")
            start, _end = branch_side.day_bounds(day)
            shift = pos.open_shift(register.id, 0, user, at=start + timedelta(hours=1))
            db.session.commit()
            schema = pos_schemas.SaleIn()
            t0 = time.perf_counter()
            for n in range(SALES):
                product = products[n % len(products)]
                quantity = 1 + n % 3
                total = product.price * quantity
                data = schema.load(
                    {
                        "id": str(uuid.uuid4()),
                        "shift_id": shift.id,
                        "lines": [{"product_id": product.id, "quantity": str(quantity)}],
                        "payments": [{"method": "cash" if n % 4 else "qris", "amount": total}],
                    }
                )
                data["id"] = str(data["id"])  # as the pos view does
                at = start + timedelta(hours=1, seconds=n * 10)
                pos.create_sale(data, user, at=at, printing=False)
                if n % 200 == 199:
                    db.session.commit()
            db.session.commit()
            print(
                f"  made {SALES} sales through pos.services.create_sale in "
                f"{time.perf_counter() - t0:.1f} s"
            )
            med, best, figures = timed(lambda: branch_side.collect(day))
            db.session.rollback()
            print(
                f"  figures of the day (all providers): median {med:.0f} ms, best {best:.0f} ms "
                f"(transactions {figures['transactions']}, sales_net Rp {figures['sales_net']:,}, "
                f"missing {figures['sources_missing']})"
            )
            med, best, _ = timed(lambda: _build_and_rollback(branch_side, db, day))
            print(f"  build into the outbox (figures + compare + insert): median {med:.0f} ms")


def _build_and_rollback(branch_side, db, day):
    row = branch_side.build_report(day)
    db.session.rollback()
    return row


if __name__ == "__main__":
    import logging
    import warnings

    logging.disable(logging.WARNING)  # the app logs every sale and request
    warnings.simplefilter("ignore")
    bench_hub()
    bench_branch()
