"""Helpers shared by the domain APIs: pagination as API.md wants it; large JSON."""

from decimal import Decimal

import orjson
import sqlalchemy as sa
from flask import Response
from marshmallow import Schema, fields, validate

from mart.extensions import db


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


def page_of(stmt, args) -> dict:
    """Run a ``select`` of one entity for one page: ``{"items": [...], "total": N}``."""
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
    )
    page, per_page = args.get("page", 1), args.get("per_page", 50)
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": items, "total": total}


def page_schema(item_schema, name=None):
    """A schema for ``{"items": [...], "total": N}`` of ``item_schema``."""
    return Schema.from_dict(
        {"items": fields.List(fields.Nested(item_schema)), "total": fields.Integer()},
        name=name or f"{item_schema.__name__.removesuffix('Schema')}Page",
    )


def _json_default(value):
    if isinstance(value, Decimal):
        return str(value)  # as Flask's own JSON provider writes a Decimal
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def large_json(data) -> Response:
    """``data`` as a JSON response, for the answers of many rows (the hub's summary of
    7,300 branches is 6 MB) or of many fields (a sale's, some 300): written by orjson,
    with the keys sorted as ``jsonify`` sorts them and dates as ISO text.
    ``json.dumps`` took 130-160 ms of the hub's answer, orjson about a tenth of that.
    Non-ASCII text is written as UTF-8, not escaped; the JSON is the same."""
    body = orjson.dumps(data, default=_json_default, option=orjson.OPT_SORT_KEYS)
    return Response(body, mimetype="application/json")
