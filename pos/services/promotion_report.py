"""The promotions report (issue 15): for each promotion over a period of business days,
the sales and units it was given on, the discount it gave, what those lines brought in
(what the customer paid), their cost and the margin. The cost of a line is its
quantity at the unit cost its sale's stock movement recorded (the product's average
cost when there is none). Customer returns of a promoted line (any day, of the
period's sales) are taken off: their units, the promotion's share of the discount given
back (the returned share of the line's units, half up), what they refunded and their cost
at the sale's unit cost. ``sales`` still counts the sales the promotion was given on.
"""

import io
from collections import defaultdict
from datetime import date
from decimal import Decimal
from fractions import Fraction

import sqlalchemy as sa

from inventory import services as inventory
from inventory.models import StockMovement
from mart import csvsafe
from mart.extensions import db
from mart.money import round_half_up
from pos.models import Promotion, Sale, SaleLine, SaleLinePromotion, SaleReturnLine
from pos.services.promotions import status


def report(start: date | None = None, end: date | None = None) -> list[dict]:
    """One row per promotion given in the period (inclusive days), or every promotion
    when no period is given, with zeros for those never given."""
    slp, line, sale = SaleLinePromotion, SaleLine, Sale
    back = (
        sa.select(
            SaleReturnLine.sale_line_id,
            sa.func.sum(SaleReturnLine.quantity).label("quantity"),
            sa.func.sum(SaleReturnLine.amount).label("amount"),
        )
        .group_by(SaleReturnLine.sale_line_id)
        .subquery()
    )
    stmt = (
        sa.select(
            slp.promotion_id,
            slp.sale_id,
            slp.discount,
            line.product_id,
            line.quantity,
            line.amount,
            back.c.quantity.label("returned"),
            back.c.amount.label("refunded"),
        )
        .join(line, sa.and_(line.sale_id == slp.sale_id, line.line_no == slp.line_no))
        .join(sale, sale.id == slp.sale_id)
        .outerjoin(back, back.c.sale_line_id == line.id)
    )
    if start is not None:
        stmt = stmt.where(sale.business_date >= start)
    if end is not None:
        stmt = stmt.where(sale.business_date <= end)
    given = db.session.execute(stmt).all()
    costs = _unit_costs({g.sale_id for g in given})
    average = {
        pid: Fraction(p.avg_cost or 0)
        for pid, p in inventory.get_products({g.product_id for g in given}).items()
    }
    figures = defaultdict(
        lambda: {"sales": set(), "units": Decimal(0), "discount": 0, "revenue": 0, "cost": 0}
    )
    for g in given:
        f = figures[g.promotion_id]
        f["sales"].add(g.sale_id)
        returned = Decimal(g.returned or 0)
        kept = g.quantity - returned
        f["units"] += kept
        f["discount"] += kept_share(g.discount, g.quantity, returned)
        f["revenue"] += g.amount - int(g.refunded or 0)
        f["cost"] += round_half_up(
            Fraction(kept) * costs.get((g.sale_id, g.product_id), average.get(g.product_id, 0))
        )
    promos = db.session.scalars(sa.select(Promotion).order_by(Promotion.starts_at, Promotion.id))
    rows = []
    for promo in promos:
        f = figures.get(promo.id)
        if f is None and (start is not None or end is not None):
            continue
        f = f or {"sales": set(), "units": Decimal(0), "discount": 0, "revenue": 0, "cost": 0}
        rows.append(
            {
                "promotion_id": promo.id,
                "name": promo.name,
                "kind": promo.kind,
                "status": status(promo),
                "sales": len(f["sales"]),
                "units": str(f["units"].normalize() if f["units"] else 0),
                "discount": f["discount"],
                "revenue": f["revenue"],
                "cost": f["cost"],
                "margin": f["revenue"] - f["cost"],
            }
        )
    return rows


def kept_share(amount: int, sold: Decimal, returned: Decimal) -> int:
    """What of a line's ``amount`` (here its promotion discount) stays once ``returned``
    of its ``sold`` units came back: the returned units take their share, half up, as
    pos.services.returns.return_share shares the line's amount."""
    if not returned:
        return amount
    return amount - round_half_up(Fraction(amount) * Fraction(returned) / Fraction(sold))


def _unit_costs(sale_ids) -> dict[tuple[str, int], Fraction]:
    """The unit cost each sale's stock-out recorded per product (else average cost)."""
    if not sale_ids:
        return {}
    moves = StockMovement
    found = {}
    ids = sorted(sale_ids)
    for chunk in range(0, len(ids), 500):
        rows = db.session.execute(
            sa.select(moves.ref_id, moves.product_id, moves.unit_cost).where(
                moves.ref_type == "sale", moves.ref_id.in_(ids[chunk : chunk + 500])
            )
        )
        for ref_id, product_id, unit_cost in rows:
            if unit_cost is not None:
                found[(ref_id, product_id)] = Fraction(unit_cost)
    return found


HEADER = ("Promosi", "Jenis", "Status", "Transaksi", "Unit", "Diskon", "Penjualan", "HPP", "Margin")


def csv_text(rows) -> str:
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow(HEADER)
    for r in rows:
        writer.writerow(
            (
                r["name"],
                r["kind"],
                r["status"],
                r["sales"],
                r["units"].replace(".", ","),
                r["discount"],
                r["revenue"],
                r["cost"],
                r["margin"],
            )
        )
    return out.getvalue()
