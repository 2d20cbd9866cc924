"""money: a return's own PPN, approved cash-outs, what the customer paid on a stock
movement, units sold before any cost and their late cost, and consigned receipts and
supplier returns listed once on a settlement.

Revision ID: 0008_money
Revises: 0007_security
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_money"
down_revision = "0007_security"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sale_returns", schema=None) as batch_op:
        for name in ("taxable", "dpp", "ppn"):
            batch_op.add_column(
                sa.Column(name, sa.BigInteger(), server_default="0", nullable=False)
            )
    with op.batch_alter_table("cash_movements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approved_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_cash_movements_approved_by_id_users"),
            "users",
            ["approved_by_id"],
            ["id"],
        )
    with op.batch_alter_table("inv_movements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("amount", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("inv_products", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("cost_pending", sa.BigInteger(), server_default="0", nullable=False)
        )
    op.create_table(
        "inv_late_costs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("receipt_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("unit_cost", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["inv_products.id"],
            name=op.f("fk_inv_late_costs_product_id_inv_products"),
        ),
        sa.ForeignKeyConstraint(
            ["receipt_id"],
            ["inv_receipts.id"],
            name=op.f("fk_inv_late_costs_receipt_id_inv_receipts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inv_late_costs")),
    )
    with op.batch_alter_table("inv_late_costs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inv_late_costs_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_inv_late_costs_product_id"), ["product_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inv_late_costs_receipt_id"), ["receipt_id"], unique=False
        )
    # Consigned receipts and supplier returns made before an existing settlement were on
    # its statement already: mark them listed (by the first settlement made after them),
    # so the next statement does not repeat them.
    op.execute(
        """
        UPDATE inv_movements SET settlement_id = (
            SELECT MIN(s.id) FROM inv_settlements s
            WHERE s.supplier_id = inv_movements.supplier_id AND s.created_at >= inv_movements.at
        )
        WHERE kind IN ('receipt', 'supplier_return') AND owner = 'supplier'
          AND settlement_id IS NULL
        """
    )


def downgrade():
    with op.batch_alter_table("inv_late_costs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inv_late_costs_receipt_id"))
        batch_op.drop_index(batch_op.f("ix_inv_late_costs_product_id"))
        batch_op.drop_index(batch_op.f("ix_inv_late_costs_at"))
    op.drop_table("inv_late_costs")
    op.execute(
        "UPDATE inv_movements SET settlement_id = NULL WHERE kind IN ('receipt', 'supplier_return')"
    )
    with op.batch_alter_table("inv_products", schema=None) as batch_op:
        batch_op.drop_column("cost_pending")
    with op.batch_alter_table("inv_movements", schema=None) as batch_op:
        batch_op.drop_column("amount")
    with op.batch_alter_table("cash_movements", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_cash_movements_approved_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("approved_by_id")
    with op.batch_alter_table("sale_returns", schema=None) as batch_op:
        for name in ("ppn", "dpp", "taxable"):
            batch_op.drop_column(name)
