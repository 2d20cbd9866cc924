"""The stock ledger. Every change of stock goes through :func:`add_movement`, which
appends a ledger row and moves ``products.on_hand`` by atomic SQL in the same
transaction, so the cache always equals the sum of the movements."""

from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from books import events as books_events
from inventory import books as stock_books
from inventory.models import Product, StockMovement
from inventory.services.base import _positive, _user, _user_id, from_raw, raw
from inventory.services.products import get_product
from mart import audit, clock
from mart.db import quantity, utcnow
from mart.extensions import db

# --- the ledger ------------------------------------------------------------------


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
        stock_after = stock_books.owned_values(stock_before)
        books_events.stock_difference(
            clock.business_date(),
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
