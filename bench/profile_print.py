"""In-process profile of the print worker: the CPU a receipt costs the workers' process.

Queues sales' receipts (a 10-line receipt and its cash-drawer kick each, written by
``printers.services.queue_receipt`` as the sale path does, one commit per sale) for 8
file printers, then runs the worker's ``run_once`` over them in passes of
``PROFILE_PER_PASS`` sales (a pass sees the sales of its gathering moment: at 100
sales/s and ``GATHER_SECONDS`` 0.05 that is about 5) and prints, per sale, the CPU time
of this process (time.process_time), the wall time and the SQL statements the worker
ran (a before_cursor_execute counter; an executemany counts once). The engine is the
workers' process's (``mart.workers_process``: ``pool_pre_ping``, on PostgreSQL
``synchronous_commit`` off), and the worker keeps its connection between passes as its
loop does (``run_once(keep=True)``).

    PROFILE_DB=sqlite|postgres (default postgres: a database of its own, dropped after)
    PROFILE_SALES=400 sales measured (after 40 warm-up sales)
    PROFILE_PER_PASS=5 sales a pass
    PROFILE_KEEP=0 a connection from the pool each pass (main's worker before 3 Dec had
        no ``keep``: set it there)
    PROFILE_CPROFILE=1 prints cProfile's 40 costliest functions by own time and by
        cumulative time
"""

import cProfile
import os
import pstats
import secrets
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from config import TestConfig  # noqa: E402
from mart import create_app  # noqa: E402
from mart.cli import upgrade_database  # noqa: E402
from mart.extensions import db  # noqa: E402
from printers import services  # noqa: E402
from printers.document import Document, Item, Total  # noqa: E402
from printers.models import PrintJob  # noqa: E402
from printers.worker import Worker  # noqa: E402

WHICH = os.environ.get("PROFILE_DB", "postgres")
SALES = int(os.environ.get("PROFILE_SALES", "400"))
WARMUP = 40
PER_PASS = int(os.environ.get("PROFILE_PER_PASS", "5"))
PRINTERS = 8
# The loop (Worker.run) keeps its connection between passes; main's worker had no such
# argument (PROFILE_KEEP=0 runs without it).
KEEP = {"keep": True} if os.environ.get("PROFILE_KEEP", "1") == "1" else {}
ADMIN_URL = os.environ.get(
    "MART_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def receipt(n: int) -> Document:
    """What ``pos.services.receipts.receipt_document`` gives a 10-line cash sale."""
    items = [
        Item(f"Barang {1000 + 37 * i + n}", Decimal(i % 3 + 1), 1500 * i, 1500 * i * (i % 3 + 1))
        for i in range(1, 11)
    ]
    total = sum(item.amount for item in items)
    number = f"R1-20261203-{n:05d}"
    return Document(
        header_lines=["OK OCE Mart Cabang Contoh", "Jl. Contoh No. 1, Jakarta"],
        info=[
            ("No.", number),
            ("Tanggal", "3 Des 2026 21:50"),
            ("Kasir", "Kasir 1"),
            ("Mesin", "R1"),
        ],
        items=items,
        totals=[
            Total("Subtotal", total),
            Total("Total", total, emphasis=True),
            Total("Tunai", 50_000_000),
            Total("Kembali", 50_000_000 - total, emphasis=True),
        ],
        footer_lines=["Terima kasih. Belanja di koperasi, untung bersama."],
        barcode=number,
    )


def setup(url, instance):
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(
        SQLALCHEMY_DATABASE_URI=url,
        MART_INSTANCE_PATH=instance,
        TESTING=False,
        SECRET_KEY="profile-print-secret-key-0123456789abcdef",
    )
    if url.startswith("postgres"):  # as mart.workers_process connects
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": os.environ.get("PROFILE_PRE_PING", "1") == "1",
            "connect_args": {"options": "-c synchronous_commit=off"},
        }
    app = create_app(config)
    folder = Path(instance) / "printers"
    folder.mkdir(parents=True, exist_ok=True)
    with app.app_context():
        upgrade_database()
        ids = []
        for n in range(1, PRINTERS + 1):
            printer = services.create_printer(
                {
                    "name": f"Kasir {n}",
                    "connection": "file",
                    "device": str(folder / f"printer-{n}.bin"),
                    "width": 48,
                    "profile": "TM-T20II",
                    "drawer": {"pin": 2, "pulse_ms": 100},
                }
            )
            ids.append(printer.id)
        db.session.commit()
    return app, ids


def queue(app, printer_ids, first, count):
    with app.app_context():
        for n in range(first, first + count):
            services.queue_receipt(
                receipt(n),
                printer_ids[n % len(printer_ids)],
                drawer=True,
                ref_type="sale",
                ref_id=n,
            )
            db.session.commit()
        db.session.remove()


def measure(app, printer_ids, worker, first, sales, profiler=None):
    statements = [0]

    def count(*_args):
        statements[0] += 1

    cpu = wall = 0.0
    done = 0
    engine = None
    with app.app_context():
        engine = db.engine
    for start in range(first, first + sales, PER_PASS):
        queue(app, printer_ids, start, PER_PASS)
        sa.event.listen(engine, "before_cursor_execute", count)
        c0, w0 = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        outcome = worker.run_once(**KEEP)
        if profiler:
            profiler.disable()
        cpu += time.process_time() - c0
        wall += time.perf_counter() - w0
        sa.event.remove(engine, "before_cursor_execute", count)
        done += outcome["done"]
    return cpu, wall, statements[0], done


def run(url):
    instance = tempfile.mkdtemp(prefix="profile-print-")
    app, printer_ids = setup(url, instance)
    worker = Worker(app)
    measure(app, printer_ids, worker, 0, WARMUP)
    profiler = cProfile.Profile() if os.environ.get("PROFILE_CPROFILE") == "1" else None
    cpu, wall, statements, done = measure(app, printer_ids, worker, WARMUP, SALES, profiler)
    with app.app_context():
        if hasattr(worker, "close"):
            worker.close()
        left = db.session.scalar(
            sa.select(sa.func.count()).select_from(PrintJob).where(PrintJob.status != "done")
        )
        db.session.remove()
        db.engine.dispose()
    load = os.getloadavg()
    print(
        f"{url.split('://')[0]}: {SALES} sales ({done} jobs printed, {left} not done), "
        f"{PER_PASS} a pass: CPU {1000 * cpu / SALES:.3f} ms a sale, wall "
        f"{1000 * wall / SALES:.3f} ms, {statements / SALES:.2f} statements a sale; "
        f"load {load[0]:.2f} {load[1]:.2f}"
    )
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(40)
        stats.sort_stats("cumulative").print_stats(60)


def main():
    if WHICH == "sqlite":
        run(f"sqlite:///{tempfile.mkdtemp(prefix='profile-print-db-')}/print.sqlite3")
        return
    name = f"mart_print_cpu_{secrets.token_hex(3)}"
    admin = psycopg.connect(ADMIN_URL, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        run(ADMIN_URL.rsplit("/", 1)[0] + "/" + name)
    finally:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.close()


if __name__ == "__main__":
    main()
