"""Point of sale: marshmallow schemas for every body."""

from datetime import UTC
from decimal import Decimal
from keyword import iskeyword

import sqlalchemy as sa
from marshmallow import Schema, ValidationError, fields, missing, validate, validates_schema
from marshmallow.decorators import POST_LOAD, PRE_LOAD, VALIDATES, VALIDATES_SCHEMA

from mart.apiutil import PageArgs
from mart.extensions import db
from mart.fields import Quantity
from pos.models import PAYMENT_METHODS, REFUND_METHODS, SHIFT_OPEN, Shift
from pos.services.promotions import given_on
from printers.schemas import WaitingJobSchema

MAX_MONEY = 10**13


def money(**kw):
    return fields.Integer(strict=True, validate=validate.Range(min=0, max=MAX_MONEY), **kw)


def positive_money(**kw):
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_MONEY), **kw)


# Fields a plan dumps by the type itself (what their ``_serialize`` does, less the calls).
_PLAIN_TYPES = {fields.Integer: int, fields.String: str, fields.Boolean: bool}


class PlainSchema(Schema):
    """A response schema dumped by a plan built once: each declared field read as the
    attribute of that name (or its ``attribute``) and written under its ``data_key``,
    converted by ``int``/``str``/``bool`` for a plain ``Integer``/``String``/``Boolean``
    (None stays None) and by the field's own ``_serialize`` otherwise. No dump hooks,
    no ``only``/``exclude``, and every object dumped has every declared attribute. The
    same output as marshmallow's dump of those fields for a fraction of its CPU: the
    sale's answer (``pos.services.fastpath``, 4)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plan = []
        for name, field in self.dump_fields.items():
            plain = _PLAIN_TYPES.get(type(field))
            if getattr(field, "as_string", False):
                plain = None
            plan.append((field.data_key or name, field.attribute or name, plain, field._serialize))
        self._plan = tuple(plan)
        self.row = _row_function(self._plan)

    def row(self, obj) -> dict:  # replaced in __init__ by the plan's generated function
        out = {}
        for key, attr, plain, dump in self._plan:
            value = getattr(obj, attr)
            if plain is None:
                out[key] = dump(value, key, obj)
            else:
                out[key] = None if value is None else plain(value)
        return out

    def _serialize(self, obj, *, many=False):
        if many:
            return [self.row(one) for one in obj]
        return self.row(obj)


def _row_function(plan):
    """``PlainSchema.row`` for ``plan`` as one function generated once per schema: a
    dict display reading each attribute in the plan's order, converted as ``row`` does
    (no loop, no tuple unpacking, no ``getattr`` call per field: a sale's answer has
    some 300 fields). Keys, attribute names and converters are bound as constants."""
    env, items = {}, []
    for n, (key, attr, plain, dump) in enumerate(plan):
        env[f"k{n}"], env[f"a{n}"] = key, attr
        read = f"obj.{attr}" if attr.isidentifier() and not iskeyword(attr) else f"_get(obj, a{n})"
        if plain is None:
            env[f"d{n}"] = dump
            items.append(f"k{n}: d{n}({read}, k{n}, obj)")
        else:
            env[f"p{n}"] = plain
            items.append(f"k{n}: None if (v := {read}) is None else p{n}(v)")
    env["_get"] = getattr
    source = "def row(obj):\n    return {" + ", ".join(items) + "}\n"
    exec(compile(source, "<PlainSchema.row>", "exec"), env)
    return env["row"]


_QUICK = object()  # a field the quick load reads by the field's own ``deserialize``
_NOT_QUICK = object()  # the value is not the plain case: marshmallow's load decides


class QuickLoadSchema(Schema):
    """A request schema whose ``load`` answers the plain case quickly, and hands
    anything else to marshmallow's own load. It either returns exactly what
    marshmallow would, or lets marshmallow decide, errors included.

    The plain case is a dict with no unknown key, where:
    - an ``Integer`` is an ``int`` (not ``bool``) and a ``String`` is a ``str``, each
      passing its field's validators (checked without the field's ``deserialize``);
    - every other field goes through its own ``deserialize`` (a nested schema that is
      a ``QuickLoadSchema`` loads quickly in turn);
    - a missing field has a default, and a ``None`` is allowed;
    - the ``@validates_schema`` hooks pass.

    The first value outside it (a wrong type, a failed validator, a missing required
    field, an unknown key) sends the whole body to ``Schema.load``, which writes the
    errors as before. A schema with any other hook (``pre_load``, ``post_load``,
    ``@validates``) is always loaded by marshmallow. The sale's body (``SaleIn``): the
    schema machinery of marshmallow's load cost about 10% of the sale's CPU
    (pos/README.md, "Instructions per sale"); ``tests/pos/test_quick_load.py`` holds
    it to marshmallow's result on random bodies, valid and not."""

    quick_load = True  # False: marshmallow's load only (the tests compare the two)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        hooks = self._hooks
        self._quick_plan = None
        if hooks[PRE_LOAD] or hooks[POST_LOAD] or hooks[VALIDATES] or self.many:
            return
        plan = []
        for name, field in self.load_fields.items():
            key = field.data_key if field.data_key is not None else name
            kind = _QUICK
            if not field.pre_load and not field.post_load:
                if type(field) is fields.Integer:
                    kind = int
                elif type(field) is fields.String:
                    kind = str
            plan.append((key, field.attribute or name, field, kind))
        self._quick_plan = tuple(plan)
        self._quick_keys = frozenset(key for key, *_rest in plan)
        self._quick_validators = [
            name
            for tag in (True, False)
            for name, many, _kw in hooks[VALIDATES_SCHEMA]
            if many == tag
        ]
        self._quick_original = {
            name: kw.get("pass_original", False) for name, _m, kw in hooks[VALIDATES_SCHEMA]
        }

    def load(self, data, *, many=None, partial=None, unknown=None):
        if (
            self.quick_load
            and self._quick_plan is not None
            and not many
            and partial is None
            and not self.partial
            and type(data) is dict
            and self._quick_keys.issuperset(data)
        ):
            result = self._quick(data, self.unknown if unknown is None else unknown)
            if result is not _NOT_QUICK:
                return result
        return super().load(data, many=many, partial=partial, unknown=unknown)

    def _quick(self, data, unknown):
        out = {}
        try:
            for key, attr, field, kind in self._quick_plan:
                value = data.get(key, missing)
                if value is missing:
                    if field.required:
                        return _NOT_QUICK
                    default = field.load_default
                    if default is not missing:
                        out[attr] = default() if callable(default) else default
                    continue
                value = _quick_value(field, kind, key, value, data)
                if value is _NOT_QUICK:
                    return _NOT_QUICK
                out[attr] = value
            for name in self._quick_validators:
                validator = getattr(self, name)
                if self._quick_original[name]:
                    validator(out, data, partial=None, many=False, unknown=unknown)
                else:
                    validator(out, partial=None, many=False, unknown=unknown)
        except ValidationError:
            return _NOT_QUICK
        return out


def _quick_value(field, kind, key, value, data):
    """A present value as ``field`` loads it, or ``_NOT_QUICK`` (``QuickLoadSchema``);
    raises ``ValidationError`` as the field's ``deserialize`` does."""
    if value is None:
        return None if field.allow_none else _NOT_QUICK
    if kind is _QUICK:
        return field.deserialize(value, key, data)
    if type(value) is not kind:
        return _NOT_QUICK
    for check in field.validators:
        check(value)
    return value


class Rows(fields.List):
    """A list of ``PlainSchema`` rows (documented as ``List(Nested(schema))``), each
    dumped by the nested schema's plan."""

    def __init__(self, schema: type[PlainSchema], **kwargs):
        super().__init__(fields.Nested(schema), **kwargs)
        self._rows = schema()

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        row = self._rows.row
        return [row(one) for one in value]


# --- registers ---------------------------------------------------------------------


class RegisterIn(Schema):
    code = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=16), validate.Regexp(r"^[A-Za-z0-9_-]+$")],
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    printer_id = fields.Integer(allow_none=True, load_default=None)


class RegisterPatchIn(Schema):
    name = fields.String(validate=validate.Length(min=1, max=80))
    printer_id = fields.Integer(allow_none=True)
    active = fields.Boolean()


class RegisterOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    printer_id = fields.Integer(allow_none=True)
    active = fields.Boolean()
    open_shift_id = fields.Method("_open_shift")

    def _open_shift(self, register):
        return db.session.scalar(
            sa.select(Shift.id).where(Shift.register_id == register.id, Shift.status == SHIFT_OPEN)
        )


# --- shifts ------------------------------------------------------------------------


class ShiftOpenIn(Schema):
    register_id = fields.Integer(required=True, strict=True)
    opening_float = money(load_default=0)


class ShiftCloseIn(Schema):
    counted_cash = money(load_default=None, allow_none=True)
    denominations = fields.Dict(
        keys=fields.String(validate=validate.Length(max=16)),
        values=fields.Integer(strict=True, validate=validate.Range(min=0, max=10**7)),
        load_default=None,
        validate=validate.Length(max=30),
    )
    approval_pin = fields.String(load_default=None, allow_none=True)
    approver = fields.String(validate=validate.Length(max=64), load_default=None, allow_none=True)


class CashMovementIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(("in", "out")))
    amount = positive_money(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200))
    approval_pin = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=32)
    )
    approver = fields.String(validate=validate.Length(max=64), load_default=None, allow_none=True)
    # Where the cash goes to (out) or comes from (in): the safe (kas to kas) or the bank.
    to = fields.String(load_default="safe", validate=validate.OneOf(("safe", "bank")))


class CashMovementOut(Schema):
    id = fields.Integer()
    shift_id = fields.Integer()
    kind = fields.String()
    amount = fields.Integer()
    reason = fields.String()
    approved_by = fields.Function(lambda m: m.approved_by_id)
    created_at = fields.DateTime()


class ShiftOut(Schema):
    id = fields.Integer()
    register_id = fields.Integer()
    register = fields.Function(lambda s: s.register.code)
    cashier_id = fields.Integer()
    cashier = fields.Function(lambda s: s.cashier.username)
    status = fields.String()
    opened_at = fields.DateTime()
    opening_float = fields.Integer()
    closed_at = fields.DateTime(allow_none=True)
    counted_cash = fields.Integer(allow_none=True)
    counted_by_denomination = fields.Dict(allow_none=True)
    expected_cash = fields.Integer(allow_none=True)
    difference = fields.Integer(allow_none=True)
    approved_by = fields.Function(lambda s: s.approved_by.username if s.approved_by else None)


class ShiftReportOut(Schema):
    class Meta:
        unknown = "include"

    id = fields.Integer()
    shift_id = fields.Integer()
    register = fields.String()
    cashier = fields.String()
    status = fields.String()
    opened_at = fields.String()
    closed_at = fields.String(allow_none=True)
    opening_float = fields.Integer()
    transactions = fields.Integer()
    sales_gross = fields.Integer()
    discounts = fields.Integer()
    sales_total = fields.Integer()
    rounding = fields.Integer()
    sales_ppn = fields.Integer()
    returns_ppn = fields.Integer()
    ppn = fields.Integer(metadata={"description": "sales_ppn - returns_ppn"})
    by_payment = fields.Dict(keys=fields.String(), values=fields.Integer())
    returns_count = fields.Integer()
    returns = fields.Integer()
    refunds = fields.Dict(keys=fields.String(), values=fields.Integer())
    cash_in = fields.Integer()
    cash_out = fields.Integer()
    expected_cash = fields.Integer()
    counted_cash = fields.Integer(allow_none=True)
    difference = fields.Integer(allow_none=True)
    text = fields.String()


class ShiftListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(("open", "closed")))
    register_id = fields.Integer()
    mine = fields.Boolean(load_default=False)


# --- sales -------------------------------------------------------------------------


class SaleLineIn(QuickLoadSchema):
    product_id = fields.Integer(strict=True, load_default=None, allow_none=True)
    barcode = fields.String(
        validate=validate.Length(min=1, max=64), load_default=None, allow_none=True
    )
    quantity = Quantity(positive=True, load_default=Decimal("1.000"))
    discount = money(load_default=0)

    @validates_schema
    def _one_of(self, data, **kw):
        if data.get("product_id") is None and not data.get("barcode"):
            raise ValidationError("Give product_id or barcode.", field_name="product_id")


class SalePaymentIn(QuickLoadSchema):
    method = fields.String(required=True, validate=validate.OneOf(PAYMENT_METHODS))
    amount = positive_money(required=True)
    reference = fields.String(validate=validate.Length(max=100), load_default=None, allow_none=True)


class SaleIn(QuickLoadSchema):
    id = fields.UUID(required=True)
    shift_id = fields.Integer(required=True, strict=True)
    member_no = fields.String(validate=validate.Length(max=32), load_default=None, allow_none=True)
    lines = fields.List(
        fields.Nested(SaleLineIn), required=True, validate=validate.Length(min=1, max=500)
    )
    payments = fields.List(
        fields.Nested(SalePaymentIn), load_default=list, validate=validate.Length(max=20)
    )
    discount = money(load_default=0)
    # The member's own PIN, needed when a payment is from simpanan (members.pins).
    member_pin = fields.String(validate=validate.Length(max=16), load_default=None, allow_none=True)
    # Or the approval of a PIN the member typed on the customer display (pos.pinpad).
    member_pin_approval = fields.String(
        validate=validate.Length(max=64), load_default=None, allow_none=True
    )
    approval_pin = fields.String(load_default=None, allow_none=True)
    approver = fields.String(validate=validate.Length(max=64), load_default=None, allow_none=True)
    # When the register made the sale (sent late after the server was away): kept when
    # it lies between the shift's opening and now (services.sale_time).
    created_at = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=UTC)


class SaleLineOut(PlainSchema):
    line_no = fields.Integer()
    product_id = fields.Integer()
    sku = fields.String()
    name = fields.String()
    unit = fields.String()
    quantity = Quantity()
    regular_price = fields.Integer()
    unit_price = fields.Integer()
    member_price = fields.Boolean()
    gross = fields.Integer()
    discount = fields.Integer()
    promotion_discount = fields.Integer()
    promotions = fields.Function(lambda line: given_on(line))  # issue 15
    sale_discount_share = fields.Integer()
    amount = fields.Integer()
    tax = fields.String()
    # issue 15 (pos.services.pricing): what priced the line, and a pack line's pack
    price_source = fields.String(allow_none=True)
    pack_name = fields.String(allow_none=True)
    pack_factor = fields.Integer(allow_none=True)
    pack_count = fields.Integer(allow_none=True)
    pack_price = fields.Integer(allow_none=True)


class SalePaymentOut(PlainSchema):
    method = fields.String()
    amount = fields.Integer()
    reference = fields.String(allow_none=True)


class SaleOut(PlainSchema):
    """A sale: a stored ``Sale`` or a ``SaleView`` (pos.services.fastpath), dumped alike."""

    id = fields.String()
    number = fields.String()
    status = fields.String()
    register = fields.Function(lambda s: s.register.code)
    register_id = fields.Integer()
    shift_id = fields.Integer()
    cashier = fields.Function(lambda s: s.cashier.username)
    member_no = fields.String(allow_none=True)
    subtotal = fields.Integer()
    line_discount = fields.Integer()
    sale_discount = fields.Integer()
    promotion_discount = fields.Integer()
    discount = fields.Integer()
    total = fields.Integer()
    rounding = fields.Integer()
    amount_due = fields.Integer()
    taxable = fields.Integer()
    dpp = fields.Integer()
    ppn = fields.Integer()
    paid = fields.Integer()
    change = fields.Integer()
    business_date = fields.Date()
    created_at = fields.DateTime()
    lines = Rows(SaleLineOut)
    payments = Rows(SalePaymentOut)


class SaleListArgs(PageArgs):
    number = fields.String()
    date = fields.Date()
    member_no = fields.String()
    register_id = fields.Integer()
    shift_id = fields.Integer()


class SaleReceiptArgs(Schema):
    width = fields.Integer(load_default=48, validate=validate.OneOf((32, 48)))
    copy = fields.Boolean(load_default=False)


class PosPrintOut(Schema):
    job_id = fields.Integer()
    status = fields.String()


# --- returns -----------------------------------------------------------------------


class SaleReturnLineIn(Schema):
    product_id = fields.Integer(required=True, strict=True)
    quantity = Quantity(positive=True, required=True)


class SaleReturnIn(Schema):
    lines = fields.List(
        fields.Nested(SaleReturnLineIn), required=True, validate=validate.Length(min=1, max=500)
    )
    refund_method = fields.String(load_default="original", validate=validate.OneOf(REFUND_METHODS))
    approval_pin = fields.String(load_default=None, allow_none=True)
    approver = fields.String(validate=validate.Length(max=64), load_default=None, allow_none=True)
    damaged = fields.Boolean(load_default=False)
    reason = fields.String(validate=validate.Length(max=200), load_default=None, allow_none=True)
    shift_id = fields.Integer(load_default=None, allow_none=True)


class SaleReturnLineOut(Schema):
    product_id = fields.Integer()
    sale_line_id = fields.Integer()
    name = fields.Function(lambda line: line.sale_line.name)
    quantity = Quantity()
    amount = fields.Integer()


class ReturnRefundOut(Schema):
    method = fields.String()
    amount = fields.Integer()


class SaleReturnOut(Schema):
    id = fields.Integer()
    number = fields.String()
    sale_id = fields.String()
    sale_number = fields.Function(lambda r: r.sale.number)
    shift_id = fields.Integer(allow_none=True)
    refund_method = fields.String()
    amount = fields.Integer()
    taxable = fields.Integer()
    dpp = fields.Integer()
    ppn = fields.Integer()
    damaged = fields.Boolean()
    approved_by = fields.Function(lambda r: r.approved_by_id)
    created_at = fields.DateTime()
    lines = fields.List(fields.Nested(SaleReturnLineOut))
    refunds = fields.List(fields.Nested(ReturnRefundOut))


# --- suspended, display, QRIS ------------------------------------------------------


class SuspendIn(Schema):
    label = fields.String(load_default="", validate=validate.Length(max=80))
    payload = fields.Dict(required=True)


class SuspendedOut(Schema):
    id = fields.Integer()
    register_id = fields.Integer()
    label = fields.String()
    created_at = fields.DateTime()
    payload = fields.Dict()


class CustomerDisplayIn(Schema):
    class Meta:
        unknown = "exclude"

    lines = fields.List(fields.Dict(), load_default=list, validate=validate.Length(max=500))
    total = money(load_default=0)
    paid = money(load_default=0)
    change = money(load_default=0)
    member = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=120))
    qris_amount = money(load_default=None, allow_none=True)
    message = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class CustomerDisplayOut(Schema):
    class Meta:
        unknown = "include"

    version = fields.Integer()
    state = fields.Dict(allow_none=True)
    qris_svg = fields.String(allow_none=True)


class MemberPinRequestIn(Schema):
    member_no = fields.String(required=True, validate=validate.Length(min=1, max=32))
    amount = money(required=True)
    # What the PIN pays (the display's wording): simpanan (default), credit or both.
    method = fields.String(
        load_default="simpanan", validate=validate.OneOf(["simpanan", "credit", "both"])
    )


class MemberPinRequestOut(Schema):
    id = fields.Integer()
    token = fields.String()
    register_id = fields.Integer()
    member_no = fields.String()
    amount = fields.Integer()
    method = fields.String()
    status = fields.String()
    expires_at = fields.DateTime()
    display_active = fields.Boolean()


class QrisArgs(Schema):
    amount = fields.Integer(
        required=True, strict=False, validate=validate.Range(min=1, max=MAX_MONEY - 1)
    )


class QrisOut(Schema):
    payload = fields.String()
    amount = fields.Integer()
    svg = fields.String()


class RegisterPrinterStatusOut(Schema):
    class Meta:
        unknown = "include"

    waiting = fields.Integer()
    failed = fields.Integer()
    last_error = fields.String(allow_none=True)
    printer = fields.String(allow_none=True)
    jobs = fields.List(fields.Nested(WaitingJobSchema))


# --- what the cashier screen looks up ----------------------------------------------


class ApprovalIn(Schema):
    """A manager's approval asked at the counter when it is needed (e.g. a discount
    above the limit), before the sale is paid."""

    approval_pin = fields.String(load_default=None, validate=validate.Length(max=32))
    approver = fields.String(validate=validate.Length(max=64), load_default=None, allow_none=True)


class ApprovalOut(Schema):
    approver = fields.String()


class CodeArgs(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=64))


class SearchArgs(Schema):
    q = fields.String(required=True, validate=validate.Length(min=1, max=100))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=50))


class CounterProductOut(Schema):
    id = fields.Integer()
    sku = fields.String()
    name = fields.String()
    unit = fields.String()
    price = fields.Integer()
    member_price = fields.Integer(allow_none=True)
    tax = fields.String()
    tiers = fields.Function(lambda p: p.price_tiers or [])  # harga grosir (issue 15)


class CounterPackOut(Schema):
    name = fields.String()
    factor = fields.Integer()
    barcode = fields.String(allow_none=True)
    price = fields.Integer()
    member_price = fields.Integer(allow_none=True)


class ScanOut(Schema):
    code = fields.String()
    product = fields.Nested(CounterProductOut)
    quantity = Quantity(allow_none=True)
    price = fields.Integer(allow_none=True)
    pack = fields.Nested(CounterPackOut, allow_none=True)


class CounterMemberOut(Schema):
    member_no = fields.String()
    name = fields.String()
    status = fields.String()
    purchases_this_year = fields.Integer()
    sukarela = fields.Integer()  # the balance a simpanan payment draws on
    credit_available = fields.Integer()  # what a credit payment may still draw
