"""Member credit (kredit anggota, issue 15): the manager's page of credit by member with
aging, the payroll deduction file out and back, and the reminder box on the member's
pages (``member_credit(member_no)`` in templates, see ``_credit.html``)."""

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from mart import nav
from mart.auth import roles_required
from mart.errors import DomainError, InvalidInput
from mart.extensions import db
from mart.money import format_rupiah
from members import services
from members.views import _detail_page, _failed

bp = Blueprint("member_credit", __name__, url_prefix="/member-credit", template_folder="templates")


def init_app(app):
    app.register_blueprint(bp)
    nav.add(app, _l("Member credit"), "member_credit.index", ("manager",), order=41)
    app.jinja_env.globals["member_credit"] = _reminder


def _reminder(member_no, always=False):
    """The member's credit for the reminder box (``None`` when they never used it and
    have no limit of their own, unless ``always``)."""
    credit = services.credit.credit_of(member_no)
    return credit if always or credit["used"] or not credit["default_limit"] else None


def _page(status=200, error=None):
    items = services.credit.credit_list()
    return (
        render_template(
            "members/credit.html",
            items=items,
            totals=services.credit.aging_totals(items),
            error=error,
        ),
        status,
    )


@bp.route("/")
@roles_required("manager")
def index():
    return _page()


@bp.route("/payroll.csv")
@roles_required("manager")
def payroll_csv():
    return Response(
        services.credit.payroll_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=potongan-gaji.csv"},
    )


@bp.route("/payroll", methods=["POST"])
@roles_required("manager")
def payroll_upload():
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise InvalidInput(_("Choose the file the employer sent back."), field="file")
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput(_("The file is not a CSV text file."), field="file") from None
        result = services.credit.import_payroll(text, ref=request.form.get("ref") or None)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return _page(error.status, error.message)
    flash(
        _(
            "%(n)s deductions booked, %(total)s in total.",
            n=result["rows"],
            total=format_rupiah(result["total"]),
        ),
        "success",
    )
    return redirect(url_for("member_credit.index"))


@bp.route("/<member_no>/limit", methods=["POST"])
@roles_required("manager")
def set_limit(member_no):
    """The manager's member page: the member's own limit (empty: the default)."""
    text = (request.form.get("limit") or "").strip().replace(".", "")
    try:
        if text and not text.isdigit():
            raise InvalidInput(_("The limit must be a whole number of rupiah, not below 0."))
        services.credit.set_limit(member_no, int(text) if text else None)
        db.session.commit()
    except DomainError as error:
        return _detail_page(member_no, _failed(error))
    flash(_("Saved."), "success")
    return redirect(url_for("members.detail", member_no=member_no))
