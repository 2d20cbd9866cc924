"""Helpers for the point-of-sale tests: a register, a cashier with an open shift,
products and members made through their packages' services."""

import itertools
import uuid

import pytest

from mart.extensions import db
from tests.books.agree import books_agree_after  # noqa: F401  (autouse)

_seq = itertools.count(1)


def ean13(n: int, prefix="899") -> str:
    from inventory import barcodes as bc

    return bc.with_check_digit(f"{prefix}{n:0{12 - len(prefix)}d}")


def new_product(app, **kw):
    """A product made through inventory's service; returns (id, barcode)."""
    from inventory import services

    n = next(_seq)
    data = {"sku": f"P{n:05d}", "name": f"Barang {n}", "price": 5000, **kw}
    data.setdefault("barcode", ean13(n))
    with app.app_context():
        product = services.create_product(data)
        db.session.commit()
        return product.id, data["barcode"]


def new_member(app, sukarela=0, name=None):
    """A member made through members' service (with simpanan sukarela); its number."""
    from members import services

    n = next(_seq)
    with app.app_context():
        member = services.register_member(
            name or f"Anggota {n}", f"3171{n:012d}", phone=f"0812{n:08d}"
        )
        if sukarela:
            services.deposit(member.member_no, "sukarela", sukarela)
        db.session.commit()
        return member.member_no


@pytest.fixture
def make_product(app):
    """``make_product(price=5000, member_price=..., tax="exempt")`` returns (id, barcode)."""
    return lambda **kw: new_product(app, **kw)


@pytest.fixture
def make_member(app):
    """``make_member(sukarela=50000)`` returns the member number."""
    return lambda **kw: new_member(app, **kw)


def sukarela(app, member_no):
    from members import services

    with app.app_context():
        return services.savings(services.get_member(member_no).id)["sukarela"]


def purchases(app, member_no, year):
    from members import services

    with app.app_context():
        return services.purchases_in_year(member_no, year)


def on_hand(app, product_id):
    from inventory import services

    with app.app_context():
        return services.get_product(product_id).on_hand


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
        return (client or self.cashier).post("/sales", json=body)


def api_user(app, *roles, pin=None, username=None):
    """An ``ApiClient`` for a new user of ``roles`` on ``app`` (any app, any config)."""
    from mart.auth import issue_token
    from mart.cli import create_user
    from tests.conftest import DEFAULT_PASSWORD, ApiClient

    username = username or f"{roles[0]}-{next(_seq)}-{uuid.uuid4().hex[:4]}"
    with app.app_context():
        user = create_user(username, list(roles), DEFAULT_PASSWORD, username.title())
        if pin:
            user.set_pin(pin)
        token, _ = issue_token(user)
        db.session.commit()
    return ApiClient(app, token, username)


def make_counter(app, code="R1", opening_float=200_000, manager=None):
    manager = manager or api_user(app, "manager", pin="4321")
    register = manager.post("/registers", json={"code": code, "name": f"Kasir {code}"})
    assert register.status_code == 201, register.json
    cashier = api_user(app, "cashier")
    shift = cashier.post(
        "/shifts", json={"register_id": register.json["id"], "opening_float": opening_float}
    )
    assert shift.status_code == 201, shift.json
    return Counter(manager, cashier, register.json, shift.json)


@pytest.fixture
def counter(app):
    return make_counter(app)
