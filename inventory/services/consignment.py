"""Konsinyasi settlements: what a consignment supplier is paid for the units sold."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from books import events as books_events
from inventory import books as stock_books
from inventory.models import (
    ConsignmentSettlement,
    ConsignmentSettlementLine,
    Product,
    StockMovement,
    Supplier,
)
from inventory.services.base import ZERO, _money, _user, _user_id, from_raw, raw
from inventory.services.products import get_supplier
from mart import audit, clock
from mart.db import utcnow
from mart.errors import Conflict, InvalidInput, NotFound
from mart.extensions import db

# --- konsinyasi settlements ------------------------------------------------------


def period_cutoff(period_end: date) -> datetime:
    """The end of ``period_end`` as an aware UTC instant.

    The end of that business day on the branch's clock (MART_TIMEZONE,
    MART_DAY_END_HOUR), or the end of that date in UTC when that is later, so that a
    sale rung up "today" is never left out by a date read in another time zone.
    """
    _start, local_end = clock.day_bounds(period_end)
    utc_end = datetime.combine(period_end + timedelta(days=1), time(0), tzinfo=UTC)
    return max(local_end, utc_end)


def create_settlement(supplier_id, period_end: date, user=None) -> ConsignmentSettlement:
    """Settle every consigned unit of the supplier sold (net of customer returns) up to
    ``period_end`` and not settled before.

    The movements are claimed with one ``UPDATE ... WHERE settlement_id IS NULL``, so
    two settlements racing never pay a unit twice (the row locks of the update
    serialise them; on SQLite the write transaction does). Raises ``InvalidInput``
    (unknown supplier, purchase-terms supplier) naming ``supplier_id``.
    """
    supplier = get_supplier(supplier_id)
    if supplier.terms != "consignment":
        raise InvalidInput(
            _("This supplier sells to the mart outright (purchase terms): nothing to settle."),
            field="supplier_id",
        )
    percent = Decimal(supplier.commission_percent or 0)
    basis = "commission" if percent > 0 else "supplier_price"
    settlement = ConsignmentSettlement(
        supplier_id=supplier.id,
        period_end=period_end,
        basis=basis,
        commission_percent=percent,
        user_id=_user_id(user),
    )
    db.session.add(settlement)
    db.session.flush()
    mv = StockMovement.__table__
    # Claims every unsettled sale and customer return up to the cutoff (paid once), and
    # every receipt and supplier return not yet on a statement (listed once: a second
    # settlement with the same period_end lists only what came after the first).
    db.session.execute(
        sa.update(mv)
        .where(
            mv.c.supplier_id == supplier.id,
            mv.c.owner == "supplier",
            mv.c.kind.in_(("sale", "customer_return", "receipt", "supplier_return")),
            mv.c.settlement_id.is_(None),
            mv.c.at < period_cutoff(period_end),
        )
        .values(settlement_id=settlement.id)
    )
    claimed = db.session.execute(
        sa.select(
            mv.c.product_id,
            raw(mv.c.quantity),
            mv.c.unit_price,
            mv.c.unit_cost,
            mv.c.amount,
            mv.c.kind,
        ).where(mv.c.settlement_id == settlement.id)
    ).all()
    per_product = _per_product(r for r in claimed if r.kind in ("sale", "customer_return"))
    amounts = _line_amounts(per_product, percent)
    moved = {}  # product id -> [received, returned to the supplier]
    for row in claimed:
        if row.kind in ("receipt", "supplier_return"):
            entry = moved.setdefault(row.product_id, [ZERO, ZERO])
            qty = from_raw(row[1])
            if row.kind == "receipt":
                entry[0] += qty
            else:
                entry[1] -= qty
    # Every product with sales, receipts, returns or stock: also those that sold nothing.
    stock = dict(
        db.session.execute(
            sa.select(Product.id, Product.on_hand).where(
                Product.supplier_id == supplier.id, Product.on_hand != 0
            )
        ).all()
    )
    products = sorted(set(per_product) | set(moved) | set(stock))
    on_hand = stock | {
        pid: from_raw(q)
        for pid, q in db.session.execute(
            sa.select(Product.id, raw(Product.on_hand)).where(
                Product.id.in_([p for p in products if p not in stock])
            )
        ).all()
    }
    totals = [0, 0, 0]
    for product_id in products:
        units = per_product.get(product_id, (ZERO,))[0]
        sales_value, commission, payable = amounts.get(product_id, (0, 0, 0))
        received, returned = moved.get(product_id, (ZERO, ZERO))
        line = ConsignmentSettlementLine(
            product_id=product_id,
            units_received=received,
            units_sold=units,
            units_returned=returned,
            on_hand=on_hand.get(product_id, ZERO),
            sales_value=sales_value,
            commission=commission,
            payable=payable,
        )
        settlement.lines.append(line)
        totals[0] += sales_value
        totals[1] += commission
        totals[2] += payable
    settlement.sales_value, settlement.commission, settlement.payable = totals
    db.session.flush()
    posted = sum(
        stock_books.consignment_share(
            -from_raw(row[1]), row.unit_price, row.unit_cost, percent, row.amount
        )
        for row in claimed
        if row.kind in ("sale", "customer_return")
    )
    books_events.settlement(
        clock.business_date(),
        settlement_id=settlement.id,
        adjustment=settlement.payable - posted,
        user=_user(user),
    )
    audit.record(
        "settlement.create",
        settlement,
        after={"supplier_id": supplier.id, "payable": settlement.payable},
        user=_user(user),
    )
    return settlement


def _per_product(rows):
    """``{product_id: [units sold, value paid by the customers, value at supplier
    price]}`` from (product_id, raw quantity, unit_price, unit_cost, amount, ...) of
    sale/return movements. The value is each movement's ``amount``, what the customer
    paid for the line after every discount (or got back on a return), so the supplier
    is paid from exactly that; quantity x unit price only for movements without one."""
    per_product = {}
    for product_id, raw_qty, unit_price, unit_cost, amount, *_rest in rows:
        qty = -from_raw(raw_qty)  # sales are negative, returns positive
        entry = per_product.setdefault(product_id, [ZERO, Decimal(0), Decimal(0)])
        entry[0] += qty
        if amount is not None:
            entry[1] += amount if qty > 0 else -amount
        else:
            entry[1] += qty * (unit_price or 0)
        entry[2] += qty * (unit_cost or 0)
    return per_product


def _line_amounts(per_product, percent):
    """``{product_id: (sales_value, commission, payable)}``, whole rupiah per line."""
    out = {}
    for product_id, (_units, value, at_supplier_price) in per_product.items():
        sales_value = _money(value)
        if percent > 0:
            commission = _money(value * percent / 100)
            payable = sales_value - commission
        else:
            payable = _money(at_supplier_price)
            commission = sales_value - payable
        out[product_id] = (sales_value, commission, payable)
    return out


def get_settlement(settlement_id) -> ConsignmentSettlement:
    settlement = db.session.get(ConsignmentSettlement, settlement_id)
    if settlement is None:
        raise NotFound(_("Unknown settlement."))
    return settlement


def pay_settlement(
    settlement_id, reference: str, user=None, *, method: str = "bank"
) -> ConsignmentSettlement:
    """Mark a settlement paid (from the bank, or ``method="cash"`` from kas). Raises
    ``Conflict`` when already paid."""
    settlement = get_settlement(settlement_id)
    table = ConsignmentSettlement.__table__
    done = db.session.execute(
        sa.update(table)
        .where(table.c.id == settlement.id, table.c.paid_at.is_(None))
        .values(paid_at=utcnow(), paid_reference=reference)
    ).rowcount
    if done != 1:
        raise Conflict(_("This settlement is already paid."))
    db.session.refresh(settlement)
    books_events.settlement_paid(
        clock.business_date(),
        settlement_id=settlement.id,
        amount=settlement.payable,
        method=method,
        user=_user(user),
    )
    audit.record(
        "settlement.pay",
        settlement,
        after={"payable": settlement.payable, "reference": reference},
        user=_user(user),
    )
    return settlement


def due_for_supplier(supplier_id) -> dict:
    """What a consignment supplier will be paid: settled but unpaid, and sold but not
    yet settled (estimated on the supplier's current terms)."""
    supplier = db.session.get(Supplier, supplier_id)
    unpaid = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(ConsignmentSettlement.payable), 0)).where(
            ConsignmentSettlement.supplier_id == supplier_id,
            ConsignmentSettlement.paid_at.is_(None),
        )
    )
    mv = StockMovement.__table__
    rows = db.session.execute(
        sa.select(
            mv.c.product_id, raw(mv.c.quantity), mv.c.unit_price, mv.c.unit_cost, mv.c.amount
        ).where(
            mv.c.supplier_id == supplier_id,
            mv.c.owner == "supplier",
            mv.c.kind.in_(("sale", "customer_return")),
            mv.c.settlement_id.is_(None),
        )
    ).all()
    percent = Decimal(supplier.commission_percent or 0) if supplier else Decimal(0)
    unsettled = sum(a[2] for a in _line_amounts(_per_product(rows), percent).values())
    return {"settled_unpaid": int(unpaid or 0), "sold_not_settled": unsettled}
