"""display pin: a member's PIN typed on the customer display (one-time approvals of a
simpanan payment) and when a register's display last polled.

Revision ID: 0013_display_pin
Revises: 0012_retail
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013_display_pin"
down_revision = "0012_retail"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("registers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("display_seen_at", sa.DateTime(), nullable=True))

    op.create_table(
        "pos_member_pin_approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("register_id", sa.Integer(), nullable=False),
        sa.Column("member_no", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("sale_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["register_id"],
            ["registers.id"],
            name=op.f("fk_pos_member_pin_approvals_register_id_registers"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_pos_member_pin_approvals_requested_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pos_member_pin_approvals")),
        sa.UniqueConstraint("token", name=op.f("uq_pos_member_pin_approvals_token")),
    )
    with op.batch_alter_table("pos_member_pin_approvals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pos_member_pin_approvals_register_id"), ["register_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("pos_member_pin_approvals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pos_member_pin_approvals_register_id"))
    op.drop_table("pos_member_pin_approvals")
    with op.batch_alter_table("registers", schema=None) as batch_op:
        batch_op.drop_column("display_seen_at")
