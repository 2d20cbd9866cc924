"""hub month states: each branch's state figures at its last report of a month kept in
``hub_monthly`` (``last_date`` and the state columns), so a period in the past reads a
branch's state from its month rows instead of probing the reports; on PostgreSQL the
date index of ``hub_reports`` covers the branch and the additive figures (``INCLUDE``),
so the days at a period's unaligned edges are an index-only scan (issue 16).

What it costs on a big hub (7,300 branches x 10 years: 26.6 million reports, 876,000
month rows), run with the hub stopped as every upgrade is (``flask mart init``):

- The new columns are added without rewriting ``hub_monthly`` (a constant default:
  PostgreSQL 11+ keeps it in the catalogue; SQLite likewise).
- The backfill writes every month row once: per row, one backward probe of the
  reports' key ``(branch_id, date)`` within its month (876,000 probes, one heap page
  each; no scan or sort of the whole reports table).
- The covering index is built once over every report (a read of the whole table and a
  sort by date, in each yearly partition; PostgreSQL builds each with its parallel
  workers), holding ``ix_hub_reports_date``'s place: about 3.5 GB at 26.6 million
  reports instead of 0.6 GB. While it builds, writes to ``hub_reports`` wait (reads do
  not). ``maintenance_work_mem`` is raised for this transaction only.
- Each partition is set to be vacuumed after 5,000 new reports (a catalogue change).

Measured on 2,000 branches x 2 years (1,460,000 reports, 48,000 month rows) at load
average 8-9: the backfill 1.8 s, the index 3.5 s, the whole upgrade 3.8 s (downgrade
1.2 s); on 7,300 x 2 years (5,329,000 reports, 175,200 month rows) at load 2 the
upgrade took 13.7 s. Scaled to 26.6 million reports and 876,000 month rows: one to
three minutes; not run on the full bench database.

Revision ID: 0020_hub_month_states
Revises: 0019_hub_yearly
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020_hub_month_states"
down_revision = "0019_hub_yearly"
branch_labels = None
depends_on = None

# As rollup.partitions.AUTOVACUUM (a migration keeps its own copy of what it sets).
AUTOVACUUM = "autovacuum_vacuum_insert_threshold = 5000, autovacuum_vacuum_insert_scale_factor = 0"

POINTS = (
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
SUMS = (
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


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("hub_monthly", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_date", sa.Date(), nullable=True))
        for name in POINTS:
            batch_op.add_column(
                sa.Column(name, sa.BigInteger(), server_default="0", nullable=False)
            )
    # Each month row from its month's last report: one backward probe of the key.
    columns = ", ".join(("date",) + POINTS)
    month_end = "m.month + interval '1 month'" if postgres else "date(m.month, '+1 month')"
    op.execute(
        f"UPDATE hub_monthly AS m SET (last_date, {', '.join(POINTS)}) = "
        f"(SELECT {columns} FROM hub_reports r WHERE r.branch_id = m.branch_id "
        f"AND r.date >= m.month AND r.date < {month_end} ORDER BY r.date DESC LIMIT 1)"
        " WHERE m.reports > 0"
    )
    if postgres:
        op.execute("SET LOCAL maintenance_work_mem = '256MB'")
        op.execute("DROP INDEX ix_hub_reports_date")
        op.execute(
            "CREATE INDEX ix_hub_reports_date ON hub_reports (date) "
            f"INCLUDE (branch_id, {', '.join(SUMS)})"
        )
        # Vacuumed after a few thousand new reports, so the recent days' pages are
        # marked all-visible and their index-only reads need not visit the table
        # (rollup.partitions.AUTOVACUUM; new partitions get it when made).
        for name in _partitions():
            op.execute(f"ALTER TABLE {name} SET ({AUTOVACUUM})")


def _partitions():
    return (
        op.get_bind()
        .exec_driver_sql(
            "SELECT c.relname FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
            "WHERE p.relname = 'hub_reports' AND pg_table_is_visible(p.oid) ORDER BY 1"
        )
        .scalars()
        .all()
    )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_hub_reports_date")
        op.execute("CREATE INDEX ix_hub_reports_date ON hub_reports (date)")
        for name in _partitions():
            op.execute(
                f"ALTER TABLE {name} RESET (autovacuum_vacuum_insert_threshold, "
                "autovacuum_vacuum_insert_scale_factor)"
            )
    with op.batch_alter_table("hub_monthly", schema=None) as batch_op:
        for name in reversed(POINTS):
            batch_op.drop_column(name)
        batch_op.drop_column("last_date")
