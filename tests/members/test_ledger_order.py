"""The member's ledger reads in date order (issue 13 item 12), newest first, with each
running balance in that order, even when an entry was booked for an earlier day."""

from datetime import date

import sqlalchemy as sa

from mart.extensions import db
from members import services
from members.models import SavingsEntry


def test_ledger_in_date_order(app, make_member):
    no = make_member()
    with app.app_context():
        services.deposit(no, "sukarela", 10_000)
        services.deposit(no, "sukarela", 20_000)
        services.deposit(no, "sukarela", 30_000)
        db.session.commit()
        member = services.get_member(no)
        ids = db.session.scalars(
            sa.select(SavingsEntry.id)
            .where(SavingsEntry.member_id == member.id, SavingsEntry.kind == "sukarela")
            .order_by(SavingsEntry.id)
        ).all()
        # the last entry is history loaded later, booked on an earlier day
        db.session.execute(
            sa.update(SavingsEntry)
            .where(SavingsEntry.id == ids[-1])
            .values(booked_on=date(2020, 1, 2))
        )
        db.session.commit()
        items = [e for e in services.ledger(member.id, kind="sukarela")["items"]]
    assert [e["amount"] for e in items] == [20_000, 10_000, 30_000]
    assert [e["balance"] for e in items] == [60_000, 40_000, 30_000]
