"""hub yearly: each branch's sums per calendar year on the hub (issue 16), kept on ingest
beside ``hub_monthly`` with the same atomic upserts, so a period's whole years read one
row per branch and year; filled here from ``hub_monthly``.

Revision ID: 0019_hub_yearly
Revises: 0018_pin_method
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019_hub_yearly"
down_revision = "0018_pin_method"
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


def upgrade():
    op.create_table(
        "hub_yearly",
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Date(), nullable=False),
        *[sa.Column(name, sa.BigInteger(), server_default="0", nullable=False) for name in SUMS],
        sa.ForeignKeyConstraint(
            ["branch_id"], ["hub_branches.id"], name=op.f("fk_hub_yearly_branch_id_hub_branches")
        ),
        sa.PrimaryKeyConstraint("branch_id", "year", name=op.f("pk_hub_yearly")),
    )
    with op.batch_alter_table("hub_yearly", schema=None) as batch_op:
        batch_op.create_index("ix_hub_yearly_year", ["year"], unique=False)
    # The years so far, from the months (each month's row already sums its reports).
    if op.get_bind().dialect.name == "postgresql":
        year = "date_trunc('year', month)::date"
    else:
        year = "substr(month, 1, 4) || '-01-01'"
    columns = ", ".join(SUMS)
    sums = ", ".join(f"sum({name})" for name in SUMS)
    op.execute(
        f"INSERT INTO hub_yearly (branch_id, year, {columns}) "
        f"SELECT branch_id, {year}, {sums} FROM hub_monthly GROUP BY branch_id, {year}"
    )


def downgrade():
    with op.batch_alter_table("hub_yearly", schema=None) as batch_op:
        batch_op.drop_index("ix_hub_yearly_year")
    op.drop_table("hub_yearly")
