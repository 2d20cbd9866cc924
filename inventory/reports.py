"""Stock reports: each returns ``(columns, rows)`` for the page, the JSON and the CSV."""

import io
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from inventory.models import Product, StockMovement, Supplier
from inventory.services.base import _money, from_raw, raw
from inventory.services.figures import _consigned_condition, owned_condition
from mart import csvsafe
from mart.db import utcnow
from mart.extensions import db

REPORTS = (
    "stock-on-hand",
    "consigned-stock",
    "below-reorder",
    "near-expiry",
    "negative-stock",
    "movements",
    "sell-through",
)


def _product_rows(where, order=(Product.sku,), supplier_id=None):
    pt = Product.__table__
    st = Supplier.__table__
    stmt = (
        sa.select(
            pt.c.id,
            pt.c.sku,
            pt.c.name,
            pt.c.unit,
            raw(pt.c.on_hand),
            pt.c.avg_cost,
            pt.c.supplier_price,
            raw(pt.c.reorder_point),
            st.c.name,
        )
        .select_from(pt.outerjoin(st, st.c.id == pt.c.supplier_id))
        .where(*where)
        .order_by(*order)
    )
    if supplier_id is not None:
        stmt = stmt.where(pt.c.supplier_id == supplier_id)
    return db.session.connection().execute(stmt).all()  # Core rows: no ORM overhead


def stock_on_hand(supplier_id=None):
    """The mart's own stock with its value at moving average cost (positive on-hand)."""
    columns = ["product_id", "sku", "name", "unit", "on_hand", "avg_cost", "value"]
    rows = []
    total = 0
    for pid, sku, name, unit, on_hand, avg, _sp, _rp, _sup in _product_rows(
        [Product.on_hand > 0, owned_condition()], supplier_id=supplier_id
    ):
        value = (int(on_hand) * avg + 500) // 1000  # half up; on_hand > 0
        total += value
        rows.append([pid, sku, name, unit, from_raw(on_hand), avg, value])
    return columns, rows, {"total_value": total}


def consigned_stock(supplier_id=None):
    """Stock owned by consignment suppliers, valued at the supplier price."""
    columns = [
        "product_id",
        "sku",
        "name",
        "supplier",
        "unit",
        "on_hand",
        "supplier_price",
        "value",
    ]
    rows = []
    total = 0
    for pid, sku, name, unit, on_hand, _avg, sp, _rp, sup in _product_rows(
        [Product.on_hand > 0, _consigned_condition()], supplier_id=supplier_id
    ):
        value = (int(on_hand) * (sp or 0) + 500) // 1000
        total += value
        rows.append([pid, sku, name, sup, unit, from_raw(on_hand), sp or 0, value])
    return columns, rows, {"total_value": total}


def below_reorder(supplier_id=None):
    columns = ["product_id", "sku", "name", "supplier", "on_hand", "reorder_point"]
    rows = [
        [pid, sku, name, sup, from_raw(on_hand), from_raw(rp)]
        for pid, sku, name, _u, on_hand, _a, _sp, rp, sup in _product_rows(
            [
                Product.active.is_(True),
                Product.reorder_point > 0,
                raw(Product.on_hand) <= raw(Product.reorder_point),
            ],
            supplier_id=supplier_id,
        )
    ]
    return columns, rows, {}


def negative_stock(supplier_id=None):
    columns = ["product_id", "sku", "name", "unit", "on_hand"]
    rows = [
        [pid, sku, name, unit, from_raw(on_hand)]
        for pid, sku, name, unit, on_hand, *_ in _product_rows(
            [Product.on_hand < 0], supplier_id=supplier_id
        )
    ]
    return columns, rows, {}


def near_expiry(days=30, supplier_id=None, today=None):
    """Received batches expiring within ``days`` (or expired) of products still on hand.

    ``may_remain`` estimates, per batch, how much of it is still on the shelf, first in
    first out: what is on hand now is taken to be the newest receipts, so a batch may
    still hold ``on_hand`` minus everything received after it, between 0 and what the
    batch brought (receipts without an expiry date count as later stock too).
    """
    today = today or utcnow().date()
    mv = StockMovement.__table__
    pt = Product.__table__
    stmt = (
        sa.select(
            pt.c.id,
            pt.c.sku,
            pt.c.name,
            mv.c.id,
            mv.c.batch,
            mv.c.expiry_date,
            raw(mv.c.quantity),
            raw(pt.c.on_hand),
        )
        .select_from(mv.join(pt, pt.c.id == mv.c.product_id))
        .where(
            mv.c.kind == "receipt",
            mv.c.expiry_date.is_not(None),
            mv.c.expiry_date <= today + timedelta(days=days),
            pt.c.on_hand > 0,
        )
        .order_by(mv.c.expiry_date, pt.c.sku)
    )
    if supplier_id is not None:
        stmt = stmt.where(pt.c.supplier_id == supplier_id)
    columns = [
        "product_id",
        "sku",
        "name",
        "batch",
        "expiry_date",
        "received",
        "on_hand",
        "may_remain",
        "days_left",
    ]
    found = db.session.execute(stmt).all()
    remain = _fifo_remaining({row[0]: row[7] for row in found})
    rows = [
        [pid, sku, name, batch, exp, from_raw(q), from_raw(oh), from_raw(remain.get(mid, 0))]
        + [(exp - today).days]
        for pid, sku, name, mid, batch, exp, q, oh in found
    ]
    return columns, rows, {"days": days}


def _fifo_remaining(on_hand_raw):
    """``{movement_id: raw quantity}`` still left of each receipt of the given products
    (``{product_id: raw on_hand}``), first in first out: the on-hand is laid on the
    receipts from the newest back."""
    if not on_hand_raw:
        return {}
    mv = StockMovement.__table__
    left = dict(on_hand_raw)
    remain = {}
    ids = list(left)
    for start in range(0, len(ids), 500):
        receipts = db.session.execute(
            sa.select(mv.c.product_id, mv.c.id, raw(mv.c.quantity))
            .where(
                mv.c.kind == "receipt",
                mv.c.quantity > 0,
                mv.c.product_id.in_(ids[start : start + 500]),
            )
            .order_by(mv.c.product_id, mv.c.at.desc(), mv.c.id.desc())
        )
        for pid, mid, quantity in receipts:
            take = max(0, min(quantity, left[pid]))
            remain[mid] = take
            left[pid] -= take
    return remain


def movements(product_id, limit=5000):
    columns = [
        "id",
        "at",
        "kind",
        "quantity",
        "unit_cost",
        "unit_price",
        "owner",
        "ref_type",
        "ref_id",
        "balance",
    ]
    items = db.session.scalars(
        sa.select(StockMovement)
        .where(StockMovement.product_id == product_id)
        .order_by(StockMovement.id)
        .limit(limit)
    ).all()
    rows = []
    balance = Decimal("0.000")
    for m in items:
        balance += m.quantity
        rows.append(
            [
                m.id,
                m.at,
                m.kind,
                m.quantity,
                m.unit_cost,
                m.unit_price,
                m.owner,
                m.ref_type,
                m.ref_id,
                balance,
            ]
        )
    return columns, rows, {"product_id": product_id}


def sell_through(date_from=None, date_to=None, supplier_id=None):
    """Per supplier: units received and sold (net of returns) in the period, and the
    share of received units that sold."""
    end = (date_to or utcnow().date()) + timedelta(days=1)
    start = date_from or (end - timedelta(days=31))
    mv = StockMovement.__table__
    pt = Product.__table__
    st = Supplier.__table__
    received = sa.func.sum(sa.case((mv.c.kind == "receipt", raw(mv.c.quantity)), else_=0))
    sold = sa.func.sum(
        sa.case((mv.c.kind.in_(("sale", "customer_return")), -raw(mv.c.quantity)), else_=0)
    )
    value = sa.func.sum(
        sa.case(
            (mv.c.kind.in_(("sale", "customer_return")), -raw(mv.c.quantity) * mv.c.unit_price),
            else_=0,
        )
    )
    stmt = (
        sa.select(st.c.id, st.c.name, st.c.terms, received, sold, value)
        .select_from(mv.join(pt, pt.c.id == mv.c.product_id).join(st, st.c.id == pt.c.supplier_id))
        .where(mv.c.at >= _start_of(start), mv.c.at < _start_of(end))
        .group_by(st.c.id, st.c.name, st.c.terms)
        .order_by(st.c.name)
    )
    if supplier_id is not None:
        stmt = stmt.where(st.c.id == supplier_id)
    columns = [
        "supplier_id",
        "supplier",
        "terms",
        "received",
        "sold",
        "sales_value",
        "sell_through_percent",
    ]
    rows = []
    for sid, name, terms, rec, sld, val in db.session.execute(stmt).all():
        rec_q, sold_q = from_raw(rec), from_raw(sld)
        pct = (sold_q * 100 / rec_q).quantize(Decimal("0.1")) if rec_q > 0 else None
        rows.append([sid, name, terms, rec_q, sold_q, _money(Decimal(int(val or 0)) / 1000), pct])
    return columns, rows, {"date_from": start, "date_to": end - timedelta(days=1)}


def _start_of(day):
    return datetime.combine(day, time(0), tzinfo=UTC)


def run(name, args, supplier_id=None):
    if name == "stock-on-hand":
        return stock_on_hand(supplier_id)
    if name == "consigned-stock":
        return consigned_stock(supplier_id)
    if name == "below-reorder":
        return below_reorder(supplier_id)
    if name == "near-expiry":
        return near_expiry(args.get("days", 30), supplier_id)
    if name == "negative-stock":
        return negative_stock(supplier_id)
    if name == "movements":
        return movements(args.get("product_id"))
    if name == "sell-through":
        return sell_through(args.get("date_from"), args.get("date_to"), supplier_id)
    raise KeyError(name)


def _plain(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value.normalize())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def as_json(columns, rows, extra):
    return {
        "items": [{c: _plain(v) for c, v in zip(columns, row, strict=True)} for row in rows],
        "total": len(rows),
        **{k: _plain(v) for k, v in extra.items()},
    }


def as_csv(columns, rows, header=None) -> str:
    """The rows as CSV; ``header`` (the page's labels) heads them instead of the keys."""
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow(header or columns)
    for row in rows:
        writer.writerow(
            [
                "" if v is None else (str(v) if not hasattr(v, "isoformat") else v.isoformat())
                for v in row
            ]
        )
    return out.getvalue()
