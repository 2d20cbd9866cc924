"""Scale labels sell while the server is away (pos/README.md, "Offline"): the cashier
screen decodes a weight or price label from the catalogue in IndexedDB with the
branch's own rules (``MART_SCALE_RULES``, sent with the catalogue), as the server does,
against a real gunicorn that is stopped and started again."""

import pytest
import sqlalchemy as sa

from inventory import barcodes as bc
from mart.extensions import db
from pos import services
from pos.models import Sale
from tests import factories
from tests.browser import REQUIRES_CHROMIUM, login, shots_dir
from tests.reliability.server import Server

pytestmark = REQUIRES_CHROMIUM
RULES = "23:weight,24:price"  # not the default 21/22: the screen reads the branch's rules


@pytest.fixture
def server(app, database_url, instance_path):
    made = Server(
        database_url, instance_path, workers=1, threads=4, env={"MART_SCALE_RULES": RULES}
    )
    yield made
    made.stop()


def test_scale_labels_sell_while_the_server_is_away(app, server, browser, make_user):
    with app.app_context():
        services.create_register("R1", "Kasir depan")
        db.session.commit()
    # found by its registered zero-value label / by a sku equal to the label's item code
    weighed_label = bc.with_check_digit("23" + "00042" + "00000")
    meat, _ = factories.make_product(
        app, name="Daging Sapi", price=30_000, unit="kg", barcode=weighed_label
    )
    cheese, _ = factories.make_product(
        app, name="Keju Potong", price=30_000, unit="kg", barcode=None, sku="12345"
    )
    make_user("cashier", username="kasir4")
    server.start()

    page = browser.new_page(viewport={"width": 1366, "height": 768})
    login(page, server.base, "kasir4")
    page.goto(f"{server.base}/pos/")
    page.wait_for_selector("[data-testid=open-shift]:not(.hidden)")
    page.click("[data-testid=open-shift-submit]")
    page.wait_for_selector("[data-testid=scan]:visible")
    page.locator("[data-testid=catalogue-status]", has_text=": 2 ").wait_for(timeout=30_000)

    server.stop()
    weight = bc.with_check_digit("23" + "00042" + "01250")  # 1,25 kg
    priced = bc.with_check_digit("24" + "12345" + "15000")  # Rp 15.000
    page.keyboard.type(weight)
    page.keyboard.press("Enter")
    page.locator("[data-testid=total]", has_text="Rp 37.500").wait_for()
    page.keyboard.type(priced)
    page.keyboard.press("Enter")
    page.locator("[data-testid=total]", has_text="Rp 52.500").wait_for()
    lines = page.inner_text("[data-testid=lines]")
    assert "Daging Sapi" in lines and "1,25 kg" in lines and "Keju Potong" in lines
    # the price label's line reads quantity x price per kg = amount
    cheese_line = page.locator("[data-testid=lines] tr", has_text="Keju Potong").inner_text()
    assert cheese_line.split("\t")[2:] == ["0,5 kg", "Rp 30.000", "", "Rp 15.000", "×"], cheese_line
    page.screenshot(path=str(shots_dir("pos") / "offline-scale-1366x768.png"))
    page.keyboard.press("F8")
    page.fill("[data-testid=pay-amount]", "60000")
    page.keyboard.press("Enter")
    page.locator("[data-testid=done-change]", has_text="Rp 7.500").wait_for()
    page.click("[data-testid=done-ok]")

    # the server is back: the sale arrives with the labels' weight and price
    server.start()
    page.wait_for_selector("[data-testid=offline-banner].hidden", state="attached", timeout=30_000)
    with app.app_context():
        sale = db.session.scalars(sa.select(Sale)).one()
        assert sale.total == 52_500 and sale.change == 7_500
        got = {line.product_id: str(line.quantity) for line in sale.lines}
        db.session.remove()
    assert got == {meat: "1.250", cheese: "0.500"}
