"""Products and suppliers: create, change, find by a scanned code, search."""

import contextlib
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from inventory import barcodes as bc
from inventory import labels
from inventory.models import Barcode, Category, Product, ProductPack, Supplier
from inventory.services import packs
from inventory.services.base import ZERO
from mart import audit
from mart.db import quantity, utcnow
from mart.errors import Conflict, InvalidInput, NotFound
from mart.extensions import db

DEFAULT_SCALE_RULES = "21:weight,22:price"


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
    if any(packs.code_is_pack(code) for code in codes):
        raise Conflict(_("This barcode belongs to a pack."))


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
    packs.apply(product, data)
    audit.record("product.create", product, after={"sku": sku, "price": product.price}, user=user)
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
        _change_barcodes(product, data)
    packs.apply(product, data)
    _refresh_search(product)
    db.session.flush()
    after = {"price": product.price, "active": product.active, "name": product.name}
    if after != before:
        audit.record("product.update", product, before=before, after=after, user=user)
    labels.record_changes(
        [(product.id, before["price"], product.price, old_member_price, product.member_price)],
        user=user,
    )
    return product


def _change_barcodes(product: Product, data) -> None:
    """Set the product's barcodes from ``data``: ``barcodes`` replaces the list,
    ``barcode`` adds one; raises ``InvalidInput`` or ``Conflict`` as create does."""
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


@dataclass
class ScanResult:
    product: Product
    quantity: Decimal | None = None
    price: int | None = None
    pack: ProductPack | None = None  # a pack's barcode (issue 15): sells its factor


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
    pack = None
    if product_id is None:
        pack = packs.find_pack(code)
        if pack is not None:
            product_id = pack.product_id
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
    return ScanResult(product, quantity, price, pack)


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
