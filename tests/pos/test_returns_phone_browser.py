"""On a phone (390 px) the manager's sale and shift pages list each return without
sideways scrolling: the returns table stacks, one block per return, each figure under
its column's words (issue 13 item 8)."""

import pytest

from tests.browser import REQUIRES_CHROMIUM, login, shots_dir

pytestmark = REQUIRES_CHROMIUM

OVERFLOW = """sel => { const t = document.querySelector(sel);
  const w = t.closest('.table-wrap') || t.parentElement;
  return [t.scrollWidth - w.clientWidth, document.documentElement.scrollWidth - innerWidth]; }"""


@pytest.fixture
def returned(counter, make_product):
    """A sale of two lines at a million rupiah, one line returned by card."""
    a, _ = make_product(price=1_250_000, name="Kulkas Dua Pintu Hemat Energi")
    sale = counter.sale(
        [{"product_id": a, "quantity": 2}], [{"method": "card", "amount": 2_500_000}]
    ).json
    back = counter.cashier.post(
        f"/sales/{sale['id']}/returns",
        json={
            "lines": [{"product_id": a, "quantity": 1}],
            "refund_method": "card",
            "approval_pin": "4321",
        },
    )
    assert back.status_code == 201, back.json
    return sale, back.json


@pytest.mark.parametrize(("kind", "table"), [("sale", "sale-returns"), ("shift", "shift-returns")])
def test_returns_table_reads_on_a_phone(
    live_server, browser, make_user, counter, returned, kind, table
):
    sale, back = returned
    _, username = make_user("manager")
    url = f"/pos/sales/{sale['id']}" if kind == "sale" else f"/pos/shifts/{counter.shift['id']}"
    selector = f"[data-testid={table}]"
    for width, height in ((1366, 768), (1280, 800), (390, 844)):
        page = browser.new_page(viewport={"width": width, "height": height})
        login(page, live_server, username)
        page.goto(f"{live_server}{url}")
        page.screenshot(
            path=str(shots_dir("pos") / f"{kind}-returns-{width}x{height}.png"), full_page=True
        )
        table_over, page_over = page.evaluate(OVERFLOW, selector)
        assert table_over <= 1 and page_over <= 1, (width, table_over, page_over)
        rows = page.locator(f"{selector} tbody tr")
        assert rows.count() == 1
        cells = rows.first.locator("td")
        texts = [cells.nth(i).inner_text() for i in range(cells.count())]
        if width == 390:
            # each figure is named beside it (the headers are hidden on a phone)
            named = cells.evaluate_all(
                "tds => tds.map(td => getComputedStyle(td, '::before').content + ' '"
                " + td.innerText)"
            )
            assert any('"Jumlah"' in t and "Rp 1.250.000" in t for t in named), named
            assert any('"Retur"' in t and back["number"] in t for t in named), named
            for i in range(cells.count()):
                box = cells.nth(i).bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= width, (texts[i], box)
        else:
            assert page.locator(f"{selector} thead").is_visible()
        page.close()
