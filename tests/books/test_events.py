"""Every event posts its journal, to the rupiah, and the books agree with the ledgers
after each (the autouse check runs ``books check`` at the end of every test)."""

from datetime import date

from books.reconcile import check
from mart.extensions import db
from tests import factories
from tests.books.conftest import balances, journal_of


def _agree(app):
    with app.app_context():
        result = check()
        db.session.rollback()
    assert result.ok, result.differences()


def _setup(app):
    counter = factories.make_counter(app)
    manager = counter.manager
    own_supplier = manager.post("/suppliers", json={"name": "Grosir", "terms": "purchase"}).json
    umkm = manager.post(
        "/suppliers",
        json={"name": "Keripik Bu Ani", "terms": "consignment", "commission_percent": 15},
    ).json
    own, _ = factories.make_product(app, price=11_100)
    consigned, _ = factories.make_product(app, price=5_550, supplier_id=umkm["id"])
    received = manager.post(
        "/goods-receipts",
        json={
            "supplier_id": own_supplier["id"],
            "lines": [{"product_id": own, "quantity": 10, "unit_cost": 6_000}],
        },
    )
    assert received.status_code == 201, received.json
    assert journal_of(app, "goods_receipt", received.json["id"]) == {
        "persediaan": 60_000,
        "utang_usaha": -60_000,
    }
    got = manager.post(
        "/goods-receipts",
        json={
            "supplier_id": umkm["id"],
            "lines": [{"product_id": consigned, "quantity": 10, "unit_cost": 4_500}],
        },
    )
    assert got.status_code == 201, got.json
    assert journal_of(app, "goods_receipt", got.json["id"]) == {}  # the supplier's goods
    return counter, own, consigned, own_supplier, umkm


def test_a_sale_with_mixed_payments_posts_each_to_its_account(app):
    counter, own, consigned, *_ = _setup(app)
    sale = counter.sale(
        [{"product_id": own, "quantity": 2}, {"product_id": consigned, "quantity": 1}],
        [{"method": "qris", "amount": 10_000}, {"method": "cash", "amount": 20_000}],
    )
    assert sale.status_code == 201, sale.json
    assert sale.json["total"] == 27_750 and sale.json["ppn"] == 2_750
    assert journal_of(app, "sale", sale.json["id"]) == {
        "kas": 17_800,  # 20.000 handed over, 2.200 change; due 17.750 rounded to 17.800
        "piutang_qris": 10_000,
        "ppn_keluaran": -2_750,
        "utang_konsinyasi": -4_717,  # 5.550 less 15% (832,5 -> 833)
        "komisi_konsinyasi": -283,  # 5.000 before tax less the supplier's 4.717
        "pendapatan_lain": -50,  # cash rounding
        "penjualan": -20_000,
        "hpp": 12_000,
        "persediaan": -12_000,
    }
    _agree(app)


def test_a_return_mirrors_the_sale_with_its_ppn(app):
    counter, own, consigned, *_ = _setup(app)
    sale = counter.sale(
        [{"product_id": own, "quantity": 2}, {"product_id": consigned, "quantity": 2}],
        [{"method": "cash", "amount": 40_000}],
    ).json
    back = counter.cashier.post(
        f"/sales/{sale['id']}/returns",
        json={
            "lines": [{"product_id": own, "quantity": 1}, {"product_id": consigned, "quantity": 1}],
            "refund_method": "cash",
            "approval_pin": "4321",
        },
    )
    assert back.status_code == 201, back.json
    assert journal_of(app, "return", back.json["id"]) == {
        "retur_penjualan": 10_000,
        "ppn_keluaran": 1_650,
        "utang_konsinyasi": 4_717,
        "komisi_konsinyasi": 283,
        "kas": -16_650,
        "persediaan": 6_000,
        "hpp": -6_000,
    }
    damaged = counter.cashier.post(
        f"/sales/{sale['id']}/returns",
        json={
            "lines": [{"product_id": own, "quantity": 1}],
            "refund_method": "cash",
            "approval_pin": "4321",
            "damaged": True,
        },
    )
    assert damaged.status_code == 201, damaged.json
    assert journal_of(app, "return", damaged.json["id"]) == {
        "retur_penjualan": 10_000,
        "ppn_keluaran": 1_100,
        "kas": -11_100,
        "selisih_persediaan": 6_000,
        "hpp": -6_000,
    }
    _agree(app)


def test_units_sold_before_their_cost_take_the_next_receipts_cost(app):
    counter, own, consigned, own_supplier, _umkm = _setup(app)
    fresh, _ = factories.make_product(app, price=2_220, tax="exempt")
    sale = counter.sale(
        [{"product_id": fresh, "quantity": 3}], [{"method": "cash", "amount": 6_700}]
    )
    assert sale.status_code == 201, sale.json
    assert "hpp" not in journal_of(app, "sale", sale.json["id"])  # no cost known yet
    received = counter.manager.post(
        "/goods-receipts",
        json={
            "supplier_id": own_supplier["id"],
            "lines": [{"product_id": fresh, "quantity": 10, "unit_cost": 1_500}],
        },
    )
    assert journal_of(app, "goods_receipt", received.json["id"]) == {
        "persediaan": 10_500,  # 7 on hand at 1.500
        "hpp": 4_500,  # the 3 sold before
        "utang_usaha": -15_000,
    }
    _agree(app)


def test_stock_events_and_settlements(app):
    counter, own, consigned, own_supplier, umkm = _setup(app)
    manager = counter.manager
    counter.sale(
        [{"product_id": consigned, "quantity": 1}, {"product_id": own, "quantity": 1}],
        [{"method": "transfer", "amount": 16_650}],
    )
    for _ in range(2):
        counter.sale(
            [{"product_id": consigned, "quantity": 1}], [{"method": "card", "amount": 5_550}]
        )
    back = manager.post(
        "/supplier-returns",
        json={"supplier_id": own_supplier["id"], "lines": [{"product_id": own, "quantity": 2}]},
    )
    assert back.status_code == 201, back.json
    assert journal_of(app, "supplier_return", back.json["id"]) == {
        "utang_usaha": 12_000,
        "persediaan": -12_000,
    }
    off = manager.post("/write-offs", json={"product_id": own, "quantity": 1, "reason": "rusak"})
    assert off.status_code == 201, off.json
    count = manager.post("/stock-counts", json={"product_ids": [own]}).json
    manager.post(f"/stock-counts/{count['id']}/lines", json={"product_id": own, "quantity": 5})
    posted = manager.post(f"/stock-counts/{count['id']}/post")
    assert posted.status_code in (200, 201), posted.json
    assert journal_of(app, "stock_count", count["id"]) == {
        "persediaan": -6_000,
        "selisih_persediaan": 6_000,
    }
    _agree(app)
    settled = manager.post(
        "/consignment-settlements",
        json={"supplier_id": umkm["id"], "period_end": date.today().isoformat()},
    )
    assert settled.status_code == 201, settled.json
    assert settled.json["payable"] == 14_152  # 16.650 less 15% (2.497,5 -> 2.498)
    # the sale posted 3 x 4.717 = 14.151 per line; the settlement rounds once: +1
    assert journal_of(app, "settlement", settled.json["id"]) == {
        "utang_konsinyasi": -1,
        "komisi_konsinyasi": 1,
    }
    _agree(app)
    paid = manager.post(
        f"/consignment-settlements/{settled.json['id']}/pay", json={"reference": "TRF-1"}
    )
    assert paid.status_code in (200, 201), paid.json
    assert journal_of(app, "settlement_payment", settled.json["id"]) == {
        "utang_konsinyasi": 14_152,
        "bank": -14_152,
    }
    assert balances(app)["utang_konsinyasi"] == 0


def test_simpanan_cash_movements_and_shift_close(app):
    counter = factories.make_counter(app)
    manager = counter.manager
    no = factories.make_member(app)
    for kind, amount in (("pokok", 100_000), ("wajib", 20_000), ("sukarela", 50_000)):
        assert (
            manager.post(
                f"/members/{no}/deposits", json={"kind": kind, "amount": amount}
            ).status_code
            == 201
        )
    by_bank = manager.post(
        f"/members/{no}/deposits", json={"kind": "sukarela", "amount": 25_000, "method": "transfer"}
    )
    assert by_bank.status_code == 201, by_bank.json
    assert journal_of(app, "savings", by_bank.json["entry"]["id"]) == {
        "bank": 25_000,
        "simpanan_sukarela": -25_000,
    }
    out = manager.post(f"/members/{no}/withdrawals", json={"kind": "sukarela", "amount": 10_000})
    assert journal_of(app, "savings", out.json["entry"]["id"]) == {
        "kas": -10_000,
        "simpanan_sukarela": 10_000,
    }
    fixed = manager.post(
        f"/members/{no}/reversals",
        json={"entry_id": by_bank.json["entry"]["id"], "reason": "salah"},
    )
    assert fixed.status_code == 201, fixed.json
    assert journal_of(app, "savings", fixed.json["entry"]["id"]) == {
        "bank": -25_000,
        "simpanan_sukarela": 25_000,
    }
    _agree(app)
    cash_out = counter.cashier.post(
        f"/shifts/{counter.shift['id']}/cash-movements",
        json={
            "kind": "out",
            "amount": 50_000,
            "reason": "setor bank",
            "to": "bank",
            "approval_pin": "4321",  # above MART_CASH_OUT_LIMIT: a manager approves
        },
    )
    assert cash_out.status_code == 201, cash_out.json
    assert journal_of(app, "cash_movement", cash_out.json["id"]) == {"bank": 50_000, "kas": -50_000}
    before = balances(app)
    safe = counter.cashier.post(
        f"/shifts/{counter.shift['id']}/cash-movements",
        json={"kind": "out", "amount": 20_000, "reason": "ke brankas", "approval_pin": "4321"},
    )
    assert safe.status_code == 201
    assert balances(app) == before  # drawer to safe: kas to kas, the surplus untouched
    closed = counter.cashier.post(
        f"/shifts/{counter.shift['id']}/close",
        json={"counted_cash": 129_000, "approval_pin": "4321"},
    )
    assert closed.status_code == 200, closed.json
    assert closed.json["difference"] == -1_000
    assert journal_of(app, "shift", counter.shift["id"]) == {"selisih_kas": 1_000, "kas": -1_000}
    left = manager.post(f"/members/{no}/leave", json={"reason": "resign"})
    assert left.status_code in (200, 201), left.json
    assert journal_of(app, "leave", no) == {
        "simpanan_pokok": 100_000,
        "simpanan_wajib": 20_000,
        "simpanan_sukarela": 40_000,
        "kas": -160_000,
    }
    _agree(app)


def test_the_shu_post_books_its_division(app):
    counter = factories.make_counter(app)
    manager = counter.manager
    first, second = factories.make_member(app, sukarela=10_000), factories.make_member(app)
    for no in (first, second):
        manager.post(f"/members/{no}/deposits", json={"kind": "pokok", "amount": 100_000})
    manager.post(f"/members/{first}/deposits", json={"kind": "wajib", "amount": 20_000})
    product, _ = factories.make_product(app, price=7_000, tax="exempt")
    counter.sale(
        [{"product_id": product, "quantity": 3}],
        [{"method": "cash", "amount": 21_000}],
        member_no=first,
    )
    year = date.today().year
    body = {
        "surplus": 1_000_003,
        "allocation": {
            "cadangan": 40,
            "jasa_modal": 20,
            "jasa_usaha": 20,
            "dana_pengurus": 5,
            "dana_karyawan": 5,
            "dana_pendidikan": 5,
            "dana_sosial": 4,
            "dana_pembangunan_daerah": 1,
        },
    }
    # the running year: an admin's explicit override posts it early
    admin = factories.api_user(app, "admin")
    posted = admin.post(f"/shu/{year}/post", json={**body, "override": True})
    assert posted.status_code == 201, posted.json
    to_members = sum(m["total"] for m in posted.json["members"])
    rounding = posted.json["rounding_to_cadangan"]
    parts = posted.json["parts"]
    assert journal_of(app, "shu", year) == {
        "shu_tahun_berjalan": 1_000_003,
        "cadangan": -(parts["cadangan"] + rounding),
        "dana_pengurus": -parts["dana_pengurus"],
        "dana_karyawan": -parts["dana_karyawan"],
        "dana_pendidikan": -parts["dana_pendidikan"],
        "dana_sosial": -parts["dana_sosial"],
        "dana_lain": -parts["dana_pembangunan_daerah"],
        "simpanan_sukarela": -to_members,
    }
    _agree(app)
