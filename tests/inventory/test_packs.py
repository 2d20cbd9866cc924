"""Packs (satuan) and quantity prices (harga grosir) on the product API (issue 15):
what is stored, and every bad input a 422 naming the field with nothing written."""

import pytest

from printers.worker import Worker
from tests import factories
from tests.factories import ean13
from tests.fakeprinter import parse_escpos
from tests.inventory.test_labels import _printer


def _product(manager, **fields):
    body = {"sku": fields.pop("sku", "MIE-01"), "name": "Mie Goreng", "price": 3_500, **fields}
    return manager.post("/products", json=body)


def test_packs_and_tiers_stored_and_answered(api_as):
    manager = api_as("manager")
    created = _product(
        manager,
        barcode=ean13(9101),
        packs=[
            {
                "name": "dus",
                "factor": 40,
                "barcode": ean13(9102),
                "price": 130_000,
                "cost": 110_000,
            },
            {"name": "renteng", "factor": 5, "barcode": ean13(9103), "price": 17_000},
        ],
        tiers=[
            {"min_quantity": 10, "price": 3_300},
            {"min_quantity": 5, "price": 3_250, "members_only": True},
        ],
    )
    assert created.status_code == 201, created.json
    product = created.json
    assert [(p["name"], p["factor"], p["price"]) for p in product["packs"]] == [
        ("RENTENG", 5, 17_000),
        ("DUS", 40, 130_000),
    ]
    assert product["tiers"] == [
        {"min_quantity": 10, "price": 3_300, "members_only": False},
        {"min_quantity": 5, "price": 3_250, "members_only": True},
    ]
    # PATCH replaces the lists; a pack kept by name keeps its row
    patched = manager.patch(
        f"/products/{product['id']}",
        json={
            "packs": [{"name": "DUS", "factor": 40, "barcode": ean13(9102), "price": 128_000}],
            "tiers": [],
        },
    )
    assert patched.status_code == 200, patched.json
    assert [(p["name"], p["price"]) for p in patched.json["packs"]] == [("DUS", 128_000)]
    assert patched.json["tiers"] == []
    # the pack's barcode finds the product, with the pack
    found = manager.get(f"/products/lookup?code={ean13(9102)}")
    assert found.status_code == 200 and found.json["product"]["id"] == product["id"]


BAD_PACKS = [
    ({"name": "DUS", "factor": 0, "price": 10_000}, "factor"),
    ({"name": "DUS", "factor": 1, "price": 10_000}, "factor"),
    ({"name": "DUS", "factor": 40, "price": 0}, "price"),
    ({"name": "DUS", "factor": 40, "price": 10_000, "barcode": "8991234567890"}, "barcode"),
    ({"name": "DUS", "factor": 40, "price": 10_000, "member_price": 12_000}, "member_price"),
    ({"name": " ", "factor": 40, "price": 10_000}, "name"),
]


@pytest.mark.parametrize(("pack", "field"), BAD_PACKS)
def test_bad_pack_is_a_422_naming_the_field_and_nothing_is_written(api_as, rows, pack, field):
    manager = api_as("manager")
    before = rows.snapshot()
    answer = _product(manager, packs=[{"name": "PAK", "factor": 10, "price": 30_000}, pack])
    assert answer.status_code == 422, answer.json
    assert field in answer.json["errors"]["json"]["packs"]["1"]
    assert rows.snapshot() == before


def test_pack_barcode_taken_by_a_product_or_another_pack_is_refused(api_as, rows):
    manager = api_as("manager")
    other = _product(
        manager,
        sku="KOPI",
        barcode=ean13(9201),
        packs=[{"name": "DUS", "factor": 24, "barcode": ean13(9202), "price": 50_000}],
    )
    assert other.status_code == 201
    mine = _product(manager, sku="TEH", barcode=ean13(9203))
    before = rows.snapshot()
    for code in (ean13(9201), ean13(9202), ean13(9203)):
        answer = manager.patch(
            f"/products/{mine.json['id']}",
            json={"packs": [{"name": "DUS", "factor": 24, "barcode": code, "price": 50_000}]},
        )
        assert answer.status_code == 422, answer.json
        assert "barcode" in answer.json["errors"]["json"]["packs"]["0"]
    twice = manager.patch(
        f"/products/{mine.json['id']}",
        json={
            "packs": [
                {"name": "DUS", "factor": 24, "barcode": ean13(9204), "price": 50_000},
                {"name": "PAK", "factor": 6, "barcode": ean13(9204), "price": 14_000},
            ]
        },
    )
    assert twice.status_code == 422 and "barcode" in twice.json["errors"]["json"]["packs"]["1"]
    # and a product may not take a pack's barcode
    taken = manager.patch(f"/products/{mine.json['id']}", json={"barcode": ean13(9202)})
    assert taken.status_code == 409
    assert rows.snapshot() == before


BAD_TIERS = [
    ([{"min_quantity": 10, "price": 3_600}], 0, "price"),  # above the list price
    ([{"min_quantity": 10, "price": 3_500}], 0, "price"),  # not below it
    ([{"min_quantity": 1, "price": 3_000}], 0, "min_quantity"),
    ([{"min_quantity": 2.5, "price": 3_000}], 0, "min_quantity"),  # pieces
    (
        [{"min_quantity": 10, "price": 3_300}, {"min_quantity": 5, "price": 3_200}],
        1,
        "min_quantity",
    ),
    (
        [{"min_quantity": 10, "price": 3_300}, {"min_quantity": 10, "price": 3_200}],
        1,
        "min_quantity",
    ),
    ([{"min_quantity": 5, "price": 3_300}, {"min_quantity": 10, "price": 3_400}], 1, "price"),
]


@pytest.mark.parametrize(("tiers", "index", "field"), BAD_TIERS)
def test_bad_tiers_are_a_422_naming_the_field_and_nothing_is_written(
    api_as, rows, tiers, index, field
):
    manager = api_as("manager")
    product = _product(manager, tiers=[{"min_quantity": 12, "price": 3_000}])
    assert product.status_code == 201
    before = rows.snapshot()
    created = _product(manager, sku="LAIN", tiers=tiers)
    assert created.status_code == 422, created.json
    assert field in created.json["errors"]["json"]["tiers"][str(index)]
    patched = manager.patch(f"/products/{product.json['id']}", json={"tiers": tiers})
    assert patched.status_code == 422
    assert field in patched.json["errors"]["json"]["tiers"][str(index)]
    # a list price cut to the tier's price or below is refused too
    cut = manager.patch(f"/products/{product.json['id']}", json={"price": 3_000})
    assert cut.status_code == 422 and "tiers" in cut.json["errors"]["json"]
    assert rows.snapshot() == before
    assert manager.get(f"/products/{product.json['id']}").json["tiers"] == [
        {"min_quantity": 12, "price": 3_000, "members_only": False}
    ]


def test_goods_receipt_entered_in_packs(api_as, rows):
    """A dus of 40 at Rp 110.000 a dus: 80 base units at Rp 2.750; without a cost the
    pack's own cost; a pack the product lacks or part of a pack is a 422."""
    manager = api_as("manager")
    supplier = manager.post("/suppliers", json={"name": "Grosir Jaya", "terms": "purchase"}).json
    product = _product(
        manager,
        packs=[{"name": "DUS", "factor": 40, "price": 130_000, "cost": 108_000}],
    ).json
    got = manager.post(
        "/goods-receipts",
        json={
            "supplier_id": supplier["id"],
            "lines": [
                {"product_id": product["id"], "quantity": 2, "pack": "dus", "unit_cost": 110_000}
            ],
        },
    )
    assert got.status_code == 201, got.json
    assert got.json["total_cost"] == 220_000
    assert (got.json["lines"][0]["quantity"], got.json["lines"][0]["unit_cost"]) == (80, 2_750)
    again = manager.post(
        "/goods-receipts",
        json={
            "supplier_id": supplier["id"],
            "lines": [{"product_id": product["id"], "quantity": 1, "pack": "DUS"}],
        },
    )
    assert again.status_code == 201
    assert again.json["lines"][0]["unit_cost"] == 2_700  # 108.000 / 40
    shown = manager.get(f"/products/{product['id']}").json
    assert shown["on_hand"] == 120 and shown["avg_cost"] == 2_733  # (220.000 + 108.000) / 120
    before = rows.snapshot()
    for line, field in (
        ({"pack": "PAK", "quantity": 1}, "lines.0.pack"),
        ({"pack": "DUS", "quantity": 1.5}, "lines.0.quantity"),
    ):
        bad = manager.post(
            "/goods-receipts",
            json={"supplier_id": supplier["id"], "lines": [{"product_id": product["id"], **line}]},
        )
        assert bad.status_code == 422 and field in bad.json["errors"]["json"], bad.json
    assert rows.snapshot() == before


def test_shelf_label_shows_the_pack_price(app, api_as, fake_printer):
    """A pack's new price puts the product on the label queue; the label read back
    from the printer shows "DUS (40) Rp 130.000" under the prices."""
    manager = api_as("manager")
    printer_id = _printer(app, fake_printer, 48, "TM-T20II")
    product = _product(manager, barcode=ean13(9301)).json
    manager.delete("/labels")
    patched = manager.patch(
        f"/products/{product['id']}",
        json={"packs": [{"name": "DUS", "factor": 40, "price": 130_000}]},
    )
    assert patched.status_code == 200
    assert [i["product_id"] for i in manager.get("/labels").json["items"]] == [product["id"]]
    assert manager.post("/labels/print", json={"printer_id": printer_id}).status_code == 202
    Worker(app, name="pack-label-test").run_once()
    words = [e["text"].strip() for e in parse_escpos(fake_printer.jobs[0]) if e["type"] == "text"]
    assert "Rp 3.500" in words and "DUS (40) Rp 130.000" in words


def test_packs_page_saves_and_refuses_bad_rows(app, login_as, api_as, rows):
    product = _product(api_as("manager"), barcode=ean13(9401)).json
    manager = login_as("manager")
    url = f"/inventory/products/{product['id']}/packs"
    html = manager.get(url).get_data(as_text=True)
    assert "Harga grosir" in html and " style=" not in html
    token = factories.csrf_in(html)
    form = {
        "csrf_token": token,
        "pack-name": ["dus", "", ""],
        "pack-factor": ["40", "", ""],
        "pack-barcode": [ean13(9402), "", ""],
        "pack-price": ["130.000", "", ""],
        "pack-member_price": ["", "", ""],
        "pack-cost": ["110000", "", ""],
        "tier-min_quantity": ["10", "", ""],
        "tier-price": ["3.300", "", ""],
        "tier-members": ["0"],
    }
    saved = manager.post(url, data=form)
    assert saved.status_code == 302
    shown = api_as("manager").get(f"/products/{product['id']}").json
    assert [(p["name"], p["factor"], p["price"], p["cost"]) for p in shown["packs"]] == [
        ("DUS", 40, 130_000, 110_000)
    ]
    assert shown["tiers"] == [{"min_quantity": 10, "price": 3_300, "members_only": True}]
    detail = manager.get(f"/inventory/products/{product['id']}").get_data(as_text=True)
    assert "DUS (40)" in detail and "Rp 130.000" in detail
    before = rows.snapshot()
    bad = manager.post(url, data={**form, "pack-factor": ["1", "", ""]}, follow_redirects=True)
    assert "Tidak disimpan" in bad.get_data(as_text=True)
    assert rows.snapshot() == before
    assert api_as("manager").get(f"/products/{product['id']}").json["packs"][0]["factor"] == 40
