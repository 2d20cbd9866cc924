"""books: the chart of accounts, journals and their lines, fiscal years.

The chart itself is seeded by ``flask mart init`` (books.chart), not here.

Revision ID: 0009_books
Revises: 0008_money
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_books"
down_revision = "0008_money"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "books_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("type", sa.String(length=12), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=True),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_books_accounts")),
        sa.UniqueConstraint("code", name=op.f("uq_books_accounts_code")),
        sa.UniqueConstraint("role", name=op.f("uq_books_accounts_role")),
    )
    op.create_table(
        "books_fiscal_years",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("surplus", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["closed_by"], ["users.id"], name=op.f("fk_books_fiscal_years_closed_by_users")
        ),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_books_fiscal_years")),
    )
    op.create_table(
        "books_journals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("memo", sa.String(length=250), nullable=False),
        sa.Column("source_type", sa.String(length=32), nullable=True),
        sa.Column("source_id", sa.String(length=64), nullable=True),
        sa.Column("source_number", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_books_journals_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_books_journals")),
    )
    with op.batch_alter_table("books_journals", schema=None) as batch_op:
        batch_op.create_index("ix_books_journals_date", ["date"], unique=False)
        batch_op.create_index(
            "ix_books_journals_source", ["source_type", "source_id"], unique=False
        )

    op.create_table(
        "books_journal_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("journal_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("debit", sa.BigInteger(), nullable=False),
        sa.Column("credit", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "debit >= 0 AND credit >= 0", name=op.f("ck_books_journal_lines_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["books_accounts.id"],
            name=op.f("fk_books_journal_lines_account_id_books_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["journal_id"],
            ["books_journals.id"],
            name=op.f("fk_books_journal_lines_journal_id_books_journals"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_books_journal_lines")),
    )
    with op.batch_alter_table("books_journal_lines", schema=None) as batch_op:
        batch_op.create_index(
            "ix_books_journal_lines_account", ["account_id", "journal_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_books_journal_lines_journal_id"), ["journal_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("books_journal_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_books_journal_lines_journal_id"))
        batch_op.drop_index("ix_books_journal_lines_account")

    op.drop_table("books_journal_lines")
    with op.batch_alter_table("books_journals", schema=None) as batch_op:
        batch_op.drop_index("ix_books_journals_source")
        batch_op.drop_index("ix_books_journals_date")

    op.drop_table("books_journals")
    op.drop_table("books_fiscal_years")
    op.drop_table("books_accounts")
