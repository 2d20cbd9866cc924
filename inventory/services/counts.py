"""Stock counts (stock opname): open, enter shelf by shelf, post the differences."""

import sqlalchemy as sa
from flask_babel import gettext as _

from books import events as books_events
from inventory import books as stock_books
from inventory.models import Product, StockCount, StockCountLine
from inventory.services.base import _money, _user, _user_id
from inventory.services.ledger import _owner_of, add_movement
from inventory.services.products import get_product, lookup_code
from mart import audit, clock
from mart.db import quantity, utcnow
from mart.errors import Conflict, InvalidInput, NotFound
from mart.extensions import db

# --- stock counts (stock opname) -------------------------------------------------


def open_count(data, user=None) -> StockCount:
    ids = data.get("product_ids")
    if ids:
        known = set(db.session.scalars(sa.select(Product.id).where(Product.id.in_(ids))).all())
        for i, pid in enumerate(ids):
            if pid not in known:
                raise InvalidInput(_("Unknown product."), field=f"product_ids.{i}")
    count = StockCount(note=data.get("note"), product_ids=ids or None, user_id=_user_id(user))
    db.session.add(count)
    db.session.flush()
    return count


def get_count(count_id) -> StockCount:
    count = db.session.get(StockCount, count_id)
    if count is None:
        raise NotFound(_("Unknown stock count."))
    return count


def enter_count(count_id, data, user=None) -> StockCountLine:
    """Enter a counted quantity (``mode`` ``add``: one more shelf, the default, or
    ``set``). The ledger at this moment is kept with it: movements after the count
    are not part of the difference. Raises ``Conflict`` once posted."""
    count = db.session.get(StockCount, count_id, with_for_update=True)
    if count is None:
        raise NotFound(_("Unknown stock count."))
    if count.status != "open":
        raise Conflict(_("This stock count is already posted."))
    if data.get("product_id") is not None:
        try:
            product = get_product(data["product_id"])
        except NotFound as exc:
            raise InvalidInput(_("Unknown product."), field="product_id") from exc
    elif data.get("barcode"):
        try:
            product = lookup_code(data["barcode"]).product
        except (NotFound, Conflict) as exc:
            raise InvalidInput(_("Unknown code."), field="barcode") from exc
    else:
        raise InvalidInput(_("Give product_id or barcode."), field="product_id")
    if count.product_ids and product.id not in count.product_ids:
        raise InvalidInput(_("This product is not part of this count."), field="product_id")
    qty = quantity(data.get("quantity", 1))
    if qty < 0:
        raise InvalidInput(_("Must be 0 or more."), field="quantity")
    mode = data.get("mode") or "add"
    line = db.session.scalar(
        sa.select(StockCountLine).where(
            StockCountLine.count_id == count.id, StockCountLine.product_id == product.id
        )
    )
    db.session.refresh(product, ["on_hand", "avg_cost"])
    if line is None:
        line = StockCountLine(
            count_id=count.id,
            product_id=product.id,
            counted=qty,
            ledger_at_count=product.on_hand,
            user_id=_user_id(user),
        )
        db.session.add(line)
    else:
        # The shelf counted now adds to the ones before; the ledger is taken again, so
        # a sale between two shelves is accounted as of the last entry.
        line.counted = qty if mode == "set" else line.counted + qty
        line.ledger_at_count = product.on_hand
        line.counted_at = utcnow()
        line.user_id = _user_id(user)
    line.unit_cost = _unit_value(product)
    db.session.flush()
    return line


def _unit_value(product):
    return (product.supplier_price or 0) if product.consigned else product.avg_cost


def count_summary(count: StockCount) -> dict:
    lines = []
    total_value = 0
    for line in count.lines:
        diff = line.counted - line.ledger_at_count
        unit = line.unit_cost if line.unit_cost is not None else _unit_value(line.product)
        value = _money(diff * unit)
        total_value += value
        lines.append(
            {
                "product_id": line.product_id,
                "sku": line.product.sku,
                "name": line.product.name,
                "counted": line.counted,
                "ledger_at_count": line.ledger_at_count,
                "difference": diff,
                "unit_cost": unit,
                "value": value,
                "counted_at": line.counted_at,
            }
        )
    return {
        "id": count.id,
        "status": count.status,
        "note": count.note,
        "product_ids": count.product_ids,
        "created_at": count.created_at,
        "posted_at": count.posted_at,
        "lines": lines,
        "difference_value": total_value,
    }


def post_count(count_id, user=None) -> StockCount:
    """Post the differences as count adjustments. Raises ``Conflict`` if posted."""
    count = db.session.get(StockCount, count_id, with_for_update=True)
    if count is None:
        raise NotFound(_("Unknown stock count."))
    # Claim the count atomically: a second post (even racing) finds it posted.
    claimed = db.session.execute(
        sa.update(StockCount.__table__)
        .where(StockCount.__table__.c.id == count.id, StockCount.__table__.c.status == "open")
        .values(status="posted", posted_at=utcnow())
    ).rowcount
    if claimed != 1:
        raise Conflict(_("This stock count is already posted."))
    db.session.refresh(count)
    stock_before = stock_books.owned_values([line.product_id for line in count.lines], lock=True)
    for line in count.lines:
        diff = line.counted - line.ledger_at_count
        if diff == 0:
            continue
        product = line.product
        owner, supplier_id = _owner_of(product)
        add_movement(
            product,
            "count_adjustment",
            diff,
            unit_cost=line.unit_cost if line.unit_cost is not None else _unit_value(product),
            owner=owner,
            supplier_id=supplier_id,
            ref_type="stock_count",
            ref_id=count.id,
            user=user,
        )
    audit.record("stock_count.post", count, after=None, user=_user(user))
    db.session.flush()
    stock_after = stock_books.owned_values(stock_before)
    books_events.stock_difference(
        clock.business_date(),
        source_type="stock_count",
        source_id=count.id,
        value=stock_books.values_of(stock_after) - stock_books.values_of(stock_before),
        memo=f"Selisih stock opname #{count.id}",
        user=_user(user),
    )
    return count
