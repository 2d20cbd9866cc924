"""``mart.db.pg_array``: a list sent to PostgreSQL as one array literal that the
statement casts comes back exactly as the list does when psycopg dumps it itself, for
any text (quotes, backslashes, commas, braces, spaces, the word NULL, an empty string)
and any integer; what it cannot say exactly it refuses before anything is sent."""

import string
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mart.db import pg_array
from mart.extensions import db

TRICKY = [
    "",
    "NULL",
    "null",
    'a"b',
    "a\\b",
    "\\",
    '"',
    "a,b",
    "{a}",
    "}",
    " padded ",
    "tab\there",
    "line\nbreak",
    "8995265089391",
    "kopi 'tubruk'",
    "é ü 漢字",
]


def test_the_literal_text():
    assert pg_array([]) == "{}"
    assert pg_array([1, -2, 30000000000]) == "{1,-2,30000000000}"
    assert pg_array(["a", 'b"c', "d\\e", ""]) == '{"a","b\\"c","d\\\\e",""}'


@pytest.mark.parametrize(
    "values",
    [[True, 1], [1, "2"], ["a", 2], [Decimal("1.5")], [1.0], [None], [1, None], ["a", None]],
)
def test_what_it_cannot_say_exactly_is_refused(values):
    with pytest.raises(TypeError, match="all int or all str"):
        pg_array(values)


@pytest.fixture
def pg_conn(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only (array literals)")
        with db.engine.connect() as conn:
            yield conn


def _both(conn, values, pg_type):
    """The array as the server reads the literal, and as it reads psycopg's own list."""
    literal = conn.execute(
        sa.text(f"SELECT CAST(:a AS {pg_type}[])"), {"a": pg_array(values)}
    ).scalar_one()
    own = conn.execute(sa.text(f"SELECT CAST(:a AS {pg_type}[])"), {"a": values}).scalar_one()
    return literal, own


def test_text_comes_back_as_it_was(pg_conn):
    literal, own = _both(pg_conn, TRICKY, "TEXT")
    assert literal == own == TRICKY
    literal, own = _both(pg_conn, TRICKY, "VARCHAR")
    assert literal == TRICKY


def test_integers_come_back_as_they_were(pg_conn):
    values = [0, 1, -1, 2**31 - 1, -(2**31), 2**63 - 1, -(2**63)]
    literal, own = _both(pg_conn, values, "BIGINT")
    assert literal == own == values
    assert _both(pg_conn, [7, 3, 7], "INTEGER")[0] == [7, 3, 7]


def test_an_empty_list_is_an_empty_array(pg_conn):
    assert (
        pg_conn.execute(sa.text("SELECT CAST(:a AS INTEGER[])"), {"a": pg_array([])}).scalar_one()
        == []
    )


def test_an_integer_too_large_for_its_column_fails_on_the_server(pg_conn):
    with pytest.raises(sa.exc.DataError, match="out of range"):
        pg_conn.execute(sa.text("SELECT CAST(:a AS INTEGER[])"), {"a": pg_array([2**31])})


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.text(
            alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
            | st.sampled_from(list('"\\{},' + string.whitespace)),
            max_size=12,
        ),
        min_size=1,
        max_size=12,
    )
)
def test_any_text_round_trips(pg_conn, values):
    literal, own = _both(pg_conn, values, "TEXT")
    assert literal == own == values
