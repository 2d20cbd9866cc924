"""Scanner pages in a real browser (Debian chromium): goods receipt and stock count."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from inventory import services
from mart.extensions import db
from tests.browser import CSP_LISTENER, REQUIRES_CHROMIUM, login
from tests.factories import ean13

pytestmark = REQUIRES_CHROMIUM


@pytest.mark.parametrize("viewport", [(1366, 768), (390, 844)])
def test_receive_by_scanning_then_count(
    app, live_server, browser, make_user, make_supplier, make_product, viewport
):
    base = live_server
    _, username = make_user("manager")
    sup = make_supplier(name="CV Grosir Jaya")
    mie = make_product(name="Indomie Goreng", barcode=ean13(901), supplier_id=sup)
    teh = make_product(name="Teh Botol", barcode=ean13(902), supplier_id=sup)
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    page.add_init_script(CSP_LISTENER)
    login(page, base, username)

    page.goto(f"{base}/inventory/receipts/new")
    page.select_option("[data-testid=receipt-supplier]", str(sup))
    scan = page.locator("[data-testid=scan]")
    # The scanner types the code and Enter; the scan field keeps the focus; the
    # quantity is typed in its own field, and Enter there goes back to the scan field.
    scan.fill(ean13(901))
    scan.press("Enter")
    qty = page.locator("[data-testid=line-qty]").first
    qty.wait_for()
    qty.fill("24")
    qty.press("Enter")
    page.locator("[data-testid=line-cost]").first.fill("2800")
    scan.fill(ean13(902))
    scan.press("Enter")
    expect(page.locator("#lines tr")).to_have_count(2)
    page.locator("[data-testid=line-qty]").first.fill("6")
    page.locator("[data-testid=line-cost]").first.fill("4000")
    scan.fill("0000000000000")
    scan.press("Enter")
    expect(page.locator("#message")).to_contain_text("0000000000000")
    page.click("[data-testid=post-receipt]")
    page.wait_for_url(f"{base}/inventory/receipts?posted=*")
    with app.app_context():
        assert services.get_product(mie).on_hand == Decimal("24.000")
        assert services.get_product(mie).avg_cost == 2800
        assert services.get_product(teh).on_hand == Decimal("6.000")

    page.goto(f"{base}/inventory/counts")
    page.click("[data-testid=open-count]")
    page.wait_for_selector("[data-testid=count-scan]")
    count_scan = page.locator("[data-testid=count-scan]")
    for _ in range(3):  # three scans of the same item count three
        count_scan.fill(ean13(902))
        count_scan.press("Enter")
        expect(page.locator("#count-message")).to_contain_text("+1")
        page.evaluate("document.getElementById('count-message').textContent = ''")
    expect(page.locator("#count-lines tr")).to_have_count(1)
    # a blind count: what the ledger expects is not shown while counting
    assert page.locator("#count-lines tr td").count() == 3
    assert page.locator("[data-testid=count-lines] thead th").count() == 3
    page.click("[data-testid=review-count]")
    expect(page.locator("#count-total")).to_contain_text("12.000")
    page.click("[data-testid=post-count]")
    page.wait_for_load_state()
    with app.app_context():
        assert services.get_product(teh).on_hand == Decimal("3.000")
        db.session.remove()
    assert page.evaluate("window.__csp") == []
    page.close()
