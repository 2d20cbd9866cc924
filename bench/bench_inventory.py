"""Inventory speed: CSV import, barcode lookup, stock-on-hand report, 200-line receipt.

Builds its own data in a temporary SQLite file and in a fresh PostgreSQL database
(dropped afterwards), then prints the figures.

    BENCH_PRODUCTS=50000 BENCH_MOVEMENTS=2000000 python bench/bench_inventory.py
    BENCH_DB=sqlite|postgres|both (default both), BENCH_LOOKUPS=2000,
    BENCH_PARTS=all|lookup (lookup: stop after the barcode lookups)

The products are made by the CSV import itself (timed); the movements are bulk
inserted (COPY on PostgreSQL) and the on-hand caches set from their sums.
"""

import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from config import TestConfig  # noqa: E402
from inventory import barcodes as bc  # noqa: E402
from inventory import importer, reports, services  # noqa: E402
from inventory.models import StockMovement, Supplier  # noqa: E402
from mart import create_app  # noqa: E402
from mart.cli import upgrade_database  # noqa: E402
from mart.extensions import db  # noqa: E402

PRODUCTS = int(os.environ.get("BENCH_PRODUCTS", 50_000))
MOVEMENTS = int(os.environ.get("BENCH_MOVEMENTS", 2_000_000))
LOOKUPS = int(os.environ.get("BENCH_LOOKUPS", 2000))
WHICH = os.environ.get("BENCH_DB", "both")
PARTS = os.environ.get("BENCH_PARTS", "all")  # "lookup": import, movements, lookups only
ADMIN_URL = os.environ.get(
    "MART_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def ean(n):
    return bc.with_check_digit(f"899{n:09d}")


def make_app(url, instance):
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(SQLALCHEMY_DATABASE_URI=url, MART_INSTANCE_PATH=instance)
    app = create_app(config)
    with app.app_context():
        upgrade_database()  # the schema through the migration chain only
    return app


def csv_text(n):
    rng = random.Random(7)
    lines = ["sku,name,barcode,price,unit,category,reorder_point"]
    words = ["Kopi", "Teh", "Gula", "Beras", "Sabun", "Mie", "Susu", "Roti", "Keripik", "Sambal"]
    for i in range(n):
        name = f"{rng.choice(words)} {rng.choice(words)} Merek {i}"
        price = rng.randrange(10, 2000) * 100
        lines.append(
            f"B{i:07d},{name},{ean(i)},{price},pcs,Kategori {i % 40},{rng.randrange(0, 20)}"
        )
    return "\n".join(lines) + "\n"


_listeners = {}


def _count_statement(statements):
    """One listener per list (so it can be removed again): counts SQL statements."""
    key = id(statements)
    if key not in _listeners:

        def listener(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("BEGIN", "ROLLBACK", "COMMIT")):
                statements.append(statement)

        _listeners[key] = listener
    return _listeners[key]


def timed(fn, *args, **kw):
    start = time.perf_counter()
    result = fn(*args, **kw)
    return time.perf_counter() - start, result


def build_movements(app):
    """Bulk-insert MOVEMENTS sale/receipt movements over the products, then set the
    on-hand caches from their sums; a fifth of the products become consigned."""
    with app.app_context():
        engine = db.engine
        pg = engine.dialect.name == "postgresql"
        with engine.begin() as conn:
            conn.execute(
                sa.insert(Supplier.__table__),
                [
                    {
                        "name": "Beli putus",
                        "terms": "purchase",
                        "commission_percent": 0,
                        "umkm": False,
                        "active": True,
                        "created_at": datetime.now(UTC),
                    },
                    {
                        "name": "UMKM titip jual",
                        "terms": "consignment",
                        "commission_percent": 15,
                        "umkm": True,
                        "active": True,
                        "created_at": datetime.now(UTC),
                    },
                ],
            )
            sup = dict(conn.execute(sa.text("SELECT terms, id FROM inv_suppliers")).all())
            conn.execute(
                sa.text(
                    "UPDATE inv_products SET avg_cost = price * 8 / 10, supplier_id = :p "
                    "WHERE id % 5 <> 0"
                ),
                {"p": sup["purchase"]},
            )
            conn.execute(
                sa.text(
                    "UPDATE inv_products SET supplier_price = price * 8 / 10, supplier_id = :c "
                    "WHERE id % 5 = 0"
                ),
                {"c": sup["consignment"]},
            )
            ids = [r[0] for r in conn.execute(sa.text("SELECT id FROM inv_products"))]
        rng = random.Random(11)
        base = datetime(2026, 1, 1)

        def at(value):
            return value if pg else value.strftime("%Y-%m-%d %H:%M:%S.%f")

        table = StockMovement.__table__
        cols = ["product_id", "kind", "quantity", "unit_cost", "unit_price", "owner", "at"]
        start = time.perf_counter()
        # Load without the secondary indexes, then build them once (as a restore would).
        with engine.begin() as conn:
            for index in table.indexes:
                index.drop(conn)
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            if not pg:
                cur.execute("BEGIN")
            chunk = 100_000
            for offset in range(0, MOVEMENTS, chunk):
                rows = []
                for i in range(offset, min(MOVEMENTS, offset + chunk)):
                    pid = rng.choice(ids)
                    receipt = i % 10 == 0
                    rows.append(
                        (
                            pid,
                            "receipt" if receipt else "sale",
                            24000 if receipt else -1000,
                            1000,
                            None if receipt else 1500,
                            "mart",
                            at(base + timedelta(seconds=i * 7)),
                        )
                    )
                if pg:
                    with cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                else:
                    cur.executemany(
                        f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES (?,?,?,?,?,?,?)",
                        rows,
                    )
            raw.commit()
        finally:
            raw.close()
        with engine.begin() as conn:
            for index in table.indexes:
                index.create(conn)
            conn.execute(
                sa.text(
                    "UPDATE inv_products SET on_hand = COALESCE((SELECT SUM(m.quantity) "
                    "FROM inv_movements m WHERE m.product_id = inv_products.id), 0)"
                )
            )
            conn.exec_driver_sql("ANALYZE")
        return time.perf_counter() - start


def run(label, url, instance):
    print(f"\n== {label}: {PRODUCTS:,} products, {MOVEMENTS:,} movements")
    app = make_app(url, instance)
    text = csv_text(PRODUCTS)
    with app.app_context():
        seconds, result = timed(importer.import_products, text)
        db.session.commit()
    print(f"CSV import, {PRODUCTS:,} new rows:      {seconds:8.2f} s  ({result.created:,} created)")
    with app.app_context():
        seconds, result = timed(importer.import_products, text)
        db.session.commit()
    print(f"CSV import, {PRODUCTS:,} updated rows:  {seconds:8.2f} s  ({result.updated:,} updated)")

    seconds = build_movements(app)
    print(f"(built {MOVEMENTS:,} movements in {seconds:.1f} s)")

    rng = random.Random(3)
    for mode in ("session", "transaction"):
        with app.app_context():
            samples = []
            statements = []
            sa.event.listen(db.engine, "before_cursor_execute", _count_statement(statements))
            cpu0 = time.process_time()
            for _ in range(LOOKUPS):
                code = ean(rng.randrange(PRODUCTS))
                start = time.perf_counter()
                services.lookup_code(code)
                samples.append(time.perf_counter() - start)
                if mode == "session":
                    db.session.expunge_all()  # nothing cached: every lookup loads afresh
                else:
                    db.session.rollback()  # each lookup in its own transaction
            cpu = (time.process_time() - cpu0) / LOOKUPS * 1000
            sa.event.remove(db.engine, "before_cursor_execute", _count_statement(statements))
            samples.sort()
            p50 = samples[len(samples) // 2] * 1000
            p99 = samples[int(len(samples) * 0.99)] * 1000
        what = "in an open session  " if mode == "session" else "own transaction each"
        print(
            f"barcode lookup, {what}: p50 {p50:6.3f} ms  p99 {p99:6.3f} ms"
            f"  cpu {cpu:6.3f} ms/lookup  {len(statements) / LOOKUPS:.2f} SQL statements/lookup"
            f"  ({LOOKUPS})"
        )
    if PARTS == "lookup":
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        return

    with app.app_context():
        times, cpu = [], []
        for _ in range(3):
            c0 = time.process_time()
            t, (_cols, rows, extra) = timed(reports.stock_on_hand)
            cpu.append(time.process_time() - c0)
            times.append(t)
            db.session.rollback()
        print(
            f"stock-on-hand report:          {statistics.median(times) * 1000:8.1f} ms"
            f"  (cpu of this process {statistics.median(cpu) * 1000:.0f} ms;"
            f" {len(rows):,} rows, value Rp {extra['total_value']:,})"
        )
        t, value = timed(services.stock_value)
        print(f"stock_value() for the roll-up: {t * 1000:8.1f} ms  {value}")

    with app.app_context():
        sup = db.session.scalar(sa.text("SELECT id FROM inv_suppliers WHERE terms='purchase'"))
        times = []
        for round_ in range(5):
            pids = rng.sample(range(1, PRODUCTS + 1), 200)
            body = {
                "supplier_id": sup,
                "lines": [
                    {"product_id": pid, "quantity": 12, "unit_cost": 1000 + round_} for pid in pids
                ],
            }
            start = time.perf_counter()
            services.post_goods_receipt(body)
            db.session.commit()
            times.append(time.perf_counter() - start)
        print(
            f"200-line goods receipt posting: median {statistics.median(times) * 1000:7.1f} ms"
            f"  (max {max(times) * 1000:.1f} ms, 5 receipts)"
        )
    print(f"load average now: {os.getloadavg()}")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def on_each_database(run, prefix, which=None):
    """``run(label, url, instance)`` on a temporary SQLite file and on a fresh PostgreSQL
    database named ``<prefix>_<random>`` (dropped afterwards), as ``BENCH_DB`` says."""
    which = which or WHICH
    print(f"load average at start: {os.getloadavg()}, {os.cpu_count()} CPUs")
    if which in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            run("SQLite", f"sqlite:///{tmp}/bench.sqlite3", tmp)
    if which in ("postgres", "both"):
        try:
            admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
        except Exception as exc:
            print(f"\nSKIPPED PostgreSQL: {exc}")
            return
        name = f"{prefix}_{secrets.token_hex(4)}"
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            with tempfile.TemporaryDirectory() as tmp:
                run("PostgreSQL", f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}", tmp)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()


def main():
    on_each_database(run, "bench_inv")


if __name__ == "__main__":
    main()
