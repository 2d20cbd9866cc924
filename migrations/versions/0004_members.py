"""members: tables of the members package.

Revision ID: 0004_members
Revises: 0003_inventory
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0004_members"
down_revision = "0003_inventory"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
