"""The dashboard in a real browser (Debian's chromium through playwright): association
staff at 1366x768 sort the branch table and switch the trend; on a phone the page
still fits. The manager's roll-up page at a branch. No console errors (a CSP
violation would be one), nothing wider than the screen but the scrolling tables."""

from datetime import timedelta

import pytest

from rollup.hub import today
from tests.browser import REQUIRES_CHROMIUM, login, serving, watch_console
from tests.rollup.conftest import make_report, signed_post

pytestmark = [*REQUIRES_CHROMIUM, pytest.mark.both_passes]  # its SQL differs by database


def test_association_dashboard_in_a_browser(hub, hub_client, register, make_user, browser):
    with hub.app_context():
        end = today() - timedelta(days=1)
    for code, kota, net in (("JKT01", "Jakarta Selatan", 100_000), ("BDG01", "Bandung", 70_000)):
        key = register(code, kota=kota)
        for offset in range(10):
            body = make_report(code, end - timedelta(days=offset), sales_net=net)
            assert signed_post(hub_client, code, key, body).status_code == 201
    make_user("association", username="asosiasi-b")
    with serving(hub) as base:
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        page = context.new_page()
        errors = watch_console(page)
        login(page, base, "asosiasi-b")
        assert page.url.rstrip("/").endswith("/association")  # the role's home
        page.goto(f"{base}/association/?from={end - timedelta(days=9)}&to={end}")
        assert page.inner_text("[data-testid=total-sales-net]") == "Rp 1.700.000"
        assert page.locator("svg.chart rect.bar").count() == 10
        rows = page.locator("[data-testid=branch-table] tbody tr")
        assert rows.nth(0).get_attribute("data-code") == "JKT01"
        page.click("[data-testid=branch-table] th a:text-is('Kode')")
        page.wait_for_load_state()
        assert rows.nth(0).get_attribute("data-code") == "BDG01"
        page.select_option("select[name=by]", "week")
        page.click("[data-testid=period-form] button[type=submit]")
        page.wait_for_load_state()
        assert page.locator("svg.chart rect.bar").count() in (2, 3)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1366
        assert errors == []

        phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        page = phone.new_page()
        errors = watch_console(page)
        login(page, base, "asosiasi-b")
        page.goto(f"{base}/association/")
        assert page.locator("svg.chart").is_visible()
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > 392 && !e.closest('.table-wrap'))
                .map(e => e.tagName + '.' + e.className).slice(0, 8)"""
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1, wide
        assert errors == []


def test_manager_roll_up_page_in_a_browser(app_factory, make_user, browser):
    branch = app_factory(MART_BRANCH_CODE="JKT01")
    make_user("manager", username="manajer-r")
    with serving(branch) as base:
        page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
        errors = watch_console(page)
        login(page, base, "manajer-r")
        page.goto(f"{base}/rollup/?date=2026-03-14")
        assert page.locator("[data-testid=daily-figures]").is_visible()
        page.click("[data-testid=push]")
        page.wait_for_load_state()
        # No association configured: the report waits, and the page says so.
        assert page.inner_text("[data-testid=pending-count]") == "1"
        assert page.locator("[data-testid=outbox] tbody tr").count() == 1
        assert errors == []


def test_every_silent_branch_is_marked_in_the_striped_table(
    hub, hub_client, register, make_user, browser
):
    """A silent branch's row is marked on every line of the striped branch table, not on
    every other one (the stripes' rule outweighed the mark on odd rows)."""
    with hub.app_context():
        end = today() - timedelta(days=6)
    for n in range(3):
        code = f"SLT0{n}"
        key = register(code, kota="Kota Sunyi")
        body = make_report(code, end, sales_net=100_000 * (n + 1))
        assert signed_post(hub_client, code, key, body).status_code == 201
    make_user("association", username="asosiasi-s")
    with serving(hub) as base:
        page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
        login(page, base, "asosiasi-s")
        page.goto(f"{base}/association/?from={end}&to={end}&stale=3")
        rows = page.locator("[data-testid=branch-table] tbody tr.stale")
        assert rows.count() == 3
        colours = page.evaluate(
            """() => [...document.querySelectorAll(
                '[data-testid=branch-table] tbody tr.stale td:first-child')]
                .map(td => getComputedStyle(td).backgroundColor)"""
        )
        assert colours == ["rgb(255, 243, 224)"] * 3, colours
