"""The hub's dashboard as staff read it (issue 13 item 8): week labels of the trend do
not overlap, and the kota/kecamatan tables are not clipped at 1366 px."""

import re
from datetime import date, timedelta

from rollup.charts import trend_chart
from rollup.hub import today
from tests import factories
from tests.browser import REQUIRES_CHROMIUM, login, serving, shots_dir
from tests.rollup.conftest import make_report, signed_post


def test_week_labels_do_not_overlap():
    monday = date(2026, 6, 1)
    points = [((monday + timedelta(weeks=i)).isoformat(), 1000 * i) for i in range(26)]
    svg = str(trend_chart(points, "Penjualan"))
    xs = [float(x) for x in re.findall(r'<text class="axis" x="([\d.]+)" y="216"', svg)]
    assert len(xs) >= 4
    width = 10 * 7  # ten characters of 11 px type
    assert all(b - a >= width for a, b in zip(xs, xs[1:], strict=False))


def _chromium(test):
    for mark in REQUIRES_CHROMIUM:
        test = mark(test)
    return test


@_chromium
def test_kota_and_kecamatan_tables_fit_at_1366(hub, hub_client, register, make_user, browser):
    with hub.app_context():
        end = today() - timedelta(days=1)
    for code, kota, kec in (
        ("JKT01", "Jakarta Selatan", "Kebayoran Baru"),
        ("BDG01", "Kabupaten Bandung Barat", "Padalarang"),
    ):
        key = register(code, kota=kota, kecamatan=kec)
        body = make_report(code, end, sales_net=1_234_567_890)
        assert signed_post(hub_client, code, key, body).status_code == 201
    make_user("association", username="asosiasi-l")
    with serving(hub) as base:
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        login(page, base, "asosiasi-l")
        page.goto(f"{base}/association/?from={end}&to={end}")
        page.screenshot(path=str(shots_dir("ui") / "hub_1366x768.png"), full_page=True)
        for table in ("kota-table", "kecamatan-table"):
            clipped = page.evaluate(
                "t => { const w = document.querySelector(`[data-testid=${t}]`).parentElement;"
                " return w.scrollWidth - w.clientWidth; }",
                table,
            )
            assert clipped <= 1, table
        page.close()


def test_default_period_is_the_last_30_days_and_today_is_marked_partial(hub, hub_client, register):
    with hub.app_context():
        day = today()
    key = register("JKT01")
    for back, net in ((0, 1_000), (29, 2_000), (30, 4_000)):
        body = make_report("JKT01", day - timedelta(days=back), sales_net=net)
        assert signed_post(hub_client, "JKT01", key, body).status_code == 201
    client = factories.login(hub, "association")
    html = client.get("/association/").get_data(as_text=True)
    assert f'name="from" value="{day - timedelta(days=29)}"' in html
    assert 'data-testid="total-sales-net">Rp 3.000<' in html  # day 30 back is left out
    assert 'data-testid="partial-day"' in html
    ended = client.get(f"/association/?to={day - timedelta(days=1)}").get_data(as_text=True)
    assert 'data-testid="partial-day"' not in ended
