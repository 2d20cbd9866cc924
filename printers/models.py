"""Printers: tables. ``printers`` holds the configuration, ``print_jobs`` the queue."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mart.db import UTCDateTime, utcnow
from mart.extensions import db

CONNECTIONS = ("network", "usb", "serial", "file", "cups")
WIDTHS = (32, 48)
JOB_KINDS = ("receipt", "drawer", "slip", "test", "report", "label")
# pending: waiting to be sent (again at next_attempt_at); printing: claimed by a
# worker; done: sent; failed: the last attempt failed (retried with backoff);
# dropped: a drawer kick too old to fire.
JOB_STATUSES = ("pending", "printing", "done", "failed", "dropped")
# The jobs a worker may claim: the partial index ix_print_jobs_waiting holds only these.
WAITING_STATUSES = ("pending", "failed")
_WAITING = sa.text("status IN ({})".format(", ".join(f"'{s}'" for s in WAITING_STATUSES)))


class Printer(db.Model):
    __tablename__ = "printers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    connection: Mapped[str] = mapped_column(sa.String(16))
    host: Mapped[str | None] = mapped_column(sa.String(255))
    port: Mapped[int] = mapped_column(default=9100)
    usb_vendor_id: Mapped[int | None] = mapped_column()
    usb_product_id: Mapped[int | None] = mapped_column()
    serial_device: Mapped[str | None] = mapped_column(sa.String(255))
    serial_baud: Mapped[int] = mapped_column(default=9600)
    file_path: Mapped[str | None] = mapped_column(sa.String(500))
    cups_queue: Mapped[str | None] = mapped_column(sa.String(128))
    width: Mapped[int] = mapped_column(default=48)
    profile: Mapped[str] = mapped_column(sa.String(64))
    code_page: Mapped[str] = mapped_column(sa.String(32), default="CP437")
    cut: Mapped[bool] = mapped_column(default=True)
    # None: no cash drawer on this printer. 2 or 5: the drawer kick connector pin.
    drawer_pin: Mapped[int | None] = mapped_column()
    drawer_pulse_ms: Mapped[int] = mapped_column(default=100)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def device(self) -> str | None:
        """The connection's address as one string (what the API calls ``device``)."""
        if self.connection == "network":
            return f"{self.host}:{self.port}"
        if self.connection == "usb" and self.usb_vendor_id is not None:
            return f"{self.usb_vendor_id:04x}:{(self.usb_product_id or 0):04x}"
        if self.connection == "serial":
            return self.serial_device
        if self.connection == "file":
            return self.file_path
        if self.connection == "cups":
            return self.cups_queue
        return None

    @property
    def drawer(self) -> dict | None:
        if self.drawer_pin is None:
            return None
        return {"pin": self.drawer_pin, "pulse_ms": self.drawer_pulse_ms}


class PrintJob(db.Model):
    __tablename__ = "print_jobs"
    __table_args__ = (
        sa.Index("ix_print_jobs_status_next", "status", "next_attempt_at"),
        # The waiting jobs alone (4 Dec): every job passes through pending, printing and
        # done, each a new row version with its own entry in ix_print_jobs_status_next,
        # so the worker's claim read ~3,000 entries and 669 table pages for 136 waiting
        # jobs after a few thousand sales (2.4 ms a claim). Only the statements that
        # name the statuses in their text (printers.worker._status_is) can use it.
        sa.Index(
            "ix_print_jobs_waiting",
            "id",
            postgresql_where=_WAITING,
            sqlite_where=_WAITING,
        ),
        sa.Index("ix_print_jobs_ref", "ref_type", "ref_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    printer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("printers.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    # The document (Document.to_dict()) or, for a drawer kick, {"pin", "pulse_ms"}.
    payload: Mapped[dict] = mapped_column(sa.JSON)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    copy: Mapped[bool] = mapped_column(default=False)
    ref_type: Mapped[str | None] = mapped_column(sa.String(32))
    ref_id: Mapped[str | None] = mapped_column(sa.String(64))
    claimed_by: Mapped[str | None] = mapped_column(sa.String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    printer: Mapped[Printer | None] = relationship()
