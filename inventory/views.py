"""Inventory: pages for the manager and the supplier's own pages.

Forms post to these views (CSRF token in the form); the scanner pages (goods receipt,
stock count) call the JSON API from ``inventory/static/js``.
"""

import contextlib
import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from inventory import importer, reports, schemas, services
from inventory.models import (
    Category,
    ConsignmentSettlement,
    GoodsReceipt,
    Product,
    StockCount,
    StockMovement,
    Supplier,
)
from mart import clock, locale, refs
from mart.apiutil import page_of
from mart.auth import roles_required
from mart.db import utcnow
from mart.errors import DomainError
from mart.extensions import db
from mart.money import format_rupiah

bp = Blueprint(
    "inventory",
    __name__,
    url_prefix="/inventory",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

PER_PAGE = 50


def _report_title(name):
    titles = {
        "stock-on-hand": _("Stock on hand (own stock at cost)"),
        "consigned-stock": _("Consigned stock (at supplier price)"),
        "below-reorder": _("Below reorder point"),
        "near-expiry": _("Near expiry"),
        "negative-stock": _("Negative stock"),
        "sell-through": _("Sell-through per supplier"),
        "movements": _("Movement history"),
    }
    return titles[name]


def _page_args():
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    return {"page": page, "per_page": PER_PAGE}


def _form_data(schema, partial=False):
    """The form's non-empty fields loaded through the API schema."""
    raw = {}
    for key, value in request.form.items():
        if key not in schema.fields:  # csrf_token, *_present, page-only fields
            continue
        value = value.strip()
        if value == "":
            if partial:
                raw[key] = None  # cleared: kept only where the field allows None
            continue
        raw[key] = value
    for key in ("active", "tracks_expiry", "umkm"):
        if key in schema.fields and (key in request.form or f"{key}_present" in request.form):
            raw[key] = request.form.get(key) == "1"
    for key in list(raw):
        field = schema.fields.get(key)
        if raw[key] is not None and getattr(field, "strict", False):
            with contextlib.suppress(ValueError):
                raw[key] = int(raw[key])
        if raw[key] is None and (field is None or not field.allow_none):
            raw.pop(key)
    return schema.load(raw)


def _errors_text(error):
    if isinstance(error, ValidationError):
        parts = []
        for field, messages in error.messages.items():
            text = "; ".join(str(m) for m in messages) if isinstance(messages, list) else messages
            parts.append(f"{field}: {text}")
        return ", ".join(parts)
    if error.errors:
        fields = [f"{k}: {'; '.join(v)}" for loc in error.errors.values() for k, v in loc.items()]
        return ", ".join(fields)
    return error.message


# --- home ------------------------------------------------------------------------


@bp.route("/")
@roles_required("manager")
def index():
    value = services.stock_value()
    counts = {
        name: len(reports.run(name, {"days": 30})[1])
        for name in ("below-reorder", "negative-stock", "near-expiry")
    }
    products = db.session.scalar(sa.select(sa.func.count()).select_from(Product))
    return render_template("inventory/index.html", value=value, counts=counts, products=products)


# --- products --------------------------------------------------------------------


@bp.route("/products")
@roles_required("manager")
def products():
    q = request.args.get("q", "").strip()
    show = request.args.get("show", "active")
    stmt = services.search_stmt(q)
    if show == "active":
        stmt = stmt.where(Product.active.is_(True))
    elif show == "inactive":
        stmt = stmt.where(Product.active.is_(False))
    page = page_of(stmt, _page_args())
    return render_template(
        "inventory/products.html", page=page, q=q, show=show, args=_page_args(), per_page=PER_PAGE
    )


def _choices():
    suppliers = db.session.scalars(sa.select(Supplier).order_by(Supplier.name)).all()
    categories = db.session.scalars(sa.select(Category).order_by(Category.name)).all()
    return suppliers, categories


@bp.route("/products/new", methods=["GET", "POST"])
@roles_required("manager")
def product_new():
    form = dict(request.form)
    if request.method == "POST":
        try:
            product = services.create_product(_form_data(schemas.ProductCreateSchema()))
            db.session.commit()
            flash(_("Product saved."), "success")
            return redirect(url_for("inventory.product_detail", product_id=product.id))
        except (ValidationError, DomainError) as exc:
            db.session.rollback()
            flash(_("Not saved: %(why)s", why=_errors_text(exc)), "error")
    suppliers, categories = _choices()
    return render_template(
        "inventory/product_form.html",
        product=None,
        form=form,
        suppliers=suppliers,
        categories=categories,
    )


@bp.route("/products/<int:product_id>", methods=["GET"])
@roles_required("manager")
def product_detail(product_id):
    product = services.get_product(product_id)
    moves = db.session.scalars(
        sa.select(StockMovement)
        .where(StockMovement.product_id == product_id)
        .order_by(StockMovement.id.desc())
        .limit(100)
    ).all()
    refs_shown = refs.describe_all((m.ref_type, m.ref_id) for m in moves)
    return render_template(
        "inventory/product_detail.html", product=product, moves=moves, refs=refs_shown
    )


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@roles_required("manager")
def product_edit(product_id):
    product = services.get_product(product_id)
    form = dict(request.form)
    if request.method == "POST":
        try:
            data = _form_data(schemas.ProductUpdateSchema(), partial=True)
            if "barcodes_text" in request.form:
                data["barcodes"] = request.form["barcodes_text"].split()
            services.update_product(product_id, data)
            db.session.commit()
            flash(_("Product saved."), "success")
            return redirect(url_for("inventory.product_detail", product_id=product_id))
        except (ValidationError, DomainError) as exc:
            db.session.rollback()
            flash(_("Not saved: %(why)s", why=_errors_text(exc)), "error")
            product = services.get_product(product_id)
    suppliers, categories = _choices()
    return render_template(
        "inventory/product_form.html",
        product=product,
        form=form,
        suppliers=suppliers,
        categories=categories,
    )


@bp.route("/products/<int:product_id>/active", methods=["POST"])
@roles_required("manager")
def product_active(product_id):
    active = request.form.get("active") == "1"
    services.update_product(product_id, {"active": active})
    db.session.commit()
    flash(_("Product activated.") if active else _("Product deactivated."), "success")
    return redirect(url_for("inventory.product_detail", product_id=product_id))


@bp.route("/products/export.csv")
@roles_required("manager")
def products_export():
    out = io.StringIO()
    importer.export_products(out, indonesian=True)
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="products.csv"'},
    )


@bp.route("/products/import", methods=["GET", "POST"])
@roles_required("manager")
def products_import():
    errors = []
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(_("Choose a CSV file."), "error")
        else:
            try:
                text = upload.read().decode("utf-8-sig")
                result = importer.import_products(text)
                db.session.commit()
                flash(
                    _(
                        "Imported %(created)d new and %(updated)d updated products.",
                        created=result.created,
                        updated=result.updated,
                    ),
                    "success",
                )
                return redirect(url_for("inventory.products"))
            except UnicodeDecodeError:
                flash(_("The file is not UTF-8 text."), "error")
            except importer.ImportFailed as exc:
                db.session.rollback()
                errors = exc.errors
                flash(_("Nothing imported: fix these rows and upload again."), "error")
    return render_template("inventory/import.html", errors=errors)


# --- suppliers -------------------------------------------------------------------


@bp.route("/suppliers")
@roles_required("manager")
def suppliers():
    rows = db.session.scalars(sa.select(Supplier).order_by(Supplier.name)).all()
    due = {s.id: services.due_for_supplier(s.id) for s in rows if s.terms == "consignment"}
    return render_template("inventory/suppliers.html", suppliers=rows, due=due)


@bp.route("/suppliers/new", methods=["GET", "POST"])
@bp.route("/suppliers/<int:supplier_id>/edit", methods=["GET", "POST"])
@roles_required("manager")
def supplier_form(supplier_id=None):
    supplier = db.session.get(Supplier, supplier_id) if supplier_id else None
    if supplier_id and supplier is None:
        abort(404)
    form = dict(request.form)
    if request.method == "POST":
        try:
            if supplier is None:
                services.create_supplier(_form_data(schemas.SupplierCreateSchema()))
            else:
                services.update_supplier(
                    supplier.id, _form_data(schemas.SupplierUpdateSchema(), partial=True)
                )
            db.session.commit()
            flash(_("Supplier saved."), "success")
            return redirect(url_for("inventory.suppliers"))
        except (ValidationError, DomainError) as exc:
            db.session.rollback()
            flash(_("Not saved: %(why)s", why=_errors_text(exc)), "error")
    return render_template("inventory/supplier_form.html", supplier=supplier, form=form)


# --- goods receipts and counts (scanner pages) -------------------------------------


@bp.route("/receipts")
@roles_required("manager")
def receipts():
    rows = db.session.scalars(
        sa.select(GoodsReceipt).order_by(GoodsReceipt.id.desc()).limit(100)
    ).all()
    posted = request.args.get("posted", type=int)
    if posted and any(r.id == posted for r in rows):
        # the receipt page came here after posting: say so
        flash(_("Goods receipt %(id)s posted: the stock is in.", id=posted), "success")
    return render_template("inventory/receipts.html", receipts=rows, posted=posted)


@bp.route("/receipts/new")
@roles_required("manager")
def receipt_new():
    suppliers = db.session.scalars(
        sa.select(Supplier).where(Supplier.active.is_(True)).order_by(Supplier.name)
    ).all()
    return render_template("inventory/receipt_new.html", suppliers=suppliers)


@bp.route("/receipts/<int:receipt_id>")
@roles_required("manager")
def receipt_detail(receipt_id):
    receipt = db.session.get(GoodsReceipt, receipt_id) or abort(404)
    names = _product_names([line.product_id for line in receipt.lines])
    return render_template("inventory/receipt_detail.html", receipt=receipt, names=names)


def _product_names(ids):
    return dict(
        db.session.execute(sa.select(Product.id, Product.name).where(Product.id.in_(ids))).all()
    )


@bp.route("/counts", methods=["GET", "POST"])
@roles_required("manager")
def counts():
    if request.method == "POST":
        product_ids = _count_selection(
            request.form.get("category_id"), request.form.get("supplier_id")
        )
        if product_ids == []:
            flash(_("No active products in that selection: no count opened."), "error")
            return redirect(url_for("inventory.counts"))
        count = services.open_count(
            {"note": request.form.get("note") or None, "product_ids": product_ids}
        )
        db.session.commit()
        return redirect(url_for("inventory.count_detail", count_id=count.id))
    rows = db.session.scalars(sa.select(StockCount).order_by(StockCount.id.desc()).limit(50)).all()
    return render_template(
        "inventory/counts.html",
        counts=rows,
        categories=db.session.scalars(sa.select(Category).order_by(Category.name)).all(),
        suppliers=db.session.scalars(
            sa.select(Supplier).where(Supplier.active.is_(True)).order_by(Supplier.name)
        ).all(),
    )


def _count_selection(category_id, supplier_id):
    """The active products of a category and/or a supplier (``[]`` when none), or None
    for a count of every product (nothing chosen, or a value that is not an id)."""
    filters = []
    if (category_id or "").isascii() and (category_id or "").isdigit():
        filters.append(Product.category_id == int(category_id))
    if (supplier_id or "").isascii() and (supplier_id or "").isdigit():
        filters.append(Product.supplier_id == int(supplier_id))
    if not filters:
        return None
    stmt = sa.select(Product.id).where(Product.active.is_(True), *filters).order_by(Product.id)
    return list(db.session.scalars(stmt).all())


@bp.route("/counts/<int:count_id>")
@roles_required("manager")
def count_detail(count_id):
    summary = services.count_summary(services.get_count(count_id))
    return render_template("inventory/count_detail.html", count=summary)


@bp.route("/counts/<int:count_id>/post", methods=["POST"])
@roles_required("manager")
def count_post(count_id):
    try:
        services.post_count(count_id)
        db.session.commit()
        flash(_("Stock count posted."), "success")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(url_for("inventory.count_detail", count_id=count_id))


# --- settlements -----------------------------------------------------------------


@bp.route("/settlements", methods=["GET", "POST"])
@roles_required("manager")
def settlements():
    if request.method == "POST":
        try:
            data = _form_data(schemas.SettlementIn())
            settlement = services.create_settlement(data["supplier_id"], data["period_end"])
            db.session.commit()
            return redirect(url_for("inventory.settlement_detail", settlement_id=settlement.id))
        except (ValidationError, DomainError) as exc:
            db.session.rollback()
            flash(_("Not saved: %(why)s", why=_errors_text(exc)), "error")
    rows = db.session.scalars(
        sa.select(ConsignmentSettlement).order_by(ConsignmentSettlement.id.desc()).limit(100)
    ).all()
    consignors = db.session.scalars(
        sa.select(Supplier).where(Supplier.terms == "consignment").order_by(Supplier.name)
    ).all()
    return render_template(
        "inventory/settlements.html",
        settlements=rows,
        consignors=consignors,
        today=utcnow().date(),
    )


@bp.route("/settlements/<int:settlement_id>")
@roles_required("manager", "supplier")
def settlement_detail(settlement_id):
    settlement = services.get_settlement(settlement_id)
    own = settlement.supplier_id == current_user.supplier_id
    if not current_user.has_role("admin", "manager") and not own:
        abort(404)
    return render_template("inventory/settlement_detail.html", s=settlement)


@bp.route("/settlements/<int:settlement_id>/pay", methods=["POST"])
@roles_required("manager")
def settlement_pay(settlement_id):
    reference = (request.form.get("reference") or "").strip()
    if not reference:
        flash(_("Give the payment reference."), "error")
    else:
        try:
            services.pay_settlement(settlement_id, reference)
            db.session.commit()
            flash(_("Marked as paid."), "success")
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
    return redirect(url_for("inventory.settlement_detail", settlement_id=settlement_id))


# --- reports ---------------------------------------------------------------------


@bp.route("/reports/<name>")
@roles_required("manager", "supplier")
def report(name):
    if name not in reports.REPORTS:
        abort(404)
    scope = None
    if not current_user.has_role("admin", "manager"):
        scope = current_user.supplier_id
        if scope is None:
            abort(403)
    args = {}
    try:
        args["days"] = int(request.args.get("days", 30))
        if request.args.get("product_id"):
            args["product_id"] = int(request.args["product_id"])
    except ValueError:
        abort(400)
    if name == "movements":
        if "product_id" not in args:
            abort(400)
        product = services.get_product(args["product_id"])
        if scope is not None and product.supplier_id != scope:
            abort(404)
    columns, rows, extra = reports.run(name, args, scope)
    if request.args.get("format") == "csv":
        return Response(
            reports.as_csv(columns, rows, header=[column_label(c) for c in columns]),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return render_template(
        "inventory/report.html",
        name=name,
        title=_report_title(name),
        columns=columns,
        rows=rows,
        extra=extra,
        args=args,
    )


# --- the supplier's own pages ----------------------------------------------------


@bp.route("/supplier_home")
@roles_required("supplier")
def supplier_home():
    """A supplier login: its products and stock here, weekly sales, settlements, due."""
    supplier_id = current_user.supplier_id
    supplier = db.session.get(Supplier, supplier_id) if supplier_id else None
    if supplier is None:
        return render_template("inventory/supplier_home.html", supplier=None)
    products = db.session.scalars(
        sa.select(Product).where(Product.supplier_id == supplier.id).order_by(Product.name)
    ).all()
    weeks = _weekly_sales(supplier.id)
    sold = _sold_per_product(supplier.id)
    settlements = db.session.scalars(
        sa.select(ConsignmentSettlement)
        .where(ConsignmentSettlement.supplier_id == supplier.id)
        .order_by(ConsignmentSettlement.id.desc())
        .limit(20)
    ).all()
    due = services.due_for_supplier(supplier.id) if supplier.terms == "consignment" else None
    return render_template(
        "inventory/supplier_home.html",
        supplier=supplier,
        products=products,
        weeks=weeks,
        settlements=settlements,
        due=due,
        sold=sold,
    )


def _sold_per_product(supplier_id):
    """``{product_id: units sold net of returns}`` since the supplier's first delivery."""
    mv = StockMovement.__table__
    pt = Product.__table__
    rows = db.session.execute(
        sa.select(mv.c.product_id, sa.func.sum(services.raw(mv.c.quantity)))
        .select_from(mv.join(pt, pt.c.id == mv.c.product_id))
        .where(pt.c.supplier_id == supplier_id, mv.c.kind.in_(("sale", "customer_return")))
        .group_by(mv.c.product_id)
    ).all()
    return {pid: -services.from_raw(int(raw or 0)) for pid, raw in rows}


def _weekly_sales(supplier_id, weeks=8):
    """Units sold (net of returns) per week (Monday to Sunday, by the branch's business
    day: mart.clock), the last ``weeks`` weeks."""
    today = clock.business_date()
    start_day = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    mv = StockMovement.__table__
    pt = Product.__table__
    start, _end = clock.day_bounds(start_day)
    rows = db.session.execute(
        sa.select(mv.c.at, services.raw(mv.c.quantity))
        .select_from(mv.join(pt, pt.c.id == mv.c.product_id))
        .where(
            pt.c.supplier_id == supplier_id,
            mv.c.kind.in_(("sale", "customer_return")),
            mv.c.at >= start,
        )
    ).all()
    buckets = {start_day + timedelta(days=7 * i): Decimal(0) for i in range(weeks)}
    for at, raw_qty in rows:
        day = clock.business_date(at)
        monday = day - timedelta(days=day.weekday())
        if monday in buckets:
            buckets[monday] += -services.from_raw(raw_qty)
    return sorted(buckets.items(), reverse=True)


# --- template helpers ------------------------------------------------------------

MONEY_COLUMNS = {"avg_cost", "value", "supplier_price", "sales_value", "unit_cost", "unit_price"}


@bp.app_template_filter("inv_qty")
def format_quantity(value, unit=None):
    """``12``, ``1.500``, ``1,25 kg`` (Indonesian decimal comma; see mart.locale)."""
    return locale.format_quantity(value, unit)


@bp.app_template_filter("inv_time")
def format_time(value):
    """``8 Okt 2025 14:05`` in the branch's time zone (mart.locale)."""
    return locale.format_datetime(value)


@bp.app_template_filter("inv_pct")
def format_percent(value):
    value = Decimal(value or 0)
    text = f"{value.normalize():f}" if value != value.to_integral_value() else str(int(value))
    return text.replace(".", ",")


@bp.app_template_global("inv_kind")
def kind_label(kind):
    return {
        "receipt": _("goods receipt"),
        "sale": _("sale"),
        "customer_return": _("customer return"),
        "supplier_return": _("return to supplier"),
        "count_adjustment": _("count adjustment"),
        "write_off": _("write-off"),
    }.get(kind, kind)


@bp.app_template_global("inv_column")
def column_label(column):
    return {
        "product_id": _("ID"),
        "sku": _("SKU"),
        "name": _("Name"),
        "unit": _("Unit"),
        "on_hand": _("On hand"),
        "avg_cost": _("Average cost"),
        "value": _("Value"),
        "supplier": _("Supplier"),
        "supplier_id": _("ID"),
        "supplier_price": _("Supplier price"),
        "reorder_point": _("Reorder point"),
        "batch": _("Batch"),
        "expiry_date": _("Expiry date"),
        "received": _("Received"),
        "may_remain": _("May remain (FIFO)"),
        "days_left": _("Days left"),
        "id": _("ID"),
        "at": _("When"),
        "kind": _("Kind"),
        "quantity": _("Quantity"),
        "unit_cost": _("Unit cost"),
        "unit_price": _("Unit price"),
        "owner": _("Owner"),
        "ref_type": _("Reference"),
        "ref_id": _("Number"),
        "balance": _("Balance"),
        "terms": _("Terms"),
        "sold": _("Sold"),
        "sales_value": _("Sales value"),
        "sell_through_percent": _("Sell-through %"),
    }.get(column, column)


@bp.app_template_global("inv_cell")
def cell(column, value):
    if value is None:
        return ""
    if column in MONEY_COLUMNS:
        return format_rupiah(int(value))
    if column == "kind":
        return kind_label(value)
    if column == "terms":
        return {"consignment": _("consignment"), "purchase": _("purchase")}.get(value, value)
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        return locale.format_date(value)
    if isinstance(value, Decimal):
        return format_quantity(value) if column != "sell_through_percent" else format_percent(value)
    return value
