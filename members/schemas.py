"""Members: marshmallow schemas for every body."""

from marshmallow import Schema, ValidationError, fields, validate, validates

from mart.apiutil import PageArgs
from mart.fields import MAX_MONEY, Money
from members.models import KINDS, LEFT_REASONS

NIK_MESSAGE = "NIK must be exactly 16 digits."


class MemberSavingsOut(Schema):
    pokok = fields.Integer()
    wajib = fields.Integer()
    sukarela = fields.Integer()
    total = fields.Integer()


class MemberIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    nik = fields.String(required=True)
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    join_date = fields.Date(load_default=None, allow_none=True)
    # Deposit simpanan pokok in the same step (the manager's register form does).
    pay_pokok = fields.Boolean(load_default=False)

    @validates("nik")
    def _nik(self, value, **kwargs):
        if not (len(value) == 16 and value.isascii() and value.isdigit()):
            raise ValidationError(NIK_MESSAGE)

    @validates("name")
    def _name(self, value, **kwargs):
        if not value.strip():
            raise ValidationError("Name is required.")


class MemberOut(Schema):
    """A member as the manager sees it (NIK in full, savings)."""

    member_no = fields.String()
    name = fields.String()
    nik = fields.String()
    phone = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    join_date = fields.Date()
    status = fields.String()
    left_date = fields.Date(allow_none=True)
    left_reason = fields.String(allow_none=True)
    # None for a cashier, who sees name, number and status only.
    savings = fields.Nested(MemberSavingsOut, allow_none=True)


class MemberPublicOut(Schema):
    """A member as a cashier or the member sees it: NIK masked; savings only for the
    member themself."""

    member_no = fields.String()
    name = fields.String()
    nik = fields.String()
    phone = fields.String(allow_none=True)
    status = fields.String()
    join_date = fields.Date()
    left_date = fields.Date(allow_none=True)
    savings = fields.Nested(MemberSavingsOut, allow_none=True)


class MemberListArgs(PageArgs):
    q = fields.String(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(("active", "left")))


class MemberLookupArgs(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=64))


class MemberPinIn(Schema):
    pin = fields.String(required=True)


class SavingsMovementIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    amount = Money(minimum=1, required=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    # Queue a slip on the default printer.
    print = fields.Boolean(load_default=False)
    # How the money came in or went out (the books: kas unless another is named).
    method = fields.String(
        load_default="cash", validate=validate.OneOf(("cash", "transfer", "qris", "card"))
    )


class SavingsEntryOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    entry_type = fields.String()
    amount = fields.Integer()
    balance = fields.Integer(allow_none=True)
    booked_on = fields.Date()
    at = fields.DateTime()
    reversal_of = fields.Integer(allow_none=True)
    ref_type = fields.String(allow_none=True)
    ref_id = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    period_from = fields.Date(allow_none=True)
    period_to = fields.Date(allow_none=True)


class SavingsMovementResultOut(Schema):
    member_no = fields.String()
    entry = fields.Nested(SavingsEntryOut)
    savings = fields.Nested(MemberSavingsOut)
    balances = fields.Nested(MemberSavingsOut)
    pokok = fields.Integer()
    wajib = fields.Integer()
    sukarela = fields.Integer()
    total = fields.Integer()
    print_job_id = fields.Integer(allow_none=True)


class SavingsReversalIn(Schema):
    entry_id = fields.Integer(strict=True, required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class MemberLeaveIn(Schema):
    reason = fields.String(required=True, validate=validate.OneOf(LEFT_REASONS))
    date = fields.Date(load_default=None, allow_none=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    print = fields.Boolean(load_default=False)


class MemberPayoutsOut(Schema):
    pokok = fields.Integer()
    wajib = fields.Integer()
    sukarela = fields.Integer()


class MemberSettlementOut(Schema):
    member_no = fields.String()
    name = fields.String()
    status = fields.String()
    left_date = fields.Date(allow_none=True)
    reason = fields.String(allow_none=True)
    payouts = fields.Nested(MemberPayoutsOut)
    total = fields.Integer()
    credit_setoff = fields.Integer()
    paid_out = fields.Integer()
    print_job_id = fields.Integer(allow_none=True)


class SavingsLedgerArgs(PageArgs):
    kind = fields.String(load_default=None, validate=validate.OneOf(KINDS))


class SavingsLedgerPageOut(Schema):
    items = fields.List(fields.Nested(SavingsEntryOut))
    total = fields.Integer()


class WajibStatusOut(Schema):
    member_no = fields.String()
    name = fields.String()
    phone = fields.String(allow_none=True)
    rate = fields.Integer()
    months_due = fields.Integer()
    paid = fields.Integer()
    months_paid = fields.Integer()
    partial = fields.Integer()
    arrears_months = fields.Integer()
    arrears_amount = fields.Integer()
    paid_through = fields.String(allow_none=True)
    unpaid_months = fields.List(fields.String())


class WajibArrearsPageOut(Schema):
    items = fields.List(fields.Nested(WajibStatusOut))
    total = fields.Integer()
    amount = fields.Integer()


class MemberPurchasesArgs(Schema):
    year = fields.Integer(load_default=None, validate=validate.Range(min=1900, max=9999))


class MemberPurchaseMonthOut(Schema):
    month = fields.String()
    amount = fields.Integer()


class MemberPurchasesOut(Schema):
    member_no = fields.String()
    items = fields.List(fields.Nested(MemberPurchaseMonthOut))
    total = fields.Integer()


class MemberCapitalOut(Schema):
    pokok = fields.Integer()
    wajib = fields.Integer()
    sukarela = fields.Integer()
    total = fields.Integer()
    as_of = fields.Date(allow_none=True)


class MemberCapitalArgs(Schema):
    as_of = fields.Date(load_default=None)


class ShuRequestIn(Schema):
    # Without surplus: the members' share of the year's SHU from the books.
    surplus = fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_MONEY))
    allocation = fields.Dict(
        keys=fields.String(validate=validate.Length(max=40)),
        values=fields.Decimal(allow_nan=False),
        required=True,
        validate=validate.Length(max=20),
    )
    override = fields.Boolean(
        load_default=False,
        metadata={"description": "admin only: post a year that has not ended (audited)"},
    )


class ShuMemberOut(Schema):
    member_no = fields.String()
    name = fields.String()
    capital = fields.Integer()
    purchases = fields.Integer()
    jasa_modal = fields.Integer()
    jasa_usaha = fields.Integer()
    total = fields.Integer()


class ShuResultOut(Schema):
    year = fields.Integer()
    surplus = fields.Integer()
    allocation = fields.Dict(keys=fields.String(), values=fields.String())
    parts = fields.Dict(keys=fields.String(), values=fields.Integer())
    rounding_to_cadangan = fields.Integer()
    cadangan_total = fields.Integer()
    paid_to_members = fields.Dict(keys=fields.String(), values=fields.Integer())
    capital_as_of = fields.Date()
    total_capital = fields.Integer()
    total_purchases = fields.Integer()
    members = fields.List(fields.Nested(ShuMemberOut))
    posted = fields.Boolean()
    payout = fields.String(allow_none=True)
    posted_at = fields.DateTime(allow_none=True)
    # Set when the surplus came from the books: the year's PHU surplus and its split.
    from_books = fields.Dict(keys=fields.String(), values=fields.Integer(), allow_none=True)
    non_members_to_cadangan = fields.Integer()


class ShuStatementOut(Schema):
    year = fields.Integer()
    capital = fields.Integer()
    purchases = fields.Integer()
    jasa_modal = fields.Integer()
    jasa_usaha = fields.Integer()
    total = fields.Integer()
    paid_as = fields.String()
    posted_at = fields.DateTime()


class ShuStatementsOut(Schema):
    member_no = fields.String()
    items = fields.List(fields.Nested(ShuStatementOut))
    total = fields.Integer()


# --- member credit (issue 15) -------------------------------------------------------------


class CreditAgingOut(Schema):
    current = fields.Integer()
    d30 = fields.Integer(data_key="30", attribute="30")
    d60 = fields.Integer(data_key="60", attribute="60")
    d90 = fields.Integer(data_key="90+", attribute="90+")
    overdue = fields.Integer()
    oldest = fields.Date(allow_none=True)


class MemberCreditOut(Schema):
    member_no = fields.String()
    name = fields.String()
    status = fields.String()
    limit = fields.Integer()
    used = fields.Integer()
    available = fields.Integer()
    default_limit = fields.Boolean()
    aging = fields.Nested(CreditAgingOut)


class MemberCreditListOut(Schema):
    items = fields.List(fields.Nested(MemberCreditOut))
    totals = fields.Dict()


class MemberCreditLimitIn(Schema):
    limit = fields.Integer(
        required=True, allow_none=True, validate=validate.Range(min=0, max=10**13)
    )


class PayrollImportIn(Schema):
    csv = fields.String(required=True, validate=validate.Length(min=1, max=2_000_000))
    ref = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


class PayrollImportOut(Schema):
    rows = fields.Integer()
    total = fields.Integer()
