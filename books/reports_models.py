"""The reports' summary of the books: sums of journal lines per account and day.

A year of a busy branch is millions of journal lines; summing them for every trial
balance would take seconds. ``AccountDay`` holds the sums of the lines already folded
in (every line with ``id <= SummaryMark.line_id``), per account, business day and
whether the journal closes a year; the reports add the few lines newer than the mark.
Journals are append-only, so a folded sum never changes. Only lines older than
``MART_BOOKS_SUMMARY_LAG_SECONDS`` are folded in, so a transaction still open (on
PostgreSQL a lower id may commit after a higher one) is never skipped.
"""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from mart.db import Money
from mart.extensions import db


class AccountDay(db.Model):
    __tablename__ = "books_account_days"
    __table_args__ = (
        sa.Index("ix_books_account_days_day", "day", "account_id", "closing", "debit", "credit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column()
    day: Mapped[date] = mapped_column(sa.Date)
    closing: Mapped[bool] = mapped_column(default=False)
    debit: Mapped[int] = mapped_column(Money, default=0)
    credit: Mapped[int] = mapped_column(Money, default=0)


class SalesDay(db.Model):
    """Net sales (before tax, net of returns) per business day, members' or not, of the
    sales and returns whose journals are folded in: the PHU's member / non-member split
    reads these instead of a year of sales. Filled through the point of sale's
    ``app.extensions["books_net_sales_journals"]``."""

    __tablename__ = "books_sales_days"
    __table_args__ = (sa.Index("ix_books_sales_days_day", "day", "members", "net"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date)
    members: Mapped[bool] = mapped_column(default=False)
    net: Mapped[int] = mapped_column(Money, default=0)


class SummaryMark(db.Model):
    """One row (id 1): the last journal line folded into ``AccountDay``."""

    __tablename__ = "books_summary_mark"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    line_id: Mapped[int] = mapped_column(sa.BigInteger, default=0)
