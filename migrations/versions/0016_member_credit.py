"""member credit: kredit anggota (a limit per member, what is owed) and its ledger.

Revision ID: 0016_member_credit
Revises: 0015_promotions
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016_member_credit"
down_revision = "0015_promotions"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "member_credits",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("credit_limit", sa.BigInteger(), nullable=True),
        sa.Column("used", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "credit_limit IS NULL OR credit_limit >= 0",
            name=op.f("ck_member_credits_limit_not_negative"),
        ),
        sa.CheckConstraint("used >= 0", name=op.f("ck_member_credits_used_not_negative")),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_member_credits_member_id_members")
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_member_credits")),
    )
    op.create_table(
        "credit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("sale_id", sa.String(length=36), nullable=True),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("method", sa.String(length=12), nullable=True),
        sa.Column("ref", sa.String(length=64), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_credit_entries_amount_not_zero")),
        sa.CheckConstraint(
            "kind IN ('charge', 'repayment', 'refund', 'setoff', 'payroll')",
            name=op.f("ck_credit_entries_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_credit_entries_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_credit_entries_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_entries")),
    )
    with op.batch_alter_table("credit_entries", schema=None) as batch_op:
        batch_op.create_index("ix_credit_entries_member", ["member_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_entries_sale_id"), ["sale_id"], unique=False)


def downgrade():
    with op.batch_alter_table("credit_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_entries_sale_id"))
        batch_op.drop_index("ix_credit_entries_member")
    op.drop_table("credit_entries")
    op.drop_table("member_credits")
