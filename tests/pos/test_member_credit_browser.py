"""In headless Chromium: the cashier sells on credit (issue 15). The member types
their PIN; a sale above the member's limit is refused with the amount still
available, nothing written; within it, the sale is made and the credit used."""

import sqlalchemy as sa

from mart.extensions import db
from members import services as members
from pos import services
from pos.models import Sale
from tests import factories
from tests.browser import REQUIRES_CHROMIUM, login
from tests.pos.conftest import MEMBER_PIN

pytestmark = REQUIRES_CHROMIUM


def _sell_on_credit(page, code, member_no):
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=lines] tbody tr")
    page.keyboard.press("F3")
    page.fill("[data-testid=member-input]", member_no)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=member-box]:not(.hidden)")
    page.keyboard.press("F8")
    page.wait_for_selector("[data-testid=pay-amount]:visible")
    page.check("[data-testid=method-credit]")
    page.wait_for_selector("[data-testid=member-pin-input]:visible")


def _sales(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Sale))


def test_paying_by_credit_at_the_counter(app, live_server, browser, make_user):
    with app.app_context():
        services.create_register("R1", "Kasir depan")
        db.session.commit()
    _, rice = factories.make_product(app, name="Beras 5 kg", price=65_000)
    _, oil = factories.make_product(app, name="Minyak 1 L", price=20_000)
    member_no = factories.make_member(app, name="Budi Kasbon", pokok=True, wajib=100_000)
    with app.test_request_context():
        members.credit.set_limit(member_no, 50_000)
        db.session.commit()
    make_user("cashier", username="kasir-kredit")
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, live_server, "kasir-kredit")
    page.wait_for_selector("[data-testid=open-shift]:not(.hidden)")
    page.click("[data-testid=open-shift-submit]")
    page.wait_for_selector("[data-testid=scan]:visible")

    # within the limit: paid on credit with the member's PIN
    _sell_on_credit(page, oil, member_no)
    page.click("[data-testid=pay-submit]")  # no PIN: asked for it, nothing sent
    page.locator("[data-testid=pay-error]", has_text="PIN").wait_for()
    assert _sales(app) == 0
    page.fill("[data-testid=member-pin-input]", MEMBER_PIN)
    page.click("[data-testid=pay-submit]")
    page.wait_for_selector("[data-testid=done-change]:visible")
    page.locator("#done-receipt", has_text="Kredit anggota").wait_for()
    page.click("[data-testid=done-ok]")
    with app.app_context():
        credit = members.credit.credit_of(member_no)
    assert (credit["used"], credit["available"]) == (20_000, 30_000)
    assert _sales(app) == 1

    # above what is left (65.000 > 30.000): refused, the message says what is
    # available, nothing written
    _sell_on_credit(page, rice, member_no)
    page.fill("[data-testid=member-pin-input]", MEMBER_PIN)
    page.click("[data-testid=pay-submit]")
    page.locator("[data-testid=pay-error]", has_text="Rp 30.000").wait_for()
    assert _sales(app) == 1
    with app.app_context():
        assert members.credit.credit_of(member_no)["used"] == 20_000
    assert errors == []
