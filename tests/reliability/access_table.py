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
    # --- pages of the domains ---------------------------------------------------------
    "inventory.index": MANAGER,
    "inventory.supplier_home": SUPPLIER,
    "members.index": MANAGER,
    "members.me": MEMBER,
    "pos.counter": COUNTER,
    "printers.index": MANAGER,
    "rollup.dashboard": ASSOCIATION,
}

# POST/PUT/PATCH/DELETE endpoints that take no CSRF token from a cookie session, and why.
# (Bearer-token API calls never need one: a cross-site page cannot attach the header.)
CSRF_EXEMPT_REASONS = {
    "auth.create_token": "the credentials travel in the body; no session is used",
}

# Endpoints that exist only in one mode (MART_MODE); in the other they answer 404.
MODE_ONLY: dict[str, str] = {}
