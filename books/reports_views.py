"""The books' reports as pages (print-ready A4 through a print stylesheet) and XLSX
downloads, and the year close with its confirmation. Managers only."""

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from books import closing, reports
from books.services import local_today
from books.xlsx import MIMETYPE, Book
from mart.auth import roles_required
from mart.errors import DomainError
from mart.extensions import db
from mart.money import format_rupiah

bp = Blueprint(
    "books_reports",
    __name__,
    url_prefix="/books/reports",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

MANAGERS = ("manager",)


@bp.app_template_filter("books_date")
def books_date(value):
    """``8 Okt 2025`` (the page's language)."""
    return format_date(value, "d MMM yyyy") if value else ""


def _date_arg(name, default):
    raw = request.args.get(name)
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(400)


def _period():
    today = local_today()
    date_to = _date_arg("to", today)
    date_from = _date_arg("from", date(date_to.year, 1, 1))
    if date_from > date_to:
        date_from, date_to = date_to, date_from
    return date_from, date_to


def _xlsx(name: str, fill) -> Response:
    book = Book()
    sheets = fill(book)
    return Response(
        book.to_bytes(sheets),
        mimetype=MIMETYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )


def _render(template, **context):
    html = render_template(template, **context)
    db.session.commit()  # the fold of the journal lines the report made
    return html


@bp.route("/")
@roles_required(*MANAGERS)
def index():
    today = local_today()
    return _render(
        "books/reports/index.html",
        today=today,
        year_start=date(today.year, 1, 1),
        accounts=reports.chart(),
    )


# --- trial balance ---------------------------------------------------------------


@bp.route("/trial-balance")
@roles_required(*MANAGERS)
def trial_balance():
    as_of = _date_arg("as_of", local_today())
    return _render("books/reports/trial_balance.html", tb=reports.trial_balance(as_of))


@bp.route("/trial-balance.xlsx")
@roles_required(*MANAGERS)
def trial_balance_xlsx():
    as_of = _date_arg("as_of", local_today())
    tb = reports.trial_balance(as_of)

    def fill(book):
        s = book.sheet(_("Trial balance"))
        s.line(_("Trial balance"), bold=True)
        s.line(_("As of %(date)s", date=books_date(as_of)))
        s.line(_("As of"), as_of)
        s.gap()
        s.line(_("Code"), _("Account"), _("Debit"), _("Credit"), bold=True)
        for r in tb["accounts"]:
            s.line(r["code"], r["name"], r["debit"], r["credit"])
        s.line("", _("Total"), tb["totals"]["debit"], tb["totals"]["credit"], bold=True)
        return [s]

    return _xlsx(f"neraca-saldo-{as_of}", fill)


# --- neraca ----------------------------------------------------------------------


def _sheet_sections(s, sheet, label):
    s.line(label, bold=True)
    for key, title in (
        ("assets", _("Assets")),
        ("liabilities", _("Liabilities")),
        ("equity", _("Equity")),
    ):
        s.line(title, bold=True)
        for r in sheet[key]["accounts"]:
            s.line(r["code"] or "", r["name"], r["balance"])
        s.line("", _("Total %(part)s", part=title.lower()), sheet[key]["total"], bold=True)
        s.gap()


@bp.route("/balance-sheet")
@roles_required(*MANAGERS)
def balance_sheet():
    as_of = _date_arg("as_of", local_today())
    return _render("books/reports/balance_sheet.html", sheet=reports.balance_sheet(as_of))


@bp.route("/balance-sheet.xlsx")
@roles_required(*MANAGERS)
def balance_sheet_xlsx():
    as_of = _date_arg("as_of", local_today())
    sheet = reports.balance_sheet(as_of)

    def fill(book):
        s = book.sheet(_("Balance sheet"))
        _sheet_sections(s, sheet, _("Balance sheet as of %(date)s", date=books_date(as_of)))
        return [s]

    return _xlsx(f"neraca-{as_of}", fill)


# --- PHU -------------------------------------------------------------------------

PHU_ROWS = (
    ("revenue", _l("Revenue")),
    ("cost_of_goods", _l("Cost of goods sold")),
    ("gross_margin", _l("Gross margin")),
    ("other_income", _l("Other income")),
    ("expenses", _l("Operating expenses")),
    ("surplus", _l("Surplus (SHU)")),
    ("surplus_members", _l("From business with members")),
    ("surplus_non_members", _l("From business with non-members")),
)


def phu_rows():
    return [(key, str(label)) for key, label in PHU_ROWS]


def write_phu(s, phu, title):
    s.line(title, bold=True)
    labels = dict(phu_rows())
    for key, section in (
        ("revenue", "revenue"),
        ("cost_of_goods", "cost_of_goods"),
        ("gross_margin", None),
        ("other_income", "other_income"),
        ("expenses", "expenses"),
    ):
        if section:
            for r in phu["lines"][section]:
                s.line(r["code"], r["name"], r["balance"])
        s.line("", labels[key], phu[key], bold=True)
    s.gap()
    for key in ("surplus", "surplus_members", "surplus_non_members"):
        s.line("", labels[key], phu[key], bold=key == "surplus")


@bp.route("/income-statement")
@roles_required(*MANAGERS)
def income_statement():
    date_from, date_to = _period()
    phu = reports.income_statement(date_from, date_to, detail=True)
    return _render("books/reports/income_statement.html", phu=phu, rows=phu_rows())


@bp.route("/income-statement.xlsx")
@roles_required(*MANAGERS)
def income_statement_xlsx():
    date_from, date_to = _period()
    phu = reports.income_statement(date_from, date_to, detail=True)

    def fill(book):
        s = book.sheet(_("PHU"))
        write_phu(
            s,
            phu,
            _(
                "Statement of surplus %(start)s - %(end)s",
                start=books_date(date_from),
                end=books_date(date_to),
            ),
        )
        return [s]

    return _xlsx(f"phu-{date_from}-{date_to}", fill)


# --- arus kas --------------------------------------------------------------------


@bp.route("/cash-flow")
@roles_required(*MANAGERS)
def cash_flow():
    date_from, date_to = _period()
    return _render("books/reports/cash_flow.html", flow=reports.cash_flow(date_from, date_to))


@bp.route("/cash-flow.xlsx")
@roles_required(*MANAGERS)
def cash_flow_xlsx():
    date_from, date_to = _period()
    flow = reports.cash_flow(date_from, date_to)

    def fill(book):
        s = book.sheet(_("Cash flow"))
        s.line(_("Cash flow (direct method)"), bold=True)
        s.line(f"{books_date(date_from)} - {books_date(date_to)}")
        s.line(_("Period"), date_from, date_to)
        s.gap()
        s.line("", _("Cash at the start"), flow["opening_cash"], bold=True)
        for act in flow["activities"]:
            s.line(act["label"], bold=True)
            for r in act["accounts"]:
                s.line(r["code"], r["name"], r["balance"])
            s.line("", _("Total"), act["total"], bold=True)
        s.line("", _("Net change in cash"), flow["net_change"], bold=True)
        s.line("", _("Cash at the end"), flow["closing_cash"], bold=True)
        return [s]

    return _xlsx(f"arus-kas-{date_from}-{date_to}", fill)


# --- buku besar ------------------------------------------------------------------

LEDGER_PAGE = 200


@bp.route("/ledger")
@roles_required(*MANAGERS)
def ledger():
    date_from, date_to = _period()
    code = request.args.get("account") or ""
    page = max(1, request.args.get("page", 1, type=int))
    result = None
    if code:
        try:
            result = reports.ledger(
                code, date_from, date_to, offset=(page - 1) * LEDGER_PAGE, limit=LEDGER_PAGE
            )
        except DomainError as exc:
            flash(str(exc.message), "error")
    return _render(
        "books/reports/ledger.html",
        result=result,
        accounts=reports.chart(),
        code=code,
        date_from=date_from,
        date_to=date_to,
        page=page,
        per_page=LEDGER_PAGE,
    )


@bp.route("/ledger.xlsx")
@roles_required(*MANAGERS)
def ledger_xlsx():
    date_from, date_to = _period()
    result = reports.ledger(request.args.get("account") or "", date_from, date_to, limit=100_000)

    def fill(book):
        acc = result["account"]
        s = book.sheet(_("General ledger"))
        s.line(_("General ledger"), acc["code"], acc["name"], bold=True)
        s.line(f"{books_date(date_from)} - {books_date(date_to)}")
        s.line(_("Period"), date_from, date_to)
        s.gap()
        s.line(_("Date"), _("Memo"), _("Source"), _("Debit"), _("Credit"), _("Balance"), bold=True)
        s.line("", _("Opening balance"), "", "", "", result["opening_balance"])
        for r in result["lines"]:
            src = r["source"] or {}
            s.line(
                r["date"],
                r["memo"],
                src.get("number") or src.get("id") or "",
                r["debit"],
                r["credit"],
                r["balance"],
            )
        s.line(
            "",
            _("Closing balance"),
            "",
            result["debit"],
            result["credit"],
            result["closing_balance"],
            bold=True,
        )
        return [s]

    return _xlsx(f"buku-besar-{result['account']['code']}-{date_from}-{date_to}", fill)


# --- year end --------------------------------------------------------------------


@bp.route("/years")
@roles_required(*MANAGERS)
def years():
    return _render("books/reports/years.html", years=closing.years())


@bp.route("/years/<int:year>/close", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def close_year(year):
    status = closing.year_status(year)
    if request.method == "POST":
        if request.form.get("confirm_year") != str(year):
            flash(_("Type the year to confirm closing it."), "error")
        else:
            try:
                result = closing.close_year(year, user=current_user)
            except DomainError as exc:
                db.session.rollback()
                flash(str(exc.message), "error")
            else:
                db.session.commit()
                flash(
                    _(
                        "The year %(year)s is closed; its SHU is %(surplus)s.",
                        year=year,
                        surplus=format_rupiah(result["surplus"]),
                    ),
                    "success",
                )
                return redirect(url_for("books_reports.years"))
    return _render("books/reports/close.html", status=status, rows=phu_rows())
