"""A CSV as Excel writes it in an Indonesian locale (issue 13 item 10): ";" between
columns and prices "12.500" or "12.500,00"; a refusal says plainly, in Indonesian,
which line and column, and imports nothing."""

import io
import re

import sqlalchemy as sa

from inventory.models import Product
from mart.extensions import db
from tests.conftest import count_rows
from tests.factories import ean13


def _upload(client, text):
    html = client.get("/inventory/products/import").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    return client.post(
        "/inventory/products/import",
        data={"csrf_token": token, "file": (io.BytesIO(text.encode()), "produk.csv")},
        content_type="multipart/form-data",
    )


def test_semicolons_and_indonesian_prices(app, login_as):
    manager = login_as("manager")
    text = (
        "sku;name;barcode;price;member_price\r\n"
        f"A1;Gula Pasir 1 kg;{ean13(701)};12.500;12.000\r\n"
        f'A2;Minyak Goreng, 2 L;{ean13(702)};"34.500,00";Rp 33.000\r\n'
        f"A3;Beras 5 kg;{ean13(703)};78500;\r\n"
    )
    r = _upload(manager, text)
    assert r.status_code == 302, r.get_data(as_text=True)
    with app.app_context():
        prices = dict(db.session.execute(sa.select(Product.sku, Product.price)).all())
        names = set(db.session.scalars(sa.select(Product.name)).all())
    assert prices == {"A1": 12_500, "A2": 34_500, "A3": 78_500}
    assert "Minyak Goreng, 2 L" in names


def test_bad_price_said_in_indonesian_and_nothing_imported(app, login_as):
    manager = login_as("manager")
    before = count_rows(app, Product)
    text = (
        "sku;name;barcode;price\r\n"
        f"B1;Teh Celup;{ean13(711)};4.500\r\n"
        f"B2;Kopi Bubuk;{ean13(712)};12,5\r\n"
    )
    html = _upload(manager, text).get_data(as_text=True)
    assert "bukan rupiah bulat" in html and "12.500,00" in html
    assert count_rows(app, Product) == before
