"""Inventory: marshmallow schemas for every body.

Quantities travel as JSON numbers (``10``, ``1.25``), read exactly (never through a
float) and kept as 3-place ``Decimal``. Money is integer rupiah.
"""

from decimal import Decimal, InvalidOperation

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from inventory.models import TAX_CLASSES, TERMS, UNITS
from mart.db import QUANTUM


class QuantityField(fields.Decimal):
    """An exact quantity with at most 3 decimal places; dumped as a JSON number
    (documented as ``number``)."""

    def __init__(self, *, positive=False, allow_zero=True, **kw):
        super().__init__(**kw)
        self.positive = positive
        self.allow_zero = allow_zero

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        value = Decimal(value)
        if value == value.to_integral_value():
            return int(value)
        return float(value.normalize())  # 3 places at most: exact as a JSON number

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValidationError("Not a valid number.")
        try:
            number = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
        except InvalidOperation as exc:
            raise ValidationError("Not a valid number.") from exc
        if not number.is_finite():
            raise ValidationError("Not a valid number.")
        if abs(number) > Decimal("1000000000"):
            raise ValidationError("Too large.")
        if number != number.quantize(QUANTUM):
            raise ValidationError("At most 3 decimal places.")
        if self.positive and number <= 0:
            raise ValidationError("Must be greater than 0.")
        if not self.allow_zero and number == 0:
            raise ValidationError("Must not be 0.")
        if number < 0 and (self.positive or self.metadata.get("non_negative")):
            raise ValidationError("Must be 0 or more.")
        if abs(number) > Decimal("1000000000"):
            raise ValidationError("Too large.")
        return number.quantize(QUANTUM)


def Money(**kw):  # noqa: N802 - reads like a field class
    kw.setdefault("validate", validate.Range(min=0, max=10**12))
    return fields.Integer(strict=True, **kw)


# --- products --------------------------------------------------------------------


class ProductCreateSchema(Schema):
    sku = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    barcode = fields.String(allow_none=True, validate=validate.Length(max=32))
    barcodes = fields.List(fields.String(validate=validate.Length(max=32)))
    unit = fields.String(validate=validate.OneOf(UNITS))
    price = Money(required=True)
    member_price = Money(allow_none=True)
    tax = fields.String(validate=validate.OneOf(TAX_CLASSES))
    supplier_id = fields.Integer(allow_none=True, strict=True)
    category = fields.String(allow_none=True, validate=validate.Length(max=80))
    category_id = fields.Integer(allow_none=True, strict=True)
    reorder_point = QuantityField(metadata={"non_negative": True})
    active = fields.Boolean()
    tracks_expiry = fields.Boolean()
    supplier_price = Money(allow_none=True)
    cost = Money(allow_none=True, metadata={"description": "opening average cost"})


class ProductUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    barcode = fields.String(validate=validate.Length(max=32))
    barcodes = fields.List(fields.String(validate=validate.Length(max=32)))
    unit = fields.String(validate=validate.OneOf(UNITS))
    price = Money()
    member_price = Money(allow_none=True)
    tax = fields.String(validate=validate.OneOf(TAX_CLASSES))
    supplier_id = fields.Integer(allow_none=True, strict=True)
    category = fields.String(allow_none=True, validate=validate.Length(max=80))
    category_id = fields.Integer(allow_none=True, strict=True)
    reorder_point = QuantityField(metadata={"non_negative": True})
    active = fields.Boolean()
    tracks_expiry = fields.Boolean()
    supplier_price = Money(allow_none=True)


class ProductSchema(Schema):
    id = fields.Integer()
    sku = fields.String()
    name = fields.String()
    barcode = fields.String(allow_none=True)
    barcodes = fields.Function(lambda p: [b.code for b in p.barcodes])
    category = fields.Function(lambda p: p.category.name if p.category else None)
    category_id = fields.Integer(allow_none=True)
    unit = fields.String()
    price = fields.Integer()
    member_price = fields.Integer(allow_none=True)
    tax = fields.String()
    supplier_id = fields.Integer(allow_none=True)
    consigned = fields.Boolean()
    reorder_point = QuantityField()
    active = fields.Boolean()
    tracks_expiry = fields.Boolean()
    avg_cost = fields.Integer()
    supplier_price = fields.Integer(allow_none=True)
    on_hand = QuantityField()


class ProductQuerySchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    q = fields.String()
    barcode = fields.String()
    supplier_id = fields.Integer()
    active = fields.Boolean()


class LookupSchema(Schema):
    product = fields.Nested(ProductSchema)
    quantity = QuantityField(allow_none=True)
    price = fields.Integer(allow_none=True)


class LookupQuerySchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=64))


# --- suppliers -------------------------------------------------------------------


def _percent(value):
    if value < 0 or value > 100:
        raise ValidationError("Must be between 0 and 100.")


class SupplierCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    terms = fields.String(required=True, validate=validate.OneOf(TERMS))
    commission_percent = fields.Decimal(
        places=2, validate=_percent, load_default=None, allow_none=True, as_string=False
    )
    member_no = fields.String(allow_none=True, validate=validate.Length(max=32))
    permit_no = fields.String(allow_none=True, validate=validate.Length(max=40))
    phone = fields.String(allow_none=True, validate=validate.Length(max=32))
    address = fields.String(allow_none=True, validate=validate.Length(max=250))
    bank_name = fields.String(allow_none=True, validate=validate.Length(max=60))
    bank_account_no = fields.String(allow_none=True, validate=validate.Length(max=40))
    bank_account_name = fields.String(allow_none=True, validate=validate.Length(max=120))
    umkm = fields.Boolean()
    active = fields.Boolean()


class SupplierUpdateSchema(SupplierCreateSchema):
    name = fields.String(validate=validate.Length(min=1, max=120))
    terms = fields.String(validate=validate.OneOf(TERMS))


class SupplierSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    terms = fields.String()
    commission_percent = fields.Function(lambda s: _number(s.commission_percent))
    member_no = fields.String(allow_none=True)
    permit_no = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    bank_name = fields.String(allow_none=True)
    bank_account_no = fields.String(allow_none=True)
    bank_account_name = fields.String(allow_none=True)
    umkm = fields.Boolean()
    active = fields.Boolean()


def _number(value):
    value = Decimal(value or 0)
    return int(value) if value == value.to_integral_value() else float(value)


class SupplierQuerySchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    terms = fields.String(validate=validate.OneOf(TERMS))


# --- receipts and returns --------------------------------------------------------


class ReceiptLineInSchema(Schema):
    product_id = fields.Integer(required=True, strict=True)
    quantity = QuantityField(required=True, positive=True)
    unit_cost = Money(allow_none=True)
    expiry_date = fields.Date(allow_none=True)
    batch = fields.String(allow_none=True, validate=validate.Length(max=40))


class GoodsReceiptCreateSchema(Schema):
    supplier_id = fields.Integer(required=True, strict=True)
    reference = fields.String(allow_none=True, validate=validate.Length(max=64))
    lines = fields.List(
        fields.Nested(ReceiptLineInSchema), required=True, validate=validate.Length(min=1, max=2000)
    )


class ReceiptLineSchema(Schema):
    product_id = fields.Integer()
    quantity = QuantityField()
    unit_cost = fields.Integer()
    expiry_date = fields.Date(allow_none=True)
    batch = fields.String(allow_none=True)


class GoodsReceiptSchema(Schema):
    id = fields.Integer()
    supplier_id = fields.Integer()
    terms = fields.String()
    reference = fields.String(allow_none=True)
    total_cost = fields.Integer()
    at = fields.DateTime()
    lines = fields.List(fields.Nested(ReceiptLineSchema))


class ReturnLineInSchema(Schema):
    product_id = fields.Integer(required=True, strict=True)
    quantity = QuantityField(required=True, positive=True)


class SupplierReturnCreateSchema(Schema):
    supplier_id = fields.Integer(required=True, strict=True)
    reason = fields.String(allow_none=True, validate=validate.Length(max=200))
    lines = fields.List(
        fields.Nested(ReturnLineInSchema), required=True, validate=validate.Length(min=1, max=2000)
    )


class ReturnLineSchema(Schema):
    product_id = fields.Integer()
    quantity = QuantityField()
    unit_cost = fields.Integer()


class SupplierReturnSchema(Schema):
    id = fields.Integer()
    supplier_id = fields.Integer()
    reason = fields.String(allow_none=True)
    total_cost = fields.Integer()
    at = fields.DateTime()
    lines = fields.List(fields.Nested(ReturnLineSchema))


class WriteOffSchema(Schema):
    product_id = fields.Integer(required=True, strict=True)
    quantity = QuantityField(required=True, positive=True)
    reason = fields.String(allow_none=True, validate=validate.Length(max=200))


# --- settlements -----------------------------------------------------------------


class SettlementCreateSchema(Schema):
    supplier_id = fields.Integer(required=True, strict=True)
    period_end = fields.Date(required=True)


class SettlementPaySchema(Schema):
    reference = fields.String(required=True, validate=validate.Length(min=1, max=120))


class SettlementLineSchema(Schema):
    product_id = fields.Integer()
    sku = fields.Function(lambda line: line.product.sku)
    name = fields.Function(lambda line: line.product.name)
    units_received = QuantityField()
    units_sold = QuantityField()
    units_returned = QuantityField()
    on_hand = QuantityField()
    sales_value = fields.Integer()
    commission = fields.Integer()
    payable = fields.Integer()


class SettlementSchema(Schema):
    id = fields.Integer()
    supplier_id = fields.Integer()
    supplier_name = fields.Function(lambda s: s.supplier.name)
    period_end = fields.Date()
    basis = fields.String()
    commission_percent = fields.Function(lambda s: _number(s.commission_percent))
    sales_value = fields.Integer()
    commission = fields.Integer()
    payable = fields.Integer()
    created_at = fields.DateTime()
    paid = fields.Function(lambda s: s.paid_at is not None)
    paid_at = fields.DateTime(allow_none=True)
    paid_reference = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(SettlementLineSchema))


class SettlementQuerySchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    supplier_id = fields.Integer()


# --- stock counts ----------------------------------------------------------------


class CountCreateSchema(Schema):
    note = fields.String(allow_none=True, validate=validate.Length(max=200))
    product_ids = fields.List(fields.Integer(strict=True), allow_none=True)


class CountLineInSchema(Schema):
    product_id = fields.Integer(strict=True, allow_none=True)
    barcode = fields.String(allow_none=True, validate=validate.Length(max=64))
    quantity = QuantityField(load_default=Decimal(1), metadata={"non_negative": True})
    mode = fields.String(load_default="add", validate=validate.OneOf(("add", "set")))

    @validates_schema
    def _one_of(self, data, **kwargs):
        if data.get("product_id") is None and not data.get("barcode"):
            raise ValidationError("Give product_id or barcode.", field_name="product_id")


class CountLineSchema(Schema):
    product_id = fields.Integer()
    sku = fields.String()
    name = fields.String()
    counted = QuantityField()
    ledger_at_count = QuantityField()
    difference = QuantityField()
    unit_cost = fields.Integer()
    value = fields.Integer()
    counted_at = fields.DateTime()


class CountSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    note = fields.String(allow_none=True)
    product_ids = fields.List(fields.Integer(), allow_none=True)
    created_at = fields.DateTime()
    posted_at = fields.DateTime(allow_none=True)
    lines = fields.List(fields.Nested(CountLineSchema))
    difference_value = fields.Integer()


# --- movements and reports -------------------------------------------------------


class MovementSchema(Schema):
    id = fields.Integer()
    product_id = fields.Integer()
    kind = fields.String()
    quantity = QuantityField()
    unit_cost = fields.Integer(allow_none=True)
    unit_price = fields.Integer(allow_none=True)
    owner = fields.String()
    supplier_id = fields.Integer(allow_none=True)
    ref_type = fields.String(allow_none=True)
    ref_id = fields.String(allow_none=True)
    user_id = fields.Integer(allow_none=True)
    at = fields.DateTime()
    expiry_date = fields.Date(allow_none=True)
    batch = fields.String(allow_none=True)
    settlement_id = fields.Integer(allow_none=True)


class MovementQuerySchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    product_id = fields.Integer()


class StockValueSchema(Schema):
    owned_at_cost = fields.Integer()
    consigned_at_supplier_price = fields.Integer()


class ReportSchema(Schema):
    """A report as JSON: ``items`` (one object per row, columns as keys) and ``total``
    (rows), with ``total_value`` for the valued reports."""

    items = fields.List(fields.Dict())
    total = fields.Integer()
    total_value = fields.Integer()
    days = fields.Integer()
    product_id = fields.Integer()
    date_from = fields.String(data_key="from")
    date_to = fields.String(data_key="to")


class ReportQuerySchema(Schema):
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))
    days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=3650))
    product_id = fields.Integer()
    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to")
