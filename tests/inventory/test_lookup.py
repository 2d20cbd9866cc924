"""Barcode lookup: every way of finding a product, in few statements, no lazy loads."""

import contextlib
from decimal import Decimal

import pytest
import sqlalchemy as sa

from inventory import barcodes as bc
from inventory import services
from mart.errors import Conflict, NotFound
from mart.extensions import db
from tests.factories import ean13


@contextlib.contextmanager
def statements():
    """The SQL statements run inside the block (transaction control left out)."""
    seen = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)


def test_barcode_lookup_is_one_statement_and_nothing_lazy(app, make_supplier, make_product):
    sup = make_supplier(terms="consignment")
    code = ean13(777)
    pid = make_product(barcode=code, supplier_id=sup, category="Minuman")
    with app.app_context():
        db.session.commit()
        db.session.expunge_all()
        with statements() as seen:
            result = services.lookup_code(code)
            product = result.product
            shown = (
                product.category.name,
                product.supplier.terms,
                product.consigned,
                [b.code for b in product.barcodes],
                product.barcode,
            )
        assert product.id == pid and shown[0] == "Minuman" and shown[2] is True
        assert code in shown[3]
        # One statement: the product by primary key through the barcode's unique index.
        assert len(seen) == 1, seen
        assert "inv_barcodes.code" in seen[0] and "inv_products.id" in seen[0]
        with statements() as again:
            assert services.lookup_code(code).product is product
        assert len(again) == 1, again


def test_upc_lookup_is_two_statements(app, make_product):
    upc = bc.with_check_digit("03600029145")
    pid = make_product(barcode=upc)
    with app.app_context():
        for code in (upc, "0" + upc):
            db.session.expunge_all()
            with statements() as seen:
                product = services.lookup_code(code).product
                assert [b.code for b in product.barcodes] == [upc] and product.category is None
            assert product.id == pid and len(seen) == 2, seen


def test_lookup_upc_sku_scale_label_and_errors(app, make_product):
    upc = bc.with_check_digit("03600029145")  # 12-digit UPC-A
    pid_upc = make_product(barcode=upc)
    pid_sku = make_product(sku="12345", barcode=None)
    pid_inactive = make_product(active=False)
    with app.app_context():
        assert services.lookup_code(upc).product.id == pid_upc
        assert services.lookup_code("0" + upc).product.id == pid_upc
        assert services.lookup_code(" 12345 ").product.id == pid_sku
        label = bc.with_check_digit("21" + "12345" + "01250")
        scan = services.lookup_code(label)
        assert scan.product.id == pid_sku and scan.quantity == Decimal("1.25")
        for bad in ("", "   ", "nothing", ean13(99999)):
            with pytest.raises(NotFound):
                services.lookup_code(bad)
        inactive = db.session.get(services.Product, pid_inactive).barcode
        with pytest.raises(Conflict):
            services.lookup_code(inactive)


def test_lookup_sees_a_barcode_added_earlier_in_the_transaction(app, make_product):
    pid = make_product()
    code = ean13(4711)
    with app.app_context():
        db.session.add(services.Barcode(code=code, product_id=pid))  # not flushed yet
        assert services.lookup_code(code).product.id == pid
        db.session.rollback()
        with pytest.raises(NotFound):
            services.lookup_code(code)
