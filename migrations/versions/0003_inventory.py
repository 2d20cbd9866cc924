"""inventory: tables of the inventory package.

Revision ID: 0003_inventory
Revises: 0002_printers
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_inventory"
down_revision = "0002_printers"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "inv_categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inv_categories")),
        sa.UniqueConstraint("name", name=op.f("uq_inv_categories_name")),
    )
    op.create_table(
        "inv_suppliers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("address", sa.String(length=250), nullable=True),
        sa.Column("permit_no", sa.String(length=40), nullable=True),
        sa.Column("bank_name", sa.String(length=60), nullable=True),
        sa.Column("bank_account_no", sa.String(length=40), nullable=True),
        sa.Column("bank_account_name", sa.String(length=120), nullable=True),
        sa.Column("terms", sa.String(length=12), nullable=False),
        sa.Column("commission_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("member_no", sa.String(length=32), nullable=True),
        sa.Column("umkm", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inv_suppliers")),
    )
    with op.batch_alter_table("inv_suppliers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inv_suppliers_member_no"), ["member_no"], unique=False)
    op.create_table(
        "inv_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("product_ids", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("posted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_inv_counts_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inv_counts")),
    )
    op.create_table(
        "inv_products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("search_text", sa.String(length=500), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("unit", sa.String(length=8), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("member_price", sa.BigInteger(), nullable=True),
        sa.Column("tax", sa.String(length=8), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("reorder_point", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("tracks_expiry", sa.Boolean(), nullable=False),
        sa.Column("avg_cost", sa.BigInteger(), nullable=False),
        sa.Column("supplier_price", sa.BigInteger(), nullable=True),
        sa.Column("on_hand", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["inv_categories.id"],
            name=op.f("fk_inv_products_category_id_inv_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["inv_suppliers.id"],
            name=op.f("fk_inv_products_supplier_id_inv_suppliers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inv_products")),
        sa.UniqueConstraint("sku", name=op.f("uq_inv_products_sku")),
    )
    with op.batch_alter_table("inv_products", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inv_products_category_id"), ["category_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inv_products_supplier_id"), ["supplier_id"], unique=False
        )
    op.create_table(
        "inv_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("terms", sa.String(length=12), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("total_cost", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["inv_suppliers.id"],
            name=op.f("fk_inv_receipts_supplier_id_inv_suppliers"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_inv_receipts_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inv_receipts")),
    )
    with op.batch_alter_table("inv_receipts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inv_receipts_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_inv_receipts_supplier_id"), ["supplier_id"], unique=False
        )
    op.create_table(
        "inv_settlements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("commission_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("sales_value", sa.BigInteger(), nullable=False),
        sa.Column("commission", sa.BigInteger(), nullable=False),
        sa.Column("payable", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("paid_at", sa.DateTime(), nullable=True),
        sa.Column("paid_reference", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["inv_suppliers.id"],
            name=op.f("fk_inv_settlements_supplier_id_inv_suppliers"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_inv_settlements_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inv_settlements")),
    )
    with op.batch_alter_table("inv_settlements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inv_settlements_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_inv_settlements_paid_at"), ["paid_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_inv_settlements_supplier_id"), ["supplier_id"], unique=False
        )
    op.create_table(
        "inv_supplier_returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("total_cost", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["inv_suppliers.id"],
            name=op.f("fk_inv_supplier_returns_supplier_id_inv_suppliers"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_inv_supplier_returns_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inv_supplier_returns")),
    )
    with op.batch_alter_table("inv_supplier_returns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inv_supplier_returns_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_inv_supplier_returns_supplier_id"), ["supplier_id"], unique=False
        )
    op.create_table(
        "inv_barcodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["inv_products.id"],
            name=op.f("fk_inv_barcodes_product_id_inv_products"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inv_barcodes")),
        sa.UniqueConstraint("code", name=op.f("uq_inv_barcodes_code")),
    )
    with op.batch_alter_table("inv_barcodes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inv_barcodes_product_id"), ["product_id"], unique=False
        )
    op.create_table(
        "inv_count_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("count_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("counted", sa.BigInteger(), nullable=False),
        sa.Column("ledger_at_count", sa.BigInteger(), nullable=False),
        sa.Column("counted_at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("unit_cost", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["count_id"], ["inv_counts.id"], name=op.f("fk_inv_count_lines_count_id_inv_counts")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["inv_products.id"],
            name=op.f("fk_inv_count_lines_product_id_inv_products"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_inv_count_lines_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inv_count_lines")),
        sa.UniqueConstraint(
            "count_id", "product_id", name=op.f("uq_inv_count_lines_count_id_product_id")
        ),
    )
    with op.batch_alter_table("inv_count_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inv_count_lines_count_id"), ["count_id"], unique=False)
    op.create_table(
        "inv_movements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("unit_cost", sa.BigInteger(), nullable=True),
        sa.Column("unit_price", sa.BigInteger(), nullable=True),
        sa.Column("owner", sa.String(length=10), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("ref_type", sa.String(length=32), nullable=True),
        sa.Column("ref_id", sa.String(length=64), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("expiry_date", sa.Date(), nullable=True),
        sa.Column("batch", sa.String(length=40), nullable=True),
        sa.Column("settlement_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["inv_products.id"],
            name=op.f("fk_inv_movements_product_id_inv_products"),
        ),
        sa.ForeignKeyConstraint(
            ["settlement_id"],
            ["inv_settlements.id"],
            name=op.f("fk_inv_movements_settlement_id_inv_settlements"),
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["inv_suppliers.id"],
            name=op.f("fk_inv_movements_supplier_id_inv_suppliers"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_inv_movements_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inv_movements")),
    )
    with op.batch_alter_table("inv_movements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inv_movements_at"), ["at"], unique=False)
        batch_op.create_index("ix_inv_movements_product_at", ["product_id", "at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_inv_movements_settlement_id"), ["settlement_id"], unique=False
        )
    op.create_table(
        "inv_receipt_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("receipt_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("unit_cost", sa.BigInteger(), nullable=False),
        sa.Column("expiry_date", sa.Date(), nullable=True),
        sa.Column("batch", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["inv_products.id"],
            name=op.f("fk_inv_receipt_lines_product_id_inv_products"),
        ),
        sa.ForeignKeyConstraint(
            ["receipt_id"],
            ["inv_receipts.id"],
            name=op.f("fk_inv_receipt_lines_receipt_id_inv_receipts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inv_receipt_lines")),
    )
    with op.batch_alter_table("inv_receipt_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inv_receipt_lines_receipt_id"), ["receipt_id"], unique=False
        )
    op.create_table(
        "inv_settlement_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("settlement_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("units_received", sa.BigInteger(), nullable=False),
        sa.Column("units_sold", sa.BigInteger(), nullable=False),
        sa.Column("units_returned", sa.BigInteger(), nullable=False),
        sa.Column("on_hand", sa.BigInteger(), nullable=False),
        sa.Column("sales_value", sa.BigInteger(), nullable=False),
        sa.Column("commission", sa.BigInteger(), nullable=False),
        sa.Column("payable", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["inv_products.id"],
            name=op.f("fk_inv_settlement_lines_product_id_inv_products"),
        ),
        sa.ForeignKeyConstraint(
            ["settlement_id"],
            ["inv_settlements.id"],
            name=op.f("fk_inv_settlement_lines_settlement_id_inv_settlements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inv_settlement_lines")),
    )
    with op.batch_alter_table("inv_settlement_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inv_settlement_lines_settlement_id"), ["settlement_id"], unique=False
        )
    op.create_table(
        "inv_supplier_return_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("unit_cost", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["inv_products.id"],
            name=op.f("fk_inv_supplier_return_lines_product_id_inv_products"),
        ),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["inv_supplier_returns.id"],
            name=op.f("fk_inv_supplier_return_lines_return_id_inv_supplier_returns"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inv_supplier_return_lines")),
    )
    with op.batch_alter_table("inv_supplier_return_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inv_supplier_return_lines_return_id"), ["return_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("inv_supplier_return_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inv_supplier_return_lines_return_id"))
    op.drop_table("inv_supplier_return_lines")
    with op.batch_alter_table("inv_settlement_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inv_settlement_lines_settlement_id"))
    op.drop_table("inv_settlement_lines")
    with op.batch_alter_table("inv_receipt_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inv_receipt_lines_receipt_id"))
    op.drop_table("inv_receipt_lines")
    with op.batch_alter_table("inv_movements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inv_movements_settlement_id"))
        batch_op.drop_index("ix_inv_movements_product_at")
        batch_op.drop_index(batch_op.f("ix_inv_movements_at"))
    op.drop_table("inv_movements")
    with op.batch_alter_table("inv_count_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inv_count_lines_count_id"))
    op.drop_table("inv_count_lines")
    with op.batch_alter_table("inv_barcodes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inv_barcodes_product_id"))
    op.drop_table("inv_barcodes")
    with op.batch_alter_table("inv_supplier_returns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inv_supplier_returns_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_inv_supplier_returns_at"))
    op.drop_table("inv_supplier_returns")
    with op.batch_alter_table("inv_settlements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inv_settlements_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_inv_settlements_paid_at"))
        batch_op.drop_index(batch_op.f("ix_inv_settlements_created_at"))
    op.drop_table("inv_settlements")
    with op.batch_alter_table("inv_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inv_receipts_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_inv_receipts_at"))
    op.drop_table("inv_receipts")
    with op.batch_alter_table("inv_products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inv_products_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_inv_products_category_id"))
    op.drop_table("inv_products")
    op.drop_table("inv_counts")
    with op.batch_alter_table("inv_suppliers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inv_suppliers_member_no"))
    op.drop_table("inv_suppliers")
    op.drop_table("inv_categories")
