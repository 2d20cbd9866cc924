"""Helpers for the inventory tests: products and suppliers made through the services
(tests/factories.py on the test's app)."""

import functools

import pytest

from mart.extensions import db
from tests import factories


@pytest.fixture
def make_supplier(app):
    """``make_supplier(terms="consignment", commission_percent=15)`` returns the id."""
    return functools.partial(factories.make_supplier, app)


@pytest.fixture
def make_product(app):
    """``make_product(price=5000, supplier_id=..., barcode=...)`` returns the id."""
    return lambda **kw: factories.make_product(app, **kw).id


@pytest.fixture
def svc(app):
    """Run service calls inside an app context and commit: ``svc(fn, *a, **kw)``."""

    def call(fn, *args, **kw):
        with app.app_context():
            result = fn(*args, **kw)
            db.session.commit()
            return result

    return call
