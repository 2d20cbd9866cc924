"""The demo branch's pages as their users read them (issue 13): on a phone (390x844)
no page and no table of a member, a supplier or the pages listed below scrolls
sideways, and no page shows an ISO date or month, a raw code where words belong, or a
number in English format. Found by walking every page of each role at 1366x768,
1280x800 and 390x844; the text does not change with the size, so this test reads each
page once, on the phone (its screenshots go to MART_SHOTS_DIR).

One seed of ``flask mart seed-demo`` (the module's ``seeded_branch``) serves all."""

import re
from datetime import date

import sqlalchemy as sa

from inventory import services as inventory
from mart.extensions import db
from mart.models import User
from printers import services as printing
from rollup.demo import seed_hub
from tests.browser import REQUIRES_CHROMIUM, serving, shots_dir

pytestmark = REQUIRES_CHROMIUM

ISO = re.compile(r"\b\d{4}-\d{2}(-\d{2})?\b")
OVERFLOW = r"""() => {
  const out = [];
  if (document.documentElement.scrollWidth > innerWidth + 1) out.push('page');
  for (const t of document.querySelectorAll('table, pre')) {
    if (!t.offsetParent) continue;
    const w = t.closest('.table-wrap') || t.parentElement;
    if (t.scrollWidth > w.clientWidth + 1) out.push(t.dataset.testid || t.className);
  }
  // an amount alone in a cell never breaks over two lines ("Rp" above "1.286.025.767")
  for (const c of document.querySelectorAll('td, th, .balance strong')) {
    if (!c.offsetParent || !/^\s*\(?Rp\s?-?[\d.]+\)?\s*$/.test(c.textContent)) continue;
    const r = document.createRange();
    r.selectNodeContents(c);
    const rects = [...r.getClientRects()].filter(x => x.width > 0);
    const tops = new Set(rects.map(x => Math.round(x.top)));
    if (tops.size > 1) out.push('wraps: ' + c.textContent.trim());
    const box = c.parentElement.getBoundingClientRect();
    if (rects.some(x => x.right > box.right + 1)) out.push('sticks out: ' + c.textContent.trim());
  }
  return out;
}"""

# user, page, words that must not be read there (raw codes, English figures)
PAGES = [
    ("anggota1", "/members/me", ()),
    ("umkm1", "/inventory/supplier_home", ()),
    ("umkm1", "/inventory/reports/consigned-stock", ()),
    ("umkm1", "/inventory/reports/sell-through", ("consignment", "purchase")),
    ("manajer", "/inventory/reports/sell-through", ("consignment", "purchase")),
    ("manajer", "/inventory/reports/near-expiry?days=3650", ()),
    ("manajer", "/inventory/reports/stock-on-hand", ()),
    ("manajer", "/inventory/receipts", ()),
    ("manajer", "/inventory/settlements", ()),
    ("manajer", "/inventory/products/import", ("member_price", "reorder_point", "supplier_id")),
    ("manajer", "/inventory/products/1", ()),
    ("manajer", "/inventory/receipts/1", ()),
    ("manajer", "/members/M000001", ()),
    ("manajer", "/rollup/", ("card", "cash", "qris", "pending")),
    ("manajer", "/members/", ()),
    ("manajer", "/members/shu", ()),
    ("manajer", "/members/arrears", ()),
    ("manajer", "/pos/sales?member_no=M000006", ()),
    ("manajer", "/pos/shifts", ()),
    ("manajer", "/pos/approvals", ()),
    ("manajer", "/pos/shifts/1", ()),
    ("manajer", "/printers/", ("file", "network", "usb")),
    ("manajer", "/books/", ()),
    ("manajer", "/inventory/products/1/prices", ()),
    ("manajer", "/books/reports/years", ()),
    ("asosiasi", "/association/books/", ()),
    # the books, the RAT pack and purchasing on a phone (3 Dec)
    ("manajer", "/books/journals", ()),
    ("manajer", "/books/check", ()),
    ("manajer", "/books/reports/trial-balance", ()),
    ("manajer", "/books/reports/balance-sheet", ()),
    ("manajer", "/books/reports/income-statement", ()),
    ("manajer", "/books/reports/cash-flow", ()),
    ("manajer", "/books/reports/ledger?account=1101", ()),
    ("manajer", f"/members/rat/{date.today().year - 1}", ()),
    ("manajer", "/inventory/purchase-orders", ()),
    ("manajer", "/inventory/suppliers", ()),
]


# The header on a phone: the app's name on one line, and the header (a manager's
# dozen links) within the top third of the screen. Beside the links, the name stood in
# a narrow column a word a line, and the header took half the screen (4 Dec).
HEADER = r"""() => {
  const header = document.querySelector('header.topbar');
  if (!header) return [];
  const out = [];
  if (header.getBoundingClientRect().height > innerHeight / 3) out.push('header tall');
  // "OK OCE Mart" on one line (its text's rectangles on one line); a long branch name
  // beside it may go on under it
  const r = document.createRange();
  r.selectNodeContents(header.querySelector('.brand'));
  const lines = [...r.getClientRects()].filter(x => x.width > 0);
  const tops = new Set(lines.map(x => Math.round(x.top)));
  if (tops.size !== 1) out.push('name over ' + tops.size + ' lines');
  return out;
}"""

# what must hold on a page besides (a script answering true)
MUST = {
    # sending is not set up: the status is a warning (amber), not "all is well" (green)
    "/rollup/": "document.querySelector('[data-testid=rollup-status]')"
    ".classList.contains('rollup-waiting')",
    # the years posted say how the SHU was paid in words, not the code
    "/members/shu": "!/· (sukarela|cash)$/m.test(document.querySelector('main').innerText)",
}


def _login(page, base, user):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", f"demo-{user}-123")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _settle(app):
    """A consignment settlement of the demo supplier (the demo has none): its id."""
    with app.app_context():
        supplier = db.session.scalar(sa.select(User.supplier_id).where(User.username == "umkm1"))
        settlement = inventory.create_settlement(supplier, date.today())
        db.session.commit()
        return settlement.id


def _test_page_job(app):
    """A test page queued on the demo's first printer (a receipt preview): its id."""
    with app.app_context():
        job = printing.queue_test_page(printing.list_printers()[0])
        db.session.commit()
        return job.id


def test_pages_read_on_a_phone(seeded_branch, browser):
    branch, _hub, _matrix = seeded_branch
    settled = _settle(branch)
    job = _test_page_job(branch)
    pages = [
        *PAGES,
        ("manajer", f"/inventory/settlements/{settled}", ()),
        ("manajer", f"/printers/jobs/{job}", ()),
    ]
    problems = []
    with serving(branch) as base:
        for user in dict.fromkeys(u for u, _p, _w in pages):
            context = browser.new_context(viewport={"width": 390, "height": 844})
            page = context.new_page()
            _login(page, base, user)
            for _u, url, words in (p for p in pages if p[0] == user):
                answer = page.goto(f"{base}{url}")
                name = re.sub(r"[^a-z0-9]+", "_", f"{user}{url}")
                page.screenshot(
                    path=str(shots_dir("pages") / f"{name}-390x844.png"), full_page=True
                )
                if answer.status != 200:
                    problems.append((url, answer.status))
                    continue
                text = page.inner_text("main")
                for printed in page.locator("main pre").all_inner_texts():
                    text = text.replace(printed, "")  # paper keeps the printer's format
                iso = sorted({m.group(0) for m in ISO.finditer(text)})
                if iso:
                    problems.append((url, "ISO", iso[:3]))
                raw = [w for w in words if re.search(rf"(?<![\w/-]){w}(?![\w/-])", text)]
                if raw:
                    problems.append((url, "raw", raw))
                if re.search(r"\d\.\d%|\(\d+\.\d\)", text):
                    problems.append((url, "decimal point"))
                if url in MUST and not page.evaluate(MUST[url]):
                    problems.append((url, "must", MUST[url]))
                wide = page.evaluate(OVERFLOW)
                if wide:
                    problems.append((url, "sideways", wide))
                header = page.evaluate(HEADER)
                if header:
                    problems.append((url, "header", header))
            context.close()
    assert not problems, problems


def test_hub_pages_read_in_indonesian(seeded_branch, browser):
    """The association's dashboard (trend table and chart) and the branches' books give
    days as ``3 Nov 2026`` and months as ``Nov 2026``, never ISO."""
    _branch, hub, _matrix = seeded_branch
    with hub.app_context():
        seed_hub(2, 40)
        db.session.commit()
    problems = []
    with serving(hub) as base:
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        _login(page, base, "asosiasi")
        for url in ("/association/?by=day", "/association/?by=month", "/association/books/"):
            answer = page.goto(f"{base}{url}")
            name = re.sub(r"[^a-z0-9]+", "_", url)
            page.screenshot(path=str(shots_dir("pages") / f"hub{name}-1366x768.png"))
            assert answer.status == 200, url
            text = page.inner_text("main") + " ".join(
                page.locator("svg text").evaluate_all("ts => ts.map(t => t.textContent)")
            )
            iso = sorted({m.group(0) for m in ISO.finditer(text)})
            if iso:
                problems.append((url, iso[:3]))
        # the trend as a table fits a 1280 screen (opened under the chart)
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{base}/association/?by=day")
        page.click("[data-testid=trend-table] >> xpath=ancestor::details/summary")
        wide = page.evaluate(OVERFLOW)
        if "trend-table" in wide:
            problems.append(("trend-table at 1280", wide))
        page.close()
    assert not problems, problems
