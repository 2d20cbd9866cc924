"""In headless Chromium, the cashier screen and the customer display: paying on member
credit (issue 15), the display's PIN pad says "Bayar Rp 20.000 dengan kredit anggota"
(not "... dari simpanan sukarela"); the member types the PIN there and the sale is made
on credit."""

import sqlalchemy as sa

from mart.extensions import db
from members import services as members
from pos import services
from pos.models import MemberPinApproval, Sale
from tests import factories
from tests.browser import REQUIRES_CHROMIUM, login, shots_dir
from tests.pos.conftest import MEMBER_PIN
from tests.pos.test_member_credit_browser import _sell_on_credit

pytestmark = REQUIRES_CHROMIUM
SHOTS = shots_dir("display-pin")


def test_the_display_pad_says_member_credit(app, live_server, browser, make_user):
    with app.app_context():
        register = services.create_register("R1", "Kasir depan")
        db.session.commit()
        token = services.display_token(register.id, register.code)
    _, oil = factories.make_product(app, name="Minyak 1 L", price=20_000)
    member_no = factories.make_member(
        app, name="Budi Kasbon", pokok=True, wajib=100_000, sukarela=200_000
    )
    with app.test_request_context():
        members.credit.set_limit(member_no, 50_000)
        db.session.commit()
    make_user("cashier", username="kasir-kredit")

    counter = browser.new_page(viewport={"width": 1366, "height": 768})
    display = browser.new_page(viewport={"width": 1366, "height": 768})
    errors = []
    for page in (counter, display):
        page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(counter, live_server, "kasir-kredit")
    counter.wait_for_selector("[data-testid=open-shift]:not(.hidden)")
    counter.click("[data-testid=open-shift-submit]")
    counter.wait_for_selector("[data-testid=scan]:visible")
    display.goto(f"{live_server}/pos/display/R1?t={token}")

    _sell_on_credit(counter, oil, member_no)
    # the pay dialog shows the credit still available (limit - owed), not the sukarela
    balance = counter.locator("[data-testid=simpanan-balance]")
    assert balance.inner_text() == "Sisa kredit anggota: Rp 50.000"
    counter.check("[data-testid=method-simpanan]")
    assert balance.inner_text() == "Saldo simpanan sukarela: Rp 200.000"
    counter.check("[data-testid=method-credit]")
    display.locator("#d-lines tr", has_text="Minyak 1 L").wait_for()  # polling: in use
    counter.click("[data-testid=pay-submit]")
    counter.locator("[data-testid=member-pin-wait]:visible").wait_for()

    pad = display.locator("[data-testid=pinpad]")
    pad.wait_for(state="visible")
    amount = display.inner_text("[data-testid=pinpad-amount]")
    assert amount == "Bayar Rp 20.000 dengan kredit anggota"
    assert "simpanan" not in pad.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    display.screenshot(path=str(SHOTS / "display-pinpad-credit-1366.png"))
    with app.app_context():
        assert db.session.scalars(sa.select(MemberPinApproval.method)).one() == "credit"

    for digit in MEMBER_PIN:
        display.click(f"[data-testid=pinpad-{digit}]")
    counter.wait_for_selector("[data-testid=done-change]:visible")
    pad.wait_for(state="hidden")
    with app.app_context():
        sale = db.session.scalars(sa.select(Sale)).one()
        assert [p.method for p in sale.payments] == ["credit"]
        approval = db.session.scalars(sa.select(MemberPinApproval)).one()
        assert approval.status == "used" and approval.sale_id == sale.id
        credit = members.credit.credit_of(member_no)
    assert (credit["used"], credit["available"]) == (20_000, 30_000)
    assert errors == []
