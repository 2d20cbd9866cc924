"""Printers benchmark: receipt rendering, queueing cost, worker throughput.

    .venv/bin/python bench/bench_printers.py
    BENCH_SCALE=0.2 .venv/bin/python bench/bench_printers.py     # smaller, faster
    .venv/bin/python tests/pg_run.py .venv/bin/python bench/bench_printers.py  # PostgreSQL

Prints mean / p50 / p99 in milliseconds. Targets (issue 5): a 40-line receipt to
ESC/POS bytes under 5 ms; queueing adds next to nothing to a sale's transaction.
"""

import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from mart import create_app
from mart.cli import upgrade_database
from mart.extensions import db
from printers import escpos_out, layout, services
from printers.document import Document, Item, Total
from printers.worker import Worker
from tests.fakeprinter import FakePrinter

SCALE = float(os.environ.get("BENCH_SCALE", "1"))


def n(count):
    return max(5, int(count * SCALE))


def stats(name, samples_s, cpu_s=None):
    ms = sorted(s * 1000 for s in samples_s)
    p = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))]  # noqa: E731
    cpu = f"  cpu {1000 * cpu_s / len(ms):7.3f} ms" if cpu_s is not None else ""
    print(
        f"{name:<58} n={len(ms):>5}  mean {statistics.fmean(ms):7.3f} ms  "
        f"p50 {p(0.50):7.3f} ms  p99 {p(0.99):7.3f} ms{cpu}"
    )


def timed(fn, count):
    """Wall time of each call, and the process CPU time of them all (the machine may be
    shared: CPU time is what the work itself costs)."""
    samples = []
    cpu0 = time.process_time()
    for i in range(count):
        t = time.perf_counter()
        fn(i)
        samples.append(time.perf_counter() - t)
    return samples, time.process_time() - cpu0


def receipt(lines=40, qr=False):
    items = [
        Item(
            f"Produk UMKM nomor {i} rasa original kemasan hemat",
            Decimal(i % 3 + 1),
            1500 * i,
            1500 * i * (i % 3 + 1),
            note="Diskon anggota -500" if i % 7 == 0 else None,
        )
        for i in range(1, lines + 1)
    ]
    total = sum(item.amount for item in items)
    return Document(
        header_lines=["OK OCE Mart Demo", "Jl. Contoh No. 1, Jakarta"],
        title="STRUK PENJUALAN",
        info=[("No", "JKT01-000123"), ("Kasir", "Sari"), ("Anggota", "A-000042 Budi")],
        items=items,
        totals=[Total("TOTAL", total, True), Total("Tunai", total + 500), Total("Kembali", 500)],
        footer_lines=["Terima kasih. Belanja di koperasi, untung bersama."],
        qr_payload="00020101021126570011ID.DANA.WWW0118936009150000000001" if qr else None,
        barcode="JKT01-000123",
    )


def bench_rendering():

    print("== rendering (no database)")
    for width, profile in ((32, "POS-5890"), (48, "TM-T20II")):
        _bench_width(width, profile)


def _bench_width(width, profile):
    doc = receipt(40)
    size = len(escpos_out.document_bytes(doc, width=width, profile=profile))  # warm up
    stats(
        f"40-item receipt -> ESC/POS, {width} col {profile} ({size} B)",
        *timed(lambda i: escpos_out.document_bytes(doc, width=width, profile=profile), n(500)),
    )
    doc_qr = receipt(40, qr=True)
    kind = "native QR" if escpos_out.profile_features(profile).get("qrCode") else "QR image"

    def fresh_qr(i):
        doc_qr.qr_payload = f"00020101021226570011ID.DANA.WWW0118936009150000{i:08d}"
        escpos_out.document_bytes(doc_qr, width=width, profile=profile)

    stats(f"  same with {kind} (a new payload each time), {width} col", *timed(fresh_qr, n(200)))
    stats(
        f"  same with {kind} (payload seen before), {width} col",
        *timed(lambda i: escpos_out.document_bytes(doc_qr, width=width, profile=profile), n(200)),
    )
    stats(
        f"  text preview only, {width} col",
        *timed(lambda i: layout.render_text(doc, width), n(500)),
    )


def bench_queue_and_worker():
    tmp = tempfile.mkdtemp(prefix="bench-printers-")
    url = (
        os.environ.get("MART_BENCH_DATABASE_URL")
        or os.environ.get("MART_TEST_DATABASE_URL")  # tests/pg_run.py gives a fresh one
        or f"sqlite:///{tmp}/bench.sqlite3"
    )
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "MART_INSTANCE_PATH": tmp,
            "SECRET_KEY": "bench",
            "TESTING": True,
            "MART_PRINTER_HOSTS": "127.0.0.1",  # the fake printer, on a port it picks
            "MART_PRINTER_PORTS": "1024-65535",
        }
    )
    print(f"== queue and worker on {url.split('://')[0]}")
    fake = FakePrinter()
    fake.start()
    try:
        with app.app_context():
            upgrade_database()
            name = f"Bench {os.getpid()} {time.time_ns()}"
            printer = services.create_printer(
                {
                    "name": name,
                    "connection": "network",
                    "host": "127.0.0.1",
                    "port": fake.port,
                    "width": 48,
                }
            )
            db.session.commit()
            doc = receipt(40)
            queue_s, commit_s = [], []
            count = n(300)
            for _ in range(count):
                t0 = time.perf_counter()
                services.queue_document(doc, printer.id, ref_type="sale", ref_id="bench")
                t1 = time.perf_counter()
                db.session.commit()
                commit_s.append(time.perf_counter() - t1)
                queue_s.append(t1 - t0)
            stats("queue_document (insert + flush) inside a transaction", queue_s)
            stats("  the commit of that transaction", commit_s)
            status_s = []
            for _ in range(n(200)):
                t = time.perf_counter()
                services.queue_status(printer.id)
                status_s.append(time.perf_counter() - t)
            stats(f"queue_status (banner) with {count} jobs waiting", status_s)
        worker = Worker(app, name="bench")
        t = time.perf_counter()
        done = 0
        while done < count:
            got = worker.run_once()["done"]
            if not got:
                break
            done += got
        elapsed = time.perf_counter() - t
        fake.settle()
        print(
            f"worker: {done} receipts sent to a loopback network printer in {elapsed:.2f} s "
            f"({done / elapsed:.0f}/s, {1000 * elapsed / max(done, 1):.2f} ms each "
            f"incl. DLE EOT before and after); printed {len(fake.jobs)}"
        )
    finally:
        fake.stop()
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    import logging

    logging.getLogger("mart").setLevel(logging.WARNING)
    bench_rendering()
    bench_queue_and_worker()
