"""Promotions (issue 15): the manager's pages under /pos/promotions: the list (running,
upcoming, ended) with end-now, the form (new and change; products by barcode or SKU,
scanner-friendly), and the report of each promotion with its CSV."""

from datetime import date, datetime

import sqlalchemy as sa
from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from inventory import services as inventory
from inventory.models import Category
from mart.auth import roles_required
from mart.clock import local
from mart.errors import Conflict, DomainError, InvalidInput, NotFound
from mart.extensions import db
from pos.services import promotion_report
from pos.services import promotions as service
from pos.views import bp


def kind_label(kind: str) -> str:
    return {
        "percent": _("Percent off"),
        "buy_get": _("Buy X get Y"),
        "bundle": _("Bundle price"),
    }.get(kind, kind)


def status_label(status: str) -> str:
    return {"running": _("Running"), "upcoming": _("Upcoming"), "ended": _("Ended")}.get(
        status, status
    )


@bp.app_template_filter("promo_kind")
def _promo_kind(kind):
    return kind_label(kind)


@bp.app_template_filter("promo_status")
def _promo_status(status):
    return status_label(status)


@bp.route("/promotions")
@roles_required("manager")
def promotions():
    state = request.args.get("state") or None
    if state not in (None, "running", "upcoming", "ended"):
        state = None
    rows = db.session.scalars(service.list_promotions(state=state).limit(300)).all()
    return render_template(
        "pos/promotions.html", rows=rows, state=state, status=service.status, local=local
    )


def _codes_to_ids(text: str) -> list[int]:
    """Products by barcode or SKU (one per line, or separated by spaces or commas)."""
    ids = []
    for code in text.replace(",", " ").split():
        try:
            ids.append(inventory.lookup_code(code).product.id)
        except (NotFound, Conflict):
            raise InvalidInput(
                _("Unknown product: %(ids)s.", ids=code), field="product_ids"
            ) from None
    return ids


def _number(form, name):
    text = (form.get(name) or "").strip().replace(".", "").replace(",", ".")
    if not text:
        return None
    try:
        return float(text) if name == "percent" else int(text)
    except ValueError:
        raise InvalidInput(_("Not a number."), field=name) from None


def _form_data(form) -> dict:
    kind = form.get("kind")
    data = {
        "name": form.get("name", ""),
        "kind": kind,
        "starts": form.get("starts") or None,
        "ends": form.get("ends") or None,
        "members_only": form.get("members_only") == "1",
        "stackable": form.get("stackable") == "1",
        "percent": _number(form, "percent"),
        "buy": _number(form, "buy"),
        "get": _number(form, "get"),
        "price": _number(form, "price"),
        "category_id": int(form["category_id"]) if form.get("category_id") else None,
    }
    ids = _codes_to_ids(form.get("products", ""))
    data["product_ids"] = ids
    if kind == "buy_get":
        data["product_id"] = ids[0] if ids else None
    return data


def _products_text(promo) -> str:
    products = inventory.get_products(promo.product_ids or [])
    return "\n".join(products[i].sku for i in (promo.product_ids or []) if i in products)


def _form_of(promo) -> dict:
    return {
        "name": promo.name,
        "kind": promo.kind,
        "starts": local(promo.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "ends": local(promo.ends_at).strftime("%Y-%m-%dT%H:%M"),
        "percent": "" if promo.percent is None else str(promo.percent).replace(".", ","),
        "buy": promo.buy_qty or "",
        "get": promo.get_qty or "",
        "price": promo.bundle_price or "",
        "products": _products_text(promo),
        "category_id": str(promo.category_id or ""),
        "members_only": "1" if promo.members_only else "",
        "stackable": "1" if promo.stackable else "",
    }


def _local_moment(text):
    """A datetime-local field ("2025-10-08T08:00") is the branch's local time."""
    if text and len(text) > 10 and "+" not in text and not text.endswith("Z"):
        tz = local().tzinfo
        return datetime.fromisoformat(text).replace(tzinfo=tz).isoformat()
    return text


@bp.route("/promotions/new", methods=["GET", "POST"])
@bp.route("/promotions/<int:promotion_id>/edit", methods=["GET", "POST"])
@roles_required("manager")
def promotion_form(promotion_id=None):
    promo = service.get_promotion(promotion_id) if promotion_id else None
    form = dict(request.form) if request.method == "POST" else (_form_of(promo) if promo else {})
    errors = {}
    if request.method == "POST":
        try:
            data = _form_data(request.form)
            data["starts"] = _local_moment(data["starts"])
            data["ends"] = _local_moment(data["ends"])
            if promo is None:
                promo = service.create_promotion(data, current_user)
            else:
                service.update_promotion(promo.id, data, current_user)
            db.session.commit()
            service.forget()
            flash(_("Promotion saved."), "success")
            return redirect(url_for("pos.promotions"))
        except DomainError as exc:
            db.session.rollback()
            errors = {
                k: "; ".join(v) for loc in (exc.errors or {}).values() for k, v in loc.items()
            }
            flash(_("Not saved: %(why)s", why=exc.message), "error")
            promo = service.get_promotion(promotion_id) if promotion_id else None
    categories = db.session.scalars(sa.select(Category).order_by(Category.name)).all()
    return render_template(
        "pos/promotion_form.html", promo=promo, form=form, errors=errors, categories=categories
    )


@bp.route("/promotions/<int:promotion_id>/end", methods=["POST"])
@roles_required("manager")
def promotion_end(promotion_id):
    try:
        service.end_promotion(
            promotion_id, current_user, confirm=request.form.get("confirm") == "1"
        )
        db.session.commit()
        service.forget()
        flash(_("The promotion has ended."), "success")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(url_for("pos.promotions"))


def _period():
    def day(name):
        try:
            return date.fromisoformat(request.args.get(name) or "")
        except ValueError:
            return None

    return day("start"), day("end")


@bp.route("/promotions/report")
@roles_required("manager")
def promotions_report():
    start, end = _period()
    rows = promotion_report.report(start, end)
    return render_template("pos/promotions_report.html", rows=rows, start=start, end=end)


@bp.route("/promotions/report.csv")
@roles_required("manager")
def promotions_report_csv():
    start, end = _period()
    return Response(
        promotion_report.csv_text(promotion_report.report(start, end)),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="promosi.csv"'},
    )
