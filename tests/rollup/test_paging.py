"""The hub's long tables in pages (issue 16): the branch table paged and ordered by any
of its columns in the database, the kecamatan breakdown paged and ordered by name or by
net sales (`GET /association/breakdown?page=&per_page=&sort=`), the dashboard showing
one page of each long table with Indonesian links, the exports still every row."""

import csv
import io
import json
import random
import re
from datetime import timedelta

import pytest

from mart.extensions import db
from rollup import hub as hub_service
from rollup.schemas import RollupReportIn
from rollup.views import BRANCH_COLUMNS, _with_capital
from tests import factories
from tests.rollup.conftest import make_report, signed_post
from tests.rollup.test_aggregates import _fill


def _python_order(rows, sort, descending):
    """The order the dashboard gave before paging: Python's sort of every row (None
    after every value ascending), ties in code order."""
    return sorted(
        rows,
        key=lambda r: (r[sort] is None, r[sort] if r[sort] is not None else 0),
        reverse=descending,
    )


def test_branch_pages_in_every_order_equal_the_sorted_rows(hub):
    with hub.app_context():
        try:
            start = _fill(random.Random(5))
            today = hub_service.today()
            periods = [
                (start, today),  # every report, edges unaligned
                (start + timedelta(days=5), start + timedelta(days=50)),  # the past
                (today, today),  # nothing reported: ties everywhere
            ]
            for date_from, date_to in periods:
                whole = _with_capital(hub_service.summary(date_from, date_to, 2)["branches"])
                assert len(whole) == 6
                for sort in [key for key, _label, _kind in BRANCH_COLUMNS]:
                    for descending in (False, True):
                        pages = [
                            _with_capital(
                                hub_service.summary(
                                    date_from, date_to, 2, page, 4, sort, descending
                                )["branches"]
                            )
                            for page in (1, 2)
                        ]
                        got = [r["code"] for p in pages for r in p]
                        expected = [r["code"] for r in _python_order(whole, sort, descending)]
                        assert got == expected, (sort, descending, date_from, date_to)
            # Not vacuous: orders differ.
            s = hub_service.summary(start, today, 2, 1, 6, "sales_net", True)["branches"]
            a = hub_service.summary(start, today, 2, 1, 6, "code", False)["branches"]
            assert [r["code"] for r in s] != [r["code"] for r in a]
            with pytest.raises(hub_service.InvalidInput):
                hub_service.summary(start, today, 2, 1, 6, "body", False)
        finally:
            db.session.rollback()


def test_group_pages_equal_the_whole_breakdown(hub):
    with hub.app_context():
        try:
            start = _fill(random.Random(6))
            today = hub_service.today()
            for by in ("kota", "kecamatan"):
                whole = hub_service.group_totals(start, today, by, 2)
                assert hub_service.group_count(by) == len(whole) > 2
                by_sales = sorted(whole, key=lambda r: -r["sales_net"])  # stable: then name
                assert by_sales != whole or by == "kota"  # not vacuous
                for sort, expected in (("name", whole), ("sales_net", by_sales)):
                    pages = [
                        hub_service.group_totals(start, today, by, 2, sort, page, 2)
                        for page in (1, 2, 3, 4)
                    ]
                    assert [r for p in pages for r in p] == expected, (by, sort)
                    assert all(len(p) <= 2 for p in pages)
        finally:
            db.session.rollback()


def test_dashboard_tables_read_once_what_the_paged_reads_give(hub):
    """``dashboard_tables`` (the dashboard's one statement in its default order): its
    branch page is ``summary``'s page by net sales (ties by code), and given back to
    ``summary`` as ``ids`` it gives the same rows; its kota are the kota breakdown, its
    kecamatan page the breakdown's page by net sales; for periods with and without
    ties."""
    with hub.app_context():
        try:
            start = _fill(random.Random(7))
            today = hub_service.today()
            periods = [
                (start, today),
                (start + timedelta(days=5), start + timedelta(days=50)),
                (today, today),  # nothing reported: every branch ties at 0, by code
            ]
            seen = set()
            for date_from, date_to in periods:
                kota_all = hub_service.group_totals(date_from, date_to, "kota", 2)
                for page in (1, 2, 3):
                    kota, kec, ids = hub_service.dashboard_tables(
                        date_from, date_to, 2, page, 2, page
                    )
                    expected = hub_service.summary(
                        date_from, date_to, 2, page, 2, "sales_net", True, totals=False
                    )["branches"]
                    given = hub_service.summary(
                        date_from, date_to, 2, page, 2, "sales_net", True, totals=False, ids=ids
                    )["branches"]
                    assert len(ids) == 2 and given == expected, (date_from, date_to, page)
                    seen.add(tuple(r["code"] for r in given))
                    assert kota == kota_all
                    assert kec == hub_service.group_totals(
                        date_from, date_to, "kecamatan", 2, "sales_net", page, 2
                    )
                    assert hub_service.kota_and_kecamatan(date_from, date_to, 2, page, 2) == (
                        kota,
                        kec,
                    )
            assert len(seen) > 3  # the pages differ: not vacuous
        finally:
            db.session.rollback()


def _post_days(hub_client, register):
    with hub_client.application.app_context():
        day = hub_service.today() - timedelta(days=1)
    for n, (kota, kec, net) in enumerate(
        (("K1", "A", 1000), ("K1", "B", 5000), ("K2", "C", 3000), ("K2", "D", 0))
    ):
        key = register(f"P{n}", kota=kota, kecamatan=kec)
        body = make_report(f"P{n}", day, sales_net=net, transactions=n + 1)
        assert signed_post(hub_client, f"P{n}", key, body).status_code == 201
    return day


def test_breakdown_api_pages_and_orders(hub, hub_api, register, hub_client):
    day = _post_days(hub_client, register)
    client = hub_api()
    q = {"from": day.isoformat(), "to": day.isoformat(), "by": "kecamatan"}
    whole = client.get("/api/v1/association/breakdown", query_string=q)
    assert whole.status_code == 200
    body = whole.json
    # Unpaged: every group in name order, as before; the new keys beside.
    assert [i["kecamatan"] for i in body["items"]] == ["A", "B", "C", "D"]
    assert (body["total"], body["page"], body["per_page"], body["sort"]) == (4, None, None, "name")
    assert body["totals"]["sales_net"] == 9000 and body["totals"]["branches"] == 4
    paged = client.get(
        "/api/v1/association/breakdown",
        query_string={**q, "sort": "sales_net", "per_page": 3, "page": 1},
    ).json
    assert [(i["kecamatan"], i["sales_net"]) for i in paged["items"]] == [
        ("B", 5000),
        ("C", 3000),
        ("A", 1000),
    ]
    assert (paged["total"], paged["page"], paged["per_page"]) == (4, 1, 3)
    assert paged["totals"] == body["totals"]  # every group's, not the page's
    last = client.get(
        "/api/v1/association/breakdown",
        query_string={**q, "sort": "sales_net", "per_page": 3, "page": 2},
    ).json
    assert [i["kecamatan"] for i in last["items"]] == ["D"]
    by_name = client.get(
        "/api/v1/association/breakdown", query_string={**q, "per_page": 2, "page": 2}
    ).json
    assert by_name["items"] == body["items"][2:]
    kota = client.get(
        "/api/v1/association/breakdown", query_string={**q, "by": "kota", "sort": "sales_net"}
    ).json
    assert [(i["kota"], i["sales_net"]) for i in kota["items"]] == [("K1", 6000), ("K2", 3000)]
    # unpaged, the totals are the groups' added up: the same as read from the period
    assert kota["totals"] == body["totals"] == paged["totals"]
    for bad in ({"sort": "code"}, {"per_page": 0}, {"per_page": 1001}, {"page": 0}):
        response = client.get("/api/v1/association/breakdown", query_string={**q, **bad})
        assert response.status_code == 422, bad
        assert next(iter(bad)) in json.dumps(response.json)


@pytest.fixture
def many_branches(hub):
    """120 branches, each its own kecamatan in 4 kota; the first 30 reported yesterday
    (net sales by their number), the rest never."""
    with hub.app_context():
        day = hub_service.today() - timedelta(days=1)
        for n in range(120):
            branch, _key = hub_service.add_branch(
                f"M{n:03d}", f"Mart {n}", f"Kota {n % 4}", f"Kec {n:03d}"
            )
            if n < 30:
                body = make_report(f"M{n:03d}", day, sales_net=1000 * (n + 1))
                data = RollupReportIn().load(body)
                hub_service.ingest(branch, data, json.dumps(body).encode())
        db.session.commit()
    return hub, day


def _table(html, testid):
    return html.split(f'data-testid="{testid}"')[1].split("</table>")[0]


def test_dashboard_shows_one_page_of_each_long_table(many_branches):
    hub, day = many_branches
    client = factories.login(hub, "association")
    query = f"from={day}&to={day}&stale=3"
    html = client.get(f"/association/?{query}&sort=code&dir=asc").get_data(as_text=True)
    codes = re.findall(r'<tr(?: class="stale")? data-code="([^"]+)"', html)
    assert codes == [f"M{n:03d}" for n in range(50)]
    assert "Halaman 1 dari 3" in html
    pager = html.split('data-testid="pager-page"')[1].split("</nav>")[0]
    assert "Sebelumnya" not in pager and "Berikutnya" in pager
    next_url = re.search(r'href="([^"]+)">Berikutnya', pager).group(1).replace("&amp;", "&")
    assert "page=2" in next_url and "sort=code" in next_url and next_url.endswith("#branches")
    html = client.get(next_url).get_data(as_text=True)
    codes = re.findall(r'<tr(?: class="stale")? data-code="([^"]+)"', html)
    assert codes == [f"M{n:03d}" for n in range(50, 100)]
    pager = html.split('data-testid="pager-page"')[1].split("</nav>")[0]
    assert "Sebelumnya" in pager and "Berikutnya" in pager and "Halaman 2 dari 3" in pager
    # By net sales (the default order), the last page; a page past the end shows the last.
    for page in (3, 99):
        html = client.get(f"/association/?{query}&page={page}").get_data(as_text=True)
        codes = re.findall(r'<tr(?: class="stale")? data-code="([^"]+)"', html)
        assert len(codes) == 20 and "M029" not in codes
        assert "Halaman 3 dari 3" in html
    html = client.get(f"/association/?{query}").get_data(as_text=True)
    codes = re.findall(r'<tr(?: class="stale")? data-code="([^"]+)"', html)
    assert codes[:3] == ["M029", "M028", "M027"]

    # The kecamatan: 50 a page, ranked by net sales across all pages.
    kecamatan = _table(html, "kecamatan-table")
    assert kecamatan.count("<tr>") == 51  # the heading and 50 rows
    assert "Kec 029" in kecamatan and "Kec 119" not in kecamatan
    assert "Halaman 1 dari 3" in html.split('data-testid="pager-kec_page"')[1]
    html = client.get(f"/association/?{query}&kec_page=3").get_data(as_text=True)
    kecamatan = _table(html, "kecamatan-table")
    assert kecamatan.count("<tr>") == 21
    assert re.search(r"<td>Kec \d+</td><td class=\"num\">101</td>", kecamatan)
    # The silent branches (90 never reported): a page of them.
    stale = _table(html, "stale-table")
    assert stale.count('<tr class="stale">') == 50
    assert "Halaman 1 dari 2" in html.split('data-testid="pager-stale_page"')[1]
    # The kota (4): one page, no pager.
    assert 'data-testid="pager-kota' not in html

    # The exports: every row.
    def rows(table):
        response = client.get(f"/association/export/{table}.csv?{query}")
        assert response.status_code == 200
        return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))

    assert len(rows("branches")) == 120
    assert len(rows("kecamatan")) == 120
    assert len(rows("stale")) == 90
    assert rows("kecamatan")[0]["Kecamatan"] == "Kec 029"


def test_dashboard_shows_the_kota_a_page_at_a_time_ranked_by_net_sales(hub):
    """60 kota (one branch each, net sales by number): 50 a page, ranked across the pages
    by net sales; the totals still add up every kota, not the page shown."""
    with hub.app_context():
        day = hub_service.today() - timedelta(days=1)
        for n in range(60):
            branch, _key = hub_service.add_branch(
                f"K{n:03d}", f"Mart {n}", f"Kota {n:03d}", f"Kec {n:03d}"
            )
            body = make_report(f"K{n:03d}", day, sales_net=1000 * (n + 1))
            hub_service.ingest(branch, RollupReportIn().load(body), json.dumps(body).encode())
        db.session.commit()
    client = factories.login(hub, "association")
    query = f"from={day}&to={day}&stale=3"
    html = client.get(f"/association/?{query}").get_data(as_text=True)
    kota = _table(html, "kota-table")
    names = re.findall(r"<tr><td>(Kota \d+)</td>", kota)
    assert names == [f"Kota {n:03d}" for n in range(59, 9, -1)]  # the 50 highest first
    assert "Halaman 1 dari 2" in html.split('data-testid="pager-kota_page"')[1]
    total = sum(1000 * (n + 1) for n in range(60))  # Rp 1.830.000: all 60, not the page
    assert f"Rp {total:,}".replace(",", ".") in html.split('data-testid="total-sales-net"')[1]
    html = client.get(f"/association/?{query}&kota_page=2").get_data(as_text=True)
    kota = _table(html, "kota-table")
    assert re.findall(r"<tr><td>(Kota \d+)</td>", kota) == [
        f"Kota {n:03d}" for n in range(9, -1, -1)
    ]
    assert re.search(r"<tr><td>Kota 009</td><td class=\"num\">51</td>", kota)  # its rank
    # A page past the end shows the last one.
    html = client.get(f"/association/?{query}&kota_page=9").get_data(as_text=True)
    assert "Halaman 2 dari 2" in html.split('data-testid="pager-kota_page"')[1]


def test_breakdown_totals_of_an_empty_hub_paged_or_not(hub, hub_api):
    """No branch yet: the unpaged totals (the groups added up) are the read ones."""
    api = hub_api()
    for by in ("kota", "kecamatan"):
        whole = api.get(f"/api/v1/association/breakdown?by={by}").json
        paged = api.get(f"/api/v1/association/breakdown?by={by}&per_page=5").json
        assert whole["items"] == [] and whole["totals"] == paged["totals"]
        assert whole["totals"]["branches"] == 0 and whole["totals"]["sales_net"] == 0
