"""Fixtures for the members tests: members made through the services."""

import itertools
from datetime import date

import pytest

from mart.extensions import db
from tests.books.agree import books_agree_after  # noqa: F401  (autouse)

_NIK = itertools.count(3174010101900001)


def next_nik() -> str:
    return str(next(_NIK))


@pytest.fixture
def make_member(app):
    """``make_member(pokok=True, wajib=0, sukarela=0, join_date=None, **fields)`` -> member_no."""

    def factory(name="Anggota", *, pokok=True, wajib=0, sukarela=0, join_date=None, **fields):
        from members import services

        with app.test_request_context():
            member = services.register_member(
                name,
                fields.pop("nik", None) or next_nik(),
                fields.pop("phone", None),
                fields.pop("address", None),
                join_date=join_date,
                pay_pokok=pokok,
            )
            if wajib:
                services.deposit(member.member_no, "wajib", wajib)
            if sukarela:
                services.deposit(member.member_no, "sukarela", sukarela)
            db.session.commit()
            return member.member_no

    return factory


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
    from mart.clock import business_date

    with app.app_context():
        return business_date().year


def jan(year) -> date:
    return date(year, 1, 1)
