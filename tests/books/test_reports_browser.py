"""The books' report pages in a real browser (Debian's chromium through playwright) at
1366x768, 1280x800 and 390x844: they render without console or CSP errors, fit the
phone, print on A4 (the print stylesheet hides the navigation), the year is closed
through its confirmation, and the member reads how their SHU came from the books.

Screenshots go to ``$MART_SHOTS_DIR`` when set (else the test's temporary folder)."""

import os
import re
from datetime import date
from pathlib import Path

import pytest

from books import post
from books.models import FiscalYear
from books.services import local_today
from mart.extensions import db
from mart.models import User
from members import services as members
from tests.books.test_reports import small_year
from tests.browser import REQUIRES_CHROMIUM, login, watch_console
from tests.factories import next_nik

# Journals kept by hand (see test_reports.small_year): books and ledgers apart on purpose.
pytestmark = [*REQUIRES_CHROMIUM, pytest.mark.books_unchecked]

SIZES = [(1366, 768), (1280, 800), (390, 844)]


def shots_dir(tmp_path) -> Path:
    folder = Path(os.environ.get("MART_SHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _context(browser, width, height):
    phone = width < 500
    return browser.new_context(
        viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone
    )


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_report_pages_render_print_and_fit(app, live_server, browser, make_user, tmp_path, size):
    with app.app_context():
        year = local_today().year - 1
    small_year(app, year)
    make_user("manager", username="manajer-books")
    width, height = size
    folder = shots_dir(tmp_path)
    context = _context(browser, width, height)
    page = context.new_page()
    errors = watch_console(page)
    login(page, live_server, "manajer-books")
    end = f"{year}-12-31"
    pages = [
        ("index", "/books/reports/", None),
        ("trial-balance", f"/books/reports/trial-balance?as_of={end}", "[data-testid=tb-debit]"),
        ("balance-sheet", f"/books/reports/balance-sheet?as_of={end}",
         "[data-testid=assets-total]"),
        ("phu", f"/books/reports/income-statement?from={year}-01-01&to={end}",
         "[data-testid=phu-surplus]"),
        ("cash-flow", f"/books/reports/cash-flow?from={year}-01-01&to={end}",
         "[data-testid=closing-cash]"),
        ("ledger", f"/books/reports/ledger?account=1101&from={year}-01-01&to={end}",
         "[data-testid=ledger-closing]"),
        ("rat", f"/members/rat/{year}", "[data-testid=rat-assets-now]"),
        ("years", "/books/reports/years", None),
    ]  # fmt: skip
    expected = {
        "trial-balance": "Rp 19.071.050",
        "balance-sheet": "Rp 13.571.050",
        "phu": "Rp 720.050",
        "cash-flow": "Rp 12.771.050",
        "ledger": "Rp 5.771.050",
        "rat": "Rp 13.571.050",
    }
    for name, path, figure in pages:
        response = page.goto(f"{live_server}{path}")
        assert response.status == 200, (name, response.status)
        if figure:
            assert page.inner_text(figure).strip() == expected[name], name
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (name, overflow)
        page.screenshot(path=str(folder / f"{name}-{width}x{height}.png"), full_page=True)
    # Printed: A4, without the navigation or the filter forms.
    page.goto(f"{live_server}/books/reports/balance-sheet?as_of={end}")
    page.emulate_media(media="print")
    assert not page.is_visible("header.topbar") and not page.is_visible(".books-tabs")
    assert page.is_visible("[data-testid=assets-total]")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    (folder / f"balance-sheet-{width}x{height}.pdf").write_bytes(pdf)
    assert errors == []
    context.close()


def test_closing_a_year_asks_for_the_year_and_shows_the_figures(
    app, live_server, browser, make_user, tmp_path
):
    with app.app_context():
        year = local_today().year - 1
    small_year(app, year)
    make_user("manager", username="manajer-close")
    context = _context(browser, 1366, 768)
    page = context.new_page()
    errors = watch_console(page)
    login(page, live_server, "manajer-close")
    page.goto(f"{live_server}/books/reports/years")
    page.click(f"[data-testid=close-{year}]")
    page.wait_for_url(re.compile(rf"/years/{year}/close$"))
    assert "Rp 720.050" in page.inner_text("[data-testid=close-figures]")
    page.screenshot(path=str(shots_dir(tmp_path) / "close-1366x768.png"), full_page=True)
    page.fill("[data-testid=confirm-year]", str(year + 1))  # the wrong year: nothing closes
    page.click("[data-testid=close-submit]")
    page.wait_for_load_state()
    assert page.is_visible("[data-testid=close-form]")
    page.fill("[data-testid=confirm-year]", str(year))
    page.click("[data-testid=close-submit]")
    page.wait_for_url(re.compile(r"/books/reports/years$"))
    assert "Rp 720.050" in page.inner_text(".flash-success")
    assert page.locator(f"[data-testid=close-{year}]").count() == 0
    assert errors == []
    context.close()
    with app.app_context():
        assert db.session.get(FiscalYear, year).closed_at is not None


def test_member_sees_how_their_shu_came_from_the_books(
    app, live_server, browser, make_user, tmp_path
):
    with app.test_request_context():
        year = local_today().year
        mine = members.register_member("Sri Buku", next_nik(), None, None, pay_pokok=True)
        members.deposit(mine.member_no, "wajib", 100_000)
        other = members.register_member("Budi", next_nik(), None, None, pay_pokok=True)
        members.record_purchase(
            mine.member_no, 30_000, on=date(year, 1, 5), ref_type="t", ref_id="1"
        )
        members.record_purchase(
            other.member_no, 70_000, on=date(year, 1, 5), ref_type="t", ref_id="2"
        )
        post(date(year, 1, 3), "jasa", [("bank", 2_000_000, 0), ("pendapatan_lain", 0, 2_000_000)],
             source_type=None, source_id=None, kind="manual")  # fmt: skip
        db.session.commit()
        allocation = {"cadangan": 40, "jasa_modal": 20, "jasa_usaha": 20, "dana_sosial": 20}
        admin_id, _name = make_user("admin", username="admin-shu")
        admin = db.session.get(User, admin_id)
        # the running year: posted early by an admin's explicit override
        _row, result = members.shu_post(year, None, allocation, user=admin, override=True)
        db.session.commit()
        share = next(m for m in result.members if m["member_no"] == mine.member_no)
        member_no = mine.member_no
    make_user("member", username="anggota-buku", member_no=member_no)
    folder = shots_dir(tmp_path)
    for width, height in SIZES:
        context = _context(browser, width, height)
        page = context.new_page()
        errors = watch_console(page)
        login(page, live_server, "anggota-buku")
        page.wait_for_url(re.compile(r"/members/me$"))
        how = page.inner_text(f"[data-testid=shu-how-{year}]")
        assert "Rp 2.000.000" in how  # the SHU of the year from the books
        assert "Rp 400.000" in how  # jasa modal 20%, jasa usaha 20%
        jma = f"Rp {share['jasa_modal']:,}".replace(",", ".")
        jua = f"Rp {share['jasa_usaha']:,}".replace(",", ".")
        assert jma in how and jua in how and "Rp 30.000" in how
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1
        page.screenshot(path=str(folder / f"member-shu-{width}x{height}.png"), full_page=True)
        assert errors == []
        context.close()
