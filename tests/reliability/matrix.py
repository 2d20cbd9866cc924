"""The machinery of the access matrix: seeded records, a login per role, one request."""

import hashlib
import os
from dataclasses import dataclass

import sqlalchemy as sa
from flask import url_for
from itsdangerous import URLSafeTimedSerializer

from mart.auth import issue_token
from mart.cli import create_user
from mart.extensions import db
from mart.models import User
from tests.reliability.access_table import ANON, ROLES

PASSWORD = "matrix-pass-123"
SKIP_METHODS = {"HEAD", "OPTIONS"}

# How to fill a URL parameter: a constant, or SQL giving a value of a real seeded record.
# A record of SOMEONE ELSE than the member/supplier logins (they are linked to others).
FILL = {
    "filename": "css/mart.css",
    "year": 2026,
    "member_no": "SELECT member_no FROM members WHERE member_no <> :own_member "
    "ORDER BY member_no LIMIT 1",
    "supplier_id": "SELECT id FROM inv_suppliers WHERE id <> :own_supplier ORDER BY id LIMIT 1",
    "product_id": "SELECT id FROM inv_products WHERE supplier_id IS NULL "
    "OR supplier_id <> :own_supplier ORDER BY id LIMIT 1",
    "settlement_id": "SELECT id FROM inv_settlements WHERE supplier_id <> :own_supplier "
    "ORDER BY id LIMIT 1",
    "count_id": "SELECT id FROM inv_counts ORDER BY id LIMIT 1",
    "receipt_id": "SELECT id FROM inv_receipts ORDER BY id LIMIT 1",
    "order_id": "SELECT id FROM inv_purchase_orders ORDER BY id LIMIT 1",
    "name": "stock-on-hand",
    "sale_id": "SELECT id FROM sales ORDER BY number LIMIT 1",
    "number": "SELECT number FROM sales ORDER BY number LIMIT 1",
    "shift_id": "SELECT id FROM shifts ORDER BY id LIMIT 1",
    "register_id": "SELECT id FROM registers ORDER BY id LIMIT 1",
    "register_code": "SELECT code FROM registers ORDER BY id LIMIT 1",
    "suspended_id": "SELECT id FROM suspended_sales ORDER BY id LIMIT 1",
    "printer_id": "SELECT id FROM printers ORDER BY id LIMIT 1",
    "job_id": "SELECT id FROM print_jobs ORDER BY id LIMIT 1",
    "table": "branches",
    "date": "2026-01-15",
    "account_code": "SELECT code FROM books_accounts ORDER BY code LIMIT 1",
    "pin_request_token": "SELECT token FROM pos_member_pin_approvals ORDER BY id LIMIT 1",
    "promotion_id": "SELECT id FROM pos_promotions ORDER BY id LIMIT 1",
}
# A parameter whose meaning depends on the route: (endpoint prefix, arg) -> fill key.
FILL_BY_ENDPOINT: dict[tuple[str, str], str] = {
    ("pos", "code"): "register_code",
    ("pos_api", "token"): "pin_request_token",
    ("books", "code"): "account_code",
    ("books_api", "code"): "account_code",
}


@dataclass
class Response:
    status: int
    location: str
    body: bytes
    headers: dict


class Matrix:
    """Logins for every role over a seeded branch; ``call(role, rule, method)``."""

    @classmethod
    def for_app(cls, other, app):
        """The same logins and records, requests made through another app object (the
        same database in another mode)."""
        twin = cls.__new__(cls)
        twin.__dict__.update(other.__dict__)
        twin.app = app
        return twin

    def __init__(self, app):
        self.app = app
        self.users = {}
        self.own_member = None
        self.own_supplier = None
        self._values = {}
        with app.app_context():
            self.own_member = self._scalar("SELECT min(member_no) FROM members")
            self.own_supplier = self._scalar("SELECT min(id) FROM inv_suppliers")
            for role in ROLES:
                links = {}
                if role == "member":
                    links["member_no"] = self.own_member
                if role == "supplier":
                    links["supplier_id"] = self.own_supplier
                user = create_user(f"matrix-{role}", [role], PASSWORD, **links)
                self.users[role] = user.id
            db.session.commit()

    def _scalar(self, sql, **params):
        try:
            return db.session.execute(sa.text(sql), params).scalar()
        except sa.exc.DBAPIError:
            db.session.rollback()
            return None

    def value(self, endpoint, arg):
        key = FILL_BY_ENDPOINT.get((endpoint.split(".")[0], arg), arg)
        if key not in FILL:
            raise LookupError(
                f"route parameter <{arg}> of {endpoint}: add how to fill it to FILL in "
                "tests/reliability/matrix.py"
            )
        if key not in self._values:
            spec = FILL[key]
            if isinstance(spec, str) and spec.startswith("SELECT"):
                with self.app.app_context():
                    spec = self._scalar(
                        spec,
                        own_member=self.own_member or "",
                        own_supplier=self.own_supplier or 0,
                    )
                if spec is None:
                    spec = 999999  # no such record seeded: the route must still refuse
            self._values[key] = spec
        return self._values[key]

    def url(self, rule, lenient=False):
        """The rule's URL with real values; ``lenient`` fills unknown parameters with 1."""
        values = {}
        for arg in rule.arguments:
            try:
                values[arg] = self.value(rule.endpoint, arg)
            except LookupError:
                if not lenient:
                    raise
                values[arg] = 1
        with self.app.test_request_context():
            return url_for(rule.endpoint, **values)

    def client(self, role, api):
        """A test client holding ``role``'s login: a bearer token on the API, else a
        session cookie with a CSRF token (sent as X-CSRFToken)."""
        client = self.app.test_client()
        headers = {}
        if role == ANON:
            return client, headers
        user_id = self.users[role]
        if api:
            with self.app.app_context():
                token, _ = issue_token(db.session.get(User, user_id))
                db.session.commit()
            headers["Authorization"] = f"Bearer {token}"
        else:
            raw = hashlib.sha1(os.urandom(64)).hexdigest()
            with self.app.app_context():
                # "<id>.<session version>": a logout earlier in the run raised it
                session_id = db.session.get(User, user_id).get_id()
            with client.session_transaction() as session:
                session["_user_id"] = session_id
                session["_fresh"] = True
                session["csrf_token"] = raw
            serializer = URLSafeTimedSerializer(self.app.secret_key, salt="wtf-csrf-token")
            headers["X-CSRFToken"] = serializer.dumps(raw)
        return client, headers

    def call(self, role, rule, method, url=None):
        url = url or self.url(rule)
        api = url.startswith("/api/")
        client, headers = self.client(role, api)
        kwargs = {"headers": headers, "method": method}
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            if api:
                kwargs["json"] = {}
            else:
                kwargs["data"] = {}
        answer = client.open(url, **kwargs)
        try:
            return Response(
                answer.status_code,
                answer.headers.get("Location", ""),
                answer.data,
                dict(answer.headers),
            )
        finally:
            answer.close()


def refused(response: Response) -> bool:
    if response.status in (401, 403):
        return True
    # roles_required sends a page visitor without a login to /login?next=...
    return response.status in (301, 302, 303) and "/login?next=" in response.location


def rules_of(app):
    """(rule, method) for every route, sorted, without HEAD/OPTIONS."""
    out = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        for method in sorted((rule.methods or set()) - SKIP_METHODS):
            out.append((rule, method))
    return out


def allowed_roles(table, endpoint, method):
    entry = table[endpoint]
    if isinstance(entry, dict):
        if method not in entry:
            raise LookupError(f"{method} {endpoint}: no entry for this method in ACCESS")
        return entry[method]
    return entry
