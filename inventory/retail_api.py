"""Purchase orders and shelf labels under /api/v1 (on the inventory blueprint).

Managers only. Imported by ``inventory.init_app`` before the blueprint is registered.
"""

from flask import Response

from inventory import labels, purchasing
from inventory import retail_schemas as rs
from inventory.api import blp
from mart.apiutil import page_of
from mart.auth import roles_required
from mart.extensions import db

# --- purchase orders -------------------------------------------------------------


@blp.route("/purchase-orders", methods=["POST"])
@roles_required("manager")
@blp.arguments(rs.OrderIn)
@blp.response(201, rs.OrderOut)
def create_purchase_order(data):
    """A purchase order to a supplier (status ``open``)."""
    order = purchasing.create_order(data)
    db.session.commit()
    return purchasing.order_dict(order)


@blp.route("/purchase-orders", methods=["GET"])
@roles_required("manager")
@blp.arguments(rs.OrderArgs, location="query")
@blp.response(200, rs.OrderPageOut)
def list_purchase_orders(args):
    """Purchase orders, newest first: ``{items, total}``."""
    page = page_of(purchasing.list_orders_stmt(args.get("status"), args.get("supplier_id")), args)
    return {"items": [purchasing.order_dict(o) for o in page["items"]], "total": page["total"]}


@blp.route("/purchase-orders/suggestions", methods=["GET"])
@roles_required("manager")
@blp.arguments(rs.SuggestionArgs, location="query")
@blp.response(200, rs.SuggestionsOut)
def purchase_suggestions(args):
    """What to order from a supplier (sales velocity, on hand, on order, reorder point)."""
    return purchasing.suggestions(args["supplier_id"], args.get("weeks"))


@blp.route("/purchase-orders/deliveries", methods=["GET"])
@roles_required("manager")
@blp.arguments(rs.DeliveryArgs, location="query")
@blp.response(200, rs.DeliveryReportOut)
def supplier_deliveries(args):
    """Suppliers delivering less or late (orders created from ``from`` to ``to``)."""
    return {"items": purchasing.delivery_report(args.get("start"), args.get("end"))}


@blp.route("/purchase-orders/<int:order_id>", methods=["GET"])
@roles_required("manager")
@blp.response(200, rs.OrderOut)
def get_purchase_order(order_id):
    return purchasing.order_dict(purchasing.get_order(order_id))


@blp.route("/purchase-orders/<int:order_id>/text", methods=["GET"])
@roles_required("manager")
def purchase_order_text(order_id):
    """The order as plain text (to send by WhatsApp)."""
    text = purchasing.order_text(purchasing.get_order(order_id))
    return Response(text, mimetype="text/plain")


@blp.route("/purchase-orders/<int:order_id>/print", methods=["POST"])
@roles_required("manager")
@blp.arguments(rs.PrintIn)
@blp.response(202, rs.PrintedOut)
def print_purchase_order(data, order_id):
    """Print the order on the receipt printer (the default printer if none given)."""
    job = purchasing.print_order(order_id, data.get("printer_id"))
    db.session.commit()
    return {"job_id": job.id, "labels": 0}


@blp.route("/purchase-orders/<int:order_id>/close", methods=["POST"])
@roles_required("manager")
@blp.response(200, rs.OrderOut)
def close_purchase_order(order_id):
    """Close an open or partial order (what is outstanding will not come)."""
    order = purchasing.close_order(order_id)
    db.session.commit()
    return purchasing.order_dict(order)


# --- price history and shelf labels ----------------------------------------------


@blp.route("/products/<int:product_id>/price-history", methods=["GET"])
@roles_required("manager")
@blp.response(200, rs.PriceHistoryOut)
def price_history(product_id):
    """Every change of the product's price and member price, newest first."""
    return {"items": labels.history(product_id)}


@blp.route("/labels", methods=["GET"])
@roles_required("manager")
@blp.response(200, rs.LabelQueueOut)
def label_queue():
    """The shelf-label queue (filled by every price change)."""
    items = labels.queue()
    return {"items": items, "total": len(items)}


@blp.route("/labels", methods=["POST"])
@roles_required("manager")
@blp.arguments(rs.LabelAddIn)
@blp.response(201, rs.LabelItemOut)
def add_label(data):
    """Put a product on the queue by ``code`` (scanned) or ``product_id``."""
    item = labels.add(data)
    db.session.commit()
    return item


@blp.route("/labels", methods=["DELETE"])
@roles_required("manager")
@blp.response(204)
def clear_labels():
    labels.clear()
    db.session.commit()


@blp.route("/labels/<int:product_id>", methods=["DELETE"])
@roles_required("manager")
@blp.response(204)
def remove_label(product_id):
    labels.remove(product_id)
    db.session.commit()


@blp.route("/labels/print", methods=["POST"])
@roles_required("manager")
@blp.arguments(rs.PrintIn)
@blp.response(202, rs.PrintedOut)
def print_labels(data):
    """Print the whole queue as one job, then empty it (409 when empty)."""
    job, count = labels.print_queue(data.get("printer_id"))
    db.session.commit()
    return {"job_id": job.id, "labels": count}
