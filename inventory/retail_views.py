"""Manager pages: purchase orders (from suggestions, receive against them) and the
shelf-label queue. Plain forms (CSRF token in each); a scanner types the code and
Enter in the label page's field. Routes on the ``inventory`` blueprint."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from inventory import labels, purchasing, services
from inventory.models import Supplier
from inventory.retail_models import PurchaseOrder
from inventory.views import _errors_text, bp
from mart.auth import roles_required
from mart.db import quantity
from mart.errors import DomainError, InvalidInput
from mart.extensions import db
from printers import services as printing

STATUSES = ("open", "partial", "received", "closed")


def _status(status):
    return {
        "open": _("open"),
        "partial": _("partly received"),
        "received": _("received"),
        "closed": _("closed"),
    }.get(status, status)


def _suppliers():
    return db.session.scalars(
        sa.select(Supplier).where(Supplier.active.is_(True)).order_by(Supplier.name)
    ).all()


def _printers():
    return printing.list_printers(active_only=True)


def _quantities(prefix):
    """``{product_id: Decimal}`` from fields ``<prefix><id>`` that hold a number > 0."""
    out = {}
    for key, value in request.form.items():
        if key.startswith(prefix) and value.strip():
            try:
                pid = int(key[len(prefix) :])
                qty = quantity(value.strip().replace(",", "."))
            except (ValueError, ArithmeticError):
                raise InvalidInput(_("Not a number."), field=key) from None
            if qty > 0:
                out[pid] = qty
    return out


@bp.route("/purchase-orders")
@roles_required("manager")
def purchase_orders():
    status = request.args.get("status") or None
    if status not in (None, *STATUSES):
        status = None
    orders = db.session.scalars(purchasing.list_orders_stmt(status).limit(100)).all()
    return render_template(
        "inventory/purchase_orders.html",
        orders=orders,
        suppliers=_suppliers(),
        status=status,
        status_text=_status,
        deliveries=purchasing.delivery_report(),
        date_id=purchasing.date_id,
        order_total=purchasing.order_total,
    )


@bp.route("/purchase-orders/new", methods=["GET", "POST"])
@roles_required("manager")
def purchase_order_new():
    supplier_id = request.values.get("supplier_id", type=int)
    if supplier_id is None:
        return redirect(url_for("inventory.purchase_orders"))
    if request.method == "POST":
        try:
            lines = [
                {"product_id": pid, "quantity": qty} for pid, qty in _quantities("qty_").items()
            ]
            order = purchasing.create_order(
                {"supplier_id": supplier_id, "lines": lines, "note": request.form.get("note")}
            )
            db.session.commit()
            flash(_("Purchase order saved."), "success")
            return redirect(url_for("inventory.purchase_order_detail", order_id=order.id))
        except DomainError as exc:
            db.session.rollback()
            flash(_("Not saved: %(why)s", why=_errors_text(exc)), "error")
    try:
        suggested = purchasing.suggestions(supplier_id, request.args.get("weeks", type=int))
    except DomainError as exc:
        flash(_errors_text(exc), "error")
        return redirect(url_for("inventory.purchase_orders"))
    return render_template("inventory/purchase_order_new.html", s=suggested)


@bp.route("/purchase-orders/<int:order_id>")
@roles_required("manager")
def purchase_order_detail(order_id):
    order = db.session.get(PurchaseOrder, order_id) or abort(404)
    return render_template(
        "inventory/purchase_order_detail.html",
        order=order,
        data=purchasing.order_dict(order),
        text=purchasing.order_text(order),
        status_text=_status,
        printers=_printers(),
        date_id=purchasing.date_id,
    )


@bp.route("/purchase-orders/<int:order_id>/receive", methods=["POST"])
@roles_required("manager")
def purchase_order_receive(order_id):
    order = db.session.get(PurchaseOrder, order_id) or abort(404)
    try:
        lines = [{"product_id": pid, "quantity": qty} for pid, qty in _quantities("recv_").items()]
        receipt = services.post_goods_receipt(
            {
                "supplier_id": order.supplier_id,
                "purchase_order_id": order.id,
                "reference": (request.form.get("reference") or "").strip() or None,
                "lines": lines,
            }
        )
        db.session.commit()
        flash(_("Goods receipt %(id)s posted.", id=receipt.id), "success")
    except DomainError as exc:
        db.session.rollback()
        flash(_("Not saved: %(why)s", why=_errors_text(exc)), "error")
    return redirect(url_for("inventory.purchase_order_detail", order_id=order_id))


@bp.route("/purchase-orders/<int:order_id>/action", methods=["POST"])
@roles_required("manager")
def purchase_order_action(order_id):
    action = request.form.get("action")
    try:
        if action == "print":
            purchasing.print_order(order_id, request.form.get("printer_id", type=int))
            flash(_("Sent to the printer."), "success")
        elif action == "close":
            purchasing.close_order(order_id)
            flash(_("Purchase order closed."), "success")
        else:
            abort(400)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(_errors_text(exc), "error")
    return redirect(url_for("inventory.purchase_order_detail", order_id=order_id))


@bp.route("/labels", methods=["GET", "POST"])
@roles_required("manager")
def label_queue():
    if request.method == "POST":
        action = request.form.get("action", "add")
        try:
            if action == "add":
                copies = request.form.get("copies", type=int)
                labels.add({"code": request.form.get("code", ""), "copies": copies})
                flash(_("Added to the label queue."), "success")
            elif action == "remove":
                labels.remove(request.form.get("product_id", type=int))
            elif action == "clear":
                labels.clear()
                flash(_("The label queue is emptied."), "success")
            elif action == "print":
                _job, count = labels.print_queue(request.form.get("printer_id", type=int))
                flash(_("%(n)s labels sent to the printer.", n=count), "success")
            else:
                abort(400)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(_errors_text(exc), "error")
        return redirect(url_for("inventory.label_queue"))
    return render_template("inventory/labels.html", items=labels.queue(), printers=_printers())


@bp.route("/products/<int:product_id>/prices")
@roles_required("manager")
def price_history(product_id):
    product = services.get_product(product_id)
    return render_template(
        "inventory/price_history.html", product=product, changes=labels.history(product_id)
    )
