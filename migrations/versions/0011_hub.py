"""hub: branch time zones; hub_reports keyed by (branch, date), partitioned by year on
PostgreSQL (the existing rows are copied into the partitioned table).

Revision ID: 0011_hub
Revises: 0009b_books_rollup
"""

from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0011_hub"
down_revision = "0009b_books_rollup"
branch_labels = None
depends_on = None

FIGURES = (
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
KEPT = ("branch_id", "date", "revision", "received_at", "body") + FIGURES


def _report_columns():
    return [
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        *[sa.Column(n, sa.BigInteger(), server_default="0", nullable=False) for n in FIGURES],
        sa.ForeignKeyConstraint(
            ["branch_id"], ["hub_branches.id"], name=op.f("fk_hub_reports_branch_id_hub_branches")
        ),
        sa.PrimaryKeyConstraint("branch_id", "date", name=op.f("pk_hub_reports")),
    ]


def upgrade():
    with op.batch_alter_table("hub_branches", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "timezone", sa.String(length=32), server_default="Asia/Jakarta", nullable=False
            )
        )

    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    # The old table moves aside (its index names freed), the new one is made, the rows
    # are copied, the old one dropped.
    op.rename_table("hub_reports", "hub_reports_old")
    if postgres:
        op.execute("ALTER INDEX pk_hub_reports RENAME TO pk_hub_reports_old")
        op.execute("ALTER INDEX uq_hub_reports_branch_id_date RENAME TO uq_hub_reports_old")
        op.execute("ALTER INDEX ix_hub_reports_date RENAME TO ix_hub_reports_old_date")
        op.create_table("hub_reports", *_report_columns(), postgresql_partition_by="RANGE (date)")
        years = {
            int(y)
            for y in bind.exec_driver_sql(
                "SELECT DISTINCT extract(year FROM date)::int FROM hub_reports_old"
            ).scalars()
        }
        this_year = date.today().year
        years |= {this_year, this_year + 1}
        for year in sorted(years):
            op.execute(
                f"CREATE TABLE hub_reports_y{year} PARTITION OF hub_reports "
                f"FOR VALUES FROM ('{year}-01-01') TO ('{year + 1}-01-01')"
            )
        op.execute("CREATE TABLE hub_reports_default PARTITION OF hub_reports DEFAULT")
    else:
        op.execute("DROP INDEX IF EXISTS ix_hub_reports_date")
        op.create_table("hub_reports", *_report_columns())
    cols = ", ".join(KEPT)
    op.execute(f"INSERT INTO hub_reports ({cols}) SELECT {cols} FROM hub_reports_old")
    op.drop_table("hub_reports_old")
    with op.batch_alter_table("hub_reports", schema=None) as batch_op:
        batch_op.create_index("ix_hub_reports_date", ["date"], unique=False)
    with op.batch_alter_table("hub_monthly", schema=None) as batch_op:
        batch_op.create_index("ix_hub_monthly_month", ["month"], unique=False)

    op.create_table(
        "hub_latest",
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        *[sa.Column(n, sa.BigInteger(), server_default="0", nullable=False) for n in FIGURES[13:]],
        sa.ForeignKeyConstraint(
            ["branch_id"], ["hub_branches.id"], name=op.f("fk_hub_latest_branch_id_hub_branches")
        ),
        sa.PrimaryKeyConstraint("branch_id", name=op.f("pk_hub_latest")),
    )
    points = ", ".join(FIGURES[13:])
    op.execute(
        f"INSERT INTO hub_latest (branch_id, date, {points}) "
        f"SELECT r.branch_id, r.date, {', '.join('r.' + n for n in FIGURES[13:])} "
        "FROM hub_reports r JOIN (SELECT branch_id, max(date) AS d FROM hub_reports "
        "GROUP BY branch_id) m ON m.branch_id = r.branch_id AND m.d = r.date"
    )
    op.create_table(
        "hub_umkm_monthly",
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("ref", sa.String(length=40), nullable=False),
        sa.Column("sales", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("consignment_paid", sa.BigInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["hub_branches.id"],
            name=op.f("fk_hub_umkm_monthly_branch_id_hub_branches"),
        ),
        sa.PrimaryKeyConstraint("branch_id", "month", "ref", name=op.f("pk_hub_umkm_monthly")),
    )
    with op.batch_alter_table("hub_umkm_monthly", schema=None) as batch_op:
        batch_op.create_index("ix_hub_umkm_monthly_month", ["month"], unique=False)
    op.create_table(
        "hub_umkm_suppliers",
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), server_default="", nullable=False),
        sa.Column("member", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("permit", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("has_page", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["hub_branches.id"],
            name=op.f("fk_hub_umkm_suppliers_branch_id_hub_branches"),
        ),
        sa.PrimaryKeyConstraint("branch_id", "ref", name=op.f("pk_hub_umkm_suppliers")),
    )
    op.create_table(
        "hub_stage_counts",
        sa.Column("kota", sa.String(length=120), nullable=False),
        sa.Column("kecamatan", sa.String(length=120), nullable=False),
        sa.Column("stage", sa.String(length=24), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("kota", "kecamatan", "stage", name=op.f("pk_hub_stage_counts")),
    )


def downgrade():
    op.drop_table("hub_stage_counts")
    op.drop_table("hub_latest")
    op.drop_table("hub_umkm_suppliers")
    with op.batch_alter_table("hub_umkm_monthly", schema=None) as batch_op:
        batch_op.drop_index("ix_hub_umkm_monthly_month")
    op.drop_table("hub_umkm_monthly")
    with op.batch_alter_table("hub_monthly", schema=None) as batch_op:
        batch_op.drop_index("ix_hub_monthly_month")
    bind = op.get_bind()
    op.rename_table("hub_reports", "hub_reports_new")
    if bind.dialect.name == "postgresql":
        op.execute("ALTER INDEX pk_hub_reports RENAME TO pk_hub_reports_new")
    op.execute("DROP INDEX IF EXISTS ix_hub_reports_date")
    op.create_table(
        "hub_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        *[c for c in _report_columns() if not isinstance(c, sa.PrimaryKeyConstraint)],
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_reports")),
        sa.UniqueConstraint("branch_id", "date", name=op.f("uq_hub_reports_branch_id_date")),
    )
    cols = ", ".join(KEPT)
    op.execute(
        f"INSERT INTO hub_reports ({cols}) SELECT {cols} FROM hub_reports_new "
        "ORDER BY date, branch_id"
    )
    op.drop_table("hub_reports_new")  # on PostgreSQL its partitions go with it
    with op.batch_alter_table("hub_reports", schema=None) as batch_op:
        batch_op.create_index("ix_hub_reports_date", ["date"], unique=False)
    with op.batch_alter_table("hub_branches", schema=None) as batch_op:
        batch_op.drop_column("timezone")
