"""What inventory tells the books: the value of the mart's own stock and what the
mart owes consignment suppliers, computed the way the journals post them.

The value of a product's stock is ``on_hand x avg_cost`` rounded half up to whole
rupiah (negative on-hand included: goods sold before they were received are a
negative value at the average cost); persediaan equals the sum over the mart's own
products. Each event posts exactly the change of that sum, so the books agree with
the stock ledger to the rupiah.

A consigned unit sold owes the supplier its share: the sale value (quantity x the net
unit price the customer paid, PPN included) less the commission taken on it, rounded
per movement; with no commission, quantity x the supplier price.
"""

from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from inventory.models import ConsignmentSettlement, Product, StockMovement, Supplier
from inventory.services.base import from_raw, raw
from mart.extensions import db


def value(on_hand: Decimal, avg_cost: int) -> int:
    """``on_hand x avg_cost`` to whole rupiah, halves up (toward +infinity)."""
    thousandths = int(Decimal(on_hand) * 1000)
    return (thousandths * int(avg_cost) * 2 + 1000) // 2000


def _money(amount: Decimal) -> int:
    return int(Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def consignment_share(sold: Decimal, unit_price, unit_cost, percent, amount=None) -> int:
    """What the supplier is owed for ``sold`` units (negative for units returned by a
    customer): with a commission, the sale value less the commission, each rounded;
    without, ``sold x supplier price``. As the settlement computes, per movement. The
    sale value is ``amount``, what the customer paid for the line after every discount
    (or got back on a return; given positive), when known; else ``sold x unit_price``."""
    percent = Decimal(percent or 0)
    sold = Decimal(sold)
    if percent > 0:
        if amount is not None:
            sale_value = Decimal(int(amount)) if sold >= 0 else -Decimal(int(amount))
        else:
            sale_value = sold * int(unit_price or 0)
        return _money(sale_value) - _money(sale_value * percent / 100)
    return _money(sold * int(unit_cost or 0))


def owned_values(product_ids, *, lock=False) -> dict[int, tuple[Decimal, int]]:
    """``{product_id: (on_hand, avg_cost)}`` of the mart's own products among
    ``product_ids`` (consigned ones left out); ``lock`` holds the rows (PostgreSQL) so
    the value read before an event is the one the event changes."""
    ids = sorted({int(i) for i in product_ids})
    if not ids:
        return {}
    pt, st = Product.__table__, Supplier.__table__
    stmt = (
        sa.select(pt.c.id, raw(pt.c.on_hand), pt.c.avg_cost, st.c.terms)
        .select_from(pt.outerjoin(st, st.c.id == pt.c.supplier_id))
        .where(pt.c.id.in_(ids))
        .order_by(pt.c.id)
    )
    if lock and db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=pt)
    return {
        pid: (from_raw(on_hand), int(avg or 0))
        for pid, on_hand, avg, terms in db.session.execute(stmt)
        if terms != "consignment"
    }


def values_of(states: dict[int, tuple[Decimal, int]]) -> int:
    return sum(value(h, a) for h, a in states.values())


def stock_book_value() -> int:
    """Persediaan as the stock ledger gives it: the sum of every own product's value."""
    pt, st = Product.__table__, Supplier.__table__
    rows = db.session.execute(
        sa.select(raw(pt.c.on_hand), pt.c.avg_cost)
        .select_from(pt.outerjoin(st, st.c.id == pt.c.supplier_id))
        .where(sa.or_(st.c.terms.is_(None), st.c.terms != "consignment"))
        .where(pt.c.on_hand != 0)
    )
    return sum(value(from_raw(h), int(a or 0)) for h, a in rows)


def consignment_owed() -> int:
    """Utang konsinyasi as the ledgers give it: settlements not yet paid, plus the
    consigned units sold (net of customer returns) not yet settled, at the supplier's
    current commission."""
    unpaid = int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(ConsignmentSettlement.payable), 0)).where(
                ConsignmentSettlement.paid_at.is_(None)
            )
        )
        or 0
    )
    mv, st = StockMovement.__table__, Supplier.__table__
    rows = db.session.execute(
        sa.select(
            raw(mv.c.quantity),
            mv.c.unit_price,
            mv.c.unit_cost,
            st.c.commission_percent,
            mv.c.amount,
        )
        .select_from(mv.join(st, st.c.id == mv.c.supplier_id))
        .where(
            mv.c.owner == "supplier",
            mv.c.kind.in_(("sale", "customer_return")),
            mv.c.settlement_id.is_(None),
        )
    )
    unsettled = sum(
        consignment_share(-from_raw(q), price, cost, percent, amount)
        for q, price, cost, percent, amount in rows
    )
    return unpaid + unsettled


def ledgers() -> dict:
    """For ``flask books check``: ``{role: (expected balance, what it is)}``."""
    return {
        "persediaan": (stock_book_value(), "stock value at moving average cost"),
        "utang_konsinyasi": (consignment_owed(), "consigned goods sold, not yet paid"),
    }
