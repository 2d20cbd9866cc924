"""End to end in headless Chromium: a cashier logs in, opens a shift, scans three
items as a USB scanner would, identifies a member, pays cash, sees the change and the
receipt preview, and the receipt reaches a loopback network printer."""

import json

import sqlalchemy as sa

from mart.extensions import db
from pos import services
from pos.models import Sale
from printers import services as printing
from printers.document import Document
from printers.worker import Worker
from tests import factories
from tests.browser import REQUIRES_CHROMIUM, login
from tests.fakeprinter import parse_escpos

SCREENSHOT = "/tmp/pos_counter.png"
pytestmark = REQUIRES_CHROMIUM


def register_on_printer(app, fake_printer, **printer):
    """Register R1 with a network receipt printer at ``fake_printer``; the printer's id."""
    printer_id = factories.make_printer(app, fake_printer, **{"name": "Struk R1", **printer})
    with app.app_context():
        services.create_register("R1", "Kasir depan", printer_id)
        db.session.commit()
    return printer_id


def test_cashier_sells_with_scanner_member_and_cash(
    app, live_server, fake_printer, browser, make_user
):
    register_on_printer(app, fake_printer, drawer={"pin": 2, "pulse_ms": 100})
    codes = []
    for name, price in (("Teh Botol", 5_000), ("Roti Tawar", 15_500), ("Kopi Gayo", 32_000)):
        _, code = factories.make_product(app, name=name, price=price)
        codes.append(code)
    member_no = factories.make_member(app, name="Siti Aminah")
    make_user("cashier", username="kasir1")

    page = browser.new_page(viewport={"width": 1366, "height": 768})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, live_server, "kasir1")
    page.wait_for_url(f"{live_server}/pos/")

    # open the shift with a float of 2 x 100.000 + 5 x 10.000
    page.wait_for_selector("[data-testid=open-shift]:not(.hidden)")
    page.fill("[data-testid=denom-open-100000]", "2")
    page.fill("[data-testid=denom-open-10000]", "5")
    page.click("[data-testid=open-shift-submit]")
    page.wait_for_selector("[data-testid=scan]:visible")

    # a scanner types the code and Enter into the focused field; "2*" sets a quantity
    assert page.evaluate("document.activeElement.id") == "scan"
    page.keyboard.type(codes[0])
    page.keyboard.press("Enter")
    page.keyboard.type("2*")
    page.keyboard.press("Enter")
    page.keyboard.type(codes[1])
    page.keyboard.press("Enter")
    page.keyboard.type(codes[2])
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=lines] tbody tr:nth-child(3)")
    assert page.locator("[data-testid=lines] tbody tr").count() == 3
    assert page.inner_text("[data-testid=total]") == "Rp 68.000"

    # the member by the card number
    page.keyboard.press("F3")
    page.fill("[data-testid=member-input]", member_no)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=member-box]:not(.hidden)")
    assert "Siti Aminah" in page.inner_text("[data-testid=member-box]")
    page.screenshot(path="/tmp/pos_counter_lines.png")

    # pay cash 100.000
    page.keyboard.press("F8")
    page.wait_for_selector("[data-testid=pay-amount]:visible")
    page.fill("[data-testid=pay-amount]", "100000")
    page.screenshot(path="/tmp/pos_counter_pay.png")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=done-change]:visible")
    assert page.inner_text("[data-testid=done-change]") == "Rp 32.000"
    page.locator("[data-testid=receipt-preview]", has_text="JKT01-R1-000001").wait_for()
    receipt = page.inner_text("[data-testid=receipt-preview]")
    assert "Kopi Gayo" in receipt and "32.000" in receipt and member_no in receipt
    page.screenshot(path=SCREENSHOT)
    page.click("[data-testid=done-ok]")
    page.locator("[data-testid=done-change]").wait_for(state="hidden")
    _wait_focus(page, "scan")
    assert page.inner_text("[data-testid=total]") == "Rp 0"
    assert errors == []

    # the print worker sends the receipt (and the drawer kick) to the loopback printer
    assert Worker(app, name="e2e").run_once()["done"] >= 1
    events = [e for job in fake_printer.jobs for e in parse_escpos(job)]
    printed = "\n".join(e["text"] for e in events if e["type"] == "text")
    assert "Kopi Gayo" in printed and "32.000" in printed
    barcodes = [e["data"] for e in events if e["type"] == "barcode"]
    assert any("JKT01-R1-000001" in str(b) for b in barcodes) or "JKT01-R1-000001" in printed
    assert any(e["type"] == "drawer" for e in events)


def _wait_focus(page, element_id):
    for _ in range(50):
        if page.evaluate("document.activeElement.id") == element_id:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"#{element_id} never got the focus")


def test_sale_kept_while_server_away_and_sent_once_when_back(app, live_server, browser, make_user):
    """The server does not answer the sale: the screen says so, keeps it, and sends it
    again with the same id when the server is back; it is stored exactly once."""
    with app.app_context():
        services.create_register("R1", "Kasir depan")
        db.session.commit()
    _, code = factories.make_product(app, name="Gula Pasir", price=14_000)
    make_user("cashier", username="kasir2")
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    login(page, live_server, "kasir2")
    page.wait_for_selector("[data-testid=open-shift]:not(.hidden)")
    page.click("[data-testid=open-shift-submit]")
    page.wait_for_selector("[data-testid=scan]:visible")
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=lines] tbody tr")

    # the looked-up code is kept on this screen (saved a second after the scan)
    page.wait_for_function(
        "code => (localStorage.getItem('pos.scans') || '').includes(code)", arg=code
    )

    # the network drops every call to the API
    page.route("**/api/v1/**", lambda route: route.abort())
    # a code this screen has seen still sells; an unseen one is refused, plainly
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=total]:has-text('Rp 28.000')")
    page.keyboard.type("8991234567890")
    page.keyboard.press("Enter")
    page.locator("#banner-message", has_text="8991234567890").wait_for()
    assert "tidak ditambahkan" in page.inner_text("#banner-message")
    assert page.inner_text("[data-testid=total]") == "Rp 28.000"
    page.keyboard.press("F8")
    page.fill("[data-testid=pay-amount]", "30000")
    page.keyboard.press("Enter")
    page.locator("[data-testid=done-change]", has_text="Rp 2.000").wait_for()
    assert page.is_visible("[data-testid=offline-banner]")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Sale)) == 0
    page.click("[data-testid=done-ok]")

    # the server is back: the kept sale goes out once, with its id
    page.unroute("**/api/v1/**")
    page.wait_for_selector("[data-testid=offline-banner].hidden", state="attached", timeout=20_000)
    with app.app_context():
        sales = db.session.scalars(sa.select(Sale)).all()
        assert len(sales) == 1 and sales[0].total == 28_000 and sales[0].change == 2_000
    # a reload keeps nothing pending and sends nothing twice
    page.reload()
    page.wait_for_selector("[data-testid=scan]:visible")
    page.wait_for_timeout(1500)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Sale)) == 1


def test_printer_trouble_banner_lists_the_waiting_jobs(
    app, live_server, fake_printer, browser, make_user
):
    """The register's printer is off: the jobs wait, and the cashier's banner names
    them (oldest first), not only how many there are."""
    fake_printer.mode = "offline"
    printer_id = register_on_printer(app, fake_printer)
    with app.app_context():
        first = printing.queue_document(Document(title="Struk JKT01-R1-000007"), printer_id)
        second = printing.queue_document(Document(title="Struk JKT01-R1-000008"), printer_id)
        db.session.commit()
        ids = (first.id, second.id)
    assert Worker(app, name="banner").run_once()["failed"] == 1
    make_user("cashier", username="kasir3")

    page = browser.new_page(viewport={"width": 1366, "height": 768})
    login(page, live_server, "kasir3")
    page.wait_for_selector("[data-testid=open-shift]:not(.hidden)")
    page.click("[data-testid=open-shift-submit]")
    page.wait_for_selector("[data-testid=printer-jobs] li")
    banner = page.inner_text("[data-testid=printer-banner]")
    assert "2" in banner.split("\n")[0]  # two jobs waiting
    items = page.locator("[data-testid=printer-jobs] li").all_inner_texts()
    assert [item.split(" ")[0] for item in items] == [f"#{ids[0]}", f"#{ids[1]}"]
    assert "JKT01-R1-000007" in items[0] and "gagal" in items[0] and "offline" in items[0]
    assert "JKT01-R1-000008" in items[1] and "menunggu" in items[1]


def test_underpaid_sale_is_not_kept_while_the_server_is_away(app, live_server, browser, make_user):
    """With the server away, a sale whose payments are below the amount due is refused
    on the screen (the server would refuse it later, when the customer has gone): it
    does not go into the outbox; paying the rest keeps it as usual."""
    with app.app_context():
        services.create_register("R1", "Kasir depan")
        db.session.commit()
    _, code = factories.make_product(app, name="Gula Pasir", price=14_000)
    make_user("cashier", username="kasir4")
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    login(page, live_server, "kasir4")
    page.wait_for_selector("[data-testid=open-shift]:not(.hidden)")
    page.click("[data-testid=open-shift-submit]")
    page.wait_for_selector("[data-testid=scan]:visible")
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=total]:has-text('Rp 14.000')")

    page.route("**/api/v1/**", lambda route: route.abort())
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=total]:has-text('Rp 28.000')")
    page.keyboard.press("F8")
    page.fill("[data-testid=pay-amount]", "20000")
    page.keyboard.press("Enter")
    error = page.locator("[data-testid=pay-error]", has_text="Rp 8.000")
    error.wait_for()
    assert "tidak disimpan" in error.inner_text()
    assert page.is_visible("[data-testid=pay-amount]")  # the payment dialog stays open
    assert json.loads(page.evaluate("localStorage.getItem('pos.outbox.kasir4') || '[]'")) == []
    page.screenshot(path="/tmp/pos_underpaid_offline.png")
    # the rest paid: kept for the server as usual
    page.fill("[data-testid=pay-amount]", "8000")
    page.keyboard.press("Enter")
    page.locator("[data-testid=done-change]", has_text="Rp 0").wait_for()
    kept = json.loads(page.evaluate("localStorage.getItem('pos.outbox.kasir4')"))
    assert len(kept) == 1 and sum(p["amount"] for p in kept[0]["payments"]) == 28_000
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Sale)) == 0
