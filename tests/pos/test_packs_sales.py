"""Packs and quantity prices on the sale path (issue 15), against hand-computed totals:
a pack's barcode sells factor x base units at the pack's price (stock, consignment and
the member's purchases in base units), the best tier prices the line, returns give back
what was paid, the receipt shows "1 DUS (40)"."""

from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories
from tests.factories import ean13
from tests.pos.conftest import on_hand, purchases
from tests.pos.test_consignment_sales import _receive, _settle

DUS, RENTENG = ean13(7001), ean13(7002)


def _mie(make_product, **fields):
    return make_product(
        price=3_500,
        member_price=3_400,
        packs=[
            {
                "name": "DUS",
                "factor": 40,
                "barcode": fields.pop("dus", DUS),
                "price": 130_000,
                "member_price": 128_000,
            },
            {
                "name": "RENTENG",
                "factor": 5,
                "barcode": fields.pop("renteng", RENTENG),
                "price": 17_000,
            },
        ],
        tiers=[
            {"min_quantity": 10, "price": 3_300},
            {"min_quantity": 20, "price": 3_200},
            {"min_quantity": 6, "price": 3_100, "members_only": True},
        ],
        **fields,
    )


def test_pack_scan_sells_factor_units_at_the_pack_price(app, counter, make_product):
    mie, code = _mie(make_product)
    sale = counter.sale(
        [
            {"barcode": DUS, "quantity": 1},
            {"barcode": RENTENG, "quantity": 2},
            {"barcode": code, "quantity": 3},
        ],
        [{"method": "cash", "amount": 200_000}],
    )
    assert sale.status_code == 201, sale.json
    lines = sale.json["lines"]
    # 130.000 + 2 x 17.000 + 3 x 3.500 = 174.500
    assert sale.json["total"] == 174_500
    assert [ln["quantity"] for ln in lines] == [40, 10, 3]
    assert [ln["amount"] for ln in lines] == [130_000, 34_000, 10_500]
    assert [ln["price_source"] for ln in lines] == ["pack", "pack", "list"]
    assert (
        lines[0]["pack_name"],
        lines[0]["pack_factor"],
        lines[0]["pack_count"],
        lines[0]["pack_price"],
    ) == ("DUS", 40, 1, 130_000)
    assert lines[1]["unit_price"] == 3_400  # 34.000 / 10
    assert on_hand(app, mie) == -53
    assert counter.cashier.get(f"/sales/{sale.json['id']}").json == sale.json
    text = counter.cashier.get(f"/sales/{sale.json['id']}/receipt?width=48").text
    assert "1 DUS (40)" in text and "2 RENTENG (5)" in text and "130.000" in text


def test_part_of_a_pack_is_refused_and_nothing_is_written(app, counter, make_product, rows):
    _mie(make_product)
    before = rows.snapshot()
    sale = counter.sale(
        [{"barcode": DUS, "quantity": 1.5}], [{"method": "cash", "amount": 500_000}]
    )
    assert sale.status_code == 422
    assert "quantity" in sale.json["errors"]["json"]["lines"]["0"]
    assert rows.snapshot() == before


def test_best_tier_prices_the_line(app, counter, make_product):
    mie, code = _mie(make_product)
    sale = counter.sale(
        [{"product_id": mie, "quantity": 9}], [{"method": "cash", "amount": 100_000}]
    ).json
    assert (sale["lines"][0]["unit_price"], sale["lines"][0]["price_source"]) == (3_500, "list")
    sale = counter.sale(
        [{"product_id": mie, "quantity": 12}], [{"method": "cash", "amount": 100_000}]
    ).json
    # 12 x 3.300
    assert (sale["total"], sale["lines"][0]["price_source"]) == (39_600, "tier")
    assert sale["lines"][0]["regular_price"] == 3_500
    sale = counter.sale(
        [{"barcode": code, "quantity": 25}], [{"method": "cash", "amount": 100_000}]
    ).json
    assert sale["total"] == 80_000  # 25 x 3.200
    text = counter.cashier.get(f"/sales/{sale['id']}/receipt?width=48").text
    assert "harga grosir" in text.lower()


def test_member_tiers_and_member_pack_price(app, counter, make_product, make_member):
    mie, _ = _mie(make_product)
    member_no = make_member()
    sale = counter.sale(
        [
            {"product_id": mie, "quantity": 5},
            {"product_id": mie, "quantity": 6},
            {"barcode": DUS, "quantity": 2},
        ],
        [{"method": "cash", "amount": 500_000}],
        member_no=member_no,
    )
    assert sale.status_code == 201, sale.json
    lines = sale.json["lines"]
    # 5 x 3.400 (member price) + 6 x 3.100 (members' tier) + 2 x 128.000 (the dus's
    # member price) = 17.000 + 18.600 + 256.000
    assert [ln["amount"] for ln in lines] == [17_000, 18_600, 256_000]
    assert [ln["price_source"] for ln in lines] == ["member", "tier", "pack"]
    assert [ln["member_price"] for ln in lines] == [True, False, True]
    assert sale.json["total"] == 291_600
    # the member's purchases (SHU) count what was paid
    assert purchases(app, member_no, date.today().year) == 291_600


def test_return_of_a_pack_line_gives_back_what_was_paid(app, counter, make_product):
    mie, _ = _mie(make_product)
    sale = counter.sale(
        [{"barcode": DUS, "quantity": 1}], [{"method": "cash", "amount": 130_000}]
    ).json
    part = counter.cashier.post(
        f"/sales/{sale['id']}/returns",
        json={
            "lines": [{"product_id": mie, "quantity": 10}],
            "refund_method": "cash",
            "approval_pin": "4321",
        },
    )
    assert part.status_code == 201, part.json
    assert part.json["amount"] == 32_500  # 10/40 of 130.000, not 10 x 3.500
    rest = counter.cashier.post(
        f"/sales/{sale['id']}/returns",
        json={
            "lines": [{"product_id": mie, "quantity": 30}],
            "refund_method": "cash",
            "approval_pin": "4321",
        },
    )
    assert rest.status_code == 201
    assert part.json["amount"] + rest.json["amount"] == 130_000
    assert on_hand(app, mie) == 0


def test_consigned_pack_settles_in_base_units_from_what_was_paid(app, counter, make_product):
    sup = factories.make_supplier(app, terms="consignment", commission_percent=10)
    kue, _ = make_product(
        price=2_000,
        supplier_id=sup,
        supplier_price=1,
        packs=[{"name": "PAK", "factor": 10, "barcode": ean13(7101), "price": 18_000}],
    )
    _receive(app, sup, kue, 50)
    sale = counter.sale(
        [{"barcode": ean13(7101), "quantity": 2}], [{"method": "cash", "amount": 36_000}]
    )
    assert sale.status_code == 201, sale.json
    assert on_hand(app, kue) == 30
    assert _settle(app, sup) == (36_000, 3_600, 32_400)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    price=st.integers(min_value=1_000, max_value=50_000),
    cuts=st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=3, unique=True),
    quantities=st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=4),
    member=st.booleans(),
)
def test_tier_price_never_above_list_and_total_is_the_sum_of_lines(
    app, counter, make_product, make_member, price, cuts, quantities, member
):
    """Property: whatever the tiers and quantities, a line's unit price is never above
    the list price, it is the lowest tier reached (or the list price), and the sale's
    total is the sum of its lines."""
    cuts = sorted(cuts)
    tiers = [
        {"min_quantity": 5 * (n + 1), "price": price - cut * price // 1000 - 1}
        for n, cut in enumerate(cuts)
    ]
    pid, _ = make_product(price=price, tiers=tiers)
    member_no = make_member() if member else None
    sale = counter.sale(
        [{"product_id": pid, "quantity": q} for q in quantities],
        [{"method": "cash", "amount": 10_000_000}],
        member_no=member_no,
    )
    assert sale.status_code == 201, sale.json
    for q, line in zip(quantities, sale.json["lines"], strict=True):
        reached = [t["price"] for t in tiers if q >= t["min_quantity"]]
        assert line["unit_price"] <= price
        assert line["unit_price"] == min([price, *reached])
        assert line["amount"] == line["unit_price"] * q
        assert Decimal(str(line["quantity"])) == q
    assert sale.json["total"] == sum(ln["amount"] for ln in sale.json["lines"])
