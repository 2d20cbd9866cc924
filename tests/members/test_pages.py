"""The pages: the manager's back office and the member's own pages."""

import csv
import io
from datetime import date

import pytest
import sqlalchemy as sa

from mart.extensions import db
from members import services
from members.demo import seed
from members.models import Member, SavingsEntry, ShuYear
from members.views import TYPICAL_ALLOCATION
from tests import factories
from tests.conftest import DEFAULT_PASSWORD
from tests.factories import next_nik
from tests.members.conftest import this_year


@pytest.fixture
def manager(login_as):
    return login_as("manager")


def test_list_and_search(manager, make_member):
    make_member("Siti Aminah", phone="081234567890")
    make_member("Budi Santoso")
    page = manager.get("/members/?q=aminah")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Siti Aminah" in html and "Budi Santoso" not in html
    assert "Budi Santoso" in manager.get("/members/").get_data(as_text=True)


def test_register_with_pokok_in_one_step(app, manager):
    token = factories.csrf_token(manager, "/members/new")
    nik = next_nik()
    response = manager.post(
        "/members/new",
        data={"csrf_token": token, "name": "Rina", "nik": nik, "phone": "0811", "pay_pokok": "1"},
    )
    assert response.status_code == 302
    with app.app_context():
        member = db.session.scalar(sa.select(Member).where(Member.nik == nik))
        assert services.savings(member.id)["pokok"] == 100_000
    detail = manager.get(response.headers["Location"])
    assert "Rina" in detail.get_data(as_text=True)


def test_register_bad_nik_shows_error_and_saves_nothing(manager, rows):
    token = factories.csrf_token(manager, "/members/new")
    before = rows.snapshot()
    response = manager.post(
        "/members/new", data={"csrf_token": token, "name": "Rina", "nik": "12345", "pay_pokok": "1"}
    )
    assert response.status_code == 422
    assert "NIK" in response.get_data(as_text=True)
    assert rows.snapshot() == before


def test_deposit_withdraw_and_leave_at_the_counter(app, manager, make_member, rows):
    no = make_member()
    token = factories.csrf_token(manager, f"/members/{no}")
    ok = manager.post(
        f"/members/{no}/deposit", data={"csrf_token": token, "kind": "sukarela", "amount": "50.000"}
    )
    assert ok.status_code == 302
    before = rows.snapshot()
    too_much = manager.post(
        f"/members/{no}/withdraw",
        data={"csrf_token": token, "kind": "sukarela", "amount": "60000"},
    )
    assert too_much.status_code == 409
    assert rows.snapshot() == before
    assert (
        manager.post(
            f"/members/{no}/withdraw",
            data={"csrf_token": token, "kind": "sukarela", "amount": "20000"},
        ).status_code
        == 302
    )
    with app.app_context():
        assert services.savings(services.get_member(no).id)["sukarela"] == 30_000
    left = manager.post(f"/members/{no}/leave", data={"csrf_token": token, "reason": "resign"})
    assert left.status_code == 302
    settlement = manager.get(left.headers["Location"]).get_data(as_text=True)
    assert "Rp 130.000" in settlement


def test_post_without_csrf_refused(manager, make_member, rows):
    no = make_member()
    before = rows.snapshot()
    response = manager.post(f"/members/{no}/deposit", data={"kind": "sukarela", "amount": "1000"})
    assert response.status_code == 400
    assert rows.snapshot() == before


def test_reports_and_card(manager, make_member):
    no = make_member(join_date=date(this_year_safe(), 1, 1))
    assert manager.get("/members/arrears").status_code == 200
    assert no in manager.get("/members/arrears").get_data(as_text=True)
    assert manager.get("/members/capital").status_code == 200
    assert manager.get("/members/capital?as_of=2020-01-01").status_code == 200
    card = manager.get(f"/members/{no}/card")
    assert card.status_code == 200
    svg = manager.get(f"/members/{no}/barcode.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    body = svg.get_data(as_text=True)
    assert body.startswith("<svg") and "style=" not in body and no in body
    assert body.count("<rect") > 10


def this_year_safe():
    return date.today().year


def test_shu_preview_and_post_page(app, manager, make_member):
    year = this_year(app)
    make_member(wajib=100_000)
    token = factories.csrf_token(manager, "/members/shu")
    data = {"csrf_token": token, "year": str(year), "surplus": "1.000.000", "action": "preview"}
    preview = manager.post("/members/shu", data=data)
    assert preview.status_code == 200
    assert "Rp 200.000" in preview.get_data(as_text=True)  # jasa modal 20%
    bad = manager.post("/members/shu", data={**data, "pct_cadangan": "10"})
    assert bad.status_code == 422
    # Every member's part as CSV (the page lists the first 500); it posts nothing.
    second = make_member(wajib=300_000)
    sheet = manager.post("/members/shu", data={**data, "action": "csv"})
    assert sheet.status_code == 200 and sheet.mimetype == "text/csv"
    assert f'filename="shu-{year}.csv"' in sheet.headers["Content-Disposition"]
    table = list(csv.DictReader(io.StringIO(sheet.get_data(as_text=True))))
    assert list(table[0])[:3] == ["No. anggota", "Nama", "Modal"]  # headed in Indonesian
    assert len(table) == 2 and second in [row["No. anggota"] for row in table]
    with app.test_request_context():
        shares = {name: str(pct) for name, pct in TYPICAL_ALLOCATION}
        expected = services.shu_compute(year, 1_000_000, shares).members
    assert [
        (row["No. anggota"], int(row["Modal"]), int(row["Jasa modal"]), int(row["Jumlah"]))
        for row in table
    ] == [(m["member_no"], m["capital"], m["jasa_modal"], m["total"]) for m in expected]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ShuYear)) == 0
    refused = manager.post("/members/shu", data={**data, "action": "csv", "pct_cadangan": "10"})
    assert refused.status_code == 422 and refused.mimetype == "text/html"
    # "Post" first shows the figures and asks again; the running year is refused to a
    # manager (posting it early is an admin's override: tests/members/test_shu_confirm.py)
    asked = manager.post("/members/shu", data={**data, "action": "post"})
    assert asked.status_code == 200 and 'data-testid="shu-confirm"' in asked.get_data(as_text=True)
    refused = manager.post("/members/shu", data={**data, "action": "post", "confirmed": "yes"})
    assert refused.status_code == 409
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ShuYear)) == 0


def test_cashier_and_member_cannot_open_manager_pages(login_as, make_member):
    no = make_member()
    for client in (login_as("cashier"), login_as("member", member_no=no)):
        for url in ("/members/", "/members/new", f"/members/{no}", "/members/shu"):
            assert client.get(url).status_code == 403


# --- the member's own pages ---------------------------------------------------------


def test_member_page_shows_own_data(app, login_as, make_member):
    year = this_year(app)
    no = make_member("Sri", wajib=20_000, sukarela=15_000)
    other = make_member("Budi", sukarela=777_000)
    with app.test_request_context():
        services.record_purchase(no, 123_000, on=date(year, 1, 15), ref_type="sale", ref_id="1")
        db.session.commit()
    member = login_as("member", member_no=no)
    page = member.get("/members/me")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Sri" in html and no in html
    assert "Rp 15.000" in html and "Rp 123.000" in html
    assert f"Jan {year}" in html and f"{year}-01" not in html  # the month in words
    assert "Budi" not in html and "777.000" not in html
    # NIK masked even for the member.
    nik = services_nik(app, no)
    assert nik not in html and nik[:4] in html
    assert member.get(f"/members/{no}/barcode.svg").status_code == 200
    assert member.get(f"/members/{other}/barcode.svg").status_code == 403


def services_nik(app, no):
    with app.app_context():
        return services.get_member(no).nik


def test_member_page_shu_statement_and_estimate(app, login_as, make_member):
    year = this_year(app)
    no = make_member("Sri", wajib=100_000)
    make_member("Budi", wajib=100_000)
    with app.test_request_context():
        # Last year's SHU posted (capital as of last year end: nobody had any then, so
        # only purchases count), then this year's purchases.
        services.record_purchase(no, 500_000, on=date(year - 1, 5, 1), ref_type="s", ref_id="1")
        db.session.execute(sa.update(Member).values(join_date=date(year - 1, 1, 1)))
        db.session.commit()
        services.shu_post(year - 1, 1_000_000, {"cadangan": 60, "jasa_modal": 20, "jasa_usaha": 20})
        services.record_purchase(no, 250_000, on=date(year, 2, 1), ref_type="s", ref_id="2")
        db.session.commit()
    html = login_as("member", member_no=no).get("/members/me").get_data(as_text=True)
    assert "Rp 200.000" in html  # last year's jasa usaha: all purchases were Sri's
    # Estimate: this year's 250.000 at last year's 200.000 / 500.000 = Rp 100.000.
    assert "Rp 100.000" in html
    # ... and it says what it rests on: the year, its parts and totals, the member's
    # capital and purchases used, and that the RAT sets the real figure.
    basis = html[html.index('data-testid="shu-estimate-basis"') :]
    basis = basis[: basis.index("</details>")]
    assert f"SHU yang dibagi untuk {year - 1}" in basis
    assert "jasa usaha Rp 200.000 atas belanja seluruh anggota Rp 500.000" in basis
    assert "Modal Anda hari ini (simpanan pokok dan wajib)" in basis
    assert f"Belanja Anda di {year} sejauh ini: Rp 250.000" in basis
    assert "Ini hanya perkiraan" in basis and "RAT" in basis


def test_member_page_says_why_there_is_no_shu_estimate(login_as, make_member):
    no = make_member("Sri", wajib=100_000)
    html = login_as("member", member_no=no).get("/members/me").get_data(as_text=True)
    assert "Belum ada perkiraan" in html and "RAT" in html


def test_member_who_left_cannot_log_in_or_see_pages(app, login_as, make_member, make_user):
    no = make_member()
    make_user("member", username="anggota-x", member_no=no)
    two_roles = login_as("member", "cashier", member_no=no)
    with app.test_request_context():
        services.leave(no, "resign")
        db.session.commit()
    anon = app.test_client()
    token = factories.csrf_token(anon, "/login")
    response = anon.post(
        "/login", data={"csrf_token": token, "username": "anggota-x", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 401
    assert two_roles.get("/members/me").status_code == 403


def test_member_login_without_link_sees_a_notice_only(login_as, make_member):
    make_member("Sri", sukarela=5000)
    page = login_as("member").get("/members/me")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Sri" not in html and "5.000" not in html


# The members' part alone, on SQLite: the PostgreSQL pass seeds the whole demo, this part
# included, in tests/mart/test_cli_and_migrations.py and checks its balances there.
@pytest.mark.single_pass
def test_demo_seeder(app, rows):
    context = {"logins": [], "rng_seed": 2026, "supplier_member_names": {"M000001": "Sari W"}}
    with app.app_context():
        seed(context)
        db.session.commit()
        assert len(context["members"]) == 58 and len(context["members_left"]) == 2
        assert services.get_member("M000001").name == "Sari W"
        assert ("anggota1", "member", "demo-anggota1-123") in context["logins"]
        assert len(services.arrears_report()) >= 3
        # Every cached balance is the sum of its ledger.
        ledger = dict(
            db.session.execute(
                sa.select(SavingsEntry.kind, sa.func.sum(SavingsEntry.amount)).group_by(
                    SavingsEntry.kind
                )
            ).all()
        )
        assert services.capital_totals() == {k: int(ledger.get(k, 0)) for k in ledger}
    anon = app.test_client()
    response = anon.post(
        "/api/v1/auth/token", json={"username": "anggota1", "password": "demo-anggota1-123"}
    )
    assert response.status_code == 200
