"""hub products: each branch's best sellers per month on the hub (issue 16), from the
reports' optional ``top_products``; and each branch's books check (reconciled or not,
what differs) with its newest report's state figures (``hub_latest``).

Revision ID: 0017_hub_products
Revises: 0016_member_credit
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017_hub_products"
down_revision = "0016_member_credit"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "hub_product_monthly",
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("barcode", sa.String(length=64), server_default="", nullable=False),
        sa.Column("unit", sa.String(length=8), server_default="", nullable=False),
        sa.Column("umkm", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("supplier", sa.String(length=120), server_default="", nullable=False),
        sa.Column("quantity", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("sales", sa.BigInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["hub_branches.id"],
            name=op.f("fk_hub_product_monthly_branch_id_hub_branches"),
        ),
        sa.PrimaryKeyConstraint("branch_id", "month", "key", name=op.f("pk_hub_product_monthly")),
    )
    with op.batch_alter_table("hub_product_monthly", schema=None) as batch_op:
        batch_op.create_index("ix_hub_product_monthly_month", ["month"], unique=False)
    with op.batch_alter_table("hub_latest", schema=None) as batch_op:
        batch_op.add_column(sa.Column("books_ok", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("books_differences", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("hub_latest", schema=None) as batch_op:
        batch_op.drop_column("books_differences")
        batch_op.drop_column("books_ok")
    with op.batch_alter_table("hub_product_monthly", schema=None) as batch_op:
        batch_op.drop_index("ix_hub_product_monthly_month")
    op.drop_table("hub_product_monthly")
