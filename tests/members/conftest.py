"""Fixtures for the members tests: members made through the services."""

import functools
from datetime import date

import pytest

from mart.clock import business_date
from mart.extensions import db
from tests import factories
from tests.books.agree import books_agree_after  # noqa: F401  (autouse)


@pytest.fixture
def make_member(app):
    """``make_member(name, pokok=True, wajib=0, sukarela=0, join_date=None, nik=...,
    phone=..., address=...)`` -> member_no (tests/factories.py ``make_member``: here
    the simpanan pokok is paid and no PIN set unless told otherwise)."""
    return functools.partial(factories.make_member, app, pokok=True, pin=None)


@pytest.fixture
def in_app(app):
    """Run a function inside a request context of the app and commit."""

    def run(fn, *args, **kwargs):
        with app.test_request_context():
            result = fn(*args, **kwargs)
            db.session.commit()
            return result

    return run


def this_year(app) -> int:
    with app.app_context():
        return business_date().year


def jan(year) -> date:
    return date(year, 1, 1)
