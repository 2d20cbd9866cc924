"""Inventory: the operations. Services flush; the request commits.

Every change of stock goes through :func:`add_movement`, which appends a ledger row
and moves ``products.on_hand`` by atomic SQL in the same transaction, so the cache
always equals the sum of the movements.

Costing decisions (documented here because the domain leaves them open):

* **Moving average cost** (HPP rata-rata) changes only on a purchase receipt:
  ``new = (on_hand * avg + q * cost) / (on_hand + q)``, computed in SQL on the stored
  integers (thousandths of a unit times rupiah) and rounded half up to whole rupiah.
  When the mart holds nothing (on_hand <= 0) the new average is the receipt's cost.
* **Konsinyasi settlement**: a supplier with ``commission_percent > 0`` is paid the
  sales value minus the commission (``basis="commission"``; commission per product
  line, rounded half up); a consignment supplier with 0 % commission is paid the
  agreed ``supplier_price`` per unit sold (``basis="supplier_price"``; the
  commission is then the margin, sales value minus payable). Sales are net of
  customer returns; each sale/return movement is claimed by exactly one settlement.
* **Stock value** counts products with a positive on-hand only; negative stock is
  reported on its own list.
"""

import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, has_request_context
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from inventory import barcodes as bc
from inventory.models import (
    Barcode,
    Category,
    ConsignmentSettlement,
    ConsignmentSettlementLine,
    GoodsReceipt,
    GoodsReceiptLine,
    LateCost,
    Product,
    StockCount,
    StockCountLine,
    StockMovement,
    Supplier,
    SupplierReturn,
    SupplierReturnLine,
)
from mart import audit
from mart.db import UTCDateTime, quantity, utcnow
from mart.errors import Conflict, InvalidInput, NotFound
from mart.extensions import db

log = logging.getLogger(__name__)

DEFAULT_SCALE_RULES = "21:weight,22:price"
ZERO = Decimal("0.000")


def _money(value) -> int:
    """Round an exact Decimal amount to whole rupiah, halves up (away from zero)."""
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _user(user=None):
    if user is not None:
        return user
    if has_request_context() and current_user.is_authenticated:
        return current_user
    return None


def _user_id(user=None):
    user = _user(user)
    return getattr(user, "id", None)


# --- products --------------------------------------------------------------------


def get_product(product_id) -> Product:
    """The product; raises ``NotFound``."""
    product = db.session.get(Product, product_id) if product_id is not None else None
    if product is None:
        raise NotFound(_("Unknown product."))
    return product


def get_supplier(supplier_id, field="supplier_id") -> Supplier:
    """The supplier; an unknown id is ``InvalidInput`` naming ``field``."""
    supplier = db.session.get(Supplier, supplier_id) if supplier_id is not None else None
    if supplier is None:
        raise InvalidInput(_("Unknown supplier."), field=field)
    return supplier


def validate_barcode(code: str, field="barcode") -> str:
    code = (code or "").strip()
    if not bc.is_valid(code):
        raise InvalidInput(
            _("Not a valid EAN-13, EAN-8 or UPC-A barcode (check digit)."), field=field
        )
    return code


def _category_id(data):
    if data.get("category_id") is not None:
        if db.session.get(Category, data["category_id"]) is None:
            raise InvalidInput(_("Unknown category."), field="category_id")
        return data["category_id"]
    name = (data.get("category") or "").strip()
    if not name:
        return None
    return ensure_category(name).id


def ensure_category(name: str) -> Category:
    category = db.session.scalar(sa.select(Category).where(Category.name == name))
    if category is None:
        category = Category(name=name)
        db.session.add(category)
        db.session.flush()
    return category


def _refresh_search(product: Product):
    product.search_text = bc.search_text(
        product.name, product.sku, [b.code for b in product.barcodes]
    )


def _check_codes_free(codes, product_id=None, field="barcode"):
    if not codes:
        return
    taken = db.session.execute(
        sa.select(Barcode.code, Barcode.product_id).where(Barcode.code.in_(codes))
    ).all()
    if any(pid != product_id for _code, pid in taken):
        raise Conflict(_("This barcode belongs to another product."))
    if db.session.scalar(
        sa.select(Product.id).where(Product.sku.in_(codes), Product.id != (product_id or 0))
    ):
        raise Conflict(_("This barcode is another product's sku."))


def create_product(data, user=None) -> Product:
    """Create a product from validated ``data`` (ProductCreateSchema).

    Raises ``InvalidInput`` (bad barcode, unknown supplier/category), ``Conflict``
    (duplicate sku or barcode).
    """
    codes = []
    for code in [data.get("barcode"), *(data.get("barcodes") or [])]:
        if code:
            code = validate_barcode(code)
            if code not in codes:
                codes.append(code)
    sku = data["sku"].strip()
    if db.session.scalar(sa.select(Product.id).where(Product.sku == sku)):
        raise Conflict(_("A product with this sku exists."))
    _check_codes_free(codes)
    if data.get("supplier_id") is not None:
        get_supplier(data["supplier_id"])
    product = Product(
        sku=sku,
        name=data["name"].strip(),
        category_id=_category_id(data),
        unit=data.get("unit") or "pcs",
        price=data["price"],
        member_price=data.get("member_price"),
        tax=data.get("tax") or "ppn",
        supplier_id=data.get("supplier_id"),
        reorder_point=quantity(data.get("reorder_point") or 0),
        active=data.get("active", True),
        tracks_expiry=data.get("tracks_expiry", False),
        supplier_price=data.get("supplier_price"),
        avg_cost=data.get("cost") or 0,
        on_hand=ZERO,
    )
    product.barcodes = [Barcode(code=c) for c in codes]
    _refresh_search(product)
    db.session.add(product)
    db.session.flush()
    audit.record("product.create", product, after={"sku": sku, "price": product.price}, user=user)
    from inventory import labels

    labels.record_changes(
        [(product.id, None, product.price, None, product.member_price)], user=user
    )
    return product


UPDATABLE = (
    "name",
    "unit",
    "price",
    "member_price",
    "tax",
    "supplier_id",
    "reorder_point",
    "active",
    "tracks_expiry",
    "supplier_price",
)


def update_product(product_id, data, user=None) -> Product:
    """Change a product (PATCH). ``barcodes`` replaces the list; ``barcode`` adds one."""
    product = get_product(product_id)
    before = {"price": product.price, "active": product.active, "name": product.name}
    old_member_price = product.member_price
    if data.get("supplier_id") is not None:
        get_supplier(data["supplier_id"])
    for key in UPDATABLE:
        if key in data:
            value = data[key]
            if key == "reorder_point":
                value = quantity(value or 0)
            setattr(product, key, value)
    if "category" in data or "category_id" in data:
        product.category_id = _category_id(data)
    if "barcodes" in data or data.get("barcode"):
        codes = (
            [c.code for c in product.barcodes]
            if "barcodes" not in data
            else [validate_barcode(c, "barcodes") for c in data["barcodes"] or []]
        )
        if data.get("barcode"):
            code = validate_barcode(data["barcode"])
            if code not in codes:
                codes.append(code)
        codes = list(dict.fromkeys(codes))
        _check_codes_free(codes, product.id)
        keep = {b.code: b for b in product.barcodes}
        for old in list(product.barcodes):
            if old.code not in codes:
                product.barcodes.remove(old)
                db.session.delete(old)
        db.session.flush()
        for code in codes:
            if code not in keep:
                product.barcodes.append(Barcode(code=code))
        # the registers' offline catalogues take changes by updated_at (inventory/catalogue.py)
        product.updated_at = utcnow()
    _refresh_search(product)
    db.session.flush()
    after = {"price": product.price, "active": product.active, "name": product.name}
    if after != before:
        audit.record("product.update", product, before=before, after=after, user=user)
    from inventory import labels

    labels.record_changes(
        [(product.id, before["price"], product.price, old_member_price, product.member_price)],
        user=user,
    )
    return product


@dataclass
class ScanResult:
    product: Product
    quantity: Decimal | None = None
    price: int | None = None


def scale_rules():
    text = current_app.config.get("MART_SCALE_RULES") or DEFAULT_SCALE_RULES
    return bc.parse_rules(text)


def _barcode_candidates(code):
    """The code, and for UPC-A its other spelling (12 digits, or 13 with a leading 0)."""
    if not code.isascii():
        return (code,)
    if code.isdigit() and len(code) == 12:
        return (code, "0" + code)
    if code.isdigit() and len(code) == 13 and code.startswith("0"):
        return (code, code[1:])
    return (code,)


def _product_id_by_barcode(*codes):
    """One statement on the barcode's unique index: the product id (the first code
    wins when several spellings are registered), or None. Run on the session's
    connection (Core, same transaction): no ORM machinery for a plain id."""
    conn = _connection()
    if len(codes) == 1:
        return conn.scalar(_BARCODE_ID, {"code": codes[0]})
    found = dict(conn.execute(_BARCODE_IDS, {"codes": list(codes)}).all())
    return next((found[c] for c in codes if c in found), None)


# Built once: building a select with its loader options costs more CPU than running it.
_BARCODE_ID = sa.select(Barcode.product_id).where(Barcode.code == sa.bindparam("code"))
_BARCODE_IDS = sa.select(Barcode.code, Barcode.product_id).where(
    Barcode.code.in_(sa.bindparam("codes", expanding=True))
)
_SKU_ID = sa.select(Product.id).where(Product.sku == sa.bindparam("sku"))
# The product with everything a scan shows: category and supplier (lazy="joined", on
# their primary keys) and its barcodes joined here, so nothing lazy-loads afterwards.
_PRODUCT_BY_ID = (
    sa.select(Product)
    .where(Product.id == sa.bindparam("product_id"))
    .options(joinedload(Product.barcodes))
)
# The same, found through the barcode's unique index in a scalar subquery: one statement.
_PRODUCT_BY_BARCODE = (
    sa.select(Product)
    .where(Product.id == _BARCODE_ID.scalar_subquery())
    .options(joinedload(Product.barcodes))
)


def _product_id_by_sku(sku):
    """One statement on the sku's unique index (exact, case-sensitive)."""
    return _connection().scalar(_SKU_ID, {"sku": sku})


def _connection():
    """The session's connection, after the autoflush an ORM query would have done (so
    a barcode or product added earlier in the transaction is found)."""
    session = db.session
    if session.autoflush and (session.new or session.dirty or session.deleted):
        session.flush()
    return session.connection()


def _load_product(product_id):
    return db.session.scalars(_PRODUCT_BY_ID, {"product_id": product_id}).unique().first()


def lookup_code(code: str) -> ScanResult:
    """Find a product by a scanned or typed code.

    A registered barcode (UPC-A also matches as 13 digits with a leading 0), a scale
    label (weight or price embedded, see ``inventory.barcodes``), or a sku. Raises
    ``NotFound`` for an unknown code, ``Conflict`` for an inactive product.

    A registered EAN-13/EAN-8 costs one statement (the product by primary key, found
    through the barcode's unique index, with category, supplier and barcodes joined);
    a UPC-A two (both spellings' ids in one ``IN``, then the product); a sku or a scale
    label one or two more. Nothing lazy-loads afterwards.
    """
    code = (code or "").strip()
    if not code:
        raise NotFound(_("Unknown code."))
    quantity = price = None
    candidates = _barcode_candidates(code)
    if len(candidates) == 1:
        product = db.session.scalars(_PRODUCT_BY_BARCODE, {"code": code}).unique().first()
        product_id = None if product is None else product.id
    else:
        product_id = _product_id_by_barcode(*candidates)
        product = None
    if product_id is None and code.isascii() and code.isdigit():
        label = bc.parse_scale_label(code, scale_rules())
        if label is not None:
            product_id = _product_id_by_barcode(label.registered_code) or _product_id_by_sku(
                label.item_code
            )
            if product_id is not None:
                quantity, price = label.quantity, label.price
    if product_id is None:
        product_id = _product_id_by_sku(code)
    if product_id is None:
        raise NotFound(_("Unknown code."))
    if product is None:
        product = _load_product(product_id)
    if not product.active:
        raise Conflict(_("This product is no longer sold."))
    return ScanResult(product, quantity, price)


def _search_stmt(q, include_inactive=False, supplier_id=None):
    stmt = sa.select(Product)
    if not include_inactive:
        stmt = stmt.where(Product.active.is_(True))
    if supplier_id is not None:
        stmt = stmt.where(Product.supplier_id == supplier_id)
    words = bc.normalise(q or "").split()
    for word in words[:8]:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(Product.search_text.like(f"%{escaped}%", escape="\\"))
    return stmt


def search_stmt(q=None, *, include_inactive=True, supplier_id=None, barcode=None):
    """The select behind ``GET /products``: by exact barcode, or by words of ``q``."""
    if barcode:
        stmt = (
            sa.select(Product)
            .join(Barcode, Barcode.product_id == Product.id)
            .where(Barcode.code == barcode.strip())
        )
        if supplier_id is not None:
            stmt = stmt.where(Product.supplier_id == supplier_id)
        return stmt.order_by(Product.id)
    return _search_stmt(q, include_inactive, supplier_id).order_by(Product.name, Product.id)


def search_products(q, limit=20) -> list[Product]:
    """Active products matching a barcode or sku exactly first, then words of the name
    (case- and accent-insensitive)."""
    q = (q or "").strip()
    found = []
    if q:
        with contextlib.suppress(NotFound, Conflict):
            found.append(lookup_code(q).product)
    rest = db.session.scalars(
        _search_stmt(q).order_by(Product.name, Product.id).limit(limit + 1)
    ).all()
    for product in rest:
        if product not in found:
            found.append(product)
    return found[:limit]


# --- suppliers -------------------------------------------------------------------


SUPPLIER_FIELDS = (
    "name",
    "phone",
    "address",
    "permit_no",
    "bank_name",
    "bank_account_no",
    "bank_account_name",
    "terms",
    "commission_percent",
    "member_no",
    "umkm",
    "active",
    "lead_time_days",
)


def create_supplier(data, user=None) -> Supplier:
    values = {k: data[k] for k in SUPPLIER_FIELDS if k in data}
    values["terms"] = values.get("terms") or "purchase"
    values["commission_percent"] = Decimal(values.get("commission_percent") or 0)
    if "umkm" not in values:
        values["umkm"] = bool(values.get("member_no"))
    supplier = Supplier(**values)
    db.session.add(supplier)
    db.session.flush()
    audit.record("supplier.create", supplier, after={"name": supplier.name}, user=user)
    return supplier


def update_supplier(supplier_id, data, user=None) -> Supplier:
    supplier = db.session.get(Supplier, supplier_id)
    if supplier is None:
        raise NotFound(_("Unknown supplier."))
    before = {k: str(getattr(supplier, k)) for k in SUPPLIER_FIELDS if k in data}
    for key in SUPPLIER_FIELDS:
        if key in data:
            setattr(supplier, key, data[key])
    db.session.flush()
    changed = [k for k in before if before[k] != str(getattr(supplier, k))]
    if changed:
        # Where the supplier's money goes is audited with the old and new account.
        bank = [k for k in changed if k.startswith("bank_")]
        audit.record(
            "supplier.bank_account_change" if bank else "supplier.update",
            supplier,
            before={k: before[k] for k in changed},
            after={k: str(getattr(supplier, k)) for k in changed},
            user=user,
        )
    return supplier


# --- the ledger ------------------------------------------------------------------


def _positive(value, field="quantity") -> Decimal:
    try:
        value = quantity(value)
    except Exception as exc:
        raise InvalidInput(_("Not a number."), field=field) from exc
    if value <= 0:
        raise InvalidInput(_("Must be greater than 0."), field=field)
    return value


def add_movement(
    product: Product,
    kind: str,
    qty: Decimal,
    *,
    unit_cost=None,
    unit_price=None,
    amount=None,
    owner="mart",
    supplier_id=None,
    ref_type=None,
    ref_id=None,
    user=None,
    expiry_date=None,
    batch=None,
    at=None,
) -> StockMovement:
    """Append one movement and move the product's on-hand by atomic SQL."""
    qty = quantity(qty)
    movement = StockMovement(
        product_id=product.id,
        kind=kind,
        quantity=qty,
        unit_cost=unit_cost,
        unit_price=unit_price,
        amount=None if amount is None else int(amount),
        owner=owner,
        supplier_id=supplier_id if owner == "supplier" else None,
        ref_type=ref_type,
        ref_id=None if ref_id is None else str(ref_id),
        user_id=_user_id(user),
        at=at or utcnow(),
        expiry_date=expiry_date,
        batch=batch,
    )
    db.session.add(movement)
    _bump_on_hand(product, qty)
    return movement


def raw(column):
    """A Quantity column as its stored integer (thousandths), for exact SQL arithmetic."""
    return sa.type_coerce(column, sa.BigInteger)


def from_raw(value) -> Decimal:
    """Stored thousandths to a 3-place Decimal (exact)."""
    return Decimal(int(value or 0)).scaleb(-3)


def _bump_on_hand(product: Product, qty: Decimal, new_avg_cost_of=None):
    table = Product.__table__
    raw_q = sa.literal(int(quantity(qty) * 1000), sa.BigInteger)
    old = raw(table.c.on_hand)
    values = {"on_hand": old + raw_q, "updated_at": utcnow()}
    if new_avg_cost_of is not None:
        # Moving average on the stored integers (on_hand in thousandths), half up.
        cost = sa.literal(int(new_avg_cost_of), sa.BigInteger)
        values["avg_cost"] = sa.case(
            (old <= 0, cost),
            else_=((old * table.c.avg_cost + raw_q * cost) * 2 + (old + raw_q))
            // ((old + raw_q) * 2),
        )
    row = db.session.execute(
        sa.update(table)
        .where(table.c.id == product.id)
        .values(**values)
        .returning(raw(table.c.on_hand), table.c.avg_cost)
    ).one()
    # Keep the loaded object in step without marking it dirty.
    set_committed_value(product, "on_hand", from_raw(row[0]))
    set_committed_value(product, "avg_cost", int(row[1]))


def _owner_of(product: Product):
    if product.consigned:
        return "supplier", product.supplier_id
    return "mart", None


def record_sale(
    product_id,
    quantity,
    *,
    unit_price: int,
    ref_type="sale",
    ref_id: str,
    user=None,
    amount: int | None = None,
) -> StockMovement:
    """Stock out for a sale; never refused for stock (on-hand may go negative).

    ``unit_price`` is the net price per unit charged; ``amount`` what the customer paid
    for the line (after every discount), which a consignment settlement pays from
    (without it: quantity x unit price). Raises ``NotFound`` (product),
    ``InvalidInput`` (quantity not above 0).
    """
    product = get_product(product_id)
    qty = _positive(quantity)
    owner, supplier_id = _owner_of(product)
    cost = product.supplier_price if owner == "supplier" else product.avg_cost
    movement = add_movement(
        product,
        "sale",
        -qty,
        unit_cost=cost,
        unit_price=int(unit_price),
        amount=amount,
        owner=owner,
        supplier_id=supplier_id,
        ref_type=ref_type,
        ref_id=ref_id,
        user=user,
    )
    if owner == "mart" and not cost:
        _note_cost_pending(db.session.connection(), {product.id: int(qty * 1000)})
    return movement


def record_customer_return(
    product_id,
    quantity,
    *,
    unit_price: int,
    ref_type="return",
    ref_id: str,
    write_off=False,
    user=None,
    amount: int | None = None,
) -> StockMovement:
    """Stock back in from a customer (with ``write_off``: in, then out as damaged).

    ``amount`` is what the customer got back for these units (a consignment
    settlement takes it off the sales value). A unit of a product still waiting for
    its first cost comes back off ``cost_pending``. Returns the customer-return
    movement. Raises ``NotFound``, ``InvalidInput``.
    """
    product = get_product(product_id)
    qty = _positive(quantity)
    owner, supplier_id = _owner_of(product)
    cost = product.supplier_price if owner == "supplier" else product.avg_cost
    if owner == "mart" and not cost and product.cost_pending > 0:
        table = Product.__table__
        pending = raw(table.c.cost_pending)
        back = sa.literal(int(qty * 1000), sa.BigInteger)
        db.session.execute(
            sa.update(table)
            .where(table.c.id == product.id)
            .values(cost_pending=sa.case((pending > back, pending - back), else_=0))
        )
        db.session.expire(product, ["cost_pending"])
    movement = add_movement(
        product,
        "customer_return",
        qty,
        unit_cost=cost,
        unit_price=int(unit_price),
        amount=amount,
        owner=owner,
        supplier_id=supplier_id,
        ref_type=ref_type,
        ref_id=ref_id,
        user=user,
    )
    if write_off:
        add_movement(
            product,
            "write_off",
            -qty,
            unit_cost=cost,
            owner=owner,
            supplier_id=supplier_id,
            ref_type=ref_type,
            ref_id=ref_id,
            user=user,
        )
    return movement


def write_off(product_id, quantity, *, reason=None, user=None) -> StockMovement:
    """Spoilage or expiry: stock out at cost, written to the audit log."""
    from inventory import books as stock_books

    product = get_product(product_id)
    qty = _positive(quantity)
    owner, supplier_id = _owner_of(product)
    cost = product.supplier_price if owner == "supplier" else product.avg_cost
    stock_before = stock_books.owned_values([product.id], lock=True)
    movement = add_movement(
        product,
        "write_off",
        -qty,
        unit_cost=cost,
        owner=owner,
        supplier_id=supplier_id,
        ref_type="write_off",
        user=user,
    )
    db.session.flush()
    if stock_before:
        from books import events as books_events

        stock_after = stock_books.owned_values(stock_before)
        books_events.stock_difference(
            _business_date(),
            source_type="write_off",
            source_id=movement.id,
            value=stock_books.values_of(stock_after) - stock_books.values_of(stock_before),
            memo=f"Penghapusan persediaan: {product.name}"[:250],
            user=_user(user),
        )
    audit.record(
        "stock.write_off", product, after={"quantity": str(qty)}, note=reason, user=_user(user)
    )
    return movement


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
    prepared = []
    for i, line in enumerate(lines):
        product = products[line["product_id"]]
        if not product.active:
            raise InvalidInput(_("This product is inactive."), field=f"lines.{i}.product_id")
        qty = _positive(line.get("quantity"), field=f"lines.{i}.quantity")
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
        prepared.append((product, qty, int(cost), line))
    from inventory import purchasing

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
    # Bulk statements: one INSERT of the lines, one of the movements, and one
    # executemany UPDATE of the on-hand (and average cost), in line order.
    total = Decimal(0)
    line_rows, movement_rows, bumps = [], [], []
    at = receipt.at or utcnow()
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
    db.session.flush()
    if not consignment:
        _book_late_costs(receipt, prepared, at)
    from inventory import books as stock_books

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
        from books import events as books_events

        stock_after = stock_books.owned_values(stock_before)
        books_events.goods_receipt(
            _business_date(at),
            receipt_id=receipt.id,
            invoice=receipt.total_cost,
            stock_value=stock_books.values_of(stock_after) - stock_books.values_of(stock_before),
            user=_user(user),
        )
    if order is not None:
        purchasing.apply_receipt(order, [(p.id, q) for p, q, *_rest in prepared])
    return receipt


def _book_late_costs(receipt: GoodsReceipt, prepared, at):
    """Units sold before any cost was known take the cost of their product's next
    purchase receipt (DOMAIN.md): before the receipt moves on-hand, each product of it
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


def _business_date(at=None) -> date:
    from books.services import business_date

    return business_date(at)


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
    from inventory import books as stock_books

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
    from books import events as books_events

    stock_after = stock_books.owned_values(stock_before)
    books_events.supplier_return(
        _business_date(),
        return_id=ret.id,
        refund=_money(owned_cost),
        stock_value=stock_books.values_of(stock_before) - stock_books.values_of(stock_after),
        user=_user(user),
    )
    return ret


# --- stock counts (stock opname) -------------------------------------------------


def open_count(data, user=None) -> StockCount:
    ids = data.get("product_ids")
    if ids:
        known = set(db.session.scalars(sa.select(Product.id).where(Product.id.in_(ids))).all())
        for i, pid in enumerate(ids):
            if pid not in known:
                raise InvalidInput(_("Unknown product."), field=f"product_ids.{i}")
    count = StockCount(note=data.get("note"), product_ids=ids or None, user_id=_user_id(user))
    db.session.add(count)
    db.session.flush()
    return count


def get_count(count_id) -> StockCount:
    count = db.session.get(StockCount, count_id)
    if count is None:
        raise NotFound(_("Unknown stock count."))
    return count


def enter_count(count_id, data, user=None) -> StockCountLine:
    """Enter a counted quantity (``mode`` ``add``: one more shelf, the default, or
    ``set``). The ledger at this moment is kept with it: movements after the count
    are not part of the difference. Raises ``Conflict`` once posted."""
    count = db.session.get(StockCount, count_id, with_for_update=True)
    if count is None:
        raise NotFound(_("Unknown stock count."))
    if count.status != "open":
        raise Conflict(_("This stock count is already posted."))
    if data.get("product_id") is not None:
        try:
            product = get_product(data["product_id"])
        except NotFound as exc:
            raise InvalidInput(_("Unknown product."), field="product_id") from exc
    elif data.get("barcode"):
        try:
            product = lookup_code(data["barcode"]).product
        except (NotFound, Conflict) as exc:
            raise InvalidInput(_("Unknown code."), field="barcode") from exc
    else:
        raise InvalidInput(_("Give product_id or barcode."), field="product_id")
    if count.product_ids and product.id not in count.product_ids:
        raise InvalidInput(_("This product is not part of this count."), field="product_id")
    qty = quantity(data.get("quantity", 1))
    if qty < 0:
        raise InvalidInput(_("Must be 0 or more."), field="quantity")
    mode = data.get("mode") or "add"
    line = db.session.scalar(
        sa.select(StockCountLine).where(
            StockCountLine.count_id == count.id, StockCountLine.product_id == product.id
        )
    )
    db.session.refresh(product, ["on_hand", "avg_cost"])
    if line is None:
        line = StockCountLine(
            count_id=count.id,
            product_id=product.id,
            counted=qty,
            ledger_at_count=product.on_hand,
            user_id=_user_id(user),
        )
        db.session.add(line)
    else:
        # The shelf counted now adds to the ones before; the ledger is taken again, so
        # a sale between two shelves is accounted as of the last entry.
        line.counted = qty if mode == "set" else line.counted + qty
        line.ledger_at_count = product.on_hand
        line.counted_at = utcnow()
        line.user_id = _user_id(user)
    line.unit_cost = _unit_value(product)
    db.session.flush()
    return line


def _unit_value(product):
    return (product.supplier_price or 0) if product.consigned else product.avg_cost


def count_summary(count: StockCount) -> dict:
    lines = []
    total_value = 0
    for line in count.lines:
        diff = line.counted - line.ledger_at_count
        unit = line.unit_cost if line.unit_cost is not None else _unit_value(line.product)
        value = _money(diff * unit)
        total_value += value
        lines.append(
            {
                "product_id": line.product_id,
                "sku": line.product.sku,
                "name": line.product.name,
                "counted": line.counted,
                "ledger_at_count": line.ledger_at_count,
                "difference": diff,
                "unit_cost": unit,
                "value": value,
                "counted_at": line.counted_at,
            }
        )
    return {
        "id": count.id,
        "status": count.status,
        "note": count.note,
        "product_ids": count.product_ids,
        "created_at": count.created_at,
        "posted_at": count.posted_at,
        "lines": lines,
        "difference_value": total_value,
    }


def post_count(count_id, user=None) -> StockCount:
    """Post the differences as count adjustments. Raises ``Conflict`` if posted."""
    count = db.session.get(StockCount, count_id, with_for_update=True)
    if count is None:
        raise NotFound(_("Unknown stock count."))
    # Claim the count atomically: a second post (even racing) finds it posted.
    claimed = db.session.execute(
        sa.update(StockCount.__table__)
        .where(StockCount.__table__.c.id == count.id, StockCount.__table__.c.status == "open")
        .values(status="posted", posted_at=utcnow())
    ).rowcount
    if claimed != 1:
        raise Conflict(_("This stock count is already posted."))
    db.session.refresh(count)
    from inventory import books as stock_books

    stock_before = stock_books.owned_values([line.product_id for line in count.lines], lock=True)
    for line in count.lines:
        diff = line.counted - line.ledger_at_count
        if diff == 0:
            continue
        product = line.product
        owner, supplier_id = _owner_of(product)
        add_movement(
            product,
            "count_adjustment",
            diff,
            unit_cost=line.unit_cost if line.unit_cost is not None else _unit_value(product),
            owner=owner,
            supplier_id=supplier_id,
            ref_type="stock_count",
            ref_id=count.id,
            user=user,
        )
    audit.record("stock_count.post", count, after=None, user=_user(user))
    db.session.flush()
    from books import events as books_events

    stock_after = stock_books.owned_values(stock_before)
    books_events.stock_difference(
        _business_date(),
        source_type="stock_count",
        source_id=count.id,
        value=stock_books.values_of(stock_after) - stock_books.values_of(stock_before),
        memo=f"Selisih stock opname #{count.id}",
        user=_user(user),
    )
    return count


# --- konsinyasi settlements ------------------------------------------------------


def period_cutoff(period_end: date) -> datetime:
    """The end of ``period_end`` as an aware UTC instant.

    The end of that business day on the branch's clock (MART_TIMEZONE,
    MART_DAY_END_HOUR), or the end of that date in UTC when that is later, so that a
    sale rung up "today" is never left out by a date read in another time zone.
    """
    tz = ZoneInfo(current_app.config.get("MART_TIMEZONE") or "Asia/Jakarta")
    next_day = period_end + timedelta(days=1)
    hour = int(current_app.config.get("MART_DAY_END_HOUR") or 0)  # the business day's end
    local = datetime.combine(next_day, time(hour), tzinfo=tz).astimezone(UTC)
    utc = datetime.combine(next_day, time(0), tzinfo=UTC)
    return max(local, utc)


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
    from books import events as books_events
    from inventory import books as stock_books

    posted = sum(
        stock_books.consignment_share(
            -from_raw(row[1]), row.unit_price, row.unit_cost, percent, row.amount
        )
        for row in claimed
        if row.kind in ("sale", "customer_return")
    )
    books_events.settlement(
        _business_date(),
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
    from books import events as books_events

    books_events.settlement_paid(
        _business_date(),
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


# --- batch calls for the sale path (one statement for many products) -----------------


def get_products(ids) -> dict[int, Product]:
    """The products of ``ids`` in one statement, by id (unknown ids are left out).

    Barcodes, category and supplier are not loaded here (they load on first access)."""
    ids = {int(i) for i in ids}
    found = {}
    mapper = sa.inspect(Product)
    for i in ids:  # already loaded in this session (and not expired): no statement
        obj = db.session.identity_map.get(mapper.identity_key_from_primary_key([i]))
        if obj is not None and not sa.inspect(obj).expired_attributes:
            found[i] = obj
    missing = ids - found.keys()
    if missing:
        stmt = sa.select(Product).where(Product.id.in_(missing)).options(lazyload("*"))
        found.update((p.id, p) for p in db.session.scalars(stmt))
    return found


def products_by_barcodes(codes) -> dict[str, Product]:
    """Registered barcodes (exactly as given) to their products, in one statement.

    Only exact matches: a code not in the answer may still be a UPC-A spelling, a
    scale label or a sku, for which ``lookup_code`` is the call. Inactive products are
    included (the caller decides)."""
    codes = {c for c in codes if c}
    if not codes:
        return {}
    rows = db.session.execute(
        sa.select(Barcode.code, Product)
        .join(Product, Product.id == Barcode.product_id)
        .where(Barcode.code.in_(codes))
        .options(lazyload("*"))
    ).all()
    return {code: product for code, product in rows}


@dataclass(frozen=True, slots=True)
class SaleProduct:
    """What the sale path needs of a product, read without the ORM (``sale_products``):
    the attributes of ``Product`` that pricing and ``record_sales`` use."""

    id: int
    sku: str
    name: str
    unit: str
    price: int
    member_price: int | None
    tax: str
    active: bool
    supplier_id: int | None
    supplier_price: int | None
    avg_cost: int
    consigned: bool
    commission_percent: Decimal = Decimal(0)


def _sale_products_statement():
    p, s, b = Product.__table__, Supplier.__table__, Barcode.__table__
    columns = (
        p.c.id,
        p.c.sku,
        p.c.name,
        p.c.unit,
        p.c.price,
        p.c.member_price,
        p.c.tax,
        p.c.active,
        p.c.supplier_id,
        p.c.supplier_price,
        p.c.avg_cost,
        s.c.terms,
        s.c.commission_percent,
    )
    by_id = (
        sa.select(sa.cast(sa.null(), sa.String(32)).label("code"), *columns)
        .select_from(p.outerjoin(s, s.c.id == p.c.supplier_id))
        .where(p.c.id.in_(sa.bindparam("ids", expanding=True)))
    )
    by_code = (
        sa.select(b.c.code.label("code"), *columns)
        .select_from(b.join(p, p.c.id == b.c.product_id).outerjoin(s, s.c.id == p.c.supplier_id))
        .where(b.c.code.in_(sa.bindparam("codes", expanding=True)))
    )
    return sa.union_all(by_id, by_code)


# Built once: each half goes through its own unique index (product id, barcode code).
_SALE_PRODUCTS = _sale_products_statement()


def sale_products(ids, codes) -> tuple[dict[int, SaleProduct], dict[str, SaleProduct]]:
    """The products of a sale in one statement: by id (unknown ids left out) and by
    registered barcode exactly as given (as ``get_products`` and
    ``products_by_barcodes``; inactive products included, the caller decides), as
    plain ``SaleProduct`` values with the supplier's terms joined in."""
    ids = sorted({int(i) for i in ids})
    codes = sorted({c for c in codes if c})
    by_id, by_code = {}, {}
    if not ids and not codes:
        return by_id, by_code
    rows = db.session.connection().execute(_SALE_PRODUCTS, {"ids": ids, "codes": codes})
    for row in rows:
        product = SaleProduct(
            id=row.id,
            sku=row.sku,
            name=row.name,
            unit=row.unit,
            price=int(row.price),
            member_price=None if row.member_price is None else int(row.member_price),
            tax=row.tax,
            active=bool(row.active),
            supplier_id=row.supplier_id,
            supplier_price=None if row.supplier_price is None else int(row.supplier_price),
            avg_cost=int(row.avg_cost or 0),
            consigned=row.terms == "consignment",
            commission_percent=Decimal(row.commission_percent or 0),
        )
        if row.code is None:
            by_id[product.id] = product
        else:
            by_code[row.code] = product
    return by_id, by_code


def _on_hand_bump_stmt():
    """``on_hand += :b_delta`` and, for units sold at no cost (``:b_unc`` thousandths,
    0 for nearly every sale), ``cost_pending +=`` those of them now below zero."""
    table = Product.__table__
    delta = sa.bindparam("b_delta", type_=sa.BigInteger)
    unc = sa.bindparam("b_unc", type_=sa.BigInteger)
    after = raw(table.c.on_hand) + delta
    below = sa.case((sa.or_(unc == 0, after >= 0), 0), (-after < unc, -after), else_=unc)
    return (
        sa.update(table)
        .where(table.c.id == sa.bindparam("b_id"))
        .values(
            on_hand=after,
            cost_pending=raw(table.c.cost_pending) + below,
            updated_at=sa.bindparam("b_now", type_=table.c.updated_at.type),
        )
    )


_ON_HAND_BUMP = _on_hand_bump_stmt()


# PostgreSQL: on-hand of all the lines in one statement instead of one per product.
# The rows are locked first, in product-id order (the MATERIALIZED CTE with ORDER BY
# ... FOR NO KEY UPDATE locks them as it returns them, sorted), so two sales still never
# lock stock rows crosswise; the UPDATE then touches only rows this transaction holds.
# NO KEY UPDATE is the lock a plain UPDATE takes: FOR UPDATE would also wait for the
# KEY SHARE locks that other sales' stock-movement foreign keys hold, and deadlock.
_ON_HAND_BUMP_PG = sa.text(
    "WITH locked AS MATERIALIZED ("
    " SELECT inv_products.id FROM inv_products"
    " WHERE inv_products.id = ANY(CAST(:ids AS INTEGER[]))"
    " ORDER BY inv_products.id FOR NO KEY UPDATE),"
    " moved AS (SELECT * FROM unnest(CAST(:ids AS INTEGER[]), CAST(:deltas AS BIGINT[]),"
    " CAST(:uncs AS BIGINT[])) AS moved(id, delta, unc))"
    " UPDATE inv_products SET on_hand = inv_products.on_hand + moved.delta,"
    " cost_pending = inv_products.cost_pending + CASE"
    " WHEN moved.unc = 0 OR inv_products.on_hand + moved.delta >= 0 THEN 0"
    " WHEN -(inv_products.on_hand + moved.delta) < moved.unc"
    " THEN -(inv_products.on_hand + moved.delta) ELSE moved.unc END,"
    " updated_at = :now"
    " FROM locked JOIN moved ON moved.id = locked.id"
    " WHERE inv_products.id = locked.id"
).bindparams(sa.bindparam("now", type_=Product.__table__.c.updated_at.type))

_MOVEMENTS_INSERT = sa.insert(StockMovement.__table__)


def _cost_pending_stmt():
    """After a sale moved on-hand: the units it sold below zero (at most ``q``) wait
    for a cost (``cost_pending``), on the stored thousandths."""
    table = Product.__table__
    on_hand, q = raw(table.c.on_hand), sa.bindparam("q", type_=sa.BigInteger)
    below = sa.case((on_hand >= 0, 0), (-on_hand < q, -on_hand), else_=q)
    return (
        sa.update(table)
        .where(table.c.id == sa.bindparam("pid"))
        .values(cost_pending=raw(table.c.cost_pending) + below)
    )


_COST_PENDING = _cost_pending_stmt()


def _note_cost_pending(conn, uncosted: dict[int, int]):
    """Units of the mart's own goods sold at no cost (no receipt has given the product
    a cost yet) and not covered by stock: they take the cost of the product's next
    purchase receipt (``post_goods_receipt`` books it as a ``LateCost``)."""
    conn.execute(_COST_PENDING, [{"pid": pid, "q": q} for pid, q in sorted(uncosted.items())])
    mapper = sa.inspect(Product)
    for pid in uncosted:
        loaded = db.session.identity_map.get(mapper.identity_key_from_primary_key([pid]))
        if loaded is not None:
            db.session.expire(loaded, ["cost_pending"])


def record_sales(lines, *, ref_type="sale", ref_id: str, user=None, products=None) -> int:
    """Stock out for several lines of one sale: ``lines`` is a list of
    ``(product_id, quantity, unit_price)``; like ``record_sale`` for each line (same
    movements, same cost and owner, never refused for stock), in two statements: the
    movements inserted by one executemany, then on-hand moved by atomic SQL for every
    product, locked in product-id order (so two sales never lock stock rows crosswise;
    on PostgreSQL one statement for all of them).

    ``products`` (optional): the lines' products as the caller already read them in
    this transaction (``Product`` or ``SaleProduct`` by id), so they are not read again;
    a product missing from it is read as without it.

    Raises ``NotFound`` (a product), ``InvalidInput`` (a quantity not above 0) before
    writing anything. Answers the number of movements written."""
    if not lines:
        return 0
    products = dict(products or {})
    wanted = {int(line[0]) for line in lines} - products.keys()
    if wanted:
        products.update(get_products(wanted))
    user_id = _user_id(user)
    now = utcnow()
    movements, delta, uncosted = [], {}, {}
    for line in lines:
        product_id, qty, unit_price = line[:3]
        amount = line[3] if len(line) > 3 else None
        product = products.get(int(product_id))
        if product is None:
            raise NotFound(_("Unknown product."))
        qty = _positive(qty)
        owner, supplier_id = _owner_of(product)
        unit_cost = product.supplier_price if owner == "supplier" else product.avg_cost
        if owner == "mart" and not unit_cost:  # no cost known yet (rare): see below
            uncosted[product.id] = uncosted.get(product.id, 0) + int(qty * 1000)
        movements.append(
            {
                "product_id": product.id,
                "kind": "sale",
                "quantity": -qty,
                "unit_cost": unit_cost,
                "unit_price": int(unit_price),
                "amount": None if amount is None else int(amount),
                "owner": owner,
                "supplier_id": supplier_id if owner == "supplier" else None,
                "ref_type": ref_type,
                "ref_id": None if ref_id is None else str(ref_id),
                "user_id": user_id,
                "at": now,
                "expiry_date": None,
                "batch": None,
            }
        )
        delta[product.id] = delta.get(product.id, 0) - int(qty * 1000)
    movements.sort(key=lambda m: m["product_id"])
    conn = db.session.connection()  # Core statements: no ORM execute around them
    conn.execute(_MOVEMENTS_INSERT, movements)
    moves = sorted(delta.items())
    # Units sold at no cost below zero stock wait for the next receipt's cost
    # (``cost_pending``), moved in the same statement as on-hand.
    if conn.dialect.name == "postgresql":
        conn.execute(
            _ON_HAND_BUMP_PG,
            {
                "ids": [pid for pid, _ in moves],
                "deltas": [d for _, d in moves],
                "uncs": [uncosted.get(pid, 0) for pid, _ in moves],
                "now": now,
            },
        )
    else:  # SQLite: the sale holds the database's write lock; one executemany
        conn.execute(
            _ON_HAND_BUMP,
            [
                {"b_id": pid, "b_delta": d, "b_unc": uncosted.get(pid, 0), "b_now": now}
                for pid, d in moves
            ],
        )
    mapper = sa.inspect(Product)
    identity_map = db.session.identity_map
    for pid in delta:  # loaded ORM products (if any) read their new on-hand again
        loaded = identity_map.get(mapper.identity_key_from_primary_key([pid]))
        if loaded is not None:
            db.session.expire(loaded, ["on_hand", "updated_at", "cost_pending"])
    return len(movements)
