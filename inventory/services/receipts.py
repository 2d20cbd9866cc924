"""Goods receipts (stock in, moving average cost, late costs) and returns to the
supplier."""

from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import lazyload

from books import events as books_events
from inventory import books as stock_books
from inventory import purchasing
from inventory.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    LateCost,
    Product,
    StockMovement,
    SupplierReturn,
    SupplierReturnLine,
)
from inventory.services import packs
from inventory.services.base import ZERO, _money, _positive, _user, _user_id, from_raw, raw
from inventory.services.ledger import _owner_of, add_movement
from inventory.services.products import get_supplier
from mart import audit, clock
from mart.db import UTCDateTime, utcnow
from mart.errors import Conflict, InvalidInput
from mart.extensions import db

# --- goods receipts and supplier returns -----------------------------------------


def _lines_products(lines):
    ids = {line["product_id"] for line in lines}
    stmt = sa.select(Product).where(Product.id.in_(ids)).options(lazyload(Product.barcodes))
    products = {p.id: p for p in db.session.scalars(stmt).all()}
    for i, line in enumerate(lines):
        if line["product_id"] not in products:
            raise InvalidInput(_("Unknown product."), field=f"lines.{i}.product_id")
    return products


def post_goods_receipt(data, user=None) -> GoodsReceipt:
    """Post a goods receipt: stock in, one transaction.

    A purchase (beli putus) receipt updates each product's moving average cost; a
    consignment receipt records stock owned by the supplier at the supplier price
    (``unit_cost`` if given, else the product's ``supplier_price``).
    Raises ``InvalidInput`` (unknown supplier or product, inactive product or
    supplier, quantity not above 0, missing cost) naming the field.
    """
    supplier = get_supplier(data.get("supplier_id"))
    if not supplier.active:
        raise InvalidInput(_("This supplier is inactive."), field="supplier_id")
    lines = data.get("lines") or []
    if not lines:
        raise InvalidInput(_("A receipt needs at least one line."), field="lines")
    products = _lines_products(lines)
    consignment = supplier.terms == "consignment"
    prepared = _prepare_lines(lines, products, supplier, consignment)
    order = purchasing.order_for_receipt(data.get("purchase_order_id"), supplier, lines)
    receipt = GoodsReceipt(
        supplier_id=supplier.id,
        terms=supplier.terms,
        reference=data.get("reference"),
        user_id=_user_id(user),
        purchase_order_id=order.id if order else None,
    )
    db.session.add(receipt)
    db.session.flush()
    at = receipt.at or utcnow()
    total, line_rows, movement_rows, bumps = _receipt_rows(
        receipt, prepared, supplier, consignment, at
    )
    db.session.flush()
    if not consignment:
        _book_late_costs(receipt, prepared, at)
    stock_before = {} if consignment else stock_books.owned_values(products, lock=True)
    db.session.execute(sa.insert(GoodsReceiptLine.__table__), line_rows)
    db.session.execute(sa.insert(StockMovement.__table__), movement_rows)
    db.session.connection().execute(_receipt_bump_stmt(purchase=not consignment), bumps)
    for product, *_rest in prepared:
        db.session.expire(product, ["on_hand", "avg_cost", "updated_at", "supplier"])
    receipt.total_cost = _money(total)
    db.session.flush()
    audit.record(
        "goods_receipt.post",
        receipt,
        after={
            "supplier_id": supplier.id,
            "lines": len(line_rows),
            "total_cost": receipt.total_cost,
        },
        user=_user(user),
    )
    if not consignment:  # consigned goods stay the supplier's: nothing to book
        stock_after = stock_books.owned_values(stock_before)
        books_events.goods_receipt(
            clock.business_date(at),
            receipt_id=receipt.id,
            invoice=receipt.total_cost,
            stock_value=stock_books.values_of(stock_after) - stock_books.values_of(stock_before),
            user=_user(user),
        )
    if order is not None:
        purchasing.apply_receipt(order, [(p.id, q) for p, q, *_rest in prepared])
    return receipt


def _prepare_lines(lines, products, supplier, consignment):
    """Each line checked, as ``(product, quantity, unit cost, line)``; raises
    ``InvalidInput`` naming the line's field."""
    prepared = []
    for i, line in enumerate(lines):
        product = products[line["product_id"]]
        line = packs.receipt_line(i, line, product)  # a line entered in packs (issue 15)
        if not product.active:
            raise InvalidInput(_("This product is inactive."), field=f"lines.{i}.product_id")
        qty = _positive(line.get("quantity"), field=f"lines.{i}.quantity")
        cost = _line_cost(i, line, product, supplier, consignment)
        prepared.append((product, qty, int(cost), line))
    return prepared


def _line_cost(i, line, product, supplier, consignment):
    """The unit cost of line ``i``: its ``unit_cost``, else the supplier price
    (consignment, the product not another supplier's) or the average cost (purchase)."""
    cost = line.get("unit_cost")
    if consignment:
        if product.supplier_id not in (None, supplier.id):
            raise InvalidInput(
                _("This product is consigned by another supplier."),
                field=f"lines.{i}.product_id",
            )
        if cost is None:
            cost = product.supplier_price
        if cost is None:
            raise InvalidInput(
                _("No supplier price for this product: give unit_cost."),
                field=f"lines.{i}.unit_cost",
            )
    elif cost is None:
        cost = product.avg_cost
    if cost < 0:
        raise InvalidInput(_("Must be 0 or more."), field=f"lines.{i}.unit_cost")
    return cost


def _receipt_rows(receipt, prepared, supplier, consignment, at):
    """``(total, line_rows, movement_rows, bumps)`` for the bulk statements: one INSERT
    of the lines, one of the movements, and one executemany UPDATE of the on-hand (and
    average cost), in line order. A consigned product takes the supplier (when it had
    none) and the line's ``unit_cost`` as its supplier price."""
    total = Decimal(0)
    line_rows, movement_rows, bumps = [], [], []
    for product, qty, cost, line in prepared:
        total += qty * cost
        if consignment:
            if product.supplier_id is None:
                product.supplier_id = supplier.id
            if line.get("unit_cost") is not None:
                product.supplier_price = cost
        line_rows.append(
            {
                "receipt_id": receipt.id,
                "product_id": product.id,
                "quantity": qty,
                "unit_cost": cost,
                "expiry_date": line.get("expiry_date"),
                "batch": line.get("batch"),
            }
        )
        movement_rows.append(
            {
                "product_id": product.id,
                "kind": "receipt",
                "quantity": qty,
                "unit_cost": cost,
                "unit_price": None,
                "owner": "supplier" if consignment else "mart",
                "supplier_id": supplier.id if consignment else None,
                "ref_type": "goods_receipt",
                "ref_id": str(receipt.id),
                "user_id": receipt.user_id,
                "at": at,
                "expiry_date": line.get("expiry_date"),
                "batch": line.get("batch"),
                "settlement_id": None,
            }
        )
        bumps.append({"pid": product.id, "q": int(qty * 1000), "cost": cost, "now": at})
    return total, line_rows, movement_rows, bumps


def _book_late_costs(receipt: GoodsReceipt, prepared, at):
    """Units sold before any cost was known take the cost of their product's next
    purchase receipt (docs/DOMAIN.md): before the receipt moves on-hand, each product of it
    with ``cost_pending`` units books ``LateCost`` = those units x the receipt's unit
    cost (half up), at most the units still below zero (a count may have found some),
    and starts again from 0. A receipt at cost 0 leaves them waiting."""
    costs = {}
    for product, _qty, cost, _line in prepared:
        if cost > 0 and product.cost_pending > 0:
            costs.setdefault(product.id, cost)  # a product twice: its first line's cost
    if not costs:
        return []
    table = Product.__table__
    stmt = (
        sa.select(table.c.id, raw(table.c.on_hand), raw(table.c.cost_pending))
        .where(table.c.id.in_(sorted(costs)))
        .order_by(table.c.id)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()  # a sale's pending units land before or after
    rows = []
    for product_id, on_hand, pending in db.session.execute(stmt).all():
        units = min(int(pending), max(0, -int(on_hand)))  # thousandths
        if units > 0:
            cost = costs[product_id]
            rows.append(
                {
                    "product_id": product_id,
                    "receipt_id": receipt.id,
                    "quantity": from_raw(units),
                    "unit_cost": cost,
                    "amount": (units * cost * 2 + 1000) // 2000,  # half up, whole rupiah
                    "at": at,
                }
            )
    db.session.execute(sa.update(table).where(table.c.id.in_(sorted(costs))).values(cost_pending=0))
    if rows:
        db.session.execute(sa.insert(LateCost.__table__), rows)
        audit.record(
            "stock.late_cost",
            receipt,
            after={"lines": [[r["product_id"], str(r["quantity"]), r["amount"]] for r in rows]},
        )
    return rows


def late_costs_of(receipt_id) -> list[LateCost]:
    return db.session.scalars(
        sa.select(LateCost).where(LateCost.receipt_id == receipt_id).order_by(LateCost.id)
    ).all()


def _receipt_bump_stmt(purchase: bool):
    """``on_hand += :q`` per product; a purchase also moves the average cost (see the
    module docstring), computed on the stored integers and rounded half up."""
    table = Product.__table__
    old = raw(table.c.on_hand)
    q = sa.bindparam("q", type_=sa.BigInteger)
    values = {"on_hand": old + q, "updated_at": sa.bindparam("now", type_=UTCDateTime())}
    if purchase:
        cost = sa.bindparam("cost", type_=sa.BigInteger)
        values["avg_cost"] = sa.case(
            (old <= 0, cost),
            else_=((old * table.c.avg_cost + q * cost) * 2 + (old + q)) // ((old + q) * 2),
        )
    return sa.update(table).where(table.c.id == sa.bindparam("pid")).values(values)


def post_supplier_return(data, user=None) -> SupplierReturn:
    """Stock out back to the supplier (expired, damaged, unsold consignment).

    Raises ``InvalidInput`` (unknown supplier/product, quantity) and ``Conflict`` when
    more would go back than is on hand.
    """
    supplier = get_supplier(data.get("supplier_id"))
    lines = data.get("lines") or []
    if not lines:
        raise InvalidInput(_("A return needs at least one line."), field="lines")
    products = _lines_products(lines)
    wanted = {}
    prepared = []
    for i, line in enumerate(lines):
        product = products[line["product_id"]]
        qty = _positive(line.get("quantity"), field=f"lines.{i}.quantity")
        wanted[product.id] = wanted.get(product.id, ZERO) + qty
        if wanted[product.id] > product.on_hand:
            raise Conflict(_("More than is on hand would go back to the supplier."))
        prepared.append((product, qty))
    ret = SupplierReturn(supplier_id=supplier.id, reason=data.get("reason"), user_id=_user_id(user))
    db.session.add(ret)
    db.session.flush()
    stock_before = stock_books.owned_values(products, lock=True)
    owned_cost = Decimal(0)
    total = Decimal(0)
    for product, qty in prepared:
        owner, owner_supplier = _owner_of(product)
        cost = (product.supplier_price or 0) if owner == "supplier" else product.avg_cost
        ret.lines.append(SupplierReturnLine(product_id=product.id, quantity=qty, unit_cost=cost))
        total += qty * cost
        if owner == "mart":
            owned_cost += qty * cost
        add_movement(
            product,
            "supplier_return",
            -qty,
            unit_cost=cost,
            owner=owner,
            supplier_id=owner_supplier,
            ref_type="supplier_return",
            ref_id=ret.id,
            user=user,
        )
    ret.total_cost = _money(total)
    db.session.flush()
    stock_after = stock_books.owned_values(stock_before)
    books_events.supplier_return(
        clock.business_date(),
        return_id=ret.id,
        refund=_money(owned_cost),
        stock_value=stock_books.values_of(stock_before) - stock_books.values_of(stock_after),
        user=_user(user),
    )
    return ret
