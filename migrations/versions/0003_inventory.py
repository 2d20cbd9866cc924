"""inventory: tables of the inventory package.

Revision ID: 0003_inventory
Revises: 0002_printers
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0003_inventory"
down_revision = "0002_printers"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
