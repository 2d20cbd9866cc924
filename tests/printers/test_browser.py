"""The printers page in a real browser: live status per printer, retry, on a phone too."""

import pytest

from mart.extensions import db
from printers import services
from printers.worker import Worker
from tests.browser import CSP_LISTENER, REQUIRES_CHROMIUM
from tests.conftest import DEFAULT_PASSWORD
from tests.fakeprinter import FakePrinter
from tests.printers import sample

pytestmark = REQUIRES_CHROMIUM


@pytest.mark.parametrize("viewport", [(1366, 768), (390, 844)])
def test_status_retry_and_preview_in_the_browser(app, live_server, browser, make_user, viewport):
    base = live_server
    _, username = make_user("manager")
    online, broken = FakePrinter(), FakePrinter(mode="paper_out")
    online.start()
    broken.start()
    try:
        with app.app_context():
            good = services.create_printer(
                {
                    "name": "Siap",
                    "connection": "network",
                    "host": "127.0.0.1",
                    "port": online.port,
                    "width": 48,
                }
            )
            bad = services.create_printer(
                {
                    "name": "Habis",
                    "connection": "network",
                    "host": "127.0.0.1",
                    "port": broken.port,
                    "width": 32,
                }
            )
            db.session.commit()
            job_id = services.queue_document(sample.receipt(), bad.id).id
            db.session.commit()
            good_id, bad_id = good.id, bad.id
        Worker(app).run_once()  # fails: out of paper

        width, height = viewport
        context = browser.new_context(viewport={"width": width, "height": height})
        context.add_init_script(CSP_LISTENER)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base}/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEFAULT_PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{base}/printers/")
        good_cell = page.locator(f"tr[data-printer-id='{good_id}'] .printer-status")
        bad_cell = page.locator(f"tr[data-printer-id='{bad_id}'] .printer-status")
        good_cell.and_(page.locator("[data-status]")).wait_for()
        bad_cell.and_(page.locator("[data-status]")).wait_for()
        assert good_cell.get_attribute("data-status") == "online"
        assert good_cell.inner_text() == "siap"
        assert bad_cell.get_attribute("data-status") == "paper_out"
        assert bad_cell.inner_text() == "kertas habis"
        assert "out of paper" in page.locator("[data-testid=failed-jobs]").inner_text()
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0

        page.click(f"a[href='/printers/jobs/{job_id}']")
        preview = page.locator("[data-testid=preview]").inner_text()
        assert "TOTAL" in preview and "Rp 1.586.500" in preview

        broken.mode = "online"
        page.goto(f"{base}/printers/")
        page.click(f"[data-testid=retry-{job_id}]")
        page.wait_for_load_state()
        assert "akan dikirim lagi" in page.content()
        Worker(app).run_once()
        assert any("TOTAL" in line for line in broken.lines())
        assert page.evaluate("window.__csp") == [] and errors == []
        context.close()
    finally:
        online.stop()
        broken.stop()
