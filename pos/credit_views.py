"""Member credit at the counter (issue 15): the page where a member repays their
credit (kasbon) at the counter, in cash into the cashier's open shift or by transfer.
Scanner-friendly: the member's card scans into the number field."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from mart import nav
from mart.auth import roles_required
from mart.errors import DomainError, InvalidInput
from mart.extensions import db
from mart.money import format_rupiah
from members import services as members
from pos.services import credit as pos_credit

bp = Blueprint("pos_credit", __name__, url_prefix="/pos/credit", template_folder="templates")


def init_app(app):
    app.register_blueprint(bp)
    nav.add(app, _l("Credit repayment"), "pos_credit.repay", ("cashier", "manager"), order=52)


def _page(status=200, member=None, error=None, form=None):
    credit = members.credit.credit_of(member.member_no) if member is not None else None
    return (
        render_template(
            "pos/credit_repay.html", member=member, credit=credit, error=error, form=form or {}
        ),
        status,
    )


def _find(code):
    code = (code or "").strip()
    if not code:
        return None
    try:
        return members.find_member(code)
    except DomainError:
        raise InvalidInput(_("Unknown member."), field="member") from None


@bp.route("/", methods=["GET", "POST"])
@roles_required("cashier", "manager")
def repay():
    form = request.form if request.method == "POST" else request.args
    member = None
    try:
        member = _find(form.get("member"))
        if request.method == "GET" or member is None:
            return _page(member=member, form=form)
        text = (form.get("amount") or "").strip().replace(".", "")
        if not text.isdigit() or int(text) <= 0:
            raise InvalidInput(_("Enter the amount repaid."), field="amount")
        method = form.get("method") or "cash"
        pos_credit.repay_at_counter(member.member_no, int(text), method, current_user)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return _page(error.status, member=member, error=error.message, form=form)
    flash(
        _(
            "%(amount)s repaid by %(name)s.",
            amount=format_rupiah(int(text)),
            name=member.name,
        ),
        "success",
    )
    return redirect(url_for("pos_credit.repay", member=member.member_no))
