"""Branch side: the figures of a business day, and building its report into the outbox.

A business day ``D`` runs from ``MART_DAY_END_HOUR`` o'clock local time
(``MART_TIMEZONE``) on ``D`` to the same hour on ``D + 1``; with the default hour 0 that
is simply the calendar day in Asia/Jakarta (``mart.clock``).

The figures come from the packages below through docs/CONTRACTS.md: pos
(``rollup_figures``), inventory (``stock_value``, ``supplier_figures``), members
(``member_figures``, ``capital_totals``) and the books (``books.reporting.rollup_figures``).
``sources_missing`` stays in the body, always empty, for hubs that read it.
"""

import json
import logging
import time
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import sqlalchemy as sa
from flask import current_app

from books import reconcile
from books.reporting import rollup_figures as books_figures
from inventory.models import Barcode, ConsignmentSettlement, Product, Supplier
from inventory.services import stock_value, supplier_figures
from mart.clock import business_date, day_bounds, last_closed_day
from mart.counters import next_value
from mart.db import utcnow
from mart.extensions import db
from mart.models import User
from mart.money import round_half_up
from members.services import capital_totals, member_figures
from pos.models import Sale, SaleLine
from pos.services import rollup_figures
from rollup.models import RollupOutbox

__all__ = ["business_date", "day_bounds", "last_closed_day"]  # mart.clock's, read here too

log = logging.getLogger(f"mart.{__name__}")  # under "mart": its handler masks

POS_FIELDS = ("sales_gross", "discounts", "returns", "sales_net", "ppn", "transactions")
# Parts of the body that are not figures: left out when comparing two builds.
VOLATILE = ("revision", "built_at")


def _as_int(value) -> int:
    if value is None:
        return 0
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        return int(value.to_integral_value(rounding=ROUND_HALF_UP))
    return int(value)


def collect(day: date) -> dict:
    """The figures of business day ``day`` (without revision), read from the domains.

    Raises whatever a domain service raises: a report with silently wrong figures is
    worse than no report.
    """
    start, end = day_bounds(day)
    sales = rollup_figures(start, end)
    inventory = {"stock_value": stock_value(), **supplier_figures(start, end)}
    members = {**member_figures(start, end), "capital": capital_totals(as_of=end)}

    transactions = _as_int(sales.get("transactions"))
    sales_net = _as_int(sales.get("sales_net"))
    member_sales = _as_int(sales.get("member_sales"))
    capital = members.get("capital") or {}
    stock = inventory.get("stock_value") or {}
    staff = sorted({str(u) for u in sales.get("cashiers") or []})
    body = {
        "branch_code": current_app.config["MART_BRANCH_CODE"],
        "branch_name": current_app.config["MART_BRANCH_NAME"],
        "date": day.isoformat(),
        "day_start": start.isoformat(),
        "day_end": end.isoformat(),
        **{name: _as_int(sales.get(name)) for name in POS_FIELDS},
        "items": _as_int(sales.get("items")),
        "average_basket": round_half_up(Fraction(sales_net, transactions)) if transactions else 0,
        "by_payment": {str(k): _as_int(v) for k, v in (sales.get("by_payment") or {}).items()},
        # sum(by_payment) - rounding - sum(refunds) == sales_net (pos's figures)
        "rounding": _as_int(sales.get("rounding")),
        "refunds": {str(k): _as_int(v) for k, v in (sales.get("refunds") or {}).items()},
        "member_sales": member_sales,
        "member_sales_share": (
            float(round(Fraction(member_sales, sales_net), 4)) if sales_net > 0 else 0.0
        ),
        "members_total": _as_int(members.get("members_total")),
        "members_joined": _as_int(members.get("members_joined")),
        "members_left": _as_int(members.get("members_left")),
        "capital": {k: _as_int(capital.get(k)) for k in ("pokok", "wajib", "sukarela")},
        "stock_value": {
            k: _as_int(stock.get(k)) for k in ("owned_at_cost", "consigned_at_supplier_price")
        },
        "umkm_purchases": _as_int(inventory.get("umkm_purchases")),
        "consignment_payable": _as_int(inventory.get("consignment_payable")),
        "consignment_paid": _as_int(inventory.get("consignment_paid")),
        "active_umkm_suppliers": _as_int(inventory.get("active_umkm_suppliers")),
        "member_suppliers": _as_int(inventory.get("member_suppliers")),
        "staff": staff,
        "staff_count": len(staff),
        "sources_missing": [],  # kept on the wire for older hubs; every source is here
        # The books' neraca and PHU totals (books/reporting.py), a field of their own.
        "books": json.loads(json.dumps(books_figures(start, end), default=str)),
        "umkm_suppliers": umkm_breakdown(start, end),
        "top_products": top_products(start, end),
        "books_check": books_check(),
    }
    return body


BOOKS_CHECK_SECONDS = 300


def books_check() -> dict:
    """The books' check against the ledgers (``flask books check``) as the hub keeps it:
    ``{ok, differences}`` (what differs, at most 10 lines). The state now, not of the
    report's day; kept a few minutes (a roll-up builds several days at once)."""
    cached = current_app.extensions.get("rollup_books_check")
    if cached is not None and time.monotonic() - cached[0] < BOOKS_CHECK_SECONDS:
        return cached[1]
    result = reconcile.check()
    value = {"ok": result.ok, "differences": result.differences()[:10]}
    current_app.extensions["rollup_books_check"] = (time.monotonic(), value)
    return value


TOP_PRODUCTS = 20


def top_products(start: datetime, end: datetime, limit: int = TOP_PRODUCTS) -> list[dict]:
    """The day's best-selling products (completed sales' line amounts), at most
    ``limit``, for the hub's top products across branches: ``ref`` (the product's id
    here), name, first barcode, unit, whether a UMKM supplier makes it (and its name),
    quantity (exact, as text) and sales. Sorted by sales, then ref (the body is compared
    between builds)."""
    rows = db.session.execute(
        sa.select(
            SaleLine.product_id,
            sa.func.sum(SaleLine.quantity),
            sa.func.sum(SaleLine.amount),
        )
        .join(Sale, Sale.id == SaleLine.sale_id)
        .where(Sale.status == "completed", Sale.created_at >= start, Sale.created_at < end)
        .group_by(SaleLine.product_id)
        .order_by(sa.func.sum(SaleLine.amount).desc(), SaleLine.product_id)
        .limit(limit)
    ).all()
    if not rows:
        return []
    products = {
        p.id: p
        for p in db.session.scalars(sa.select(Product).where(Product.id.in_([r[0] for r in rows])))
    }
    barcodes: dict[int, str] = {}
    for product_id, code in db.session.execute(
        sa.select(Barcode.product_id, Barcode.code)
        .where(Barcode.product_id.in_(list(products)))
        .order_by(Barcode.id)
    ):
        barcodes.setdefault(product_id, code)
    out = []
    for product_id, quantity, amount in rows:
        product = products.get(product_id)
        supplier = product.supplier if product is not None else None
        umkm = bool(supplier is not None and supplier.umkm)
        out.append(
            {
                "ref": str(product_id),
                "name": product.name if product is not None else "",
                "barcode": barcodes.get(product_id, ""),
                "unit": product.unit if product is not None else "",
                "umkm": umkm,
                "supplier": supplier.name if umkm else "",
                "quantity": str(Decimal(quantity or 0).quantize(Decimal("0.001"))),
                "sales": _as_int(amount),
            }
        )
    return out


def umkm_breakdown(start: datetime, end: datetime) -> list[dict]:
    """Per UMKM supplier whose goods sold or who was paid in ``[start, end)``: its sales
    through this branch (completed sales' line amounts) and consignment paid, with what
    the movement's stages need (member, permit, own supplier page). Sorted by ``ref``
    (the body is compared between builds)."""
    sold = dict(
        db.session.execute(
            sa.select(Product.supplier_id, sa.func.sum(SaleLine.amount))
            .join(SaleLine, SaleLine.product_id == Product.id)
            .join(Sale, Sale.id == SaleLine.sale_id)
            .where(Sale.status == "completed", Sale.created_at >= start, Sale.created_at < end)
            .where(Product.supplier_id.is_not(None))
            .group_by(Product.supplier_id)
        ).all()
    )
    paid = dict(
        db.session.execute(
            sa.select(ConsignmentSettlement.supplier_id, sa.func.sum(ConsignmentSettlement.payable))
            .where(ConsignmentSettlement.paid_at >= start, ConsignmentSettlement.paid_at < end)
            .group_by(ConsignmentSettlement.supplier_id)
        ).all()
    )
    ids = set(sold) | set(paid)
    if not ids:
        return []
    out = []
    for supplier in db.session.scalars(
        sa.select(Supplier).where(Supplier.id.in_(ids), Supplier.umkm.is_(True))
    ):
        out.append(
            {
                "ref": str(supplier.id),
                "name": supplier.name,
                "member": supplier.member_no is not None,
                "permit": bool((supplier.permit_no or "").strip()),
                "has_page": _has_supplier_login(supplier.id),
                "sales": _as_int(sold.get(supplier.id)),
                "consignment_paid": _as_int(paid.get(supplier.id)),
            }
        )
    return sorted(out, key=lambda r: r["ref"])


def _has_supplier_login(supplier_id) -> bool:
    """A supplier with its own login sees its own page (the pelaporan stage)."""
    return bool(
        db.session.scalar(sa.select(User.id).where(User.supplier_id == supplier_id).limit(1))
    )


def encode(body: dict) -> bytes:
    """The exact bytes that are stored, signed and sent."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def figures_of(body: dict) -> dict:
    return {k: v for k, v in body.items() if k not in VOLATILE}


def latest_built(day: date) -> RollupOutbox | None:
    return db.session.scalar(
        sa.select(RollupOutbox)
        .where(RollupOutbox.date == day)
        .order_by(RollupOutbox.revision.desc())
        .limit(1)
    )


def current_figures(day: date) -> dict:
    """The figures of ``day`` as they are now, with the revision they have or would get.

    ``revision`` is the last built revision when nothing changed since, else the next
    one; ``built`` says which, ``status`` is the delivery state of the built one.
    """
    body = collect(day)
    last = latest_built(day)
    if last is not None:
        last_body = json.loads(last.body)
        _carry_stock(body, last, last_body, day)
        if figures_of(last_body) == body:
            return {**body, "revision": last.revision, "built": True, "status": last.status}
    return {
        **body,
        "revision": (last.revision + 1) if last else 1,
        "built": False,
        "status": None,
    }


def _carry_stock(body, last, last_body, day):
    """Stock value is a state at a moment, not a figure of the day: once a report was
    built after the day closed, later rebuilds keep that snapshot (otherwise every
    later sale would make a new revision of every past day)."""
    _start, end = day_bounds(day)
    if last.created_at >= end and "stock_value" in last_body:
        body["stock_value"] = last_body["stock_value"]


def build_report(day: date) -> tuple[RollupOutbox, bool]:
    """Build ``day``'s report into the outbox, in the caller's transaction (flushes).

    A new revision is written only when the figures differ from the last one built;
    older revisions of the day still waiting are then superseded (only the newest is
    sent). Returns ``(row, created)``.
    """
    body = collect(day)
    last = latest_built(day)
    if last is not None:
        last_body = json.loads(last.body)
        _carry_stock(body, last, last_body, day)
        if figures_of(last_body) == body:
            return last, False
    revision = next_value(f"rollup:{day.isoformat()}")
    if last is not None and revision <= last.revision:  # counter lost (restored backup)
        revision = last.revision + 1
    now = utcnow()
    body = {**body, "revision": revision, "built_at": now.isoformat()}
    db.session.execute(
        sa.update(RollupOutbox)
        .where(RollupOutbox.date == day, RollupOutbox.status == "pending")
        .values(status="superseded", last_error=None)
    )
    row = RollupOutbox(
        date=day,
        revision=revision,
        body=encode(body).decode(),
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    db.session.add(row)
    db.session.flush()
    log.info("rollup: built report %s revision %s", day, revision)
    return row, True


def refresh_recent(moment: datetime | None = None) -> list[RollupOutbox]:
    """Build the last closed day if never built, and rebuild the recent days that were
    built before (a late return, a correction) within MART_ROLLUP_LOOKBACK_DAYS.
    Returns the rows created."""
    closed = last_closed_day(moment)
    lookback = int(current_app.config["MART_ROLLUP_LOOKBACK_DAYS"])
    built_days = set(
        db.session.scalars(
            sa.select(RollupOutbox.date)
            .where(RollupOutbox.date > closed - timedelta(days=lookback))
            .distinct()
        ).all()
    )
    created = []
    for offset in range(lookback):
        day = closed - timedelta(days=offset)
        if day == closed or day in built_days:
            row, new = build_report(day)
            if new:
                created.append(row)
    # A day still open that was built on demand (push --date today) is rebuilt too,
    # so the hub ends up with its final figures.
    for day in sorted(d for d in built_days if d > closed):
        row, new = build_report(day)
        if new:
            created.append(row)
    return created
