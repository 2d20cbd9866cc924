"""Figures for the reports and the roll-up: stock value, supplier figures, cost of
goods sold, the movements list."""

from datetime import datetime

import sqlalchemy as sa

from inventory.models import (
    ConsignmentSettlement,
    GoodsReceipt,
    LateCost,
    Product,
    StockMovement,
    Supplier,
)
from inventory.services.base import raw
from mart.extensions import db

# --- figures for reports and the roll-up -----------------------------------------


def _consigned_condition():
    return Product.supplier_id.in_(sa.select(Supplier.id).where(Supplier.terms == "consignment"))


def owned_condition():
    return sa.or_(Product.supplier_id.is_(None), sa.not_(_consigned_condition()))


def stock_value() -> dict:
    """``{"owned_at_cost", "consigned_at_supplier_price"}`` of positive on-hand: the sum
    of each product's value rounded half up to whole rupiah (as the reports show)."""
    pt = Product.__table__

    def total(unit_value, condition):
        value = (raw(pt.c.on_hand) * unit_value * 2 + 1000) // 2000
        return int(
            db.session.scalar(
                sa.select(sa.func.coalesce(sa.func.sum(value), 0)).where(
                    pt.c.on_hand > 0, condition
                )
            )
        )

    return {
        "owned_at_cost": total(pt.c.avg_cost, owned_condition()),
        "consigned_at_supplier_price": total(
            sa.func.coalesce(pt.c.supplier_price, 0), _consigned_condition()
        ),
    }


def supplier_figures(day_start, day_end) -> dict:
    """Supplier figures of ``[day_start, day_end)`` for the roll-up."""
    umkm = sa.select(Supplier.id).where(Supplier.umkm.is_(True))
    purchases = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(GoodsReceipt.total_cost), 0)).where(
            GoodsReceipt.terms == "purchase",
            GoodsReceipt.supplier_id.in_(umkm),
            GoodsReceipt.at >= day_start,
            GoodsReceipt.at < day_end,
        )
    )
    payable = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(ConsignmentSettlement.payable), 0)).where(
            ConsignmentSettlement.created_at >= day_start,
            ConsignmentSettlement.created_at < day_end,
        )
    )
    paid = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(ConsignmentSettlement.payable), 0)).where(
            ConsignmentSettlement.paid_at >= day_start,
            ConsignmentSettlement.paid_at < day_end,
        )
    )
    active_umkm = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Supplier)
        .where(Supplier.umkm.is_(True), Supplier.active.is_(True))
    )
    members = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Supplier)
        .where(Supplier.member_no.is_not(None), Supplier.active.is_(True))
    )
    return {
        "umkm_purchases": int(purchases),
        "consignment_payable": int(payable),
        "consignment_paid": int(paid),
        "active_umkm_suppliers": int(active_umkm),
        "member_suppliers": int(members),
    }


def movements_stmt(product_id=None, supplier_id=None):
    stmt = sa.select(StockMovement).order_by(StockMovement.id.desc())
    if product_id is not None:
        stmt = stmt.where(StockMovement.product_id == product_id)
    if supplier_id is not None:
        stmt = stmt.where(
            StockMovement.product_id.in_(
                sa.select(Product.id).where(Product.supplier_id == supplier_id)
            )
        )
    return stmt


def cost_of_goods_sold(start: datetime, end: datetime) -> dict:
    """Cost of the mart's own goods sold in ``[start, end)``: sales less customer
    returns at the cost they carried (``sold_at_cost``, each movement's quantity x unit
    cost, half up), plus the late costs booked by receipts in the period for units sold
    before any cost was known (``late_costs``); ``total`` is both."""
    mv = StockMovement.__table__
    value = -raw(mv.c.quantity) * sa.func.coalesce(mv.c.unit_cost, 0)
    sold = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(value), 0)).where(
            mv.c.owner == "mart",
            mv.c.kind.in_(("sale", "customer_return")),
            mv.c.at >= start,
            mv.c.at < end,
        )
    )
    sold = int(sold)
    sold_at_cost = (sold * 2 + 1000) // 2000 if sold >= 0 else -((-sold * 2 + 1000) // 2000)
    late = int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(LateCost.amount), 0)).where(
                LateCost.at >= start, LateCost.at < end
            )
        )
    )
    return {"sold_at_cost": sold_at_cost, "late_costs": late, "total": sold_at_cost + late}
