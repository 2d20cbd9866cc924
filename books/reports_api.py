"""The books' reports and year end: the API under /api/v1 (API.md, Books)."""

from datetime import date

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from books import closing, reports
from books.services import local_today
from mart.auth import roles_required
from mart.errors import InvalidInput
from mart.extensions import db

blp = Blueprint("books_reports_api", __name__, description="The books' reports and year end")

MANAGERS = ("manager",)


class ReportAsOfArgs(Schema):
    as_of = fields.Date(load_default=None)


class ReportPeriodArgs(Schema):
    date_from = fields.Date(data_key="from", load_default=None)
    date_to = fields.Date(data_key="to", load_default=None)

    @validates_schema
    def _order(self, data, **kwargs):
        f, t = data.get("date_from"), data.get("date_to")
        if f and t and f > t:
            raise ValidationError("Must not be after 'to'.", "from")


class ReportLedgerArgs(ReportPeriodArgs):
    account = fields.String(required=True, validate=validate.Length(min=1, max=16))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=5000))


class ReportAccountAmountOut(Schema):
    code = fields.String(allow_none=True)
    name = fields.String()
    role = fields.String(allow_none=True)
    balance = fields.Integer()


class ReportTrialRowOut(Schema):
    code = fields.String()
    name = fields.String()
    type = fields.String()
    debit = fields.Integer()
    credit = fields.Integer()


class ReportTrialBalanceOut(Schema):
    as_of = fields.Date()
    accounts = fields.List(fields.Nested(ReportTrialRowOut))
    totals = fields.Dict(keys=fields.String(), values=fields.Integer())


class ReportSectionOut(Schema):
    total = fields.Integer()
    accounts = fields.List(fields.Nested(ReportAccountAmountOut))


class ReportBalanceSheetOut(Schema):
    as_of = fields.Date()
    assets = fields.Nested(ReportSectionOut)
    liabilities = fields.Nested(ReportSectionOut)
    equity = fields.Nested(ReportSectionOut)
    unclosed_surplus = fields.Integer()


class ReportIncomeStatementOut(Schema):
    revenue = fields.Integer()
    cost_of_goods = fields.Integer()
    gross_margin = fields.Integer()
    other_income = fields.Integer()
    expenses = fields.Integer()
    surplus = fields.Integer()
    surplus_members = fields.Integer()
    surplus_non_members = fields.Integer()


class ReportActivityOut(ReportSectionOut):
    key = fields.String()
    label = fields.String()


class ReportCashFlowOut(Schema):
    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to")
    opening_cash = fields.Integer()
    activities = fields.List(fields.Nested(ReportActivityOut))
    net_change = fields.Integer()
    closing_cash = fields.Integer()


class ReportSourceOut(Schema):
    type = fields.String()
    id = fields.String(allow_none=True)
    number = fields.String(allow_none=True)


class ReportLedgerLineOut(Schema):
    journal_id = fields.Integer()
    date = fields.Date()
    memo = fields.String()
    kind = fields.String()
    source = fields.Nested(ReportSourceOut, allow_none=True)
    debit = fields.Integer()
    credit = fields.Integer()
    balance = fields.Integer()


class ReportLedgerOut(Schema):
    account = fields.Dict()
    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to")
    opening_balance = fields.Integer()
    debit = fields.Integer()
    credit = fields.Integer()
    closing_balance = fields.Integer()
    lines = fields.List(fields.Nested(ReportLedgerLineOut))
    offset = fields.Integer()
    total = fields.Integer()


class ReportYearOut(ReportIncomeStatementOut):
    year = fields.Integer()
    closed = fields.Boolean()
    ended = fields.Boolean()
    closed_at = fields.DateTime(allow_none=True)
    surplus_booked = fields.Integer(allow_none=True)


class ReportYearsOut(Schema):
    items = fields.List(fields.Nested(ReportYearOut))


class ReportYearClosedOut(Schema):
    year = fields.Integer()
    closed_at = fields.DateTime()
    surplus = fields.Integer()
    journal_id = fields.Integer(allow_none=True)


def period(args) -> tuple[date, date]:
    """``from`` .. ``to``; without them 1 January of this year .. today."""
    today = local_today()
    date_to = args.get("date_to") or today
    date_from = args.get("date_from") or date(date_to.year, 1, 1)
    if date_from > date_to:
        raise InvalidInput("Must not be after 'to'.", field="from")
    return date_from, date_to


def _done(result):
    db.session.commit()  # the fold of the journal lines the report made
    return result


@blp.route("/books/trial-balance")
@roles_required(*MANAGERS)
@blp.arguments(ReportAsOfArgs, location="query")
@blp.response(200, ReportTrialBalanceOut)
def trial_balance(args):
    """Trial balance (neraca saldo) as of a date (default today)."""
    return _done(reports.trial_balance(args["as_of"] or local_today()))


@blp.route("/books/balance-sheet")
@roles_required(*MANAGERS)
@blp.arguments(ReportAsOfArgs, location="query")
@blp.response(200, ReportBalanceSheetOut)
def balance_sheet(args):
    """Neraca as of a date: assets = liabilities + equity."""
    return _done(reports.balance_sheet(args["as_of"] or local_today()))


@blp.route("/books/income-statement")
@roles_required(*MANAGERS)
@blp.arguments(ReportPeriodArgs, location="query")
@blp.response(200, ReportIncomeStatementOut)
def income_statement(args):
    """Perhitungan hasil usaha of a period, split into business with members and with
    non-members."""
    return _done(reports.income_statement(*period(args)))


@blp.route("/books/cash-flow")
@roles_required(*MANAGERS)
@blp.arguments(ReportPeriodArgs, location="query")
@blp.response(200, ReportCashFlowOut)
def cash_flow(args):
    """Arus kas (direct method) of a period."""
    return _done(reports.cash_flow(*period(args)))


@blp.route("/books/ledger")
@roles_required(*MANAGERS)
@blp.arguments(ReportLedgerArgs, location="query")
@blp.response(200, ReportLedgerOut)
def ledger(args):
    """Buku besar of one account (``account`` is its code) for a period."""
    date_from, date_to = period(args)
    return _done(
        reports.ledger(
            args["account"], date_from, date_to, offset=args["offset"], limit=args["limit"]
        )
    )


@blp.route("/books/years")
@roles_required(*MANAGERS)
@blp.response(200, ReportYearsOut)
def years():
    """Every fiscal year with its PHU and whether it is closed."""
    return _done({"items": closing.years()})


@blp.route("/books/years/<int:year>/close", methods=["POST"])
@roles_required(*MANAGERS)
@blp.response(201, ReportYearClosedOut)
def close_year(year):
    """Close an ended year: its revenue and expenses move into the SHU of the year and
    it takes no new entries. A year not yet ended 409, closing again 409."""
    result = closing.close_year(year, user=current_user)
    db.session.commit()
    return result
