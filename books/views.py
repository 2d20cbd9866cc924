"""Books: the manager's pages. The chart with balances (an admin adds and closes
accounts), the journals, a manual journal form, the expense page for the common case,
and the reconciliation with the ledgers. Each form calls one service and commits once;
a domain error is shown on the same page and nothing is saved."""

import re
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from books import manual
from books.chart import EXPENSE_KINDS
from books.models import ACCOUNT_TYPES
from books.reconcile import check as run_check
from books.services import business_date
from mart.auth import roles_required
from mart.errors import DomainError, InvalidInput
from mart.extensions import db

bp = Blueprint("books", __name__, url_prefix="/books", template_folder="templates")

FORM_LINES = 8

TYPE_LABELS = {
    "asset": _l("Asset"),
    "liability": _l("Liability"),
    "equity": _l("Equity"),
    "revenue": _l("Revenue"),
    "expense": _l("Expense"),
}
EXPENSE_LABELS = {
    "wages": _l("Wages"),
    "rent": _l("Rent"),
    "electricity": _l("Electricity, water and telephone"),
    "depreciation": _l("Depreciation"),
    "bank_charges": _l("Bank charges"),
    "other": _l("Other operating expense"),
    "supplier_payment": _l("Payment to a supplier (utang usaha)"),
}
PAID_FROM_LABELS = {"kas": _l("Kas"), "bank": _l("Bank"), "payable": _l("Not yet paid (owed)")}


def _failed(error: DomainError):
    db.session.rollback()
    flash(error.message, "error")
    return error.status


def _amount(value, field) -> int:
    """An amount typed by hand: ``50.000``, ``50000`` or ``Rp 50.000``; empty is 0."""
    text = re.sub(r"[\s.]|^Rp", "", (value or "").strip(), flags=re.IGNORECASE)
    if not text:
        return 0
    if not text.isdigit():
        raise InvalidInput(_("Type the amount in whole rupiah."), field=field)
    return int(text)


@bp.route("/")
@roles_required("manager")
def index(status=200):
    accounts = manual.accounts_with_balances()
    return render_template(
        "books/index.html",
        accounts=accounts,
        types=ACCOUNT_TYPES,
        type_labels=TYPE_LABELS,
        form=request.form,
    ), status


@bp.route("/accounts", methods=["POST"])
@roles_required("admin")
def account_add():
    try:
        account = manual.add_account({k: request.form.get(k, "") for k in ("code", "name", "type")})
        db.session.commit()
    except DomainError as error:
        return index(_failed(error))
    flash(_("Account %(code)s added.", code=account.code), "success")
    return redirect(url_for("books.index"))


@bp.route("/accounts/<code>/close", methods=["POST"])
@roles_required("admin")
def account_close(code):
    try:
        manual.close_account(code)
        db.session.commit()
    except DomainError as error:
        return index(_failed(error))
    flash(_("Account %(code)s closed.", code=code), "success")
    return redirect(url_for("books.index"))


@bp.route("/journals")
@roles_required("manager")
def journals():
    args = request.args
    status = 200
    try:
        date_from = date.fromisoformat(args["from"]) if args.get("from") else None
        date_to = date.fromisoformat(args["to"]) if args.get("to") else None
    except ValueError:
        date_from = date_to = None
        flash(_("Give a date as YYYY-MM-DD."), "error")
        status = 422
    page = max(1, args.get("page", 1, type=int) or 1)
    try:
        found = manual.journals(
            date_from=date_from,
            date_to=date_to,
            account=args.get("account") or None,
            page=page,
            per_page=50,
        )
    except DomainError as error:
        status = _failed(error)
        found = {"items": [], "total": 0}
    return render_template(
        "books/journals.html",
        found=found,
        page=page,
        args=args,
        accounts=manual.accounts_with_balances(),
    ), status


@bp.route("/journals/new", methods=["GET", "POST"])
@roles_required("manager")
def journal_new():
    status = 200
    form = request.form
    if request.method == "POST":
        try:
            lines = []
            for i in range(FORM_LINES):
                account = form.get(f"account_{i}", "").strip()
                debit = _amount(form.get(f"debit_{i}"), f"lines.{i}.debit")
                credit = _amount(form.get(f"credit_{i}"), f"lines.{i}.credit")
                if account or debit or credit:
                    lines.append({"account": account, "debit": debit, "credit": credit})
            manual.manual_entry(
                {"date": form.get("date"), "memo": form.get("memo"), "lines": lines},
                current_user,
            )
            db.session.commit()
        except DomainError as error:
            status = _failed(error)
        else:
            flash(_("The entry is saved."), "success")
            return redirect(url_for("books.journals"))
    return render_template(
        "books/journal_form.html",
        form=form,
        today=business_date(),
        rows=range(FORM_LINES),
        accounts=[a for a in manual.accounts_with_balances() if not a["closed"]],
    ), status


@bp.route("/expenses", methods=["GET", "POST"])
@roles_required("manager")
def expense():
    status = 200
    form = request.form
    if request.method == "POST":
        try:
            manual.expense(
                {
                    "date": form.get("date"),
                    "kind": form.get("kind"),
                    "amount": _amount(form.get("amount"), "amount"),
                    "paid_from": form.get("paid_from"),
                    "memo": form.get("memo"),
                },
                current_user,
            )
            db.session.commit()
        except DomainError as error:
            status = _failed(error)
        else:
            flash(_("The expense is saved."), "success")
            return redirect(url_for("books.expense"))
    recent = manual.journals(page=1, per_page=10)["items"]
    return render_template(
        "books/expense.html",
        form=form,
        today=business_date(),
        kinds=[*EXPENSE_KINDS, "supplier_payment"],
        kind_labels=EXPENSE_LABELS,
        paid_from_labels=PAID_FROM_LABELS,
        recent=[j for j in recent if j["kind"] == "manual"],
    ), status


@bp.route("/check")
@roles_required("manager")
def check():
    result = run_check()
    db.session.rollback()
    return render_template("books/check.html", result=result)
