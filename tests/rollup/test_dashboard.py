"""The association's dashboard: totals, sortable branch table, trend chart (SVG drawn on
the server), breakdown by kota and kecamatan, silent branches flagged, CSV exports."""

import csv
import io
import re
from datetime import timedelta

import pytest

from rollup.hub import today
from tests import factories
from tests.rollup.conftest import make_report, signed_post


@pytest.fixture
def filled_hub(hub, hub_client, register):
    """Three branches in two kota; BKS01 stopped reporting ten days ago."""
    with hub.app_context():
        end = today() - timedelta(days=1)
    plan = [
        ("JKT01", "Jakarta Selatan", "Tebet", 100_000, 0),
        ("JKT02", "Jakarta Selatan", "Cilandak", 300_000, 0),
        ("BKS01", "Kota Bekasi", "Bekasi Timur", 50_000, 10),
    ]
    for code, kota, kecamatan, net, silent in plan:
        key = register(code, kota=kota, kecamatan=kecamatan)
        for offset in range(silent, 14):
            day = end - timedelta(days=offset)
            body = make_report(code, day, sales_net=net, sales_gross=net + 20_000)
            assert signed_post(hub_client, code, key, body).status_code == 201
    return hub, end


def test_dashboard_totals_table_breakdown_and_stale(filled_hub):
    hub, end = filled_hub
    client = factories.login(hub, "association")
    start = end - timedelta(days=13)
    html = client.get(f"/association/?from={start}&to={end}&stale=3").get_data(as_text=True)
    # 14 days x 100.000 + 14 x 300.000 + 4 x 50.000
    assert 'data-testid="total-sales-net">Rp 5.800.000<' in html
    assert "<svg" in html and "<polyline" not in html  # 14 points: bars
    assert html.count('<rect class="bar"') == 14
    codes = re.findall(r'<tr(?: class="stale")? data-code="([^"]+)"', html)
    assert codes == ["JKT02", "JKT01", "BKS01"]  # by net sales, largest first
    stale_table = html.split('data-testid="stale-table"')[1].split("</table>")[0]
    assert "BKS01" in stale_table and "JKT01" not in stale_table
    kota = html.split('data-testid="kota-table"')[1].split("</table>")[0]
    assert "Jakarta Selatan" in kota and "Rp 5.600.000" in kota and "Kota Bekasi" in kota
    kecamatan = html.split('data-testid="kecamatan-table"')[1].split("</table>")[0]
    assert "Tebet" in kecamatan and "Cilandak" in kecamatan
    assert "style=" not in html and "<script>" not in html


def test_dashboard_sorts_by_any_column(filled_hub):
    hub, end = filled_hub
    client = factories.login(hub, "association")
    html = client.get(f"/association/?to={end}&sort=code&dir=asc").get_data(as_text=True)
    assert re.findall(r'data-code="([^"]+)"', html) == ["BKS01", "JKT01", "JKT02"]
    html = client.get(f"/association/?to={end}&sort=code&dir=desc").get_data(as_text=True)
    assert re.findall(r'data-code="([^"]+)"', html) == ["JKT02", "JKT01", "BKS01"]
    # An unknown column falls back to net sales; a bad date is reported, not a crash.
    response = client.get("/association/?sort=drop+table&from=kemarin")
    assert response.status_code == 200


def test_long_period_draws_a_line_by_week_or_month(filled_hub):
    hub, end = filled_hub
    client = factories.login(hub, "association")
    html = client.get(f"/association/?from={end - timedelta(400)}&to={end}&by=day")
    assert "<polyline" in html.get_data(as_text=True)
    html = client.get(f"/association/?from={end - timedelta(13)}&to={end}&by=week")
    assert html.get_data(as_text=True).count('<rect class="bar"') in (2, 3)


def test_csv_export_of_every_table(filled_hub):
    hub, end = filled_hub
    client = factories.login(hub, "association")
    query = f"from={end - timedelta(days=13)}&to={end}&stale=3"
    branches = client.get(f"/association/export/branches.csv?{query}")
    assert branches.status_code == 200 and branches.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(branches.get_data(as_text=True))))
    assert {r["Kode"]: int(r["Penjualan bersih"]) for r in rows} == {
        "JKT01": 1_400_000,
        "JKT02": 4_200_000,
        "BKS01": 200_000,
    }
    stale = list(
        csv.DictReader(
            io.StringIO(client.get(f"/association/export/stale.csv?{query}").get_data(as_text=True))
        )
    )
    assert [r["Kode"] for r in stale] == ["BKS01"]
    kota = list(
        csv.DictReader(
            io.StringIO(client.get(f"/association/export/kota.csv?{query}").get_data(as_text=True))
        )
    )
    assert {r["Kota/kabupaten"]: int(r["Penjualan bersih"]) for r in kota} == {
        "Jakarta Selatan": 5_600_000,
        "Kota Bekasi": 200_000,
    }
    kec = client.get(f"/association/export/kecamatan.csv?{query}").get_data(as_text=True)
    assert len(list(csv.DictReader(io.StringIO(kec)))) == 3
    trend = list(
        csv.DictReader(
            io.StringIO(
                client.get(f"/association/export/trend.csv?{query}&by=day").get_data(as_text=True)
            )
        )
    )
    assert len(trend) == 14 and sum(int(r["Penjualan bersih"]) for r in trend) == 5_800_000
    assert client.get(f"/association/export/users.csv?{query}").status_code == 404


def test_on_a_branch_the_dashboard_explains_where_it_lives(app):
    client = factories.login(app, "association")
    response = client.get("/association/")
    assert response.status_code == 200 and "MART_MODE=association" in response.get_data(
        as_text=True
    )
    assert client.get("/association/export/branches.csv").status_code == 404


def test_seed_hub_demo_fills_the_dashboard(hub):
    result = hub.test_cli_runner().invoke(
        args=["rollup", "seed-hub-demo", "--branches", "3", "--days", "10"]
    )
    assert result.exit_code == 0, result.output
    client = factories.login(hub, "association")
    html = client.get("/association/").get_data(as_text=True)
    assert len(re.findall(r'data-code="([^"]+)"', html)) == 3
