"""Roll-up tables.

Branch side: ``RollupOutbox`` holds every revision of every day's report, written in
the transaction that built it, and its delivery state.

Hub side (``MART_MODE=association``): ``HubBranch`` (the registered branches and their
keys, encrypted), ``HubReport`` (the newest revision of each branch's day, with the
figures as columns), and summary tables kept up to date on ingest with atomic
``UPDATE ... SET x = x + delta`` (``HubMonthly`` per branch and month, ``HubYearly``
per branch and year, ``HubDaily`` per date across all branches) so that a year's
summary reads one row per branch, not a row per branch and day.
"""

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mart.db import Money, Quantity, UTCDateTime, utcnow
from mart.extensions import db

# Figures that add up over days (a period's value is the sum of its days).
SUM_FIELDS = (
    "sales_gross",
    "discounts",
    "returns",
    "sales_net",
    "ppn",
    "transactions",
    "items",
    "member_sales",
    "members_joined",
    "members_left",
    "umkm_purchases",
    "consignment_payable",
    "consignment_paid",
)
# Figures that are a state at the end of a day (a period's value is its last day's).
POINT_FIELDS = (
    "members_total",
    "capital_pokok",
    "capital_wajib",
    "capital_sukarela",
    "stock_value_cost",
    "stock_consigned",
    "umkm_suppliers_active",
    "umkm_suppliers_members",
    "staff_count",
)


def _money():
    return mapped_column(Money, default=0, server_default="0")


class RollupOutbox(db.Model):
    """A built revision of a day's report and its delivery to the hub.

    ``status``: ``pending`` (waiting to be sent, retried with backoff), ``sent``,
    ``superseded`` (a newer revision of the same day was built before this one was
    delivered, so only the newer one is sent), ``rejected`` (the hub refused it for
    good: 409/422; the manager sees it).
    """

    __tablename__ = "rollup_outbox"
    __table_args__ = (
        sa.UniqueConstraint("date", "revision"),
        sa.Index("ix_rollup_outbox_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[date] = mapped_column(sa.Date)
    revision: Mapped[int]
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class HubBranch(db.Model):
    """A branch registered at the hub. ``key_encrypted`` is the HMAC key, Fernet-encrypted
    with a key derived from SECRET_KEY (see rollup.keys for why not a hash)."""

    __tablename__ = "hub_branches"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    kota: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    kecamatan: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    # The branch's time zone: its business day and "silent for N days" follow it.
    timezone: Mapped[str] = mapped_column(
        sa.String(32), default="Asia/Jakarta", server_default="Asia/Jakarta"
    )
    key_encrypted: Mapped[str] = mapped_column(sa.Text)
    key_rotated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_report_date: Mapped[date | None] = mapped_column(sa.Date)
    last_received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SummedFigures:
    """A day's additive figures, as a report gives them and the summary tables add them
    up (a mixin: each table gets its own columns)."""

    sales_gross: Mapped[int] = _money()
    discounts: Mapped[int] = _money()
    returns: Mapped[int] = _money()
    sales_net: Mapped[int] = _money()
    ppn: Mapped[int] = _money()
    transactions: Mapped[int] = _money()
    items: Mapped[int] = _money()
    member_sales: Mapped[int] = _money()
    members_joined: Mapped[int] = _money()
    members_left: Mapped[int] = _money()
    umkm_purchases: Mapped[int] = _money()
    consignment_payable: Mapped[int] = _money()
    consignment_paid: Mapped[int] = _money()


class StateFigures:
    """A day's state figures, as a report gives them (members, capital, stock, UMKM
    suppliers, staff), kept per branch for its newest report (hub_latest) and its last
    report of each month (hub_monthly). A mixin: each table gets its own columns."""

    members_total: Mapped[int] = _money()
    capital_pokok: Mapped[int] = _money()
    capital_wajib: Mapped[int] = _money()
    capital_sukarela: Mapped[int] = _money()
    stock_value_cost: Mapped[int] = _money()
    stock_consigned: Mapped[int] = _money()
    umkm_suppliers_active: Mapped[int] = _money()
    umkm_suppliers_members: Mapped[int] = _money()
    staff_count: Mapped[int] = _money()


# Running totals: per report, the branch's sum of each of ``("reports",) + SUM_FIELDS``
# over all its reports up to and including that date (``cum_reports`` counts them).
CUM_FIELDS = tuple(f"cum_{name}" for name in ("reports",) + SUM_FIELDS)


class RunningTotals:
    """A branch's running totals at one report (hub_reports: over its reports up to and
    including that date; hub_latest: over all of them). A period's sums are the
    totals at its last day less those at the day before its first (a mixin)."""

    cum_reports: Mapped[int] = _money()
    cum_sales_gross: Mapped[int] = _money()
    cum_discounts: Mapped[int] = _money()
    cum_returns: Mapped[int] = _money()
    cum_sales_net: Mapped[int] = _money()
    cum_ppn: Mapped[int] = _money()
    cum_transactions: Mapped[int] = _money()
    cum_items: Mapped[int] = _money()
    cum_member_sales: Mapped[int] = _money()
    cum_members_joined: Mapped[int] = _money()
    cum_members_left: Mapped[int] = _money()
    cum_umkm_purchases: Mapped[int] = _money()
    cum_consignment_payable: Mapped[int] = _money()
    cum_consignment_paid: Mapped[int] = _money()


class HubReport(SummedFigures, StateFigures, RunningTotals, db.Model):
    """The newest revision received of one branch's business day.

    Keyed by (branch, date): on PostgreSQL the table is partitioned by range of
    ``date``, one partition per year (see rollup.partitions), and a partitioned
    table's primary key must hold the partition key.
    """

    __tablename__ = "hub_reports"
    # On PostgreSQL the date index carries the branch, its running totals and its state
    # figures, so the branches' totals and states on one day (a period's ends) are an
    # index-only scan, never the wide rows (each holds its body); SQLite keeps a plain
    # index on the date.
    __table_args__ = (
        sa.Index(
            "ix_hub_reports_date",
            "date",
            postgresql_include=["branch_id", *CUM_FIELDS, *POINT_FIELDS],
        ),
    )

    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("hub_branches.id"), primary_key=True)
    date: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    revision: Mapped[int]
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The raw body exactly as signed by the branch.
    body: Mapped[str] = mapped_column(sa.Text)

    branch: Mapped[HubBranch] = relationship()


class HubLatest(StateFigures, RunningTotals, db.Model):
    """Each branch's newest report's state figures (members, capital, stock...), kept on
    ingest: the summary of any period that holds a branch's newest report reads them
    here (one row per branch) instead of searching the reports; and its running totals
    over all its reports (what its newest report's ``cum_*`` hold), so a period ending
    after a branch's newest report reads its totals here too."""

    __tablename__ = "hub_latest"

    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("hub_branches.id"), primary_key=True)
    date: Mapped[date] = mapped_column(sa.Date)
    # The books checked against the ledgers, as the newest report says (None: it says
    # nothing, an older branch); what differs, as JSON lines.
    books_ok: Mapped[bool | None] = mapped_column()
    books_differences: Mapped[str | None] = mapped_column(sa.Text)


class HubMonthly(SummedFigures, StateFigures, db.Model):
    """Sums of one branch's reports in one calendar month (``month`` is its first day),
    and the state figures of its last report in the month (``last_date``; a later day
    replaces them on ingest, an earlier one arriving late does not): a period in the
    past reads each branch's state at its end here, not in the reports."""

    __tablename__ = "hub_monthly"
    # A period's summary reads months across every branch: by month first.
    __table_args__ = (sa.Index("ix_hub_monthly_month", "month"),)

    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("hub_branches.id"), primary_key=True)
    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    reports: Mapped[int] = _money()
    last_date: Mapped[date | None] = mapped_column(sa.Date)


class HubYearly(SummedFigures, db.Model):
    """Sums of one branch's reports in one calendar year (``year`` is its 1 January),
    kept on ingest beside ``HubMonthly``: a period's whole years read one row per branch
    and year (a year across 7,300 branches is 7,300 rows, not 87,600 month rows)."""

    __tablename__ = "hub_yearly"
    __table_args__ = (sa.Index("ix_hub_yearly_year", "year"),)

    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("hub_branches.id"), primary_key=True)
    year: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    reports: Mapped[int] = _money()


class HubDaily(SummedFigures, db.Model):
    """Sums of every branch's reports for one date (the trend charts read this)."""

    __tablename__ = "hub_daily"

    date: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    reports: Mapped[int] = _money()


class HubUmkmMonthly(db.Model):
    """One UMKM supplier's sales and consignment payouts through one branch in one month,
    kept on ingest from the reports' optional ``umkm_suppliers`` (a newer revision of a
    day adds the difference, as for the other summaries). ``ref`` is the supplier's id
    at that branch."""

    __tablename__ = "hub_umkm_monthly"
    __table_args__ = (sa.Index("ix_hub_umkm_monthly_month", "month"),)

    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("hub_branches.id"), primary_key=True)
    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    ref: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    sales: Mapped[int] = _money()
    consignment_paid: Mapped[int] = _money()


class HubUmkmSupplier(db.Model):
    """A UMKM supplier as its branch last described it, and when it first sold there."""

    __tablename__ = "hub_umkm_suppliers"

    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("hub_branches.id"), primary_key=True)
    ref: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    member: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    permit: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    has_page: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    first_date: Mapped[date] = mapped_column(sa.Date)
    last_date: Mapped[date] = mapped_column(sa.Date)


class HubProductMonthly(db.Model):
    """One product's sales through one branch in one month, from the reports' optional
    ``top_products`` (each day's best sellers; a newer revision of a day adds the
    difference). ``key`` names the product across branches: its barcode, or
    ``name:`` and its lower-case name without one."""

    __tablename__ = "hub_product_monthly"
    __table_args__ = (sa.Index("ix_hub_product_monthly_month", "month"),)

    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("hub_branches.id"), primary_key=True)
    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    barcode: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")
    unit: Mapped[str] = mapped_column(sa.String(8), default="", server_default="")
    umkm: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    supplier: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    quantity: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0), server_default="0")
    sales: Mapped[int] = _money()


# The OK OCE movement's seven stages, in order.
STAGES = (
    "pendaftaran",
    "pelatihan",
    "pendampingan",
    "perizinan",
    "pemasaran",
    "pelaporan_keuangan",
    "permodalan",
)


class HubStageCount(db.Model):
    """The movement's own count of entrepreneurs at one stage in one kecamatan, entered
    by association staff (the marts' figures are shown beside it)."""

    __tablename__ = "hub_stage_counts"

    kota: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    kecamatan: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    stage: Mapped[str] = mapped_column(sa.String(24), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(sa.String(80), default="", server_default="")
