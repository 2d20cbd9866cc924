"""print jobs: a partial index of the waiting jobs (``status IN ('pending',
'failed')``), the ones the print worker claims. Every job passes through pending,
printing and done, each a new row version with its own entry in
``ix_print_jobs_status_next``: after a few thousand sales the claim read some 3,000
index entries and 669 table pages to find 136 waiting jobs. The new index holds the
waiting jobs only; building it reads the table once.

Revision ID: 0022_print_jobs_waiting
Revises: 0021_hub_running_totals
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022_print_jobs_waiting"
down_revision = "0021_hub_running_totals"
branch_labels = None
depends_on = None

_WAITING = sa.text("status IN ('pending', 'failed')")


def upgrade():
    op.create_index(
        "ix_print_jobs_waiting",
        "print_jobs",
        ["id"],
        postgresql_where=_WAITING,
        sqlite_where=_WAITING,
    )


def downgrade():
    op.drop_index("ix_print_jobs_waiting", table_name="print_jobs")
