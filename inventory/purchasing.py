"""Purchase orders (PO): ordering from suppliers, suggestions, receiving against them.

Services flush; the request commits.

* **Status**: ``open`` (nothing received), ``partial``, ``received`` (every line in
  full), ``closed`` (closed by hand: what is still outstanding will not come). A goods
  receipt naming ``purchase_order_id`` adds its quantities to the order's lines.
* **Suggestions** per supplier: ``daily`` = units sold (sale movements net of customer
  returns) over the last ``weeks`` (4-8, default ``MART_PO_VELOCITY_WEEKS`` = 6) ÷ days;
  ``target`` = reorder point + daily × (lead time + ``MART_PO_COVER_DAYS``, default 7);
  ``suggested`` = target − on hand − on order, rounded up to whole units for pieces
  (3 places for kg); only products with ``suggested > 0`` are listed. Lead time is
  the supplier's ``lead_time_days`` or ``MART_PO_LEAD_TIME_DAYS`` (default 3).
  Three statements whatever the number of products (products, sales, on order).
"""

from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

# inventory.services imports this module too (a receipt against an order); both import
# the other as a module and call it at run time, so either may load first.
from inventory import services
from inventory.models import GoodsReceipt, Product, StockMovement, Supplier
from inventory.retail_models import PurchaseOrder, PurchaseOrderLine
from inventory.services.base import _money, _positive, _user_id
from mart import audit
from mart.db import quantity, utcnow
from mart.errors import Conflict, InvalidInput, NotFound
from mart.extensions import db
from mart.money import format_number, format_rupiah
from printers import services as printing
from printers.document import Document, Item, Total
from printers.layout import format_quantity

OPEN = ("open", "partial")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")


def date_id(value) -> str:
    """``8 Okt 2025``."""
    if value is None:
        return "-"
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def _setting(name, default) -> int:
    return int(current_app.config.get(name, default))


def lead_time(supplier: Supplier) -> int:
    if supplier.lead_time_days is not None:
        return int(supplier.lead_time_days)
    return _setting("MART_PO_LEAD_TIME_DAYS", 3)


# --- orders ----------------------------------------------------------------------


def create_order(data, user=None) -> PurchaseOrder:
    """A new PO from validated ``data``. Raises ``InvalidInput`` naming the field
    (unknown or inactive supplier, unknown product, a product consigned by another
    supplier, quantity not above 0, negative cost); nothing is written then."""
    supplier = services.get_supplier(data.get("supplier_id"))
    if not supplier.active:
        raise InvalidInput(_("This supplier is inactive."), field="supplier_id")
    lines = data.get("lines") or []
    if not lines:
        raise InvalidInput(_("An order needs at least one line."), field="lines")
    ids = {line.get("product_id") for line in lines}
    products = {
        p.id: p for p in db.session.scalars(sa.select(Product).where(Product.id.in_(ids))).all()
    }
    prepared = []
    seen = set()
    for i, line in enumerate(lines):
        product = products.get(line.get("product_id"))
        if product is None:
            raise InvalidInput(_("Unknown product."), field=f"lines.{i}.product_id")
        if product.id in seen:
            raise InvalidInput(
                _("This product is already on the order."), field=f"lines.{i}.product_id"
            )
        seen.add(product.id)
        if product.consigned and product.supplier_id != supplier.id:
            raise InvalidInput(
                _("This product is consigned by another supplier."),
                field=f"lines.{i}.product_id",
            )
        qty = _positive(line.get("quantity"), field=f"lines.{i}.quantity")
        cost = line.get("unit_cost")
        if cost is not None and cost < 0:
            raise InvalidInput(_("Must be 0 or more."), field=f"lines.{i}.unit_cost")
        prepared.append((product, qty, cost))
    now = utcnow()
    order = PurchaseOrder(
        supplier_id=supplier.id,
        status="open",
        note=data.get("note"),
        created_at=now,
        expected_on=(now + timedelta(days=lead_time(supplier))).date(),
        user_id=_user_id(user),
    )
    db.session.add(order)
    db.session.flush()
    for product, qty, cost in prepared:
        db.session.add(
            PurchaseOrderLine(
                order_id=order.id,
                product_id=product.id,
                quantity=qty,
                received=Decimal(0),
                unit_cost=cost if cost is not None else (product.avg_cost or None),
            )
        )
    db.session.flush()
    db.session.expire(order, ["lines"])
    audit.record("purchase_order.create", order, after={"lines": len(prepared)}, user=user)
    return order


def get_order(order_id, field=None) -> PurchaseOrder:
    order = db.session.get(PurchaseOrder, order_id) if order_id is not None else None
    if order is None:
        if field:
            raise InvalidInput(_("Unknown purchase order."), field=field)
        raise NotFound(_("Unknown purchase order."))
    return order


def outstanding(line: PurchaseOrderLine) -> Decimal:
    return max(quantity(line.quantity - line.received), Decimal("0.000"))


def order_total(order: PurchaseOrder) -> int:
    return _money(sum(ln.quantity * (ln.unit_cost or 0) for ln in order.lines))


def order_dict(order: PurchaseOrder) -> dict:
    return {
        "id": order.id,
        "supplier_id": order.supplier_id,
        "supplier_name": order.supplier.name,
        "status": order.status,
        "note": order.note,
        "created_at": order.created_at,
        "expected_on": order.expected_on,
        "closed_at": order.closed_at,
        "total": order_total(order),
        "lines": [
            {
                "product_id": ln.product_id,
                "sku": ln.product.sku,
                "name": ln.product.name,
                "unit": ln.product.unit,
                "quantity": ln.quantity,
                "received": ln.received,
                "outstanding": outstanding(ln),
                "unit_cost": ln.unit_cost,
            }
            for ln in order.lines
        ],
    }


def list_orders_stmt(status=None, supplier_id=None):
    stmt = sa.select(PurchaseOrder).order_by(PurchaseOrder.id.desc())
    if status:
        stmt = stmt.where(PurchaseOrder.status == status)
    if supplier_id is not None:
        stmt = stmt.where(PurchaseOrder.supplier_id == supplier_id)
    return stmt


def close_order(order_id, user=None) -> PurchaseOrder:
    """Close an order by hand (what is outstanding will not come). 409 when not open."""
    order = get_order(order_id)
    if order.status not in OPEN:
        raise Conflict(_("This purchase order is not open."))
    order.status = "closed"
    order.closed_at = utcnow()
    db.session.flush()
    audit.record("purchase_order.close", order, user=user)
    return order


def _status(order: PurchaseOrder) -> str:
    if all(ln.received >= ln.quantity for ln in order.lines):
        return "received"
    if any(ln.received > 0 for ln in order.lines):
        return "partial"
    return "open"


def order_for_receipt(order_id, supplier: Supplier, lines) -> PurchaseOrder | None:
    """Check a goods receipt against the order it names (before anything is written):
    the order exists, is the supplier's and still open; every product is on it."""
    if order_id is None:
        return None
    order = get_order(order_id, field="purchase_order_id")
    if order.supplier_id != supplier.id:
        raise InvalidInput(
            _("This purchase order is another supplier's."), field="purchase_order_id"
        )
    if order.status not in OPEN:
        raise InvalidInput(_("This purchase order is not open."), field="purchase_order_id")
    on_order = {ln.product_id for ln in order.lines}
    for i, line in enumerate(lines):
        if line["product_id"] not in on_order:
            raise InvalidInput(
                _("This product is not on the purchase order."), field=f"lines.{i}.product_id"
            )
    return order


def apply_receipt(order: PurchaseOrder, received) -> None:
    """Add ``received`` ``[(product_id, quantity)]`` to the order's lines; new status.
    The lines are moved by atomic SQL (two receipts at once both count)."""
    table = PurchaseOrderLine.__table__
    for product_id, qty in received:
        db.session.execute(
            sa.update(table)
            .where(table.c.order_id == order.id, table.c.product_id == product_id)
            .values(received=services.raw(table.c.received) + int(quantity(qty) * 1000))
        )
    db.session.flush()
    db.session.expire(order, ["lines"])
    for line in order.lines:
        db.session.refresh(line, ["received"])
    order.status = _status(order)
    db.session.flush()


# --- suggestions -----------------------------------------------------------------


def _round_up(value: Decimal, unit: str) -> Decimal:
    if unit == "pcs":
        return quantity(value.to_integral_value(rounding=ROUND_CEILING))
    return value.quantize(Decimal("0.001"), rounding=ROUND_CEILING)


def suggestions(supplier_id, weeks=None, now=None) -> dict:
    """What to order from ``supplier_id`` (see the module docstring)."""
    supplier = services.get_supplier(supplier_id)
    if weeks is None:
        weeks = _setting("MART_PO_VELOCITY_WEEKS", 6)
    if not 4 <= int(weeks) <= 8:
        raise InvalidInput(_("Between 4 and 8 weeks."), field="weeks")
    weeks = int(weeks)
    now = now or utcnow()
    since = now - timedelta(weeks=weeks)
    days = Decimal(weeks * 7)
    lead = lead_time(supplier)
    cover = _setting("MART_PO_COVER_DAYS", 7)
    p = Product.__table__
    products = db.session.execute(
        sa.select(
            p.c.id,
            p.c.sku,
            p.c.name,
            p.c.unit,
            services.raw(p.c.on_hand),
            services.raw(p.c.reorder_point),
            p.c.avg_cost,
            p.c.supplier_price,
        )
        .where(p.c.supplier_id == supplier.id, p.c.active.is_(True))
        .order_by(p.c.name)
    ).all()
    m = StockMovement.__table__
    sold = dict(
        db.session.execute(
            sa.select(m.c.product_id, sa.func.sum(-services.raw(m.c.quantity)))
            .where(
                # IN (the supplier's products): each product's (product_id, at) index range
                m.c.product_id.in_(sa.select(p.c.id).where(p.c.supplier_id == supplier.id)),
                m.c.kind.in_(("sale", "customer_return")),
                m.c.at >= since,
            )
            .group_by(m.c.product_id)
        ).all()
    )
    lines = PurchaseOrderLine.__table__
    orders = PurchaseOrder.__table__
    on_order = dict(
        db.session.execute(
            sa.select(
                lines.c.product_id,
                sa.func.sum(
                    sa.case(
                        (
                            services.raw(lines.c.quantity) > services.raw(lines.c.received),
                            services.raw(lines.c.quantity) - services.raw(lines.c.received),
                        ),
                        else_=0,
                    )
                ),
            )
            .join(orders, orders.c.id == lines.c.order_id)
            .where(orders.c.supplier_id == supplier.id, orders.c.status.in_(OPEN))
            .group_by(lines.c.product_id)
        ).all()
    )
    items = []
    for pid, sku, name, unit, on_hand, reorder, avg_cost, supplier_price in products:
        units_sold = services.from_raw(sold.get(pid))
        daily = units_sold / days
        ordered = services.from_raw(on_order.get(pid))
        hand = services.from_raw(on_hand)
        target = services.from_raw(reorder) + daily * (lead + cover)
        need = target - hand - ordered
        if need <= 0:
            continue
        suggested = _round_up(need, unit)
        items.append(
            {
                "product_id": pid,
                "sku": sku,
                "name": name,
                "unit": unit,
                "sold": max(units_sold, Decimal("0.000")),
                "daily": daily.quantize(Decimal("0.001")),
                "on_hand": hand,
                "on_order": ordered,
                "reorder_point": services.from_raw(reorder),
                "suggested": suggested,
                "unit_cost": supplier_price if supplier.terms == "consignment" else avg_cost,
            }
        )
    return {
        "supplier_id": supplier.id,
        "supplier_name": supplier.name,
        "weeks": weeks,
        "lead_time_days": lead,
        "cover_days": cover,
        "items": items,
    }


# --- printing and text -----------------------------------------------------------


def order_document(order: PurchaseOrder):
    """The PO as a ``printers.document.Document`` for the receipt printer."""
    cfg = current_app.config
    return Document(
        header_lines=[cfg.get("MART_BRANCH_NAME", ""), cfg.get("MART_BRANCH_ADDRESS", "")],
        title=_("PURCHASE ORDER #%(id)s", id=order.id),
        info=[
            (_("Supplier"), order.supplier.name),
            (_("Date"), date_id(order.created_at)),
            (_("Expected on"), date_id(order.expected_on)),
        ],
        items=[
            Item(
                name=ln.product.name,
                quantity=ln.quantity,
                unit_price=ln.unit_cost or 0,
                amount=_money(ln.quantity * (ln.unit_cost or 0)),
                unit=ln.product.unit,
                note=_("SKU %(sku)s", sku=ln.product.sku),
            )
            for ln in order.lines
        ],
        totals=[Total(_("Total"), order_total(order), emphasis=True)],
        notes=[order.note] if order.note else [],
    )


def print_order(order_id, printer_id=None):
    order = get_order(order_id)
    return printing.queue_document(
        order_document(order),
        printer_id,
        kind="report",
        ref_type="purchase_order",
        ref_id=order.id,
    )


def order_text(order: PurchaseOrder) -> str:
    """The PO as plain text to paste into WhatsApp (``*bold*`` is WhatsApp's)."""
    cfg = current_app.config
    out = [
        "*" + _("PURCHASE ORDER #%(id)s", id=order.id) + "*",
        cfg.get("MART_BRANCH_NAME", ""),
        _("To: %(name)s", name=order.supplier.name),
        _("Date: %(date)s", date=date_id(order.created_at)),
        _("Expected: %(date)s", date=date_id(order.expected_on)),
        "",
    ]
    for n, ln in enumerate(order.lines, 1):
        qty = format_quantity(ln.quantity, ln.product.unit)
        text = f"{n}. {ln.product.name} ({ln.product.sku}): {qty}"
        if ln.product.unit == "pcs":
            text += " pcs"
        if ln.unit_cost:
            text += f" x {format_number(ln.unit_cost)}"
        out.append(text)
    out += ["", _("Total: %(total)s", total=format_rupiah(order_total(order)))]
    if order.note:
        out.append(order.note)
    return "\n".join(out) + "\n"


# --- supplier delivery report ----------------------------------------------------


def delivery_report(start: date | None = None, end: date | None = None, today=None) -> list:
    """Per supplier, orders created from ``start`` to ``end``: ordered and received
    units, fill rate (percent), orders short (closed with something outstanding, or
    past their expected day and not complete) and late (a delivery after the
    expected day, or none yet and the day has passed). Worst fill rate first."""
    today = today or utcnow().date()
    stmt = sa.select(PurchaseOrder)
    if start:
        stmt = stmt.where(PurchaseOrder.created_at >= datetime.combine(start, time(), UTC))
    if end:
        stmt = stmt.where(
            PurchaseOrder.created_at < datetime.combine(end + timedelta(days=1), time(), UTC)
        )
    orders = db.session.scalars(stmt).all()
    last_receipt = dict(
        db.session.execute(
            sa.select(GoodsReceipt.purchase_order_id, sa.func.max(GoodsReceipt.at))
            .where(GoodsReceipt.purchase_order_id.in_([o.id for o in orders]))
            .group_by(GoodsReceipt.purchase_order_id)
        ).all()
    )
    rows = {}
    for order in orders:
        row = rows.setdefault(
            order.supplier_id,
            {
                "supplier_id": order.supplier_id,
                "supplier_name": order.supplier.name,
                "orders": 0,
                "ordered": Decimal("0.000"),
                "received": Decimal("0.000"),
                "short_orders": 0,
                "late_orders": 0,
            },
        )
        row["orders"] += 1
        row["ordered"] += sum((ln.quantity for ln in order.lines), Decimal("0.000"))
        row["received"] += sum((min(ln.received, ln.quantity) for ln in order.lines), Decimal(0))
        due_passed = order.expected_on is not None and today > order.expected_on
        incomplete = any(ln.received < ln.quantity for ln in order.lines)
        if incomplete and (order.status == "closed" or due_passed):
            row["short_orders"] += 1
        last = last_receipt.get(order.id)
        if last is not None and last.tzinfo is None:
            last = last.replace(tzinfo=UTC)
        if order.expected_on is not None and (
            (last is not None and last.date() > order.expected_on)
            or (last is None and due_passed and order.status != "closed")
        ):
            row["late_orders"] += 1
    out = []
    for row in rows.values():
        ordered = row["ordered"]
        row["fill_rate"] = (
            (row["received"] * 100 / ordered).quantize(Decimal("0.1")) if ordered else Decimal(100)
        )
        out.append(row)
    out.sort(key=lambda r: (r["fill_rate"], -r["late_orders"], r["supplier_name"]))
    return out
