"""Point of sale: tables.

Products, members and printers belong to other packages; their ids are kept here as
plain columns (no foreign key across packages), so ``pos`` depends on their services,
never on their tables.
"""

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mart.db import Money, Quantity, UTCDateTime, utcnow
from mart.extensions import db
from mart.models import User

SHIFT_OPEN = "open"
SHIFT_CLOSED = "closed"
PAYMENT_METHODS = ("cash", "qris", "card", "transfer", "simpanan", "credit")
REFUND_METHODS = ("original", *PAYMENT_METHODS)


class Register(db.Model):
    """A till: a cashier PC or tablet, with the printer its receipts go to."""

    __tablename__ = "registers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    printer_id: Mapped[int | None] = mapped_column()
    active: Mapped[bool] = mapped_column(default=True)
    # What the customer display shows (the cashier screen keeps it up to date).
    display: Mapped[dict | None] = mapped_column(sa.JSON)
    display_version: Mapped[int] = mapped_column(default=0)
    # When the customer display last asked for its state (written at most every few
    # seconds): the cashier screen sends the member to the display's PIN pad only
    # while a display is there.
    display_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MemberPinApproval(db.Model):
    """A member's PIN typed on the customer display, for one simpanan or credit payment.

    The cashier asks (``pending``, bound to the register, the member and the amount);
    the member types the PIN on the display's pad and the server checks it
    (``members.services.check_member_pin``): ``approved``, valid until ``expires_at``.
    A sale carrying ``member_pin_approval`` (the ``token``, known only to the cashier
    who asked) consumes it in its own transaction: ``used``, once. The PIN itself is
    never stored. ``member_no`` is a plain column (members belong to their package).
    """

    __tablename__ = "pos_member_pin_approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    register_id: Mapped[int] = mapped_column(sa.ForeignKey("registers.id"), index=True)
    member_no: Mapped[str] = mapped_column(sa.String(32))
    amount: Mapped[int] = mapped_column(Money)
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The sale that used it (no foreign key: the sale's row is written after the check).
    sale_id: Mapped[str | None] = mapped_column(sa.String(36))
    # What the PIN pays: "simpanan", "credit" (member credit, issue 15) or "both";
    # NULL (rows from before) is simpanan. Only the display's wording depends on it.
    method: Mapped[str | None] = mapped_column(sa.String(12))


class Shift(db.Model):
    """A cashier's shift on a register, from the opening float to the cash count.

    At most one open shift per register and one per cashier: two partial unique
    indexes hold that even when two requests race.
    """

    __tablename__ = "shifts"
    __table_args__ = (
        sa.Index(
            "uq_shifts_open_register",
            "register_id",
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        ),
        sa.Index(
            "uq_shifts_open_cashier",
            "cashier_id",
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    register_id: Mapped[int] = mapped_column(sa.ForeignKey("registers.id"), index=True)
    cashier_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(8), default=SHIFT_OPEN)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opening_float: Mapped[int] = mapped_column(Money, default=0)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    counted_cash: Mapped[int | None] = mapped_column(Money)
    counted_by_denomination: Mapped[dict | None] = mapped_column(sa.JSON)
    expected_cash: Mapped[int | None] = mapped_column(Money)
    difference: Mapped[int | None] = mapped_column(Money)
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The Z report as printed at close (figures frozen).
    report: Mapped[dict | None] = mapped_column(sa.JSON)

    register: Mapped[Register] = relationship()
    cashier: Mapped[User] = relationship(foreign_keys=[cashier_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])


class CashMovement(db.Model):
    """Cash put into (``in``) or taken out of (``out``) the drawer during a shift."""

    __tablename__ = "cash_movements"

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(sa.ForeignKey("shifts.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(4))
    amount: Mapped[int] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(sa.String(200))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    # The manager who approved a cash-out above MART_CASH_OUT_LIMIT (None: not needed).
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Sale(db.Model):
    """A completed sale. The id is the UUID the register made (idempotency key).

    ``total`` is what the goods cost after discounts; ``rounding`` is the cash
    rounding added to it (``total + rounding`` is what was due); ``change`` is cash
    given back. A completed sale is never deleted; returns are their own rows.
    """

    __tablename__ = "sales"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(48), unique=True)
    register_id: Mapped[int] = mapped_column(sa.ForeignKey("registers.id"), index=True)
    shift_id: Mapped[int] = mapped_column(sa.ForeignKey("shifts.id"), index=True)
    cashier_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    member_no: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    subtotal: Mapped[int] = mapped_column(Money)
    line_discount: Mapped[int] = mapped_column(Money, default=0)
    sale_discount: Mapped[int] = mapped_column(Money, default=0)
    discount: Mapped[int] = mapped_column(Money, default=0)
    # What running promotions gave away (issue 15), part of ``discount``.
    promotion_discount: Mapped[int] = mapped_column(Money, default=0, server_default="0")
    total: Mapped[int] = mapped_column(Money)
    rounding: Mapped[int] = mapped_column(Money, default=0)
    taxable: Mapped[int] = mapped_column(Money, default=0)
    dpp: Mapped[int] = mapped_column(Money, default=0)
    ppn: Mapped[int] = mapped_column(Money, default=0)
    paid: Mapped[int] = mapped_column(Money)
    change: Mapped[int] = mapped_column(Money, default=0)
    status: Mapped[str] = mapped_column(sa.String(12), default="completed")
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    business_date: Mapped[date] = mapped_column(sa.Date, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    register: Mapped[Register] = relationship()
    shift: Mapped[Shift] = relationship()
    cashier: Mapped[User] = relationship(foreign_keys=[cashier_id])
    lines: Mapped[list["SaleLine"]] = relationship(
        back_populates="sale", order_by="SaleLine.line_no", cascade="all, delete-orphan"
    )
    payments: Mapped[list["Payment"]] = relationship(
        back_populates="sale", order_by="Payment.id", cascade="all, delete-orphan"
    )

    @property
    def amount_due(self) -> int:
        return self.total + self.rounding


class SaleLine(db.Model):
    __tablename__ = "sale_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[str] = mapped_column(sa.ForeignKey("sales.id"), index=True)
    line_no: Mapped[int] = mapped_column()
    product_id: Mapped[int] = mapped_column(index=True)
    sku: Mapped[str] = mapped_column(sa.String(64), default="")
    name: Mapped[str] = mapped_column(sa.String(200))
    unit: Mapped[str] = mapped_column(sa.String(8), default="pcs")
    code: Mapped[str | None] = mapped_column(sa.String(64))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    regular_price: Mapped[int] = mapped_column(Money)
    unit_price: Mapped[int] = mapped_column(Money)
    member_price: Mapped[bool] = mapped_column(default=False)
    gross: Mapped[int] = mapped_column(Money)
    discount: Mapped[int] = mapped_column(Money, default=0)
    # What promotions gave away on the line (pos.services.promotions): amount = gross -
    # discount - promotion_discount - sale_discount_share.
    promotion_discount: Mapped[int] = mapped_column(Money, default=0, server_default="0")
    sale_discount_share: Mapped[int] = mapped_column(Money, default=0)
    amount: Mapped[int] = mapped_column(Money)
    tax: Mapped[str] = mapped_column(sa.String(8), default="ppn")
    # What priced the line (issue 15, pos.services.pricing): list, member, tier, pack,
    # label (a price-embedded scale label); None on sales before it. A pack line sold
    # ``pack_count`` packs of ``pack_factor`` (``quantity`` in base units) at ``pack_price``.
    price_source: Mapped[str | None] = mapped_column(sa.String(12))
    pack_name: Mapped[str | None] = mapped_column(sa.String(16))
    pack_factor: Mapped[int | None] = mapped_column()
    pack_count: Mapped[int | None] = mapped_column()
    pack_price: Mapped[int | None] = mapped_column(Money)

    sale: Mapped[Sale] = relationship(back_populates="lines")
    # What promotions gave on the line (issue 15), matched by sale and line number.
    promotions: Mapped[list["SaleLinePromotion"]] = relationship(
        primaryjoin="and_(SaleLine.sale_id == foreign(SaleLinePromotion.sale_id), "
        "SaleLine.line_no == foreign(SaleLinePromotion.line_no))",
        viewonly=True,
        order_by="SaleLinePromotion.id",
        lazy="selectin",
    )


class Payment(db.Model):
    """A payment of a sale. For cash, ``amount`` is what the customer handed over."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[str] = mapped_column(sa.ForeignKey("sales.id"), index=True)
    method: Mapped[str] = mapped_column(sa.String(12))
    amount: Mapped[int] = mapped_column(Money)
    reference: Mapped[str | None] = mapped_column(sa.String(100))

    sale: Mapped[Sale] = relationship(back_populates="payments")


class SaleReturn(db.Model):
    """Goods a customer brought back, against the original receipt (a nota retur)."""

    __tablename__ = "sale_returns"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(48), unique=True)
    sale_id: Mapped[str] = mapped_column(sa.ForeignKey("sales.id"), index=True)
    shift_id: Mapped[int | None] = mapped_column(sa.ForeignKey("shifts.id"), index=True)
    refund_method: Mapped[str] = mapped_column(sa.String(12))
    amount: Mapped[int] = mapped_column(Money)
    # The return's own PPN (docs/DOMAIN.md): its taxable amount x 11/111, half up, when the
    # sale carried PPN; DPP nilai lain from the exact price before tax.
    taxable: Mapped[int] = mapped_column(Money, default=0, server_default="0")
    dpp: Mapped[int] = mapped_column(Money, default=0, server_default="0")
    ppn: Mapped[int] = mapped_column(Money, default=0, server_default="0")
    damaged: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str | None] = mapped_column(sa.String(200))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    business_date: Mapped[date] = mapped_column(sa.Date, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    sale: Mapped[Sale] = relationship()
    lines: Mapped[list["SaleReturnLine"]] = relationship(
        back_populates="sale_return", order_by="SaleReturnLine.id", cascade="all, delete-orphan"
    )
    refunds: Mapped[list["ReturnRefund"]] = relationship(
        back_populates="sale_return", order_by="ReturnRefund.id", cascade="all, delete-orphan"
    )


class SaleReturnLine(db.Model):
    __tablename__ = "sale_return_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(sa.ForeignKey("sale_returns.id"), index=True)
    sale_line_id: Mapped[int] = mapped_column(sa.ForeignKey("sale_lines.id"), index=True)
    product_id: Mapped[int] = mapped_column()
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    amount: Mapped[int] = mapped_column(Money)

    sale_return: Mapped[SaleReturn] = relationship(back_populates="lines")
    sale_line: Mapped[SaleLine] = relationship()


class ReturnRefund(db.Model):
    """How a return's money went back: cash, simpanan sukarela, or a non-cash method."""

    __tablename__ = "return_refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(sa.ForeignKey("sale_returns.id"), index=True)
    method: Mapped[str] = mapped_column(sa.String(12))
    amount: Mapped[int] = mapped_column(Money)

    sale_return: Mapped[SaleReturn] = relationship(back_populates="refunds")


class SuspendedSale(db.Model):
    """A sale put aside on a register (the customer went to fetch something)."""

    __tablename__ = "suspended_sales"

    id: Mapped[int] = mapped_column(primary_key=True)
    register_id: Mapped[int] = mapped_column(sa.ForeignKey("registers.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    label: Mapped[str] = mapped_column(sa.String(80), default="")
    payload: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


PROMOTION_KINDS = ("percent", "buy_get", "bundle")


class Promotion(db.Model):
    """A promotion (issue 15): ``percent`` off some products or a category, ``buy_get``
    (buy ``buy_qty`` of a product, ``get_qty`` more free) or a ``bundle`` (one of each
    of ``product_ids`` for ``bundle_price``), running from ``starts_at`` to ``ends_at``
    (exclusive). See pos.services.promotions."""

    __tablename__ = "pos_promotions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[str] = mapped_column(sa.String(12))
    percent: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    buy_qty: Mapped[int | None] = mapped_column()
    get_qty: Mapped[int | None] = mapped_column()
    bundle_price: Mapped[int | None] = mapped_column(Money)
    product_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    category_id: Mapped[int | None] = mapped_column()
    members_only: Mapped[bool] = mapped_column(default=False)
    stackable: Mapped[bool] = mapped_column(default=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SaleLinePromotion(db.Model):
    """What one promotion gave away on one sale line (by the line's sale and number:
    the sale path inserts lines without reading their ids back)."""

    __tablename__ = "pos_sale_line_promotions"

    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[str] = mapped_column(sa.ForeignKey("sales.id"), index=True)
    line_no: Mapped[int] = mapped_column()
    promotion_id: Mapped[int] = mapped_column(sa.ForeignKey("pos_promotions.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    discount: Mapped[int] = mapped_column(Money)
