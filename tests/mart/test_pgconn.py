"""The app's engines leave out work SQLAlchemy and psycopg did at every statement:

- PostgreSQL: ``mart.pgconn.LeanCursor`` builds ``cursor.description`` only when it
  is read, and describes then what psycopg's own cursor describes, from the result it
  was made for;
- PostgreSQL: ``mart.pgconn.LeanConnection`` rolls back a healthy transaction keeping
  the statements psycopg prepared (psycopg's own rollback deallocates them all), and a
  failed one as psycopg does;
- no connection event is listened for on a PostgreSQL engine (SQLite's ``BEGIN
  IMMEDIATE`` is listened for on SQLite engines only), so SQLAlchemy does not look for
  listeners at every statement.
"""

import psycopg
import pytest
import sqlalchemy as sa

from mart.extensions import db
from mart.pgconn import LazyDescription, LeanConnection, LeanCursor


def _fields(description):
    """Everything a DB-API description says of each column (its seven items) and the
    type psycopg shows."""
    if description is None:
        return None
    return [(*column, column.type_display) for column in description]


@pytest.fixture
def pg_url(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only (the cursor is psycopg's)")
        return db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


STATEMENTS = [
    "SELECT 1 AS one, 'a'::varchar(12) AS name, 12.50::numeric(10, 2) AS price,"
    " TIMESTAMPTZ '2025-10-08 10:00+07' AS at, ARRAY[1, 2] AS ids, NULL AS nothing,"
    " '{}'::jsonb AS doc, true AS yes",
    "SELECT id, username, roles FROM users WHERE false",  # no rows, still described
    "SELECT",  # rows of no columns: an empty description, not None
    "CREATE TEMPORARY TABLE lean_t (id int)",
    "INSERT INTO lean_t VALUES (1), (2)",
    "INSERT INTO lean_t VALUES (3) RETURNING id, id * 2 AS twice",
    "UPDATE lean_t SET id = id + 1",
]


def test_the_description_is_psycopgs_own(pg_url):
    with (
        psycopg.connect(pg_url) as plain,
        psycopg.connect(pg_url, cursor_factory=LeanCursor) as lean,
    ):
        for sql in STATEMENTS:
            expected, got = plain.cursor(), lean.cursor()
            expected.execute(sql)
            got.execute(sql)
            assert isinstance(got, LeanCursor)
            assert (got.description is None) == (expected.description is None), sql
            assert _fields(got.description) == _fields(expected.description), sql
            if expected.description is not None:
                assert len(got.description) == len(expected.description)
                assert [c.name for c in got.description[1:]] == [
                    c.name for c in expected.description[1:]
                ]
                assert got.fetchall() == expected.fetchall()


def test_a_description_read_late_describes_its_own_result(pg_url):
    with psycopg.connect(pg_url, cursor_factory=LeanCursor) as lean:
        cursor = lean.cursor()
        cursor.execute("SELECT 1 AS first_one, 'x'::text AS first_text")
        description = cursor.description
        assert isinstance(description, LazyDescription)
        cursor.execute("SELECT 2 AS second")  # the cursor has moved on
        assert [c.name for c in description] == ["first_one", "first_text"]
        assert [c.type_code for c in description] == [23, 25]  # int4, text
        assert [c.name for c in cursor.description] == ["second"]


def _prepared(conn) -> int:
    return conn.execute("SELECT count(*) FROM pg_prepared_statements").fetchone()[0]


def _prepare_some(conn):
    """Statements run past psycopg's threshold, so it prepares them on the server."""
    for n in range(8):
        conn.execute("SELECT %s::int + 1", (n,)).fetchone()
        conn.execute("SELECT id FROM users WHERE id = %s", (n,)).fetchall()


def test_a_healthy_rollback_keeps_the_prepared_statements(pg_url):
    with (
        psycopg.connect(pg_url) as plain,
        LeanConnection.connect(pg_url, cursor_factory=LeanCursor) as lean,
    ):
        for conn in (plain, lean):
            _prepare_some(conn)
            assert _prepared(conn) == 2
            conn.rollback()
        assert _prepared(plain) == 0  # psycopg's own: DEALLOCATE ALL
        assert _prepared(lean) == 2  # kept, and used as they are:
        before = lean.execute("SELECT pg_backend_pid()").fetchone()
        for n in range(3):
            assert lean.execute("SELECT %s::int + 1", (n,)).fetchone() == (n + 1,)
        assert _prepared(lean) == 2 and lean.execute("SELECT pg_backend_pid()").fetchone() == before
        lean.execute("CREATE TEMPORARY TABLE lean_r (id int)")
        lean.execute("INSERT INTO lean_r VALUES (1)")
        lean.rollback()  # a real rollback: nothing written stays
        assert lean.execute("SELECT to_regclass('pg_temp.lean_r')").fetchone() == (None,)


def test_a_failed_transaction_is_rolled_back_as_psycopg_does(pg_url):
    with LeanConnection.connect(pg_url, cursor_factory=LeanCursor) as lean:
        _prepare_some(lean)
        with pytest.raises(psycopg.errors.DivisionByZero):
            lean.execute("SELECT 1 / 0")
        lean.rollback()  # INERROR: psycopg's rollback, which forgets them all
        assert _prepared(lean) == 0
        _prepare_some(lean)  # prepared again, and they work
        assert _prepared(lean) == 2
        assert lean.execute("SELECT %s::int + 1", (41,)).fetchone() == (42,)


def test_the_apps_postgresql_engine_uses_it_and_listens_for_no_statement(app_factory, pg_url):
    # an engine of its own (other options): the tests' shared engine has had listeners
    app = app_factory(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1})
    with app.app_context():
        try:
            conn = db.session.connection()
            dbapi = conn.connection.dbapi_connection
            assert isinstance(dbapi, LeanConnection)
            assert isinstance(dbapi.cursor(), LeanCursor)
            assert db.engine._has_events is False and conn._has_events is False
            row = conn.execute(sa.text("SELECT 7 AS seven, 'tujuh' AS word")).one()
            assert (row.seven, row.word) == (7, "tujuh")
            # a request that ends without a commit (a display's poll) keeps them
            for n in range(8):
                conn.execute(sa.text("SELECT :n + 1"), {"n": n}).one()
            db.session.rollback()
            conn = db.session.connection()
            assert conn.connection.dbapi_connection is dbapi
            prepared = conn.execute(sa.text("SELECT count(*) FROM pg_prepared_statements"))
            assert prepared.scalar_one() >= 1
        finally:
            db.session.remove()
            db.engine.dispose()


def test_sqlite_still_begins_writes_immediately(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite only")
        seen = []

        def note(conn, cursor, statement, parameters, context, executemany):
            seen.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", note)
        try:
            db.session.execute(sa.text("SELECT 1"))  # outside a request: a writer's BEGIN
            db.session.rollback()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", note)
        assert seen[:2] == ["BEGIN IMMEDIATE", "SELECT 1"]


def test_a_statement_prepared_after_an_alter_that_is_rolled_back_fails_once(pg_url):
    """The case the module's docstring leaves to psycopg: it fails once, and that
    failure's rollback (psycopg's own) forgets it; the app alters tables only in
    migrations."""
    with LeanConnection.connect(pg_url, cursor_factory=LeanCursor) as lean:
        lean.execute("CREATE TEMPORARY TABLE lean_alter (a int) ON COMMIT PRESERVE ROWS")
        lean.commit()
        lean.execute("ALTER TABLE lean_alter ADD COLUMN b int")
        for _ in range(7):
            lean.execute("SELECT * FROM lean_alter").fetchall()
        lean.rollback()
        with pytest.raises(psycopg.errors.FeatureNotSupported):
            lean.execute("SELECT * FROM lean_alter")
        lean.rollback()
        assert [c.name for c in lean.execute("SELECT * FROM lean_alter").description] == ["a"]
