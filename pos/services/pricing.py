"""A sale line's price from packs and quantity prices (issue 15).

``sales._priced_lines`` calls in here; the counter's ``static/counter/packs.js`` prices
the same way, so a line costs on the screen what the server records.

- **A pack** (``inventory.ProductPack``, scanned by its barcode): ``count`` packs sell
  ``count x factor`` base units (stock, cost, consignment and SHU stay in base units) at
  the pack's price (its member price for a member, when it has one). Quantity prices do
  not apply to a pack line. The line records ``pack_name``, ``pack_factor``,
  ``pack_count`` and ``pack_price``; ``unit_price`` is the base unit's share, rounded.
- **Quantity prices** (harga grosir, ``Product.price_tiers``): the lowest price of the
  tiers whose ``min_quantity`` the line's quantity reaches (``members_only`` tiers for a
  member) applies when it is below the (member) price; never above the list price.
- ``price_source`` says what priced the line: ``list``, ``member``, ``tier``, ``pack``
  or ``label`` (a price-embedded scale label).
"""

from decimal import Decimal

from flask_babel import gettext as _

from inventory import services as inventory
from mart.db import quantity as to_quantity
from pos.services._common import _div_half_up, _line_error

# The columns of a line that is not a pack line.
NO_PACK = {"pack_name": None, "pack_factor": None, "pack_count": None, "pack_price": None}


def best_tier(tiers, qty: Decimal, member: bool) -> int | None:
    """The lowest tier price ``qty`` reaches (members-only tiers for a member), or None;
    ``tiers`` as ``inventory.services.tiers_of`` gives them."""
    best = None
    for min_quantity, price, members_only in tiers:
        if members_only and not member:
            continue
        if qty >= min_quantity and (best is None or price < best):
            best = price
    return best


def tier_price(product, qty, member, unit_price: int, source: str) -> tuple[int, str]:
    """``(unit_price, source)`` after the product's quantity prices: a tier that ``qty``
    reaches and that is below ``unit_price`` wins. ``product``: a ``SaleProduct`` (its
    ``tiers`` parsed once) or a ``Product`` (its ``price_tiers``)."""
    tiers = getattr(product, "tiers", None)
    if tiers is None:  # a Product, as the full look-up of a code finds it
        tiers = inventory.tiers_of(getattr(product, "price_tiers", None))
    if not tiers:
        return unit_price, source
    tier = best_tier(tiers, qty, member is not None)
    if tier is not None and tier < unit_price:
        return tier, "tier"
    return unit_price, source


def pack_line(i, line, product, code, count, pack, member) -> dict:
    """A pack line: ``count`` whole packs of ``pack.factor`` base units at the pack's
    price (``InvalidInput`` for part of a pack or a discount above the line)."""
    if count != count.to_integral_value():
        raise _line_error(i, "quantity", _("A pack is sold whole."))
    packs = int(count)
    member_price = member is not None and pack.member_price is not None
    pack_price = int(pack.member_price if member_price else pack.price)
    qty = to_quantity(Decimal(pack.factor) * packs)
    gross = pack_price * packs
    discount = int(line.get("discount") or 0)
    if discount > gross:
        raise _line_error(i, "discount", _("The discount is larger than the line."))
    return {
        "product": product,
        "code": code,
        "quantity": qty,
        "regular_price": int(product.price),
        # round_half_up(gross / qty) in integers: qty is factor x packs whole units
        "unit_price": _div_half_up(gross, int(pack.factor) * packs),
        "member_price": bool(member_price),
        "gross": gross,
        "discount": discount,
        "tax": product.tax,
        "price_source": "pack",
        "pack_name": pack.name,
        "pack_factor": int(pack.factor),
        "pack_count": packs,
        "pack_price": pack_price,
    }


def receipt_item(line, _=_) -> tuple:
    """``(quantity, unit_price, notes)`` a receipt prints for ``line``: a pack line in
    packs at the pack's price with "1 DUS (40)", a tier's line noted "harga grosir"
    (``_``: the receipt's ``mart.locale.translator``)."""
    pack = pack_text(line)
    if pack:
        return line.pack_count, line.pack_price, [pack]
    if getattr(line, "price_source", None) == "tier":
        return line.quantity, line.unit_price, [_("quantity price")]
    return line.quantity, line.unit_price, []


def pack_text(line) -> str | None:
    """How a receipt shows a pack line: ``1 DUS (40)``; None for other lines."""
    if not getattr(line, "pack_name", None):
        return None
    return f"{line.pack_count} {line.pack_name} ({line.pack_factor})"
