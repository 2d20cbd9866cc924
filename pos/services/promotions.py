"""Promotions (issue 15): what they are, which are running, and what they give on a sale.

Kinds (``pos.models.PROMOTION_KINDS``):

- ``percent``: ``percent`` off every line of ``product_ids`` or of a category
  (``category_id``), rounded half up per line;
- ``buy_get``: buy ``buy`` of a product, get ``get`` more free: of every ``buy + get``
  whole units of the product in the sale, ``get`` are free at the line's price
  (given on the last lines of the product first);
- ``bundle``: one of each of ``product_ids`` for ``price``: as many bundles as the sale
  holds whole sets; each bundle gives ``sum(unit prices) - price``, shared over the
  products in proportion to their prices (largest remainder), and over a product's
  lines in the order they were scanned.

The rule (``apply``): a line takes at most one promotion, the one that gives the most
(on a tie, the older promotion), plus every running ``stackable`` promotion that
applies; ``members_only`` promotions only with a member; nothing ever gives more than
what the line costs after its own discount. The counter prices the same way in
``pos/static/counter/promotions.js`` (tests/pos/test_promotions.py keeps the two
alike on the same cases).

A sale stores ``promotion_discount`` on itself and its lines (part of ``discount``,
so ``total = subtotal - discount`` and ``amount`` is what the customer paid: the sale
discount's share, PPN, consignment and returns all work from it), and one
``pos_sale_line_promotions`` row per line and promotion (its name kept as it was).
"""

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from inventory import services as inventory
from inventory.models import Category
from mart import audit
from mart.clock import day_bounds
from mart.db import utcnow
from mart.errors import InvalidInput, NotFound
from mart.extensions import db
from pos.models import PROMOTION_KINDS, Promotion, SaleLinePromotion
from pos.services._common import _div_half_up, _split_proportionally


@dataclass(frozen=True)
class Running:
    """A running promotion as the sale path uses it (plain values)."""

    id: int
    name: str
    kind: str
    percent: Fraction
    buy: int
    get: int
    price: int
    products: tuple[int, ...]  # in the promotion's order (a bundle's parts)
    lookup: frozenset  # the same, to look up (a category's may be thousands)
    members_only: bool
    stackable: bool
    starts_at: datetime
    ends_at: datetime


# --- running promotions --------------------------------------------------------------


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


# The running promotions are read once per ``MART_PROMOTIONS_CACHE_SECONDS`` (10) per
# process and app, not per sale (the sale path's statement budget,
# tests/pos/test_sale_path.py): every promotion not ended two days ago, filtered by the
# sale's time in Python. A change made here forgets them at once in this process; other
# processes (workers) see it within those seconds.
_RECENT = timedelta(days=2)  # a sale sent late (offline) keeps its time within its shift


def _load_statement():
    t = Promotion.__table__
    return (
        sa.select(t)
        .where(t.c.active.is_(True), t.c.ends_at > sa.bindparam("since"))
        .order_by(t.c.id)
    )


def forget():
    """Drop this process's copy of the running promotions (after a change)."""
    current_app.extensions.pop("pos_promotions", None)


def running(at: datetime | None = None) -> list[Running]:
    """The promotions running at ``at`` (now), oldest first."""
    at = _aware(at or utcnow())
    seconds = current_app.config.get("MART_PROMOTIONS_CACHE_SECONDS", 10)
    cached = current_app.extensions.get("pos_promotions")
    tick = time.monotonic()
    if cached is None or tick - cached[0] >= seconds:
        cached = (tick, _load(utcnow() - _RECENT))
        current_app.extensions["pos_promotions"] = cached
    return [p for p in cached[1] if p.starts_at <= at < p.ends_at]


def for_counter() -> list[Running]:
    """Every active promotion not yet ended (the cashier screen filters by its clock)."""
    return _load(utcnow())


def _load(since: datetime) -> list[Running]:
    """Every active promotion ending after ``since``: one statement, one more for those
    given by category."""
    rows = db.session.connection().execute(_load_statement(), {"since": since}).all()
    if not rows:
        return []
    categories = {r.category_id for r in rows if r.category_id is not None}
    in_category = _category_products(categories) if categories else {}
    found = []
    for r in rows:
        products = list(r.product_ids or [])
        if r.category_id is not None:
            products += [p for p in in_category.get(r.category_id, ()) if p not in products]
        found.append(
            Running(
                id=r.id,
                name=r.name,
                kind=r.kind,
                percent=Fraction(r.percent or 0),
                buy=int(r.buy_qty or 0),
                get=int(r.get_qty or 0),
                price=int(r.bundle_price or 0),
                products=tuple(int(p) for p in products),
                lookup=frozenset(int(p) for p in products),
                members_only=bool(r.members_only),
                stackable=bool(r.stackable),
                starts_at=_aware(r.starts_at),
                ends_at=_aware(r.ends_at),
            )
        )
    return found


def _category_products(categories) -> dict[int, list[int]]:
    products = inventory.Product.__table__
    rows = db.session.connection().execute(
        sa.select(products.c.category_id, products.c.id)
        .where(products.c.category_id.in_(sorted(categories)))
        .order_by(products.c.id)
    )
    found = defaultdict(list)
    for category_id, product_id in rows:
        found[category_id].append(product_id)
    return found


# --- what promotions give on a sale ----------------------------------------------------


def _whole(qty) -> int:
    return int(Decimal(qty).to_integral_value(rounding="ROUND_FLOOR"))


def _offers(promo: Running, lines) -> dict[int, int]:
    """What ``promo`` would give each line (by index), before the one-per-line rule."""
    wanted = promo.lookup
    mine = [i for i, line in enumerate(lines) if line["product"].id in wanted]
    if not mine:
        return {}
    if promo.kind == "percent":
        # round_half_up(gross x percent / 100) in integers (no Fraction per line)
        num, den = promo.percent.numerator, promo.percent.denominator * 100
        return {i: _div_half_up(lines[i]["gross"] * num, den) for i in mine}
    if promo.kind == "buy_get":
        return _buy_get(promo, lines, mine)
    if promo.kind == "bundle":
        return _bundle(promo, lines, mine)
    return {}


def _buy_get(promo, lines, mine) -> dict[int, int]:
    group = promo.buy + promo.get
    if group <= 0 or promo.get <= 0:
        return {}
    units = sum(_whole(lines[i]["quantity"]) for i in mine)
    free = units // group * promo.get
    offers = {}
    for i in reversed(mine):  # the last units scanned are the free ones
        if free <= 0:
            break
        here = min(free, _whole(lines[i]["quantity"]))
        if here > 0:
            offers[i] = here * lines[i]["unit_price"]
            free -= here
    return offers


def _bundle(promo, lines, mine) -> dict[int, int]:
    parts = list(dict.fromkeys(promo.products))
    by_product = defaultdict(list)
    for i in mine:
        by_product[lines[i]["product"].id].append(i)
    if len(parts) < 2 or any(p not in by_product for p in parts):
        return {}
    count = min(sum(_whole(lines[i]["quantity"]) for i in by_product[p]) for p in parts)
    prices = [lines[by_product[p][0]]["unit_price"] for p in parts]
    saving = count * (sum(prices) - promo.price)
    if count <= 0 or saving <= 0:
        return {}
    offers = {}
    for p, share in zip(parts, _split_proportionally(saving, prices), strict=True):
        # each product's share over its lines, by the units each puts in the bundles
        left, weights = count, []
        for i in by_product[p]:
            units = min(left, _whole(lines[i]["quantity"]))
            weights.append(units)
            left -= units
        for i, part in zip(by_product[p], _split_proportionally(share, weights), strict=True):
            if part:
                offers[i] = offers.get(i, 0) + part
    return offers


def apply(lines, member, at: datetime | None = None, promos=None) -> int:
    """Apply the running promotions to priced lines (``sales._priced_lines``): sets each
    line's ``promotion_discount`` and ``promotions`` (``[{promotion_id, name,
    discount}]``); answers the sale's promotion discount."""
    for line in lines:
        line["promotion_discount"] = 0
        line["promotions"] = []
    promos = running(at) if promos is None else promos
    if not promos:
        return 0
    offers = [[] for _ in lines]
    for promo in promos:
        if promo.members_only and member is None:
            continue
        for i, amount in _offers(promo, lines).items():
            if amount > 0:
                offers[i].append((promo, amount))
    for line, found in zip(lines, offers, strict=True):
        if found:
            _give(line, found)
    return sum(line["promotion_discount"] for line in lines)


def _give(line, found):
    """The best non-stackable offer and every stackable one, within what the line costs."""
    best = None
    for promo, amount in found:  # oldest first: a tie keeps the older promotion
        if not promo.stackable and (best is None or amount > best[1]):
            best = (promo, amount)
    chosen = ([best] if best else []) + [o for o in found if o[0].stackable]
    room = line["gross"] - line["discount"]
    for promo, amount in chosen:
        given = min(amount, room)
        if given <= 0:
            continue
        room -= given
        line["promotions"].append({"promotion_id": promo.id, "name": promo.name, "discount": given})
        line["promotion_discount"] += given


_RECORD = sa.insert(SaleLinePromotion.__table__).inline()  # built once (building one costs CPU)


def record(conn, sale_id, lines):
    """The rows of what each promotion gave on each line, in one statement."""
    rows = [
        {"sale_id": sale_id, "line_no": no, **given}
        for no, line in enumerate(lines, start=1)
        for given in line.get("promotions") or ()
    ]
    if rows:
        conn.execute(_RECORD, rows)


def given_on(line) -> list[dict]:
    """What promotions gave on a line: a ``SaleView`` line (dicts) or a stored one."""
    given = getattr(line, "promotions", None)
    if not given:  # most lines: nothing to convert
        return []
    return [
        p
        if isinstance(p, dict)
        else {"promotion_id": p.promotion_id, "name": p.name, "discount": p.discount}
        for p in given
    ]


# --- managing promotions -------------------------------------------------------------

FIELDS = (
    "name",
    "kind",
    "starts",
    "ends",
    "percent",
    "product_ids",
    "product_id",
    "category_id",
    "category",
    "buy",
    "get",
    "price",
    "members_only",
    "stackable",
    "active",
)


def get_promotion(promotion_id: int) -> Promotion:
    promo = db.session.get(Promotion, promotion_id)
    if promo is None:
        raise NotFound(_("Unknown promotion."))
    return promo


def list_promotions(*, state: str | None = None, at: datetime | None = None):
    """A ``select`` of promotions, newest start first; ``state`` ``running``,
    ``upcoming`` or ``ended`` at ``at`` (now)."""
    at = _aware(at or utcnow())
    stmt = sa.select(Promotion).order_by(Promotion.starts_at.desc(), Promotion.id.desc())
    if state == "running":
        stmt = stmt.where(
            Promotion.active.is_(True), Promotion.starts_at <= at, Promotion.ends_at > at
        )
    elif state == "upcoming":
        stmt = stmt.where(Promotion.active.is_(True), Promotion.starts_at > at)
    elif state == "ended":
        stmt = stmt.where(sa.or_(Promotion.active.is_(False), Promotion.ends_at <= at))
    return stmt


def status(promo: Promotion, at: datetime | None = None) -> str:
    at = _aware(at or utcnow())
    if not promo.active or _aware(promo.ends_at) <= at:
        return "ended"
    if _aware(promo.starts_at) > at:
        return "upcoming"
    return "running"


def _moment(value, field, *, end: bool) -> datetime:
    """A datetime (naive: UTC) or a date: a start date is the start of that business
    day, an end date the end of it."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            raise InvalidInput(_("Not a valid date or time."), field=field) from None
    try:
        if isinstance(value, datetime):
            return _aware(value).astimezone(UTC)
        if isinstance(value, date):
            start, stop = day_bounds(value)
            return stop if end else start
    except (OverflowError, ValueError):
        raise InvalidInput(_("Not a valid date or time."), field=field) from None
    raise InvalidInput(_("Missing data for required field."), field=field)


def _int(value, field, *, minimum=1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidInput(_("Must be a whole number of at least %(n)s.", n=minimum), field=field)
    return value


def _products(ids, field) -> list[int]:
    if not isinstance(ids, list | tuple) or not all(
        isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**31 for i in ids
    ):
        raise InvalidInput(_("Give a list of product ids."), field=field)
    ids = list(dict.fromkeys(ids))
    known = inventory.get_products(ids)
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise InvalidInput(
            _("Unknown product: %(ids)s.", ids=", ".join(map(str, unknown))), field=field
        )
    return ids


def _checked(data: dict) -> dict:
    """The promotion's columns from ``data`` (every field already merged), or
    ``InvalidInput`` naming the first wrong field."""
    name = (data.get("name") or "").strip()
    if not name:
        raise InvalidInput(_("Give the promotion a name."), field="name")
    if len(name) > 120:
        raise InvalidInput(_("At most 120 characters."), field="name")
    kind = data.get("kind")
    if kind not in PROMOTION_KINDS:
        raise InvalidInput(
            _("Must be one of: %(kinds)s.", kinds=", ".join(PROMOTION_KINDS)), field="kind"
        )
    if data.get("starts") is None:
        raise InvalidInput(_("Missing data for required field."), field="starts")
    if data.get("ends") is None:
        raise InvalidInput(_("Missing data for required field."), field="ends")
    starts = _moment(data["starts"], "starts", end=False)
    ends = _moment(data["ends"], "ends", end=True)
    if ends <= starts:
        raise InvalidInput(_("The promotion ends before it starts."), field="ends")
    row = {
        "name": name,
        "kind": kind,
        "starts_at": starts,
        "ends_at": ends,
        "percent": None,
        "buy_qty": None,
        "get_qty": None,
        "bundle_price": None,
        "product_ids": [],
        "category_id": None,
        "members_only": bool(data.get("members_only")),
        "stackable": bool(data.get("stackable")),
        "active": data.get("active", True) is not False,
    }
    if kind == "percent":
        row.update(_percent_fields(data))
    elif kind == "buy_get":
        product_id = data.get("product_id")
        if product_id is None and len(data.get("product_ids") or []) == 1:
            product_id = data["product_ids"][0]
        if product_id is None:
            raise InvalidInput(_("Choose the product."), field="product_id")
        row["product_ids"] = _products([product_id], "product_id")
        row["buy_qty"] = _int(data.get("buy"), "buy")
        row["get_qty"] = _int(data.get("get"), "get")
    else:
        row.update(_bundle_fields(data))
    return row


def _percent_fields(data) -> dict:
    try:
        percent = Decimal(str(data.get("percent")))
    except (InvalidOperation, ValueError):
        percent = None
    if data.get("percent") is None or percent is None or not percent.is_finite():
        raise InvalidInput(_("Give the percentage."), field="percent")
    if percent <= 0 or percent > 100:
        raise InvalidInput(_("Must be above 0 and at most 100."), field="percent")
    if percent != percent.quantize(Decimal("0.01")):
        raise InvalidInput(_("At most two decimals."), field="percent")
    ids = data.get("product_ids") or []
    category_id, field = data.get("category_id"), "category_id"
    if category_id is None and data.get("category") not in (None, ""):
        category_id, field = _category_of(data["category"]), "category"
    if not ids and category_id is None:
        raise InvalidInput(_("Choose the products or a category."), field="product_ids")
    fields = {"percent": percent, "product_ids": _products(ids, "product_ids") if ids else []}
    if category_id is not None:
        if (
            isinstance(category_id, bool)
            or not 0 < category_id < 2**31
            or db.session.get(Category, category_id) is None
        ):
            raise InvalidInput(_("Unknown category."), field=field)
        fields["category_id"] = category_id
    return fields


def _category_of(value):
    """The contract's ``category``: a category's id or its name (-1: unknown)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value < 2**31 else -1
    if not isinstance(value, str) or len(value) > 80:
        return -1
    found = db.session.scalar(sa.select(Category.id).where(Category.name == str(value).strip()))
    return -1 if found is None else found


def _bundle_fields(data) -> dict:
    ids = data.get("product_ids") or []
    if len(set(ids) if isinstance(ids, list) else ()) < 2:
        raise InvalidInput(_("A bundle needs at least two products."), field="product_ids")
    ids = _products(ids, "product_ids")
    price = _int(data.get("price"), "price")
    regular = sum(p.price for p in inventory.get_products(ids).values())
    if price >= regular:
        raise InvalidInput(
            _("The bundle price must be below the products' prices together."), field="price"
        )
    return {"product_ids": ids, "bundle_price": price}


def as_input(promo: Promotion) -> dict:
    """A stored promotion as the input it came from (for a partial change)."""
    return {
        "name": promo.name,
        "kind": promo.kind,
        "starts": _aware(promo.starts_at),
        "ends": _aware(promo.ends_at),
        "percent": promo.percent,
        "product_ids": list(promo.product_ids or []),
        "product_id": (promo.product_ids or [None])[0] if promo.kind == "buy_get" else None,
        "category_id": promo.category_id,
        "buy": promo.buy_qty,
        "get": promo.get_qty,
        "price": promo.bundle_price,
        "members_only": promo.members_only,
        "stackable": promo.stackable,
        "active": promo.active,
    }


def create_promotion(data: dict, user) -> Promotion:
    """A new promotion; ``InvalidInput`` naming the field, nothing written."""
    row = _checked(data)
    promo = Promotion(**row, created_by_id=getattr(user, "id", None))
    db.session.add(promo)
    db.session.flush()
    forget()
    audit.record("promotion.create", promo, after=_audit_view(promo), user=user)
    return promo


def update_promotion(promotion_id: int, data: dict, user) -> Promotion:
    """Change a promotion (the fields given); ``InvalidInput`` naming the field,
    nothing written. Sales already made keep what they were given."""
    promo = get_promotion(promotion_id)
    before = _audit_view(promo)
    merged = {**as_input(promo), **{k: v for k, v in data.items() if k in FIELDS}}
    if "category" in data and "category_id" not in data:
        merged["category_id"] = None  # the category named replaces the stored one
    if "kind" in data and data["kind"] != promo.kind:
        for stale in ("product_ids", "product_id", "category_id"):  # another kind's
            if stale not in data:
                merged.pop(stale, None)
    row = _checked(merged)
    for key, value in row.items():
        setattr(promo, key, value)
    db.session.flush()
    forget()
    audit.record("promotion.update", promo, before=before, after=_audit_view(promo), user=user)
    return promo


def end_promotion(promotion_id: int, user, *, confirm: bool) -> Promotion:
    """End a promotion now (the manager confirms: ``confirm`` true, else 422)."""
    if not confirm:
        raise InvalidInput(_("Confirm ending the promotion now."), field="confirm")
    promo = get_promotion(promotion_id)
    now = utcnow()
    if _aware(promo.ends_at) > now:
        if _aware(promo.starts_at) > now:
            promo.starts_at = now
        promo.ends_at = now
    db.session.flush()
    forget()
    audit.record("promotion.end", promo, after=_audit_view(promo), user=user)
    return promo


def _audit_view(promo) -> dict:
    return {
        "name": promo.name,
        "kind": promo.kind,
        "starts_at": _aware(promo.starts_at).isoformat(),
        "ends_at": _aware(promo.ends_at).isoformat(),
        "percent": str(promo.percent) if promo.percent is not None else None,
        "buy": promo.buy_qty,
        "get": promo.get_qty,
        "price": promo.bundle_price,
        "product_ids": list(promo.product_ids or []),
        "category_id": promo.category_id,
        "members_only": promo.members_only,
        "stackable": promo.stackable,
        "active": promo.active,
    }
