"""In headless Chromium, two pages: the cashier screen and the customer display (opened
with the register's display token). Paying by simpanan, the cashier screen waits for
the member, the display shows a PIN pad, the member types a wrong PIN (refused on the
pad, no sale), then the right one, and the sale completes on the cashier screen. No
PIN and no approval is ever stored in either page's localStorage."""

import sqlalchemy as sa

from mart.extensions import db
from pos import services
from pos.models import MemberPinApproval, Sale
from tests import factories
from tests.browser import REQUIRES_CHROMIUM, login, shots_dir
from tests.pos.conftest import MEMBER_PIN, sukarela
from tests.pos.test_member_pin_browser import _sell_to_member, _storage
from tests.pos.test_member_pin_display import _ask

pytestmark = REQUIRES_CHROMIUM
SHOTS = shots_dir("display-pin")


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name))


def _type_on_pad(page, pin):
    for digit in pin:
        page.click(f"[data-testid=pinpad-{digit}]")


def test_member_types_the_pin_on_the_customer_display(app, live_server, browser, make_user):
    with app.app_context():
        register = services.create_register("R1", "Kasir depan")
        db.session.commit()
        token = services.display_token(register.id, register.code)
    _, code = factories.make_product(app, name="Beras 5 kg", price=65_000)
    member_no = factories.make_member(app, name="Siti Aminah", sukarela=200_000)
    make_user("cashier", username="kasir-layar")

    counter = browser.new_page(viewport={"width": 1366, "height": 768})
    display = browser.new_page(viewport={"width": 1366, "height": 768})
    errors = []
    for page in (counter, display):
        page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(counter, live_server, "kasir-layar")
    counter.wait_for_selector("[data-testid=open-shift]:not(.hidden)")
    counter.click("[data-testid=open-shift-submit]")
    counter.wait_for_selector("[data-testid=scan]:visible")
    display.goto(f"{live_server}/pos/display/R1?t={token}")

    _sell_to_member(counter, code, member_no)
    # the display follows the cart (so it is polling: "in use" on this register)
    display.locator("#d-lines tr", has_text="Beras 5 kg").wait_for()
    counter.click("[data-testid=pay-submit]")
    counter.locator(
        "[data-testid=member-pin-wait]", has_text="Menunggu PIN dari anggota di layar pelanggan"
    ).wait_for()
    _shot(counter, "counter-waiting-1366.png")

    pad = display.locator("[data-testid=pinpad]")
    pad.wait_for(state="visible")
    assert "Masukkan PIN anggota Anda" in pad.inner_text()
    assert display.inner_text("[data-testid=pinpad-amount]") == "Rp 65.000 dari simpanan sukarela"
    assert display.inner_text("[data-testid=pinpad-member]") == "Siti Aminah"
    _shot(display, "display-pinpad-1366.png")
    for width, height in ((1280, 800), (390, 844)):
        display.set_viewport_size({"width": width, "height": height})
        _shot(display, f"display-pinpad-{width}.png")
        # every key of the pad is on the screen and big enough to touch
        for key in [*"0123456789", "clear", "ok"]:
            box = display.locator(f"[data-testid=pinpad-{key}]").bounding_box()
            assert box["width"] >= 56 and box["height"] >= 56, (width, key, box)
            assert box["y"] + box["height"] <= height, (width, key, box)
    display.set_viewport_size({"width": 1366, "height": 768})

    # a wrong PIN: refused on the pad, no sale, the cashier keeps waiting
    _type_on_pad(display, "135790")
    display.locator("[data-testid=pinpad-message].error").wait_for()
    assert "salah" in display.inner_text("[data-testid=pinpad-message]").lower()
    assert display.locator("[data-testid=pinpad-dots] span.on").count() == 0
    _shot(display, "display-pinpad-wrong-1366.png")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Sale)) == 0
    display.set_viewport_size({"width": 390, "height": 844})
    _shot(display, "display-pinpad-wrong-390.png")
    display.set_viewport_size({"width": 1366, "height": 768})
    # typed masked: the dots fill, the digits are shown nowhere
    _type_on_pad(display, MEMBER_PIN[:3])
    assert display.locator("[data-testid=pinpad-dots] span.on").count() == 3
    assert MEMBER_PIN[:3] not in display.inner_text("body")
    _shot(display, "display-pinpad-typing-1366.png")
    _type_on_pad(display, MEMBER_PIN[3:])

    # the right PIN: the cashier screen completes the sale by itself
    counter.wait_for_selector("[data-testid=done-change]:visible")
    pad.wait_for(state="hidden")
    assert sukarela(app, member_no) == 135_000
    with app.app_context():
        sale = db.session.scalars(sa.select(Sale)).one()
        approval = db.session.scalars(sa.select(MemberPinApproval)).one()
        assert approval.status == "used" and approval.sale_id == sale.id
        assert [p.method for p in sale.payments] == ["simpanan"]
    for page in (counter, display):
        stored = _storage(page)
        assert MEMBER_PIN not in stored and "135790" not in stored
        assert approval.token not in stored
    counter.click("[data-testid=done-ok]")

    # the server does not answer the sale: a sale carrying the display's approval is
    # not kept on the screen (nothing of it in the outbox), and the screen says why
    _sell_to_member(counter, code, member_no)
    counter.route("**/api/v1/sales", lambda route: route.abort())
    counter.click("[data-testid=pay-submit]")
    counter.locator("[data-testid=member-pin-wait]:visible").wait_for()
    pad.wait_for(state="visible")
    _type_on_pad(display, MEMBER_PIN)
    counter.locator("[data-testid=pay-error]", has_text="simpanan").wait_for()
    outbox = counter.evaluate(
        "() => (JSON.parse(localStorage.getItem('pos.outbox.kasir-layar')) || []).length"
    )
    assert outbox == 0
    stored = _storage(counter)
    assert MEMBER_PIN not in stored and "member_pin_approval" not in stored
    counter.unroute("**/api/v1/sales")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Sale)) == 1
    assert sukarela(app, member_no) == 135_000
    assert errors == []


def test_the_pad_says_plainly_when_the_pin_locks(app, live_server, browser, counter):
    """Five wrong PINs on the customer display: the fifth says "PIN anggota salah. PIN
    kini dikunci 15 menit." (not only "salah"), and the next try says it is locked."""
    with app.app_context():
        token = services.display_token(counter.register["id"], counter.register["code"])
    member_no = factories.make_member(app, name="Siti Aminah", sukarela=200_000)
    _ask(counter, member_no, 15_000)
    display = browser.new_page(viewport={"width": 390, "height": 844})
    display.goto(f"{live_server}/pos/display/{counter.register['code']}?t={token}")
    pad = display.locator("[data-testid=pinpad]")
    pad.wait_for(state="visible")
    message = display.locator("[data-testid=pinpad-message]")
    minutes = app.config["MART_MEMBER_PIN_LOCK_MINUTES"]
    for attempt in range(1, app.config["MART_MEMBER_PIN_MAX_FAILURES"] + 1):
        _type_on_pad(display, "135790")
        display.locator("[data-testid=pinpad-message].error").wait_for()  # answered
        text = message.inner_text()
        if attempt < app.config["MART_MEMBER_PIN_MAX_FAILURES"]:
            assert "dikunci" not in text, (attempt, text)
    assert text == f"PIN anggota salah. PIN kini dikunci {minutes} menit."
    _shot(display, "display-pinpad-locked-390.png")
    _type_on_pad(display, MEMBER_PIN)
    display.wait_for_function(
        "() => document.querySelector('[data-testid=pinpad-message]').textContent"
        ".includes('terkunci')"
    )
    assert sukarela(app, member_no) == 200_000
