"""The XLSX downloads read back with openpyxl give dates as Indonesians read them: a
title says "31 Des 2025", never "2025-12-31", and a date standing in a cell is a real
date (a spreadsheet sorts it) with the Indonesian number format ``[$-421]d mmm yyyy``
(issue 13, 3 Dec)."""

import io
import re
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from books.xlsx import DATE_ID, Book
from tests.books.test_reports import small_year
from tests.books.test_shu_from_books import this_year

ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _cells(response):
    assert response.status_code == 200, response.data[:300]
    book = load_workbook(io.BytesIO(response.data))
    return [cell for ws in book.worksheets for row in ws.iter_rows() for cell in row]


def _check(cells, *words):
    """No ISO text anywhere; every date cell is a date in the Indonesian format; the
    ``words`` (e.g. "31 Des 2025") stand in some text."""
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not [t for t in texts if ISO.search(t)], [t for t in texts if ISO.search(t)]
    dated = [c for c in cells if isinstance(c.value, datetime | date)]
    assert all(c.number_format == DATE_ID for c in dated), {c.number_format for c in dated}
    for word in words:
        assert any(word in t for t in texts), (word, texts[:5])
    return dated


@pytest.mark.books_unchecked  # journals kept by hand (small_year)
def test_reports_give_dates_in_words_and_as_dates(app, login_as):
    year = this_year(app) - 1
    small_year(app, year)
    page = login_as("manager")
    end = f"{year}-12-31"
    end_words = f"31 Des {year}"
    period = f"from={year}-01-01&to={end}"

    dated = _check(_cells(page.get(f"/books/reports/trial-balance.xlsx?as_of={end}")), end_words)
    assert [c.value.date() for c in dated] == [date(year, 12, 31)]
    _check(_cells(page.get(f"/books/reports/balance-sheet.xlsx?as_of={end}")), end_words)
    _check(
        _cells(page.get(f"/books/reports/income-statement.xlsx?{period}")),
        f"1 Jan {year} - {end_words}",
    )
    dated = _check(_cells(page.get(f"/books/reports/cash-flow.xlsx?{period}")), end_words)
    assert [c.value.date() for c in dated] == [date(year, 1, 1), date(year, 12, 31)]
    dated = _check(_cells(page.get(f"/books/reports/ledger.xlsx?account=1101&{period}")))
    lines = [c for c in dated if c.column == 1]
    assert lines and all(c.value.year == year for c in lines)  # each line's day, a date
    _check(_cells(page.get(f"/members/rat/{year}.xlsx")), end_words)


def test_a_datetime_cell_is_local_and_naive(app):
    """openpyxl refuses a datetime with a time zone: the sheet keeps the branch's local
    time (Asia/Jakarta in the tests, UTC+7) with the date-and-time format."""
    with app.app_context():
        book = Book()
        sheet = book.sheet("x")
        sheet.line("At", datetime(2025, 10, 8, 7, 5, tzinfo=UTC))
        ws = load_workbook(io.BytesIO(book.to_bytes([sheet]))).active
    cell = ws["B1"]
    assert cell.value == datetime(2025, 10, 8, 14, 5)
    assert cell.number_format == "[$-421]d mmm yyyy hh:mm"
