"""Property: whatever order reports and revisions arrive in, the hub's summary tables
and its summaries equal what the stored reports say (computed the slow way)."""

import json
from datetime import date, timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mart.extensions import db
from rollup import hub as hub_service
from rollup import partitions
from rollup.models import SUM_FIELDS, HubDaily, HubMonthly, HubReport, HubYearly
from rollup.schemas import RollupReportIn
from tests.rollup.conftest import make_report

START = date(2025, 12, 20)  # the days cross a month and a year boundary
CODES = ("A1", "B2", "C3")

report_ops = st.lists(
    st.tuples(
        st.sampled_from(CODES),
        st.integers(min_value=0, max_value=20),  # day offset
        st.integers(min_value=1, max_value=4),  # revision
        st.integers(min_value=-50_000, max_value=10**9),  # sales_net
        st.integers(min_value=0, max_value=500),  # transactions
    ),
    max_size=40,
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=report_ops, a=st.integers(0, 20), b=st.integers(0, 20))
def test_summaries_equal_the_reports(hub, ops, a, b):
    schema = RollupReportIn()
    with hub.app_context():
        # The years' partitions first (PostgreSQL), on their own connection: made from an
        # ingest, attaching one would wait for this test's open transaction.
        partitions.ensure_years(db.engine, [START.year, START.year + 1])
        try:
            branches = {code: hub_service.add_branch(code, f"Mart {code}")[0] for code in CODES}
            held = {}  # (code, day) -> (revision, sales_net, transactions)
            for code, offset, revision, net, tx in ops:
                day = START + timedelta(days=offset)
                body = make_report(code, day, revision, sales_net=net, transactions=tx)
                raw = json.dumps(body).encode()
                current = held.get((code, day))
                try:
                    with db.session.begin_nested():
                        hub_service.ingest(branches[code], schema.load(body), raw)
                except Exception:
                    # Refused: an older revision, or the same revision with other figures.
                    assert current is not None and (
                        revision < current[0]
                        or (revision == current[0] and (net, tx) != current[1:])
                    )
                    continue
                if current is None or revision > current[0]:
                    held[(code, day)] = (revision, net, tx)

            # The summary tables equal the reports, summed the slow way.
            reports = db.session.scalars(sa.select(HubReport)).all()
            assert len(reports) == len(held)
            for row in db.session.scalars(sa.select(HubDaily)):
                day_reports = [r for r in reports if r.date == row.date]
                assert row.reports == len(day_reports)
                for field in SUM_FIELDS:
                    assert getattr(row, field) == sum(getattr(r, field) for r in day_reports)
            for row in db.session.scalars(sa.select(HubMonthly)):
                month = [
                    r
                    for r in reports
                    if r.branch_id == row.branch_id and r.date.replace(day=1) == row.month
                ]
                assert row.sales_net == sum(r.sales_net for r in month)
                assert row.reports == len(month)
            yearly = db.session.scalars(sa.select(HubYearly).where(HubYearly.reports != 0)).all()
            assert len(yearly) == len({(r.branch_id, r.date.year) for r in reports})
            for row in db.session.scalars(sa.select(HubYearly)):
                year = [
                    r
                    for r in reports
                    if r.branch_id == row.branch_id and r.date.replace(month=1, day=1) == row.year
                ]
                for field in SUM_FIELDS:
                    assert getattr(row, field) == sum(getattr(r, field) for r in year)
                assert row.reports == len(year)

            # A summary over any period equals the held figures in it.
            date_from = START + timedelta(days=min(a, b))
            date_to = START + timedelta(days=max(a, b))
            summary = hub_service.summary(date_from, date_to)
            inside = {k: v for k, v in held.items() if date_from <= k[1] <= date_to}
            assert summary["totals"]["sales_net"] == sum(v[1] for v in inside.values())
            assert summary["totals"]["transactions"] == sum(v[2] for v in inside.values())
            by_code = {r["code"]: r for r in summary["branches"]}
            for code in CODES:
                mine = [v for k, v in inside.items() if k[0] == code]
                assert by_code[code]["sales_net"] == sum(v[1] for v in mine)
                assert by_code[code]["days_reported"] == len(mine)
            trend = hub_service.trend(date_from, date_to, "day")
            assert sum(p["sales_net"] for p in trend) == summary["totals"]["sales_net"]
            assert len(trend) == (date_to - date_from).days + 1
        finally:
            db.session.rollback()
