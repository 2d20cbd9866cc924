"""Promotions on the cashier screen (issue 15): the screen prices them as the server
does, shows each promotion's name on its line and on the customer display, and the
sale it sends is stored at the total it showed (a card pays exactly that)."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from mart.extensions import db
from pos.models import Sale
from pos.services import promotions
from tests import factories
from tests.browser import REQUIRES_CHROMIUM
from tests.pos.test_counter_ui_browser import line_cells, open_counter, scan

pytestmark = REQUIRES_CHROMIUM


def test_promotions_shown_and_priced_as_stored(app, live_server, browser, make_user):
    kopi, kopi_code = factories.make_product(app, name="Kopi Sachet", price=2_000)
    roti, roti_code = factories.make_product(app, name="Roti Tawar", price=15_000)
    susu, susu_code = factories.make_product(app, name="Susu UHT", price=7_000)
    now = datetime.now(UTC)
    period = {
        "starts": (now - timedelta(days=1)).isoformat(),
        "ends": (now + timedelta(days=1)).isoformat(),
    }
    with app.app_context():
        promotions.create_promotion(
            {
                "name": "Beli 2 gratis 1",
                "kind": "buy_get",
                "buy": 2,
                "get": 1,
                "product_id": kopi,
                **period,
            },
            None,
        )
        promotions.create_promotion(
            {
                "name": "Paket sarapan",
                "kind": "bundle",
                "product_ids": [roti, susu],
                "price": 19_000,
                **period,
            },
            None,
        )
        db.session.commit()
    page = open_counter(app, live_server, browser, make_user)
    scan(page, "3*" + kopi_code)
    page.wait_for_selector("[data-testid=lines] tbody tr:nth-child(1)")
    scan(page, roti_code)
    page.wait_for_selector("[data-testid=lines] tbody tr:nth-child(2)")
    scan(page, susu_code)
    page.wait_for_selector("[data-testid=lines] tbody tr:nth-child(3)")
    # kopi 3 x 2.000 = 6.000, one free: 4.000; roti + susu 22.000 as a bundle 19.000,
    # the 3.000 shared 15:7 -> 2.045 / 955
    page.wait_for_selector("[data-testid=total]:has-text('Rp 23.000')")
    first = line_cells(page, 1)
    assert "Beli 2 gratis 1" in first[1] and first[4] == "-Rp 2.000" and first[5] == "Rp 4.000"
    assert "Paket sarapan" in line_cells(page, 2)[1] and line_cells(page, 2)[5] == "Rp 12.955"
    assert line_cells(page, 3)[5] == "Rp 6.045"

    # the customer display gets each line with its promotion's name and what it costs
    page.wait_for_function(
        """async () => {
          const r = await fetch("/pos/display/R1/state");
          const s = (await r.json()).state;
          return s && s.lines.length === 3 && s.lines[0].name.includes("Beli 2 gratis 1")
            && s.lines[0].amount === 4000 && s.total === 23000;
        }""",
        polling=300,
    )
    page.keyboard.press("F8")
    page.check("[data-testid=method-card]")
    page.fill("[data-testid=pay-amount]", "23000")
    page.click("[data-testid=pay-submit]")
    page.wait_for_selector("[data-testid=done-change]:has-text('Rp 0')")
    with app.app_context():
        sale = db.session.scalars(sa.select(Sale)).one()
        assert (sale.subtotal, sale.promotion_discount, sale.total) == (28_000, 5_000, 23_000)
        assert [line.promotion_discount for line in sale.lines] == [2_000, 2_045, 955]
    assert page.errors == []
