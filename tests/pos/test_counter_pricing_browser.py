"""The cashier screen prices a sale as the server does (integer rupiah, quantities in
thousandths, halves up: pos/services.py ``_priced_lines``), so the total it shows is
the total the server stores. 1,255 kg at a member price of Rp 12.500 is Rp 15.687,5:
Rp 15.688 (a float made it 15.687,49999... and the screen showed Rp 1 less)."""

import sqlalchemy as sa

from mart.extensions import db
from pos.models import Sale
from tests import factories
from tests.browser import REQUIRES_CHROMIUM
from tests.pos.test_counter_ui_browser import open_counter, scan

pytestmark = REQUIRES_CHROMIUM


def test_weighed_line_and_percent_discounts_match_the_stored_sale(
    app, live_server, browser, make_user
):
    _, beras = factories.make_product(
        app, name="Beras Curah", price=12_999, member_price=12_500, unit="kg"
    )
    _, teh = factories.make_product(app, name="Teh Botol", price=5_000)
    member_no = factories.make_member(app)
    page = open_counter(app, live_server, browser, make_user)
    page.keyboard.press("F3")
    page.fill("[data-testid=member-input]", member_no)
    page.click("[data-testid=member-submit]")
    page.wait_for_selector("[data-testid=member-box]:visible")
    scan(page, "1,255*" + beras)
    page.wait_for_selector("[data-testid=lines] tbody tr:nth-child(1)")
    scan(page, "3*" + teh)
    page.wait_for_selector("[data-testid=lines] tbody tr:nth-child(2)")
    cells = page.locator("[data-testid=lines] tbody tr:nth-child(1) td").all_inner_texts()
    assert cells[2] == "1,255 kg" and cells[5] == "Rp 15.688"
    assert page.inner_text("[data-testid=total]") == "Rp 30.688"

    # 7,5% on the weighed line: Rp 1.176,6 -> Rp 1.177
    page.keyboard.press("ArrowUp")
    page.keyboard.press("F4")
    page.fill("[data-testid=discount-amount]", "7,5%")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=total]:has-text('Rp 29.511')")
    # 2,5% on the sale after its line discounts: Rp 737,775 -> Rp 738
    page.keyboard.press("F4")
    page.check("#dlg-discount input[name=scope][value=sale]")
    page.fill("[data-testid=discount-amount]", "2,5%")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=total]:has-text('Rp 28.773')")

    # paid by card to the rupiah the screen shows: the server takes it only if its own
    # total is the same (a card may not pay more than the total, nor less than it)
    page.keyboard.press("F8")
    page.check("[data-testid=method-card]")
    page.fill("[data-testid=pay-amount]", "28773")
    page.click("[data-testid=pay-submit]")
    page.wait_for_selector("[data-testid=done-change]:has-text('Rp 0')")
    with app.app_context():
        sale = db.session.scalars(sa.select(Sale)).one()
        assert (sale.subtotal, sale.line_discount, sale.sale_discount, sale.total) == (
            30_688,
            1_177,
            738,
            28_773,
        )
        weighed = next(line for line in sale.lines if line.quantity != 3)
        assert str(weighed.quantity) == "1.255"
    assert page.errors == []
