"""SHU posting (issue 13 item 4): the figures are shown and confirmed before anything is
booked, and a year that has not ended is refused unless an admin explicitly overrides
it (audited). API, page and chromium."""

from datetime import date

import pytest
import sqlalchemy as sa

from mart.extensions import db
from mart.models import AuditLog
from members import services
from members.models import ShuYear
from members.views import TYPICAL_ALLOCATION
from tests import factories
from tests.browser import REQUIRES_CHROMIUM, login, shots_dir
from tests.members.conftest import this_year

TYPICAL = {
    "cadangan": 40,
    "jasa_modal": 20,
    "jasa_usaha": 25,
    "pengurus": 5,
    "karyawan": 5,
    "pendidikan": 5,
}
SHOTS = shots_dir("ui")


def buy(app, member_no, amount, on):
    with app.app_context():
        services.record_purchase(member_no, amount, on=on, ref_type="test", ref_id=str(amount))
        db.session.commit()


def count(app, model):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_running_year_refused_unless_an_admin_overrides(app, api_as, rows, make_member):
    year = this_year(app)
    a = make_member(wajib=100_000)
    buy(app, a, 1_000_000, date(year, 1, 5))
    body = {"surplus": 1_000_000, "allocation": TYPICAL}
    manager = api_as("manager")
    before = rows.snapshot()
    refused = manager.post(f"/shu/{year}/post", json=body)
    assert refused.status_code == 409
    assert str(year) in refused.json["message"] and "admin" in refused.json["message"]
    # a manager may not override
    assert manager.post(f"/shu/{year}/post", json={**body, "override": True}).status_code == 403
    assert rows.snapshot() == before
    # an admin, explicitly: posted, and the audit log says so
    admin = api_as("admin")
    posted = admin.post(f"/shu/{year}/post", json={**body, "override": True})
    assert posted.status_code == 201, posted.json
    with app.app_context():
        entry = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "shu.post_early"))
        assert entry is not None and entry.user_id is not None


def test_an_ended_year_posts_without_override(app, api_as, make_member):
    year = this_year(app) - 1
    make_member(wajib=100_000)
    body = {"surplus": 1_000_000, "allocation": TYPICAL}
    assert api_as("manager").post(f"/shu/{year}/post", json=body).status_code == 201
    # no override asked: nothing to audit
    with app.app_context():
        assert (
            db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "shu.post_early"))
            is None
        )


def test_page_confirms_with_the_figures_then_admin_override(app, login_as, make_member):
    year = this_year(app)
    a = make_member(wajib=100_000)
    b = make_member(wajib=300_000)
    buy(app, a, 2_000_000, date(year, 2, 1))
    buy(app, b, 1_000_000, date(year, 3, 1))
    admin = login_as("admin")
    token = factories.csrf_token(admin, "/members/shu")
    data = {"csrf_token": token, "year": str(year), "surplus": "1.000.000", "action": "post"}
    asked = admin.post("/members/shu", data=data)
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200
    with app.test_request_context():
        result = services.shu_compute(year, 1_000_000, {n: str(p) for n, p in TYPICAL_ALLOCATION})
    to_members = sum(m["total"] for m in result.members)
    assert 'data-testid="confirm-surplus">Rp 1.000.000<' in html
    assert 'data-testid="confirm-members">2<' in html
    assert f'data-testid="confirm-to-members">Rp {to_members:,}<'.replace(",", ".") in html
    assert 'data-testid="confirm-year-open"' in html and 'data-testid="shu-override"' in html
    assert count(app, ShuYear) == 0
    # confirmed without ticking the override: refused, nothing booked
    refused = admin.post("/members/shu", data={**data, "confirmed": "yes"})
    assert refused.status_code == 409 and count(app, ShuYear) == 0
    done = admin.post("/members/shu", data={**data, "confirmed": "yes", "override": "yes"})
    assert done.status_code == 302 and count(app, ShuYear) == 1


def chromium(test):
    for mark in REQUIRES_CHROMIUM:
        test = mark(test)
    return test


@chromium
@pytest.mark.parametrize("size", [(1366, 768), (1280, 800), (390, 844)])
def test_confirmation_in_the_browser(app, live_server, browser, make_user, make_member, size):
    year = this_year(app)
    make_member(wajib=100_000)
    _, username = make_user("manager")
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    login(page, live_server, username)
    page.goto(f"{live_server}/members/shu?year={year}")
    page.fill("input[name=surplus]", "1.000.000")
    page.click("button[value=preview]")
    page.click("[data-testid=shu-post]")
    page.wait_for_selector("[data-testid=shu-confirm]")
    assert page.inner_text("[data-testid=confirm-surplus]") == "Rp 1.000.000"
    # the running year: a manager sees why, and no button to post it
    assert page.is_visible("[data-testid=confirm-year-open]")
    assert page.locator("[data-testid=shu-post-confirm]").count() == 0
    page.screenshot(path=f"{SHOTS}/shu_confirm_{size[0]}x{size[1]}.png", full_page=True)
    assert count(app, ShuYear) == 0
