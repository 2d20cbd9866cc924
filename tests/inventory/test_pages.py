"""The inventory pages: manager pages render and work; a supplier sees only its own."""

import re
from datetime import date

import pytest
import sqlalchemy as sa

from inventory import services
from inventory.models import StockCount, Supplier
from mart.extensions import db
from tests import factories
from tests.factories import ean13


def _no_inline(html):
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert " style=" not in html, "inline style"


@pytest.fixture
def stocked(app, make_supplier, make_product):
    buy = make_supplier(name="CV Grosir")
    cons = make_supplier(
        name="Keripik Bu Sari", terms="consignment", commission_percent=15, member_no="M000001"
    )
    other = make_supplier(name="Sambal Lain", terms="consignment", commission_percent=10)
    mie = make_product(name="Indomie Goreng", supplier_id=buy, barcode=ean13(501), reorder_point=50)
    krp = make_product(
        name="Keripik Balado",
        supplier_id=cons,
        supplier_price=9000,
        barcode=ean13(502),
        tracks_expiry=True,
    )
    smb = make_product(
        name="Sambal Roa Rahasia", supplier_id=other, supplier_price=20000, barcode=ean13(503)
    )
    with app.app_context():
        services.post_goods_receipt(
            {"supplier_id": buy, "lines": [{"product_id": mie, "quantity": 40, "unit_cost": 2800}]}
        )
        services.post_goods_receipt(
            {
                "supplier_id": cons,
                "lines": [{"product_id": krp, "quantity": 10, "expiry_date": date(2020, 1, 1)}],
            }
        )
        services.post_goods_receipt(
            {"supplier_id": other, "lines": [{"product_id": smb, "quantity": 5}]}
        )
        services.record_sale(krp, 3, unit_price=12000, ref_id="s1")
        services.record_sale(smb, 1, unit_price=25000, ref_id="s2")
        db.session.commit()
    return {"buy": buy, "cons": cons, "other": other, "mie": mie, "krp": krp, "smb": smb}


def test_manager_pages_render(login_as, stocked):
    manager = login_as("manager")
    urls = (
        [
            "/inventory/",
            "/inventory/products",
            "/inventory/products?q=indomie",
            "/inventory/products/new",
            f"/inventory/products/{stocked['mie']}",
            f"/inventory/products/{stocked['mie']}/edit",
            "/inventory/products/import",
            "/inventory/suppliers",
            "/inventory/suppliers/new",
            f"/inventory/suppliers/{stocked['cons']}/edit",
            "/inventory/receipts",
            "/inventory/receipts/new",
            "/inventory/receipts/1",
            "/inventory/counts",
            "/inventory/settlements",
        ]
        + [
            f"/inventory/reports/{n}"
            for n in (
                "stock-on-hand",
                "consigned-stock",
                "below-reorder",
                "near-expiry",
                "negative-stock",
                "sell-through",
            )
        ]
        + [f"/inventory/reports/movements?product_id={stocked['mie']}"]
    )
    for url in urls:
        r = manager.get(url)
        assert r.status_code == 200, url
        _no_inline(r.get_data(as_text=True))
    html = manager.get("/inventory/reports/stock-on-hand").get_data(as_text=True)
    assert "Rp 112.000" in html
    assert "Indomie Goreng" in manager.get("/inventory/reports/below-reorder").get_data(
        as_text=True
    )
    assert "Keripik Balado" in manager.get("/inventory/reports/near-expiry").get_data(as_text=True)
    csv = manager.get("/inventory/reports/stock-on-hand?format=csv")
    assert csv.mimetype == "text/csv"
    # the page's downloads head their columns in Bahasa Indonesia (the API keeps keys)
    assert csv.get_data(as_text=True).startswith("ID,SKU,Nama,Satuan,Stok,")
    export = manager.get("/inventory/products/export.csv")
    assert export.get_data(as_text=True).startswith("Kode,Nama,Barcode,Harga,Satuan,")


def test_pages_in_indonesian_by_default(login_as, stocked):
    manager = login_as("manager")
    html = manager.get("/inventory/products").get_data(as_text=True)
    assert "Produk" in html


def test_product_form_creates_and_deactivates(app, login_as, rows):
    manager = login_as("manager")
    token = factories.csrf_in(manager.get("/inventory/products/new").get_data(as_text=True))
    before = rows.snapshot()
    bad = manager.post(
        "/inventory/products/new",
        data={
            "csrf_token": token,
            "sku": "K1",
            "name": "Kopi",
            "price": "15000",
            "barcode": ean13(700)[:-1] + str((int(ean13(700)[-1]) + 1) % 10),
        },
    )
    assert bad.status_code == 200 and rows.snapshot() == before
    r = manager.post(
        "/inventory/products/new",
        data={
            "csrf_token": token,
            "sku": "K1",
            "name": "Kopi Gayo",
            "price": "15000",
            "barcode": ean13(601),
            "unit": "pcs",
            "tax": "ppn",
            "reorder_point": "3",
            "tracks_expiry_present": "1",
            "tracks_expiry": "1",
        },
    )
    assert r.status_code == 302
    with app.app_context():
        product = services.lookup_code(ean13(601)).product
        assert product.tracks_expiry and product.price == 15000
        pid = product.id
    r = manager.post(f"/inventory/products/{pid}/active", data={"csrf_token": token, "active": "0"})
    assert r.status_code == 302
    with app.app_context():
        assert services.get_product(pid).active is False


def test_settlement_from_page_and_statement(app, login_as, stocked):
    manager = login_as("manager")
    token = factories.csrf_in(manager.get("/inventory/settlements").get_data(as_text=True))
    r = manager.post(
        "/inventory/settlements",
        data={"csrf_token": token, "supplier_id": str(stocked["cons"]), "period_end": "2099-01-01"},
    )
    assert r.status_code == 302
    statement = manager.get(r.headers["Location"]).get_data(as_text=True)
    assert "Keripik Balado" in statement and "Rp 30.600" in statement  # 36000 - 15 %
    _no_inline(statement)
    r = manager.post(
        "/inventory/settlements",
        data={"csrf_token": token, "supplier_id": str(stocked["buy"]), "period_end": "2099-01-01"},
    )
    assert r.status_code == 200  # shown again with the error


def test_supplier_sees_only_its_own(app, login_as, stocked):
    supplier = login_as("supplier", supplier_id=stocked["cons"])
    home = supplier.get("/inventory/supplier_home")
    assert home.status_code == 200
    html = home.get_data(as_text=True)
    assert "Keripik Balado" in html and "Sambal Roa Rahasia" not in html
    assert "Indomie" not in html
    _no_inline(html)
    report = supplier.get("/inventory/reports/consigned-stock").get_data(as_text=True)
    assert "Keripik Balado" in report and "Sambal Roa Rahasia" not in report
    sell = supplier.get("/inventory/reports/sell-through").get_data(as_text=True)
    assert "Sambal Lain" not in sell
    moves = supplier.get(f"/inventory/reports/movements?product_id={stocked['smb']}")
    assert moves.status_code == 404
    assert supplier.get("/inventory/products").status_code == 403
    assert supplier.get("/inventory/").status_code == 403
    with app.app_context():
        other = services.create_settlement(stocked["other"], services.utcnow().date())
        db.session.commit()
        other_id = other.id
    assert supplier.get(f"/inventory/settlements/{other_id}").status_code == 404


def test_supplier_home_is_landing_page(app, client, make_user, stocked):
    make_user("supplier", username="umkmx", supplier_id=stocked["cons"])
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf-token" content="([^"]+)"', page
    )
    r = client.post(
        "/login",
        data={"username": "umkmx", "password": "rahasia-123", "csrf_token": token.group(1)},
    )
    assert r.status_code == 302
    follow = client.get(r.headers["Location"], follow_redirects=True)
    assert "Keripik Balado" in follow.get_data(as_text=True)


def test_product_and_supplier_edit_forms(app, login_as, stocked):
    manager = login_as("manager")
    url = f"/inventory/products/{stocked['mie']}/edit"
    token = factories.csrf_in(manager.get(url).get_data(as_text=True))
    r = manager.post(
        url,
        data={
            "csrf_token": token,
            "name": "Indomie Goreng Rendang",
            "price": "3700",
            "member_price": "",
            "barcodes_text": f"{ean13(501)} {ean13(504)}",
            "category": "Mi Instan",
            "unit": "pcs",
            "tax": "ppn",
            "supplier_id": str(stocked["buy"]),
            "reorder_point": "12",
            "tracks_expiry_present": "1",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    with app.app_context():
        p = services.get_product(stocked["mie"])
        assert (p.name, p.price, p.category.name) == ("Indomie Goreng Rendang", 3700, "Mi Instan")
        assert [b.code for b in p.barcodes] == [ean13(501), ean13(504)]
        assert services.search_products("rendang")[0].id == p.id
    url = f"/inventory/suppliers/{stocked['cons']}/edit"
    r = manager.post(
        url,
        data={
            "csrf_token": token,
            "name": "Keripik Bu Sari Jaya",
            "terms": "consignment",
            "commission_percent": "12.5",
            "phone": "",
            "umkm_present": "1",
            "umkm": "1",
            "active_present": "1",
            "active": "1",
        },
    )
    assert r.status_code == 302
    with app.app_context():
        s = db.session.get(Supplier, stocked["cons"])
        assert s.name == "Keripik Bu Sari Jaya" and str(s.commission_percent) == "12.50"
    r = manager.post(
        "/inventory/suppliers/new",
        data={"csrf_token": token, "name": "CV Baru", "terms": "purchase"},
    )
    assert r.status_code == 302


def test_count_page_opens_a_count_for_a_supplier_or_category(app, login_as, stocked, rows):
    manager = login_as("manager")
    html = manager.get("/inventory/counts").get_data(as_text=True)
    assert 'data-testid="count-supplier"' in html and "Keripik Bu Sari" in html
    token = factories.csrf_in(html)
    cons, krp_id = stocked["cons"], stocked["krp"]
    r = manager.post("/inventory/counts", data={"csrf_token": token, "supplier_id": str(cons)})
    assert r.status_code == 302
    with app.app_context():
        count = db.session.scalars(sa.select(StockCount).order_by(StockCount.id.desc())).first()
        assert count.product_ids == [krp_id]
    # A category with no active products: nothing opened, the manager is told.
    before = rows.snapshot()
    r = manager.post(
        "/inventory/counts",
        data={"csrf_token": token, "category_id": "999999"},
        follow_redirects=True,
    )
    assert r.status_code == 200 and rows.snapshot() == before
    # Nothing chosen: a count of every product, as before.
    manager.post("/inventory/counts", data={"csrf_token": token})
    with app.app_context():
        count = db.session.scalars(sa.select(StockCount).order_by(StockCount.id.desc())).first()
        assert count.product_ids is None
