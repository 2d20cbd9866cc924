"""Helpers shared by the domain APIs: pagination as API.md wants it."""

import sqlalchemy as sa
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
