"""How quantities and dates read on every page (mart.locale): Indonesian by default."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask import session
from flask_babel import get_locale
from hypothesis import given
from hypothesis import strategies as st

from mart.locale import (
    format_date,
    format_datetime,
    format_month,
    format_quantity,
    select_locale,
)


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (Decimal("10.000"), "pcs", "10"),  # the trailing zeros of a whole number stay
        (Decimal("20"), None, "20"),
        (Decimal("100"), "pcs", "100"),
        (Decimal("1500"), "pcs", "1.500"),
        (Decimal("1.250"), "kg", "1,25 kg"),
        (Decimal("0.005"), "kg", "0,005 kg"),
        (Decimal("10.000"), "kg", "10 kg"),
        (Decimal("-2.5"), "kg", "-2,5 kg"),
        ("6.25", "pcs", "6,25"),
        (None, "kg", ""),
    ],
)
def test_quantities(value, unit, text):
    assert format_quantity(value, unit) == text


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=3))
def test_quantity_reads_back(value):
    """Read back the Indonesian way (dots drop, comma is the decimal point): the same value."""
    text = format_quantity(value, "kg").removesuffix(" kg")
    assert Decimal(text.replace(".", "").replace(",", ".")) == value


def test_dates(app):
    with app.test_request_context():
        assert format_date(date(2025, 10, 8)) == "8 Okt 2025"
        assert format_date("2025-12-31") == "31 Des 2025"
        # 17:30 UTC is 00:30 the next day in Jakarta
        at = datetime(2025, 8, 16, 17, 30, tzinfo=UTC)
        assert format_date(at) == "17 Agu 2025"
        assert format_datetime(at) == "17 Agu 2025 00:30"
        assert format_date(None) == ""
    with app.test_request_context("/?lang=en"):
        assert format_date(date(2025, 5, 1)) == "1 May 2025"


def test_months(app):
    """``|month_id``: a month in words from a date or ``YYYY-MM`` (member pages)."""
    with app.test_request_context():
        assert format_month(date(2025, 10, 8)) == "Okt 2025"
        assert format_month("2026-12") == "Des 2026"
        assert format_month(None) == ""
        assert format_month("kemarin") == "kemarin"  # not a month: as it is
        assert app.jinja_env.filters["month_id"]("2025-08") == "Agu 2025"
    with app.test_request_context("/?lang=en"):
        assert format_month(date(2025, 5, 1)) == "May 2025"


def test_the_requests_language_and_its_locale_made_once(app):
    """``select_locale``: ``?lang=`` (kept in the session), else the default, as a
    ``babel.Locale`` made once per language (Flask-Babel took a text and parsed it
    again for every request); what Flask-Babel then answers is that language."""
    with app.test_request_context("/?lang=en"):
        first = select_locale()
        assert str(first) == "en" and str(get_locale()) == "en"
        assert session["lang"] == "en"
    with app.test_request_context("/?lang=en"):
        assert select_locale() is first
    with app.test_request_context("/"):
        default = select_locale()
        assert str(default) == app.config["BABEL_DEFAULT_LOCALE"] == "id"
        assert str(get_locale()) == "id"
    with app.test_request_context("/?lang=xx"):  # not offered: the default
        assert select_locale() is default
