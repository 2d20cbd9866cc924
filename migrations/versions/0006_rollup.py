"""rollup: tables of the rollup package.

Revision ID: 0006_rollup
Revises: 0005_pos
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0006_rollup"
down_revision = "0005_pos"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
