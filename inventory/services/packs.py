"""Packs (satuan) and quantity prices (harga grosir) of a product, issue 15.

A pack (``ProductPack``) is ``factor`` base units (a renteng of 10, a dus of 40) under
its own barcode and price; stock, cost, consignment and SHU purchases stay in the base
unit. A product's tiers (``Product.price_tiers``) are ``[{min_quantity, price,
members_only}]``: from ``min_quantity`` base units on a line, the unit price is
``price`` (``members_only`` tiers for members only); the sale takes the lowest price
that applies (``pos.services.pricing``).

Bad input raises ``InvalidInput`` naming the list and position (``packs``, ``tiers``)
before anything is changed, so the caller's rollback leaves the product as it was.
"""

from decimal import Decimal
from fractions import Fraction

import sqlalchemy as sa
from flask_babel import gettext as _

from inventory import barcodes as bc
from inventory import labels
from inventory.models import Barcode, Product, ProductPack
from mart.db import quantity, utcnow
from mart.errors import InvalidInput
from mart.extensions import db
from mart.money import round_half_up

PACK_NAMES_HINT = ("RENTENG", "PAK", "LUSIN", "DUS", "BAL", "KARTON")


def _error(listname, index, field, message):
    """A 422 naming ``listname[index].field`` (positions counted from 1 in the text)."""
    error = InvalidInput(
        _(
            "%(what)s %(n)s, %(field)s: %(message)s",
            what=_label(listname),
            n=index + 1,
            field=field,
            message=message,
        )
    )
    error.errors = {"json": {listname: {str(index): {field: [message]}}}}
    return error


def _label(listname):
    return _("Pack") if listname == "packs" else _("Quantity price")


# --- validation ----------------------------------------------------------------------


def clean_packs(packs_in, *, price, product_id=None) -> list[dict]:
    """The packs as they will be stored, checked: a name (upper case, once per
    product), a whole factor above 1, a valid barcode no product or other pack has, a
    price above 0, a member price not above the price. ``InvalidInput`` otherwise."""
    cleaned, names, codes = [], set(), set()
    for i, pack in enumerate(packs_in or []):
        name = (pack.get("name") or "").strip().upper()
        if not name:
            raise _error("packs", i, "name", _("Missing data for required field."))
        if name in names:
            raise _error("packs", i, "name", _("This pack is listed twice."))
        factor = pack.get("factor")
        if not isinstance(factor, int) or isinstance(factor, bool) or factor <= 1:
            raise _error("packs", i, "factor", _("A pack holds more than one unit."))
        pack_price = pack.get("price")
        if not isinstance(pack_price, int) or pack_price <= 0:
            raise _error("packs", i, "price", _("Must be greater than 0."))
        member_price = pack.get("member_price")
        if member_price is not None and (member_price <= 0 or member_price > pack_price):
            raise _error(
                "packs", i, "member_price", _("The member price is above the pack's price.")
            )
        cost = pack.get("cost")
        if cost is not None and cost < 0:
            raise _error("packs", i, "cost", _("Must be 0 or more."))
        code = (pack.get("barcode") or "").strip() or None
        if code is not None:
            if not bc.is_valid(code):
                raise _error(
                    "packs",
                    i,
                    "barcode",
                    _("Not a valid EAN-13, EAN-8 or UPC-A barcode (check digit)."),
                )
            if code in codes or _code_taken(code, product_id):
                raise _error("packs", i, "barcode", _("This barcode is already in use."))
            codes.add(code)
        names.add(name)
        cleaned.append(
            {
                "name": name,
                "factor": factor,
                "barcode": code,
                "price": pack_price,
                "member_price": member_price,
                "cost": cost,
            }
        )
    return cleaned


def _code_taken(code, product_id) -> bool:
    """Whether ``code`` is a product's barcode or sku, or another product's pack."""
    if db.session.scalar(sa.select(Barcode.id).where(Barcode.code == code)):
        return True
    if db.session.scalar(sa.select(Product.id).where(Product.sku == code)):
        return True
    owner = db.session.scalar(sa.select(ProductPack.product_id).where(ProductPack.barcode == code))
    return owner is not None and owner != product_id


def code_is_pack(code) -> bool:
    """Whether a pack carries ``code`` (a product's barcodes may not)."""
    return bool(db.session.scalar(sa.select(ProductPack.id).where(ProductPack.barcode == code)))


def clean_tiers(tiers_in, *, price, unit="pcs") -> list[dict]:
    """The tiers as stored, checked: ``min_quantity`` above 1 (pieces: whole), sorted
    ascending without two tiers from the same quantity (per ``members_only``), a price
    above 0 and below the list price that falls as the quantity rises."""
    cleaned = []
    last = {False: None, True: None}
    for i, tier in enumerate(tiers_in or []):
        try:
            min_qty = quantity(tier.get("min_quantity"))
        except Exception:
            raise _error("tiers", i, "min_quantity", _("Not a number.")) from None
        if min_qty <= 1:
            raise _error("tiers", i, "min_quantity", _("A quantity price starts above 1."))
        if unit != "kg" and min_qty != min_qty.to_integral_value():
            raise _error("tiers", i, "min_quantity", _("This product is sold by the piece."))
        tier_price = tier.get("price")
        if not isinstance(tier_price, int) or tier_price <= 0:
            raise _error("tiers", i, "price", _("Must be greater than 0."))
        if tier_price >= price:
            raise _error("tiers", i, "price", _("A quantity price is below the list price."))
        members_only = bool(tier.get("members_only"))
        before = last[members_only]
        if before is not None:
            if min_qty <= before[0]:
                raise _error(
                    "tiers",
                    i,
                    "min_quantity",
                    _("Tiers go from the smallest quantity up, each quantity once."),
                )
            if tier_price >= before[1]:
                raise _error("tiers", i, "price", _("A larger quantity has a lower price."))
        last[members_only] = (min_qty, tier_price)
        cleaned.append(
            {"min_quantity": str(min_qty), "price": tier_price, "members_only": members_only}
        )
    return cleaned


def apply(product: Product, data: dict) -> None:
    """Set ``packs`` and ``tiers`` from ``data`` (each only when given) on ``product``,
    checked against its price and unit as they are after the change."""
    price = data.get("price", product.price)
    unit = data.get("unit") or product.unit or "pcs"
    if "tiers" in data:
        product.price_tiers = clean_tiers(data["tiers"], price=price, unit=unit) or None
    elif product.price_tiers and "price" in data:
        # a lower list price must stay above every tier
        clean_tiers(product.price_tiers, price=price, unit=unit)
    if "packs" in data:
        packs = clean_packs(data["packs"], price=price, product_id=product.id)
        if unit == "kg" and packs:
            raise _error("packs", 0, "factor", _("This product is sold by weight."))
        kept = {p.name: p for p in product.packs}
        shown = sorted((p.name, p.factor, p.price) for p in product.packs)
        new = []
        for values in packs:
            pack = kept.pop(values["name"], None) or ProductPack(name=values["name"])
            for key, value in values.items():
                setattr(pack, key, value)
            new.append(pack)
        product.packs = new
        product.updated_at = utcnow()  # the registers' offline catalogues take it
        if product.id is not None and shown != sorted((p.name, p.factor, p.price) for p in new):
            labels.enqueue([product.id])  # the shelf label shows the packs' prices
        # the packs' barcodes free before another takes them (unique index)
        db.session.flush()


def tiers_out(product) -> list[dict]:
    """The tiers as the API answers them (quantities as Decimal)."""
    return [
        {
            "min_quantity": Decimal(t["min_quantity"]),
            "price": int(t["price"]),
            "members_only": bool(t.get("members_only")),
        }
        for t in (product.price_tiers or [])
    ]


def find_pack(code) -> ProductPack | None:
    """The pack whose barcode is ``code`` (one statement on the unique index)."""
    return db.session.scalar(sa.select(ProductPack).where(ProductPack.barcode == code))


def receipt_line(i, line, product) -> dict:
    """A goods receipt's line entered in packs (``pack``: the pack's name) as the same
    line in base units: ``quantity`` packs x factor, and the cost per pack (``unit_cost``,
    else the pack's own ``cost``; neither: the product's average cost as before) divided
    by the factor, rounded half up to whole rupiah. Other lines as they are."""
    name = (line.get("pack") or "").strip().upper()
    if not name:
        return line
    pack = next((p for p in product.packs if p.name == name), None)
    if pack is None:
        raise InvalidInput(_("This product has no such pack."), field=f"lines.{i}.pack")
    try:
        count = quantity(line.get("quantity"))
    except Exception:
        raise InvalidInput(_("Not a number."), field=f"lines.{i}.quantity") from None
    if count <= 0 or count != count.to_integral_value():
        raise InvalidInput(_("A pack is counted whole."), field=f"lines.{i}.quantity")
    converted = {**line, "quantity": count * pack.factor}
    cost = line.get("unit_cost")
    if cost is None:
        cost = pack.cost
    if cost is not None:
        if cost < 0:
            raise InvalidInput(_("Must be 0 or more."), field=f"lines.{i}.unit_cost")
        converted["unit_cost"] = round_half_up(Fraction(int(cost), pack.factor))
    return converted
