"""printers: tables of the printers package.

Revision ID: 0002_printers
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_printers"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "printers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("connection", sa.String(length=16), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=True),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("usb_vendor_id", sa.Integer(), nullable=True),
        sa.Column("usb_product_id", sa.Integer(), nullable=True),
        sa.Column("serial_device", sa.String(length=255), nullable=True),
        sa.Column("serial_baud", sa.Integer(), nullable=False),
        sa.Column("file_path", sa.String(length=500), nullable=True),
        sa.Column("cups_queue", sa.String(length=128), nullable=True),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("profile", sa.String(length=64), nullable=False),
        sa.Column("code_page", sa.String(length=32), nullable=False),
        sa.Column("cut", sa.Boolean(), nullable=False),
        sa.Column("drawer_pin", sa.Integer(), nullable=True),
        sa.Column("drawer_pulse_ms", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_printers")),
        sa.UniqueConstraint("name", name=op.f("uq_printers_name")),
    )
    op.create_table(
        "print_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("printer_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("copy", sa.Boolean(), nullable=False),
        sa.Column("ref_type", sa.String(length=32), nullable=True),
        sa.Column("ref_id", sa.String(length=64), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("printed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["printer_id"], ["printers.id"], name=op.f("fk_print_jobs_printer_id_printers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_print_jobs")),
    )
    with op.batch_alter_table("print_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_print_jobs_printer_id"), ["printer_id"], unique=False)
        batch_op.create_index(
            "ix_print_jobs_status_next", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index("ix_print_jobs_ref", ["ref_type", "ref_id"], unique=False)


def downgrade():
    with op.batch_alter_table("print_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_print_jobs_ref")
        batch_op.drop_index("ix_print_jobs_status_next")
        batch_op.drop_index(batch_op.f("ix_print_jobs_printer_id"))
    op.drop_table("print_jobs")
    op.drop_table("printers")
