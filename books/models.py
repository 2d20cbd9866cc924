"""Books: the chart of accounts, journals and their lines, fiscal years.

Journals are append-only: a journal is never edited or deleted; a correction is a new
journal. An account that has entries is never deleted, only closed (it then takes no
new entries). ``Account.role`` names the accounts that events post to (``kas``,
``persediaan``...): code is the branch's choice, the role is what the code uses.
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from mart.db import Money, UTCDateTime, utcnow
from mart.extensions import db

ACCOUNT_TYPES = ("asset", "liability", "equity", "revenue", "expense")
# The normal side of each type: assets and expenses grow on the debit side.
DEBIT_NORMAL = ("asset", "expense")
JOURNAL_KINDS = ("event", "manual", "closing", "opening")


class Account(db.Model):
    __tablename__ = "books_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    type: Mapped[str] = mapped_column(sa.String(12))
    role: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    closed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def debit_normal(self) -> bool:
        return self.type in DEBIT_NORMAL


class Journal(db.Model):
    __tablename__ = "books_journals"
    __table_args__ = (
        sa.Index("ix_books_journals_date", "date"),
        sa.Index("ix_books_journals_source", "source_type", "source_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The branch's local business date.
    date: Mapped[date] = mapped_column(sa.Date)
    memo: Mapped[str] = mapped_column(sa.String(250), default="")
    source_type: Mapped[str | None] = mapped_column(sa.String(32))
    source_id: Mapped[str | None] = mapped_column(sa.String(64))
    source_number: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(sa.String(12), default="event")


class JournalLine(db.Model):
    __tablename__ = "books_journal_lines"
    __table_args__ = (
        sa.Index("ix_books_journal_lines_account", "account_id", "journal_id"),
        sa.CheckConstraint("debit >= 0 AND credit >= 0", name="non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    journal_id: Mapped[int] = mapped_column(sa.ForeignKey("books_journals.id"), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("books_accounts.id"))
    debit: Mapped[int] = mapped_column(Money, default=0)
    credit: Mapped[int] = mapped_column(Money, default=0)


class FiscalYear(db.Model):
    """A year closed by the reports' year close; a closed year takes no new entries."""

    __tablename__ = "books_fiscal_years"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The year's SHU booked at close.
    surplus: Mapped[int] = mapped_column(Money, default=0)
