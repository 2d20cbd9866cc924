"""Packs (satuan) and quantity prices (harga grosir) on the product API (issue 15):
what is stored, and every bad input a 422 naming the field with nothing written."""

import pytest

from tests.factories import ean13


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
