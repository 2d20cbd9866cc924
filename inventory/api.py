"""Inventory: the API under /api/v1.

Managers write. A supplier login (role ``supplier``, ``user.supplier_id``) reads only
its own products, stock, movements and settlements; cashiers read products.
"""

from datetime import timedelta

import sqlalchemy as sa
from flask import Response, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint

from inventory import reports, schemas, services
from inventory.models import ConsignmentSettlement, Product, Supplier
from mart.apiutil import page_of, page_schema
from mart.auth import roles_required
from mart.errors import Forbidden, InvalidInput, NotFound
from mart.extensions import db

blp = Blueprint("inventory_api", __name__, description="Inventory")

READERS = ("manager", "cashier", "supplier")


def supplier_scope():
    """The supplier id a supplier-only login is limited to, else None (sees all)."""
    if current_user.has_role("admin", "manager", "cashier"):
        return None
    if current_user.has_role("supplier"):
        if current_user.supplier_id is None:
            raise Forbidden(_("This login is not linked to a supplier."))
        return current_user.supplier_id
    raise Forbidden(_("Your role may not do this."))


def _visible_product(product_id):
    product = services.get_product(product_id)
    scope = supplier_scope()
    if scope is not None and product.supplier_id != scope:
        raise NotFound(_("Unknown product."))
    return product


def _commit(obj):
    db.session.commit()
    return obj


# --- products --------------------------------------------------------------------


@blp.route("/products", methods=["POST"])
@roles_required("manager")
@blp.arguments(schemas.ProductCreateSchema)
@blp.response(201, schemas.ProductOut)
def create_product(data):
    """Create a product (409 duplicate sku or barcode, 422 wrong check digit)."""
    return _commit(services.create_product(data))


@blp.route("/products", methods=["GET"])
@roles_required(*READERS)
@blp.arguments(schemas.ProductArgs, location="query")
@blp.response(200, page_schema(schemas.ProductOut, name="ProductPage"))
def list_products(args):
    """Products by ``barcode`` (exact), ``q`` (words of name, sku, barcode), paged."""
    scope = supplier_scope()
    if args.get("supplier_id") is not None and scope is None:
        scope = args["supplier_id"]
    stmt = services.search_stmt(args.get("q"), supplier_id=scope, barcode=args.get("barcode"))
    if "active" in args:
        stmt = stmt.where(Product.active.is_(args["active"]))
    return page_of(stmt, args)


@blp.route("/products/lookup", methods=["GET"])
@roles_required("manager", "cashier")
@blp.arguments(schemas.LookupArgs, location="query")
@blp.response(200, schemas.LookupOut)
def lookup(args):
    """A scanned code: barcode, sku or scale label (with quantity or price)."""
    return services.lookup_code(args["code"])


@blp.route("/products/<int:product_id>", methods=["GET"])
@roles_required(*READERS)
@blp.response(200, schemas.ProductOut)
def get_product(product_id):
    return _visible_product(product_id)


@blp.route("/products/<int:product_id>", methods=["PATCH"])
@roles_required("manager")
@blp.arguments(schemas.ProductUpdateSchema)
@blp.response(200, schemas.ProductOut)
def update_product(data, product_id):
    return _commit(services.update_product(product_id, data))


# --- suppliers -------------------------------------------------------------------


@blp.route("/suppliers", methods=["POST"])
@roles_required("manager")
@blp.arguments(schemas.SupplierCreateSchema)
@blp.response(201, schemas.SupplierOut)
def create_supplier(data):
    return _commit(services.create_supplier(data))


@blp.route("/suppliers", methods=["GET"])
@roles_required("manager", "supplier")
@blp.arguments(schemas.SupplierArgs, location="query")
@blp.response(200, page_schema(schemas.SupplierOut, name="SupplierPage"))
def list_suppliers(args):
    stmt = sa.select(Supplier).order_by(Supplier.name, Supplier.id)
    scope = supplier_scope()
    if scope is not None:
        stmt = stmt.where(Supplier.id == scope)
    if args.get("terms"):
        stmt = stmt.where(Supplier.terms == args["terms"])
    return page_of(stmt, args)


@blp.route("/suppliers/<int:supplier_id>", methods=["GET"])
@roles_required("manager", "supplier")
@blp.response(200, schemas.SupplierOut)
def get_supplier(supplier_id):
    scope = supplier_scope()
    supplier = db.session.get(Supplier, supplier_id)
    if supplier is None or (scope is not None and scope != supplier_id):
        raise NotFound(_("Unknown supplier."))
    return supplier


@blp.route("/suppliers/<int:supplier_id>", methods=["PATCH"])
@roles_required("manager")
@blp.arguments(schemas.SupplierUpdateSchema)
@blp.response(200, schemas.SupplierOut)
def update_supplier(data, supplier_id):
    return _commit(services.update_supplier(supplier_id, data))


# --- stock in and out ------------------------------------------------------------


@blp.route("/goods-receipts", methods=["POST"])
@roles_required("manager")
@blp.arguments(schemas.GoodsReceiptIn)
@blp.response(201, schemas.GoodsReceiptOut)
def post_goods_receipt(data):
    """Post stock in from a supplier (one transaction)."""
    return _commit(services.post_goods_receipt(data))


@blp.route("/supplier-returns", methods=["POST"])
@roles_required("manager")
@blp.arguments(schemas.SupplierReturnIn)
@blp.response(201, schemas.SupplierReturnOut)
def post_supplier_return(data):
    """Stock out back to the supplier (409 when more than on hand)."""
    return _commit(services.post_supplier_return(data))


@blp.route("/write-offs", methods=["POST"])
@roles_required("manager")
@blp.arguments(schemas.WriteOffIn)
@blp.response(201, schemas.MovementOut)
def post_write_off(data):
    """Spoilage or expiry: stock out at cost."""
    return _commit(
        services.write_off(data["product_id"], data["quantity"], reason=data.get("reason"))
    )


@blp.route("/stock/movements", methods=["GET"])
@roles_required("manager", "supplier")
@blp.arguments(schemas.MovementArgs, location="query")
@blp.response(200, page_schema(schemas.MovementOut, name="MovementPage"))
def list_movements(args):
    scope = supplier_scope()
    if args.get("product_id") is not None:
        _visible_product(args["product_id"])
    return page_of(services.movements_stmt(args.get("product_id"), scope), args)


# --- konsinyasi settlements ------------------------------------------------------


@blp.route("/consignment-settlements", methods=["POST"])
@roles_required("manager")
@blp.arguments(schemas.SettlementIn)
@blp.response(201, schemas.SettlementOut)
def create_settlement(data):
    """Settle the consigned units sold up to ``period_end`` not settled before."""
    return _commit(services.create_settlement(data["supplier_id"], data["period_end"]))


@blp.route("/consignment-settlements", methods=["GET"])
@roles_required("manager", "supplier")
@blp.arguments(schemas.SettlementArgs, location="query")
@blp.response(200, page_schema(schemas.SettlementOut, name="SettlementPage"))
def list_settlements(args):
    stmt = sa.select(ConsignmentSettlement).order_by(ConsignmentSettlement.id.desc())
    scope = supplier_scope() or args.get("supplier_id")
    if scope is not None:
        stmt = stmt.where(ConsignmentSettlement.supplier_id == scope)
    return page_of(stmt, args)


def _visible_settlement(settlement_id):
    settlement = services.get_settlement(settlement_id)
    scope = supplier_scope()
    if scope is not None and settlement.supplier_id != scope:
        raise NotFound(_("Unknown settlement."))
    return settlement


@blp.route("/consignment-settlements/<int:settlement_id>", methods=["GET"])
@roles_required("manager", "supplier")
@blp.response(200, schemas.SettlementOut)
def get_settlement(settlement_id):
    return _visible_settlement(settlement_id)


@blp.route("/consignment-settlements/<int:settlement_id>/pay", methods=["POST"])
@roles_required("manager")
@blp.arguments(schemas.SettlementPayIn)
@blp.response(200, schemas.SettlementOut)
def pay_settlement(data, settlement_id):
    """Mark paid with a reference (409 when already paid)."""
    return _commit(services.pay_settlement(settlement_id, data["reference"]))


# --- stock counts ----------------------------------------------------------------


@blp.route("/stock-counts", methods=["POST"])
@roles_required("manager")
@blp.arguments(schemas.CountIn)
@blp.response(201, schemas.CountOut)
def open_count(data):
    """Open a stock count (stock opname) of all products or of ``product_ids``."""
    count = services.open_count(data)
    db.session.commit()
    return services.count_summary(count)


@blp.route("/stock-counts/<int:count_id>", methods=["GET"])
@roles_required("manager")
@blp.response(200, schemas.CountOut)
def get_count(count_id):
    """The count with each difference against the ledger when counted, and its value."""
    return services.count_summary(services.get_count(count_id))


@blp.route("/stock-counts/<int:count_id>/lines", methods=["POST"])
@roles_required("manager")
@blp.arguments(schemas.CountLineIn)
@blp.response(201, schemas.CountOut)
def enter_count(data, count_id):
    """Enter or scan a counted quantity (``mode`` ``add`` the default, or ``set``)."""
    services.enter_count(count_id, data)
    db.session.commit()
    return services.count_summary(services.get_count(count_id))


@blp.route("/stock-counts/<int:count_id>/post", methods=["POST"])
@roles_required("manager")
@blp.response(200, schemas.CountOut)
def post_count(count_id):
    """Post the differences as count adjustments (409 when already posted)."""
    count = services.post_count(count_id)
    db.session.commit()
    return services.count_summary(count)


# --- reports ---------------------------------------------------------------------


@blp.route("/stock/reports/<name>", methods=["GET"])
@roles_required("manager", "supplier")
@blp.arguments(schemas.ReportArgs, location="query")
@blp.response(200, schemas.ReportOut)
@blp.doc(
    description="Reports: stock-on-hand, consigned-stock, below-reorder, near-expiry "
    "(?days=), negative-stock, movements (?product_id=), sell-through (?from=&to=). "
    "?format=csv answers text/csv."
)
def report(args, name):
    if name not in reports.REPORTS:
        raise NotFound(_("Unknown report."))
    scope = supplier_scope()
    if name == "movements":
        if args.get("product_id") is None:
            raise InvalidInput(_("Missing data for required field."), "product_id", "query")
        _visible_product(args["product_id"])
    columns, rows, extra = reports.run(name, args, scope)
    if args["format"] == "csv" or request.accept_mimetypes.best == "text/csv":
        return Response(
            reports.as_csv(columns, rows),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return reports.as_json(columns, rows, extra)


@blp.route("/stock/cost-of-goods-sold", methods=["GET"])
@roles_required("manager")
@blp.arguments(schemas.CostOfGoodsArgs, location="query")
@blp.response(200, schemas.CostOfGoodsOut)
def cost_of_goods_sold(args):
    """Cost of goods sold between two business dates (inclusive), with the late costs
    of units sold before any cost was known."""
    start = services.period_cutoff(args["date_from"] - timedelta(days=1))
    end = services.period_cutoff(args["date_to"])
    return services.cost_of_goods_sold(start, end)


@blp.route("/stock/value", methods=["GET"])
@roles_required("manager")
@blp.response(200, schemas.StockValueOut)
def stock_value():
    """``{owned_at_cost, consigned_at_supplier_price}``."""
    return services.stock_value()
