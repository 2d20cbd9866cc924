"""Shelf labels: the price change history and the label queue.

Every change of a product's price or member price (edit, CSV import, a new product)
is a ``PriceChange`` row (when, who, old, new) and puts the product on the label
queue (one row per product). The queue is printed in one go as a single print job
(kind ``label``) on an ESC/POS printer, then emptied. Services flush; the caller
commits.
"""

import sqlalchemy as sa
from flask import has_request_context
from flask_babel import gettext as _
from flask_login import current_user

# inventory.services imports this module too (a new price goes on the label queue); both
# import the other as a module and call it at run time, so either may load first.
from inventory import services
from inventory.models import Product
from inventory.retail_models import LabelQueueItem, PriceChange
from mart import audit
from mart.db import utcnow
from mart.errors import Conflict, InvalidInput, NotFound
from mart.extensions import db
from printers import services as printing
from printers.document import Document, Label

MAX_COPIES = 50


def _who(user=None):
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    return getattr(user, "id", None), getattr(user, "username", None)


def record_changes(changes, *, source="edit", user=None) -> int:
    """``changes``: ``[(product_id, old_price, new_price, old_member, new_member)]``;
    the rows where something differs become history and go on the label queue."""
    user_id, username = _who(user)
    rows = [
        {
            "product_id": pid,
            "old_price": op,
            "new_price": np,
            "old_member_price": om,
            "new_member_price": nm,
        }
        for pid, op, np, om, nm in changes
        if op != np or om != nm
    ]
    if not rows:
        return 0
    now = utcnow()
    for row in rows:
        row.update(at=now, user_id=user_id, username=username, source=source)
    db.session.execute(sa.insert(PriceChange.__table__), rows)
    enqueue([r["product_id"] for r in rows])
    return len(rows)


def record_import(updates, *, user=None) -> int:
    """Before the importer's UPDATEs: ``updates`` are its ``(values, code)`` pairs
    (``values["_id"]`` the product); the old prices are read here in one query."""
    by_id = {values["_id"]: values for values, _code in updates}
    if not by_id:
        return 0
    pt = Product.__table__
    changes = []
    ids = list(by_id)
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        for pid, price, member in db.session.execute(
            sa.select(pt.c.id, pt.c.price, pt.c.member_price).where(pt.c.id.in_(chunk))
        ).all():
            values = by_id[pid]
            changes.append(
                (
                    pid,
                    price,
                    values.get("price", price),
                    member,
                    values.get("member_price", member),
                )
            )
    return record_changes(changes, source="import", user=user)


def history(product_id) -> list[PriceChange]:
    services.get_product(product_id)
    return db.session.scalars(
        sa.select(PriceChange)
        .where(PriceChange.product_id == product_id)
        .order_by(PriceChange.id.desc())
    ).all()


def enqueue(product_ids, copies=None) -> None:
    """Put products on the queue (already there: ``copies`` replaces theirs if given)."""
    ids = list(dict.fromkeys(product_ids))
    if not ids:
        return
    there = set(
        db.session.scalars(
            sa.select(LabelQueueItem.product_id).where(LabelQueueItem.product_id.in_(ids))
        ).all()
    )
    new = [
        {"product_id": pid, "copies": copies or 1, "added_at": utcnow()}
        for pid in ids
        if pid not in there
    ]
    if new:
        db.session.execute(sa.insert(LabelQueueItem.__table__), new)
    if copies and there:
        db.session.execute(
            sa.update(LabelQueueItem.__table__)
            .where(LabelQueueItem.product_id.in_(there))
            .values(copies=copies)
        )
    db.session.flush()


def _copies(value) -> int:
    if value is None:
        return 1
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_COPIES:
        raise InvalidInput(_("Between 1 and %(n)s.", n=MAX_COPIES), field="copies")
    return value


def add(data) -> LabelQueueItem:
    """Add one product by ``product_id`` or a scanned ``code`` (barcode or sku)."""
    copies = _copies(data.get("copies"))
    if data.get("product_id") is not None:
        product = services.get_product(data["product_id"])
    elif data.get("code"):
        try:
            product = services.lookup_code(str(data["code"]).strip()).product
        except NotFound as exc:
            raise InvalidInput(_("Unknown code."), field="code") from exc
    else:
        raise InvalidInput(_("Scan a barcode or give a product."), field="code")
    enqueue([product.id], copies=copies)
    return db.session.scalar(
        sa.select(LabelQueueItem).where(LabelQueueItem.product_id == product.id)
    )


def queue() -> list[LabelQueueItem]:
    return db.session.scalars(sa.select(LabelQueueItem).order_by(LabelQueueItem.id)).all()


def remove(product_id) -> None:
    db.session.execute(
        sa.delete(LabelQueueItem.__table__).where(LabelQueueItem.product_id == product_id)
    )
    db.session.flush()


def clear() -> int:
    result = db.session.execute(sa.delete(LabelQueueItem.__table__))
    db.session.flush()
    return result.rowcount


def label_document(items):
    labels = []
    for item in items:
        product = item.product
        label = Label(
            name=product.name,
            price=product.price,
            member_price=product.member_price,
            barcode=product.barcode or product.sku,
            packs=[(p.name, p.factor, p.price) for p in product.packs],
        )
        labels.extend([label] * item.copies)
    return Document(labels=labels)


def print_queue(printer_id=None, user=None):
    """Queue one print job with every label (copies included) and empty the queue.
    409 when the queue is empty. Returns ``(job, labels printed)``."""
    items = queue()
    if not items:
        raise Conflict(_("The label queue is empty."))
    document = label_document(items)
    job = printing.queue_document(document, printer_id, kind="label", ref_type="labels")
    clear()
    audit.record("labels.print", "Product", after={"labels": len(document.labels)}, user=user)
    return job, len(document.labels)
