"""Promotions (issue 15): the API under /api/v1/promotions (docs/API.md, "Promotions").

Managers create, change and end promotions; the counter reads the running ones. The
rules are ``pos.services.promotions``'s; a wrong field is a 422 naming it and
nothing is written.
"""

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from mart.apiutil import PageArgs, page_of, page_schema
from mart.auth import roles_required
from mart.extensions import db
from pos.services import promotion_report
from pos.services import promotions as service

blp = Blueprint("pos_promotions_api", __name__, description="Promotions")

KINDS = ("percent", "buy_get", "bundle")
ID = validate.Range(min=1, max=2**31 - 1)


class MomentField(fields.Field):
    """A date (``2025-10-08``: from the start of that business day, or to its end) or
    an ISO date-time; checked by the service (422 naming the field)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        return value

    default_error_messages = {"invalid": "Not a valid date or time."}


class PromotionIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    starts = MomentField(required=True)
    ends = MomentField(required=True)
    percent = fields.Decimal(allow_none=True, places=None)
    product_ids = fields.List(
        fields.Integer(strict=True, validate=ID), validate=validate.Length(max=200)
    )
    product_id = fields.Integer(strict=True, allow_none=True, validate=ID)
    category_id = fields.Integer(strict=True, allow_none=True, validate=ID)
    category = fields.Raw(allow_none=True)  # the contract's: a category's id or name
    buy = fields.Integer(strict=True, allow_none=True, validate=validate.Range(max=10_000))
    get = fields.Integer(strict=True, allow_none=True, validate=validate.Range(max=10_000))
    price = fields.Integer(strict=True, allow_none=True, validate=validate.Range(max=10**12))
    members_only = fields.Boolean()
    stackable = fields.Boolean()
    active = fields.Boolean()


class PromotionPatchIn(PromotionIn):
    name = fields.String(validate=validate.Length(min=1, max=120))
    kind = fields.String(validate=validate.OneOf(KINDS))
    starts = MomentField()
    ends = MomentField()


class PromotionEndIn(Schema):
    confirm = fields.Boolean(load_default=False)


class PromotionOut(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    percent = fields.Function(lambda p: None if p.percent is None else float(p.percent))
    buy = fields.Integer(attribute="buy_qty", allow_none=True)
    get = fields.Integer(attribute="get_qty", allow_none=True)
    price = fields.Integer(attribute="bundle_price", allow_none=True)
    product_ids = fields.List(fields.Integer())
    product_id = fields.Function(
        lambda p: (p.product_ids or [None])[0] if p.kind == "buy_get" else None
    )
    category_id = fields.Integer(allow_none=True)
    members_only = fields.Boolean()
    stackable = fields.Boolean()
    active = fields.Boolean()
    starts = fields.DateTime(attribute="starts_at")
    ends = fields.DateTime(attribute="ends_at")
    status = fields.Function(lambda p: service.status(p))


class PromotionListArgs(PageArgs):
    state = fields.String(validate=validate.OneOf(("running", "upcoming", "ended")))


class ReportArgs(Schema):
    start = fields.Date(load_default=None)
    end = fields.Date(load_default=None)


class ReportRowOut(Schema):
    promotion_id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    status = fields.String()
    sales = fields.Integer()
    units = fields.String()
    discount = fields.Integer()
    revenue = fields.Integer()
    cost = fields.Integer()
    margin = fields.Integer()


@blp.route("/promotions", methods=["POST"])
@roles_required("manager")
@blp.arguments(PromotionIn)
@blp.response(201, PromotionOut)
def create_promotion(data):
    promo = service.create_promotion(data, current_user)
    db.session.commit()
    service.forget()  # after the commit: a sale in between read the old ones
    return promo


@blp.route("/promotions", methods=["GET"])
@roles_required("cashier", "manager")
@blp.arguments(PromotionListArgs, location="query")
@blp.response(200, page_schema(PromotionOut))
def list_promotions(args):
    return page_of(service.list_promotions(state=args.get("state")), args)


@blp.route("/promotions/<int:promotion_id>", methods=["GET"])
@roles_required("cashier", "manager")
@blp.response(200, PromotionOut)
def get_promotion(promotion_id):
    return service.get_promotion(promotion_id)


@blp.route("/promotions/<int:promotion_id>", methods=["PATCH"])
@roles_required("manager")
@blp.arguments(PromotionPatchIn)
@blp.response(200, PromotionOut)
def update_promotion(data, promotion_id):
    promo = service.update_promotion(promotion_id, data, current_user)
    db.session.commit()
    service.forget()  # after the commit: a sale in between read the old ones
    return promo


@blp.route("/promotions/<int:promotion_id>/end", methods=["POST"])
@roles_required("manager")
@blp.arguments(PromotionEndIn)
@blp.response(200, PromotionOut)
def end_promotion(data, promotion_id):
    promo = service.end_promotion(promotion_id, current_user, confirm=data["confirm"])
    db.session.commit()
    service.forget()  # after the commit: a sale in between read the old ones
    return promo


class CounterPromotionOut(Schema):
    """A promotion as the cashier screen prices it (pos/static/counter/promotions.js):
    its products resolved (a category's too), the percentage in hundredths."""

    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    percent = fields.Function(lambda p: int(p.percent * 100))  # hundredths: 12,5% is 1250
    buy = fields.Integer()
    get = fields.Integer()
    price = fields.Integer()
    products = fields.List(fields.Integer())
    members_only = fields.Boolean()
    stackable = fields.Boolean()
    starts = fields.DateTime(attribute="starts_at")
    ends = fields.DateTime(attribute="ends_at")


@blp.route("/promotions/counter", methods=["GET"])
@roles_required("cashier", "manager")
@blp.response(200, CounterPromotionOut(many=True))
def counter_promotions():
    """The promotions running or starting soon, for the cashier screen (it keeps them
    for offline use and checks their times itself)."""
    return service.for_counter()


@blp.route("/promotions/report", methods=["GET"])
@roles_required("manager")
@blp.arguments(ReportArgs, location="query")
@blp.response(200, ReportRowOut(many=True))
def promotions_report(args):
    """Each promotion's sales, units, discount given, revenue, cost and margin (the
    CSV: the manager's page /pos/promotions/report.csv)."""
    return promotion_report.report(args.get("start"), args.get("end"))
