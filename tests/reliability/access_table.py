"""Who may do what: THE one table the access matrix checks every route against.

``ACCESS`` maps a Flask endpoint (as in ``app.url_map``) to the roles allowed on it,
either one set for all its methods or ``{"GET": {...}, "POST": {...}}``. A role not
listed must be refused (401/403, or a redirect to the login page; 404 is accepted
for member/supplier logins on routes addressing one record, which must not reveal
that someone else's record exists). "Allowed" means: on someone else's record. The
member and supplier reach their own data through their own pages/endpoints (and
the leak tests in test_access_matrix.py check that too). Admin always passes.

A new route makes test_access_matrix fail until it is added here.
"""

ANON = "anonymous"
ROLES = ("admin", "manager", "cashier", "member", "supplier", "association")
EVERYONE = frozenset({ANON, *ROLES})
LOGGED_IN = frozenset(ROLES)
ADMIN = frozenset({"admin"})
MANAGER = frozenset({"admin", "manager"})
COUNTER = frozenset({"admin", "manager", "cashier"})
MEMBER = frozenset({"admin", "member"})
SUPPLIER = frozenset({"admin", "supplier"})
ASSOCIATION = frozenset({"admin", "association"})
# The member's own page: only a member login has one (an admin is no member).
SELF_SERVICE = frozenset({"member"})
# Authenticated by a signature in the request (HMAC with a branch key), never by a
# login: every role, admin included, is refused without the signature.
SIGNATURE_ONLY = frozenset()

ACCESS = {
    # --- mart core -----------------------------------------------------------------
    "static": EVERYONE,
    "mart.index": EVERYONE,  # redirects to the login page or the role's home
    "mart.login": EVERYONE,
    "mart.logout": EVERYONE,
    "mart.backoffice": MANAGER,
    "mart.api_docs": EVERYONE,
    "mart.healthz": EVERYONE,
    "api-docs.openapi_json": EVERYONE,
    "auth.create_token": EVERYONE,  # the credentials are in the body
    "auth.revoke_token": LOGGED_IN,
    "auth.me": LOGGED_IN,
    "auth.approvers": COUNTER,
    # --- inventory ----------------------------------------------------------------
    "inventory.index": MANAGER,
    "inventory.supplier_home": SUPPLIER,
    "inventory_api.create_product": MANAGER,
    "inventory_api.cost_of_goods_sold": MANAGER,
    # supplier logins see their own products only (the record filled is someone else's)
    "inventory_api.list_products": COUNTER | {"supplier"},
    "inventory_api.get_product": COUNTER,
    "inventory_api.update_product": MANAGER,
    "inventory_api.lookup": COUNTER,
    "inventory_api.create_supplier": MANAGER,
    "inventory_api.list_suppliers": MANAGER | {"supplier"},
    "inventory_api.get_supplier": MANAGER,
    "inventory_api.update_supplier": MANAGER,
    "inventory_api.post_goods_receipt": MANAGER,
    "inventory_api.post_supplier_return": MANAGER,
    "inventory_api.post_write_off": MANAGER,
    "inventory_api.create_settlement": MANAGER,
    "inventory_api.list_settlements": MANAGER | {"supplier"},
    "inventory_api.get_settlement": MANAGER,
    "inventory_api.pay_settlement": MANAGER,
    "inventory_api.open_count": MANAGER,
    "inventory_api.get_count": MANAGER,
    "inventory_api.enter_count": MANAGER,
    "inventory_api.post_count": MANAGER,
    "inventory_api.list_movements": MANAGER | {"supplier"},
    "inventory_api.report": MANAGER | {"supplier"},
    "inventory_api.stock_value": MANAGER,
    "inventory_api.create_purchase_order": MANAGER,
    "inventory_api.list_purchase_orders": MANAGER,
    "inventory_api.purchase_suggestions": MANAGER,
    "inventory_api.supplier_deliveries": MANAGER,
    "inventory_api.get_purchase_order": MANAGER,
    "inventory_api.purchase_order_text": MANAGER,
    "inventory_api.print_purchase_order": MANAGER,
    "inventory_api.close_purchase_order": MANAGER,
    "inventory_api.price_history": MANAGER,
    "inventory_api.label_queue": MANAGER,
    "inventory_api.add_label": MANAGER,
    "inventory_api.clear_labels": MANAGER,
    "inventory_api.remove_label": MANAGER,
    "inventory_api.print_labels": MANAGER,
    "inventory.static": EVERYONE,
    "inventory.products": MANAGER,
    "inventory.purchase_orders": MANAGER,
    "inventory.purchase_order_new": MANAGER,
    "inventory.purchase_order_detail": MANAGER,
    "inventory.purchase_order_receive": MANAGER,
    "inventory.purchase_order_action": MANAGER,
    "inventory.label_queue": MANAGER,
    "inventory.price_history": MANAGER,
    "inventory.product_new": MANAGER,
    "inventory.product_detail": MANAGER,
    "inventory.product_edit": MANAGER,
    "inventory.product_packs": MANAGER,  # issue 15
    "inventory.product_active": MANAGER,
    "inventory.products_export": MANAGER,
    "inventory.products_import": MANAGER,
    "inventory.suppliers": MANAGER,
    "inventory.supplier_form": MANAGER,
    "inventory.receipts": MANAGER,
    "inventory.receipt_new": MANAGER,
    "inventory.receipt_detail": MANAGER,
    "inventory.counts": MANAGER,
    "inventory.count_detail": MANAGER,
    "inventory.count_post": MANAGER,
    "inventory.settlements": MANAGER,
    "inventory.settlement_detail": MANAGER,  # a supplier: only their own settlements
    "inventory.settlement_pay": MANAGER,
    "inventory.report": MANAGER | {"supplier"},  # scoped to the supplier's goods
    # --- members: a member reaches only their own number (others: refused) ------------
    "members.index": MANAGER,
    "members.me": SELF_SERVICE,
    "members.static": EVERYONE,
    "members.new": MANAGER,
    "members.detail": MANAGER,
    "members.card": MANAGER,
    "members.barcode_svg": MANAGER,  # a member: only their own card
    "members.deposit": MANAGER,
    "members.withdraw": MANAGER,
    "members.leave": MANAGER,
    "members.reverse": MANAGER,
    "members.set_pin": MANAGER,
    "members.me_pin": SELF_SERVICE,
    "members.settlement": MANAGER,
    "members.arrears": MANAGER,
    "members.capital": MANAGER,
    "members.shu": MANAGER,
    "members_api.shu_get": MANAGER,
    "members_api.create_member": MANAGER,
    "members_api.list_members": MANAGER,
    # the cashier looks a member up at the counter (without NIK: see the leak tests)
    "members_api.get_member": COUNTER,
    "members_api.lookup_member": COUNTER,
    "members_api.member_arrears": MANAGER,
    "members_api.ledger": MANAGER,
    "members_api.purchases": MANAGER,
    "members_api.shu_statements": MANAGER,
    "members_api.deposit": MANAGER,
    "members_api.withdraw": MANAGER,
    # member credit (issue 15)
    "members_api.get_credit": COUNTER,
    "members_api.set_credit_limit": MANAGER,
    "members_api.list_credit": MANAGER,
    "members_api.payroll_csv": MANAGER,
    "members_api.payroll_import": MANAGER,
    "pos_credit_api.credit_payment": COUNTER,
    "member_credit.index": MANAGER,
    "member_credit.payroll_csv": MANAGER,
    "member_credit.payroll_upload": MANAGER,
    "member_credit.set_limit": MANAGER,
    "pos_credit.repay": COUNTER,
    "members_api.set_pin": MANAGER,  # a member: only their own number
    "members_api.leave": MANAGER,
    "members_api.reverse": MANAGER,
    "members_api.arrears": MANAGER,
    "members_api.capital": MANAGER,
    "members_api.shu_preview": MANAGER,
    "members_api.shu_post": MANAGER,
    # the RAT pack (members/rat.py)
    "members_rat.rat_page": MANAGER,
    "members_rat.rat_download": MANAGER,
    "members_rat_api.rat_get": MANAGER,
    # --- the books' reports and year end (books/reports_*.py) ----------------------
    "books_reports.static": EVERYONE,
    "books_reports.index": MANAGER,
    "books_reports.trial_balance": MANAGER,
    "books_reports.trial_balance_xlsx": MANAGER,
    "books_reports.balance_sheet": MANAGER,
    "books_reports.balance_sheet_xlsx": MANAGER,
    "books_reports.income_statement": MANAGER,
    "books_reports.income_statement_xlsx": MANAGER,
    "books_reports.cash_flow": MANAGER,
    "books_reports.cash_flow_xlsx": MANAGER,
    "books_reports.ledger": MANAGER,
    "books_reports.ledger_xlsx": MANAGER,
    "books_reports.years": MANAGER,
    "books_reports.close_year": MANAGER,
    "books_reports_api.trial_balance": MANAGER,
    "books_reports_api.balance_sheet": MANAGER,
    "books_reports_api.income_statement": MANAGER,
    "books_reports_api.cash_flow": MANAGER,
    "books_reports_api.ledger": MANAGER,
    "books_reports_api.years": MANAGER,
    "books_reports_api.close_year": MANAGER,
    # --- point of sale ----------------------------------------------------------------
    "pos.counter": COUNTER,
    "pos_offline.service_worker": EVERYONE,  # a script only: no data in it
    "pos_offline_api.catalogue": COUNTER,
    "pos.static": EVERYONE,
    "pos.approvals": MANAGER,
    # the customer display: the counter's login, or the register's display token
    # (?t=..., shown to the manager on pos.registers; without it every role is refused)
    "pos.display": COUNTER,
    "pos.display_state": COUNTER,
    "pos.display_pin": COUNTER,  # the member's PIN typed on the display's pad
    "pos.registers": MANAGER,
    "pos.promotions": MANAGER,  # issue 15: promotions' pages
    "pos.promotion_form": MANAGER,
    "pos.promotion_end": MANAGER,
    "pos.promotions_report": MANAGER,
    "pos.promotions_report_csv": MANAGER,
    "pos.sales": MANAGER,
    "pos.sale_detail": MANAGER,
    "pos.shifts": MANAGER,
    "pos.shift_detail": MANAGER,  # a cashier: only their own shift
    # promotions (issue 15)
    "pos_promotions_api.create_promotion": MANAGER,
    "pos_promotions_api.list_promotions": COUNTER,
    "pos_promotions_api.get_promotion": COUNTER,
    "pos_promotions_api.update_promotion": MANAGER,
    "pos_promotions_api.end_promotion": MANAGER,
    "pos_promotions_api.promotions_report": MANAGER,
    "pos_promotions_api.counter_promotions": COUNTER,
    "pos_api.create_register": MANAGER,
    "pos_api.list_registers": COUNTER,
    "pos_api.get_register": COUNTER,
    "pos_api.update_register": MANAGER,
    "pos_api.set_display": COUNTER,
    "pos_api.request_member_pin": COUNTER,  # a cashier: only on their own shift's register
    "pos_api.member_pin_request": COUNTER,
    "pos_api.cancel_member_pin_request": COUNTER,
    "pos_api.printer_status": COUNTER,
    "pos_api.suspend": COUNTER,
    "pos_api.list_suspended": COUNTER,
    "pos_api.resume": COUNTER,
    "pos_api.open_shift": COUNTER,
    "pos_api.list_shifts": COUNTER,
    # a cashier reads only their own shifts (issue 11): someone else's is a manager's
    "pos_api.get_shift": MANAGER,
    "pos_api.add_cash_movement": COUNTER,
    "pos_api.close_shift": COUNTER,
    "pos_api.shift_report": MANAGER,
    "pos_api.print_shift_report": MANAGER,
    "pos_api.create_sale": COUNTER,
    "pos_api.list_sales": COUNTER,
    "pos_api.get_sale": COUNTER,
    "pos_api.sale_by_number": COUNTER,
    "pos_api.receipt": COUNTER,
    "pos_api.reprint": COUNTER,
    "pos_api.create_return": COUNTER,
    "pos_api.list_returns": COUNTER,
    "pos_api.qris_for_amount": COUNTER,
    "pos_api.find_member": COUNTER,
    "pos_api.check_approval": COUNTER,
    "pos_api.search_products": COUNTER,
    "pos_api.scan": COUNTER,
    # --- printers ---------------------------------------------------------------------
    "printers.index": MANAGER,
    "printers.static": EVERYONE,
    "printers.new": MANAGER,
    "printers.edit": MANAGER,
    "printers.test_page": MANAGER,
    "printers.job": COUNTER,
    "printers.retry": COUNTER,
    "printers_api.create_printer": MANAGER,
    "printers_api.list_printers": COUNTER,
    "printers_api.get_printer": COUNTER,
    "printers_api.update_printer": MANAGER,
    "printers_api.printer_status": COUNTER,
    "printers_api.list_jobs": COUNTER,
    "printers_api.get_job": COUNTER,
    "printers_api.retry_job": COUNTER,
    "printers_api.queue_status": COUNTER,
    # --- books: the manager keeps them, an admin adds and closes accounts --------------
    "books.index": MANAGER,
    "books.account_add": ADMIN,
    "books.account_close": ADMIN,
    "books.journals": MANAGER,
    "books.journal_new": MANAGER,
    "books.expense": MANAGER,
    "books.check": MANAGER,
    "books_api.list_accounts": MANAGER,
    "books_api.create_account": ADMIN,
    "books_api.close_account": ADMIN,
    "books_api.list_journals": MANAGER,
    "books_api.create_journal": MANAGER,
    "books_api.create_expense": MANAGER,
    "books_api.check": MANAGER,
    # --- roll-up: the branch side -----------------------------------------------------
    "rollup_branch.branch_page": MANAGER,
    "rollup_branch.push": MANAGER,
    "rollup_api.get_daily": MANAGER,
    "rollup_api.list_outbox": MANAGER,
    # --- roll-up: the association hub ------------------------------------------------
    "rollup.dashboard": ASSOCIATION,
    "rollup.export": ASSOCIATION,
    "rollup.export_xlsx": ASSOCIATION,
    "rollup.static": EVERYONE,
    "rollup_api.list_branches": ASSOCIATION,
    "rollup_api.get_summary": ASSOCIATION,
    "rollup_api.get_breakdown": ASSOCIATION,
    "rollup_api.get_products": ASSOCIATION,
    "rollup_api.get_books_check": ASSOCIATION,
    "rollup_books.books_page": ASSOCIATION,
    "rollup_books_api.get_books": ASSOCIATION,
    "rollup_api.get_trend": ASSOCIATION,
    "rollup_api.get_umkm": ASSOCIATION,
    "rollup_api.put_stages": ASSOCIATION,
    "rollup_api.get_branch_trend": ASSOCIATION,
    # signed with the branch key (HMAC), not a login: no signature, 401 for everyone
    "rollup_api.post_report": SIGNATURE_ONLY,
}

# POST/PUT/PATCH/DELETE endpoints that take no CSRF token from a cookie session, and why.
# (Bearer-token API calls never need one: a cross-site page cannot attach the header.)
CSRF_EXEMPT_REASONS = {
    "auth.create_token": "the credentials travel in the body; no session is used",
    "rollup_api.post_report": "a branch signs the body with its key (HMAC); no cookie",
    "pos.display_pin": "checks the CSRF token itself (csrf.protect() in the view), after "
    "refusing a caller with neither the counter's login nor the display token (403)",
}

# Endpoints that exist only in one mode (MART_MODE); in the other they answer 404.
MODE_ONLY: dict[str, str] = {
    "rollup.export": "association",
    "rollup.export_xlsx": "association",
    "rollup_api.list_branches": "association",
    "rollup_api.get_summary": "association",
    "rollup_api.get_breakdown": "association",
    "rollup_api.get_products": "association",
    "rollup_api.get_books_check": "association",
    "rollup_api.get_trend": "association",
    "rollup_api.get_umkm": "association",
    "rollup_api.put_stages": "association",
    "rollup_api.get_branch_trend": "association",
    "rollup_api.post_report": "association",
}
