"""pos: tables of the pos package.

Revision ID: 0005_pos
Revises: 0004_members
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0005_pos"
down_revision = "0004_members"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
