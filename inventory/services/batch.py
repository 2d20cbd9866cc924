"""The sale path's batch calls: many products in one statement (read), and the
stock-out of a whole sale in two statements, one on PostgreSQL (``record_sales``)."""

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import lazyload

from inventory.models import Barcode, Product, ProductPack, StockMovement, Supplier
from inventory.services.base import _positive, _user_id, raw
from inventory.services.ledger import _owner_of
from mart.db import JsonRowsInsert, pg_array, utcnow
from mart.errors import NotFound
from mart.extensions import db

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
    # quantity prices (issue 15, inventory.services.packs) as ``tiers_of`` gives them
    tiers: tuple = ()
    pack: "SalePack | None" = None  # found by a pack's barcode (issue 15)


@dataclass(frozen=True, slots=True)
class SalePack:
    """A pack as the sale path prices it (``pos.services.pricing.pack_line``)."""

    name: str
    factor: int
    price: int
    member_price: int | None


def tiers_of(price_tiers) -> tuple[tuple[Decimal, int, bool], ...]:
    """A product's quantity prices (``Product.price_tiers``: ``[{min_quantity, price,
    members_only}]``) as ``(min_quantity, price, members_only)`` tuples, as the sale
    prices them (``pos.services.pricing.tier_price``)."""
    return tuple(
        (Decimal(t["min_quantity"]), int(t["price"]), bool(t.get("members_only")))
        for t in price_tiers or ()
    )


@lru_cache(maxsize=16384)
def _tiers_of_text(text: str | None) -> tuple:
    """``tiers_of`` the stored JSON text, parsed once per process per distinct text
    (the same products sell all day; the tuples are immutable)."""
    return tiers_of(None if text is None else json.loads(text))


def _sale_products_statement(dialect=None):
    """The products of a sale by id, by barcode and by pack barcode, one ``UNION ALL``.
    On PostgreSQL the ids and codes are arrays (``= ANY(:ids)``): an expanding ``IN``
    list is rendered again into the statement's text at every execution. Each array is
    sent as one literal (``mart.db.pg_array``) the statement casts."""
    p, s, b = Product.__table__, Supplier.__table__, Barcode.__table__
    if dialect == "postgresql":
        ids = sa.any_(sa.cast(sa.bindparam("ids", type_=sa.Text), postgresql.ARRAY(sa.Integer)))
        codes = sa.any_(sa.cast(sa.bindparam("codes", type_=sa.Text), postgresql.ARRAY(sa.String)))
    else:
        ids = sa.bindparam("ids", expanding=True)
        codes = sa.bindparam("codes", expanding=True)
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
        # the JSON as text: parsed once per distinct text (_tiers_of_text), not per row
        sa.cast(p.c.price_tiers, sa.Text).label("price_tiers"),
        s.c.terms,
        s.c.commission_percent,
    )
    k = ProductPack.__table__
    no_pack = (
        sa.cast(sa.null(), sa.String(16)).label("pack_name"),
        sa.cast(sa.null(), sa.Integer).label("pack_factor"),
        sa.cast(sa.null(), sa.BigInteger).label("pack_price"),
        sa.cast(sa.null(), sa.BigInteger).label("pack_member_price"),
    )
    by_id = (
        sa.select(sa.cast(sa.null(), sa.String(32)).label("code"), *columns, *no_pack)
        .select_from(p.outerjoin(s, s.c.id == p.c.supplier_id))
        .where(p.c.id == ids if dialect == "postgresql" else p.c.id.in_(ids))
    )
    by_code = (
        sa.select(b.c.code.label("code"), *columns, *no_pack)
        .select_from(b.join(p, p.c.id == b.c.product_id).outerjoin(s, s.c.id == p.c.supplier_id))
        .where(b.c.code == codes if dialect == "postgresql" else b.c.code.in_(codes))
    )
    # a pack's barcode (issue 15): its product, with the pack
    by_pack = (
        sa.select(
            k.c.barcode.label("code"),
            *columns,
            k.c.name.label("pack_name"),
            k.c.factor.label("pack_factor"),
            k.c.price.label("pack_price"),
            k.c.member_price.label("pack_member_price"),
        )
        .select_from(k.join(p, p.c.id == k.c.product_id).outerjoin(s, s.c.id == p.c.supplier_id))
        .where(k.c.barcode == codes if dialect == "postgresql" else k.c.barcode.in_(codes))
    )
    return sa.union_all(by_id, by_code, by_pack)


# Built once per dialect: each part goes through its own unique index (product id,
# barcode code, pack barcode).
_SALE_PRODUCTS = {name: _sale_products_statement(name) for name in ("postgresql", None)}

# PostgreSQL plans a prepared statement for its parameters' values (a "custom plan")
# until it finds its plan for any values (the "generic plan") no dearer. It prices the
# generic plan's ``= ANY(:ids)`` at 10 values; a sale of 5 scanned and 5 picked lines
# priced its own plan lower, so every sale planned the statement again: 0.39 ms of the
# database server's CPU per sale, 2.8 times the statement's run (pg_stat_statements,
# 4 Dec). Both arrays are padded to at least 10 values that match nothing (id 0, code
# ""; were one to match, its row is one the caller never asks for): the server keeps
# one generic plan, and the padding costs a few index probes.
_PLANNED_VALUES = 10


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
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        params = {
            "ids": pg_array(ids + [0] * (_PLANNED_VALUES - len(ids))),
            "codes": pg_array(codes + [""] * (_PLANNED_VALUES - len(codes))),
        }
        rows = conn.execute(_SALE_PRODUCTS["postgresql"], params)
    else:
        rows = conn.execute(_SALE_PRODUCTS[None], {"ids": ids, "codes": codes})
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
            tiers=_tiers_of_text(row.price_tiers),
            pack=None
            if row.pack_name is None
            else SalePack(
                row.pack_name,
                int(row.pack_factor),
                int(row.pack_price),
                None if row.pack_member_price is None else int(row.pack_member_price),
            ),
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
_MOVEMENT_COLUMNS = (
    "product_id",
    "kind",
    "quantity",
    "unit_cost",
    "unit_price",
    "amount",
    "owner",
    "supplier_id",
    "ref_type",
    "ref_id",
    "user_id",
    "at",
    "expiry_date",
    "batch",
)
# The stock movements go in by the same statement (a CTE): one statement less per sale,
# and one JSON text instead of an executemany bound and sent row by row. The
# rows stored are the executemany's (mart.db.JsonRowsInsert), in the same order.
_MOVEMENTS_PG = JsonRowsInsert(StockMovement.__table__, _MOVEMENT_COLUMNS, name="movement_rows")
# The statement's CTEs and its UPDATE, apart, so a caller can run them as CTEs of its
# own statement (the sale's, ``SaleStock``); the names and parameters are these.
ON_HAND_CTES_PG = (
    "locked AS MATERIALIZED ("
    " SELECT inv_products.id FROM inv_products"
    " WHERE inv_products.id = ANY(CAST(:ids AS INTEGER[]))"
    " ORDER BY inv_products.id FOR NO KEY UPDATE),"
    " moved AS (SELECT * FROM unnest(CAST(:ids AS INTEGER[]), CAST(:deltas AS BIGINT[]),"
    " CAST(:uncs AS BIGINT[])) AS moved(id, delta, unc)),"
    f" movements AS ({_MOVEMENTS_PG.sql})"
)
ON_HAND_UPDATE_PG = (
    "UPDATE inv_products SET on_hand = inv_products.on_hand + moved.delta,"
    " cost_pending = inv_products.cost_pending + CASE"
    " WHEN moved.unc = 0 OR inv_products.on_hand + moved.delta >= 0 THEN 0"
    " WHEN -(inv_products.on_hand + moved.delta) < moved.unc"
    " THEN -(inv_products.on_hand + moved.delta) ELSE moved.unc END,"
    " updated_at = :now"
    " FROM locked JOIN moved ON moved.id = locked.id"
    " WHERE inv_products.id = locked.id"
)
ON_HAND_NOW_PG = sa.bindparam("now", type_=Product.__table__.c.updated_at.type)
_ON_HAND_BUMP_PG = sa.text(f"WITH {ON_HAND_CTES_PG} {ON_HAND_UPDATE_PG}").bindparams(ON_HAND_NOW_PG)

_MOVEMENTS_INSERT = sa.insert(StockMovement.__table__).inline()


def record_sales(lines, *, ref_type="sale", ref_id: str, user=None, products=None) -> int:
    """Stock out for several lines of one sale: ``lines`` is a list of
    ``(product_id, quantity, unit_price)``; like ``record_sale`` for each line (same
    movements, same cost and owner, never refused for stock). SQLite: two statements,
    the movements inserted by one executemany, then on-hand moved by atomic SQL for
    every product in product-id order. PostgreSQL: one statement, the products locked
    in product-id order (so two sales never lock stock rows crosswise), the movements
    inserted (a CTE) and on-hand moved.

    ``products`` (optional): the lines' products as the caller already read them in
    this transaction (``Product`` or ``SaleProduct`` by id), so they are not read again;
    a product missing from it is read as without it.

    Raises ``NotFound`` (a product), ``InvalidInput`` (a quantity not above 0) before
    writing anything. Answers the number of movements written."""
    if not lines:
        return 0
    stock = sale_stock(lines, ref_type=ref_type, ref_id=ref_id, user=user, products=products)
    conn = db.session.connection()  # Core statements: no ORM execute around them
    if conn.dialect.name == "postgresql":  # the movements and on-hand in one statement
        conn.execute(_ON_HAND_BUMP_PG, stock.params_pg(conn.dialect))
    else:  # SQLite: the sale holds the database's write lock; one executemany each
        conn.execute(_MOVEMENTS_INSERT, stock.movements)
        conn.execute(
            _ON_HAND_BUMP,
            [
                {"b_id": pid, "b_delta": d, "b_unc": stock.uncosted.get(pid, 0), "b_now": stock.now}
                for pid, d in stock.moves
            ],
        )
    stock.written()
    return len(stock.movements)


@dataclass
class SaleStock:
    """What a sale's stock-out writes (``sale_stock``): the movements (product order),
    on-hand's change per product (``moves``, thousandths, product order) and the units
    sold at no known cost (``uncosted``). ``record_sales`` writes it; on PostgreSQL a
    caller may instead run ``ON_HAND_CTES_PG`` and ``ON_HAND_UPDATE_PG`` as CTEs of its
    own statement (the sale's, ``pos.services.fastpath``) with ``params_pg``, then call
    ``written``."""

    movements: list
    moves: list
    uncosted: dict
    now: object

    def params_pg(self, dialect) -> dict:
        """The parameters of the PostgreSQL statement (``ids``, ``deltas``, ``uncs``,
        ``now``, ``movement_rows``)."""
        return {  # arrays as literals (``mart.db.pg_array``), cast by the statement
            "ids": pg_array([pid for pid, _ in self.moves]),
            "deltas": pg_array([d for _, d in self.moves]),
            "uncs": pg_array([self.uncosted.get(pid, 0) for pid, _ in self.moves]),
            "now": self.now,
            **_MOVEMENTS_PG.params(dialect, self.movements),
        }

    def written(self) -> None:
        """After the writes: loaded ORM products (if any) read their new on-hand again."""
        mapper = sa.inspect(Product)
        identity_map = db.session.identity_map
        for pid, _delta in self.moves:
            loaded = identity_map.get(mapper.identity_key_from_primary_key([pid]))
            if loaded is not None:
                db.session.expire(loaded, ["on_hand", "updated_at", "cost_pending"])


def sale_stock(lines, *, ref_type="sale", ref_id: str, user=None, products=None) -> SaleStock:
    """The stock-out of a sale's ``lines`` as ``record_sales`` writes it, written by
    nobody yet (see ``SaleStock``); raises as ``record_sales`` does, before any write."""
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
    # Units sold at no cost below zero stock wait for the next receipt's cost
    # (``cost_pending``), moved in the same statement as on-hand.
    return SaleStock(movements, sorted(delta.items()), uncosted, now)
