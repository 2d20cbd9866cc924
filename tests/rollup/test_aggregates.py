"""The summary's totals and the kota/kecamatan breakdowns as SQL aggregates
(``hub.group_totals``) equal the same figures added up from the branch rows in Python,
whatever the period (whole months, unaligned edges, the past, one day, nothing), the
time zones, silent and inactive branches; the branch table pages. Whole years read from
``hub_yearly`` give the same figures as the reports themselves, which ingest (replaced
days, late days, repeats) and the migration that made it keep equal."""

import json
import random
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from mart.extensions import db
from rollup import hub as hub_service
from rollup import partitions
from rollup.models import (
    POINT_FIELDS,
    SUM_FIELDS,
    HubBranch,
    HubMonthly,
    HubReport,
    HubYearly,
)
from rollup.schemas import RollupReportIn
from tests.rollup.conftest import make_report, signed_post

BRANCHES = (
    # code, kota, kecamatan, time zone
    ("A1", "Kota A", "Kec 1", "Asia/Jakarta"),
    ("A2", "Kota A", "Kec 1", "Asia/Makassar"),
    ("A3", "Kota A", "Kec 2", "Asia/Jayapura"),
    ("B1", "Kota B", "Kec 3", "Asia/Jakarta"),
    ("B2", "Kota B", "Kec 4", "Asia/Jayapura"),
    ("C1", "Kota C", "Kec 5", "Asia/Makassar"),  # never reports
    ("X9", "Kota A", "Kec 1", "Asia/Jakarta"),  # reports, then made inactive
)


def _fill(rng):
    """About 100 days of reports (some branches stopping early, revisions replacing
    figures) ending yesterday; returns the first day."""
    schema = RollupReportIn()
    today = hub_service.today()
    start = today - timedelta(days=100)
    branches = {
        code: hub_service.add_branch(code, f"Mart {code}", kota, kec, tz)[0]
        for code, kota, kec, tz in BRANCHES
    }
    stops = {"A1": 0, "A2": 3, "A3": 40, "B1": 1, "B2": 75, "X9": 10}
    for code, stop in stops.items():
        day = start
        while day < today - timedelta(days=stop):
            if rng.random() < 0.85:
                for revision in range(1, rng.choice((2, 2, 3))):
                    body = make_report(
                        code,
                        day,
                        revision,
                        sales_net=rng.randint(0, 5_000_000),
                        transactions=rng.randint(0, 300),
                        members_total=rng.randint(10, 400),
                        capital={"pokok": rng.randint(0, 10**7), "wajib": 5, "sukarela": 7},
                    )
                    data = schema.load(body)
                    hub_service.ingest(branches[code], data, json.dumps(body).encode())
            day += timedelta(days=1)
    db.session.execute(sa.update(HubBranch).where(HubBranch.code == "X9").values(active=False))
    db.session.flush()
    return start


def _periods(start, rng):
    today = hub_service.today()
    first_month = (start.replace(day=1) + timedelta(days=32)).replace(day=1)
    month_end = (first_month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    fixed = [
        (first_month, month_end),  # one whole month
        (start, today),  # everything, edges unaligned
        (start + timedelta(days=5), start + timedelta(days=50)),  # the past: probes
        (today - timedelta(days=1), today - timedelta(days=1)),  # one day
        (today, today),  # nothing reported yet
        (start - timedelta(days=60), start - timedelta(days=1)),  # before any report
    ]
    for _ in range(8):
        a, b = sorted(rng.randint(-5, 105) for _ in range(2))
        fixed.append((start + timedelta(days=a), start + timedelta(days=b)))
    return fixed


def test_sql_aggregates_equal_the_branch_rows(hub):
    rng = random.Random(16)
    with hub.app_context():
        try:
            start = _fill(rng)
            for date_from, date_to in _periods(start, rng):
                for stale in (0, 2, 30, 365):
                    s = hub_service.summary(date_from, date_to, stale)
                    rows = s["branches"]
                    assert len(rows) == 6  # the inactive branch is left out
                    assert s["totals"] == hub_service.totals_of(rows), (date_from, date_to)
                    for by in ("kota", "kecamatan"):
                        sql = hub_service.group_totals(date_from, date_to, by, stale)
                        assert sql == hub_service.breakdown(rows, by), (by, date_from, date_to)
                    # The dashboard's one statement: every kota, a page of the kecamatan.
                    by_sales = sorted(
                        hub_service.breakdown(rows, "kecamatan"),
                        key=lambda g: (-g["sales_net"], g["kota"], g["kecamatan"]),
                    )
                    for page in (1, 2, 3, 4):
                        kota, kec = hub_service.kota_and_kecamatan(
                            date_from, date_to, stale, page, 2
                        )
                        assert kota == hub_service.breakdown(rows, "kota")
                        assert kec == by_sales[(page - 1) * 2 : page * 2], (page, date_from)
                        # The dashboard's totals: its kota added up.
                        assert hub_service.totals_of_groups(kota) == s["totals"]
                    # The rows' states and sums, apart and together (one statement).
                    sums = hub_service.branch_sums(date_from, date_to)
                    points = hub_service.branch_points(date_from, date_to)
                    ends = hub_service.branch_ends(date_from, date_to)
                    assert ends == {i: (sums[i], points.get(i)) for i in sums}
            # Not vacuous: the figures are there, and some branches are stale, some not.
            s = hub_service.summary(start, hub_service.today(), 2)
            assert s["totals"]["sales_net"] > 0 and s["totals"]["members_total"] > 0
            assert 0 < s["totals"]["stale_branches"] < 6
            assert 0 < s["totals"]["branches_reporting"] < 6
        finally:
            db.session.rollback()


def test_summary_pages_the_branch_table(hub):
    with hub.app_context():
        try:
            start = _fill(random.Random(7))
            today = hub_service.today()
            whole = hub_service.summary(start, today, 5)
            assert whole["page"] is None and whole["branches_total"] == 6
            pages = [hub_service.summary(start, today, 5, page, 4) for page in (1, 2, 3)]
            assert [len(p["branches"]) for p in pages] == [4, 2, 0]
            assert [r for p in pages for r in p["branches"]] == whole["branches"]
            assert all(p["totals"] == whole["totals"] for p in pages)
            assert all(p["branches_total"] == 6 for p in pages)
        finally:
            db.session.rollback()


def test_summary_and_breakdown_api(hub, hub_api, register, hub_client):
    with hub.app_context():
        day = hub_service.today() - timedelta(days=1)
    for n, (kota, kec) in enumerate((("K1", "A"), ("K1", "B"), ("K2", "C"))):
        key = register(f"P{n}", kota=kota, kecamatan=kec)
        body = make_report(f"P{n}", day, sales_net=1000 * (n + 1), transactions=n + 1)
        assert signed_post(hub_client, f"P{n}", key, body).status_code == 201
    client = hub_api()
    q = {"from": day.isoformat(), "to": day.isoformat()}
    old = client.get("/api/v1/association/summary", query_string=q)
    assert old.status_code == 200
    body = old.json
    # The old answer: every branch, the totals; and the new keys beside them.
    assert [r["code"] for r in body["branches"]] == ["P0", "P1", "P2"]
    assert body["totals"]["sales_net"] == 6000 and body["totals"]["branches"] == 3
    assert (body["branches_total"], body["page"], body["per_page"]) == (3, None, None)
    paged = client.get("/api/v1/association/summary", query_string={**q, "per_page": 2, "page": 2})
    assert paged.status_code == 200
    assert [r["code"] for r in paged.json["branches"]] == ["P2"]
    assert paged.json["totals"] == body["totals"]
    assert (paged.json["branches_total"], paged.json["page"], paged.json["per_page"]) == (3, 2, 2)
    bad = client.get("/api/v1/association/summary", query_string={**q, "per_page": 0})
    assert bad.status_code == 422 and "per_page" in json.dumps(bad.json)

    kota = client.get("/api/v1/association/breakdown", query_string={**q, "by": "kota"})
    assert kota.status_code == 200
    items = kota.json["items"]
    assert [(i["kota"], i["sales_net"], i["branches"]) for i in items] == [
        ("K1", 3000, 2),
        ("K2", 3000, 1),
    ]
    kec = client.get("/api/v1/association/breakdown", query_string={**q, "by": "kecamatan"})
    assert [(i["kota"], i["kecamatan"], i["sales_net"]) for i in kec.json["items"]] == [
        ("K1", "A", 1000),
        ("K1", "B", 2000),
        ("K2", "C", 3000),
    ]
    assert kec.json["items"][2]["average_basket"] == 1000
    bad = client.get("/api/v1/association/breakdown", query_string={**q, "by": "desa"})
    assert bad.status_code == 422 and "by" in json.dumps(bad.json)


@pytest.mark.parametrize("by", ["kota", "kecamatan", None])
def test_group_totals_refuses_a_reversed_period(hub, by):
    with hub.app_context():
        today = hub_service.today()
        with pytest.raises(hub_service.InvalidInput) as error:
            hub_service.group_totals(today, today - timedelta(days=1), by)
        assert "from" in error.value.errors["json"]
        with pytest.raises(hub_service.InvalidInput) as error:
            hub_service.kota_and_kecamatan(today, today - timedelta(days=1), 3, 1, 50)
        assert "from" in error.value.errors["json"]


# --- whole years from hub_yearly (issue 16) -------------------------------------------


def _fill_years(rng):
    """About 27 months of reports (a report every 1 to 9 days, some replaced by a second
    revision) ending yesterday, for the branches of BRANCHES (C1 never reports, X9 made
    inactive at the end); returns the first day."""
    schema = RollupReportIn()
    today = hub_service.today()
    start = date(today.year - 2, 9, 14)
    # The years' partitions first (PostgreSQL), on their own connection: made from an
    # ingest, attaching one would wait for this test's open transaction.
    partitions.ensure_years(db.engine, range(start.year, today.year + 1))
    branches = {
        code: hub_service.add_branch(code, f"Mart {code}", kota, kec, tz)[0]
        for code, kota, kec, tz in BRANCHES
    }
    # B2 is silent from April to 20 August last year: a period ending in those months
    # finds its state in March, or in the days of August before the 20th (none).
    silent = (date(today.year - 1, 4, 1), date(today.year - 1, 8, 20))
    for code, branch in branches.items():
        if code == "C1":
            continue
        day = start + timedelta(days=rng.randint(0, 5))
        while day < today:
            if code == "B2" and silent[0] <= day < silent[1]:
                day += timedelta(days=1)
                continue
            for revision in range(1, rng.choice((2, 2, 2, 3))):
                body = make_report(
                    code,
                    day,
                    revision,
                    sales_net=rng.randint(0, 5_000_000),
                    transactions=rng.randint(0, 300),
                    umkm_purchases=rng.randint(0, 90_000),
                    members_total=rng.randint(10, 400),
                    capital={"pokok": rng.randint(0, 10**7), "wajib": 5, "sukarela": day.day},
                    staff_count=rng.randint(1, 9),
                )
                hub_service.ingest(branch, schema.load(body), json.dumps(body).encode())
            day += timedelta(days=rng.randint(1, 9))
    db.session.execute(sa.update(HubBranch).where(HubBranch.code == "X9").values(active=False))
    db.session.flush()
    return start


def _from_reports(date_from, date_to):
    """Per active branch code: the additive figures and reports in the period, read
    straight from hub_reports (the old computation, no summary table)."""
    r, b = HubReport, HubBranch
    out = {}
    for row in db.session.execute(
        sa.select(b.code, b.kota, b.kecamatan, *[getattr(r, f) for f in SUM_FIELDS])
        .join(r, r.branch_id == b.id)
        .where(b.active.is_(True), r.date >= date_from, r.date <= date_to)
    ):
        figures = out.setdefault(
            row[0],
            {
                "kota": row[1],
                "kecamatan": row[2],
                "days_reported": 0,
                **dict.fromkeys(SUM_FIELDS, 0),
            },
        )
        figures["days_reported"] += 1
        for name, value in zip(SUM_FIELDS, row[3:], strict=True):
            figures[name] += value
    return out


def _states_from_reports(date_from, date_to):
    """Per active branch code: the date and state figures of its last report in the
    period, read straight from hub_reports."""
    r, b = HubReport, HubBranch
    out = {}
    for row in db.session.execute(
        sa.select(b.code, r.date, *[getattr(r, f) for f in POINT_FIELDS])
        .join(r, r.branch_id == b.id)
        .where(b.active.is_(True), r.date >= date_from, r.date <= date_to)
        .order_by(r.date)
    ):
        out[row[0]] = {"figures_as_of": row[1], **dict(zip(POINT_FIELDS, row[2:], strict=True))}
    return out


def _year_periods(start):
    today = hub_service.today()
    y = today.year
    return [
        (date(y - 1, 1, 1), date(y - 1, 12, 31)),  # one whole year
        (date(y - 2, 1, 1), date(y - 1, 12, 31)),  # two, the first before any report
        (date(y - 2, 11, 1), date(y - 1, 10, 31)),  # twelve whole months over a new year
        (date(y - 2, 12, 17), date(y, 2, 3)),  # a whole year with odd edges
        (date(y - 2, 12, 1), date(y, 1, 31)),  # a year and two months
        (date(y - 1, 1, 1), today),  # a year and this year so far
        (start, today),  # everything
        (date(y - 1, 3, 5), date(y - 1, 3, 5)),  # one day
        (date(y - 1, 6, 1), date(y - 1, 8, 31)),  # months, no year
        (date(y - 1, 3, 1), date(y - 1, 10, 31)),  # a year less four months
        (date(y, 2, 1), today),  # this year less January and the months to come
        # The past: each branch's state at the end from its month rows.
        (date(y - 1, 1, 1), date(y - 1, 9, 30)),  # ending at a month's end
        (date(y - 2, 10, 9), date(y - 1, 9, 17)),  # ending mid-month (its days probed)
        (date(y - 1, 2, 10), date(y - 1, 7, 31)),  # B2 silent for the last four months
        (date(y - 1, 1, 20), date(y - 1, 8, 15)),  # B2 reports after the end, not before
        (date(y - 1, 8, 3), date(y - 1, 8, 26)),  # inside one month
        (date(y - 1, 5, 5), date(y - 1, 5, 25)),  # inside one month, B2 silent
        (date(y - 1, 8, 21), date(y - 1, 9, 1)),  # a month's first day ends it
    ]


def test_whole_years_read_from_hub_yearly_equal_the_reports(hub):
    with hub.app_context():
        try:
            start = _fill_years(random.Random(2016))
            for date_from, date_to in _year_periods(start):
                truth = _from_reports(date_from, date_to)
                states = _states_from_reports(date_from, date_to)
                s = hub_service.summary(date_from, date_to, 3)
                for row in s["branches"]:
                    mine = truth.get(row["code"]) or dict.fromkeys(
                        ("days_reported",) + SUM_FIELDS, 0
                    )
                    for name in ("days_reported",) + SUM_FIELDS:
                        assert row[name] == mine[name], (row["code"], name, date_from, date_to)
                    state = states.get(row["code"]) or {
                        "figures_as_of": None,
                        **dict.fromkeys(POINT_FIELDS, 0),
                    }
                    for name in ("figures_as_of",) + POINT_FIELDS:
                        assert row[name] == state[name], (row["code"], name, date_from, date_to)
                # The same states through the paged branch table (only its ids).
                paged = hub_service.summary(date_from, date_to, 3, 2, 2)["branches"]
                assert paged == s["branches"][2:4]
                for name in ("days_reported",) + SUM_FIELDS:
                    assert s["totals"][name] == sum(t[name] for t in truth.values())
                assert s["totals"] == hub_service.totals_of(s["branches"])
                kota, kec = hub_service.kota_and_kecamatan(date_from, date_to, 3, 1, 50)
                assert kota == hub_service.breakdown(s["branches"], "kota")
                assert kec == hub_service.group_totals(
                    date_from, date_to, "kecamatan", 3, "sales_net"
                )
                for by in ("kota", "kecamatan"):
                    groups = hub_service.group_totals(date_from, date_to, by, 3)
                    assert groups == hub_service.breakdown(s["branches"], by)
                    for group in groups:
                        inside = [
                            t
                            for t in truth.values()
                            if t["kota"] == group["kota"]
                            and (by == "kota" or t["kecamatan"] == group["kecamatan"])
                        ]
                        for name in ("days_reported",) + SUM_FIELDS:
                            assert group[name] == sum(t[name] for t in inside), (by, name)
                        held = [
                            st
                            for code, st in states.items()
                            if truth[code]["kota"] == group["kota"]
                            and (by == "kota" or truth[code]["kecamatan"] == group["kecamatan"])
                        ]
                        for name in POINT_FIELDS:
                            assert group[name] == sum(st[name] for st in held), (by, name)
            # Not vacuous: whole years were read, and they hold figures.
            y = hub_service.today().year - 1
            assert db.session.scalar(sa.select(sa.func.count()).select_from(HubYearly)) >= 10
            total = hub_service.summary(date(y, 1, 1), date(y, 12, 31), 3)["totals"]
            assert total["sales_net"] > 0 and total["days_reported"] > 100
            # B2's state at the end of July is March's last report, not a later one.
            july = hub_service.summary(date(y, 2, 10), date(y, 7, 31), 3)["branches"]
            b2 = next(row for row in july if row["code"] == "B2")
            assert b2["figures_as_of"] is not None and b2["figures_as_of"].month == 3
            # The past periods went through the month rows: later reports exist.
            assert hub_service.get_branch("B2").last_report_date > date(y, 9, 30)
        finally:
            db.session.rollback()


def _yearly_equals_reports():
    """hub_yearly (and hub_monthly) hold exactly the reports' sums per branch and year
    (and month), nothing more; each month row the state of its month's last report."""
    r = HubReport
    reports = db.session.execute(
        sa.select(r.branch_id, r.date, *[getattr(r, f) for f in SUM_FIELDS])
    ).all()
    for table, key in ((HubYearly, "year"), (HubMonthly, "month")):
        expected = {}
        for row in reports:
            day = row[1]
            period = day.replace(month=1, day=1) if key == "year" else day.replace(day=1)
            figures = expected.setdefault((row[0], period), [0] * (1 + len(SUM_FIELDS)))
            figures[0] += 1
            for n, value in enumerate(row[2:], start=1):
                figures[n] += value
        held = {
            (row[0], row[1]): list(row[2:])
            for row in db.session.execute(
                sa.select(
                    table.branch_id,
                    getattr(table, key),
                    table.reports,
                    *[getattr(table, f) for f in SUM_FIELDS],
                )
            )
            if any(row[2:])
        }
        assert held == expected, table.__tablename__
    # Each month row holds the state of the month's last report.
    last = {}
    for row in db.session.execute(
        sa.select(r.branch_id, r.date, *[getattr(r, f) for f in POINT_FIELDS]).order_by(r.date)
    ):
        last[(row[0], row[1].replace(day=1))] = (row[1], *row[2:])
    states = {
        (row[0], row[1]): tuple(row[2:])
        for row in db.session.execute(
            sa.select(
                HubMonthly.branch_id,
                HubMonthly.month,
                HubMonthly.last_date,
                *[getattr(HubMonthly, f) for f in POINT_FIELDS],
            )
        )
    }
    assert states == last


def test_ingest_keeps_hub_yearly_equal_to_the_reports(hub, hub_client, register):
    with hub.app_context():
        y = hub_service.today().year - 1
        partitions.ensure_years(db.engine, range(y - 1, y + 1))
    key = register("Y1", kota="K", kecamatan="A")
    key2 = register("Y2", kota="K", kecamatan="B")
    days = [date(y - 1, 12, 30), date(y - 1, 12, 31), date(y, 1, 1), date(y, 1, 2)]
    for n, day in enumerate(days):
        for code, k in (("Y1", key), ("Y2", key2)):
            body = make_report(code, day, sales_net=1000 * (n + 1), transactions=n + 1)
            assert signed_post(hub_client, code, k, body).status_code == 201
    # A day replaced (revision 2), in each year; a late day of the year before; repeats.
    for day, net in ((date(y - 1, 12, 31), 7777), (date(y, 1, 1), 50)):
        body = make_report("Y1", day, 2, sales_net=net, transactions=9, members_total=77)
        response = signed_post(hub_client, "Y1", key, body)
        assert response.status_code == 201 and response.json["outcome"] == "replaced"
    late = make_report("Y2", date(y - 1, 6, 15), sales_net=123_456, umkm_purchases=1)
    assert signed_post(hub_client, "Y2", key2, late).status_code == 201
    # An earlier day of December arriving late: the month's state stays the 31st's.
    early = make_report("Y1", date(y - 1, 12, 2), sales_net=0, members_total=5, staff_count=8)
    assert signed_post(hub_client, "Y1", key, early).status_code == 201
    # The month's last day replaced with the same sums, another state: the state moves.
    body = make_report("Y1", date(y, 1, 2), 2, sales_net=4000, transactions=4, members_total=99)
    response = signed_post(hub_client, "Y1", key, body)
    assert response.status_code == 201 and response.json["outcome"] == "replaced"
    for _ in range(2):
        response = signed_post(hub_client, "Y2", key2, late)
        assert response.status_code == 200 and response.json["outcome"] == "unchanged"
    body = make_report("Y1", date(y, 1, 1), 2, sales_net=50, transactions=9, members_total=77)
    assert signed_post(hub_client, "Y1", key, body).json["outcome"] == "unchanged"
    with hub.app_context():
        _yearly_equals_reports()
        rows = {(r.branch_id, r.year): r for r in db.session.scalars(sa.select(HubYearly)).all()}
        assert len(rows) == 4
        y1 = hub_service.get_branch("Y1").id
        assert rows[(y1, date(y - 1, 1, 1))].sales_net == 1000 + 7777
        assert rows[(y1, date(y, 1, 1))].reports == 2
        assert rows[(y1, date(y, 1, 1))].sales_net == 50 + 4000
        december = db.session.get(HubMonthly, (y1, date(y - 1, 12, 1)))
        january = db.session.get(HubMonthly, (y1, date(y, 1, 1)))
        assert (december.last_date, december.members_total) == (date(y - 1, 12, 31), 77)
        assert (december.reports, january.reports) == (3, 2)
        assert (january.last_date, january.members_total) == (date(y, 1, 2), 99)
        # A past period ending on 31 December reads that state.
        s = hub_service.summary(date(y - 1, 12, 1), date(y - 1, 12, 31), 3)
        row = next(r for r in s["branches"] if r["code"] == "Y1")
        assert (row["figures_as_of"], row["members_total"]) == (date(y - 1, 12, 31), 77)


def test_the_migration_fills_hub_yearly_from_the_months(hub, hub_client, register):
    """0019_hub_yearly made again on a hub with reports: the years equal the reports."""
    with hub.app_context():
        y = hub_service.today().year - 1
        partitions.ensure_years(db.engine, range(y - 1, y + 1))
    key = register("M1")
    for day in (date(y - 1, 11, 30), date(y - 1, 12, 31), date(y, 1, 1), date(y, 7, 9)):
        body = make_report("M1", day, sales_net=day.day * 1000)
        assert signed_post(hub_client, "M1", key, body).status_code == 201
    with hub.app_context():
        directory = hub.extensions["migrate"].directory
        db.session.remove()
        try:
            downgrade(directory=directory, revision="0018_pin_method")
            assert "hub_yearly" not in sa.inspect(db.engine).get_table_names()
        finally:
            upgrade(directory=directory, revision="heads")
        _yearly_equals_reports()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HubYearly)) == 2
        db.session.rollback()
