"""promotions (issue 15): promotions, what each gave away on a sale line, and the
promotion discount of sales and their lines.

Revision ID: 0015_promotions
Revises: 0014_packs_tiers
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015_promotions"
down_revision = "0014_packs_tiers"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "pos_promotions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("percent", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("buy_qty", sa.Integer(), nullable=True),
        sa.Column("get_qty", sa.Integer(), nullable=True),
        sa.Column("bundle_price", sa.BigInteger(), nullable=True),
        sa.Column("product_ids", sa.JSON(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("members_only", sa.Boolean(), nullable=False),
        sa.Column("stackable", sa.Boolean(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_pos_promotions_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pos_promotions")),
    )
    with op.batch_alter_table("pos_promotions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pos_promotions_starts_at"), ["starts_at"])
        batch_op.create_index(batch_op.f("ix_pos_promotions_ends_at"), ["ends_at"])

    op.create_table(
        "pos_sale_line_promotions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sale_id", sa.String(length=36), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("promotion_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("discount", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sale_id"], ["sales.id"], name=op.f("fk_pos_sale_line_promotions_sale_id_sales")
        ),
        sa.ForeignKeyConstraint(
            ["promotion_id"],
            ["pos_promotions.id"],
            name=op.f("fk_pos_sale_line_promotions_promotion_id_pos_promotions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pos_sale_line_promotions")),
    )
    with op.batch_alter_table("pos_sale_line_promotions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pos_sale_line_promotions_sale_id"), ["sale_id"])
        batch_op.create_index(
            batch_op.f("ix_pos_sale_line_promotions_promotion_id"), ["promotion_id"]
        )

    with op.batch_alter_table("sales", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("promotion_discount", sa.BigInteger(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("sale_lines", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("promotion_discount", sa.BigInteger(), server_default="0", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("sale_lines", schema=None) as batch_op:
        batch_op.drop_column("promotion_discount")
    with op.batch_alter_table("sales", schema=None) as batch_op:
        batch_op.drop_column("promotion_discount")
    with op.batch_alter_table("pos_sale_line_promotions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pos_sale_line_promotions_promotion_id"))
        batch_op.drop_index(batch_op.f("ix_pos_sale_line_promotions_sale_id"))
    op.drop_table("pos_sale_line_promotions")
    with op.batch_alter_table("pos_promotions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pos_promotions_ends_at"))
        batch_op.drop_index(batch_op.f("ix_pos_promotions_starts_at"))
    op.drop_table("pos_promotions")
