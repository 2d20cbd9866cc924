"""Helpers for the inventory tests: products and suppliers made through the services."""

import itertools

import pytest

from inventory import barcodes as bc
from inventory import services
from mart.extensions import db

_seq = itertools.count(1)


def ean13(n: int, prefix="899") -> str:
    body = f"{prefix}{n:0{12 - len(prefix)}d}"
    return bc.with_check_digit(body)


@pytest.fixture
def make_supplier(app):
    """``make_supplier(terms="consignment", commission_percent=15)`` returns the id."""

    def factory(name=None, terms="purchase", **kw):
        with app.app_context():
            s = services.create_supplier(
                {"name": name or f"Pemasok {next(_seq)}", "terms": terms, **kw}
            )
            db.session.commit()
            return s.id

    return factory


@pytest.fixture
def make_product(app):
    """``make_product(price=5000, supplier_id=..., barcode=...)`` returns the id."""

    def factory(**kw):
        n = next(_seq)
        data = {"sku": f"SKU{n:05d}", "name": f"Barang {n}", "price": 5000, **kw}
        data.setdefault("barcode", ean13(n))
        with app.app_context():
            p = services.create_product(data)
            db.session.commit()
            return p.id

    return factory


@pytest.fixture
def svc(app):
    """Run service calls inside an app context and commit: ``svc(fn, *a, **kw)``."""

    def call(fn, *args, **kw):
        with app.app_context():
            result = fn(*args, **kw)
            db.session.commit()
            return result

    return call
