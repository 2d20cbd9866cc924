"""members: tables of the members package.

Members, the simpanan ledgers and their cached balances, member purchases, SHU.

Revision ID: 0004_members
Revises: 0003_inventory
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_members"
down_revision = "0003_inventory"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_no", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("nik", sa.String(length=16), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("join_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("left_date", sa.Date(), nullable=True),
        sa.Column("left_reason", sa.String(length=16), nullable=True),
        sa.Column("left_note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "left_reason IS NULL OR left_reason IN ('resign', 'expelled', 'died')",
            name=op.f("ck_members_left_reason"),
        ),
        sa.CheckConstraint("status IN ('active', 'left')", name=op.f("ck_members_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("member_no", name=op.f("uq_members_member_no")),
        sa.UniqueConstraint("nik", name=op.f("uq_members_nik")),
    )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_members_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_members_phone"), ["phone"], unique=False)

    op.create_table(
        "member_purchases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("purchase_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("ref_type", sa.String(length=32), nullable=True),
        sa.Column("ref_id", sa.String(length=64), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_member_purchases_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_purchases")),
    )
    with op.batch_alter_table("member_purchases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_member_purchases_date_member",
            ["purchase_date", "member_id", "amount"],
            unique=False,
        )
        batch_op.create_index(
            "ix_member_purchases_member_date",
            ["member_id", "purchase_date", "amount"],
            unique=False,
        )

    op.create_table(
        "savings_balances",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("balance >= 0", name=op.f("ck_savings_balances_not_negative")),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_savings_balances_member_id_members")
        ),
        sa.PrimaryKeyConstraint("member_id", "kind", name=op.f("pk_savings_balances")),
    )
    op.create_table(
        "savings_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("entry_type", sa.String(length=12), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("reversal_of", sa.Integer(), nullable=True),
        sa.Column("ref_type", sa.String(length=32), nullable=True),
        sa.Column("ref_id", sa.String(length=64), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("period_from", sa.Date(), nullable=True),
        sa.Column("period_to", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('pokok', 'wajib', 'sukarela')", name=op.f("ck_savings_entries_kind")
        ),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_savings_entries_amount_not_zero")),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_savings_entries_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["reversal_of"],
            ["savings_entries.id"],
            name=op.f("fk_savings_entries_reversal_of_savings_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_savings_entries_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_savings_entries")),
        sa.UniqueConstraint("reversal_of", name=op.f("uq_savings_entries_reversal_of")),
    )
    with op.batch_alter_table("savings_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_savings_entries_booked_on"), ["booked_on"], unique=False
        )
        batch_op.create_index(
            "ix_savings_entries_member_kind", ["member_id", "kind", "id"], unique=False
        )

    op.create_table(
        "shu_years",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("surplus", sa.BigInteger(), nullable=False),
        sa.Column("allocation", sa.JSON(), nullable=False),
        sa.Column("parts", sa.JSON(), nullable=False),
        sa.Column("rounding_to_cadangan", sa.BigInteger(), nullable=False),
        sa.Column("payout", sa.String(length=10), nullable=False),
        sa.Column("capital_includes_sukarela", sa.Boolean(), nullable=False),
        sa.Column("capital_as_of", sa.Date(), nullable=False),
        sa.Column("posted_at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_shu_years_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shu_years")),
        sa.UniqueConstraint("year", name=op.f("uq_shu_years_year")),
    )
    op.create_table(
        "shu_shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shu_year_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("capital", sa.BigInteger(), nullable=False),
        sa.Column("purchases", sa.BigInteger(), nullable=False),
        sa.Column("jasa_modal", sa.BigInteger(), nullable=False),
        sa.Column("jasa_usaha", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("paid_as", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_shu_shares_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["shu_year_id"], ["shu_years.id"], name=op.f("fk_shu_shares_shu_year_id_shu_years")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shu_shares")),
        sa.UniqueConstraint(
            "shu_year_id", "member_id", name=op.f("uq_shu_shares_shu_year_id_member_id")
        ),
    )
    with op.batch_alter_table("shu_shares", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shu_shares_member_id"), ["member_id"], unique=False)


def downgrade():
    with op.batch_alter_table("shu_shares", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shu_shares_member_id"))
    op.drop_table("shu_shares")
    op.drop_table("shu_years")
    with op.batch_alter_table("savings_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_savings_entries_member_kind")
        batch_op.drop_index(batch_op.f("ix_savings_entries_booked_on"))
    op.drop_table("savings_entries")
    op.drop_table("savings_balances")
    with op.batch_alter_table("member_purchases", schema=None) as batch_op:
        batch_op.drop_index("ix_member_purchases_member_date")
        batch_op.drop_index("ix_member_purchases_date_member")
    op.drop_table("member_purchases")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_members_phone"))
        batch_op.drop_index(batch_op.f("ix_members_name"))
    op.drop_table("members")
