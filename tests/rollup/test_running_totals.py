"""The branches' running totals (``cum_*`` of hub_reports and hub_latest, issue 16):
whatever order reports and revisions arrive in, every report's totals equal the plain
running sums of its branch's reports, and a period's sums read from them (the kota and
kecamatan breakdowns, ``branch_sums``) equal the plain sums of the reports in it; the
migration that adds them fills them from the reports already held."""

import json
import threading
from datetime import date, timedelta

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mart.extensions import db
from rollup import hub as hub_service
from rollup import partitions
from rollup.models import CUM_FIELDS, SUM_FIELDS, HubLatest, HubReport
from rollup.schemas import RollupReportIn
from tests.rollup.conftest import make_report, signed_post

SUMMED = ("reports",) + SUM_FIELDS
START = date(2025, 11, 24)  # the days cross two month ends and a year's
DAYS = 75
BRANCHES = (("A1", "Kota A", "Kec 1"), ("A2", "Kota A", "Kec 1"), ("A3", "Kota A", "Kec 2"))
BRANCHES += (("B1", "Kota B", "Kec 3"),)


def _running_totals_are_exact():
    """Every report's running totals are the plain running sums of its branch's reports
    (in date order), and each branch's hub_latest totals the sums of all of them.
    Returns the reports per branch id, in date order."""
    r = HubReport
    rows = db.session.execute(
        sa.select(r.branch_id, r.date, *[getattr(r, f) for f in SUM_FIELDS + CUM_FIELDS]).order_by(
            r.branch_id, r.date
        )
    ).all()
    per_branch, totals = {}, {}
    for row in rows:
        figures = dict(zip(SUM_FIELDS, row[2 : 2 + len(SUM_FIELDS)], strict=True))
        figures["reports"] = 1
        running = totals.setdefault(row[0], dict.fromkeys(SUMMED, 0))
        for name in SUMMED:
            running[name] += figures[name]
        held = dict(zip(CUM_FIELDS, row[2 + len(SUM_FIELDS) :], strict=True))
        assert held == {f"cum_{n}": running[n] for n in SUMMED}, (row[0], row[1])
        per_branch.setdefault(row[0], []).append(row[1])
    latest = {
        row[0]: dict(zip(SUMMED, row[1:], strict=True))
        for row in db.session.execute(
            sa.select(HubLatest.branch_id, *[getattr(HubLatest, c) for c in CUM_FIELDS])
        )
    }
    assert latest == totals
    return per_branch


report_ops = st.lists(
    st.tuples(
        st.integers(0, len(BRANCHES) - 1),
        st.integers(min_value=0, max_value=DAYS - 1),  # day offset
        st.integers(min_value=1, max_value=3),  # revision
        st.integers(min_value=-50_000, max_value=10**9),  # sales_net
        st.integers(min_value=0, max_value=500),  # transactions
        st.integers(min_value=0, max_value=400),  # members_total
    ),
    max_size=45,
)
offsets = st.integers(-3, DAYS + 3)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=report_ops, periods=st.lists(st.tuples(offsets, offsets), min_size=1, max_size=4))
def test_running_totals_and_period_sums_equal_the_reports(hub, ops, periods):
    schema = RollupReportIn()
    with hub.app_context():
        # The years' partitions first (PostgreSQL), on their own connection.
        partitions.ensure_years(db.engine, [START.year, START.year + 1])
        try:
            branches = [
                hub_service.add_branch(code, f"Mart {code}", kota, kec)[0]
                for code, kota, kec in BRANCHES
            ]
            held = {}  # (branch index, day) -> (revision, figures)
            for n, offset, revision, net, tx, members in ops:
                day = START + timedelta(days=offset)
                code = BRANCHES[n][0]
                figures = {"sales_net": net, "transactions": tx, "members_total": members}
                body = make_report(code, day, revision, **figures)
                current = held.get((n, day))
                try:
                    with db.session.begin_nested():
                        hub_service.ingest(
                            branches[n], schema.load(body), json.dumps(body).encode()
                        )
                except Exception:
                    # Refused: an older revision, or the same revision with other figures.
                    assert current is not None and revision <= current[0]
                    continue
                if current is None or revision > current[0]:
                    held[(n, day)] = (revision, figures)

            _running_totals_are_exact()
            plain = make_report("X", START)  # the figures every report shares
            for a, b in periods:
                date_from = START + timedelta(days=min(a, b))
                date_to = START + timedelta(days=max(a, b))
                expected = {}  # branch index -> sums, and its last report's state
                for (n, day), (_revision, figures) in sorted(held.items(), key=lambda i: i[0][1]):
                    if not date_from <= day <= date_to:
                        continue
                    mine = expected.setdefault(n, {**dict.fromkeys(SUMMED, 0), "members": 0})
                    mine["reports"] += 1
                    for name in SUM_FIELDS:
                        mine[name] += figures.get(name, plain[name])
                    mine["members"] = figures["members_total"]
                zero = {**dict.fromkeys(SUMMED, 0), "members": 0}
                sums = hub_service.branch_sums(date_from, date_to)
                for n, branch in enumerate(branches):
                    want = expected.get(n, zero)
                    got = sums.get(branch.id) or dict.fromkeys(SUMMED, 0)
                    assert got == {k: want[k] for k in SUMMED}, (BRANCHES[n], date_from, date_to)
                kota, kec = hub_service.kota_and_kecamatan(date_from, date_to, 3, 1, 50)
                groups = hub_service.group_totals(date_from, date_to, "kecamatan", 3)
                assert sorted(kec, key=lambda g: (g["kota"], g["kecamatan"])) == groups
                for rows, by in ((kota, "kota"), (kec, "kecamatan")):
                    assert len(rows) == len({b[1 if by == "kota" else 2] for b in BRANCHES})
                    for group in rows:
                        inside = [
                            n
                            for n, (_c, k, kc) in enumerate(BRANCHES)
                            if k == group["kota"] and (by == "kota" or kc == group["kecamatan"])
                        ]
                        mine = [expected.get(n, zero) for n in inside]
                        assert group["days_reported"] == sum(m["reports"] for m in mine)
                        for name in SUM_FIELDS:
                            assert group[name] == sum(m[name] for m in mine), (by, name)
                        assert group["members_total"] == sum(m["members"] for m in mine)
                        assert group["branches_reporting"] == sum(
                            1 for n in inside if n in expected
                        )
        finally:
            db.session.rollback()


def test_ingest_serialises_a_branchs_reports(hub, hub_client, register):
    """Days in and out of order, revisions of early days, repeats: the totals stay the
    plain running sums (the revisions move every later day's)."""
    with hub.app_context():
        y = hub_service.today().year - 1
        partitions.ensure_years(db.engine, [y])
    key = register("R1")
    days = [date(y, 3, d) for d in (10, 12, 11, 20, 1, 31)] + [date(y, 4, 2)]
    for n, day in enumerate(days):
        body = make_report("R1", day, sales_net=1000 * (n + 1), transactions=n)
        assert signed_post(hub_client, "R1", key, body).status_code == 201
    for day, revision in ((date(y, 3, 1), 2), (date(y, 3, 11), 2), (date(y, 3, 1), 3)):
        body = make_report("R1", day, revision, sales_net=7 * revision, discounts=revision)
        assert signed_post(hub_client, "R1", key, body).json["outcome"] == "replaced"
    body = make_report("R1", date(y, 4, 2), 2, members_total=999)  # states only
    assert signed_post(hub_client, "R1", key, body).json["outcome"] == "replaced"
    assert signed_post(hub_client, "R1", key, body).json["outcome"] == "unchanged"
    with hub.app_context():
        assert len(_running_totals_are_exact()[hub_service.get_branch("R1").id]) == 7
        sums = hub_service.branch_sums(date(y, 3, 2), date(y, 3, 31))
        assert sums[hub_service.get_branch("R1").id]["sales_net"] == 1000 + 2000 + 14 + 4000 + 6000
        db.session.rollback()


def test_the_migration_fills_the_running_totals(hub, hub_client, register):
    """0021_hub_running_totals made again on a hub with reports (sent out of order, one
    replaced): every report's totals and hub_latest's are the plain sums."""
    with hub.app_context():
        y = hub_service.today().year - 1
        partitions.ensure_years(db.engine, range(y - 1, y + 1))
    keys = {code: register(code, kecamatan=code) for code in ("M1", "M2")}
    days = (date(y, 1, 1), date(y - 1, 11, 30), date(y, 7, 9), date(y - 1, 12, 31))
    for code, key in keys.items():
        for n, day in enumerate(days):
            body = make_report(code, day, sales_net=day.day * 1000 + n, items=n)
            assert signed_post(hub_client, code, key, body).status_code == 201
    body = make_report("M2", days[1], 2, sales_net=5, items=50)
    assert signed_post(hub_client, "M2", keys["M2"], body).status_code == 201
    with hub.app_context():
        directory = hub.extensions["migrate"].directory
        db.session.remove()
        try:
            downgrade(directory=directory, revision="0020_hub_month_states")
            columns = {c["name"] for c in sa.inspect(db.engine).get_columns("hub_reports")}
            assert not {c for c in columns if c.startswith("cum_")}
        finally:
            upgrade(directory=directory, revision="heads")
        per_branch = _running_totals_are_exact()
        assert sorted(len(v) for v in per_branch.values()) == [4, 4]
        m2 = hub_service.get_branch("M2").id
        row = db.session.get(HubReport, (m2, date(y, 7, 9)))
        assert row.cum_reports == 4 and row.cum_items == 0 + 50 + 2 + 3
        assert row.cum_sales_net == 1000 + 5 + 9002 + 31003
        sums = hub_service.branch_sums(date(y - 1, 12, 1), date(y, 1, 1))[m2]
        assert (sums["reports"], sums["sales_net"]) == (2, 31003 + 1000)
        db.session.rollback()


def test_two_reports_of_a_branch_at_once_lose_nothing(hub, register):
    """A later day held in an open transaction while an earlier day of the same branch
    arrives: the second waits for the first's commit (PostgreSQL: the branch's row lock
    taken by the report's INSERT; SQLite: the write lock), then adds its figures to the
    later day's totals, which it would not see without the wait."""
    key = register("C1")
    assert key
    schema = RollupReportIn()
    with hub.app_context():
        y = hub_service.today().year - 1
        partitions.ensure_years(db.engine, [y])
        db.session.remove()
    early, late = date(y, 5, 10), date(y, 5, 20)

    def ingest(day, net):
        body = make_report("C1", day, sales_net=net)
        branch = hub_service.get_branch("C1")
        hub_service.ingest(branch, schema.load(body), json.dumps(body).encode())

    errors = []

    def second():
        try:
            with hub.app_context():
                ingest(early, 1_000)
                db.session.commit()
        except Exception as exc:  # reported below
            errors.append(exc)

    with hub.app_context():
        ingest(late, 70_000)
        db.session.flush()
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(1.5)
        waited = thread.is_alive()
        db.session.commit()
    thread.join(20)
    assert not errors and waited
    with hub.app_context():
        per_branch = _running_totals_are_exact()
        assert list(per_branch.values()) == [[early, late]]
        row = db.session.get(HubReport, (hub_service.get_branch("C1").id, late))
        assert (row.cum_reports, row.cum_sales_net) == (2, 71_000)
        db.session.rollback()
