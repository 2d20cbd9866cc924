"""In headless Chromium: a member sets their own PIN on their phone; a manager sets a
member's PIN (the member types it twice) on the member's page."""

import sqlalchemy as sa
from werkzeug.security import check_password_hash

from mart.extensions import db
from members.models import Member
from tests.browser import REQUIRES_CHROMIUM, login, shots_dir, watch_console
from tests.conftest import DEFAULT_PASSWORD

pytestmark = REQUIRES_CHROMIUM
SHOTS = shots_dir("sec-member")
SIZES = ((1366, 768), (1280, 800), (390, 844))


def _shots(page, name):
    if not SHOTS.parent.exists():
        return
    SHOTS.mkdir(exist_ok=True)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


def _pin_hash(app, member_no):
    with app.app_context():
        return db.session.scalar(sa.select(Member.pin_hash).where(Member.member_no == member_no))


def test_member_sets_own_pin_on_the_phone(app, live_server, browser, make_member, make_user):
    no = make_member("Siti Aminah", sukarela=50_000)
    make_user("member", username="anggota-pin", member_no=no)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    errors = watch_console(page)
    login(page, live_server, "anggota-pin")
    page.goto(f"{live_server}/members/me#pin")
    form = page.locator("[data-testid=my-pin-form]")
    form.locator("input[name=pin]").fill("250817")
    form.locator("input[name=pin_again]").fill("250817")
    form.locator("input[name=password]").fill("wrong-password-1")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert _pin_hash(app, no) is None
    assert "salah" in page.inner_text("body").lower()
    _shots(page, "member-me-pin-refused")

    form = page.locator("[data-testid=my-pin-form]")
    form.locator("input[name=pin]").fill("250817")
    form.locator("input[name=pin_again]").fill("250817")
    form.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert check_password_hash(_pin_hash(app, no), "250817")
    _shots(page, "member-me-pin-set")
    assert errors == []


def test_manager_sets_a_members_pin(app, live_server, browser, make_member, make_user):
    no = make_member("Budi Santoso")
    make_user("manager", username="manajer-pin")
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    errors = watch_console(page)
    login(page, live_server, "manajer-pin")
    page.goto(f"{live_server}/members/{no}")
    form = page.locator("[data-testid=pin-form]")
    assert form.locator("input[name=pin]").get_attribute("type") == "password"
    form.locator("input[name=pin]").fill("390462")
    form.locator("input[name=pin_again]").fill("390462")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert check_password_hash(_pin_hash(app, no), "390462")
    _shots(page, "manager-member-pin")
    assert errors == []
