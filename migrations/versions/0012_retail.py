"""retail: purchase orders, price change history, shelf-label queue; supplier lead
time and a goods receipt's purchase order.

Revision ID: 0012_retail
Revises: 0011_hub
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012_retail"
down_revision = "0011_hub"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "inv_purchase_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expected_on", sa.Date(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["inv_suppliers.id"],
            name=op.f("fk_inv_purchase_orders_supplier_id_inv_suppliers"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_inv_purchase_orders_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inv_purchase_orders")),
    )
    with op.batch_alter_table("inv_purchase_orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inv_purchase_orders_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_inv_purchase_orders_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_inv_purchase_orders_supplier_id"), ["supplier_id"], unique=False
        )

    op.create_table(
        "inv_label_queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("copies", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["inv_products.id"],
            name=op.f("fk_inv_label_queue_product_id_inv_products"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inv_label_queue")),
        sa.UniqueConstraint("product_id", name=op.f("uq_inv_label_queue_product_id")),
    )
    op.create_table(
        "inv_price_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=80), nullable=True),
        sa.Column("old_price", sa.BigInteger(), nullable=True),
        sa.Column("new_price", sa.BigInteger(), nullable=True),
        sa.Column("old_member_price", sa.BigInteger(), nullable=True),
        sa.Column("new_member_price", sa.BigInteger(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["inv_products.id"],
            name=op.f("fk_inv_price_changes_product_id_inv_products"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_inv_price_changes_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inv_price_changes")),
    )
    with op.batch_alter_table("inv_price_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inv_price_changes_product_id"), ["product_id"], unique=False
        )

    op.create_table(
        "inv_purchase_order_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("unit_cost", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["inv_purchase_orders.id"],
            name=op.f("fk_inv_purchase_order_lines_order_id_inv_purchase_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["inv_products.id"],
            name=op.f("fk_inv_purchase_order_lines_product_id_inv_products"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inv_purchase_order_lines")),
    )
    with op.batch_alter_table("inv_purchase_order_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inv_purchase_order_lines_order_id"), ["order_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inv_purchase_order_lines_product_id"), ["product_id"], unique=False
        )

    with op.batch_alter_table("inv_receipts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purchase_order_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_inv_receipts_purchase_order_id"), ["purchase_order_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_inv_receipts_purchase_order_id_inv_purchase_orders"),
            "inv_purchase_orders",
            ["purchase_order_id"],
            ["id"],
        )

    with op.batch_alter_table("inv_suppliers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lead_time_days", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("inv_suppliers", schema=None) as batch_op:
        batch_op.drop_column("lead_time_days")

    with op.batch_alter_table("inv_receipts", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_inv_receipts_purchase_order_id_inv_purchase_orders"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_inv_receipts_purchase_order_id"))
        batch_op.drop_column("purchase_order_id")

    with op.batch_alter_table("inv_purchase_order_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inv_purchase_order_lines_product_id"))
        batch_op.drop_index(batch_op.f("ix_inv_purchase_order_lines_order_id"))

    op.drop_table("inv_purchase_order_lines")
    with op.batch_alter_table("inv_price_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inv_price_changes_product_id"))

    op.drop_table("inv_price_changes")
    op.drop_table("inv_label_queue")
    with op.batch_alter_table("inv_purchase_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inv_purchase_orders_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_inv_purchase_orders_status"))
        batch_op.drop_index(batch_op.f("ix_inv_purchase_orders_created_at"))

    op.drop_table("inv_purchase_orders")
