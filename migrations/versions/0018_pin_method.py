"""pin method: what a PIN typed on the customer display pays (simpanan, credit or both),
so the display's PIN pad says "... with member credit" for a credit payment (issue 15).
Rows from before are simpanan payments (NULL reads as simpanan).

Revision ID: 0018_pin_method
Revises: 0017_hub_products
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018_pin_method"
down_revision = "0017_hub_products"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("pos_member_pin_approvals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("method", sa.String(length=12), nullable=True))


def downgrade():
    with op.batch_alter_table("pos_member_pin_approvals", schema=None) as batch_op:
        batch_op.drop_column("method")
