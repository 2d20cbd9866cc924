"""Members' own PINs: PUT /members/{no}/pin and the two pages that set it."""

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash

from mart.errors import Forbidden
from mart.extensions import db
from mart.models import AuditLog
from members import services
from members.models import Member
from tests import factories
from tests.conftest import DEFAULT_PASSWORD


def _member(app, member_no) -> Member:
    with app.app_context():
        member = db.session.scalar(sa.select(Member).where(Member.member_no == member_no))
        db.session.expunge(member)
        return member


def test_member_sets_own_pin_stored_hashed(app, make_member, api_as):
    no = make_member("Rina")
    me = api_as("member", member_no=no)
    response = me.put(f"/members/{no}/pin", json={"pin": "246810"})
    assert response.status_code == 204 and response.data == b""
    member = _member(app, no)
    assert member.pin_hash and "246810" not in member.pin_hash
    assert check_password_hash(member.pin_hash, "246810")
    with app.app_context():
        row = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "member.pin_set"))
        assert row.target_id == no and "246810" not in str(row.after)


def test_member_cannot_set_another_members_pin(app, make_member, api_as):
    mine, theirs = make_member("Rina"), make_member("Budi")
    me = api_as("member", member_no=mine)
    assert me.put(f"/members/{theirs}/pin", json={"pin": "246810"}).status_code == 403
    assert _member(app, theirs).pin_hash is None


def test_manager_sets_pin_cashier_may_not(app, make_member, api_as):
    no = make_member("Rina")
    assert api_as("cashier").put(f"/members/{no}/pin", json={"pin": "246810"}).status_code == 403
    assert _member(app, no).pin_hash is None
    assert api_as("manager").put(f"/members/{no}/pin", json={"pin": "246810"}).status_code == 204
    assert _member(app, no).pin_hash is not None


@pytest.mark.parametrize("pin", ["12345", "1234567", "12a456", "٢٤٦٨١٠", "", 246810, None])
def test_bad_pin_422_names_the_field_and_changes_nothing(app, make_member, api_as, rows, pin):
    no = make_member("Rina")
    manager = api_as("manager")
    before = rows.snapshot()
    response = manager.put(f"/members/{no}/pin", json={"pin": pin})
    assert response.status_code == 422
    assert "pin" in response.json["errors"]["json"]
    assert rows.snapshot() == before


def test_new_pin_clears_a_lock(app, make_member, api_as):
    no = make_member("Rina")
    manager = api_as("manager")
    manager.put(f"/members/{no}/pin", json={"pin": "246810"})
    with app.app_context():
        for _ in range(app.config["MART_MEMBER_PIN_MAX_FAILURES"]):
            with pytest.raises(Forbidden):
                services.check_member_pin(no, "000001")
        assert _member(app, no).pin_locked_until is not None
    assert manager.put(f"/members/{no}/pin", json={"pin": "135792"}).status_code == 204
    member = _member(app, no)
    assert member.pin_locked_until is None and member.pin_failures == 0


def test_member_who_left_409(app, make_member, api_as):
    no = make_member("Rina")
    with app.test_request_context():
        services.leave(no, "resign")
        db.session.commit()
    assert api_as("manager").put(f"/members/{no}/pin", json={"pin": "246810"}).status_code == 409


# --- pages ----------------------------------------------------------------------------


def test_manager_page_sets_the_pin_typed_twice(app, make_member, login_as):
    no = make_member("Rina")
    client = login_as("manager")
    page = client.get(f"/members/{no}").get_data(as_text=True)
    assert 'data-testid="pin-form"' in page and "belum diatur" in page
    token = factories.csrf_in(page)
    differ = client.post(
        f"/members/{no}/pin", data={"csrf_token": token, "pin": "246810", "pin_again": "246811"}
    )
    assert differ.status_code == 422 and _member(app, no).pin_hash is None
    ok = client.post(
        f"/members/{no}/pin", data={"csrf_token": token, "pin": "246810", "pin_again": "246810"}
    )
    assert ok.status_code == 302
    assert check_password_hash(_member(app, no).pin_hash, "246810")


def test_member_page_sets_own_pin_with_the_password(app, make_member, login_as):
    no = make_member("Rina")
    client = login_as("member", member_no=no)
    page = client.get("/members/me").get_data(as_text=True)
    assert 'data-testid="my-pin-form"' in page
    token = factories.csrf_in(page)
    form = {"csrf_token": token, "pin": "246810", "pin_again": "246810"}
    wrong = client.post("/members/me/pin", data={**form, "password": "not-mine-1"})
    assert wrong.status_code == 302 and _member(app, no).pin_hash is None
    ok = client.post("/members/me/pin", data={**form, "password": DEFAULT_PASSWORD})
    assert ok.status_code == 302
    assert check_password_hash(_member(app, no).pin_hash, "246810")
