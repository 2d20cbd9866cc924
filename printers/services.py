"""Printers: the operations. Services flush; the request (or command) commits.

Other packages call ``queue_document``, ``queue_drawer_kick``, ``render_text`` and
``queue_status`` (docs/CONTRACTS.md). A print job is a row written in the caller's
transaction (an outbox); ``printers.worker`` sends it after the commit.
"""

import logging
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from mart import audit
from mart.db import Write, run_write, utcnow
from mart.errors import Conflict, Forbidden, InvalidInput, NotFound
from mart.extensions import db
from printers import escpos_out, layout, targets
from printers.document import Document, Item, Total, branch_header
from printers.models import CONNECTIONS, JOB_KINDS, WIDTHS, Printer, PrintJob

log = logging.getLogger("mart.printers")

WAITING = ("pending", "printing", "failed")
BANNER_JOBS = 10  # the oldest waiting jobs that queue_status lists, for the banner
PRINTER_FIELDS = (
    "name",
    "connection",
    "host",
    "port",
    "device",
    "baud",
    "width",
    "profile",
    "code_page",
    "cut",
    "drawer",
    "active",
)


# --- printers -------------------------------------------------------------------


def list_printers(active_only=False) -> list[Printer]:
    stmt = sa.select(Printer).order_by(Printer.id)
    if active_only:
        stmt = stmt.where(Printer.active.is_(True))
    return list(db.session.scalars(stmt))


MAX_ID = 2**31 - 1  # ids are INTEGER columns


def _valid_id(value) -> int | None:
    try:
        value = int(value)
    except (TypeError, ValueError):
        return None
    return value if 1 <= value <= MAX_ID else None


def get_printer(printer_id) -> Printer:
    """The printer with this id. Raises ``NotFound``."""
    key = _valid_id(printer_id)
    printer = db.session.get(Printer, key) if key is not None else None
    if printer is None:
        raise NotFound(_("No printer %(id)s.", id=printer_id))
    return printer


def get_printer_by_name(name) -> Printer:
    """Raises ``NotFound``."""
    printer = db.session.scalar(sa.select(Printer).where(Printer.name == name))
    if printer is None:
        raise NotFound(_("No printer named %(name)s.", name=name))
    return printer


# Built once: every sale on a register without its own printer asks for it.
_DEFAULT_PRINTER = sa.select(Printer).where(Printer.active.is_(True)).order_by(Printer.id).limit(1)


def default_printer() -> Printer | None:
    """The first active printer, or None."""
    return db.session.scalar(_DEFAULT_PRINTER)


def _parse_usb(device: str):
    try:
        vendor, product = device.split(":")
        return int(vendor, 16), int(product, 16)
    except (ValueError, AttributeError) as exc:
        raise InvalidInput(
            _("USB device must be vendor:product in hex, e.g. 04b8:0202."), field="device"
        ) from exc


def _apply(printer: Printer, values: dict, creating: bool) -> None:
    """Check ``values`` (API vocabulary) and set them on ``printer``.

    Raises ``InvalidInput`` naming the field; nothing is flushed before all checks pass.
    """
    unknown = set(values) - set(PRINTER_FIELDS)
    if unknown:
        raise InvalidInput(_("Unknown field."), field=sorted(unknown)[0])
    merged = _merged(printer, values, creating)

    name = (merged["name"] or "").strip()
    if not name or len(name) > 64:
        raise InvalidInput(_("Name is required (at most 64 characters)."), field="name")
    connection = merged["connection"]
    if connection not in CONNECTIONS:
        raise InvalidInput(
            _("Connection must be one of %(choices)s.", choices=", ".join(CONNECTIONS)),
            field="connection",
        )
    width = _checked_width(merged["width"])
    profile = _checked_profile(printer, values, creating, merged["profile"], width)
    code_page = _checked_code_page(merged["code_page"], profile)
    host, port, device = _checked_address(connection, merged, values)
    targets.check(connection, host=host, port=port, device=device)
    drawer = merged["drawer"]
    _check_drawer(drawer)
    _check_name_free(printer, name)

    usb = _parse_usb(device) if connection == "usb" else (None, None)
    printer.name = name
    printer.connection = connection
    printer.host = host if connection == "network" else None
    printer.port = int(port)
    printer.usb_vendor_id, printer.usb_product_id = usb
    printer.serial_device = device if connection == "serial" else None
    printer.serial_baud = int(merged["baud"] or 9600)
    printer.file_path = device if connection == "file" else None
    printer.cups_queue = device if connection == "cups" else None
    printer.width = width
    printer.profile = profile
    printer.code_page = code_page
    printer.cut = bool(merged["cut"])
    printer.drawer_pin = None if drawer is None else int(drawer.get("pin", 2))
    printer.drawer_pulse_ms = 100 if drawer is None else int(drawer.get("pulse_ms", 100))
    printer.active = bool(merged["active"])


def _merged(printer: Printer, values: dict, creating: bool) -> dict:
    """The printer's settings in API vocabulary (the defaults for a new one), with
    ``values`` over them."""
    merged = {
        "name": printer.name,
        "connection": printer.connection,
        "host": printer.host,
        "port": printer.port or 9100,
        "device": None if creating else printer.device,
        "baud": printer.serial_baud or 9600,
        "width": printer.width,
        "profile": printer.profile,
        "code_page": printer.code_page or escpos_out.DEFAULT_CODE_PAGE,
        "cut": True if printer.cut is None else printer.cut,
        "drawer": printer.drawer if not creating else None,
        "active": True if printer.active is None else printer.active,
    }
    if creating:
        merged["profile"] = None
    merged.update({k: v for k, v in values.items()})
    return merged


def _checked_width(value) -> int:
    try:
        width = int(value)
    except (TypeError, ValueError):
        width = None
    if width not in WIDTHS:
        raise InvalidInput(_("Width must be 32 (58 mm) or 48 (80 mm)."), field="width")
    return width


def _checked_profile(printer: Printer, values: dict, creating: bool, profile, width) -> str:
    """The profile asked for, else the standard profile of the paper width."""
    profile = profile or escpos_out.DEFAULT_PROFILES[width]
    if (
        "width" in values
        and "profile" not in values
        and not creating
        and printer.profile in escpos_out.DEFAULT_PROFILES.values()
    ):
        # a new paper width without a profile: the standard profile of that width
        profile = escpos_out.DEFAULT_PROFILES[width]
    if profile not in escpos_out.profile_names():
        raise InvalidInput(_("Unknown printer profile %(name)s.", name=profile), field="profile")
    return profile


def _checked_code_page(code_page, profile) -> str:
    code_page = code_page or escpos_out.DEFAULT_CODE_PAGE
    if code_page not in escpos_out.code_pages(profile):
        raise InvalidInput(
            _(
                "Code page %(cp)s is not known to profile %(profile)s.",
                cp=code_page,
                profile=profile,
            ),
            field="code_page",
        )
    return code_page


def _checked_address(connection: str, merged: dict, values: dict):
    """``(host, port, device)``: a network printer needs a host (a ``device`` given as
    ``host:port`` is read as one), the others a device."""
    port = merged["port"]
    if port is None or not (1 <= int(port) <= 65535):
        raise InvalidInput(_("Port must be between 1 and 65535."), field="port")
    host = (merged["host"] or "").strip() or None
    device = (merged["device"] or "").strip() or None
    if connection == "network":
        if not host and device and values.get("device"):
            host, _sep, maybe_port = device.partition(":")
            if maybe_port:
                port = int(maybe_port) if maybe_port.isdigit() else port
        if not host:
            raise InvalidInput(_("A network printer needs a host."), field="host")
    elif not device:
        raise InvalidInput(_("A %(kind)s printer needs a device.", kind=connection), field="device")
    return host, port, device


def _check_drawer(drawer) -> None:
    if drawer is not None:
        pin, pulse = drawer.get("pin", 2), drawer.get("pulse_ms", 100)
        if pin not in (2, 5):
            raise InvalidInput(_("Drawer pin must be 2 or 5."), field="drawer")
        if not (10 <= int(pulse) <= 510):
            raise InvalidInput(_("Drawer pulse must be 10 to 510 ms."), field="drawer")


def _check_name_free(printer: Printer, name: str) -> None:
    clash = db.session.scalar(
        sa.select(Printer.id).where(Printer.name == name, Printer.id != (printer.id or -1))
    )
    if clash:
        raise Conflict(_("A printer named %(name)s already exists.", name=name))


def create_printer(values: dict, user=None) -> Printer:
    """Configure a new printer. Raises ``InvalidInput`` (422) and ``Conflict`` (name taken)."""
    printer = Printer()
    _apply(printer, dict(values), creating=True)
    db.session.add(printer)
    db.session.flush()
    audit.record("printer.create", printer, after=printer_dict(printer), user=user)
    return printer


def update_printer(printer_id, values: dict, user=None) -> Printer:
    """Change a printer's configuration. Raises ``NotFound``, ``InvalidInput``, ``Conflict``."""
    printer = get_printer(printer_id)
    before = printer_dict(printer)
    _apply(printer, dict(values), creating=False)
    db.session.flush()
    audit.record("printer.update", printer, before=before, after=printer_dict(printer), user=user)
    return printer


def printer_dict(printer: Printer) -> dict:
    return {
        "id": printer.id,
        "name": printer.name,
        "connection": printer.connection,
        "host": printer.host,
        "port": printer.port,
        "device": printer.device,
        "width": printer.width,
        "profile": printer.profile,
        "code_page": printer.code_page,
        "cut": printer.cut,
        "drawer": printer.drawer,
        "active": printer.active,
    }


# --- the queue ------------------------------------------------------------------


def _printer_for(printer_id) -> Printer | None:
    if printer_id is None:
        return default_printer()
    return get_printer(printer_id)


def _wake_worker(kick=False):
    """The worker is woken when this transaction commits (see printers.worker); told
    when a cash-drawer kick is among the jobs (it goes before waiting receipts)."""
    info = db.session.info
    info["printers_wake"] = "kick" if kick or info.get("printers_wake") == "kick" else True


def _job_row(printer_id, kind, payload, *, copy=False, ref_type=None, ref_id=None, now=None):
    """The columns of a new queued job: every writer below builds its rows here."""
    return {
        "printer_id": printer_id,
        "kind": kind,
        "payload": payload,
        "status": "pending",
        "attempts": 0,
        "copy": copy,
        "ref_type": ref_type,
        "ref_id": None if ref_id is None else str(ref_id),
        "created_at": now or utcnow(),
    }


def _write_job(printer, kind, payload, *, copy=False, ref_type=None, ref_id=None) -> PrintJob:
    """A queued job as an ORM object: pending, flushed, the worker woken at commit."""
    job = PrintJob(
        **_job_row(
            printer.id if printer else None,
            kind,
            payload,
            copy=copy,
            ref_type=ref_type,
            ref_id=ref_id,
        )
    )
    db.session.add(job)
    db.session.flush()
    _wake_worker(kick=kind == "drawer")
    return job


def queue_document(
    document: Document,
    printer_id=None,
    *,
    kind="receipt",
    copy=False,
    ref_type=None,
    ref_id=None,
) -> PrintJob:
    """A print job for ``document`` in the caller's transaction (flushed, not committed).

    ``printer_id=None`` means the default printer (the first active one); with no
    printer at all the job is still written, pending and without printer. A copy
    (reprint) prints SALINAN / COPY. Raises ``NotFound`` for an unknown printer.
    """
    if not isinstance(document, Document):
        raise TypeError("document must be a printers.document.Document")
    if kind not in JOB_KINDS:
        raise ValueError(f"kind must be one of {JOB_KINDS}")
    printer = _printer_for(printer_id)
    payload = document.to_dict()
    copy = bool(copy or document.copy)
    payload["copy"] = copy
    return _write_job(printer, kind, payload, copy=copy, ref_type=ref_type, ref_id=ref_id)


def queue_drawer_kick(printer_id=None, *, ref_type=None, ref_id=None) -> PrintJob:
    """A cash drawer kick; the worker drops it (status ``dropped``) if it is older than
    a few seconds by the time it could fire. Raises ``NotFound`` for an unknown printer.
    """
    printer = _printer_for(printer_id)
    payload = {}
    if printer is not None and printer.drawer is not None:
        payload = dict(printer.drawer)
    return _write_job(printer, "drawer", payload, ref_type=ref_type, ref_id=ref_id)


_JOB_COLUMNS = tuple(_job_row(None, "receipt", {}))


def _jobs_write(count) -> Write:
    """The insert of ``count`` jobs (a sale's receipt, and its drawer kick) as one
    ``Write`` built once: the n-th job's columns are the parameters ``<column>_<n>``.
    Inside ``mart.db.gathered_writes`` (the sale) it goes in with the block's other
    writes; a plain executemany of two rows cost more besides."""
    table = PrintJob.__table__
    rows = ", ".join("(" + ", ".join(f":{c}_{n}" for c in _JOB_COLUMNS) + ")" for n in range(count))
    return Write(
        f"INSERT INTO {table.name} ({', '.join(_JOB_COLUMNS)}) VALUES {rows}",
        binds=[
            sa.bindparam(f"{c}_{n}", type_=table.c[c].type)
            for n in range(count)
            for c in _JOB_COLUMNS
        ],
    )


_JOBS_WRITES = {1: _jobs_write(1), 2: _jobs_write(2)}

# What a sale's jobs need of their printer, as Core columns (no ORM object to build):
# by id (any printer, as get_printer) or the default one (the first active).
_PRINTER_COLUMNS = sa.select(
    Printer.__table__.c.id, Printer.__table__.c.drawer_pin, Printer.__table__.c.drawer_pulse_ms
)


def receipt_printer_columns(printer_id_column):
    """``(printers table, columns, join condition)`` that read, in a caller's statement, what
    ``queue_receipt`` needs of the printer ``printer_id_column`` names, or of the
    default printer (the first active) when it is NULL: ``printer_id``,
    ``printer_drawer_pin``, ``printer_drawer_pulse_ms`` through an outer join of
    ``printers`` on the condition (all NULL: no printer)."""
    t = Printer.__table__
    first_active = (
        sa.select(t.c.id).where(t.c.active.is_(True)).order_by(t.c.id).limit(1).scalar_subquery()
    )
    columns = (
        t.c.id.label("printer_id"),
        t.c.drawer_pin.label("printer_drawer_pin"),
        t.c.drawer_pulse_ms.label("printer_drawer_pulse_ms"),
    )
    return t, columns, t.c.id == sa.func.coalesce(printer_id_column, first_active)


_PRINTER_BY_ID = _PRINTER_COLUMNS.where(Printer.__table__.c.id == sa.bindparam("id"))
_FIRST_ACTIVE_PRINTER = (
    _PRINTER_COLUMNS.where(Printer.__table__.c.active.is_(True))
    .order_by(Printer.__table__.c.id)
    .limit(1)
)


def _receipt_printer(printer_id):
    """``_printer_for`` as a row (id, drawer_pin, drawer_pulse_ms). Raises ``NotFound``."""
    conn = db.session.connection()
    if printer_id is None:
        return conn.execute(_FIRST_ACTIVE_PRINTER).first()
    key = _valid_id(printer_id)
    row = conn.execute(_PRINTER_BY_ID, {"id": key}).first() if key is not None else None
    if row is None:
        raise NotFound(_("No printer %(id)s.", id=printer_id))
    return row


def _drawer_payload(printer) -> dict:
    """A drawer kick's payload: the printer's drawer settings (``Printer.drawer``)."""
    if printer is None or printer.drawer_pin is None:
        return {}
    return {"pin": printer.drawer_pin, "pulse_ms": printer.drawer_pulse_ms}


def queue_receipt(
    document: Document,
    printer_id=None,
    *,
    drawer=False,
    ref_type=None,
    ref_id=None,
    printer=...,
) -> int | None:
    """The receipt job of a sale and, with ``drawer``, the cash drawer kick on the same
    printer: as ``queue_document`` (kind ``receipt``) then ``queue_drawer_kick``, with the
    printer looked up once and both jobs written by one statement (no ORM objects).
    Answers the printer's id (None without a printer). Raises ``NotFound`` for an
    unknown printer. ``printer``: the row ``printer_id`` names (``id``, ``drawer_pin``,
    ``drawer_pulse_ms``; None: no printer) when the caller already read it in one of
    its own statements (the sale path, ``receipt_printer_columns``), so it is not read
    again; ``...`` (the default): look it up here."""
    if not isinstance(document, Document):
        raise TypeError("document must be a printers.document.Document")
    if printer is ...:
        printer = _receipt_printer(printer_id)
    target = printer.id if printer else None
    now = utcnow()
    payload = document.to_dict()
    payload["copy"] = bool(document.copy)
    ref = {"ref_type": ref_type, "ref_id": ref_id, "now": now}
    rows = [_job_row(target, "receipt", payload, copy=payload["copy"], **ref)]
    if drawer:
        rows.append(_job_row(target, "drawer", _drawer_payload(printer), **ref))
    run_write(
        _JOBS_WRITES[len(rows)], {f"{c}_{n}": v for n, r in enumerate(rows) for c, v in r.items()}
    )
    _wake_worker(kick=drawer)
    return target


def render_text(document: Document, width: int) -> str:
    """The text preview at ``width`` (32 or 48): exactly the printed lines."""
    return layout.render_text(document, int(width))


def queue_status(printer_id=None) -> dict:
    """``{"waiting", "failed", "last_error", "printer", "printer_id", "jobs"}`` for the
    cashier's banner; ``jobs`` lists the oldest waiting ones (at most BANNER_JOBS).

    ``printer_id=None``: the default printer (jobs without a printer count with it).
    """
    printer = _printer_for(printer_id)
    jobs = PrintJob.__table__
    if printer is None:
        where = jobs.c.printer_id.is_(None)
    elif printer_id is None or printer.id == getattr(default_printer(), "id", None):
        where = sa.or_(jobs.c.printer_id == printer.id, jobs.c.printer_id.is_(None))
    else:
        where = jobs.c.printer_id == printer.id
    counts = dict(
        db.session.execute(
            sa.select(jobs.c.status, sa.func.count())
            .where(where, jobs.c.status.in_(WAITING))
            .group_by(jobs.c.status)
        ).all()
    )
    last_error = db.session.scalar(
        sa.select(jobs.c.last_error)
        .where(where, jobs.c.status == "failed")
        .order_by(jobs.c.id.desc())
        .limit(1)
    )
    listed = db.session.execute(
        sa.select(
            jobs.c.id,
            jobs.c.kind,
            jobs.c.status,
            jobs.c.attempts,
            jobs.c.last_error,
            jobs.c.payload,
        )
        .where(where, jobs.c.status.in_(WAITING))
        .order_by(jobs.c.id)
        .limit(BANNER_JOBS)
    ).all()
    return {
        "waiting": sum(counts.values()),
        "failed": counts.get("failed", 0),
        "last_error": last_error,
        "printer": printer.name if printer else None,
        "printer_id": printer.id if printer else None,
        "jobs": [
            {
                "id": row.id,
                "kind": row.kind,
                "status": row.status,
                "attempts": row.attempts,
                "last_error": row.last_error,
                "title": row.payload.get("title") if isinstance(row.payload, dict) else None,
            }
            for row in listed
        ],
    }


def health() -> dict:
    """The health probe: jobs waiting and failed, over every printer."""
    jobs = PrintJob.__table__
    counts = dict(
        db.session.execute(
            sa.select(jobs.c.status, sa.func.count())
            .where(jobs.c.status.in_(WAITING))
            .group_by(jobs.c.status)
        ).all()
    )
    return {"waiting": sum(counts.values()), "failed": counts.get("failed", 0)}


def list_jobs_query(status=None, printer_id=None):
    stmt = sa.select(PrintJob).order_by(PrintJob.id.desc())
    if status:
        stmt = stmt.where(PrintJob.status == status)
    if printer_id is not None:
        stmt = stmt.where(PrintJob.printer_id == printer_id)
    return stmt


def get_job(job_id) -> PrintJob:
    """Raises ``NotFound``."""
    key = _valid_id(job_id)
    job = db.session.get(PrintJob, key) if key is not None else None
    if job is None:
        raise NotFound(_("No print job %(id)s.", id=job_id))
    return job


# Who may read a job's text preview, by kind: what the job prints. Member slips carry
# a member's balances and shift reports the drawer's figures, which only managers read;
# receipts, drawer kicks and test pages are the counter's own.
PREVIEW_ROLES = {"slip": ("manager",), "report": ("manager",)}


def check_preview_access(job: PrintJob, user) -> None:
    """Raise ``Forbidden`` unless ``user`` may read ``job``'s preview."""
    roles = PREVIEW_ROLES.get(job.kind)
    if roles and not user.has_role("admin", *roles):
        raise Forbidden(_("Your role may not read this print job."))


def retry_job(job_id, user=None) -> PrintJob:
    """Send a failed job again now. A pending job is moved to now.

    Raises ``NotFound``; ``Conflict`` for a job printed, printing, or a dropped
    drawer kick (firing it late would open the drawer out of the blue).
    """
    get_job(job_id)
    jobs = PrintJob.__table__
    now = utcnow()
    result = db.session.execute(
        sa.update(jobs)
        .where(jobs.c.id == int(job_id), jobs.c.status.in_(("failed", "pending")))
        .values(status="pending", next_attempt_at=now)
    )
    if result.rowcount != 1:
        job = get_job(job_id)
        db.session.refresh(job)
        raise Conflict(
            _(
                "Print job %(id)s is %(status)s; only a failed job is retried.",
                id=job_id,
                status=job.status,
            )
        )
    job = get_job(job_id)
    db.session.refresh(job)
    audit.record("print_job.retry", job, user=user)
    _wake_worker(kick=job.kind == "drawer")
    return job


def job_document(job: PrintJob) -> Document | None:
    if job.kind == "drawer":
        return None
    return Document.from_dict(job.payload)


def job_preview(job: PrintJob, width=None) -> str:
    """The text of a job as its printer prints it (a drawer kick has none)."""
    document = job_document(job)
    if document is None:
        return ""
    if width is None:
        width = job.printer.width if job.printer else 48
    return render_text(document, width)


def job_bytes(job: PrintJob, printer: Printer) -> bytes:
    """The ESC/POS bytes of ``job`` for ``printer``."""
    if job.kind == "drawer":
        pin = int((job.payload or {}).get("pin") or printer.drawer_pin or 2)
        pulse = int((job.payload or {}).get("pulse_ms") or printer.drawer_pulse_ms or 100)
        return escpos_out.drawer_bytes(profile=printer.profile, pin=pin, pulse_ms=pulse)
    return escpos_out.document_bytes(
        Document.from_dict(job.payload),
        width=printer.width,
        profile=printer.profile,
        code_page=printer.code_page,
        cut=printer.cut,
    )


def test_document(printer: Printer) -> Document:
    """The test page: the printer's settings, a ruler, sample lines, QR and barcode."""
    cfg = current_app.config
    ruler = "".join(str(i % 10) for i in range(1, printer.width + 1))
    return Document(
        header_lines=branch_header(),
        title="TES PRINTER / TEST PAGE",
        info=[
            ("Printer", printer.name),
            ("Koneksi", f"{printer.connection} {printer.device or ''}".strip()),
            ("Kertas", f"{printer.width} kolom"),
            ("Profil", printer.profile),
            ("Code page", printer.code_page),
            ("Waktu (UTC)", utcnow().strftime("%Y-%m-%d %H:%M:%S")),
        ],
        items=[
            Item("Kopi Susu Gula Aren Crème Brûlée Ukuran Besar Sekali", Decimal(1), 18000, 18000),
            Item("Beras Pandan Wangi 5 kg", Decimal(2), 78000, 156000, note="Diskon -2.000"),
            Item("Telur Ayam", Decimal("0.750"), 30000, 22500, unit="kg"),
        ],
        totals=[Total("Subtotal", 196500), Total("TOTAL", 1196500, emphasis=True)],
        notes=[ruler],
        footer_lines=[cfg["MART_RECEIPT_FOOTER"]],
        qr_payload="OK OCE Mart",
        barcode="TEST-0001",
    )


def queue_test_page(printer: Printer) -> PrintJob:
    return queue_document(test_document(printer), printer.id, kind="test")


def backoff_seconds(attempts: int) -> int:
    """Seconds to wait before the next attempt after ``attempts`` failed ones."""
    steps = (2, 5, 15, 60)
    return steps[min(max(attempts, 1), len(steps)) - 1]


def next_attempt_after(attempts: int):
    return utcnow() + timedelta(seconds=backoff_seconds(attempts))
