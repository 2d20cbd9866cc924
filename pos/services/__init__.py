"""Point of sale: the operations, and the package's public contract.

Services flush; the request commits. Everything an operation touches (stock,
members, books, print jobs, audit) is written in the caller's transaction, so it
commits together or not at all. Other packages are reached only through their
services (docs/CONTRACTS.md). Errors are ``mart.errors`` (``InvalidInput``,
``Conflict``, ``Forbidden``, ``NotFound``), raised before anything is written where
the rule allows.

The modules, one subject each:

- ``registers``: create, read, rename, set the printer, deactivate a register.
- ``shifts``: open, cash in/out, close with the cash count, the X/Z report slip.
- ``sales``: ``create_sale`` (the measured fast path), find and search sales.
- ``fastpath``: the sale's shortcuts (``SaleView``, its statements) and their contract.
- ``receipts``: the receipt (print, preview, reprint), the return note, method labels.
- ``returns``: ``create_return`` and the rule a return keeps.
- ``counter``: suspended sales, the customer display, the dynamic QRIS.
- ``figures``: a shift's X/Z figures, the open drawers' cash, PPN net of returns, the
  day's figures for the roll-up.
- ``_common``: what they share (approvals, a line's error, exact money arithmetic).

``from pos import services; services.create_sale(...)`` is the way in for views, the
API, the CLI, the demo data, other packages and tests: the names below are the
contract. A test or bench that replaces a function for the code that calls it patches
the module that calls it (``pos.services.sales._journal_sale``), not this one.
"""

from pos.services._common import (
    PIN_METHODS,
    _net_unit_price,
    _split_proportionally,
    _times_quantity,
    check_approval,
)
from pos.services.counter import (
    display_token,
    display_token_valid,
    qris_payload,
    resume,
    set_display,
    suspend,
)
from pos.services.fastpath import SaleView
from pos.services.figures import open_drawers_cash, ppn_figures, rollup_figures, shift_figures
from pos.services.receipts import (
    method_label,
    receipt_document,
    receipt_text,
    reprint,
    return_document,
)
from pos.services.registers import create_register, get_register, register_by_code, update_register
from pos.services.returns import create_return, return_share, returned_quantities
from pos.services.sales import (
    CLOCK_SKEW,
    create_sale,
    get_sale,
    sale_by_number,
    sale_time,
    search_sales,
)
from pos.services.shifts import (
    DENOMINATIONS,
    add_cash_movement,
    close_shift,
    get_shift,
    open_shift,
    open_shift_of,
    print_shift_report,
    require_shift_reader,
    shift_report_document,
)

__all__ = [
    "CLOCK_SKEW",
    "DENOMINATIONS",
    "PIN_METHODS",
    "SaleView",
    "_net_unit_price",
    "_split_proportionally",
    "_times_quantity",
    "add_cash_movement",
    "check_approval",
    "close_shift",
    "create_register",
    "create_return",
    "create_sale",
    "display_token",
    "display_token_valid",
    "get_register",
    "get_sale",
    "get_shift",
    "method_label",
    "open_drawers_cash",
    "open_shift",
    "open_shift_of",
    "ppn_figures",
    "print_shift_report",
    "qris_payload",
    "receipt_document",
    "receipt_text",
    "register_by_code",
    "reprint",
    "require_shift_reader",
    "resume",
    "return_document",
    "return_share",
    "returned_quantities",
    "rollup_figures",
    "sale_by_number",
    "sale_time",
    "search_sales",
    "set_display",
    "shift_figures",
    "shift_report_document",
    "suspend",
    "update_register",
]
