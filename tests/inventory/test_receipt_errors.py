"""The server's refusal of a goods receipt names the line and the field (issue 13
item 3): "Baris 2, jumlah: ...", not "Isian tidak valid: lines"; nothing is written."""

from inventory.models import GoodsReceipt, StockMovement
from tests.conftest import count_rows


def test_refusal_names_the_line_and_the_field(app, api_as, make_supplier, make_product):
    api = api_as("manager")
    sup = make_supplier()
    a = make_product(supplier_id=sup)
    b = make_product(supplier_id=sup)
    before = (count_rows(app, GoodsReceipt), count_rows(app, StockMovement))
    r = api.post(
        "/goods-receipts",
        json={
            "supplier_id": sup,
            "lines": [{"product_id": a, "quantity": 2}, {"product_id": b, "quantity": 0}],
        },
    )
    assert r.status_code == 422
    assert r.json["errors"]["json"]["lines"]["1"]["quantity"]  # the API's keys stay
    assert "Baris 2, jumlah: Harus lebih dari 0." in r.json["message"]
    assert "lines" not in r.json["message"]
    assert (count_rows(app, GoodsReceipt), count_rows(app, StockMovement)) == before
