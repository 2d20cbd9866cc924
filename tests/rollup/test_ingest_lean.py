"""Lean ingest: the number of SQL statements one report costs the hub, counted on the
engine (every round trip to the database, BEGIN/COMMIT included), and that the lean
path stores the same figures as before (new, replaced, unchanged, UMKM suppliers)."""

import contextlib
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine.default import CACHE_HIT

from mart.extensions import db
from rollup import hub as hub_service
from rollup.models import (
    HubDaily,
    HubLatest,
    HubMonthly,
    HubProductMonthly,
    HubReport,
    HubUmkmMonthly,
)
from tests.rollup.conftest import make_report, signed_post

SUPPLIERS = [
    {"ref": str(n), "name": f"UMKM {n}", "member": n % 2 == 0, "permit": True,
     "has_page": False, "sales": 10_000 * n, "consignment_paid": 1_000 * n}
    for n in range(1, 4)
]  # fmt: skip

TOP = [
    {"ref": str(n), "name": f"Produk {n}", "barcode": f"89900{n}", "quantity": "1.5",
     "sales": 5_000 * n, "umkm": n == 1, "supplier": "UMKM 1" if n == 1 else ""}
    for n in (1, 2)
]  # fmt: skip

# Counted before this change (main 7947403), one new report:
#   PostgreSQL 14 statements, 20 with 3 UMKM suppliers: BEGIN, the branch, the report's
#   SELECT ... FOR UPDATE, SAVEPOINT, INSERT, RELEASE, the branch's last day,
#   hub_latest, hub_monthly, hub_daily, COMMIT, then BEGIN and two SELECTs reloading
#   the answer's figures after the commit (and 2 upserts per supplier);
#   SQLite 16 and 22 (its driver's BEGIN counted twice).
# Now: PostgreSQL 5 (BEGIN, the branch, INSERT ... ON CONFLICT DO NOTHING, one WITH ...
# of data-modifying CTEs, COMMIT) whatever the suppliers; SQLite 9, 11 with suppliers
# (10, 12 since hub_yearly: one more upsert, which PostgreSQL puts in the same WITH;
# 11, 13 since the running totals: one more UPDATE, on PostgreSQL in the same WITH, and
# the branch's lock taken by the INSERT).
MOST = {"postgresql": (5, 5), "sqlite": (11, 13)}


@contextlib.contextmanager
def counted(app):
    statements = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, *args):
        statements.append(statement.split(None, 1)[0].upper())

    def begin(conn):
        statements.append("BEGIN")

    def commit(conn):
        statements.append("COMMIT")

    event.listen(engine, "before_cursor_execute", count)
    event.listen(engine, "begin", begin)
    event.listen(engine, "commit", commit)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
        event.remove(engine, "begin", begin)
        event.remove(engine, "commit", commit)


def test_a_report_costs_few_statements(hub, hub_client, register):
    key = register("L1")
    with hub.app_context():
        day = hub_service.today() - timedelta(days=3)
    # The first report of a process may create its year's partition: not counted.
    assert signed_post(hub_client, "L1", key, make_report("L1", day)).status_code == 201

    with counted(hub) as plain:
        body = make_report("L1", day + timedelta(days=1), sales_net=7_000)
        assert signed_post(hub_client, "L1", key, body).status_code == 201
    with counted(hub) as umkm:
        body = make_report("L1", day + timedelta(days=2), umkm_suppliers=SUPPLIERS)
        assert signed_post(hub_client, "L1", key, body).status_code == 201
    print(f"statements per new report: {len(plain)} {plain}; with 3 suppliers: {len(umkm)}")
    with hub.app_context():
        most_new, most_suppliers = MOST[db.engine.dialect.name]
    assert len(plain) <= most_new, plain
    assert len(umkm) <= most_suppliers, umkm

    # The same report again: nothing updated (its INSERT ... DO NOTHING writes no row).
    with counted(hub) as again:
        assert signed_post(hub_client, "L1", key, body).status_code == 200
    assert not {"UPDATE", "DELETE", "WITH"} & set(again), again
    assert len(again) <= most_new, again


def test_the_lean_path_keeps_every_summary(hub, hub_client, register):
    key = register("L2")
    with hub.app_context():
        day = hub_service.today() - timedelta(days=2)
    first = make_report(
        "L2", day, sales_net=5_000, transactions=2, umkm_suppliers=SUPPLIERS, top_products=TOP
    )
    assert signed_post(hub_client, "L2", key, first).status_code == 201
    second = make_report(
        "L2", day, 2, sales_net=8_000, transactions=3, members_total=33,
        umkm_suppliers=[{**SUPPLIERS[0], "sales": 99_000}],
        top_products=[{**TOP[1], "sales": 7_000, "quantity": "2.5"}],
    )  # fmt: skip
    answer = signed_post(hub_client, "L2", key, second)
    assert answer.status_code == 201 and answer.json["outcome"] == "replaced"
    assert signed_post(hub_client, "L2", key, first).status_code == 401  # older revision
    with hub.app_context():
        report = db.session.scalar(sa.select(HubReport))
        assert (report.revision, report.sales_net, report.transactions) == (2, 8_000, 3)
        monthly = db.session.scalar(sa.select(HubMonthly))
        daily = db.session.get(HubDaily, day)
        for row in (monthly, daily):
            assert (row.reports, row.sales_net, row.transactions) == (1, 8_000, 3)
        # The refused older revision left the month's state as revision 2 made it.
        assert (monthly.last_date, monthly.members_total) == (day, 33)
        latest = db.session.scalar(sa.select(HubLatest))
        assert (latest.date, latest.members_total) == (day, 33)
        umkm = dict(db.session.execute(sa.select(HubUmkmMonthly.ref, HubUmkmMonthly.sales)).all())
        assert umkm == {"1": 99_000, "2": 0, "3": 0}
        products = db.session.execute(
            sa.select(HubProductMonthly.key, HubProductMonthly.quantity, HubProductMonthly.sales)
        ).all()
        assert sorted(products) == [("899001", 0, 0), ("899002", Decimal("2.5"), 7_000)]


@contextlib.contextmanager
def not_cached(app):
    """The statements the engine compiled anew (or could not cache) while the block ran:
    the first words of each, from ``context.cache_hit`` of every execution."""
    misses = []
    with app.app_context():
        engine = db.engine

    def note(conn, cursor, statement, parameters, context, executemany):
        if context.compiled is not None and context.cache_hit != CACHE_HIT:
            misses.append(f"{context.cache_hit.name}: {' '.join(statement.split()[:4])}")

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield misses
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _rows(n, sales):
    """``n`` UMKM suppliers and ``n`` best sellers, their sales from ``sales``."""
    suppliers = [{**SUPPLIERS[0], "ref": f"S{i}", "sales": sales + i} for i in range(n)]
    top = [{**TOP[1], "ref": f"P{i}", "barcode": f"77{i}", "sales": sales + i} for i in range(n)]
    return {"umkm_suppliers": suppliers, "top_products": top}


def test_reports_of_any_length_reuse_the_compiled_statements(hub, hub_client, register):
    """Before, the UMKM and product upserts were multi-row VALUES with no cache key, so
    every report compiled its statements (on PostgreSQL the whole batch of CTEs) anew.
    Now each shape of report (new day or revision; with or without suppliers and
    products) compiles once: reports with other numbers of rows compile nothing."""
    key = register("L3")
    with hub.app_context():
        first = hub_service.today() - timedelta(days=20)

    def post_day(day, n):
        new = make_report("L3", day, sales_net=1_000 + n, **_rows(n, 10_000))
        assert signed_post(hub_client, "L3", key, new).status_code == 201
        revised = make_report("L3", day, 2, sales_net=2_000 + n, **_rows(n + 1, 20_000))
        answer = signed_post(hub_client, "L3", key, revised)
        assert answer.status_code == 201, answer.json

    for n in (1, 2):  # each shape's first report compiles its statements
        post_day(first + timedelta(days=n), n)
    with not_cached(hub) as misses:
        for n in (3, 5, 8):
            post_day(first + timedelta(days=n), n)
    assert misses == []
