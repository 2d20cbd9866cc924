"""Inventory: purchase orders, price change history and the shelf-label queue.

Migration ``0012_retail``. Kept apart from ``inventory.models`` so the tables of the
retail features read together.
"""

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inventory.models import Product, Supplier
from mart.db import Money, Quantity, UTCDateTime, utcnow
from mart.extensions import db

PO_STATUSES = ("open", "partial", "received", "closed")


class PurchaseOrder(db.Model):
    """An order to a supplier. ``status``: open (nothing received), partial,
    received (every line in full) or closed (by hand, the rest will not come)."""

    __tablename__ = "inv_purchase_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(sa.ForeignKey("inv_suppliers.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="open", index=True)
    note: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The day the goods are expected: created + the supplier's lead time.
    expected_on: Mapped[date | None] = mapped_column(sa.Date)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    supplier: Mapped[Supplier] = relationship(lazy="joined")
    lines: Mapped[list["PurchaseOrderLine"]] = relationship(
        lazy="selectin", order_by="PurchaseOrderLine.id"
    )


class PurchaseOrderLine(db.Model):
    __tablename__ = "inv_purchase_order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("inv_purchase_orders.id"), index=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("inv_products.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    received: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    unit_cost: Mapped[int | None] = mapped_column(Money)

    product: Mapped[Product] = relationship(lazy="joined")


class PriceChange(db.Model):
    """One change of a product's price or member price: when, who, old, new."""

    __tablename__ = "inv_price_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("inv_products.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    username: Mapped[str | None] = mapped_column(sa.String(80))
    old_price: Mapped[int | None] = mapped_column(Money)
    new_price: Mapped[int | None] = mapped_column(Money)
    old_member_price: Mapped[int | None] = mapped_column(Money)
    new_member_price: Mapped[int | None] = mapped_column(Money)
    source: Mapped[str] = mapped_column(sa.String(16), default="edit")  # edit | import


class LabelQueueItem(db.Model):
    """A product waiting for a new shelf label (one row per product)."""

    __tablename__ = "inv_label_queue"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("inv_products.id"), unique=True)
    copies: Mapped[int] = mapped_column(default=1)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship(lazy="joined")
