"""Issue 15 on the goods receipt page (in chromium): a pack's barcode makes a line in
packs at the pack's cost, posted as pieces."""

from decimal import Decimal

from playwright.sync_api import expect

from inventory import services
from tests.browser import REQUIRES_CHROMIUM, login
from tests.factories import ean13

pytestmark = REQUIRES_CHROMIUM


def test_goods_receipt_page_takes_a_pack_scan(
    app, live_server, browser, make_user, make_supplier, make_product
):
    """A dus's barcode on the receipt page: a line in packs at the pack's cost; posted,
    the stock grows by the pieces and the average cost is per piece."""
    _, username = make_user("manager")
    sup = make_supplier(name="CV Grosir Jaya")
    mie = make_product(
        name="Indomie Goreng",
        barcode=ean13(9501),
        supplier_id=sup,
        packs=[
            {"name": "DUS", "factor": 40, "barcode": ean13(9502), "price": 130_000, "cost": 110_000}
        ],
    )
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, live_server, username)
    page.goto(f"{live_server}/inventory/receipts/new")
    page.select_option("[data-testid=receipt-supplier]", str(sup))
    page.click("[data-testid=scan]")
    for code in ("2*" + ean13(9502), ean13(9501)):
        page.keyboard.type(code)
        page.keyboard.press("Enter")
    expect(page.locator("#lines tr")).to_have_count(2)
    expect(page.locator("#lines tr").nth(1)).to_contain_text("DUS (40)")
    expect(page.locator("[data-testid=line-qty]").nth(1)).to_have_value("2")
    expect(page.locator("[data-testid=line-cost]").nth(1)).to_have_value("110000")
    page.locator("[data-testid=line-cost]").nth(0).fill("2800")
    page.click("[data-testid=post-receipt]")
    page.wait_for_url(f"{live_server}/inventory/receipts?posted=*")
    with app.app_context():
        product = services.get_product(mie)
        # 80 pieces at 2.750 and one at 2.800: (220.000 + 2.800) / 81 = 2.750,6 -> 2.751
        assert (product.on_hand, product.avg_cost) == (Decimal("81.000"), 2_751)
    assert errors == []
