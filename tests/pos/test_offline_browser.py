"""The cashier screen keeps selling through a reload while the server is away
(pos/README.md, "Offline"), against a real gunicorn that is stopped and started again.

The service worker keeps the app shell, the whole catalogue is in IndexedDB, the sale
keeps its own time, the outbox survives the reload, and the drawer opens when the
sale reaches the server (the kick reaches the loopback printer)."""

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from inventory.models import Barcode, Product
from mart.extensions import db
from pos import services
from pos.models import Sale
from printers import services as printing
from tests import factories
from tests.browser import REQUIRES_CHROMIUM, login
from tests.factories import ean13
from tests.fakeprinter import parse_escpos
from tests.reliability.server import Server

pytestmark = [*REQUIRES_CHROMIUM, pytest.mark.service_worker]
CATALOGUE = 1500  # products bulk-inserted besides the named ones


@pytest.fixture
def server(app, database_url, instance_path):
    """A real gunicorn on the test database, with the background workers on."""
    made = Server(
        database_url,
        instance_path,
        workers=1,
        threads=4,
        # the print worker reaches the loopback fake printer as the test app does
        env={
            "MART_START_WORKERS": "1",
            "MART_PRINTER_HOSTS": "127.0.0.1",
            "MART_PRINTER_PORTS": "9100,1024-65535",
        },
    )
    yield made
    made.stop()


def _bulk_products(app, n):
    now = datetime.now(UTC)
    with app.app_context():
        rows = [
            {
                "sku": f"OFF{i:06d}",
                "name": f"Barang Offline {i}",
                "search_text": f"barang offline {i}",
                "unit": "pcs",
                "price": 1000 + i,
                "tax": "ppn",
                "reorder_point": 0,
                "active": True,
                "tracks_expiry": False,
                "avg_cost": 0,
                "on_hand": 0,
                "created_at": now,
                "updated_at": now,
            }
            for i in range(n)
        ]
        db.session.execute(sa.insert(Product.__table__), rows)
        ids = db.session.scalars(
            sa.select(Product.id).where(Product.sku.like("OFF%")).order_by(Product.id)
        ).all()
        db.session.execute(
            sa.insert(Barcode.__table__),
            [{"code": ean13(500_000 + i), "product_id": pid} for i, pid in enumerate(ids)],
        )
        db.session.commit()


def _sales(app):
    with app.app_context():
        found = db.session.scalars(sa.select(Sale)).all()
        db.session.remove()
        return found


def test_reload_while_the_server_is_away_keeps_selling(
    app, server, browser, make_user, fake_printer
):
    with app.app_context():
        printer = printing.create_printer(
            {
                "name": "Struk R1",
                "connection": "network",
                "host": "127.0.0.1",
                "port": fake_printer.port,
                "width": 48,
                "drawer": {"pin": 2, "pulse_ms": 100},
            }
        )
        services.create_register("R1", "Kasir depan", printer.id)
        db.session.commit()
    _, seen = factories.make_product(app, name="Teh Botol", price=5_000)
    _, unseen = factories.make_product(app, name="Kopi Gayo", price=32_000)
    _bulk_products(app, CATALOGUE)
    make_user("cashier", username="kasir3")
    server.start()

    page = browser.new_page(viewport={"width": 1366, "height": 768})
    login(page, server.base, "kasir3")
    page.goto(f"{server.base}/pos/")
    page.wait_for_selector("[data-testid=open-shift]:not(.hidden)")
    page.click("[data-testid=open-shift-submit]")
    page.wait_for_selector("[data-testid=scan]:visible")
    # the whole catalogue reaches IndexedDB, and the shell the service worker's cache
    total = f"{CATALOGUE + 2:,}".replace(",", ".")
    page.locator("[data-testid=catalogue-status]", has_text=total).wait_for(timeout=30_000)
    page.wait_for_function(
        """async () => {
            if (!navigator.serviceWorker.controller) return false;
            const cache = await caches.open('okoce-pos-shell-v1');
            const page = await cache.match('/pos/');
            // the kept page is the one with the open shift (kept again when it opened)
            return !!page && (await page.text()).includes('"register_id"') && !!(await
                cache.match(location.origin + '/pos/static/counter.js', {ignoreSearch: true}));
        }""",
        timeout=30_000,
    )
    page.keyboard.type(seen)
    page.keyboard.press("Enter")
    page.locator("[data-testid=total]", has_text="Rp 5.000").wait_for()

    # the server goes away; the cashier reloads the page
    server.stop()
    page.reload()
    page.wait_for_selector("[data-testid=scan]:visible", timeout=30_000)
    assert page.locator("[data-testid=total]", has_text="Rp 5.000").is_visible()
    # a code never scanned on this screen sells from the catalogue in IndexedDB
    page.keyboard.type(unseen)
    page.keyboard.press("Enter")
    page.locator("[data-testid=total]", has_text="Rp 37.000").wait_for()
    assert "Kopi Gayo" in page.inner_text("[data-testid=lines]")
    page.keyboard.press("F8")
    page.fill("[data-testid=pay-amount]", "50000")
    page.keyboard.press("Enter")
    page.locator("[data-testid=done-change]", has_text="Rp 13.000").wait_for()
    assert "laci terbuka saat terkirim" in page.inner_text("[data-testid=done-number]")
    kept = json.loads(page.evaluate("localStorage.getItem('pos.outbox.kasir3')"))
    assert len(kept) == 1 and "pin" not in json.dumps(kept).lower()
    made_at = datetime.fromisoformat(kept[0]["created_at"].replace("Z", "+00:00"))
    page.click("[data-testid=done-ok]")
    # ... and it survives another reload while the server is still away
    page.reload()
    page.wait_for_selector("[data-testid=scan]:visible", timeout=30_000)
    assert len(json.loads(page.evaluate("localStorage.getItem('pos.outbox.kasir3')"))) == 1
    assert _sales(app) == []
    assert not [e for job in fake_printer.jobs for e in parse_escpos(job) if e["type"] == "drawer"]

    # the server is back: the sale arrives once, with its own time; the drawer opens
    server.start()
    page.wait_for_selector("[data-testid=offline-banner].hidden", state="attached", timeout=30_000)
    sales = _sales(app)
    assert len(sales) == 1 and sales[0].total == 37_000 and sales[0].change == 13_000
    stored = sales[0].created_at
    assert abs((stored - made_at).total_seconds()) < 0.01
    fake_printer.settle()
    for _ in range(100):
        events = [e for job in fake_printer.jobs for e in parse_escpos(job)]
        if any(e["type"] == "drawer" for e in events):
            break
        page.wait_for_timeout(100)
    assert any(e["type"] == "drawer" for e in events)
    page.locator("#banner-message", has_text="Laci terbuka").wait_for()
    page.reload()
    page.wait_for_selector("[data-testid=scan]:visible")
    page.wait_for_timeout(1500)
    assert len(_sales(app)) == 1
