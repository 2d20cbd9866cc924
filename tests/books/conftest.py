"""Fixtures of the books tests: a PKP branch rounding cash to Rp 100, and the journal
an event posted, read back by its source."""

import pytest
import sqlalchemy as sa

from books import account_balances
from books.models import Account, Journal, JournalLine
from mart.extensions import db
from tests.books.agree import books_agree_after  # noqa: F401  (autouse)


@pytest.fixture
def app(app_factory):
    return app_factory(MART_PKP=True, MART_CASH_ROUNDING=100)


def journal_of(app, source_type, source_id) -> dict[str, int]:
    """``{role or code: debit - credit}`` of every journal the source posted."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(Account.role, Account.code, JournalLine.debit, JournalLine.credit)
            .join(JournalLine, JournalLine.account_id == Account.id)
            .join(Journal, Journal.id == JournalLine.journal_id)
            .where(Journal.source_type == source_type, Journal.source_id == str(source_id))
        ).all()
    out: dict[str, int] = {}
    for role, code, debit, credit in rows:
        key = role or code
        out[key] = out.get(key, 0) + int(debit) - int(credit)
    return {k: v for k, v in out.items() if v}


def balances(app) -> dict[str, int]:
    """Every role's balance, debit positive."""
    with app.app_context():
        by_code = account_balances()
        roles = dict(db.session.execute(sa.select(Account.code, Account.role)).all())
    return {roles[code] or code: d - c for code, (d, c) in by_code.items()}
