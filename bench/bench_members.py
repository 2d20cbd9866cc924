"""Members speed: SHU preview over many members and purchases; a member's own page.

Builds its own data in a temporary SQLite file and in a fresh PostgreSQL database
(dropped afterwards), then prints the figures.

    BENCH_MEMBERS=10000 BENCH_PURCHASES=1000000 python bench/bench_members.py
    BENCH_DB=sqlite|postgres|both (default both), BENCH_RUNS=3, BENCH_PAGE_RUNS=20

Members, their pokok + 12 months of wajib, and the purchases are bulk inserted (COPY on
PostgreSQL); the timed parts go through the real services and pages:
``members.services.shu_compute`` (what ``POST /shu/{year}/preview`` runs) and
``GET /members/me`` for a member with 5 years of history.
"""

import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from config import TestConfig  # noqa: E402
from mart import create_app  # noqa: E402
from mart.extensions import db  # noqa: E402

MEMBERS = int(os.environ.get("BENCH_MEMBERS", 10_000))
PURCHASES = int(os.environ.get("BENCH_PURCHASES", 1_000_000))
RUNS = int(os.environ.get("BENCH_RUNS", 3))
PAGE_RUNS = int(os.environ.get("BENCH_PAGE_RUNS", 20))
WHICH = os.environ.get("BENCH_DB", "both")
ADMIN_URL = os.environ.get(
    "MART_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
ALLOCATION = {
    "cadangan": 40,
    "jasa_modal": 20,
    "jasa_usaha": 20,
    "dana_pengurus": 5,
    "dana_karyawan": 5,
    "dana_pendidikan": 5,
    "dana_sosial": 5,
}


def make_app(url, instance):
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(SQLALCHEMY_DATABASE_URI=url, MART_INSTANCE_PATH=instance)
    app = create_app(config)
    with app.app_context():
        from mart.cli import upgrade_database

        try:
            upgrade_database()
        except Exception as exc:  # another package's migration still being written
            print(f"  (migrations: {type(exc).__name__}; using create_all)")
            db.session.rollback()
        db.metadata.create_all(db.engine, checkfirst=True)
    return app


def bulk(conn, table, columns, rows, postgres):
    """Insert many rows fast: COPY on PostgreSQL, executemany on SQLite."""
    raw = conn.connection.driver_connection
    if postgres:
        with (
            raw.cursor() as cur,
            cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in columns)
        raw.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def build(app, postgres):
    from members.services import business_date

    rng = random.Random(7)
    with app.app_context():
        today = business_date()
        year_start = date(today.year, 1, 1)
        join = date(today.year - 5, 1, 1)
        now = datetime.now(UTC).replace(tzinfo=None)
        started = time.perf_counter()
        with db.engine.begin() as conn:
            bulk(
                conn,
                "members",
                ["id", "member_no", "name", "nik", "phone", "join_date", "status", "created_at"],
                (
                    (
                        i,
                        f"M{i:06d}",
                        f"Anggota {i}",
                        f"3174{i:012d}",
                        f"08{i:010d}",
                        join,
                        "active",
                        now,
                    )
                    for i in range(1, MEMBERS + 1)
                ),
                postgres,
            )
            # The member-number counter continues after the bulk-inserted members.
            bulk(conn, "counters", ["name", "value"], [("member_no", MEMBERS)], postgres)
            wajib_months = 12
            bulk(
                conn,
                "savings_balances",
                ["member_id", "kind", "balance"],
                (
                    (i, kind, amount)
                    for i in range(1, MEMBERS + 1)
                    for kind, amount in (
                        ("pokok", 100_000),
                        ("wajib", 20_000 * wajib_months),
                        ("sukarela", 0),
                    )
                ),
                postgres,
            )

            def entries():
                for i in range(1, MEMBERS + 1):
                    yield (i, "pokok", "deposit", 100_000, join, now)
                    for m in range(wajib_months):
                        on = date(today.year - 1, m + 1, 5)
                        yield (i, "wajib", "deposit", 20_000, on, now)

            bulk(
                conn,
                "savings_entries",
                ["member_id", "kind", "entry_type", "amount", "booked_on", "at"],
                entries(),
                postgres,
            )
            days = (today - year_start).days + 1

            def purchases():
                for _ in range(PURCHASES):
                    amount = rng.randint(5, 600) * 500
                    if rng.random() < 0.02:
                        amount = -amount  # a return
                    yield (
                        rng.randint(1, MEMBERS),
                        year_start + timedelta(days=rng.randrange(days)),
                        amount,
                        "bench",
                        now,
                    )

            bulk(
                conn,
                "member_purchases",
                ["member_id", "purchase_date", "amount", "ref_type", "at"],
                purchases(),
                postgres,
            )
            if postgres:
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('members', 'id'), {MEMBERS})"
                )
                conn.exec_driver_sql("ANALYZE")
            else:
                conn.exec_driver_sql("ANALYZE")
        print(
            f"  built {MEMBERS:,} members, {MEMBERS * 13:,} savings entries, "
            f"{PURCHASES:,} purchases in {time.perf_counter() - started:.1f} s"
        )
        return today


def bench_shu(app, today):
    from members import services

    times = []
    result = None
    for _ in range(RUNS):
        with app.test_request_context(method="POST"):
            started = time.perf_counter()
            result = services.shu_compute(today.year, 987_654_321, ALLOCATION)
            times.append(time.perf_counter() - started)
            db.session.rollback()
    paid = sum(m["total"] for m in result.members)
    assert paid + result.rounding_to_cadangan == (
        result.parts["jasa_modal"] + result.parts["jasa_usaha"]
    )
    assert sum(result.parts.values()) == 987_654_321
    print(
        f"  SHU preview, {len(result.members):,} members / {PURCHASES:,} purchases: "
        f"best {min(times):.3f} s, median {statistics.median(times):.3f} s "
        f"(target < 2 s); rounding to cadangan Rp {result.rounding_to_cadangan:,}"
    )
    # The whole HTTP call too (JSON of 10,000 members included).
    from mart.auth import issue_token
    from mart.cli import create_user

    with app.app_context():
        user = create_user(f"bench-{secrets.token_hex(3)}", ["manager"], "bench-pass-1")
        token, _ = issue_token(user)
        db.session.commit()
    client = app.test_client()
    started = time.perf_counter()
    response = client.post(
        f"/api/v1/shu/{today.year}/preview",
        json={"surplus": 987_654_321, "allocation": ALLOCATION},
        headers={"Authorization": f"Bearer {token}"},
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.json
    print(
        f"  POST /shu/{today.year}/preview over HTTP (JSON {len(response.data):,} bytes): "
        f"{elapsed:.3f} s"
    )


def bench_member_page(app, today, postgres):
    """One member with 5 years of history: 60 months of wajib, sukarela twice a month,
    a purchase most days."""
    from mart.cli import create_user
    from members import services

    rng = random.Random(11)
    with app.test_request_context(method="POST"):
        member = services.register_member(
            "Anggota Lama",
            "3174999999999999",
            "081299999999",
            join_date=date(today.year - 5, today.month, 1),
            pay_pokok=True,
        )
        no = member.member_no
        db.session.flush()
        for m in range(60):
            entry = services.deposit(no, "wajib", 20_000)
            entry.booked_on = date(
                today.year - 5 + (today.month - 1 + m) // 12, (today.month - 1 + m) % 12 + 1, 5
            )
        for k in range(120):
            entry = services.deposit(no, "sukarela", rng.randint(1, 40) * 5_000)
            if k % 4 == 3:
                services.withdraw(no, "sukarela", 5_000)
        rows = [
            {
                "member_id": member.id,
                "purchase_date": today - timedelta(days=d),
                "amount": rng.randint(5, 300) * 500,
                "ref_type": "bench",
                "at": datetime.now(UTC),
            }
            for d in range(0, 5 * 365)
            if rng.random() < 0.8
        ]
        from members.models import MemberPurchase

        db.session.execute(sa.insert(MemberPurchase), rows)
        user = create_user(
            f"anggota-{secrets.token_hex(3)}", ["member"], "bench-pass-1", member_no=no
        )
        db.session.commit()
        user_id = user.id
        entries = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(services.SavingsEntry)
            .where(services.SavingsEntry.member_id == member.id)
        )
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
    assert client.get("/members/me").status_code == 200  # warm up
    times = []
    for _ in range(PAGE_RUNS):
        started = time.perf_counter()
        response = client.get("/members/me")
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    print(
        f"  member page /members/me, {entries} savings entries + {len(rows):,} purchases "
        f"over 5 years: median {statistics.median(times) * 1000:.1f} ms, "
        f"max {max(times) * 1000:.1f} ms (target < 50 ms)"
    )


def run(url, postgres):
    with tempfile.TemporaryDirectory() as instance:
        app = make_app(url, instance)
        today = build(app, postgres)
        bench_shu(app, today)
        bench_member_page(app, today, postgres)
        with app.app_context():
            db.engine.dispose()


def main():
    if WHICH in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            print(f"== SQLite ({MEMBERS:,} members, {PURCHASES:,} purchases)")
            run(f"sqlite:///{tmp}/bench.sqlite3", postgres=False)
    if WHICH in ("postgres", "both"):
        import psycopg

        try:
            admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
        except psycopg.OperationalError as exc:
            print(f"== PostgreSQL skipped: {exc}")
            return
        name = f"mart_bench_{secrets.token_hex(4)}"
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            print(f"== PostgreSQL ({MEMBERS:,} members, {PURCHASES:,} purchases)")
            run(f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}", postgres=True)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()


if __name__ == "__main__":
    main()
