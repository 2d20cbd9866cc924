"""Schemas of the purchase order and shelf label endpoints (see inventory.retail_api)."""

from marshmallow import Schema, fields, validate

from mart.apiutil import PageArgs
from mart.fields import Money, Quantity

PO_STATUSES = ("open", "partial", "received", "closed")


class OrderLineIn(Schema):
    product_id = fields.Integer(required=True, strict=True)
    quantity = Quantity(required=True, positive=True)
    unit_cost = Money(allow_none=True)


class OrderIn(Schema):
    supplier_id = fields.Integer(required=True, strict=True)
    note = fields.String(allow_none=True, validate=validate.Length(max=200))
    lines = fields.List(
        fields.Nested(OrderLineIn), required=True, validate=validate.Length(min=1, max=2000)
    )


class OrderLineOut(Schema):
    product_id = fields.Integer()
    sku = fields.String()
    name = fields.String()
    unit = fields.String()
    quantity = Quantity()
    received = Quantity()
    outstanding = Quantity()
    unit_cost = fields.Integer(allow_none=True)


class OrderOut(Schema):
    id = fields.Integer()
    supplier_id = fields.Integer()
    supplier_name = fields.String()
    status = fields.String()
    note = fields.String(allow_none=True)
    created_at = fields.DateTime()
    expected_on = fields.Date(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    total = fields.Integer()
    lines = fields.List(fields.Nested(OrderLineOut))


class OrderPageOut(Schema):
    items = fields.List(fields.Nested(OrderOut))
    total = fields.Integer()


class OrderArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(PO_STATUSES))
    supplier_id = fields.Integer()


class SuggestionArgs(Schema):
    supplier_id = fields.Integer(required=True)
    weeks = fields.Integer(validate=validate.Range(4, 8))


class SuggestionOut(Schema):
    product_id = fields.Integer()
    sku = fields.String()
    name = fields.String()
    unit = fields.String()
    sold = Quantity()
    daily = Quantity()
    on_hand = Quantity()
    on_order = Quantity()
    reorder_point = Quantity()
    suggested = Quantity()
    unit_cost = fields.Integer(allow_none=True)


class SuggestionsOut(Schema):
    supplier_id = fields.Integer()
    supplier_name = fields.String()
    weeks = fields.Integer()
    lead_time_days = fields.Integer()
    cover_days = fields.Integer()
    items = fields.List(fields.Nested(SuggestionOut))


class DeliveryArgs(Schema):
    start = fields.Date(data_key="from")
    end = fields.Date(data_key="to")


class DeliveryRowOut(Schema):
    supplier_id = fields.Integer()
    supplier_name = fields.String()
    orders = fields.Integer()
    ordered = Quantity()
    received = Quantity()
    fill_rate = fields.Decimal(as_string=True)
    short_orders = fields.Integer()
    late_orders = fields.Integer()


class DeliveryReportOut(Schema):
    items = fields.List(fields.Nested(DeliveryRowOut))


class PrintIn(Schema):
    printer_id = fields.Integer(allow_none=True, strict=True)


class PrintedOut(Schema):
    job_id = fields.Integer()
    labels = fields.Integer()


class PriceChangeOut(Schema):
    id = fields.Integer()
    product_id = fields.Integer()
    at = fields.DateTime()
    user_id = fields.Integer(allow_none=True)
    username = fields.String(allow_none=True)
    old_price = fields.Integer(allow_none=True)
    new_price = fields.Integer(allow_none=True)
    old_member_price = fields.Integer(allow_none=True)
    new_member_price = fields.Integer(allow_none=True)
    source = fields.String()


class PriceHistoryOut(Schema):
    items = fields.List(fields.Nested(PriceChangeOut))


class LabelAddIn(Schema):
    code = fields.String(validate=validate.Length(min=1, max=64))
    product_id = fields.Integer(strict=True)
    copies = fields.Integer(strict=True)


class LabelItemOut(Schema):
    product_id = fields.Integer()
    sku = fields.Function(lambda i: i.product.sku)
    name = fields.Function(lambda i: i.product.name)
    price = fields.Function(lambda i: i.product.price)
    member_price = fields.Function(lambda i: i.product.member_price)
    barcode = fields.Function(lambda i: i.product.barcode)
    copies = fields.Integer()
    added_at = fields.DateTime()


class LabelQueueOut(Schema):
    items = fields.List(fields.Nested(LabelItemOut))
    total = fields.Integer()
