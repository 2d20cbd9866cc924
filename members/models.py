"""Members: tables.

- ``Member``: a member of the cooperative (anggota), numbered gap-free (M000001).
- ``SavingsEntry``: the append-only simpanan ledger, one per member and kind
  (``pokok`` paid once on joining, ``wajib`` paid monthly, ``sukarela`` voluntary).
  A correction is a reversing entry, never an edit.
- ``SavingsBalance``: the cached balance per member and kind, changed only by atomic
  ``UPDATE ... SET balance = balance + :a`` in the same transaction as the entry.
- ``MemberPurchase``: a member's purchases (and returns, negative) for SHU.
- ``ShuYear`` / ``ShuShare``: the posted SHU (Sisa Hasil Usaha, the year-end
  surplus) of a fiscal year and each member's part of it.
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mart.db import Money, UTCDateTime, utcnow
from mart.extensions import db

KINDS = ("pokok", "wajib", "sukarela")
ENTRY_TYPES = ("deposit", "withdrawal", "payment", "refund", "reversal", "payout", "shu")
LEFT_REASONS = ("resign", "expelled", "died")
STATUSES = ("active", "left")


class Member(db.Model):
    __tablename__ = "members"
    __table_args__ = (
        sa.CheckConstraint("status IN ('active', 'left')", name="status"),
        sa.CheckConstraint(
            "left_reason IS NULL OR left_reason IN ('resign', 'expelled', 'died')",
            name="left_reason",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_no: Mapped[str] = mapped_column(sa.String(16), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120), index=True)
    # NIK: the 16-digit national identity number.
    nik: Mapped[str] = mapped_column(sa.String(16), unique=True)
    phone: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    address: Mapped[str | None] = mapped_column(sa.Text)
    join_date: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(8), default="active")
    left_date: Mapped[date | None] = mapped_column(sa.Date)
    left_reason: Mapped[str | None] = mapped_column(sa.String(16))
    left_note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The member's own 6-digit PIN (werkzeug hash) for paying from simpanan; wrong
    # tries in a row lock PIN payments until ``pin_locked_until`` (members.pins).
    pin_hash: Mapped[str | None] = mapped_column(sa.String(256))
    pin_failures: Mapped[int] = mapped_column(default=0)
    pin_locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def active(self) -> bool:
        return self.status == "active"

    def __repr__(self):
        return f"<Member {self.member_no} {self.name}>"


class SavingsBalance(db.Model):
    """The cached balance of one member's ledger of one kind (never below zero)."""

    __tablename__ = "savings_balances"
    __table_args__ = (sa.CheckConstraint("balance >= 0", name="not_negative"),)

    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    balance: Mapped[int] = mapped_column(Money, default=0)


class SavingsEntry(db.Model):
    """One line of a simpanan ledger. Append-only: ``amount`` is signed."""

    __tablename__ = "savings_entries"
    __table_args__ = (
        sa.Index("ix_savings_entries_member_kind", "member_id", "kind", "id"),
        sa.CheckConstraint("kind IN ('pokok', 'wajib', 'sukarela')", name="kind"),
        sa.CheckConstraint("amount <> 0", name="amount_not_zero"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    kind: Mapped[str] = mapped_column(sa.String(10))
    entry_type: Mapped[str] = mapped_column(sa.String(12))
    amount: Mapped[int] = mapped_column(Money)
    # The business date the entry counts on (capital at the end of a fiscal year).
    booked_on: Mapped[date] = mapped_column(sa.Date, index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A reversal names the entry it reverses; an entry is reversed at most once.
    reversal_of: Mapped[int | None] = mapped_column(
        sa.ForeignKey("savings_entries.id"), unique=True
    )
    ref_type: Mapped[str | None] = mapped_column(sa.String(32))
    ref_id: Mapped[str | None] = mapped_column(sa.String(64))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(sa.Text)
    # simpanan wajib: the first and last month (first day) this deposit pays for.
    period_from: Mapped[date | None] = mapped_column(sa.Date)
    period_to: Mapped[date | None] = mapped_column(sa.Date)

    member: Mapped[Member] = relationship()


class MemberPurchase(db.Model):
    """A member's purchase (positive) or return (negative), counted for jasa usaha."""

    __tablename__ = "member_purchases"
    __table_args__ = (
        sa.Index("ix_member_purchases_member_date", "member_id", "purchase_date", "amount"),
        sa.Index("ix_member_purchases_date_member", "purchase_date", "member_id", "amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    purchase_date: Mapped[date] = mapped_column(sa.Date)
    amount: Mapped[int] = mapped_column(Money)
    ref_type: Mapped[str | None] = mapped_column(sa.String(32))
    ref_id: Mapped[str | None] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ShuYear(db.Model):
    """The SHU of one fiscal year, posted once (the unique year stops a second post)."""

    __tablename__ = "shu_years"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    surplus: Mapped[int] = mapped_column(Money)
    # {"cadangan": "40", "jasa_modal": "20", ...}: percentages as decimal strings.
    allocation: Mapped[dict] = mapped_column(sa.JSON)
    # {"cadangan": 32000000, ...}: the rupiah of each part (they add up to surplus).
    parts: Mapped[dict] = mapped_column(sa.JSON)
    rounding_to_cadangan: Mapped[int] = mapped_column(Money, default=0)
    payout: Mapped[str] = mapped_column(sa.String(10))  # "sukarela" or "cash"
    capital_includes_sukarela: Mapped[bool] = mapped_column(default=False)
    capital_as_of: Mapped[date] = mapped_column(sa.Date)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # When the surplus came from the books: {"surplus", "surplus_members",
    # "surplus_non_members"} of the year's PHU (the non-members' share went to cadangan).
    from_books: Mapped[dict | None] = mapped_column(sa.JSON)

    shares: Mapped[list["ShuShare"]] = relationship(back_populates="shu_year")


class ShuShare(db.Model):
    """One member's SHU for a posted year (jasa modal + jasa usaha)."""

    __tablename__ = "shu_shares"
    __table_args__ = (sa.UniqueConstraint("shu_year_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shu_year_id: Mapped[int] = mapped_column(sa.ForeignKey("shu_years.id"))
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    capital: Mapped[int] = mapped_column(Money)
    purchases: Mapped[int] = mapped_column(Money)
    jasa_modal: Mapped[int] = mapped_column(Money)
    jasa_usaha: Mapped[int] = mapped_column(Money)
    total: Mapped[int] = mapped_column(Money)
    paid_as: Mapped[str] = mapped_column(sa.String(10))  # "sukarela" or "cash"

    shu_year: Mapped[ShuYear] = relationship(back_populates="shares")
    member: Mapped[Member] = relationship()


CREDIT_KINDS = ("charge", "repayment", "refund", "setoff", "payroll")


class MemberCredit(db.Model):
    """A member's credit (kredit anggota / kasbon): the limit (None: the default from
    ``MART_CREDIT_LIMIT_PERCENT_OF_CAPITAL``) and what is owed, changed only under a
    row lock in the same transaction as the ledger entry (``members.services.credit``)."""

    __tablename__ = "member_credits"
    __table_args__ = (
        sa.CheckConstraint("used >= 0", name="used_not_negative"),
        sa.CheckConstraint("credit_limit IS NULL OR credit_limit >= 0", name="limit_not_negative"),
    )

    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), primary_key=True)
    credit_limit: Mapped[int | None] = mapped_column(Money)
    used: Mapped[int] = mapped_column(Money, default=0)


class CreditEntry(db.Model):
    """One line of a member's credit ledger, append-only. ``amount`` is signed: a charge
    (a sale on credit) positive, a repayment, refund, set-off or payroll deduction
    negative. ``booked_on`` is the business date (aging counts from it)."""

    __tablename__ = "credit_entries"
    __table_args__ = (
        sa.Index("ix_credit_entries_member", "member_id", "id"),
        sa.CheckConstraint(
            "kind IN ('charge', 'repayment', 'refund', 'setoff', 'payroll')", name="kind"
        ),
        sa.CheckConstraint("amount <> 0", name="amount_not_zero"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    kind: Mapped[str] = mapped_column(sa.String(10))
    amount: Mapped[int] = mapped_column(Money)
    sale_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    booked_on: Mapped[date] = mapped_column(sa.Date)
    due_on: Mapped[date | None] = mapped_column(sa.Date)
    method: Mapped[str | None] = mapped_column(sa.String(12))
    ref: Mapped[str | None] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
