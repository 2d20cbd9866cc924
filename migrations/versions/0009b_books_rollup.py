"""books reports: per-account daily sums of the journal lines, and the mark of what is
folded in (the trial balance, neraca and PHU read these; see books/reports_models.py);
the SHU year remembers the books' figures it was divided from.

Revision ID: 0009b_books_rollup
Revises: 0009_books
"""

import sqlalchemy as sa
from alembic import op

revision = "0009b_books_rollup"
down_revision = "0009_books"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "books_account_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("closing", sa.Boolean(), nullable=False),
        sa.Column("debit", sa.BigInteger(), nullable=False),
        sa.Column("credit", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_books_account_days")),
    )
    with op.batch_alter_table("books_account_days", schema=None) as batch_op:
        batch_op.create_index(
            "ix_books_account_days_day",
            ["day", "account_id", "closing", "debit", "credit"],
            unique=False,
        )
    op.create_table(
        "books_sales_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("members", sa.Boolean(), nullable=False),
        sa.Column("net", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_books_sales_days")),
    )
    with op.batch_alter_table("books_sales_days", schema=None) as batch_op:
        batch_op.create_index("ix_books_sales_days_day", ["day", "members", "net"], unique=False)
    op.create_table(
        "books_summary_mark",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("line_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_books_summary_mark")),
    )
    with op.batch_alter_table("shu_years", schema=None) as batch_op:
        batch_op.add_column(sa.Column("from_books", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("shu_years", schema=None) as batch_op:
        batch_op.drop_column("from_books")
    op.drop_table("books_summary_mark")
    with op.batch_alter_table("books_sales_days", schema=None) as batch_op:
        batch_op.drop_index("ix_books_sales_days_day")
    op.drop_table("books_sales_days")
    with op.batch_alter_table("books_account_days", schema=None) as batch_op:
        batch_op.drop_index("ix_books_account_days_day")
    op.drop_table("books_account_days")
