"""Inventory: tables.

The stock ledger (``stock_movements``) is append-only: every change of stock is a row
with a signed quantity. ``products.on_hand`` is a cache of the sum of a product's
movements, updated by atomic SQL in the same transaction as the movement.

Konsinyasi (consignment): goods delivered by a supplier on consignment stay the
supplier's until sold. Movements of such goods carry ``owner="supplier"`` and the
supplier's id; a settlement claims the sale and customer-return movements it pays
for by setting their ``settlement_id`` (once: ``WHERE settlement_id IS NULL``).
"""

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mart.db import Money, Quantity, UTCDateTime, utcnow
from mart.extensions import db

UNITS = ("pcs", "kg")
TAX_CLASSES = ("ppn", "exempt")
TERMS = ("purchase", "consignment")
MOVEMENT_KINDS = (
    "receipt",
    "sale",
    "customer_return",
    "supplier_return",
    "count_adjustment",
    "write_off",
)
OWNERS = ("mart", "supplier")


class Category(db.Model):
    __tablename__ = "inv_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)


class Supplier(db.Model):
    """A supplier; often a member-entrepreneur (UMKM) linked by ``member_no``."""

    __tablename__ = "inv_suppliers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    address: Mapped[str | None] = mapped_column(sa.String(250))
    # IUMK or NIB number of the micro-business permit.
    permit_no: Mapped[str | None] = mapped_column(sa.String(40))
    bank_name: Mapped[str | None] = mapped_column(sa.String(60))
    bank_account_no: Mapped[str | None] = mapped_column(sa.String(40))
    bank_account_name: Mapped[str | None] = mapped_column(sa.String(120))
    terms: Mapped[str] = mapped_column(sa.String(12), default="purchase")
    # Exact percent (e.g. 15 or 12.5) taken by the mart on consignment sales.
    commission_percent: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal(0))
    member_no: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    # A micro/small business (UMKM), counted in the roll-up; true for member suppliers.
    umkm: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Days from order to delivery (purchase suggestions); None: MART_PO_LEAD_TIME_DAYS.
    lead_time_days: Mapped[int | None] = mapped_column()


class Product(db.Model):
    __tablename__ = "inv_products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    # Lower-case, accent-free words of name, sku and barcodes, for search.
    search_text: Mapped[str] = mapped_column(sa.String(500), default="")
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inv_categories.id"), index=True)
    unit: Mapped[str] = mapped_column(sa.String(8), default="pcs")
    price: Mapped[int] = mapped_column(Money)
    member_price: Mapped[int | None] = mapped_column(Money)
    tax: Mapped[str] = mapped_column(sa.String(8), default="ppn")
    supplier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inv_suppliers.id"), index=True)
    reorder_point: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    active: Mapped[bool] = mapped_column(default=True)
    tracks_expiry: Mapped[bool] = mapped_column(default=False)
    # Moving average cost (HPP rata-rata) of the mart's own stock, whole rupiah.
    avg_cost: Mapped[int] = mapped_column(Money, default=0)
    # What the mart owes a consignment supplier per unit sold (supplier-price basis).
    supplier_price: Mapped[int | None] = mapped_column(Money)
    # Cache of the sum of this product's movements; written only by atomic SQL.
    on_hand: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    # Units sold below zero stock while no cost was known (avg_cost 0): they take the
    # cost of the next purchase receipt, booked then as a late cost (``LateCost``).
    cost_pending: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0), server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    category: Mapped[Category | None] = relationship(lazy="joined")
    supplier: Mapped[Supplier | None] = relationship(lazy="joined")
    barcodes: Mapped[list["Barcode"]] = relationship(
        back_populates="product", lazy="selectin", order_by="Barcode.id"
    )
    # Quantity prices (harga grosir), issue 15: ``[{min_quantity, price, members_only}]``
    # sorted by ``min_quantity`` (``inventory.packs``); None or [] for none.
    price_tiers: Mapped[list | None] = mapped_column(sa.JSON)
    # The packs it is also sold in (renteng, pak, lusin, dus), issue 15.
    packs: Mapped[list["ProductPack"]] = relationship(
        back_populates="product",
        lazy="select",  # on access: a scan or a sale never reads them through here
        order_by="ProductPack.factor",
        cascade="all, delete-orphan",
    )

    @property
    def barcode(self) -> str | None:
        return self.barcodes[0].code if self.barcodes else None

    @property
    def consigned(self) -> bool:
        return self.supplier is not None and self.supplier.terms == "consignment"


class Barcode(db.Model):
    __tablename__ = "inv_barcodes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("inv_products.id"), index=True)

    product: Mapped[Product] = relationship(back_populates="barcodes")


class ProductPack(db.Model):
    """A pack of a product (issue 15): ``factor`` base units under their own barcode and
    price; stock, cost and everything counted stay in the base unit."""

    __tablename__ = "inv_product_packs"
    __table_args__ = (sa.UniqueConstraint("product_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("inv_products.id"))
    name: Mapped[str] = mapped_column(sa.String(16))
    factor: Mapped[int] = mapped_column()
    # Unique across packs; never one of a product's barcodes (checked by the service).
    barcode: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    price: Mapped[int] = mapped_column(Money)
    member_price: Mapped[int | None] = mapped_column(Money)
    # What a pack usually costs from the supplier (goods receipts entered in packs).
    cost: Mapped[int | None] = mapped_column(Money)

    product: Mapped[Product] = relationship(back_populates="packs")


class ConsignmentSettlement(db.Model):
    __tablename__ = "inv_settlements"

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(sa.ForeignKey("inv_suppliers.id"), index=True)
    period_end: Mapped[date] = mapped_column(sa.Date)
    # "commission" (sale price minus commission) or "supplier_price".
    basis: Mapped[str] = mapped_column(sa.String(16))
    commission_percent: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    sales_value: Mapped[int] = mapped_column(Money, default=0)
    commission: Mapped[int] = mapped_column(Money, default=0)
    payable: Mapped[int] = mapped_column(Money, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    paid_reference: Mapped[str | None] = mapped_column(sa.String(120))

    supplier: Mapped[Supplier] = relationship(lazy="joined")
    lines: Mapped[list["ConsignmentSettlementLine"]] = relationship(
        lazy="selectin", order_by="ConsignmentSettlementLine.id"
    )


class ConsignmentSettlementLine(db.Model):
    __tablename__ = "inv_settlement_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    settlement_id: Mapped[int] = mapped_column(sa.ForeignKey("inv_settlements.id"), index=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("inv_products.id"))
    units_received: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    units_sold: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    units_returned: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    on_hand: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    sales_value: Mapped[int] = mapped_column(Money, default=0)
    commission: Mapped[int] = mapped_column(Money, default=0)
    payable: Mapped[int] = mapped_column(Money, default=0)

    product: Mapped[Product] = relationship(lazy="joined")


class StockMovement(db.Model):
    """One change of stock. Append-only; a correction is a new movement."""

    __tablename__ = "inv_movements"
    __table_args__ = (sa.Index("ix_inv_movements_product_at", "product_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("inv_products.id"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    quantity: Mapped[Decimal] = mapped_column(Quantity)  # signed: + in, - out
    unit_cost: Mapped[int | None] = mapped_column(Money)
    unit_price: Mapped[int | None] = mapped_column(Money)
    # What the customer paid for these units (a sale line's amount after every
    # discount, a return's refund); consignment settles from it. None on other kinds.
    amount: Mapped[int | None] = mapped_column(Money)
    owner: Mapped[str] = mapped_column(sa.String(10), default="mart")
    # The consignment supplier owning the goods (owner == "supplier").
    supplier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inv_suppliers.id"))
    ref_type: Mapped[str | None] = mapped_column(sa.String(32))
    ref_id: Mapped[str | None] = mapped_column(sa.String(64))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    expiry_date: Mapped[date | None] = mapped_column(sa.Date)
    batch: Mapped[str | None] = mapped_column(sa.String(40))
    # The settlement that paid this consigned sale/return, or listed this consigned
    # receipt/supplier return on its statement (set once).
    settlement_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("inv_settlements.id"), index=True
    )

    product: Mapped[Product] = relationship(lazy="raise")


class LateCost(db.Model):
    """Cost of goods sold booked late: units sold before any cost was known take the
    cost of their product's next purchase receipt (docs/DOMAIN.md)."""

    __tablename__ = "inv_late_costs"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("inv_products.id"), index=True)
    receipt_id: Mapped[int] = mapped_column(sa.ForeignKey("inv_receipts.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_cost: Mapped[int] = mapped_column(Money)
    amount: Mapped[int] = mapped_column(Money)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class GoodsReceipt(db.Model):
    __tablename__ = "inv_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(sa.ForeignKey("inv_suppliers.id"), index=True)
    terms: Mapped[str] = mapped_column(sa.String(12))
    reference: Mapped[str | None] = mapped_column(sa.String(64))
    total_cost: Mapped[int] = mapped_column(Money, default=0)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The purchase order this delivery is against (inventory.purchasing), if any.
    purchase_order_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("inv_purchase_orders.id"), index=True
    )

    supplier: Mapped[Supplier] = relationship(lazy="joined")
    lines: Mapped[list["GoodsReceiptLine"]] = relationship(
        lazy="selectin", order_by="GoodsReceiptLine.id"
    )
    late_costs: Mapped[list[LateCost]] = relationship(lazy="select", order_by=LateCost.id)


class GoodsReceiptLine(db.Model):
    __tablename__ = "inv_receipt_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(sa.ForeignKey("inv_receipts.id"), index=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("inv_products.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_cost: Mapped[int] = mapped_column(Money)
    expiry_date: Mapped[date | None] = mapped_column(sa.Date)
    batch: Mapped[str | None] = mapped_column(sa.String(40))


class SupplierReturn(db.Model):
    __tablename__ = "inv_supplier_returns"

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(sa.ForeignKey("inv_suppliers.id"), index=True)
    reason: Mapped[str | None] = mapped_column(sa.String(200))
    total_cost: Mapped[int] = mapped_column(Money, default=0)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    supplier: Mapped[Supplier] = relationship(lazy="joined")
    lines: Mapped[list["SupplierReturnLine"]] = relationship(
        lazy="selectin", order_by="SupplierReturnLine.id"
    )


class SupplierReturnLine(db.Model):
    __tablename__ = "inv_supplier_return_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(sa.ForeignKey("inv_supplier_returns.id"), index=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("inv_products.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_cost: Mapped[int] = mapped_column(Money)


class StockCount(db.Model):
    """A stock opname. ``product_ids`` limits it to some products (None: all)."""

    __tablename__ = "inv_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="open")  # open | posted
    note: Mapped[str | None] = mapped_column(sa.String(200))
    product_ids: Mapped[list | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lines: Mapped[list["StockCountLine"]] = relationship(
        lazy="selectin", order_by="StockCountLine.id"
    )


class StockCountLine(db.Model):
    """The counted quantity of one product, and the ledger at the moment it was counted."""

    __tablename__ = "inv_count_lines"
    __table_args__ = (sa.UniqueConstraint("count_id", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    count_id: Mapped[int] = mapped_column(sa.ForeignKey("inv_counts.id"), index=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("inv_products.id"))
    counted: Mapped[Decimal] = mapped_column(Quantity)
    ledger_at_count: Mapped[Decimal] = mapped_column(Quantity)
    counted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    unit_cost: Mapped[int | None] = mapped_column(Money)

    product: Mapped[Product] = relationship(lazy="joined")
