"""On a phone (390 px) the member and supplier tables and the product list show what
matters (balances, amounts due, stock) without sideways scrolling (issue 13 item 8)."""

import pytest

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
