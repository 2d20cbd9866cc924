"""In headless Chromium: paying by simpanan, the member types their PIN in a masked
field; a wrong PIN is refused; no PIN ever lands in localStorage, and a simpanan sale
is not kept on the screen while the server is away (the screen says so)."""

import time

import sqlalchemy as sa
from flask import request

from mart.extensions import db
from mart.models import User
from pos import services
from pos.models import Sale
from tests import factories
from tests.browser import REQUIRES_CHROMIUM, login, shots_dir
from tests.pos.conftest import MEMBER_PIN, sukarela
from tests.pos.test_counter_ui_browser import open_counter, scan

pytestmark = REQUIRES_CHROMIUM
SHOTS = shots_dir("sec-member")


def _shot(page, name):
    if SHOTS.parent.exists():
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / name))


def _storage(page) -> str:
    return page.evaluate(
        "() => Object.keys(localStorage).map(k => k + '=' + localStorage.getItem(k)).join('\\n')"
    )


def _sell_to_member(page, code, member_no):
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=lines] tbody tr")
    page.keyboard.press("F3")
    page.fill("[data-testid=member-input]", member_no)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=member-box]:not(.hidden)")
    page.keyboard.press("F8")
    page.wait_for_selector("[data-testid=pay-amount]:visible")
    page.check("[data-testid=method-simpanan]")
    page.wait_for_selector("[data-testid=member-pin-input]:visible")


def test_member_types_the_pin_and_it_is_never_stored(app, live_server, browser, make_user):
    with app.app_context():
        services.create_register("R1", "Kasir depan")
        db.session.commit()
    _, code = factories.make_product(app, name="Beras 5 kg", price=65_000)
    member_no = factories.make_member(app, name="Siti Aminah", sukarela=200_000)
    make_user("cashier", username="kasir-pin")
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, live_server, "kasir-pin")
    page.wait_for_selector("[data-testid=open-shift]:not(.hidden)")
    page.click("[data-testid=open-shift-submit]")
    page.wait_for_selector("[data-testid=scan]:visible")

    _sell_to_member(page, code, member_no)
    assert page.get_attribute("[data-testid=member-pin-input]", "type") == "password"
    _shot(page, "counter-member-pin-1366.png")
    # no PIN typed: the screen asks for it, nothing is sent
    page.click("[data-testid=pay-submit]")
    page.locator("[data-testid=pay-error]", has_text="PIN").wait_for()
    # a wrong PIN: refused by the server
    page.fill("[data-testid=member-pin-input]", "135790")
    page.click("[data-testid=pay-submit]")
    # its own answer ("PIN anggota salah."), not the "types their PIN" shown before it
    page.locator("[data-testid=pay-error]", has_text="salah").wait_for()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Sale)) == 0
    _shot(page, "counter-member-pin-wrong-1366.png")
    # the right PIN pays
    page.fill("[data-testid=member-pin-input]", MEMBER_PIN)
    page.click("[data-testid=pay-submit]")
    page.wait_for_selector("[data-testid=done-change]:visible")
    assert sukarela(app, member_no) == 135_000
    page.click("[data-testid=done-ok]")
    assert MEMBER_PIN not in _storage(page) and "135790" not in _storage(page)

    # the server is away: a simpanan sale is not kept, and the screen says why
    _sell_to_member(page, code, member_no)
    page.route("**/api/v1/sales", lambda route: route.abort())
    page.fill("[data-testid=member-pin-input]", MEMBER_PIN)
    page.click("[data-testid=pay-submit]")
    page.locator("[data-testid=pay-error]", has_text="simpanan").wait_for()
    _shot(page, "counter-member-pin-offline-1366.png")
    stored = _storage(page)
    assert MEMBER_PIN not in stored
    assert "pos.outbox" not in stored or '"member_pin"' not in stored
    assert (
        page.evaluate(
            "() => (JSON.parse(localStorage.getItem('pos.outbox.kasir-pin')) || []).length"
        )
        == 0
    )
    page.unroute("**/api/v1/sales")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Sale)) == 1
    for width, height in ((1280, 800), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        _shot(page, f"counter-member-pin-{width}.png")
    assert errors == []


def _discount_asks_for_a_pin(page, code):
    """A line of ``code``, then Rp 30.000 off it: above the cashier's limit, so the
    discount's approval is asked as it is given (approver chosen by name, then the PIN)."""
    scan(page, code)
    page.wait_for_selector("[data-testid=lines] tbody tr")
    page.keyboard.press("F4")
    page.fill("form[data-dialog=discount] input[name=amount]", "30000")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=discount-pin]:visible")


def test_approver_is_chosen_by_name_then_types_the_pin(app, live_server, browser, make_user):
    _, code = factories.make_product(app, name="Minyak Goreng 2 L", price=100_000)
    make_user("manager", username="siti-mgr", pin="736204")
    make_user("admin", username="boss-adm", pin="482915")
    page = open_counter(app, live_server, browser, make_user, username="kasir-appr")
    _discount_asks_for_a_pin(page, code)
    select = page.locator("#discount-pin select[name=approver]")
    assert set(select.locator("option").all_inner_texts()) >= {"Siti-Mgr", "Boss-Adm"}
    select.select_option("siti-mgr")
    page.fill("[data-testid=discount-pin]", "482915")  # the admin's PIN is not Siti's
    page.keyboard.press("Enter")
    # the wrong PIN's own answer ("PIN manajer salah."), not the "enter the PIN" asked
    # before it: a right PIN typed while the wrong one is still checked would be lost
    page.locator("[data-testid=discount-error]", has_text="salah").wait_for()
    _shot(page, "counter-approver-1366.png")
    page.locator("#discount-pin select[name=approver]").select_option("siti-mgr")
    page.fill("[data-testid=discount-pin]", "736204")
    page.keyboard.press("Enter")
    page.wait_for_selector("#dlg-discount", state="hidden")
    page.locator("[data-testid=total]", has_text="Rp 70.000").wait_for()
    page.keyboard.press("F8")
    page.fill("[data-testid=pay-amount]", "70000")
    page.click("[data-testid=pay-submit]")
    page.wait_for_selector("[data-testid=done-change]:visible")
    with app.app_context():
        sale = db.session.scalars(sa.select(Sale)).one()
        assert db.session.get(User, sale.approved_by_id).username == "siti-mgr"
    assert "736204" not in _storage(page) and "482915" not in _storage(page)
    assert page.errors == []


def test_a_pin_typed_while_the_wrong_one_is_checked_is_kept(app, live_server, browser, make_user):
    """A manager who mistypes and types the PIN again at once: the wrong PIN's answer
    comes back after the right one is in the field, and must not wipe it."""
    checking = []

    @app.before_request
    def _slow_check():  # the wrong PIN's check takes half a second to answer
        if request.path.endswith("/pos/approvals/check"):
            checking.append(True)
            time.sleep(0.5)

    _, code = factories.make_product(app, name="Minyak Goreng 2 L", price=100_000)
    make_user("manager", username="siti-mgr", pin="736204")
    page = open_counter(app, live_server, browser, make_user, username="kasir-cepat")
    _discount_asks_for_a_pin(page, code)
    page.fill("[data-testid=discount-pin]", "111111")
    page.keyboard.press("Enter")  # sent; its answer comes in half a second
    page.fill("[data-testid=discount-pin]", "736204")  # typed again meanwhile
    page.locator("[data-testid=discount-error]", has_text="salah").wait_for()
    assert checking, "the wrong PIN was checked"
    assert page.input_value("[data-testid=discount-pin]") == "736204"
    page.keyboard.press("Enter")
    page.wait_for_selector("#dlg-discount", state="hidden")
    page.locator("[data-testid=total]", has_text="Rp 70.000").wait_for()
