"""Purchase order and shelf-label pages: forms work; in a real browser at three sizes."""

import os
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from inventory import labels, purchasing, services
from inventory.retail_models import PurchaseOrder
from mart.db import utcnow
from mart.extensions import db
from tests import factories
from tests.browser import CSP_LISTENER, REQUIRES_CHROMIUM, login, shots_dir
from tests.factories import ean13


def _no_inline(html):
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert " style=" not in html, "inline style"


@pytest.fixture
def shop(app, make_supplier, make_product):
    s = make_supplier(name="CV Sumber Pangan", lead_time_days=2)
    mie = make_product(name="Indomie Goreng", supplier_id=s, barcode=ean13(801), reorder_point=20)
    gula = make_product(name="Gula Pasir 1kg", supplier_id=s, barcode=ean13(802), price=16500)
    with app.app_context():
        m = services.record_sale(mie, 30, unit_price=3500, ref_id="x")
        m.at = utcnow() - timedelta(days=5)
        services.record_sale(gula, 4, unit_price=16500, ref_id="x")
        db.session.commit()
    return {"supplier": s, "mie": mie, "gula": gula}


def test_po_from_suggestions_then_receive_in_parts(app, login_as, shop):
    manager = login_as("manager")
    html = manager.get("/inventory/purchase-orders").get_data(as_text=True)
    _no_inline(html)
    assert "Pesanan pembelian" in html and "CV Sumber Pangan" in html
    page = manager.get(f"/inventory/purchase-orders/new?supplier_id={shop['supplier']}")
    html = page.get_data(as_text=True)
    _no_inline(html)
    assert "Indomie Goreng" in html and f'name="qty_{shop["mie"]}"' in html
    token = factories.csrf_in(html)
    r = manager.post(
        "/inventory/purchase-orders/new",
        data={"csrf_token": token, "supplier_id": shop["supplier"], f"qty_{shop['mie']}": "40"},
    )
    assert r.status_code == 302
    with app.app_context():
        order = db.session.scalars(db.select(PurchaseOrder)).one()
        order_id = order.id
    html = manager.get(f"/inventory/purchase-orders/{order_id}").get_data(as_text=True)
    _no_inline(html)
    assert "Terima sekarang" in html and "PESANAN PEMBELIAN" in html
    r = manager.post(
        f"/inventory/purchase-orders/{order_id}/receive",
        data={"csrf_token": token, f"recv_{shop['mie']}": "15"},
    )
    assert r.status_code == 302
    with app.app_context():
        data = purchasing.order_dict(purchasing.get_order(order_id))
    assert data["status"] == "partial" and data["lines"][0]["outstanding"] == 25
    # Bad quantity: nothing received.
    manager.post(
        f"/inventory/purchase-orders/{order_id}/receive",
        data={"csrf_token": token, f"recv_{shop['mie']}": "abc"},
    )
    with app.app_context():
        assert purchasing.get_order(order_id).lines[0].received == 15


def test_label_page_scan_print_clear(app, login_as, shop):
    manager = login_as("manager")
    with app.app_context():
        labels.clear()
        db.session.commit()
    html = manager.get("/inventory/labels").get_data(as_text=True)
    _no_inline(html)
    token = factories.csrf_in(html)
    manager.post("/inventory/labels", data={"csrf_token": token, "code": ean13(802), "copies": "2"})
    html = manager.get("/inventory/labels").get_data(as_text=True)
    assert "Gula Pasir 1kg" in html and "Rp 16.500" in html
    r = manager.post("/inventory/labels", data={"csrf_token": token, "action": "print"})
    assert r.status_code == 302
    with app.app_context():
        assert labels.queue() == []
    html = manager.get(f"/inventory/products/{shop['gula']}/prices").get_data(as_text=True)
    assert "Riwayat harga" in html and "Rp 16.500" in html


def _browser(fn):
    for mark in REQUIRES_CHROMIUM:
        fn = mark(fn)
    return fn


SHOTS = shots_dir("retail")


@_browser
@pytest.mark.parametrize("viewport", [(1366, 768), (1280, 800), (390, 844)])
def test_pages_in_the_browser(app, live_server, browser, make_user, shop, viewport):
    base = live_server
    _, username = make_user("manager")
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    page.add_init_script(CSP_LISTENER)
    login(page, base, username)
    size = f"{viewport[0]}x{viewport[1]}"
    shoot = SHOTS.is_dir() or os.environ.get("MART_SHOTS_DIR")

    page.goto(f"{base}/inventory/purchase-orders/new?supplier_id={shop['supplier']}")
    expect(page.locator("[data-testid=po-suggestions]")).to_contain_text("Indomie Goreng")
    if shoot:
        page.screenshot(path=str(SHOTS / f"po_new_{size}.png"), full_page=True)
    page.click("[data-testid=po-create-form] button[type=submit]")
    expect(page.locator("[data-testid=po-status]")).to_have_text("terbuka")
    page.locator("[data-testid=po-receive]").click()
    expect(page.locator("[data-testid=po-status]")).to_have_text("diterima")
    if shoot:
        page.screenshot(path=str(SHOTS / f"po_detail_{size}.png"), full_page=True)
    page.goto(f"{base}/inventory/purchase-orders")
    expect(page.locator("[data-testid=po-list]")).to_contain_text("CV Sumber Pangan")
    if shoot:
        page.screenshot(path=str(SHOTS / f"po_list_{size}.png"), full_page=True)

    page.goto(f"{base}/inventory/labels")
    scan = page.locator("[data-testid=label-scan]")
    scan.fill(ean13(801))
    scan.press("Enter")
    expect(page.locator("[data-testid=label-queue]")).to_contain_text("Indomie Goreng")
    expect(page.locator("[data-testid=label-scan]")).to_be_focused()
    if shoot:
        page.screenshot(path=str(SHOTS / f"labels_{size}.png"), full_page=True)
    assert page.evaluate("window.__csp") == []
    page.close()
