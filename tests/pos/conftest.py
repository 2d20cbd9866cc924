"""Helpers for the point-of-sale tests: a register, a cashier with an open shift,
products and members made through their packages' services (tests/factories.py)."""

import functools

import pytest

from inventory import services as inventory
from members import services as members
from tests import factories
from tests.books.agree import books_agree_after  # noqa: F401  (autouse)
from tests.factories import MEMBER_PIN  # noqa: F401  (imported from here)


@pytest.fixture
def make_product(app):
    """``make_product(price=5000, member_price=..., tax="exempt")`` returns (id, barcode)."""
    return functools.partial(factories.make_product, app)


@pytest.fixture
def make_member(app):
    """``make_member(sukarela=50000)`` returns the member number (with the PIN
    ``MEMBER_PIN``)."""
    return functools.partial(factories.make_member, app)


def sukarela(app, member_no):
    with app.app_context():
        return members.savings(members.get_member(member_no).id)["sukarela"]


def purchases(app, member_no, year):
    with app.app_context():
        return members.purchases_in_year(member_no, year)


def on_hand(app, product_id):
    with app.app_context():
        return inventory.get_product(product_id).on_hand


@pytest.fixture
def counter(app):
    return factories.make_counter(app)
