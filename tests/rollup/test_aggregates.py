"""The summary's totals and the kota/kecamatan breakdowns as SQL aggregates
(``hub.group_totals``) equal the same figures added up from the branch rows in Python,
whatever the period (whole months, unaligned edges, the past, one day, nothing), the
time zones, silent and inactive branches; the branch table pages."""

import json
import random
from datetime import timedelta

import pytest
import sqlalchemy as sa

from mart.extensions import db
from rollup import hub as hub_service
from rollup.models import HubBranch
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
