"""hub running totals: each report of ``hub_reports`` carries its branch's running
totals (``cum_<figure>``: the sum of the figure over the branch's reports up to and
including that date; ``cum_reports`` their number), and ``hub_latest`` the branch's
totals over all its reports, so a period's sums per branch are two rows a branch (the
totals at its last day less those at the day before its first), whatever its edges
(issue 16). On PostgreSQL the date index of ``hub_reports`` now covers the branch, the
running totals and the state figures (``INCLUDE``): a period's ends are index-only.

What it costs on a big hub (26.6 million reports), run with the hub stopped as every
upgrade is (``flask mart init``):

- The columns are added without rewriting the tables (a constant default).
- The backfill rewrites every report once: one ``UPDATE ... FROM`` a window sum per
  branch in date order (a sort of the whole table by branch and date, then every row
  written anew: a new row version each, the table about doubles until vacuumed).
- The covering index is built again over every report, wider than before (the
  running totals and the states instead of the day's figures: 23 columns).

Revision ID: 0021_hub_running_totals
Revises: 0020_hub_month_states
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021_hub_running_totals"
down_revision = "0020_hub_month_states"
branch_labels = None
depends_on = None

SUMS = (
    "reports",
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
CUMS = tuple(f"cum_{name}" for name in SUMS)


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in ("hub_reports", "hub_latest"):
        if postgres:
            # One ALTER for all columns (batch_alter_table would issue one per column).
            op.execute(
                f"ALTER TABLE {table} "
                + ", ".join(f"ADD COLUMN {c} BIGINT DEFAULT 0 NOT NULL" for c in CUMS)
            )
        else:
            with op.batch_alter_table(table, schema=None) as batch_op:
                for name in CUMS:
                    batch_op.add_column(
                        sa.Column(name, sa.BigInteger(), server_default="0", nullable=False)
                    )
    # Every report's running totals: one window sum per branch in date order.
    figures = ["1" if name == "reports" else name for name in SUMS]
    windows = ", ".join(
        f"sum({f}) OVER (PARTITION BY branch_id ORDER BY date) AS {c}"
        for f, c in zip(figures, CUMS, strict=True)
    )
    if postgres:
        op.execute("SET LOCAL work_mem = '256MB'")
        op.execute("SET LOCAL maintenance_work_mem = '256MB'")
        # Built again after the backfill (cheaper than kept up to date by it).
        op.execute("DROP INDEX ix_hub_reports_date")
    op.execute(
        f"UPDATE hub_reports SET {', '.join(f'{c} = w.{c}' for c in CUMS)} "
        f"FROM (SELECT branch_id, date, {windows} FROM hub_reports) AS w "
        "WHERE hub_reports.branch_id = w.branch_id AND hub_reports.date = w.date"
    )
    # Each branch's totals over all its reports (its years' sums).
    totals = ", ".join(f"{c} = y.{n}" for c, n in zip(CUMS, SUMS, strict=True))
    op.execute(
        f"UPDATE hub_latest SET {totals} "
        f"FROM (SELECT branch_id, {', '.join(f'sum({n}) AS {n}' for n in SUMS)} "
        "FROM hub_yearly GROUP BY branch_id) AS y WHERE hub_latest.branch_id = y.branch_id"
    )
    if postgres:
        op.execute(
            "CREATE INDEX ix_hub_reports_date ON hub_reports (date) "
            f"INCLUDE (branch_id, {', '.join(CUMS)}, {', '.join(POINTS)})"
        )


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("DROP INDEX ix_hub_reports_date")
        op.execute(
            "CREATE INDEX ix_hub_reports_date ON hub_reports (date) "
            f"INCLUDE (branch_id, {', '.join(SUMS[1:])})"
        )
    for table in ("hub_latest", "hub_reports"):
        if postgres:
            op.execute(f"ALTER TABLE {table} " + ", ".join(f"DROP COLUMN {c}" for c in CUMS))
        else:
            with op.batch_alter_table(table, schema=None) as batch_op:
                for name in reversed(CUMS):
                    batch_op.drop_column(name)
