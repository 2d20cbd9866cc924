"""The catalogue as the cashier screen keeps it offline: every product with its codes,
changed since a point, in pages (``GET /api/v1/pos/catalogue``).

A page is ordered by ``(updated_at, id)`` and the next page starts after its last
row (a keyset, so a product changed meanwhile moves to the end and still comes).
``updated_at`` moves with every change of the product row, its stock included (each
sale), and with a change of its barcodes (``inventory.services.update_product``).
There is no index on ``updated_at`` on purpose: each sale updates the products it
sells, and an index there would slow every sale; a page reads the table once
(50,000 products: a few milliseconds), and a register asks every few minutes.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from inventory.models import Barcode, Product, ProductPack
from mart.extensions import db

PAGE_MAX = 5000

_P = Product.__table__
_COLUMNS = (
    _P.c.id,
    _P.c.sku,
    _P.c.name,
    _P.c.unit,
    _P.c.price,
    _P.c.member_price,
    _P.c.active,
    _P.c.updated_at,
    _P.c.price_tiers,
)


@dataclass
class CataloguePage:
    # (id, sku, name, unit, price, member_price, active, [codes], [packs], [tiers])
    rows: list
    next_since: datetime | None  # the cursor after the last row (None: empty page)
    next_after: int | None
    complete: bool  # fewer rows than asked: nothing more changed (for now)


def changes(since: datetime | None, after: int = 0, limit: int = PAGE_MAX) -> CataloguePage:
    """Products changed at or after ``since`` (every product when None), after the
    product ``after`` within the same ``updated_at``; at most ``limit`` of them."""
    limit = max(1, min(int(limit), PAGE_MAX))
    stmt = sa.select(*_COLUMNS).order_by(_P.c.updated_at, _P.c.id).limit(limit)
    if since is not None:
        stmt = stmt.where(
            sa.or_(
                _P.c.updated_at > since,
                sa.and_(_P.c.updated_at == since, _P.c.id > after),
            )
        )
    found = db.session.execute(stmt).all()
    codes: dict[int, list[str]] = {}
    if found:
        barcodes = Barcode.__table__
        ids = [row.id for row in found]
        for product_id, code in db.session.execute(
            sa.select(barcodes.c.product_id, barcodes.c.code).where(barcodes.c.product_id.in_(ids))
        ):
            codes.setdefault(product_id, []).append(code)
    packs = catalogue_packs([row.id for row in found]) if found else {}
    rows = [
        [
            r.id,
            r.sku,
            r.name,
            r.unit,
            r.price,
            r.member_price,
            bool(r.active),
            codes.get(r.id, []),
            packs.get(r.id, []),
            r.price_tiers or [],
        ]
        for r in found
    ]
    last = found[-1] if found else None
    return CataloguePage(
        rows=rows,
        next_since=last.updated_at if last else since,
        next_after=last.id if last else after,
        complete=len(found) < limit,
    )


def catalogue_packs(ids) -> dict[int, list[dict]]:
    """The packs of products ``ids`` as the screen keeps them (issue 15), one statement."""
    packs: dict[int, list[dict]] = {}
    t = ProductPack.__table__
    stmt = (
        sa.select(t.c.product_id, t.c.name, t.c.factor, t.c.barcode, t.c.price, t.c.member_price)
        .where(t.c.product_id.in_(ids))
        .order_by(t.c.product_id, t.c.factor)
    )
    for row in db.session.execute(stmt):
        packs.setdefault(row.product_id, []).append(
            {
                "name": row.name,
                "factor": row.factor,
                "barcode": row.barcode,
                "price": row.price,
                "member_price": row.member_price,
            }
        )
    return packs
