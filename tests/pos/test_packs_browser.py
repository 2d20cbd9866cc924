"""Issue 15 on the cashier screen: a pack's barcode sells the pack (its name on the
line, its price), a quantity reaching a tier shows "harga grosir" at the tier's price,
and the total the screen shows is the total the server stores; the same from the
catalogue offline."""

import pytest
import sqlalchemy as sa

from mart.extensions import db
from pos import services
from pos.models import Sale
from tests import factories
from tests.browser import REQUIRES_CHROMIUM, login
from tests.factories import ean13
from tests.pos.test_counter_ui_browser import open_counter, scan
from tests.reliability.server import Server

pytestmark = REQUIRES_CHROMIUM

DUS = ean13(7301)


def test_pack_scan_and_tier_price_match_the_stored_sale(app, live_server, browser, make_user):
    _, mie = factories.make_product(
        app,
        name="Mie Goreng",
        price=3_500,
        packs=[{"name": "DUS", "factor": 40, "barcode": DUS, "price": 130_000}],
        tiers=[{"min_quantity": 10, "price": 3_300}],
    )
    page = open_counter(app, live_server, browser, make_user)
    scan(page, DUS)
    page.wait_for_selector("[data-testid=lines] tbody tr:nth-child(1)")
    cells = page.locator("[data-testid=lines] tbody tr:nth-child(1) td").all_inner_texts()
    assert "DUS (40)" in cells[1] and cells[2] == "1" and cells[5] == "Rp 130.000"
    scan(page, "12*" + mie)
    page.wait_for_selector("[data-testid=lines] tbody tr:nth-child(2)")
    cells = page.locator("[data-testid=lines] tbody tr:nth-child(2) td").all_inner_texts()
    # 12 x Rp 3.300 (harga grosir from 10)
    assert "harga grosir" in cells[1] and cells[3] == "Rp 3.300" and cells[5] == "Rp 39.600"
    assert page.inner_text("[data-testid=total]") == "Rp 169.600"
    page.keyboard.press("F8")
    page.check("[data-testid=method-card]")
    page.fill("[data-testid=pay-amount]", "169600")
    page.click("[data-testid=pay-submit]")
    page.wait_for_selector("[data-testid=done-change]:has-text('Rp 0')")
    with app.app_context():
        sale = db.session.scalars(sa.select(Sale)).one()
        assert sale.total == 169_600
        assert [(ln.quantity, ln.price_source, ln.pack_name) for ln in sale.lines] == [
            (40, "pack", "DUS"),
            (12, "tier", None),
        ]
    assert page.errors == []


@pytest.fixture
def server(app, database_url, instance_path):
    made = Server(database_url, instance_path, workers=1, threads=4)
    yield made
    made.stop()


def test_pack_and_tier_sell_from_the_offline_catalogue(app, server, browser, make_user):
    """The server away: the catalogue in IndexedDB knows the pack's barcode and the
    tiers, and the screen's total is the one the server stores when the sale arrives."""
    with app.app_context():
        services.create_register("R1", "Kasir depan")
        db.session.commit()
    _, teh = factories.make_product(
        app,
        name="Teh Kotak",
        price=4_000,
        packs=[{"name": "PAK", "factor": 6, "barcode": ean13(7302), "price": 22_000}],
        tiers=[{"min_quantity": 12, "price": 3_700}],
    )
    make_user("cashier", username="kasir5")
    server.start()
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    login(page, server.base, "kasir5")
    page.goto(f"{server.base}/pos/")
    page.wait_for_selector("[data-testid=open-shift]:not(.hidden)")
    page.click("[data-testid=open-shift-submit]")
    page.wait_for_selector("[data-testid=scan]:visible")
    page.locator("[data-testid=catalogue-status]", has_text=": 1 ").wait_for(timeout=30_000)

    server.stop()
    page.keyboard.type("2*" + ean13(7302))
    page.keyboard.press("Enter")
    page.locator("[data-testid=total]", has_text="Rp 44.000").wait_for()
    page.keyboard.type("12*" + teh)
    page.keyboard.press("Enter")
    # 2 x 22.000 + 12 x 3.700
    page.locator("[data-testid=total]", has_text="Rp 88.400").wait_for()
    assert "PAK (6)" in page.inner_text("[data-testid=lines]")
    page.keyboard.press("F8")
    page.fill("[data-testid=pay-amount]", "100000")
    page.keyboard.press("Enter")
    page.locator("[data-testid=done-change]", has_text="Rp 11.600").wait_for()
    page.click("[data-testid=done-ok]")

    server.start()
    page.wait_for_selector("[data-testid=offline-banner].hidden", state="attached", timeout=30_000)
    with app.app_context():
        sale = db.session.scalars(sa.select(Sale)).one()
        got = (sale.total, sale.change, [(str(ln.quantity), ln.price_source) for ln in sale.lines])
        db.session.remove()
    assert got == (88_400, 11_600, [("12.000", "pack"), ("12.000", "tier")])
