"""Purchase suggestions for a supplier with 500 products (target: under 300 ms).

Builds its own data in a temporary SQLite file and a fresh PostgreSQL database
(dropped afterwards): ``BENCH_SUPPLIER_PRODUCTS`` (500) products of the supplier
measured plus ``BENCH_OTHER_PRODUCTS`` (5,000) of 20 other suppliers, sale movements
over the last 10 weeks (``BENCH_SALES_PER_PRODUCT``, 60 each) and two open purchase
orders of the supplier; then times ``purchasing.suggestions()`` ``BENCH_RUNS`` (50)
times and prints p50/p95/max with the load average.

    python bench/bench_purchasing.py      BENCH_DB=sqlite|postgres|both (default both)
"""

import os
import random
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from bench_inventory import on_each_database  # noqa: E402

from config import TestConfig  # noqa: E402
from inventory import purchasing  # noqa: E402
from inventory.models import Product, StockMovement, Supplier  # noqa: E402
from mart import create_app  # noqa: E402
from mart.cli import upgrade_database  # noqa: E402
from mart.db import utcnow  # noqa: E402
from mart.extensions import db  # noqa: E402

OWN = int(os.environ.get("BENCH_SUPPLIER_PRODUCTS", 500))
OTHER = int(os.environ.get("BENCH_OTHER_PRODUCTS", 5000))
SALES = int(os.environ.get("BENCH_SALES_PER_PRODUCT", 60))
RUNS = int(os.environ.get("BENCH_RUNS", 50))
WHICH = os.environ.get("BENCH_DB", "both")


def make_app(url, instance):
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(SQLALCHEMY_DATABASE_URI=url, MART_INSTANCE_PATH=instance)
    app = create_app(config)
    with app.app_context():
        upgrade_database()
    return app


def build(app):
    rng = random.Random(11)
    now = utcnow()
    with app.app_context():
        suppliers = [Supplier(name=f"Pemasok {i}", terms="purchase") for i in range(21)]
        db.session.add_all(suppliers)
        db.session.flush()
        ids = [s.id for s in suppliers]
        rows = []
        for n in range(OWN + OTHER):
            rows.append(
                {
                    "sku": f"B{n:06d}",
                    "name": f"Barang {n}",
                    "search_text": f"barang {n}",
                    "unit": "pcs",
                    "price": 5000,
                    "tax": "ppn",
                    "supplier_id": ids[0] if n < OWN else ids[1 + n % 20],
                    "reorder_point": Decimal(rng.randint(0, 30)),
                    "active": True,
                    "tracks_expiry": False,
                    "avg_cost": 4000,
                    "on_hand": Decimal(rng.randint(-5, 60)),
                    "created_at": now,
                    "updated_at": now,
                }
            )
        db.session.execute(sa.insert(Product.__table__), rows)
        pids = db.session.scalars(sa.select(Product.id).order_by(Product.id)).all()
        moves = []
        for pid in pids:
            for _ in range(SALES):
                moves.append(
                    {
                        "product_id": pid,
                        "kind": "sale",
                        "quantity": Decimal(-rng.randint(1, 3)),
                        "unit_cost": 4000,
                        "unit_price": 5000,
                        "owner": "mart",
                        "ref_type": "sale",
                        "ref_id": "b",
                        "at": now - timedelta(minutes=rng.randint(0, 70 * 24 * 60)),
                    }
                )
            if len(moves) > 50_000:
                db.session.execute(sa.insert(StockMovement.__table__), moves)
                moves = []
        if moves:
            db.session.execute(sa.insert(StockMovement.__table__), moves)
        for start in (0, 250):
            purchasing.create_order(
                {
                    "supplier_id": ids[0],
                    "lines": [
                        {"product_id": pid, "quantity": Decimal(10)}
                        for pid in pids[start : start + 100]
                    ],
                }
            )
        db.session.commit()
        return ids[0]


def run(label, url, instance):
    app = make_app(url, instance)
    t0 = time.perf_counter()
    supplier_id = build(app)
    print(f"\n{label}: data built in {time.perf_counter() - t0:.1f} s")
    times, cpu = [], []
    with app.app_context():
        result = purchasing.suggestions(supplier_id)  # warm-up
        for _ in range(RUNS):
            start, start_cpu = time.perf_counter(), time.process_time()
            result = purchasing.suggestions(supplier_id)
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            db.session.rollback()
    times.sort()
    print(
        f"  suggestions for {OWN} products ({len(result['items'])} to order): "
        f"p50 {statistics.median(times):.1f} ms, p95 {times[int(len(times) * 0.95) - 1]:.1f} ms, "
        f"max {times[-1]:.1f} ms (target < 300 ms); this process's CPU p50 "
        f"{statistics.median(cpu):.1f} ms; load average {os.getloadavg()}"
    )


def main():
    on_each_database(run, "bench_po", WHICH)


if __name__ == "__main__":
    main()
