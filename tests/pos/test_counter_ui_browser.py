"""The cashier screen as a cashier meets it (issue 13): quantities read in Indonesian,
the scan field keeps the focus, ... In headless Debian chromium."""

import pytest
import sqlalchemy as sa

from mart.extensions import db
from pos import services
from pos.models import Register, Sale
from printers.models import PrintJob
from tests import factories
from tests.browser import REQUIRES_CHROMIUM, login, shots_dir
from tests.pos.test_qris import STATIC

pytestmark = REQUIRES_CHROMIUM
SHOTS = shots_dir("ui")
SIZES = [(1366, 768), (1280, 800), (390, 844)]


def open_counter(app, live_server, browser, make_user, size=(1366, 768), username="kasir1"):
    """R1 made, a cashier logged in with an open shift; the page, scan field focused."""
    with app.app_context():
        if db.session.scalar(sa.select(Register).where(Register.code == "R1")) is None:
            services.create_register("R1", "Kasir depan")
            db.session.commit()
    make_user("cashier", username=username)
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    login(page, live_server, username)
    page.wait_for_selector("[data-testid=open-shift]:not(.hidden)")
    page.click("[data-testid=open-shift-submit]")
    page.wait_for_selector("[data-testid=scan]:visible")
    wait_focus(page, "scan")
    return page


def wait_focus(page, element_id):
    page.wait_for_function(
        "id => document.activeElement && document.activeElement.id === id", arg=element_id
    )


def scan(page, code):
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def line_cells(page, row):
    return page.locator(f"[data-testid=lines] tbody tr:nth-child({row}) td").all_inner_texts()


def test_quantities_read_in_indonesian_on_counter_and_display(app, live_server, browser, make_user):
    """10 pieces read "10" (not "1"), 1,25 kg reads "1,25 kg", and the item count does not
    add kilograms to pieces; the same on the customer display."""
    _, teh = factories.make_product(app, name="Teh Botol", price=5_000)
    _, beras = factories.make_product(app, name="Beras Curah", price=12_000, unit="kg")
    page = open_counter(app, live_server, browser, make_user)
    scan(page, "10*" + teh)
    page.wait_for_selector("[data-testid=lines] tbody tr:nth-child(1)")
    scan(page, "1,25*" + beras)
    page.wait_for_selector("[data-testid=lines] tbody tr:nth-child(2)")
    assert line_cells(page, 1)[2] == "10"
    assert line_cells(page, 2)[2] == "1,25 kg"
    assert page.inner_text("[data-testid=total]") == "Rp 65.000"
    assert page.inner_text("#t-items") == "11"  # ten pieces and one weighed line
    scan(page, "10*" + teh)  # the same product again: 20
    page.wait_for_selector("[data-testid=total]:has-text('Rp 115.000')")
    assert line_cells(page, 1)[2] == "20"

    # the display needs the register's login (or its token): the counter's session
    shown = browser.new_context(viewport={"width": 1280, "height": 800})
    shown.add_cookies(page.context.cookies())
    display = shown.new_page()
    display.goto(f"{live_server}/pos/display/R1")
    display.wait_for_selector("#d-lines tr:nth-child(2)")
    rows = [display.locator(f"#d-lines tr:nth-child({i}) td").all_inner_texts() for i in (1, 2)]
    assert rows[0][1] == "20" and rows[1][1] == "1,25 kg"
    display.screenshot(path=f"{SHOTS}/display_1280.png")
    shown.close()
    for w, h in SIZES:
        page.set_viewport_size({"width": w, "height": h})
        page.screenshot(path=f"{SHOTS}/counter_lines_{w}x{h}.png")
    assert page.errors == []


def test_scan_field_takes_focus_back_after_every_click(app, live_server, browser, make_user):
    """A click on an on-screen key leaves the focus in the scan field: the next scan lands
    there and its Enter does not press the button again."""
    _, teh = factories.make_product(app, name="Teh Botol", price=5_000)
    page = open_counter(app, live_server, browser, make_user)
    page.click("#keys button[data-key=F9]")  # suspend, with nothing to suspend
    wait_focus(page, "scan")
    scan(page, teh)
    page.wait_for_selector("[data-testid=lines] tbody tr:nth-child(1)")
    page.click("#keys button[data-key=F9]")  # suspend the sale: the screen empties
    page.wait_for_selector("#empty-sale:not(.hidden)")
    wait_focus(page, "scan")
    scan(page, teh)
    page.wait_for_selector("[data-testid=lines] tbody tr:nth-child(1)")
    # a tap on a line selects it, and the scan field keeps the focus
    page.click("[data-testid=lines] tbody tr:nth-child(1) td:nth-child(2)")
    wait_focus(page, "scan")
    # a dialog opened by a click and closed by its Cancel gives the focus back
    page.click("#keys button[data-key=F2]")
    page.wait_for_selector("#dlg-qty[open]")
    page.click("#dlg-qty [data-close]")
    wait_focus(page, "scan")
    scan(page, teh)
    page.wait_for_selector("[data-testid=total]:has-text('Rp 10.000')")
    # the suspend key was not pressed again by a scan's Enter: one suspended sale
    page.click("#keys button[data-key=F10]")
    page.wait_for_selector("#dlg-resume[open]")
    assert page.locator("#resume-list li").count() == 1
    page.keyboard.press("Escape")
    wait_focus(page, "scan")
    assert page.errors == []


def test_member_card_scanned_into_the_scan_field(app, live_server, browser, make_user):
    """The member's number (card barcode, or the QR on their phone page) scanned into the
    scan field identifies the member: no F3 first; products still scan after it."""

    _, teh = factories.make_product(app, name="Teh Botol", price=5_000)
    member_no = factories.make_member(app, name="Siti Aminah")
    page = open_counter(app, live_server, browser, make_user)
    scan(page, teh)
    page.wait_for_selector("[data-testid=lines] tbody tr:nth-child(1)")
    scan(page, member_no)
    page.wait_for_selector("[data-testid=member-box]:not(.hidden)")
    assert "Siti Aminah" in page.inner_text("[data-testid=member-box]")
    assert page.locator("[data-testid=lines] tbody tr").count() == 1
    scan(page, teh)
    page.wait_for_selector(
        "[data-testid=lines] tbody tr:nth-child(1) td:nth-child(3):has-text('2')"
    )
    wait_focus(page, "scan")
    # an unknown member number is said plainly, and adds nothing
    scan(page, "M999999")
    page.locator("#banner-message", has_text="M999999").wait_for()
    assert page.locator("[data-testid=lines] tbody tr").count() == 1
    assert page.errors == []


def test_member_page_shows_the_card_inside_the_page(app, live_server, browser, make_user):
    member_no = factories.make_member(app, name="Siti Aminah")
    _, username = make_user("member", member_no=member_no)
    for w, h in SIZES:
        page = browser.new_page(viewport={"width": w, "height": h})
        login(page, live_server, username)
        page.goto(f"{live_server}/members/me")
        qr = page.locator("[data-testid=card-qr]")
        assert qr.get_attribute("src").startswith("data:image/svg+xml")
        assert page.locator("[data-testid=card-barcode]").get_attribute("alt") == member_no
        assert page.evaluate("document.querySelector('[data-testid=card-qr]').naturalWidth") > 0
        assert page.locator("a[href$='barcode.svg']").count() == 0
        page.screenshot(path=f"{SHOTS}/member_me_{w}x{h}.png", full_page=True)
        page.close()


def test_discount_approved_when_given_and_tendered_amount_kept(
    app, live_server, browser, make_user
):
    """A discount above the limit asks the manager's PIN in the discount dialog (a wrong
    PIN is refused there); payment then needs no PIN. Without a kept approval (a reload)
    the PIN asked at payment leaves the tendered amount as it was."""
    make_user("manager", username="manajer", pin="2468")
    _, teh = factories.make_product(app, name="Teh Botol", price=10_000)
    page = open_counter(app, live_server, browser, make_user)
    scan(page, teh)
    page.wait_for_selector("[data-testid=lines] tbody tr:nth-child(1)")
    page.keyboard.press("F4")
    page.fill("[data-testid=discount-amount]", "50%")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=discount-pin]:visible")
    assert page.inner_text("[data-testid=total]") == "Rp 10.000"  # not applied yet
    page.fill("[data-testid=discount-pin]", "1111")
    page.keyboard.press("Enter")
    page.locator("[data-testid=discount-error]", has_text="salah").wait_for()
    assert page.inner_text("[data-testid=total]") == "Rp 10.000"
    page.fill("[data-testid=discount-pin]", "2468")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=total]:has-text('Rp 5.000')")
    wait_focus(page, "scan")
    page.keyboard.press("F8")
    page.fill("[data-testid=pay-amount]", "20000")
    page.keyboard.press("Enter")
    page.locator("[data-testid=done-change]", has_text="Rp 15.000").wait_for()
    assert not page.is_visible("[data-testid=pin-input]")
    page.click("[data-testid=done-ok]")

    # the same discount, then a reload: the approval is not kept (never saved on the
    # screen), so payment asks for it, and the tendered amount stays
    scan(page, teh)
    page.wait_for_selector("[data-testid=lines] tbody tr:nth-child(1)")
    page.keyboard.press("F4")
    page.fill("[data-testid=discount-amount]", "50%")
    page.keyboard.press("Enter")
    page.fill("[data-testid=discount-pin]", "2468")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=total]:has-text('Rp 5.000')")
    assert "2468" not in page.evaluate("JSON.stringify(localStorage)")
    page.reload()
    page.wait_for_selector("[data-testid=total]:has-text('Rp 5.000')")
    wait_focus(page, "scan")
    page.keyboard.press("F8")
    page.fill("[data-testid=pay-amount]", "20000")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=pin-input]:visible")
    assert "Rp 20.000" in page.inner_text("#pay-list")  # the tendered amount is kept
    # the heading says what is still to pay, not a bare "Rp 0"
    assert page.inner_text("[data-testid=pay-due]") == "sisa Rp 0"
    page.fill("[data-testid=pin-input]", "2468")
    page.keyboard.press("Enter")
    page.locator("[data-testid=done-change]", has_text="Rp 15.000").wait_for()
    with app.app_context():
        paid = db.session.scalars(sa.select(Sale.paid).order_by(Sale.number)).all()
    assert paid == [20_000, 20_000]
    assert page.errors == []


def _box(page, selector):
    return page.locator(selector).bounding_box()


@pytest.mark.parametrize("size", SIZES)
def test_layout_total_and_dialog_buttons_in_view(app, live_server, browser, make_user, size):
    """The word Total and a total of Rp 1.000.000 or more stand apart on one line; the QRIS
    payment and the return dialog keep their confirm buttons on the screen."""
    app.config["MART_QRIS_PAYLOAD"] = STATIC
    codes = [
        factories.make_product(app, name=f"Beras premium {n}", price=1_250_000)[1] for n in range(6)
    ]
    page = open_counter(app, live_server, browser, make_user, size=size)
    for code in codes:
        scan(page, "3*" + code)
    page.wait_for_selector("[data-testid=total]:has-text('Rp 22.500.000')")
    total = _box(page, "#t-total")
    label = _box(page, ".totals .row.total span:first-child")
    assert total["height"] < 60  # one line
    assert page.evaluate("document.getElementById('sale').scrollWidth") <= size[0]  # fits
    assert (
        label["x"] + label["width"] + 5 < total["x"] or label["y"] + label["height"] <= total["y"]
    )
    page.keyboard.press("F8")
    page.check("[data-testid=method-qris]")
    page.wait_for_selector("#qris-box img")
    submit = _box(page, "[data-testid=pay-submit]")
    assert submit["y"] + submit["height"] <= size[1], submit
    page.screenshot(path=f"{SHOTS}/counter_qris_{size[0]}x{size[1]}.png")
    page.click("[data-testid=pay-submit]")
    page.locator("[data-testid=done-number]", has_text="JKT01").wait_for()
    number = page.inner_text("[data-testid=done-number]")
    page.click("[data-testid=done-ok]")
    scan(page, number)  # the receipt's barcode opens the return dialog
    page.wait_for_selector("#return-form:not(.hidden)")
    button = _box(page, "#return-form footer button[type=submit]")
    assert button["y"] + button["height"] <= size[1], button
    page.screenshot(path=f"{SHOTS}/counter_return_{size[0]}x{size[1]}.png")
    assert page.errors == []


def test_cash_at_the_counter(app, live_server, browser, make_user):
    """The last change leaves the screen at the next scan; F12 reprints the last sale
    after a reload; the X report is one click; paying by simpanan shows the balance."""
    _, teh = factories.make_product(app, name="Teh Botol", price=5_000)
    member_no = factories.make_member(app, name="Siti Aminah", sukarela=75_000)
    page = open_counter(app, live_server, browser, make_user)
    scan(page, teh)
    page.wait_for_selector("[data-testid=lines] tbody tr:nth-child(1)")
    page.keyboard.press("F8")
    page.fill("[data-testid=pay-amount]", "10000")
    page.keyboard.press("Enter")
    page.locator("[data-testid=done-change]", has_text="Rp 5.000").wait_for()
    page.click("[data-testid=done-ok]")
    assert page.is_visible("[data-testid=change]")
    scan(page, teh)
    page.wait_for_selector("[data-testid=lines] tbody tr:nth-child(1)")
    assert not page.is_visible("[data-testid=change]")

    page.reload()
    page.wait_for_selector("[data-testid=scan]:visible")
    wait_focus(page, "scan")
    page.keyboard.press("F12")
    page.locator("#banner-message", has_text="Salinan").wait_for()
    with app.app_context():
        copies = db.session.scalar(
            sa.select(sa.func.count()).select_from(PrintJob).where(PrintJob.copy.is_(True))
        )
    assert copies == 1

    page.click("[data-testid=x-report]")
    page.wait_for_selector("[data-testid=x-report-text]:visible")
    assert "5.000" in page.inner_text("[data-testid=x-report-text]")
    page.keyboard.press("Escape")
    wait_focus(page, "scan")

    scan(page, member_no)
    page.wait_for_selector("[data-testid=member-box]:not(.hidden)")
    page.keyboard.press("F8")
    page.check("[data-testid=method-simpanan]")
    page.locator("[data-testid=simpanan-balance]", has_text="Rp 75.000").wait_for()
    page.screenshot(path=f"{SHOTS}/counter_simpanan_1366x768.png")
    assert page.errors == []


def test_return_dialog_in_receipt_order_naming_the_refund(app, live_server, browser, make_user):
    """The return dialog lists the lines as on the receipt (not by product id) and says
    how "as paid" refunds; the message after it names the method."""
    make_user("manager", username="manajer-r", pin="2468")
    # created first: lower id
    _, later = factories.make_product(app, name="Zebra Kopi", price=6_000)
    _, first = factories.make_product(app, name="Apel Fuji", price=4_000)
    page = open_counter(app, live_server, browser, make_user)
    scan(page, first)
    page.wait_for_selector("[data-testid=lines] tbody tr:nth-child(1)")
    scan(page, later)
    page.wait_for_selector("[data-testid=lines] tbody tr:nth-child(2)")
    page.keyboard.press("F8")
    page.check("[data-testid=method-qris]")
    page.click("[data-testid=pay-submit]")
    page.locator("[data-testid=done-number]", has_text="JKT01").wait_for()
    number = page.inner_text("[data-testid=done-number]")
    page.click("[data-testid=done-ok]")
    scan(page, number)
    page.wait_for_selector("#return-form:not(.hidden)")
    names = page.locator("#return-lines tr td:first-child").all_inner_texts()
    assert names == ["Apel Fuji", "Zebra Kopi"]
    assert "QRIS" in page.inner_text("#return-form option[value=original]")
    page.fill("#return-lines tr:nth-child(1) input", "1")
    page.fill("#return-form input[name=pin]", "2468")
    page.click("#return-form footer button[type=submit]")
    page.locator("#banner-message", has_text="QRIS Rp 4.000").wait_for()
    wait_focus(page, "scan")
    assert page.errors == []
