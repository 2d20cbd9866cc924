"""The books' reports over a year of BENCH_BOOKS_SALES (1,000,000) sales, on SQLite and
on PostgreSQL (target: trial balance, neraca and the year's PHU each < 1 s).

Bulk-loads, with SQL, a year of sales at the counter (the ``sales`` rows the PHU's
member / non-member split reads, a third of them members') and their journals (five
lines each: kas, penjualan, PPN keluaran, HPP, persediaan), then times:
- the first fold of the journal lines into the per-day sums (once, after the load);
- trial balance, neraca and the year's PHU (median and best of 5, after the fold);
- for comparison, the same grouped sum read straight from the journal lines.

    .venv/bin/python bench/bench_books.py
    BENCH_BOOKS_SALES=100000 BENCH_BOOKS_DB=postgresql .venv/bin/python bench/bench_books.py
"""

import os
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from scratch_db import scratch_database  # noqa: E402

from books import reports  # noqa: E402
from books.models import Journal, JournalLine  # noqa: E402
from books.services import ensure_chart  # noqa: E402
from config import TestConfig  # noqa: E402
from mart import create_app  # noqa: E402
from mart.cli import create_user, upgrade_database  # noqa: E402
from mart.extensions import db  # noqa: E402
from pos.models import Register, Sale, Shift  # noqa: E402

SALES = int(os.environ.get("BENCH_BOOKS_SALES", 1_000_000))
CHUNK = 20_000
REPEAT = 5


def config(url, instance):
    base = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    base.update(
        TESTING=False,
        SQLALCHEMY_DATABASE_URI=url,
        MART_INSTANCE_PATH=instance,
        SECRET_KEY="bench-secret-of-the-books-benchmark-0123456789",
        MART_BOOKS_SUMMARY_LAG_SECONDS=0,
    )
    return base


def timed(fn, repeat=REPEAT):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def load(app, year):
    """A year of SALES sales and their journals, inserted in chunks with Core."""
    with app.app_context():
        roles = ensure_chart()
        user = create_user(f"bench-{secrets.token_hex(3)}", ["cashier"], "bench-pass-123", "B")
        register = Register(code="B1", name="Bench")
        db.session.add(register)
        db.session.flush()
        shift = Shift(register_id=register.id, cashier_id=user.id, opening_float=0)
        db.session.add(shift)
        db.session.commit()
        days = 365
        now = datetime(year, 12, 31, tzinfo=UTC)
        sales, journals, lines = [], [], []
        line_id = 0
        started = time.perf_counter()
        for i in range(1, SALES + 1):
            on = date(year, 1, 1) + timedelta(days=(i * days) // (SALES + 1))
            net = 20_000 + (i % 97) * 500
            ppn = net * 11 // 100
            cost = net * 78 // 100
            member = f"M{i % 5000:06d}" if i % 3 == 0 else None
            sales.append(
                {
                    "id": str(uuid.UUID(int=i)),
                    "number": f"B1-{i:09d}",
                    "register_id": register.id,
                    "shift_id": shift.id,
                    "cashier_id": user.id,
                    "member_no": member,
                    "subtotal": net + ppn,
                    "line_discount": 0,
                    "sale_discount": 0,
                    "discount": 0,
                    "total": net + ppn,
                    "rounding": 0,
                    "taxable": net + ppn,
                    "dpp": net * 11 // 12,
                    "ppn": ppn,
                    "paid": net + ppn,
                    "change": 0,
                    "status": "completed",
                    "business_date": on,
                    "created_at": now,
                }
            )
            journals.append(
                {
                    "id": i,
                    "date": on,
                    "memo": f"Penjualan B1-{i:09d}",
                    "source_type": "sale",
                    "source_id": str(uuid.UUID(int=i)),
                    "source_number": f"B1-{i:09d}",
                    "created_at": now,
                    "kind": "event",
                }
            )
            for role, debit, credit in (
                ("kas", net + ppn, 0),
                ("penjualan", 0, net),
                ("ppn_keluaran", 0, ppn),
                ("hpp", cost, 0),
                ("persediaan", 0, cost),
            ):
                line_id += 1
                lines.append(
                    {
                        "id": line_id,
                        "journal_id": i,
                        "account_id": roles[role],
                        "debit": debit,
                        "credit": credit,
                    }
                )
            if len(journals) >= CHUNK or i == SALES:
                if db.engine.dialect.name == "postgresql":
                    _copy([(Sale, sales), (Journal, journals), (JournalLine, lines)])
                else:
                    db.session.execute(sa.insert(Sale.__table__), sales)
                    db.session.execute(sa.insert(Journal.__table__), journals)
                    db.session.execute(sa.insert(JournalLine.__table__), lines)
                db.session.commit()
                sales, journals, lines = [], [], []
        if db.engine.dialect.name == "postgresql":
            for table in ("books_journals", "books_journal_lines"):
                db.session.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
            db.session.commit()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        else:
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        return time.perf_counter() - started, line_id


def _copy(batches):
    """PostgreSQL: the rows through COPY (much faster than inserts)."""
    conn = db.session.connection().connection.driver_connection
    with conn.cursor() as cur:
        for model, rows in batches:
            columns = list(rows[0])
            names = ", ".join(f'"{c}"' for c in columns)
            with cur.copy(f"COPY {model.__tablename__} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row[c] for c in columns])


def bench(label, url):
    with tempfile.TemporaryDirectory() as instance:
        app = create_app(config(url, instance))
        with app.app_context():
            upgrade_database()
            db.session.remove()
        year = date.today().year - 1
        seconds, n_lines = load(app, year)
        print(f"== {label}: {SALES:,} sales, {n_lines:,} journal lines, loaded in {seconds:.0f} s")
        with app.app_context():
            start = time.perf_counter()
            folded = reports.refresh_summary()
            db.session.commit()
            print(f"   first fold of {folded:,} lines into the per-day sums: "
                  f"{time.perf_counter() - start:.1f} s (once)")  # fmt: skip
            end = date(year, 12, 31)
            for name, fn in (
                ("trial balance", lambda: reports.trial_balance(end)),
                ("neraca", lambda: reports.balance_sheet(end)),
                ("PHU of the year", lambda: reports.income_statement(date(year, 1, 1), end)),
            ):
                median, best = timed(fn)
                print(f"   {name:<16} p50 {median:7.1f} ms  best {best:7.1f} ms")
            phu = reports.income_statement(date(year, 1, 1), end)
            print(f"   (PHU surplus Rp {phu['surplus']:,}, of it non-members "
                  f"Rp {phu['surplus_non_members']:,})")  # fmt: skip

            L, J = JournalLine.__table__, Journal.__table__
            raw = (
                sa.select(L.c.account_id, sa.func.sum(L.c.debit), sa.func.sum(L.c.credit))
                .select_from(L.join(J, J.c.id == L.c.journal_id))
                .where(J.c.date <= end)
                .group_by(L.c.account_id)
            )
            median, best = timed(lambda: db.session.execute(raw).all(), repeat=1)
            print(f"   (the same sums straight from the lines: {median:7.1f} ms)")
            db.session.remove()
            db.engine.dispose()


def main():
    which = os.environ.get("BENCH_BOOKS_DB", "sqlite,postgresql").split(",")
    print(f"load average {os.getloadavg()}")
    if "sqlite" in which:
        with tempfile.TemporaryDirectory() as tmp:
            bench("SQLite", f"sqlite:///{tmp}/bench_books.db")
        print(f"load average {os.getloadavg()}")
    if "postgresql" not in which:
        return
    with scratch_database("mart_bench_books") as url:
        if url is None:
            return
        bench("PostgreSQL", url)
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    import logging
    import warnings

    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    main()
