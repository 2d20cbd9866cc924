"""Printers: the API under /api/v1 (printers, print jobs, the cashier's banner)."""

import sqlalchemy as sa
from flask_login import current_user
from flask_smorest import Blueprint

from mart.apiutil import page_of, page_schema
from mart.auth import roles_required
from mart.extensions import db
from printers import services, transport
from printers.models import Printer
from printers.schemas import (
    PrinterCreateIn,
    PrinterListArgs,
    PrinterOut,
    PrinterStatusOut,
    PrinterUpdateIn,
    PrintJobDetailOut,
    PrintJobListArgs,
    PrintJobOut,
    QueueStatusArgs,
    QueueStatusOut,
)

blp = Blueprint("printers_api", __name__, description="Printers and the print queue")


@blp.route("/printers", methods=["POST"])
@roles_required("manager")
@blp.arguments(PrinterCreateIn)
@blp.response(201, PrinterOut)
def create_printer(data):
    """Configure a printer. Duplicate name 409."""
    printer = services.create_printer(data, user=current_user)
    db.session.commit()
    return printer


@blp.route("/printers", methods=["GET"])
@roles_required("manager", "cashier")
@blp.arguments(PrinterListArgs, location="query")
@blp.response(200, page_schema(PrinterOut))
def list_printers(args):
    stmt = sa.select(Printer).order_by(Printer.id)
    if "active" in args:
        stmt = stmt.where(Printer.active.is_(args["active"]))
    return page_of(stmt, args)


@blp.route("/printers/<int:printer_id>", methods=["GET"])
@roles_required("manager", "cashier")
@blp.response(200, PrinterOut)
def get_printer(printer_id):
    return services.get_printer(printer_id)


@blp.route("/printers/<int:printer_id>", methods=["PATCH"])
@roles_required("manager")
@blp.arguments(PrinterUpdateIn)
@blp.response(200, PrinterOut)
def update_printer(data, printer_id):
    """Change a printer's configuration (``active: false`` retires it)."""
    printer = services.update_printer(printer_id, data, user=current_user)
    db.session.commit()
    return printer


@blp.route("/printers/<int:printer_id>/status", methods=["GET"])
@roles_required("manager", "cashier")
@blp.response(200, PrinterStatusOut)
def printer_status(printer_id):
    """Ask the printer (DLE EOT on a network printer): online, offline, paper_out,
    or unknown where the connection cannot ask; with its queue."""
    printer = services.get_printer(printer_id)
    queue = services.queue_status(printer.id)
    db.session.commit()  # end the read before talking to the printer
    return {
        "id": printer.id,
        "name": printer.name,
        "status": transport.query_status(printer),
        "waiting": queue["waiting"],
        "failed": queue["failed"],
        "last_error": queue["last_error"],
    }


@blp.route("/print-jobs", methods=["GET"])
@roles_required("manager", "cashier")
@blp.arguments(PrintJobListArgs, location="query")
@blp.response(200, page_schema(PrintJobOut))
def list_jobs(args):
    """Newest first; ``status`` is pending, printing, done, failed or dropped."""
    return page_of(services.list_jobs_query(args.get("status"), args.get("printer_id")), args)


@blp.route("/print-jobs/status", methods=["GET"])
@roles_required("manager", "cashier")
@blp.arguments(QueueStatusArgs, location="query")
@blp.response(200, QueueStatusOut)
def queue_status(args):
    """The cashier's banner: jobs waiting and failed, and the last error."""
    return services.queue_status(args.get("printer_id"))


@blp.route("/print-jobs/<int:job_id>", methods=["GET"])
@roles_required("manager", "cashier")
@blp.response(200, PrintJobDetailOut)
def get_job(job_id):
    """A job with its text preview (exactly the printed lines)."""
    job = services.get_job(job_id)
    services.check_preview_access(job, current_user)
    job.preview = services.job_preview(job)
    return job


@blp.route("/print-jobs/<int:job_id>/retry", methods=["POST"])
@roles_required("manager", "cashier")
@blp.response(200, PrintJobOut)
def retry_job(job_id):
    """Send a failed job again now. Printed, printing or dropped jobs 409."""
    job = services.retry_job(job_id, user=current_user)
    db.session.commit()
    return job
