"""rollup: the branch's outbox of daily reports; the hub's branches, reports and summaries.

Revision ID: 0006_rollup
Revises: 0005_pos
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_rollup"
down_revision = "0005_pos"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "hub_branches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kota", sa.String(length=120), server_default="", nullable=False),
        sa.Column("kecamatan", sa.String(length=120), server_default="", nullable=False),
        sa.Column("key_encrypted", sa.Text(), nullable=False),
        sa.Column("key_rotated_at", sa.DateTime(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_report_date", sa.Date(), nullable=True),
        sa.Column("last_received_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_branches")),
        sa.UniqueConstraint("code", name=op.f("uq_hub_branches_code")),
    )
    op.create_table(
        "hub_daily",
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("reports", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("sales_gross", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("discounts", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("returns", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("sales_net", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("ppn", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("transactions", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("items", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("member_sales", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("members_joined", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("members_left", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("umkm_purchases", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("consignment_payable", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("consignment_paid", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("date", name=op.f("pk_hub_daily")),
    )
    op.create_table(
        "rollup_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollup_outbox")),
        sa.UniqueConstraint("date", "revision", name=op.f("uq_rollup_outbox_date_revision")),
    )
    with op.batch_alter_table("rollup_outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_rollup_outbox_status_next", ["status", "next_attempt_at"], unique=False
        )

    op.create_table(
        "hub_monthly",
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("reports", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("sales_gross", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("discounts", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("returns", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("sales_net", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("ppn", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("transactions", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("items", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("member_sales", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("members_joined", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("members_left", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("umkm_purchases", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("consignment_payable", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("consignment_paid", sa.BigInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["hub_branches.id"], name=op.f("fk_hub_monthly_branch_id_hub_branches")
        ),
        sa.PrimaryKeyConstraint("branch_id", "month", name=op.f("pk_hub_monthly")),
    )
    op.create_table(
        "hub_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sales_gross", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("discounts", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("returns", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("sales_net", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("ppn", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("transactions", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("items", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("member_sales", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("members_joined", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("members_left", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("umkm_purchases", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("consignment_payable", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("consignment_paid", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("members_total", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("capital_pokok", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("capital_wajib", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("capital_sukarela", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("stock_value_cost", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("stock_consigned", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("umkm_suppliers_active", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("umkm_suppliers_members", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("staff_count", sa.BigInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["hub_branches.id"], name=op.f("fk_hub_reports_branch_id_hub_branches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_reports")),
        sa.UniqueConstraint("branch_id", "date", name=op.f("uq_hub_reports_branch_id_date")),
    )
    with op.batch_alter_table("hub_reports", schema=None) as batch_op:
        batch_op.create_index("ix_hub_reports_date", ["date"], unique=False)


def downgrade():
    with op.batch_alter_table("hub_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_hub_reports_date")

    op.drop_table("hub_reports")
    op.drop_table("hub_monthly")
    with op.batch_alter_table("rollup_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_rollup_outbox_status_next")

    op.drop_table("rollup_outbox")
    op.drop_table("hub_daily")
    op.drop_table("hub_branches")
