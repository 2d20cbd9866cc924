"""Inventory: the operations. Services flush; the request commits.

This package is inventory's public contract: every name below is what the rest of the
application (pos, books, the roll-up, the views, the tests) may call, re-exported
here so ``from inventory import services`` is the one import they need. The calls
other packages rely on, and their errors, are listed in ``docs/CONTRACTS.md``
("inventory.services"). Anything not re-exported here (a leading underscore, or only
in a sub-module) is the package's own business.

Where each part lives:

* ``products``: products and suppliers; a scanned code to its product
  (``lookup_code``), search.
* ``ledger``: the stock ledger. Every change of stock goes through ``add_movement``,
  which appends a ledger row and moves ``products.on_hand`` by atomic SQL in the same
  transaction, so the cache always equals the sum of the movements. Sales and customer
  returns one product at a time, write-offs.
* ``batch``: the sale path's batch calls (one statement for many products, and the
  stock-out of a whole sale in two: ``record_sales``).
* ``receipts``: goods receipts (stock in, moving average cost, late costs) and
  returns to the supplier.
* ``counts``: stock counts (stock opname).
* ``consignment``: konsinyasi settlements.
* ``figures``: stock value, supplier figures, cost of goods sold, for the reports and
  the roll-up.
* ``base``: what they share (whole-rupiah rounding, the acting user, quantities as
  their stored thousandths in SQL: ``raw``/``from_raw``).

Costing decisions (documented here because the domain leaves them open):

* **Moving average cost** (HPP rata-rata) changes only on a purchase receipt:
  ``new = (on_hand * avg + q * cost) / (on_hand + q)``, computed in SQL on the stored
  integers (thousandths of a unit times rupiah) and rounded half up to whole rupiah.
  When the mart holds nothing (on_hand <= 0) the new average is the receipt's cost.
* **Konsinyasi settlement**: a supplier with ``commission_percent > 0`` is paid the
  sales value minus the commission (``basis="commission"``; commission per product
  line, rounded half up); a consignment supplier with 0 % commission is paid the
  agreed ``supplier_price`` per unit sold (``basis="supplier_price"``; the
  commission is then the margin, sales value minus payable). Sales are net of
  customer returns; each sale/return movement is claimed by exactly one settlement.
* **Stock value** counts products with a positive on-hand only; negative stock is
  reported on its own list.
"""

from inventory.models import Barcode, Product
from inventory.services.base import from_raw, raw
from inventory.services.batch import (
    SaleProduct,
    get_products,
    products_by_barcodes,
    record_sales,
    sale_products,
    sale_stock,
    tiers_of,
)
from inventory.services.consignment import (
    create_settlement,
    due_for_supplier,
    get_settlement,
    pay_settlement,
    period_cutoff,
)
from inventory.services.counts import count_summary, enter_count, get_count, open_count, post_count
from inventory.services.figures import (
    cost_of_goods_sold,
    movements_stmt,
    owned_condition,
    stock_value,
    supplier_figures,
)
from inventory.services.ledger import add_movement, record_customer_return, record_sale, write_off
from inventory.services.products import (
    ScanResult,
    create_product,
    create_supplier,
    ensure_category,
    get_product,
    get_supplier,
    lookup_code,
    scale_rules,
    search_products,
    search_stmt,
    update_product,
    update_supplier,
    validate_barcode,
)
from inventory.services.receipts import late_costs_of, post_goods_receipt, post_supplier_return
from mart.db import utcnow

__all__ = [
    # the models the callers' tests name through here
    "Barcode",
    "Product",
    # products and suppliers
    "ScanResult",
    "create_product",
    "create_supplier",
    "ensure_category",
    "get_product",
    "get_supplier",
    "lookup_code",
    "scale_rules",
    "search_products",
    "search_stmt",
    "update_product",
    "update_supplier",
    "validate_barcode",
    # the ledger
    "add_movement",
    "from_raw",
    "raw",
    "record_customer_return",
    "record_sale",
    "write_off",
    # the sale path's batch calls
    "SaleProduct",
    "get_products",
    "products_by_barcodes",
    "record_sales",
    "sale_stock",
    "sale_products",
    "tiers_of",
    # goods receipts and supplier returns
    "late_costs_of",
    "post_goods_receipt",
    "post_supplier_return",
    # stock counts
    "count_summary",
    "enter_count",
    "get_count",
    "open_count",
    "post_count",
    # konsinyasi settlements
    "create_settlement",
    "due_for_supplier",
    "get_settlement",
    "pay_settlement",
    "period_cutoff",
    # figures
    "cost_of_goods_sold",
    "movements_stmt",
    "owned_condition",
    "stock_value",
    "supplier_figures",
    # the clock the services stamp movements with
    "utcnow",
]
