"""The pages in a real browser (Debian's chromium through playwright): a manager
registers a member and takes a deposit at 1366x768; the member reads their own page on
a phone. No console errors (a CSP violation would be one)."""

import re

from tests.browser import REQUIRES_CHROMIUM, login, watch_console
from tests.factories import next_nik

pytestmark = REQUIRES_CHROMIUM


def test_manager_registers_and_takes_a_deposit(live_server, browser, make_user):
    make_user("manager", username="manajer-b")
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    errors = watch_console(page)
    login(page, live_server, "manajer-b")
    page.goto(f"{live_server}/members/new")
    page.fill("input[name=name]", "Rina Browser")
    page.fill("input[name=nik]", next_nik())
    page.fill("input[name=phone]", "0811 2222 3333")
    page.click("form[data-testid=register-form] button[type=submit]")
    page.wait_for_url(re.compile(r"/members/M\d{6}$"))
    assert page.inner_text("[data-testid=pokok]") == "Rp 100.000"
    form = page.locator("form[data-testid=deposit-form]")
    form.locator("select[name=kind]").select_option("sukarela")
    form.locator("input[name=amount]").fill("75.000")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.inner_text("[data-testid=sukarela]") == "Rp 75.000"
    assert "Rp 75.000" in page.inner_text("[data-testid=ledger]")
    # The member card with its barcode image (an SVG served by the app).
    page.click("text=Kartu anggota")
    page.wait_for_load_state()
    width = page.eval_on_selector("img.card-barcode", "img => img.naturalWidth")
    assert width > 100
    assert errors == []
    context.close()


def test_member_reads_own_page_on_a_phone(live_server, browser, make_member, make_user):
    no = make_member("Sri Ponsel", wajib=40_000, sukarela=15_000)
    make_user("member", username="anggota-b", member_no=no)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    errors = watch_console(page)
    login(page, live_server, "anggota-b")
    page.wait_for_url(re.compile(r"/members/me$"))
    assert no in page.inner_text("[data-testid=member-no]")
    assert page.inner_text("[data-testid=sukarela]") == "Rp 15.000"
    assert page.inner_text("[data-testid=wajib]") == "Rp 40.000"
    # Fits the phone: no horizontal scrolling of the page itself.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    assert errors == []
    context.close()
