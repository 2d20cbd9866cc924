"""On a phone (390 px) the member and supplier tables and the product list show what
matters (balances, amounts due, stock) without sideways scrolling (issue 13 item 8)."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from inventory import services
from mart.extensions import db
from members import services as members
from tests.browser import REQUIRES_CHROMIUM, login, shots_dir
from tests.factories import ean13

pytestmark = REQUIRES_CHROMIUM


@pytest.mark.parametrize(
    ("url", "table"),
    [
        ("/members/", "table"),
        ("/inventory/suppliers", "table"),
        ("/inventory/products", "[data-testid=products]"),
    ],
)
def test_tables_fit_a_phone(
    app, live_server, browser, make_user, make_supplier, make_product, url, table
):
    sup = make_supplier(
        name="Koperasi Tani Makmur Sejahtera", terms="consignment", commission_percent=15
    )
    make_product(name="Keripik Singkong Pedas Manis", supplier_id=sup, barcode=ean13(9999))
    with app.app_context():
        members.register_member("Siti Aminah Rahmawati", "3171000000000123", phone="081234567890")
        db.session.commit()
    _, username = make_user("manager")
    page = browser.new_page(viewport={"width": 390, "height": 844})
    login(page, live_server, username)
    page.goto(f"{live_server}{url}")
    overflow = page.evaluate(
        "sel => { const t = document.querySelector(sel);"
        " const w = t.closest('.table-wrap') || t.parentElement;"
        " return t.scrollWidth - w.clientWidth; }",
        table,
    )
    page.screenshot(
        path=str(shots_dir("ui") / f"phone{url.replace('/', '_')}390x844.png"), full_page=True
    )
    assert overflow <= 1


@pytest.mark.parametrize("size", [(390, 844), (1366, 768)])
def test_goods_receipt_entry_fits_a_phone_and_posts(
    app, live_server, browser, make_user, make_supplier, make_product, size
):
    """The goods-receipt entry form at 390x844 (and a desktop's 1366x768) with two
    scanned lines: no sideways scrolling, every line's fields inside the screen and
    usable, and the receipt still posts."""
    width = size[0]
    sup = make_supplier(name="Koperasi Tani Makmur Sejahtera")
    mie = make_product(
        name="Keripik Singkong Pedas Manis Ukuran Keluarga", barcode=ean13(931), supplier_id=sup
    )
    teh = make_product(name="Teh Botol Sosro", barcode=ean13(932), supplier_id=sup)
    _, username = make_user("manager")
    page = browser.new_page(viewport={"width": width, "height": size[1]})
    login(page, live_server, username)
    page.goto(f"{live_server}/inventory/receipts/new")
    page.select_option("[data-testid=receipt-supplier]", str(sup))
    page.click("[data-testid=scan]")
    for code in (ean13(931), ean13(932)):
        page.keyboard.type(code)
        page.keyboard.press("Enter")
    expect(page.locator("#lines tr")).to_have_count(2)
    shots = shots_dir("h13gr")
    page.screenshot(path=str(shots / f"receipt_new_{width}x{size[1]}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # each line's fields lie inside the screen and take typing
    for sel in ("[data-testid=line-qty]", "[data-testid=line-cost]", "[aria-label=expiry]"):
        for box in [page.locator(sel).nth(i).bounding_box() for i in range(2)]:
            assert box["x"] >= 0 and box["x"] + box["width"] <= width
            assert box["width"] >= 60
    page.locator("[data-testid=line-qty]").nth(1).fill("3")
    page.locator("[data-testid=line-qty]").nth(1).press("Enter")
    page.locator("[data-testid=line-cost]").nth(0).fill("3500")
    page.locator("[data-testid=line-cost]").nth(1).fill("9000")
    page.locator("[aria-label=batch]").nth(1).fill("B-77")
    expect(page.locator("#total")).to_have_text("Rp 30.500")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.click("[data-testid=post-receipt]")
    page.wait_for_url(f"{live_server}/inventory/receipts?posted=*")
    with app.app_context():
        assert services.get_product(mie).on_hand == Decimal("3.000")
        assert services.get_product(teh).on_hand == Decimal("1.000")
