"""Books: the API's schemas (API.md, Books)."""

from marshmallow import Schema, fields, validate

from books.chart import EXPENSE_KINDS
from books.models import ACCOUNT_TYPES
from mart.apiutil import PageArgs
from mart.fields import Money


class AccountOut(Schema):
    code = fields.String()
    name = fields.String()
    type = fields.String()
    role = fields.String(allow_none=True)
    closed = fields.Boolean()
    balance = fields.Integer()


class AccountListOut(Schema):
    items = fields.List(fields.Nested(AccountOut))
    total = fields.Integer()


class AccountArgs(Schema):
    as_of = fields.Date(load_default=None)


class AccountCreateIn(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=16))
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    type = fields.String(required=True, validate=validate.OneOf(ACCOUNT_TYPES))


class JournalLineIn(Schema):
    account = fields.String(required=True, validate=validate.Length(min=1, max=16))
    debit = Money(load_default=0)
    credit = Money(load_default=0)


class JournalIn(Schema):
    date = fields.Date(required=True)
    memo = fields.String(required=True, validate=validate.Length(min=1, max=250))
    lines = fields.List(
        fields.Nested(JournalLineIn), required=True, validate=validate.Length(min=2, max=200)
    )


class JournalLineOut(Schema):
    account = fields.String()
    name = fields.String()
    debit = fields.Integer()
    credit = fields.Integer()


class SourceOut(Schema):
    type = fields.String()
    id = fields.String()
    number = fields.String(allow_none=True)


class JournalOut(Schema):
    id = fields.Integer()
    date = fields.Date()
    memo = fields.String()
    kind = fields.String()
    source = fields.Nested(SourceOut, allow_none=True)
    lines = fields.List(fields.Nested(JournalLineOut))
    created_at = fields.DateTime()


class JournalPageOut(Schema):
    items = fields.List(fields.Nested(JournalOut))
    total = fields.Integer()


class JournalArgs(PageArgs):
    date_from = fields.Date(data_key="from", load_default=None)
    date_to = fields.Date(data_key="to", load_default=None)
    account = fields.String(load_default=None, validate=validate.Length(max=16))


class ExpenseIn(Schema):
    date = fields.Date(required=True)
    kind = fields.String(
        required=True, validate=validate.OneOf((*EXPENSE_KINDS, "supplier_payment"))
    )
    amount = Money(required=True, minimum=1)
    paid_from = fields.String(
        load_default="kas", validate=validate.OneOf(("kas", "bank", "payable"))
    )
    memo = fields.String(load_default="", validate=validate.Length(max=250))


class CheckLineOut(Schema):
    role = fields.String()
    code = fields.String()
    name = fields.String()
    books = fields.Integer()
    ledgers = fields.Integer()
    difference = fields.Integer()
    what = fields.String()


class CheckOut(Schema):
    ok = fields.Boolean()
    lines = fields.List(fields.Nested(CheckLineOut))
    differences = fields.List(fields.String())
    warnings = fields.List(fields.String())
    drawers = fields.Integer()
    safe = fields.Integer()
