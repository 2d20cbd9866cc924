"""Factories of the tests: users, logins, products, suppliers, members and an open
counter, made through the packages' own services on the app given as the first
argument (any app, any config: ``app``, a hub, an app made by ``app_factory``).

The conftest fixtures (``make_user``, ``api_as``, ``login_as``, ``make_product``,
``make_member``, ``make_supplier``, ``counter``) are thin wrappers around these, bound
to the test's ``app``; a test on another app calls the factory with that app.
"""

import itertools
import re
import secrets
import uuid
from datetime import date
from typing import NamedTuple

from inventory import barcodes
from inventory import services as inventory
from mart.auth import issue_token
from mart.cli import create_user
from mart.extensions import db
from mart.models import User
from members import services as members
from printers import services as printing

DEFAULT_PASSWORD = "rahasia-123"

# The PIN a member made here gets unless told otherwise (members.pins);
# ``Counter.sale`` sends it with a simpanan payment unless the test gives its own
# ``member_pin`` (None: none sent).
MEMBER_PIN = "246810"

_seq = itertools.count(1)
_NIK = itertools.count(3174010101900001)


def ean13(n: int, prefix="899") -> str:
    """A valid EAN-13 made of ``prefix`` and ``n`` (with its check digit)."""
    return barcodes.with_check_digit(f"{prefix}{n:0{12 - len(prefix)}d}")


def next_nik() -> str:
    """A NIK (16 digits) no other factory call gave."""
    return str(next(_NIK))


# --- users and logins ---------------------------------------------------------------


class ApiClient:
    """A test client that talks JSON to /api/v1 with a bearer token."""

    def __init__(self, app, token=None, username=None):
        self.app = app
        self.client = app.test_client()
        self.token = token
        self.username = username

    def _headers(self, headers):
        merged = dict(headers or {})
        if self.token:
            merged.setdefault("Authorization", f"Bearer {self.token}")
        return merged

    def _url(self, path):
        return path if path.startswith("/api/") or path.startswith("/healthz") else f"/api/v1{path}"

    def get(self, path, **kw):
        kw["headers"] = self._headers(kw.get("headers"))
        return self.client.get(self._url(path), **kw)

    def post(self, path, json=None, **kw):
        kw["headers"] = self._headers(kw.get("headers"))
        return self.client.post(self._url(path), json=json, **kw)

    def put(self, path, json=None, **kw):
        kw["headers"] = self._headers(kw.get("headers"))
        return self.client.put(self._url(path), json=json, **kw)

    def patch(self, path, json=None, **kw):
        kw["headers"] = self._headers(kw.get("headers"))
        return self.client.patch(self._url(path), json=json, **kw)

    def delete(self, path, **kw):
        kw["headers"] = self._headers(kw.get("headers"))
        return self.client.delete(self._url(path), **kw)


_CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')


def csrf_in(html: str) -> str:
    """The CSRF token a page carries: its form's hidden field, else its meta tag."""
    found = _CSRF_FIELD.search(html) or _CSRF_META.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def csrf_token(client, url="/login") -> str:
    """The CSRF token of the page at ``url`` as ``client`` (its session) gets it."""
    return csrf_in(client.get(url).get_data(as_text=True))


def make_user(app, *roles, username=None, password=DEFAULT_PASSWORD, pin=None, **links):
    """A user of ``roles`` (a cashier if none); ``links``: ``member_no``,
    ``supplier_id``. Returns ``(id, username)``."""
    roles = list(roles) or ["cashier"]
    username = username or f"{roles[0]}-{secrets.token_hex(3)}"
    with app.app_context():
        user = create_user(username, roles, password, username.title(), **links)
        if pin:
            user.set_pin(pin)
        db.session.commit()
        return user.id, username


def api_user(app, *roles, **user_kw):
    """An ``ApiClient`` on ``app`` holding a fresh token of a new user of ``roles``
    (``user_kw`` as for ``make_user``)."""
    user_id, username = make_user(app, *roles, **user_kw)
    with app.app_context():
        token, _ = issue_token(db.session.get(User, user_id))
        db.session.commit()
    return ApiClient(app, token, username)


def login(app, *roles, **user_kw):
    """A test client of ``app`` logged in through the session cookie as a new user of
    ``roles``; it carries ``username`` and ``user_id``."""
    user_id, username = make_user(app, *roles, **user_kw)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
    client.username = username
    client.user_id = user_id
    return client


# --- inventory and members ----------------------------------------------------------


class NewProduct(NamedTuple):
    id: int
    barcode: str


def make_supplier(app, name=None, terms="purchase", **fields) -> int:
    """A supplier (``terms="consignment", commission_percent=15``...); its id."""
    with app.app_context():
        supplier = inventory.create_supplier(
            {"name": name or f"Pemasok {next(_seq)}", "terms": terms, **fields}
        )
        db.session.commit()
        return supplier.id


def make_product(app, **fields) -> NewProduct:
    """A product (``price=5000, member_price=..., tax="exempt", supplier_id=...``) with a
    fresh SKU and EAN-13 unless given; ``(id, barcode)``."""
    n = next(_seq)
    data = {"sku": f"SKU{n:05d}", "name": f"Barang {n}", "price": 5000, **fields}
    data.setdefault("barcode", ean13(n))
    with app.app_context():
        product = inventory.create_product(data)
        db.session.commit()
        return NewProduct(product.id, data["barcode"])


def make_member(
    app,
    name="Anggota",
    *,
    nik=None,
    phone=None,
    address=None,
    join_date: date | None = None,
    pokok=False,
    wajib=0,
    sukarela=0,
    pin=MEMBER_PIN,
) -> str:
    """A member, with simpanan pokok paid if ``pokok``, ``wajib`` and ``sukarela``
    deposited, and ``pin`` set (None: no PIN); the member number."""
    with app.test_request_context():
        member = members.register_member(
            name, nik or next_nik(), phone, address, join_date=join_date, pay_pokok=pokok
        )
        if wajib:
            members.deposit(member.member_no, "wajib", wajib)
        if sukarela:
            members.deposit(member.member_no, "sukarela", sukarela)
        if pin:
            members.set_member_pin(member.member_no, pin)
        db.session.commit()
        return member.member_no


# --- printers -----------------------------------------------------------------------


def make_printer(app, fake=None, **values) -> int:
    """A printer (``connection="file", device=...``, ``width=48`` by default); with
    ``fake`` (a started ``tests.fakeprinter.FakePrinter``) a network printer at it.
    Its id."""
    if fake is not None:
        values = {"connection": "network", "host": "127.0.0.1", "port": fake.port, **values}
    values.setdefault("name", f"Printer {next(_seq)}")
    values.setdefault("width", 48)
    with app.app_context():
        printer = printing.create_printer(values)
        db.session.commit()
        return printer.id


# --- the counter --------------------------------------------------------------------


class Counter:
    """A register with a cashier's open shift, and a helper to post sales."""

    def __init__(self, manager, cashier, register, shift):
        self.manager = manager
        self.cashier = cashier
        self.register = register
        self.shift = shift

    def sale(self, lines, payments=None, *, total_cash=None, client=None, **extra):
        body = {"id": str(uuid.uuid4()), "shift_id": self.shift["id"], "lines": lines, **extra}
        if payments is None:
            payments = [{"method": "cash", "amount": total_cash or 10_000_000}]
        body["payments"] = payments
        if any(p.get("method") in ("simpanan", "credit") for p in payments):
            body.setdefault("member_pin", MEMBER_PIN)
        return (client or self.cashier).post("/sales", json=body)


def open_shift(cashier, register_id, opening_float=0) -> dict:
    """``cashier`` (an ``ApiClient``) opens a shift on the register; the shift."""
    shift = cashier.post(
        "/shifts", json={"register_id": register_id, "opening_float": opening_float}
    )
    assert shift.status_code == 201, shift.json
    return shift.json


def make_counter(app, code="R1", opening_float=200_000, manager=None) -> Counter:
    """A register ``code`` made by ``manager`` (a new manager with PIN 4321 if None)
    and a new cashier's open shift on it."""
    manager = manager or api_user(app, "manager", pin="4321")
    register = manager.post("/registers", json={"code": code, "name": f"Kasir {code}"})
    assert register.status_code == 201, register.json
    cashier = api_user(app, "cashier")
    shift = open_shift(cashier, register.json["id"], opening_float)
    return Counter(manager, cashier, register.json, shift)
