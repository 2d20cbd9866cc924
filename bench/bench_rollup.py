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

import gc
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
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
from inventory.services import create_product  # noqa: E402
from mart import create_app  # noqa: E402
from mart.auth import issue_token  # noqa: E402
from mart.cli import create_user, upgrade_database  # noqa: E402
from mart.extensions import db  # noqa: E402
from mart.models import User  # noqa: E402
from pos import schemas as pos_schemas  # noqa: E402
from pos import services as pos  # noqa: E402
from rollup import branch as branch_side  # noqa: E402
from rollup import hub, keys, partitions  # noqa: E402
from rollup.demo import demo_report  # noqa: E402
from rollup.keys import sign  # noqa: E402
from rollup.models import CUM_FIELDS as CUMS  # noqa: E402
from rollup.models import POINT_FIELDS as POINTS  # noqa: E402
from rollup.models import SUM_FIELDS as SUMS  # noqa: E402
from rollup.models import HubBranch  # noqa: E402

ADMIN_URL = os.environ.get(
    "MART_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BRANCHES = int(os.environ.get("BENCH_ROLLUP_BRANCHES", 7300))
YEARS = int(os.environ.get("BENCH_ROLLUP_YEARS", 10))
CLIENTS = int(os.environ.get("BENCH_ROLLUP_CLIENTS", 32))
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
    app = create_app(config(url, instance, **extra))
    with app.app_context():
        upgrade_database()
        db.session.remove()
    return app


# --- hub ------------------------------------------------------------------------------


ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")


def _zone(n):
    # Roughly Indonesia's spread of kecamatan: most in WIB, a quarter WITA, the rest WIT.
    return ZONES[0] if n % 20 < 12 else (ZONES[1] if n % 20 < 17 else ZONES[2])


def register_branches(app):
    """The branches with real (encrypted) keys: ~514 kota/kabupaten, one kecamatan each."""
    branch_keys = {}
    with app.app_context():
        existing = dict(
            db.session.execute(sa.select(HubBranch.code, HubBranch.key_encrypted)).all()
        )
        if existing:
            return {code: keys.decrypt_key(token) for code, token in existing.items()}
        # One key for all (each still stored encrypted): 7,300 Fernet encryptions and
        # HKDF derivations are the slow part of registering, not what is measured.
        rows = []
        for n in range(BRANCHES):
            code = f"B{n:04d}"
            key = keys.new_branch_key() if n < 50 else branch_keys["B0000"]
            branch_keys[code] = key
            rows.append(
                {
                    "code": code,
                    "name": f"OK OCE Mart {n}",
                    "kota": f"Kota {n % 514}",
                    "kecamatan": f"Kecamatan {n}",
                    "timezone": _zone(n),
                    "key_encrypted": keys.encrypt_key(key),
                    "key_rotated_at": datetime.now(UTC),
                    "active": True,
                    "created_at": datetime.now(UTC),
                }
            )
        db.session.execute(sa.insert(HubBranch), rows)
        db.session.commit()
    return branch_keys


def bulk_load(app, first_day, last_day):
    """Branches, then the reports one year at a time in SQL (generate_series), each
    year's monthly summary right after it; resumable (a year already loaded is skipped)."""
    branch_keys = register_branches(app)
    with app.app_context():
        t_all = time.perf_counter()
        engine = db.engine
        partitions.ensure_years(engine, range(first_day.year, last_day.year + 2))
        cols = ", ".join(SUMS)
        sums = ", ".join(f"sum({c})" for c in SUMS)
        for year in range(first_day.year, last_day.year + 1):
            start = max(first_day, date(year, 1, 1))
            end = min(last_day, date(year, 12, 31))
            with engine.begin() as conn:
                done = conn.exec_driver_sql(
                    "SELECT count(*) FROM hub_monthly WHERE month = %(m)s",
                    {"m": end.replace(day=1)},
                ).scalar()
            if done:
                continue
            t0 = time.perf_counter()
            with engine.begin() as conn:
                conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
                conn.exec_driver_sql("SET LOCAL work_mem = '1GB'")
                # The running totals: a window sum per branch over the year's days, on
                # top of the branch's sums of the years before (already loaded).
                cums = ", ".join(
                    f"coalesce(c.{n}, 0) + sum({'1' if n == 'reports' else 'g.' + n}) OVER w"
                    for n in ("reports", *SUMS)
                )
                carried = ", ".join(f"sum({n}) AS {n}" for n in ("reports", *SUMS))
                conn.exec_driver_sql(
                    f"""
                    INSERT INTO hub_reports (branch_id, date, revision, received_at, body, {cols},
                        members_total, capital_pokok, capital_wajib, capital_sukarela,
                        stock_value_cost, stock_consigned, umkm_suppliers_active,
                        umkm_suppliers_members, staff_count, {", ".join(CUMS)})
                    SELECT g.*, {cums}
                    FROM (
                        SELECT b.id AS branch_id, d::date AS date, 1 AS revision,
                            now() AS received_at, '{{}}' AS body,
                            t * 45000 + 20000 AS sales_gross, t * 400 AS discounts,
                            t * 300 AS returns, t * 44300 + 20000 AS sales_net, 0 AS ppn,
                            t AS transactions, t * 4 AS items, t * 20000 AS member_sales,
                            (random() * 2)::int AS members_joined,
                            (random() * 1.05)::int AS members_left,
                            (random() * 3)::int * 500000 AS umkm_purchases,
                            200000 AS consignment_payable, 100000 AS consignment_paid,
                            m AS members_total, m * 100000 AS capital_pokok,
                            m * 240000 AS capital_wajib, m * 120000 AS capital_sukarela,
                            90000000 AS stock_value_cost, 12000000 AS stock_consigned,
                            15 AS umkm_suppliers_active, 5 AS umkm_suppliers_members,
                            4 AS staff_count
                        FROM hub_branches b
                        CROSS JOIN generate_series(%(first)s::date, %(last)s::date, '1 day') d
                        CROSS JOIN LATERAL (
                            SELECT 80 + (random() * 200)::int + b.id * 0 AS t,
                                   150 + mod(b.id, 200) AS m
                        ) x
                    ) g
                    LEFT JOIN (
                        SELECT branch_id, {carried}
                        FROM hub_yearly WHERE year < %(first)s GROUP BY branch_id
                    ) c ON c.branch_id = g.branch_id
                    WINDOW w AS (PARTITION BY g.branch_id ORDER BY g.date ROWS UNBOUNDED PRECEDING)
                    ORDER BY g.branch_id, g.date
                    """,
                    {"first": start, "last": end},
                )
                # Each month's sums, and the state of its last report (as ingest keeps it).
                points = ", ".join(POINTS)
                conn.exec_driver_sql(
                    f"""INSERT INTO hub_monthly (branch_id, month, reports, {cols},
                            last_date, {points})
                        SELECT s.*, l.date, {", ".join("l." + p for p in POINTS)}
                        FROM (SELECT branch_id, date_trunc('month', date)::date AS month,
                                count(*), {sums}
                            FROM hub_reports WHERE date BETWEEN %(first)s AND %(last)s
                            GROUP BY 1, 2) s
                        JOIN (SELECT DISTINCT ON (branch_id, date_trunc('month', date))
                                branch_id, date, {points}
                            FROM hub_reports WHERE date BETWEEN %(first)s AND %(last)s
                            ORDER BY branch_id, date_trunc('month', date), date DESC) l
                        ON l.branch_id = s.branch_id
                            AND date_trunc('month', l.date)::date = s.month""",
                    {"first": start, "last": end},
                )
                conn.exec_driver_sql(
                    f"""INSERT INTO hub_yearly (branch_id, year, reports, {cols})
                        SELECT branch_id, %(y)s::date, sum(reports), {sums}
                        FROM hub_monthly WHERE month BETWEEN %(first)s AND %(last)s
                        GROUP BY 1""",
                    {"y": date(year, 1, 1), "first": start.replace(day=1), "last": end},
                )
            print(f"  loaded {year}: {time.perf_counter() - t0:.0f} s", flush=True)
        with engine.begin() as conn:
            # What an earlier run's evening peak stored (after last_day) goes first.
            conn.exec_driver_sql("DELETE FROM hub_reports WHERE date > %(d)s", {"d": last_day})
            conn.exec_driver_sql("DELETE FROM hub_monthly WHERE month > %(d)s", {"d": last_day})
            # The last year's row again from its months (a peak day may have added to it).
            this_year = {"y": date(last_day.year, 1, 1)}
            conn.exec_driver_sql("DELETE FROM hub_yearly WHERE year >= %(y)s", this_year)
            conn.exec_driver_sql(
                f"""INSERT INTO hub_yearly (branch_id, year, reports, {cols})
                    SELECT branch_id, %(y)s::date, sum(reports), {sums}
                    FROM hub_monthly WHERE month >= %(y)s GROUP BY 1""",
                this_year,
            )
            conn.exec_driver_sql("TRUNCATE hub_daily")
            conn.exec_driver_sql(
                f"""INSERT INTO hub_daily (date, reports, {cols})
                    SELECT date, count(*), {sums} FROM hub_reports GROUP BY 1"""
            )
            conn.exec_driver_sql(
                "UPDATE hub_branches SET last_report_date = (SELECT max(date) FROM hub_daily)"
            )
            points = ", ".join(POINTS)
            conn.exec_driver_sql("TRUNCATE hub_latest")
            # The newest report's running totals are the branch's totals.
            conn.exec_driver_sql(
                f"INSERT INTO hub_latest (branch_id, date, {points}, {', '.join(CUMS)}) "
                f"SELECT branch_id, date, {points}, {', '.join(CUMS)} FROM hub_reports "
                "WHERE date = (SELECT max(date) FROM hub_daily)"
            )
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
            count = conn.exec_driver_sql("SELECT count(*) FROM hub_reports").scalar()
            size = conn.exec_driver_sql(
                "SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) FROM pg_class c "
                "WHERE c.relname LIKE 'hub_reports%%' AND c.relkind = 'r'"
            ).scalar()
        print(
            f"  bulk load: {count:,} reports, {time.perf_counter() - t_all:.0f} s this run "
            f"(hub_reports partitions with indexes: {size}); load {_load()}",
            flush=True,
        )
    return branch_keys


def _load():
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def serve_gunicorn(url, instance):
    """The hub as deployed: gunicorn (deploy/gunicorn.conf.py: 2 workers x 8 threads on
    PostgreSQL) in its own processes, so the senders do not share its interpreter."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "MART_DATABASE_URL": url,
        "MART_MODE": "association",
        "MART_SECRET_KEY": "bench-secret-of-the-rollup-benchmark-0123456789",
        "MART_INSTANCE_PATH": instance,
        "MART_BIND": f"127.0.0.1:{port}",
        "MART_LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "--config", "deploy/gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            requests.get(f"{base}/healthz", timeout=10)
            break
        except requests.RequestException:
            time.sleep(0.2)
    return proc, base


def bench_peak(url, branch_keys, day):
    """The evening peak: every branch sends its day's report within 30 minutes of its own
    midnight, so the three zones come one after the other (WIT first, an hour apart in
    UTC). Each zone's reports arrive at random moments of its window, compressed
    BENCH_ROLLUP_PEAK_SPEEDUP (20) times (30 min -> 90 s: the 4,380 WIB branches at
    ~49 reports/s instead of ~2.4/s), from up to CLIENTS senders at once; 3% of them
    twice (a retry after a lost answer). Latency per report, then the check that
    nothing was lost or doubled."""
    rng = random.Random(1)
    by_zone = {z: [] for z in reversed(ZONES)}
    for n, code in enumerate(branch_keys):
        raw = json.dumps(demo_report(code, day, rng)).encode()
        by_zone[_zone(n)].append((code, raw, sign(raw, branch_keys[code])))
    session_local = threading.local()

    def post(item):
        code, raw, signature = item
        session = getattr(session_local, "s", None) or requests.Session()
        session_local.s = session
        t0 = time.perf_counter()
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
        return r.status_code, (time.perf_counter() - t0) * 1000

    latencies, statuses, slowest = [], [], []
    window = 1800 / float(os.environ.get("BENCH_ROLLUP_PEAK_SPEEDUP", 20))
    # BENCH_ROLLUP_PEAK_RATE=2.5 BENCH_ROLLUP_PEAK_LIMIT=150: the real arrival rate of
    # the WIB evening (4,380 reports in 30 minutes), for the first 150 of each zone.
    rate = float(os.environ.get("BENCH_ROLLUP_PEAK_RATE", 0))
    limit = int(os.environ.get("BENCH_ROLLUP_PEAK_LIMIT", 0))
    start = time.perf_counter()
    for zone, items in by_zone.items():
        items = items[:limit] if limit else items
        batch = items + rng.sample(items, len(items) * 3 // 100)
        if rate:
            window = len(batch) / rate
        moments = sorted(rng.uniform(0, window) for _ in batch)
        rng.shuffle(batch)
        t0 = time.perf_counter()

        def paced(pair, t0=t0):
            moment, item = pair
            delay = t0 + moment - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            return post(item)

        with ThreadPoolExecutor(CLIENTS) as pool:
            results = list(pool.map(paced, zip(moments, batch, strict=True)))
        statuses += [r[0] for r in results]
        latencies += [r[1] for r in results]
        slowest += [(r[1], zone, i) for i, r in enumerate(results)]
        print(
            f"    {zone}: {len(batch)} posts in {time.perf_counter() - t0:.1f} s",
            flush=True,
        )
    elapsed = time.perf_counter() - start
    q = statistics.quantiles(latencies, n=100)
    pace = f"arriving at {rate:.1f}/s" if rate else f"windows of {window:.0f} s"
    print(
        f"  evening peak, {len(branch_keys)} branches x 1 day ({day}), {pace}, "
        f"up to {CLIENTS} senders at once: "
        f"{len(latencies)} posts ({statuses.count(201)} stored, {statuses.count(200)} "
        f"repeats answered unchanged) in {elapsed:.1f} s = {len(latencies) / elapsed:.0f}/s; "
        f"per report p50 {q[49]:.0f} ms, p95 {q[94]:.0f} ms, p99 {q[98]:.0f} ms, "
        f"max {max(latencies):.0f} ms; load {_load()}"
    )
    # Where the slowest fell: the first posts of a freshly started server (its
    # processes' first statements, connections) or anywhere in the window.
    worst = ", ".join(
        f"{ms:.0f} ms ({zone.split('/')[1]} #{i + 1})" for ms, zone, i in sorted(slowest)[-6:][::-1]
    )
    print(f"  the six slowest posts (zone, arrival order): {worst}")
    # A freshly started gunicorn compiles each statement once per process and opens
    # its connections on the first posts; a hub serving since the morning has done so.
    warm = [ms for ms, zone, i in slowest if not (zone == ZONES[-1] and i < CLIENTS)]
    if len(warm) > 100:
        w = statistics.quantiles(warm, n=100)
        print(
            f"  the same without the first {CLIENTS} posts after the server started: "
            f"p50 {w[49]:.0f} ms, p95 {w[94]:.0f} ms, p99 {w[98]:.0f} ms, max {max(warm):.0f} ms"
        )
    return statuses.count(201)


def check_consistent(app, day):
    """The day's reports, its hub_daily row and the monthly and yearly rows all agree."""
    with app.app_context():
        conn = db.session.connection()
        reports, net = conn.exec_driver_sql(
            "SELECT count(*), coalesce(sum(sales_net), 0) FROM hub_reports WHERE date = %(d)s",
            {"d": day},
        ).one()
        daily = conn.exec_driver_sql(
            "SELECT reports, sales_net FROM hub_daily WHERE date = %(d)s", {"d": day}
        ).one()
        monthly = conn.exec_driver_sql(
            "SELECT sum(m.reports), sum(m.sales_net) FROM hub_monthly m WHERE month = %(m)s",
            {"m": day.replace(day=1)},
        ).one()
        in_month = conn.exec_driver_sql(
            "SELECT count(*), sum(sales_net) FROM hub_reports "
            "WHERE date >= %(m)s AND date < %(m)s::date + interval '1 month'",
            {"m": day.replace(day=1)},
        ).one()
        year = {"y": date(day.year, 1, 1), "n": date(day.year + 1, 1, 1)}
        yearly = conn.exec_driver_sql(
            "SELECT sum(reports), sum(sales_net) FROM hub_yearly WHERE year = %(y)s", year
        ).one()
        in_year = conn.exec_driver_sql(
            "SELECT count(*), sum(sales_net) FROM hub_reports WHERE date >= %(y)s AND date < %(n)s",
            year,
        ).one()
        db.session.rollback()
    ok = (reports, net) == tuple(daily) and tuple(monthly) == tuple(in_month)
    ok = ok and tuple(yearly) == tuple(in_year)
    print(
        f"  after the peak: {reports} reports of {day} (Rp {net:,}); hub_daily says "
        f"{daily[0]} (Rp {daily[1]:,}); month rows {monthly[0]} = reports {in_month[0]}; "
        f"year rows {yearly[0]} = reports {in_year[0]}: {'CONSISTENT' if ok else 'MISMATCH'}"
    )
    return ok


def bench_hub():
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        print(f"SKIPPED the hub benchmark: PostgreSQL not reachable at {ADMIN_URL}: {exc}")
        return
    # BENCH_ROLLUP_DB=name keeps (or reuses) a loaded database between runs: loading
    # 26.6 million reports takes longer than one run should.
    keep = os.environ.get("BENCH_ROLLUP_DB")
    name = keep or f"mart_bench_rollup_{secrets.token_hex(4)}"
    exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    if not exists:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    try:
        with tempfile.TemporaryDirectory() as instance:
            app = make_app(url, instance, MART_MODE="association")
            last_day = date(2026, 10, 31)
            first_day = date(last_day.year - YEARS + 1, 1, 1) if YEARS >= 1 else last_day
            if YEARS >= 2:
                first_day = date(last_day.year - YEARS, 11, 1)
            print(
                f"== hub: {BRANCHES} branches x {YEARS} years "
                f"({first_day} .. {last_day}) on PostgreSQL; load {_load()}",
                flush=True,
            )
            branch_keys = bulk_load(app, first_day, last_day)
            if os.environ.get("BENCH_ROLLUP_LOAD_ONLY"):
                return
            # The service timings below run in this process: its loaded objects go to
            # the collector's permanent generation, as gunicorn's post_worker_init does
            # (else a full collection, ~120 ms here, lands on every third read).
            gc.collect()
            gc.freeze()
            skip_reads = bool(os.environ.get("BENCH_ROLLUP_PEAK_ONLY"))
            year_from, year_to = date(2025, 11, 1), last_day

            with app.app_context():
                for label, f, t in (
                    ()
                    if skip_reads
                    else (
                        ("a year (12 full months)", year_from, year_to),
                        (
                            "a year, odd edges (2025-11-17 .. 2026-10-13)",
                            date(2025, 11, 17),
                            date(2026, 10, 13),
                        ),
                        ("one month", date(2026, 10, 1), last_day),
                        ("one day", last_day, last_day),
                    )
                ):
                    med, best, result = timed(lambda f=f, t=t: hub.summary(f, t))
                    db.session.rollback()
                    print(
                        f"  summary service, {label}: median {med:.0f} ms, best {best:.0f} ms "
                        f"(sales_net Rp {result['totals']['sales_net']:,}); load {_load()}",
                        flush=True,
                    )
                for label, f, t in (
                    ()
                    if skip_reads
                    else (
                        ("a year", year_from, year_to),
                        ("a year, odd edges", date(2025, 11, 17), date(2026, 10, 13)),
                    )
                ):
                    med, best, result = timed(lambda f=f, t=t: hub.group_totals(f, t))
                    db.session.rollback()
                    print(
                        f"  totals alone (SQL aggregate), {label}: median {med:.0f} ms, "
                        f"best {best:.0f} ms (sales_net Rp {result['sales_net']:,}); "
                        f"load {_load()}",
                        flush=True,
                    )
                odd_from, odd_to = date(2025, 11, 17), date(2026, 10, 13)
                for label, by, f, t, paged in (
                    ()
                    if skip_reads
                    else (
                        ("kota breakdown of a year", "kota", year_from, year_to, False),
                        ("kecamatan breakdown of a year", "kecamatan", year_from, year_to, False),
                        ("kota breakdown, a year, odd edges", "kota", odd_from, odd_to, False),
                        (
                            "kecamatan breakdown, a year, odd edges",
                            "kecamatan",
                            odd_from,
                            odd_to,
                            False,
                        ),
                        (
                            "kota breakdown of 2025 (a calendar year)",
                            "kota",
                            date(2025, 1, 1),
                            date(2025, 12, 31),
                            False,
                        ),
                        (
                            "kota breakdown, the last 30 days",
                            "kota",
                            last_day - timedelta(days=29),
                            last_day,
                            False,
                        ),
                        (
                            "kecamatan breakdown of a year, page 1 of 50 by net sales",
                            "kecamatan",
                            year_from,
                            year_to,
                            True,
                        ),
                        (
                            "kecamatan breakdown of 2025 (a calendar year)",
                            "kecamatan",
                            date(2025, 1, 1),
                            date(2025, 12, 31),
                            False,
                        ),
                        (
                            "kecamatan breakdown of 2025 to 17 December (past, mid-month end)",
                            "kecamatan",
                            date(2025, 1, 1),
                            date(2025, 12, 17),
                            False,
                        ),
                        (
                            "kecamatan breakdown, the last 30 days",
                            "kecamatan",
                            last_day - timedelta(days=29),
                            last_day,
                            False,
                        ),
                    )
                ):
                    page = ("sales_net", 1, 50) if paged else ()
                    med, best, rows = timed(
                        lambda by=by, f=f, t=t, page=page: hub.group_totals(f, t, by, None, *page)
                    )
                    db.session.rollback()
                    print(
                        f"  {label} (SQL GROUP BY): median {med:.0f} ms, "
                        f"best {best:.0f} ms ({len(rows)} rows); load {_load()}",
                        flush=True,
                    )
                for label, f, t in (
                    ()
                    if skip_reads
                    else (
                        ("a year, odd edges", odd_from, odd_to),
                        ("2025 (a calendar year)", date(2025, 1, 1), date(2025, 12, 31)),
                        ("the last 30 days", last_day - timedelta(days=29), last_day),
                    )
                ):
                    med, best, _ = timed(lambda f=f, t=t: hub.kota_and_kecamatan(f, t, 3, 1, 50))
                    db.session.rollback()
                    print(
                        f"  kota and a page of kecamatan (the dashboard's statement), {label}: "
                        f"median {med:.0f} ms, best {best:.0f} ms; load {_load()}",
                        flush=True,
                    )
                if hasattr(hub, "stale_branches"):
                    med, best, result = timed(
                        lambda: hub.summary(year_from, year_to, None, 1, 50, "sales_net", True)
                    )
                    db.session.rollback()
                    print(
                        f"  summary service, a year, first page of 50 branches by net sales: "
                        f"median {med:.0f} ms, best {best:.0f} ms; load {_load()}",
                        flush=True,
                    )
                med, best, result = timed(lambda: hub.summary(year_from, year_to, None, 1, 50))
                db.session.rollback()
                print(
                    f"  summary service, a year, first page of 50 branches: median {med:.0f} ms, "
                    f"best {best:.0f} ms; load {_load()}",
                    flush=True,
                )
                med, best, result = timed(
                    lambda: hub.branch_trend("B0042", first_day, last_day, "month"),
                    1 if skip_reads else REPEAT,
                )
                db.session.rollback()
                print(
                    f"  a branch's {YEARS}-year trend by month: median {med:.1f} ms, "
                    f"best {best:.1f} ms ({len(result['items'])} months); load {_load()}"
                )
                med, best, _ = timed(
                    lambda: hub.trend(year_from, year_to, "day"), 1 if skip_reads else REPEAT
                )
                db.session.rollback()
                print(f"  trend by day over a year, all branches: median {med:.0f} ms")

            # Over HTTP, with an association token.

            with app.app_context():
                user = db.session.scalar(
                    sa.select(User).where(User.username == "asosiasi")
                ) or create_user("asosiasi", ["association"], "bench-pass-123")
                token, _ = issue_token(user)
                db.session.commit()
            # As deployed: gunicorn with deploy/gunicorn.conf.py (its serving processes
            # freeze the loaded app for the collector), not a server in this process.
            proc, base = serve_gunicorn(url, instance)
            try:
                headers = {"Authorization": f"Bearer {token}"}
                s = requests.Session()

                def get(path, **params):
                    r = s.get(f"{base}{path}", params=params, headers=headers, timeout=60)
                    assert r.status_code == 200, r.text
                    return r

                def served(path, params, repeat=REPEAT):
                    """The first answer's time (a serving process may meet this read for
                    the first time), then, after one more for each serving process
                    (2 x cores: gunicorn hands requests to them in turn), the median
                    and best of ``repeat``: a hub serving all day."""
                    first, _, r = timed(lambda: get(path, **params), 1)
                    if repeat > 1:
                        for _ in range(2 * (os.cpu_count() or 1)):
                            get(path, **params)
                        med, best, r = timed(lambda: get(path, **params), repeat)
                    else:
                        med = best = first
                    return med, best, first, r

                med, best, first, r = served(
                    "/api/v1/association/summary",
                    {"from": year_from, "to": year_to},
                    1 if skip_reads else REPEAT,
                )
                print(
                    f"  GET /api/v1/association/summary for a year: median {med:.0f} ms, "
                    f"best {best:.0f} ms, first {first:.0f} ms ({len(r.content) / 1024:.0f} "
                    f"KiB, {len(r.json()['branches'])} branches); load {_load()}",
                    flush=True,
                )
                for label, path, params in (
                    ()
                    if skip_reads
                    else (
                        (
                            "summary, a year, per_page=50",
                            "/api/v1/association/summary",
                            {"from": year_from, "to": year_to, "per_page": 50},
                        ),
                        (
                            "breakdown by kota, a year",
                            "/api/v1/association/breakdown",
                            {"from": year_from, "to": year_to, "by": "kota"},
                        ),
                        (
                            "breakdown by kecamatan, a year",
                            "/api/v1/association/breakdown",
                            {"from": year_from, "to": year_to, "by": "kecamatan"},
                        ),
                        (
                            "breakdown by kecamatan, a year, per_page=50, sort=sales_net",
                            "/api/v1/association/breakdown",
                            {
                                "from": year_from,
                                "to": year_to,
                                "by": "kecamatan",
                                "per_page": 50,
                                "sort": "sales_net",
                            },
                        ),
                        (
                            "the dashboard /association/ for a year",
                            "/association/",
                            {"from": year_from, "to": year_to},
                        ),
                        (
                            "the dashboard /association/, the last 30 days",
                            "/association/",
                            {"from": last_day - timedelta(days=29), "to": last_day},
                        ),
                    )
                ):
                    med, best, first, r = served(path, params)
                    print(
                        f"  GET {label}: median {med:.0f} ms, best {best:.0f} ms, first "
                        f"{first:.0f} ms ({len(r.content) / 1024:.0f} KiB); load {_load()}",
                        flush=True,
                    )
                peak_day = last_day + timedelta(days=1)
            finally:
                proc.terminate()
                proc.wait(30)
            if os.environ.get("BENCH_ROLLUP_READS_ONLY"):
                return
            proc, base = serve_gunicorn(url, instance)
            try:
                stored = bench_peak(base, branch_keys, peak_day)
            finally:
                proc.terminate()
                proc.wait(20)
            check_consistent(app, peak_day)
            print(f"  stored {stored} reports of {len(branch_keys)} branches")
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    finally:
        if not keep:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


# --- branch ---------------------------------------------------------------------------


def bench_branch():
    with tempfile.TemporaryDirectory() as instance:
        url = f"sqlite:///{instance}/branch.sqlite3"
        app = make_app(url, instance, MART_BRANCH_CODE="JKT01")

        day = date(2026, 11, 20)
        with app.app_context():
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
            med, best, _ = timed(lambda: _build_and_rollback(day))
            print(f"  build into the outbox (figures + compare + insert): median {med:.0f} ms")


def _build_and_rollback(day):
    row = branch_side.build_report(day)
    db.session.rollback()
    return row


if __name__ == "__main__":
    import logging
    import warnings

    logging.disable(logging.WARNING)  # the app logs every sale and request
    warnings.simplefilter("ignore")
    bench_hub()
    if not os.environ.get("BENCH_ROLLUP_HUB_ONLY"):
        bench_branch()
