"""Printers: the manager's pages (printers and their status, the queue, previews)."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mart import refs
from mart.auth import roles_required
from mart.errors import DomainError
from mart.extensions import db
from mart.forms import PageForm
from printers import forms, services
from printers.models import PrintJob

bp = Blueprint(
    "printers",
    __name__,
    url_prefix="/printers",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


@bp.route("/")
@roles_required("manager")
def index():
    printers = services.list_printers()
    queues = {p.id: services.queue_status(p.id) for p in printers}
    failed = db.session.scalars(
        sa.select(PrintJob)
        .where(PrintJob.status == "failed")
        .order_by(PrintJob.id.desc())
        .limit(50)
    ).all()
    waiting = db.session.scalars(
        sa.select(PrintJob)
        .where(PrintJob.status.in_(("pending", "printing")))
        .order_by(PrintJob.id)
        .limit(50)
    ).all()
    recent = db.session.scalars(sa.select(PrintJob).order_by(PrintJob.id.desc()).limit(20)).all()
    return render_template(
        "printers/index.html",
        printers=printers,
        queues=queues,
        failed=failed,
        waiting=waiting,
        recent=recent,
        refs=refs.describe_all((j.ref_type, j.ref_id) for j in [*failed, *waiting, *recent]),
    )


def _save(form, printer_id=None):
    try:
        if printer_id is None:
            printer = services.create_printer(forms.printer_values(form.data), user=current_user)
        else:
            printer = services.update_printer(
                printer_id, forms.printer_values(form.data), user=current_user
            )
    except DomainError as exc:
        db.session.rollback()
        fields = (exc.errors or {}).get("json", {})
        placed = False
        for name in fields:
            target = {"drawer": "drawer_pin"}.get(name, name)
            if target in form.schema.fields:
                form.add_error(target, exc.message)
                placed = True
        if not placed:
            flash(exc.message, "error")
        return None
    db.session.commit()
    return printer


@bp.route("/new", methods=["GET", "POST"])
@roles_required("manager")
def new():
    form = PageForm(forms.PrinterFormIn(), forms.DEFAULTS)
    status = 200
    if request.method == "POST":  # a wrong CSRF token never gets here (400)
        printer = _save(form) if form.read() else None
        if printer is not None:
            flash(_("Printer %(name)s added.", name=printer.name), "success")
            return redirect(url_for("printers.index"))
        status = 422
    return _form_page(form, None), status


@bp.route("/<int:printer_id>/edit", methods=["GET", "POST"])
@roles_required("manager")
def edit(printer_id):
    printer = services.get_printer(printer_id)
    form = PageForm(forms.PrinterFormIn(), forms.printer_form_values(printer))
    status = 200
    if request.method == "POST":  # a wrong CSRF token never gets here (400)
        saved = _save(form, printer_id) if form.read() else None
        if saved is not None:
            flash(_("Printer %(name)s saved.", name=saved.name), "success")
            return redirect(url_for("printers.index"))
        status = 422
    return _form_page(form, printer), status


def _form_page(form, printer):
    return render_template(
        "printers/form.html",
        form=form,
        printer=printer,
        labels=forms.LABELS,
        choices={
            "connection": forms.CONNECTIONS,
            "baud": forms.BAUDS,
            "width": forms.WIDTHS,
            "drawer_pin": forms.DRAWER_PINS,
        },
    )


@bp.route("/<int:printer_id>/test", methods=["POST"])
@roles_required("manager")
def test_page(printer_id):
    printer = services.get_printer(printer_id)
    services.queue_test_page(printer)
    db.session.commit()
    flash(_("Test page queued for %(name)s.", name=printer.name), "success")
    return redirect(url_for("printers.index"))


@bp.route("/jobs/<int:job_id>")
@roles_required("manager", "cashier")
def job(job_id):
    job = services.get_job(job_id)
    services.check_preview_access(job, current_user)
    return render_template("printers/job.html", job=job, preview=services.job_preview(job))


@bp.route("/jobs/<int:job_id>/retry", methods=["POST"])
@roles_required("manager", "cashier")
def retry(job_id):
    try:
        services.retry_job(job_id, user=current_user)
    except DomainError as exc:
        db.session.rollback()
        if exc.status == 404:
            abort(404)
        flash(exc.message, "error")
        return redirect(url_for("printers.index")), 303
    db.session.commit()
    flash(_("Print job %(id)s will be sent again.", id=job_id), "success")
    return redirect(url_for("printers.index")), 303
