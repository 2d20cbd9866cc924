"""packs and tiers: a product's packs (renteng, pak, lusin, dus: a factor of base units,
a barcode and a price), its quantity prices (harga grosir) and what a sale line was
priced by (issue 15).

Revision ID: 0014_packs_tiers
Revises: 0013_display_pin
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014_packs_tiers"
down_revision = "0013_display_pin"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "inv_product_packs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=16), nullable=False),
        sa.Column("factor", sa.Integer(), nullable=False),
        sa.Column("barcode", sa.String(length=32), nullable=True),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("member_price", sa.BigInteger(), nullable=True),
        sa.Column("cost", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["inv_products.id"],
            name=op.f("fk_inv_product_packs_product_id_inv_products"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inv_product_packs")),
        sa.UniqueConstraint("barcode", name=op.f("uq_inv_product_packs_barcode")),
        sa.UniqueConstraint(
            "product_id", "name", name=op.f("uq_inv_product_packs_product_id_name")
        ),
    )
    with op.batch_alter_table("inv_products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("price_tiers", sa.JSON(), nullable=True))
    with op.batch_alter_table("sale_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("price_source", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("pack_name", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("pack_factor", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("pack_count", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("pack_price", sa.BigInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table("sale_lines", schema=None) as batch_op:
        batch_op.drop_column("pack_price")
        batch_op.drop_column("pack_count")
        batch_op.drop_column("pack_factor")
        batch_op.drop_column("pack_name")
        batch_op.drop_column("price_source")
    with op.batch_alter_table("inv_products", schema=None) as batch_op:
        batch_op.drop_column("price_tiers")
    op.drop_table("inv_product_packs")
