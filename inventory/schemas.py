"""Inventory: marshmallow schemas for every body.

Quantities travel as JSON numbers (``10``, ``1.25``), read exactly (never through a
float) and kept as 3-place ``Decimal``. Money is integer rupiah.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from inventory.models import TAX_CLASSES, TERMS, UNITS
from inventory.services import packs as packs_service
from mart.apiutil import PageArgs
from mart.fields import Money, Quantity

# --- products --------------------------------------------------------------------


class PackIn(Schema):
    """A pack of a product (issue 15); the service checks factor, barcode and prices."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=16))
    factor = fields.Integer(required=True, strict=True)
    barcode = fields.String(allow_none=True, validate=validate.Length(max=32))
    price = Money(required=True)
    member_price = Money(allow_none=True)
    cost = Money(allow_none=True)


class TierIn(Schema):
    """A quantity price (harga grosir): from ``min_quantity`` base units on a line."""

    min_quantity = Quantity(required=True, positive=True)
    price = Money(required=True)
    members_only = fields.Boolean(load_default=False)


class PackOut(Schema):
    name = fields.String()
    factor = fields.Integer()
    barcode = fields.String(allow_none=True)
    price = fields.Integer()
    member_price = fields.Integer(allow_none=True)
    cost = fields.Integer(allow_none=True)


class TierOut(Schema):
    min_quantity = Quantity()
    price = fields.Integer()
    members_only = fields.Boolean()


_PACKS = fields.List(fields.Nested(PackIn), validate=validate.Length(max=10))
_TIERS = fields.List(fields.Nested(TierIn), validate=validate.Length(max=10))


class ProductCreateSchema(Schema):
    sku = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    barcode = fields.String(allow_none=True, validate=validate.Length(max=32))
    barcodes = fields.List(
        fields.String(validate=validate.Length(max=32)), validate=validate.Length(max=50)
    )
    unit = fields.String(validate=validate.OneOf(UNITS))
    price = Money(required=True)
    member_price = Money(allow_none=True)
    tax = fields.String(validate=validate.OneOf(TAX_CLASSES))
    supplier_id = fields.Integer(allow_none=True, strict=True)
    category = fields.String(allow_none=True, validate=validate.Length(max=80))
    category_id = fields.Integer(allow_none=True, strict=True)
    reorder_point = Quantity(non_negative=True)
    active = fields.Boolean()
    tracks_expiry = fields.Boolean()
    supplier_price = Money(allow_none=True)
    cost = Money(allow_none=True, metadata={"description": "opening average cost"})
    packs = _PACKS
    tiers = _TIERS


class ProductUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    barcode = fields.String(validate=validate.Length(max=32))
    barcodes = fields.List(
        fields.String(validate=validate.Length(max=32)), validate=validate.Length(max=50)
    )
    unit = fields.String(validate=validate.OneOf(UNITS))
    price = Money()
    member_price = Money(allow_none=True)
    tax = fields.String(validate=validate.OneOf(TAX_CLASSES))
    supplier_id = fields.Integer(allow_none=True, strict=True)
    category = fields.String(allow_none=True, validate=validate.Length(max=80))
    category_id = fields.Integer(allow_none=True, strict=True)
    reorder_point = Quantity(non_negative=True)
    active = fields.Boolean()
    tracks_expiry = fields.Boolean()
    supplier_price = Money(allow_none=True)
    packs = _PACKS
    tiers = _TIERS


class ProductOut(Schema):
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
    reorder_point = Quantity()
    active = fields.Boolean()
    tracks_expiry = fields.Boolean()
    avg_cost = fields.Integer()
    supplier_price = fields.Integer(allow_none=True)
    on_hand = Quantity()
    packs = fields.List(fields.Nested(PackOut))
    tiers = fields.Function(lambda p: [TierOut().dump(t) for t in packs_service.tiers_out(p)])


class ProductArgs(PageArgs):
    q = fields.String()
    barcode = fields.String()
    supplier_id = fields.Integer()
    active = fields.Boolean()


class LookupOut(Schema):
    product = fields.Nested(ProductOut)
    quantity = Quantity(allow_none=True)
    price = fields.Integer(allow_none=True)


class LookupArgs(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=64))


# --- suppliers -------------------------------------------------------------------


class Percent(fields.Decimal):
    """An exact percent with at most 2 places, 0 to 100, written as a JSON number (so
    the OpenAPI bounds, which apispec renders through the field, are numbers too)."""

    def __init__(self, **kw):
        kw.setdefault("validate", validate.Range(min=0, max=100))
        super().__init__(places=2, as_string=False, **kw)

    def _serialize(self, value, attr, obj, **kwargs):
        value = super()._serialize(value, attr, obj, **kwargs)
        return None if value is None else _number(value)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int | float | str) and not isinstance(value, bool):
            try:
                number = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
                too_fine = number.is_finite() and number != number.quantize(Decimal("0.01"))
            except InvalidOperation:
                too_fine = False  # not a number, or huge: the Decimal field says so
            if too_fine:
                raise ValidationError("At most 2 decimal places.")
        return super()._deserialize(value, attr, data, **kwargs)


class SupplierCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    terms = fields.String(required=True, validate=validate.OneOf(TERMS))
    commission_percent = Percent(load_default=None, allow_none=True)
    member_no = fields.String(allow_none=True, validate=validate.Length(max=32))
    permit_no = fields.String(allow_none=True, validate=validate.Length(max=40))
    phone = fields.String(allow_none=True, validate=validate.Length(max=32))
    address = fields.String(allow_none=True, validate=validate.Length(max=250))
    bank_name = fields.String(allow_none=True, validate=validate.Length(max=60))
    bank_account_no = fields.String(allow_none=True, validate=validate.Length(max=40))
    bank_account_name = fields.String(allow_none=True, validate=validate.Length(max=120))
    umkm = fields.Boolean()
    active = fields.Boolean()
    lead_time_days = fields.Integer(allow_none=True, strict=True, validate=validate.Range(0, 365))


class SupplierUpdateSchema(SupplierCreateSchema):
    """Only the fields sent change: no defaults here (an empty body changes nothing)."""

    name = fields.String(validate=validate.Length(min=1, max=120))
    terms = fields.String(validate=validate.OneOf(TERMS))
    commission_percent = Percent()


class SupplierOut(Schema):
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
    lead_time_days = fields.Integer(allow_none=True)


def _number(value):
    value = Decimal(value or 0)
    return int(value) if value == value.to_integral_value() else float(value)


class SupplierArgs(PageArgs):
    terms = fields.String(validate=validate.OneOf(TERMS))


# --- receipts and returns --------------------------------------------------------


class ReceiptLineIn(Schema):
    product_id = fields.Integer(required=True, strict=True)
    quantity = Quantity(required=True, positive=True)
    unit_cost = Money(allow_none=True)
    expiry_date = fields.Date(allow_none=True)
    batch = fields.String(allow_none=True, validate=validate.Length(max=40))
    # issue 15: the line in packs (a pack's name): ``quantity`` packs, ``unit_cost`` per pack
    pack = fields.String(allow_none=True, validate=validate.Length(max=16))


class GoodsReceiptIn(Schema):
    supplier_id = fields.Integer(required=True, strict=True)
    reference = fields.String(allow_none=True, validate=validate.Length(max=64))
    purchase_order_id = fields.Integer(allow_none=True, strict=True)
    lines = fields.List(
        fields.Nested(ReceiptLineIn), required=True, validate=validate.Length(min=1, max=2000)
    )


class ReceiptLineOut(Schema):
    product_id = fields.Integer()
    quantity = Quantity()
    unit_cost = fields.Integer()
    expiry_date = fields.Date(allow_none=True)
    batch = fields.String(allow_none=True)


class LateCostOut(Schema):
    product_id = fields.Integer()
    quantity = Quantity()
    unit_cost = fields.Integer()
    amount = fields.Integer()


class GoodsReceiptOut(Schema):
    id = fields.Integer()
    supplier_id = fields.Integer()
    terms = fields.String()
    reference = fields.String(allow_none=True)
    total_cost = fields.Integer()
    at = fields.DateTime()
    purchase_order_id = fields.Integer(allow_none=True)
    lines = fields.List(fields.Nested(ReceiptLineOut))
    late_costs = fields.List(
        fields.Nested(LateCostOut),
        metadata={"description": "cost of units sold before any cost was known"},
    )


class CostOfGoodsArgs(Schema):
    date_from = fields.Date(
        data_key="from",
        required=True,
        validate=validate.Range(min=date(2000, 1, 1), max=date(2999, 12, 31)),
    )
    date_to = fields.Date(
        data_key="to",
        required=True,
        validate=validate.Range(min=date(2000, 1, 1), max=date(2999, 12, 31)),
    )


class CostOfGoodsOut(Schema):
    sold_at_cost = fields.Integer()
    late_costs = fields.Integer()
    total = fields.Integer()


class ReturnLineIn(Schema):
    product_id = fields.Integer(required=True, strict=True)
    quantity = Quantity(required=True, positive=True)


class SupplierReturnIn(Schema):
    supplier_id = fields.Integer(required=True, strict=True)
    reason = fields.String(allow_none=True, validate=validate.Length(max=200))
    lines = fields.List(
        fields.Nested(ReturnLineIn), required=True, validate=validate.Length(min=1, max=2000)
    )


class ReturnLineOut(Schema):
    product_id = fields.Integer()
    quantity = Quantity()
    unit_cost = fields.Integer()


class SupplierReturnOut(Schema):
    id = fields.Integer()
    supplier_id = fields.Integer()
    reason = fields.String(allow_none=True)
    total_cost = fields.Integer()
    at = fields.DateTime()
    lines = fields.List(fields.Nested(ReturnLineOut))


class WriteOffIn(Schema):
    product_id = fields.Integer(required=True, strict=True)
    quantity = Quantity(required=True, positive=True)
    reason = fields.String(allow_none=True, validate=validate.Length(max=200))


# --- settlements -----------------------------------------------------------------


class SettlementIn(Schema):
    supplier_id = fields.Integer(required=True, strict=True)
    period_end = fields.Date(required=True)


class SettlementPayIn(Schema):
    reference = fields.String(required=True, validate=validate.Length(min=1, max=120))


class SettlementLineOut(Schema):
    product_id = fields.Integer()
    sku = fields.Function(lambda line: line.product.sku)
    name = fields.Function(lambda line: line.product.name)
    units_received = Quantity()
    units_sold = Quantity()
    units_returned = Quantity()
    on_hand = Quantity()
    sales_value = fields.Integer()
    commission = fields.Integer()
    payable = fields.Integer()


class SettlementOut(Schema):
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
    lines = fields.List(fields.Nested(SettlementLineOut))


class SettlementArgs(PageArgs):
    supplier_id = fields.Integer()


# --- stock counts ----------------------------------------------------------------


class CountIn(Schema):
    note = fields.String(allow_none=True, validate=validate.Length(max=200))
    product_ids = fields.List(
        fields.Integer(strict=True), allow_none=True, validate=validate.Length(max=100_000)
    )


class CountLineIn(Schema):
    product_id = fields.Integer(strict=True, allow_none=True)
    barcode = fields.String(allow_none=True, validate=validate.Length(max=64))
    quantity = Quantity(load_default=Decimal(1), non_negative=True)
    mode = fields.String(load_default="add", validate=validate.OneOf(("add", "set")))

    @validates_schema
    def _one_of(self, data, **kwargs):
        if data.get("product_id") is None and not data.get("barcode"):
            raise ValidationError("Give product_id or barcode.", field_name="product_id")


class CountLineOut(Schema):
    product_id = fields.Integer()
    sku = fields.String()
    name = fields.String()
    counted = Quantity()
    ledger_at_count = Quantity()
    difference = Quantity()
    unit_cost = fields.Integer()
    value = fields.Integer()
    counted_at = fields.DateTime()


class CountOut(Schema):
    id = fields.Integer()
    status = fields.String()
    note = fields.String(allow_none=True)
    product_ids = fields.List(fields.Integer(), allow_none=True)
    created_at = fields.DateTime()
    posted_at = fields.DateTime(allow_none=True)
    lines = fields.List(fields.Nested(CountLineOut))
    difference_value = fields.Integer()


# --- movements and reports -------------------------------------------------------


class MovementOut(Schema):
    id = fields.Integer()
    product_id = fields.Integer()
    kind = fields.String()
    quantity = Quantity()
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


class MovementArgs(PageArgs):
    product_id = fields.Integer()


class StockValueOut(Schema):
    owned_at_cost = fields.Integer()
    consigned_at_supplier_price = fields.Integer()


class ReportOut(Schema):
    """A report as JSON: ``items`` (one object per row, columns as keys) and ``total``
    (rows), with ``total_value`` for the valued reports."""

    items = fields.List(fields.Dict())
    total = fields.Integer()
    total_value = fields.Integer()
    days = fields.Integer()
    product_id = fields.Integer()
    date_from = fields.String(data_key="from")
    date_to = fields.String(data_key="to")


class ReportArgs(Schema):
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))
    days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=3650))
    product_id = fields.Integer()
    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to")
