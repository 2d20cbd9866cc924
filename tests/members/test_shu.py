"""SHU exactly as docs/DOMAIN.md: the textbook examples, rounding down to cadangan, posting
once (also when two posts race), and every rupiah accounted for."""

import threading
from datetime import date
from fractions import Fraction

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from mart import clock
from mart.extensions import db
from mart.models import User
from members import services
from members.models import SavingsEntry, ShuShare, ShuYear
from tests import factories
from tests.members.conftest import this_year

TYPICAL = {
    "cadangan": 40,
    "jasa_modal": 20,
    "jasa_usaha": 20,
    "dana_pengurus": 5,
    "dana_karyawan": 5,
    "dana_pendidikan": 5,
    "dana_sosial": 5,
}


@pytest.fixture
def manager(api_as):
    return api_as("manager")


def buy(app, member_no, amount, on):
    with app.test_request_context():
        services.record_purchase(member_no, amount, on=on, ref_type="sale", ref_id="t")
        db.session.commit()


def test_textbook_example_80_million(app, manager, make_member):
    """SHU 80.000.000, jasa modal 20%, jasa usaha 50%: capital 10 of 100 million and
    purchases 20 of 200 million give JMA 1.600.000 + JUA 4.000.000 = 5.600.000."""
    year = this_year(app)
    a = make_member("Ani", wajib=10_000_000 - 100_000)
    b = make_member("Budi", wajib=90_000_000 - 100_000)
    buy(app, a, 20_000_000, date(year, 1, 1))
    buy(app, b, 180_000_000, date(year, 1, 2))
    body = {
        "surplus": 80_000_000,
        "allocation": {"cadangan": 30, "jasa_modal": 20, "jasa_usaha": 50},
    }
    response = manager.post(f"/shu/{year}/preview", json=body)
    assert response.status_code == 200, response.json
    result = response.json
    ani = next(m for m in result["members"] if m["member_no"] == a)
    assert ani == {
        "member_no": a,
        "name": "Ani",
        "capital": 10_000_000,
        "purchases": 20_000_000,
        "jasa_modal": 1_600_000,
        "jasa_usaha": 4_000_000,
        "total": 5_600_000,
    }
    assert result["parts"] == {
        "cadangan": 24_000_000,
        "jasa_modal": 16_000_000,
        "jasa_usaha": 40_000_000,
    }
    assert result["rounding_to_cadangan"] == 0
    assert sum(result["parts"].values()) == 80_000_000


def test_rounding_example_397058(app, manager, make_member):
    """1.500.000 / 102.000.000 x 27.000.000 = 397.058,82 is Rp 397.058."""
    year = this_year(app)
    a = make_member("Ani", wajib=1_500_000 - 100_000)
    make_member("Budi", wajib=100_500_000 - 100_000)
    body = {
        "surplus": 100_000_000,
        "allocation": {"cadangan": 53, "jasa_modal": 27, "jasa_usaha": 20},
    }
    result = manager.post(f"/shu/{year}/preview", json=body).json
    ani = next(m for m in result["members"] if m["member_no"] == a)
    assert ani["jasa_modal"] == 397_058
    # Nobody bought anything: the whole jasa usaha part goes to cadangan too.
    paid = sum(m["total"] for m in result["members"])
    assert paid + result["rounding_to_cadangan"] == 27_000_000 + 20_000_000
    assert result["rounding_to_cadangan"] >= 20_000_000
    assert sum(result["parts"].values()) == 100_000_000
    assert result["cadangan_total"] == result["parts"]["cadangan"] + result["rounding_to_cadangan"]


def test_decimal_percentages_and_other_parts(app, manager, make_member):
    year = this_year(app)
    make_member(wajib=900_000)
    body = {
        "surplus": 1_000_001,
        "allocation": {"cadangan": "37.5", "jasa_modal": 22.5, "jasa_usaha": 25, "dana_sosial": 15},
    }
    result = manager.post(f"/shu/{year}/preview", json=body).json
    assert result["parts"]["jasa_modal"] == 225_000  # floor(225000.225)
    assert result["parts"]["dana_sosial"] == 150_000
    assert sum(result["parts"].values()) == 1_000_001


@pytest.mark.parametrize(
    "allocation",
    [
        {"cadangan": 40, "jasa_modal": 20, "jasa_usaha": 30},  # 90
        {"cadangan": 40, "jasa_modal": 20, "jasa_usaha": 40.01},  # 100.01
        {"cadangan": 80, "jasa_usaha": 20},  # no jasa_modal
        {"cadangan": 80, "jasa_modal": 20},  # no jasa_usaha
        {"cadangan": -10, "jasa_modal": 60, "jasa_usaha": 50},
        {"Cadangan!": 60, "jasa_modal": 20, "jasa_usaha": 20},
        {"cadangan": "lots", "jasa_modal": 20, "jasa_usaha": 20},
        {},
        [40, 20, 40],
    ],
)
@pytest.mark.parametrize("action", ["preview", "post"])
def test_bad_allocation_422_naming_allocation(app, manager, rows, make_member, allocation, action):
    make_member(wajib=20_000)
    before = rows.snapshot()
    response = manager.post(
        f"/shu/{this_year(app)}/{action}", json={"surplus": 1_000_000, "allocation": allocation}
    )
    assert response.status_code == 422, response.json
    assert "allocation" in response.json["errors"]["json"]
    assert rows.snapshot() == before


@pytest.mark.parametrize("surplus", [0, -1, 1.5, "100", None])
def test_bad_surplus_422(app, manager, rows, surplus):
    before = rows.snapshot()
    response = manager.post(
        f"/shu/{this_year(app)}/post", json={"surplus": surplus, "allocation": TYPICAL}
    )
    assert response.status_code == 422
    assert "surplus" in response.json["errors"]["json"]
    assert rows.snapshot() == before


def test_future_year_422(app, manager):
    response = manager.post(
        f"/shu/{this_year(app) + 1}/preview", json={"surplus": 1000, "allocation": TYPICAL}
    )
    assert response.status_code == 422


def test_post_credits_sukarela_once(app, manager, api_as, rows, make_member):
    year = this_year(app)
    a = make_member("Ani", wajib=900_000)
    b = make_member("Budi", wajib=1_900_000)
    buy(app, a, 3_000_000, date(year, 2, 1))
    buy(app, b, 1_000_000, date(year, 3, 1))
    body = {"surplus": 10_000_000, "allocation": TYPICAL}
    preview = manager.post(f"/shu/{year}/preview", json=body).json
    # the running year: posted early by an admin's explicit override (see below)
    body["override"] = True
    response = api_as("admin").post(f"/shu/{year}/post", json=body)
    assert response.status_code == 201, response.json
    assert response.json["members"] == preview["members"]
    assert response.json["posted"] is True and response.json["payout"] == "sukarela"
    for m in preview["members"]:
        assert manager.get(f"/members/{m['member_no']}").json["savings"]["sukarela"] == m["total"]
        statements = manager.get(f"/members/{m['member_no']}/shu").json["items"]
        assert statements[0]["year"] == year and statements[0]["total"] == m["total"]
    stored = manager.get(f"/shu/{year}").json
    assert stored["members"] == preview["members"] and stored["parts"] == preview["parts"]
    assert manager.get(f"/shu/{year - 1}").status_code == 404
    before = rows.snapshot()
    again = manager.post(f"/shu/{year}/post", json=body)
    assert again.status_code == 409
    assert rows.snapshot() == before


def test_post_in_cash_mode_books_no_savings(app_factory, make_member):
    app = app_factory(MART_SHU_PAYOUT="cash")
    manager = factories.api_user(app, "manager", "admin")
    year = this_year(app)
    a = make_member(wajib=100_000)
    buy(app, a, 1_000_000, date(year, 1, 5))
    body = {"surplus": 1_000_000, "allocation": TYPICAL, "override": True}
    response = manager.post(f"/shu/{year}/post", json=body)
    assert response.status_code == 201
    assert response.json["payout"] == "cash"
    assert manager.get(f"/members/{a}").json["savings"]["sukarela"] == 0
    assert manager.get(f"/members/{a}/shu").json["items"][0]["paid_as"] == "cash"


def test_capital_may_include_sukarela(app_factory, make_member):
    plain = app_factory()
    with_sukarela = app_factory(MART_SHU_CAPITAL_INCLUDES_SUKARELA=True)
    a = make_member(sukarela=100_000)
    make_member()
    for app, capital in ((plain, 100_000), (with_sukarela, 200_000)):
        with app.test_request_context():
            year = clock.business_date().year
            result = services.shu_compute(year, 1_000_000, TYPICAL)
            assert next(m for m in result.members if m["member_no"] == a)["capital"] == capital


def test_past_year_capital_at_year_end_and_members_who_left_get_nothing(app, make_member):
    year = this_year(app)
    last = year - 1
    stays = make_member("Stays", join_date=date(last, 3, 1))
    leaves = make_member("Leaves", join_date=date(last, 3, 1))
    late = make_member("Joined later", join_date=date(year, 1, 2))
    with app.test_request_context():
        # Book last year's savings on last year's dates (as if they had been paid then).
        db.session.execute(sa.update(SavingsEntry).values(booked_on=date(last, 3, 1)))
        services.deposit(stays, "wajib", 40_000)  # booked this year: not last year's capital
        services.leave(leaves, "resign")  # today: after last year ended
        db.session.commit()
    for no in (stays, leaves, late):
        buy(app, no, 500_000, date(last, 6, 1))
    with app.test_request_context():
        # Left this year (after last year ended): still shares last year.
        result = services.shu_compute(last, 1_000_000, TYPICAL)
        by_no = {m["member_no"]: m for m in result.members}
        assert set(by_no) == {stays, leaves}
        assert by_no[stays]["capital"] == 100_000  # pokok only at the end of last year
        assert by_no[leaves]["capital"] == 100_000
        # This year: the one who left gets nothing; the late joiner counts.
        now = services.shu_compute(year, 1_000_000, TYPICAL)
        assert {m["member_no"] for m in now.members} == {stays, late}


def test_member_who_left_before_year_end_gets_nothing(app, make_member):
    year = this_year(app)
    gone = make_member("Gone", join_date=date(year - 1, 1, 1))
    kept = make_member("Kept", join_date=date(year - 1, 1, 1))
    with app.test_request_context():
        services.leave(gone, "resign")
        db.session.commit()
    buy(app, gone, 100_000, date(year, 1, 1))
    with app.test_request_context():
        result = services.shu_compute(year, 1_000_000, TYPICAL)
        assert [m["member_no"] for m in result.members] == [kept]


@pytest.mark.parametrize("n", [2])
def test_two_posts_racing_only_one_wins(app, make_member, make_user, n):
    admin_id, _name = make_user("admin")
    year = this_year(app)
    a = make_member(wajib=100_000)
    buy(app, a, 10_000, date(year, 1, 1))
    results = []

    def post():
        # A POST, so SQLite takes the write lock at BEGIN (BEGIN IMMEDIATE) as in the app.
        with app.test_request_context(method="POST"):
            try:
                admin = db.session.get(User, admin_id)
                services.shu_post(year, 5_000_000, TYPICAL, override=True, user=admin)
                db.session.commit()
                results.append("posted")
            except services.Conflict:
                db.session.rollback()
                results.append("409")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=post) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["409", "posted"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ShuYear)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ShuShare)) == 1
        shu_entries = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(SavingsEntry)
            .where(SavingsEntry.entry_type == "shu")
        )
        assert shu_entries == 1


# --- every rupiah accounted for (pure arithmetic) -----------------------------------

percent = st.decimals(min_value=0, max_value=100, places=2)


@st.composite
def allocations(draw):
    jm = draw(percent)
    ju = draw(st.decimals(min_value=0, max_value=100 - jm, places=2))
    rest = 100 - jm - ju
    other = draw(st.decimals(min_value=0, max_value=rest, places=2))
    alloc = {"jasa_modal": jm, "jasa_usaha": ju, "dana_sosial": other, "cadangan": rest - other}
    return {k: Fraction(str(v)) for k, v in alloc.items()}


@settings(max_examples=300, deadline=None)
@given(
    surplus=st.integers(min_value=1, max_value=10**13),
    percents=allocations(),
    members=st.lists(
        st.tuples(st.integers(0, 10**10), st.integers(0, 10**11)), min_size=0, max_size=40
    ),
)
def test_every_rupiah_accounted_for(surplus, percents, members):
    capitals = [c for c, _ in members]
    purchases = [p for _, p in members]
    d = services.divide_shu(surplus, percents, capitals, purchases)
    # The parts add up to the surplus, to the rupiah.
    assert sum(d.parts.values()) == surplus
    assert all(v >= 0 for v in d.parts.values())
    # What members get plus the rounding is exactly the jasa modal and jasa usaha parts.
    paid = sum(d.jasa_modal) + sum(d.jasa_usaha)
    assert paid + d.rounding_to_cadangan == d.parts["jasa_modal"] + d.parts["jasa_usaha"]
    assert d.rounding_to_cadangan >= 0
    # Each share is the exact share rounded down.
    total_c, total_p = sum(capitals), sum(purchases)
    for c, p, jm, ju in zip(capitals, purchases, d.jasa_modal, d.jasa_usaha, strict=True):
        if total_c:
            exact = Fraction(c, total_c) * surplus * percents["jasa_modal"] / 100
            assert jm <= exact < jm + 1
        if total_p:
            exact = Fraction(p, total_p) * surplus * percents["jasa_usaha"] / 100
            assert ju <= exact < ju + 1
    # Rounding loses less than one rupiah per member per part (plus the parts' own floor).
    if total_c and total_p:
        assert d.rounding_to_cadangan <= 2 * len(members) + 2
