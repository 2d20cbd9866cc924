"""Promotions (issue 15): each kind against hand-computed totals, the one-per-line rule,
members-only, returns of promoted lines, the API's 422s with nothing written."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from inventory import services as inventory
from mart.extensions import db
from pos.models import Promotion, SaleLinePromotion
from pos.services import promotion_report, returns
from tests import factories
from tests.pos.conftest import on_hand

NOW = datetime.now(UTC)
STARTS = (NOW - timedelta(days=1)).isoformat()
ENDS = (NOW + timedelta(days=7)).isoformat()


def promo(counter, **fields):
    body = {"name": "Promo", "starts": STARTS, "ends": ENDS, **fields}
    r = counter.manager.post("/promotions", json=body)
    assert r.status_code == 201, r.json
    return r.json


def cash_sale(counter, lines, **extra):
    r = counter.sale(lines, [{"method": "cash", "amount": 1_000_000}], **extra)
    assert r.status_code == 201, r.json
    return r.json


def test_percent_off_products(counter, make_product):
    a, _ = make_product(price=12_500)
    b, _ = make_product(price=3_000)
    p = promo(counter, name="Diskon 10%", kind="percent", percent=10, product_ids=[a])
    sale = cash_sale(counter, [{"product_id": a, "quantity": 3}, {"product_id": b, "quantity": 1}])
    # 3 x 12.500 = 37.500, 10% = 3.750; b untouched
    line_a, line_b = sale["lines"]
    assert line_a["promotion_discount"] == 3_750 and line_a["amount"] == 33_750
    assert line_a["promotions"] == [
        {"promotion_id": p["id"], "name": "Diskon 10%", "discount": 3_750}
    ]
    assert line_b["promotion_discount"] == 0 and line_b["promotions"] == []
    assert sale["subtotal"] == 40_500
    assert sale["promotion_discount"] == 3_750 and sale["discount"] == 3_750
    assert sale["total"] == 36_750


def test_percent_rounds_half_up_per_line(counter, make_product):
    a, _ = make_product(price=2_505)
    promo(counter, kind="percent", percent=10, product_ids=[a])
    sale = cash_sale(counter, [{"product_id": a, "quantity": 1}])
    assert sale["lines"][0]["promotion_discount"] == 251  # 250,5 half up
    assert sale["total"] == 2_254


def test_percent_off_a_category(app, counter, make_product):
    a, _ = make_product(price=10_000, category="Minuman")
    b, _ = make_product(price=4_000, category="Makanan")
    with app.app_context():
        category_id = inventory.get_product(a).category_id
    p = promo(counter, kind="percent", percent=25, category_id=category_id)
    sale = cash_sale(counter, [{"product_id": a, "quantity": 2}, {"product_id": b, "quantity": 1}])
    assert [ln["promotion_discount"] for ln in sale["lines"]] == [5_000, 0]
    assert sale["total"] == 19_000
    # the contract's ``category``: by name too
    counter.manager.post(f"/promotions/{p['id']}/end", json={"confirm": True})
    by_name = promo(counter, kind="percent", percent=10, category="Makanan")
    assert by_name["category_id"] != category_id
    sale = cash_sale(counter, [{"product_id": a, "quantity": 2}, {"product_id": b, "quantity": 1}])
    assert [ln["promotion_discount"] for ln in sale["lines"]] == [0, 400]


def test_buy_two_get_one(counter, make_product):
    a, code = make_product(price=6_000)
    p = promo(counter, name="Beli 2 gratis 1", kind="buy_get", buy=2, get=1, product_id=a)
    assert p["product_id"] == a
    # 7 units over two lines: two groups of 3, 2 free (on the last units scanned)
    sale = cash_sale(counter, [{"product_id": a, "quantity": 4}, {"barcode": code, "quantity": 3}])
    assert [ln["promotion_discount"] for ln in sale["lines"]] == [0, 12_000]
    assert sale["subtotal"] == 42_000 and sale["total"] == 30_000
    # two units only: nothing free
    small = cash_sale(counter, [{"product_id": a, "quantity": 2}])
    assert small["promotion_discount"] == 0 and small["total"] == 12_000


def test_bundle_at_a_fixed_price(counter, make_product):
    kopi, _ = make_product(price=7_000)
    roti, _ = make_product(price=3_000)
    promo(counter, name="Paket sarapan", kind="bundle", product_ids=[kopi, roti], price=8_000)
    # 2 kopi + 3 roti: two bundles, saving 2 x (10.000 - 8.000) = 4.000, 7:3 -> 2.800/1.200
    sale = cash_sale(
        counter, [{"product_id": kopi, "quantity": 2}, {"product_id": roti, "quantity": 3}]
    )
    assert [ln["promotion_discount"] for ln in sale["lines"]] == [2_800, 1_200]
    assert sale["total"] == 23_000 - 4_000
    assert sale["lines"][0]["promotions"][0]["name"] == "Paket sarapan"


def test_one_promotion_per_line_the_best_unless_stackable(counter, make_product):
    a, _ = make_product(price=10_000)
    promo(counter, name="5%", kind="percent", percent=5, product_ids=[a])
    best = promo(counter, name="20%", kind="percent", percent=20, product_ids=[a])
    sale = cash_sale(counter, [{"product_id": a, "quantity": 1}])
    assert sale["lines"][0]["promotions"] == [
        {"promotion_id": best["id"], "name": "20%", "discount": 2_000}
    ]
    extra = promo(
        counter, name="Ekstra", kind="percent", percent=10, product_ids=[a], stackable=True
    )
    sale = cash_sale(counter, [{"product_id": a, "quantity": 1}])
    assert [g["promotion_id"] for g in sale["lines"][0]["promotions"]] == [best["id"], extra["id"]]
    assert sale["total"] == 10_000 - 2_000 - 1_000


def test_members_only_needs_a_member(counter, make_product, make_member):
    a, _ = make_product(price=10_000)
    promo(counter, kind="percent", percent=50, product_ids=[a], members_only=True)
    assert cash_sale(counter, [{"product_id": a, "quantity": 1}])["total"] == 10_000
    member = make_member()
    sale = cash_sale(counter, [{"product_id": a, "quantity": 1}], member_no=member)
    assert sale["total"] == 5_000


def test_not_running_gives_nothing_and_end_now(counter, make_product):
    a, _ = make_product(price=10_000)
    later = promo(
        counter,
        kind="percent",
        percent=50,
        product_ids=[a],
        starts=(NOW + timedelta(days=1)).isoformat(),
    )
    assert later["status"] == "upcoming"
    assert cash_sale(counter, [{"product_id": a, "quantity": 1}])["total"] == 10_000
    running = promo(counter, kind="percent", percent=50, product_ids=[a])
    assert cash_sale(counter, [{"product_id": a, "quantity": 1}])["total"] == 5_000
    unconfirmed = counter.manager.post(f"/promotions/{running['id']}/end", json={})
    assert unconfirmed.status_code == 422 and "confirm" in unconfirmed.json["errors"]["json"]
    ended = counter.manager.post(f"/promotions/{running['id']}/end", json={"confirm": True})
    assert ended.status_code == 200 and ended.json["status"] == "ended"
    assert cash_sale(counter, [{"product_id": a, "quantity": 1}])["total"] == 10_000


def test_manual_discount_and_sale_discount_with_promotion(counter, make_product):
    a, _ = make_product(price=10_000)
    b, _ = make_product(price=10_000)
    promo(counter, kind="percent", percent=10, product_ids=[a])
    sale = cash_sale(
        counter,
        [{"product_id": a, "quantity": 1, "discount": 500}, {"product_id": b, "quantity": 1}],
        discount=1_900,
        approval_pin="4321",  # the cashier's 2.400 (12%) needs a manager; the promotion not
    )
    # a: 10.000 - 500 - 1.000 = 8.500; b: 10.000; sale discount 1.900 over 8.500:10.000
    assert sale["lines"][0]["promotion_discount"] == 1_000
    assert [ln["sale_discount_share"] for ln in sale["lines"]] == [873, 1_027]
    assert (
        sum(ln["amount"] for ln in sale["lines"]) == sale["total"] == 20_000 - 500 - 1_000 - 1_900
    )
    assert sale["discount"] == 500 + 1_000 + 1_900


def test_return_of_a_promoted_line_gives_back_what_was_paid(app, counter, make_product):
    a, _ = make_product(price=6_000)
    promo(counter, kind="buy_get", buy=2, get=1, product_id=a)
    sale = cash_sale(counter, [{"product_id": a, "quantity": 3}])
    assert sale["total"] == 12_000
    body = {
        "lines": [{"product_id": a, "quantity": 1}],
        "refund_method": "cash",
        "approval_pin": "4321",
    }
    first = counter.cashier.post(f"/sales/{sale['id']}/returns", json=body)
    assert first.status_code == 201, first.json
    assert first.json["amount"] == 4_000  # a third of what was paid, not the list price
    body["lines"][0]["quantity"] = 2
    rest = counter.cashier.post(f"/sales/{sale['id']}/returns", json=body)
    assert first.json["amount"] + rest.json["amount"] == 12_000
    assert on_hand(app, a) == 0


def test_stored_sale_and_receipt_show_the_promotion(counter, make_product):
    a, _ = make_product(price=10_000)
    promo(counter, name="Promo Gajian", kind="percent", percent=10, product_ids=[a])
    sale = cash_sale(counter, [{"product_id": a, "quantity": 2}])
    stored = counter.cashier.get(f"/sales/{sale['id']}").json
    assert stored["lines"][0]["promotions"] == sale["lines"][0]["promotions"]
    assert stored["promotion_discount"] == 2_000
    text = counter.cashier.get(f"/sales/{sale['id']}/receipt").get_data(as_text=True)
    assert "Promo Gajian -2.000" in text
    assert "18.000" in text


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (
            {"kind": "percent", "percent": 10, "product_ids": [1], "ends": STARTS, "starts": ENDS},
            "ends",
        ),
        ({"kind": "percent", "percent": 0, "product_ids": [1]}, "percent"),
        ({"kind": "percent", "percent": 101, "product_ids": [1]}, "percent"),
        ({"kind": "percent", "percent": 10}, "product_ids"),
        ({"kind": "percent", "percent": 10, "product_ids": [999_999]}, "product_ids"),
        ({"kind": "percent", "percent": 10, "category_id": 999_999}, "category_id"),
        ({"kind": "percent", "percent": 10, "category": "Tidak ada"}, "category"),
        ({"kind": "bundle", "price": 1_000}, "product_ids"),
        ({"kind": "bundle", "product_ids": [1, 2], "price": 0}, "price"),
        ({"kind": "bundle", "product_ids": [1, 2], "price": 1_000_000}, "price"),
        ({"kind": "buy_get", "buy": 2, "get": 1}, "product_id"),
        ({"kind": "buy_get", "buy": 0, "get": 1, "product_id": 1}, "buy"),
        ({"kind": "buy_get", "buy": 2, "get": 0, "product_id": 1}, "get"),
        ({"kind": "diskon", "percent": 10}, "kind"),
        ({"kind": "percent", "percent": 10, "product_ids": [1], "name": ""}, "name"),
        ({"kind": "percent", "percent": 10, "product_ids": [1], "starts": "kemarin"}, "starts"),
    ],
)
def test_bad_promotion_is_422_naming_the_field_nothing_written(
    counter, make_product, rows, fields, field
):
    a, _ = make_product(price=5_000)
    b, _ = make_product(price=5_000)
    ids = {1: a, 2: b}
    for key in ("product_ids",):
        if key in fields:
            fields = {**fields, key: [ids.get(i, i) for i in fields[key]]}
    if fields.get("product_id") in ids:
        fields = {**fields, "product_id": ids[fields["product_id"]]}
    before = rows.snapshot()
    body = {"name": "Promo", "starts": STARTS, "ends": ENDS, **fields}
    r = counter.manager.post("/promotions", json=body)
    assert r.status_code == 422, r.json
    assert field in r.json["errors"]["json"], r.json
    assert rows.snapshot() == before


def test_patch_checks_the_whole_promotion_and_cashier_cannot_create(counter, make_product, rows):
    a, _ = make_product(price=5_000)
    p = promo(counter, kind="percent", percent=10, product_ids=[a])
    before = rows.snapshot()
    bad = counter.manager.patch(f"/promotions/{p['id']}", json={"ends": STARTS})
    assert bad.status_code == 422 and "ends" in bad.json["errors"]["json"]
    assert rows.snapshot() == before
    ok = counter.manager.patch(f"/promotions/{p['id']}", json={"percent": 15, "name": "Lima belas"})
    assert ok.status_code == 200 and ok.json["percent"] == 15 and ok.json["name"] == "Lima belas"
    body = {
        "name": "x",
        "kind": "percent",
        "percent": 5,
        "product_ids": [a],
        "starts": STARTS,
        "ends": ENDS,
    }
    assert counter.cashier.post("/promotions", json=body).status_code == 403
    listed = counter.cashier.get("/promotions?state=running").json
    assert [x["id"] for x in listed["items"]] == [p["id"]]


def test_report_units_discount_margin_and_csv(app, counter, make_product, rows):
    a, _ = make_product(price=10_000)
    p = promo(counter, name="Promo A", kind="percent", percent=10, product_ids=[a])
    cash_sale(counter, [{"product_id": a, "quantity": 2}])
    cash_sale(counter, [{"product_id": a, "quantity": 1}])
    assert rows(SaleLinePromotion) == 2 and rows(Promotion) == 1
    report = counter.manager.get("/promotions/report").json
    row = next(r for r in report if r["promotion_id"] == p["id"])
    assert row["sales"] == 2 and row["units"] == "3" and row["discount"] == 3_000
    assert row["revenue"] == 27_000 and row["margin"] == row["revenue"] - row["cost"]
    assert counter.cashier.get("/promotions/report").status_code == 403


def test_manager_pages_create_list_end_and_report(app, counter, make_product, rows, login_as):
    a, code_a = make_product(price=10_000)
    b, code_b = make_product(price=5_000)
    client = login_as("manager")
    assert client.get("/pos/promotions").status_code == 200
    page = client.get("/pos/promotions/new")
    assert page.status_code == 200 and "Promosi baru" in page.get_data(as_text=True)
    csrf = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    form = {
        "csrf_token": csrf,
        "name": "Paket hemat",
        "kind": "bundle",
        "starts": (NOW - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "ends": (NOW + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "products": f"{code_a}\n{code_b}",
        "price": "12.000",
    }
    before = rows.snapshot()
    bad = client.post("/pos/promotions/new", data={**form, "price": "20.000"})
    assert bad.status_code == 200 and rows.snapshot() == before
    assert "Harga paket harus di bawah" in bad.get_data(as_text=True)
    saved = client.post("/pos/promotions/new", data=form)
    assert saved.status_code in (302, 303)
    listed = client.get("/pos/promotions?state=running").get_data(as_text=True)
    assert "Paket hemat" in listed and "Harga paket" in listed
    sale = cash_sale(counter, [{"product_id": a, "quantity": 1}, {"product_id": b, "quantity": 1}])
    assert sale["total"] == 12_000
    report = client.get("/pos/promotions/report").get_data(as_text=True)
    assert "Paket hemat" in report and "Rp 3.000" in report
    assert "dikurangi retur pelanggan" in report
    csv = client.get("/pos/promotions/report.csv")
    assert csv.status_code == 200 and "Paket hemat" in csv.get_data(as_text=True)
    with app.app_context():
        promo_id = db.session.scalar(sa.select(Promotion.id))
    ended = client.post(
        f"/pos/promotions/{promo_id}/end", data={"csrf_token": csrf, "confirm": "1"}
    )
    assert ended.status_code in (302, 303)
    assert (
        cash_sale(counter, [{"product_id": a, "quantity": 1}, {"product_id": b, "quantity": 1}])[
            "total"
        ]
        == 15_000
    )


def test_return_of_a_bundle_part_gives_back_its_share(counter, make_product):
    kopi, _ = make_product(price=7_000)
    roti, _ = make_product(price=3_000)
    promo(counter, kind="bundle", product_ids=[kopi, roti], price=8_000)
    sale = cash_sale(
        counter, [{"product_id": kopi, "quantity": 1}, {"product_id": roti, "quantity": 1}]
    )
    assert [ln["amount"] for ln in sale["lines"]] == [5_600, 2_400]
    body = {
        "lines": [{"product_id": roti, "quantity": 1}],
        "refund_method": "cash",
        "approval_pin": "4321",
    }
    back = counter.cashier.post(f"/sales/{sale['id']}/returns", json=body)
    assert back.status_code == 201, back.json
    assert back.json["amount"] == 2_400  # what it was paid in the bundle, not Rp 3.000


def test_promotions_on_packs_and_quantity_prices(counter, make_product):
    """A pack line (issue 15 packs) counts its base units: buy 2 get 1 of a product
    scanned as a PAK of 6 at 15.000 (2.500 a unit) gives 2 units free, 5.000; a
    percentage is taken off what the line costs after its quantity price."""
    dus = factories.ean13(7301)
    teh, _ = make_product(
        price=3_000, packs=[{"name": "PAK", "factor": 6, "barcode": dus, "price": 15_000}]
    )
    gula, _ = make_product(price=10_000, tiers=[{"min_quantity": 5, "price": 9_000}])
    promo(counter, name="Beli 2 gratis 1", kind="buy_get", buy=2, get=1, product_id=teh)
    promo(counter, name="Gula 10%", kind="percent", percent=10, product_ids=[gula])
    sale = cash_sale(
        counter, [{"barcode": dus, "quantity": 1}, {"product_id": gula, "quantity": 5}]
    )
    pak, sugar = sale["lines"]
    assert pak["quantity"] == 6 and pak["gross"] == 15_000 and pak["promotion_discount"] == 5_000
    assert sugar["gross"] == 45_000 and sugar["promotion_discount"] == 4_500
    assert sale["total"] == 60_000 - 9_500


def _return(counter, sale, product_id, quantity):
    body = {
        "lines": [{"product_id": product_id, "quantity": quantity}],
        "refund_method": "cash",
        "approval_pin": "4321",
    }
    r = counter.cashier.post(f"/sales/{sale['id']}/returns", json=body)
    assert r.status_code == 201, r.json
    return r.json


def _report_row(counter, promotion):
    report = counter.manager.get("/promotions/report").json
    return next(r for r in report if r["promotion_id"] == promotion["id"])


def test_report_takes_a_partly_returned_buy_get_line_off(counter, make_product):
    a, _ = make_product(price=5_000, cost=3_000)
    p = promo(counter, kind="buy_get", buy=2, get=1, product_id=a)
    sale = cash_sale(counter, [{"product_id": a, "quantity": 3}])
    other = cash_sale(counter, [{"product_id": a, "quantity": 3}])
    assert sale["total"] == other["total"] == 10_000
    before = _report_row(counter, p)
    assert (before["units"], before["discount"], before["revenue"], before["cost"]) == (
        "6",
        10_000,
        20_000,
        18_000,
    )
    assert _return(counter, sale, a, 1)["amount"] == 3_333  # 10.000 x 1/3, half up
    row = _report_row(counter, p)
    # one unit of the first sale back: its third of the 5.000 free (1.667) given back,
    # its 3.333 refunded, its 3.000 cost off
    assert row["sales"] == 2 and row["units"] == "5"
    assert row["discount"] == 10_000 - 1_667
    assert row["revenue"] == 20_000 - 3_333
    assert row["cost"] == 15_000 and row["margin"] == 16_667 - 15_000
    _return(counter, sale, a, 2)  # the rest of the line: nothing of it left
    row = _report_row(counter, p)
    assert (row["units"], row["discount"], row["revenue"], row["cost"]) == (
        "3",
        5_000,
        10_000,
        9_000,
    )


def test_report_takes_a_returned_bundle_part_off(counter, make_product):
    kopi, _ = make_product(price=7_000, cost=4_000)
    roti, _ = make_product(price=3_000, cost=1_000)
    plain, _ = make_product(price=2_000, cost=500)
    p = promo(counter, kind="bundle", product_ids=[kopi, roti], price=8_000)
    sale = cash_sale(
        counter,
        [
            {"product_id": kopi, "quantity": 1},
            {"product_id": roti, "quantity": 1},
            {"product_id": plain, "quantity": 1},
        ],
    )
    assert [ln["amount"] for ln in sale["lines"]] == [5_600, 2_400, 2_000]
    _return(counter, sale, plain, 1)  # not promoted: the report does not move
    row = _report_row(counter, p)
    assert (row["units"], row["discount"], row["revenue"], row["cost"]) == (
        "2",
        2_000,
        8_000,
        5_000,
    )
    _return(counter, sale, roti, 1)
    row = _report_row(counter, p)
    # the roti's 600 of the 2.000 saved, its 2.400 paid and its 1.000 cost come off
    assert row["sales"] == 1 and row["units"] == "1"
    assert row["discount"] == 1_400 and row["revenue"] == 5_600
    assert row["cost"] == 4_000 and row["margin"] == 1_600


def _report_statements(app):
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            promotion_report.report()
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_report_statements_do_not_grow_with_promotions_and_returns(app, counter, make_product):
    def promoted_sale_returned():
        a, _ = make_product(price=5_000, cost=3_000)
        promo(counter, kind="buy_get", buy=2, get=1, product_id=a)
        sale = cash_sale(counter, [{"product_id": a, "quantity": 3}])
        _return(counter, sale, a, 1)

    promoted_sale_returned()
    one = _report_statements(app)
    for _n in range(4):
        promoted_sale_returned()
    assert _report_statements(app) == one
    assert one <= 5, one


@given(
    amount=st.integers(0, 5_000_000),
    sold_milli=st.integers(1, 100_000),
    data=st.data(),
)
def test_kept_share_is_the_line_less_what_the_returns_give_back(amount, sold_milli, data):
    sold = Decimal(sold_milli) / 1000
    a, b = sorted(data.draw(st.lists(st.integers(0, sold_milli), min_size=2, max_size=2)))
    r1, r2 = Decimal(a) / 1000, Decimal(b) / 1000
    kept = promotion_report.kept_share(amount, sold, r2)
    assert kept == amount - returns.return_share(amount, sold, Decimal(0), r2)
    assert 0 <= kept <= promotion_report.kept_share(amount, sold, r1) <= amount
    assert promotion_report.kept_share(amount, sold, Decimal(0)) == amount
    assert promotion_report.kept_share(amount, sold, sold) == 0
