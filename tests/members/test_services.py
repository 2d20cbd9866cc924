"""The services the point of sale and the roll-up call (docs/CONTRACTS.md), and the
ledger under racing withdrawals."""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mart import clock
from mart.errors import Conflict, InvalidInput, NotFound
from mart.extensions import db
from members import services
from members.models import MemberPurchase, SavingsEntry


def test_find_member_by_number_or_phone(app, make_member):
    no = make_member("Siti", phone="0812 3456 7890")
    with app.test_request_context():
        assert services.find_member(no).member_no == no
        assert services.find_member(f" {no.lower()} ").member_no == no
        assert services.find_member("6281234567890").member_no == no
        assert services.find_member("081234567890").member_no == no
        with pytest.raises(NotFound):
            services.find_member("M000999")
        with pytest.raises(NotFound):
            services.find_member("0899")
        with pytest.raises(NotFound):
            services.find_member("")


def test_require_active_conflict_for_member_who_left(app, make_member):
    no = make_member()
    with app.test_request_context():
        assert services.require_active(no).member_no == no
        services.leave(no, "died")
        db.session.commit()
        with pytest.raises(Conflict):
            services.require_active(no)
        assert services.get_member(no).status == "left"


# The counter's payments without their sales: the sale posts that journal.
@pytest.mark.books_unchecked
def test_pay_and_refund_sukarela_at_the_counter(app, make_member, rows):
    no = make_member(sukarela=50_000)
    with app.test_request_context():
        entry = services.pay_from_sukarela(no, 30_000, ref_type="sale", ref_id="uuid-1")
        assert entry.amount == -30_000 and entry.entry_type == "payment"
        assert entry.ref_id == "uuid-1"
        db.session.commit()
        assert services.savings(entry.member_id)["sukarela"] == 20_000
    before = rows.snapshot()
    with app.test_request_context():
        with pytest.raises(Conflict):
            services.pay_from_sukarela(no, 20_001, ref_type="sale", ref_id="uuid-2")
        db.session.rollback()
    assert rows.snapshot() == before
    with app.test_request_context():
        with pytest.raises(InvalidInput):
            services.pay_from_sukarela(no, 0, ref_type="sale", ref_id="uuid-3")
        refund = services.refund_to_sukarela(no, 10_000, ref_type="return", ref_id="r1")
        assert refund.amount == 10_000 and refund.entry_type == "refund"
        db.session.commit()
        assert services.savings(refund.member_id)["sukarela"] == 30_000


def test_pay_from_sukarela_refused_for_member_who_left(app, make_member):
    no = make_member(sukarela=50_000)
    with app.test_request_context():
        services.leave(no, "resign")
        db.session.commit()
        with pytest.raises(Conflict):
            services.pay_from_sukarela(no, 1000, ref_type="sale", ref_id="x")
        with pytest.raises(Conflict):
            services.refund_to_sukarela(no, 1000, ref_type="return", ref_id="x")


def test_purchases_in_year_net_of_returns(app, make_member):
    no = make_member()
    other = make_member()
    with app.test_request_context():
        services.record_purchase(no, 150_000, on=date(2025, 12, 31), ref_type="sale", ref_id="a")
        services.record_purchase(no, 200_000, on=date(2026, 1, 1), ref_type="sale", ref_id="b")
        services.record_purchase(no, -50_000, on=date(2026, 3, 1), ref_type="return", ref_id="c")
        services.record_purchase(other, 999, on=date(2026, 3, 1), ref_type="sale", ref_id="d")
        assert (
            services.record_purchase(no, 0, on=date(2026, 3, 1), ref_type="s", ref_id="e") is None
        )
        db.session.commit()
        assert services.purchases_in_year(no, 2025) == 150_000
        assert services.purchases_in_year(no, 2026) == 150_000
        assert services.purchases_in_year(no, 2024) == 0
        months = services.purchases_by_month(services.get_member(no).id)
        assert months == [
            {"month": "2026-03", "amount": -50_000},
            {"month": "2026-01", "amount": 200_000},
            {"month": "2025-12", "amount": 150_000},
        ]
        with pytest.raises(NotFound):
            services.record_purchase("M777777", 1, on=date(2026, 1, 1), ref_type="s", ref_id="x")


def test_member_purchase_in_a_rolled_back_sale_is_gone(app, make_member, rows):
    no = make_member()
    before = rows(MemberPurchase)
    with app.test_request_context():
        services.record_purchase(no, 1000, on=date(2026, 1, 1), ref_type="sale", ref_id="x")
        db.session.rollback()
    assert rows(MemberPurchase) == before


def test_member_figures_and_capital_totals(app, make_member):
    with app.test_request_context():
        today = clock.business_date()
    old = make_member(join_date=today - timedelta(days=40), wajib=20_000)
    make_member(join_date=today, sukarela=5000)
    gone = make_member(join_date=today - timedelta(days=40))
    with app.test_request_context():
        services.leave(gone, "resign")
        db.session.commit()
        figures = services.member_figures(today, today)
        assert figures == {"members_total": 2, "members_joined": 1, "members_left": 1}
        # Datetimes: the UTC bounds of the business day (half-open).
        start = datetime.combine(today, datetime.min.time(), tzinfo=UTC) - timedelta(hours=7)
        assert services.member_figures(start, start + timedelta(days=1)) == figures
        yesterday = today - timedelta(days=1)
        assert services.member_figures(yesterday, yesterday) == {
            "members_total": 2,
            "members_joined": 0,
            "members_left": 0,
        }
        assert services.capital_totals() == {"pokok": 200_000, "wajib": 20_000, "sukarela": 5000}
        assert services.capital_totals(today - timedelta(days=1)) == {
            "pokok": 0,
            "wajib": 0,
            "sukarela": 0,
        }
        assert services.capital_totals(today)["pokok"] == 200_000
        # The roll-up's exclusive end of a business day.
        assert services.capital_totals(start + timedelta(days=1))["pokok"] == 200_000
        assert services.capital_totals(start)["pokok"] == 0
        assert old


# --- concurrency --------------------------------------------------------------------


def _race(app, fn, n):
    outcomes = []
    barrier = threading.Barrier(n)

    def run():
        with app.test_request_context(method="POST"):
            try:
                barrier.wait()
                fn()
                db.session.commit()
                outcomes.append("ok")
            except Conflict:
                db.session.rollback()
                outcomes.append("409")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_racing_withdrawals_never_below_zero(app, make_member):
    no = make_member(sukarela=100_000)
    outcomes = _race(app, lambda: services.withdraw(no, "sukarela", 30_000), 6)
    assert sorted(outcomes) == ["409"] * 3 + ["ok"] * 3
    with app.app_context():
        member = services.get_member(no)
        assert services.savings(member.id)["sukarela"] == 10_000
        ledger_sum = db.session.scalar(
            sa.select(sa.func.sum(SavingsEntry.amount)).where(
                SavingsEntry.member_id == member.id, SavingsEntry.kind == "sukarela"
            )
        )
        assert ledger_sum == 10_000


# The counter's payments without their sales: the sale posts that journal.
@pytest.mark.books_unchecked
def test_racing_counter_payments_and_withdrawal(app, make_member):
    no = make_member(sukarela=50_000)
    calls = iter(range(100))

    def pay():
        i = next(calls)
        if i % 2:
            services.withdraw(no, "sukarela", 20_000)
        else:
            services.pay_from_sukarela(no, 20_000, ref_type="sale", ref_id=f"s{i}")

    outcomes = _race(app, pay, 4)
    assert sorted(outcomes) == ["409", "409", "ok", "ok"]
    with app.app_context():
        assert services.savings(services.get_member(no).id)["sukarela"] == 10_000


def test_racing_pokok_paid_once(app, make_member):
    no = make_member(pokok=False)
    outcomes = _race(app, lambda: services.deposit(no, "pokok", 100_000), 3)
    assert sorted(outcomes) == ["409", "409", "ok"]


# --- the ledger is the sum of its entries (property) -------------------------------

operations = st.lists(
    st.tuples(
        st.sampled_from(["deposit", "withdraw", "pay", "refund", "reverse"]), st.integers(1, 50_000)
    ),
    min_size=1,
    max_size=15,
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=operations)
def test_balance_is_sum_of_entries_and_never_negative(app, make_member, ops):
    no = make_member()
    expected = 0
    with app.test_request_context():
        member = services.get_member(no)
        last_deposit = None
        for op, amount in ops:
            try:
                if op == "deposit":
                    last_deposit = services.deposit(no, "sukarela", amount).id
                    expected += amount
                elif op == "withdraw":
                    services.withdraw(no, "sukarela", amount)
                    expected -= amount
                elif op == "pay":
                    services.pay_from_sukarela(no, amount, ref_type="sale", ref_id="p")
                    expected -= amount
                elif op == "refund":
                    services.refund_to_sukarela(no, amount, ref_type="return", ref_id="r")
                    expected += amount
                elif op == "reverse" and last_deposit:
                    entry = services.reverse_entry(no, last_deposit, "x")
                    expected += entry.amount
                    last_deposit = None
            except Conflict:
                pass
            assert expected >= 0
            assert services.savings(member.id)["sukarela"] == expected
            ledger = db.session.scalar(
                sa.select(sa.func.coalesce(sa.func.sum(SavingsEntry.amount), 0)).where(
                    SavingsEntry.member_id == member.id, SavingsEntry.kind == "sukarela"
                )
            )
            assert ledger == expected
        db.session.rollback()


def test_create_user_member_link_checked(app, runner, make_member):
    no = make_member()
    ok = runner.invoke(
        args=[
            "mart",
            "create-user",
            "sri",
            "--role",
            "member",
            "--password",
            "anggota-123",
            "--member-no",
            no,
        ]
    )
    assert ok.exit_code == 0, ok.output
    unknown = runner.invoke(
        args=[
            "mart",
            "create-user",
            "budi",
            "--role",
            "member",
            "--password",
            "anggota-123",
            "--member-no",
            "M123456",
        ]
    )
    assert unknown.exit_code != 0 and "M123456" in unknown.output


def test_leave_racing_withdrawals_pays_out_exactly_what_is_left(app, make_member):
    no = make_member(sukarela=100_000)
    calls = iter(range(100))

    def act():
        if next(calls) == 0:
            services.leave(no, "resign")
        else:
            services.withdraw(no, "sukarela", 40_000)

    outcomes = _race(app, act, 4)
    assert outcomes.count("ok") >= 1
    with app.app_context():
        member = services.get_member(no)
        assert member.status == "left"
        assert services.savings(member.id) == {"pokok": 0, "wajib": 0, "sukarela": 0, "total": 0}
        entries = db.session.execute(
            sa.select(SavingsEntry.entry_type, SavingsEntry.amount).where(
                SavingsEntry.member_id == member.id, SavingsEntry.kind == "sukarela"
            )
        ).all()
        assert sum(a for _t, a in entries) == 0
        withdrawn = -sum(a for t, a in entries if t == "withdrawal")
        paid_out = -sum(a for t, a in entries if t == "payout")
        assert withdrawn + paid_out == 100_000


def test_racing_reversals_of_one_entry_only_one_wins(app, make_member):
    no = make_member()
    with app.test_request_context(method="POST"):
        entry_id = services.deposit(no, "sukarela", 10_000).id
        db.session.commit()
    outcomes = _race(app, lambda: services.reverse_entry(no, entry_id, "salah"), 3)
    assert sorted(outcomes) == ["409", "409", "ok"]
    with app.app_context():
        assert services.savings(services.get_member(no).id)["sukarela"] == 0
