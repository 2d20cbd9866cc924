"""The books' pages in chromium: an expense typed the way a manager types it, the
manual journal form refusing an unbalanced entry, the reconciliation page; no console
or CSP errors. With BOOKS_SHOTS=DIR the pages are also saved as screenshots there."""

import os
from pathlib import Path

import pytest

from tests import factories
from tests.books.conftest import balances
from tests.browser import CSP_LISTENER, REQUIRES_CHROMIUM, login, watch_console

pytestmark = [*REQUIRES_CHROMIUM, pytest.mark.both_passes]  # its SQL differs by database

SIZES = ((1366, 768), (1280, 800), (390, 844))


def _shoot(page, name):
    folder = os.environ.get("BOOKS_SHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=f"{folder}/{name}-{width}x{height}.png", full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})


def test_expense_journal_and_check_pages(app, make_user, browser, live_server):
    counter = factories.make_counter(app)
    supplier = counter.manager.post("/suppliers", json={"name": "Grosir", "terms": "purchase"}).json
    product, _ = factories.make_product(app, price=11_100)
    counter.manager.post(
        "/goods-receipts",
        json={
            "supplier_id": supplier["id"],
            "lines": [{"product_id": product, "quantity": 24, "unit_cost": 7_500}],
        },
    )
    counter.sale([{"product_id": product, "quantity": 3}], [{"method": "cash", "amount": 50_000}])
    _id, username = make_user("manager")
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.add_init_script(CSP_LISTENER)
    errors = watch_console(page)
    login(page, live_server, username)

    page.goto(f"{live_server}/books/expenses")
    page.select_option("select[name=kind]", "electricity")
    page.fill("input[name=amount]", "Rp 450.000")
    page.select_option("select[name=paid_from]", "bank")
    page.fill("input[name=memo]", "Listrik Oktober")
    _shoot(page, "expense-form")
    page.click("form.expense-form button[type=submit]")
    page.wait_for_load_state()
    assert "Beban tersimpan" in page.content()
    assert "Listrik Oktober" in page.inner_text("table")
    assert balances(app)["beban_listrik"] == 450_000

    page.goto(f"{live_server}/books/journals/new")
    page.select_option("select[name=account_0]", "6199")
    page.fill("input[name=debit_0]", "10.000")
    page.select_option("select[name=account_1]", "1101")
    page.fill("input[name=credit_1]", "9.000")
    page.fill("input[name=memo]", "Salah ketik")
    page.click("form.journal-form button[type=submit]")
    page.wait_for_load_state()
    assert "berselisih" in page.content()
    _shoot(page, "journal-form-error")

    page.goto(f"{live_server}/books/journals")
    assert "Penjualan" in page.inner_text("table")
    _shoot(page, "journals")
    page.goto(f"{live_server}/books/")
    assert "Persediaan Barang Dagangan" in page.inner_text("table")
    _shoot(page, "chart")
    page.goto(f"{live_server}/books/check")
    assert page.locator("[data-testid=check-ok]").count() == 1
    _shoot(page, "check")
    # the refused entry answered 422, which chromium logs; nothing else
    assert [e for e in errors if "422" not in e] == []
    assert page.evaluate("window.__csp") == []
