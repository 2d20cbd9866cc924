"""The hub's ingest in-process: signed daily reports posted through the Flask test
client to a hub on PostgreSQL (a fresh database, dropped afterwards), so the figure is
the app's own work per report (signature, validation, the statements, the commit)
without gunicorn or the network. Prints milliseconds per report and the load average.

    .venv/bin/python bench/bench_ingest.py
    BENCH_INGEST_BRANCHES=200 BENCH_INGEST_DAYS=5 BENCH_INGEST_PRODUCTS=20 \\
        .venv/bin/python bench/bench_ingest.py

Each report carries the demo's UMKM suppliers and BENCH_INGEST_PRODUCTS best sellers
(a branch sends its 20 best). The first BENCH_INGEST_DAYS days of every branch warm the
app up (its statements compiled, the connections open) and are not timed; the next as
many days are.
"""

import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_rollup as rollup_bench  # noqa: E402
from scratch_db import scratch_database  # noqa: E402

from rollup.demo import demo_report  # noqa: E402
from rollup.keys import sign  # noqa: E402

BRANCHES = int(os.environ.get("BENCH_INGEST_BRANCHES", 200))
DAYS = int(os.environ.get("BENCH_INGEST_DAYS", 5))
PRODUCTS = int(os.environ.get("BENCH_INGEST_PRODUCTS", 20))


def report(code, day, rng):
    data = demo_report(code, day, rng)
    data["top_products"] = [
        {
            "ref": str(n),
            "name": f"Produk {n}",
            "barcode": f"899{n:010d}",
            "unit": "pcs",
            "umkm": n % 3 == 0,
            "supplier": f"UMKM {n % 7}" if n % 3 == 0 else "",
            "quantity": str(rng.randint(1, 40)),
            "sales": rng.randint(10, 400) * 1_000,
        }
        for n in rng.sample(range(500), PRODUCTS)
    ]
    return json.dumps(data).encode()


def main():
    with scratch_database("mart_bench_ingest") as url:
        if url:
            run(url)


def run(url):
    with tempfile.TemporaryDirectory() as instance:
        app = rollup_bench.make_app(url, instance, MART_MODE="association")
        rollup_bench.BRANCHES = BRANCHES
        branch_keys = rollup_bench.register_branches(app)
        client, rng = app.test_client(), random.Random(1)

        def post(code, day):
            raw = report(code, day, rng)
            answer = client.post(
                "/api/v1/association/reports",
                data=raw,
                headers={
                    "Content-Type": "application/json",
                    "X-Mart-Branch": code,
                    "X-Mart-Signature": sign(raw, branch_keys[code]),
                },
            )
            assert answer.status_code == 201, answer.get_data(as_text=True)

        first = date(2026, 10, 1)
        for offset in range(DAYS):
            for code in branch_keys:
                post(code, first + timedelta(days=offset))
        times = []
        for offset in range(DAYS, 2 * DAYS):
            for code in branch_keys:
                start = time.perf_counter()
                post(code, first + timedelta(days=offset))
                times.append((time.perf_counter() - start) * 1000)
        q = statistics.quantiles(times, n=100)
        load = "/".join(f"{x:.2f}" for x in os.getloadavg())
        print(
            f"ingest, {len(times)} signed reports ({PRODUCTS} products, the demo's UMKM "
            f"suppliers) through the test client, PostgreSQL: mean "
            f"{statistics.fmean(times):.1f} ms, p50 {q[49]:.1f} ms, p99 {q[98]:.1f} ms "
            f"a report; load {load}"
        )


if __name__ == "__main__":
    import logging
    import warnings

    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    main()
