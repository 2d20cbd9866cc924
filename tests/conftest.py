"""Fixtures: ``app``, ``client``, ``runner``, users and logged-in clients per role.

The database is real: a SQLite file, or PostgreSQL when MART_TEST_DATABASE_URL is set
(``make test`` does both). The schema is built once per run through the Alembic
migrations, and every test starts from empty tables.
"""

import functools
import gc
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from config import TestConfig
from mart import create_app, stop_workers
from mart.cli import upgrade_database
from mart.extensions import db
from tests import factories, routing_cache, shared_engine
from tests.browser import launch, serving
from tests.factories import DEFAULT_PASSWORD, ApiClient  # noqa: F401  (imported from here)
from tests.fakeprinter import FakePrinter

routing_cache.install()  # an app per test: werkzeug's URL builders compiled once per run


def pytest_collection_modifyitems(config, items):
    """The PostgreSQL pass of ``make test`` skips what runs once, in the SQLite pass:
    tests marked ``single_pass`` (they build their own databases, or test what no
    database changes, like the pages' CSP), and the browser tests, unless also marked
    ``both_passes``. A browser test's subject is the page: its layout, focus, words and
    scripts, the same whatever database stands behind the server; what the page asks
    of the database is tested through the API and the services in both passes. The
    browser tests of the reports whose SQL differs by database (the hub's dashboard,
    the books) are marked ``both_passes``. (Browser tests were a third of each pass's
    time, and the two passes run side by side on two cores.) Nor does it run a test
    that asks for no database (``database_url`` is not among its fixtures, directly or
    through ``app`` and the rest): the receipt layouts, the ESC/POS bytes, the money
    rules and their property tests give the same answer whatever database the run has.
    (No test reaches the test database but through that fixture.)"""
    if not os.environ.get("MART_TEST_DATABASE_URL"):
        return
    once = pytest.mark.skip(reason="single_pass: ran in the SQLite pass")
    page = pytest.mark.skip(reason="browser test: ran in the SQLite pass")
    no_database = pytest.mark.skip(reason="uses no database: ran in the SQLite pass")
    for item in items:
        if item.get_closest_marker("single_pass"):
            item.add_marker(once)
        elif "database_url" not in getattr(item, "fixturenames", ()):
            item.add_marker(no_database)
        elif item.get_closest_marker("browser") and not item.get_closest_marker("both_passes"):
            item.add_marker(page)


# The collector, every FREEZE_EVERY tests: collect, then freeze what survives.
FREEZE_EVERY = 50
_tests_done = [0]
gc.set_threshold(700, 10, 100)  # a full collection looked for every 100 middle ones, not 10


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item, nextitem):
    """A test process holds some 300,000 long-lived objects (the modules, the compiled
    statements and URL builders) and each test makes an app's worth of garbage, so
    Python's full collections came every few tests and each walked all of them: 23 s
    of 108 in tests/pos and tests/members on SQLite (measured with gc.callbacks). Every
    FREEZE_EVERY tests, once this test's fixtures are torn down, a full collection frees
    the garbage and ``gc.freeze()`` moves the survivors out of the collector's sight, as
    deploy/gunicorn.conf.py does for a serving process; the automatic collections then
    walk only what the tests made since. (Cyclic garbage among frozen objects is never
    freed: a module-scoped fixture's app, a few megabytes a module.)"""
    _tests_done[0] += 1
    if _tests_done[0] % FREEZE_EVERY == 1:
        gc.collect()
        gc.freeze()


def pytest_report_header(config):
    return f"database: {os.environ.get('MART_TEST_DATABASE_URL') or 'SQLite (temporary file)'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("MART_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def is_postgres(database_url):
    return database_url.startswith("postgres")


@pytest.fixture(scope="session")
def instance_path(tmp_path_factory):
    return str(tmp_path_factory.mktemp("instance"))


def make_config(database_url, instance_path, **overrides):
    return {
        **{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()},
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MART_INSTANCE_PATH": instance_path,
        **overrides,
    }


@pytest.fixture(scope="session")
def _schema(database_url, instance_path):
    """Build the schema once through the migrations (this also tests the chain)."""
    # The app reads compiled catalogues; compile them so a bare `pytest` works too.
    subprocess.run([sys.executable, str(ROOT / "tools" / "i18n.py"), "compile"], check=True)
    shared_engine.install(database_url)  # the apps of the tests share one engine
    app = create_app(make_config(database_url, instance_path))
    with app.app_context():
        upgrade_database()
        db.engine.dispose()
    return True


def dispose_when_idle(app, wait=10.0):
    """Close the app's pooled connections once no thread holds one. A live server's
    request thread may still be finishing after the server stopped; disposing under it
    would leave its connection in a forgotten pool, closed only by the garbage collector
    (psycopg then warns, at some later test). The shared PostgreSQL engine keeps its
    connections for the next test (``_release``)."""
    with app.app_context():
        db.session.remove()
        pool = db.engine.pool
        deadline = time.monotonic() + wait
        while getattr(pool, "checkedout", lambda: 0)() and time.monotonic() < deadline:
            time.sleep(0.01)
        _release(db.engine)


def _release(engine):
    """Dispose of ``engine``'s pool, but for the engine the tests share on PostgreSQL:
    its idle connections are kept for the next test. A new PostgreSQL connection costs
    its server a process and its catalogue caches: a third of the server's CPU in
    tests/pos (14,8 s against 10,2 s kept, 186 tests). What a test leaves on a
    connection ends with it: the pool rolls back at check-in, and the app sets no
    session state (mart.db's listeners only time the pings)."""
    if engine.dialect.name == "postgresql" and shared_engine.is_shared(engine):
        return
    engine.dispose()


# Sequences owned by a column (serial or identity) of one of our tables, by table name.
OWNED_SEQUENCES = """
SELECT seq.oid::regclass::text
FROM pg_class seq
JOIN pg_depend dep ON dep.classid = 'pg_class'::regclass AND dep.objid = seq.oid
    AND dep.refclassid = 'pg_class'::regclass AND dep.deptype IN ('a', 'i')
JOIN pg_class tab ON tab.oid = dep.refobjid
WHERE seq.relkind = 'S' AND tab.relname = ANY(%(tables)s)
ORDER BY 1
"""
_sequences: dict[str, list[str]] = {}


def _empty_postgres(conn, tables):
    """Empty every table and restart its ids at 1, as ``TRUNCATE ... RESTART IDENTITY``
    would. DELETE, children first, in one round trip: the tables hold a test's few rows,
    and TRUNCATE of some sixty tables costs PostgreSQL a new file for each (over a second
    a test on a busy machine, against a tenth for DELETE)."""
    url = str(conn.engine.url)
    if url not in _sequences:
        names = [t.name for t in tables]
        _sequences[url] = conn.exec_driver_sql(OWNED_SEQUENCES, {"tables": names}).scalars().all()
    sql = ";\n".join(f'DELETE FROM "{t.name}"' for t in reversed(tables))
    if _sequences[url]:
        restart = ", ".join(f"setval('{seq}', 1, false)" for seq in _sequences[url])
        sql += f";\nSELECT {restart}"
    conn.exec_driver_sql(sql)


def truncate_all(app):
    with app.app_context():
        tables = [t for t in db.metadata.sorted_tables]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                _empty_postgres(conn, tables)
            else:
                for table in reversed(tables):
                    conn.execute(table.delete())
                has_seq = conn.exec_driver_sql(
                    "SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'"
                ).first()
                if has_seq:
                    conn.exec_driver_sql("DELETE FROM sqlite_sequence")
        db.session.remove()
        _release(db.engine)


@pytest.fixture
def app_factory(_schema, database_url, instance_path):
    """Make an app on the test database; ``app_factory(MART_PKP=True)`` overrides config."""
    made, on_test_database = [], []

    def factory(**overrides):
        app = create_app(make_config(database_url, instance_path, **overrides))
        made.append(app)
        if "SQLALCHEMY_DATABASE_URI" not in overrides:
            on_test_database.append(app)
        return app

    yield factory
    # Every app's threads stopped before any pool is disposed: the apps share one engine
    # (tests/shared_engine.py), and the print worker keeps its connection between passes.
    for made_app in made:
        stop_workers(made_app)  # MART_START_WORKERS=True starts threads on the test database
    for made_app in made:
        dispose_when_idle(made_app)
    if made:
        # Empty the tables through an app already made on the test database (making
        # one costs a tenth of a second, and this runs after most tests). Not found by
        # its URL: the app rewrites a PostgreSQL one for psycopg, so the PostgreSQL pass
        # made a second app after every test.
        truncate_all(
            on_test_database[0]
            if on_test_database
            else create_app(make_config(database_url, instance_path))
        )


@pytest.fixture
def app(app_factory):
    return app_factory()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """``make_user("cashier", username=None, password=..., **links)`` returns
    ``(id, username)`` (tests/factories.py ``make_user`` on the test's app)."""
    return functools.partial(factories.make_user, app)


@pytest.fixture
def api_as(app):
    """``api_as("manager")`` gives an ``ApiClient`` holding a fresh token of that role."""
    return functools.partial(factories.api_user, app)


@pytest.fixture
def anon_api(app):
    return ApiClient(app)


@pytest.fixture
def login_as(app):
    """``login_as("cashier")`` gives a test client logged in through the session cookie."""
    return functools.partial(factories.login, app)


def count_rows(app, model_or_table) -> int:
    """Rows in a table, for 'bad input changes nothing' assertions."""
    table = getattr(model_or_table, "__table__", model_or_table)
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(table))


@pytest.fixture
def rows(app):
    """``rows(Model)`` counts a table's rows; ``rows.snapshot()`` counts every table."""

    class Rows:
        def __call__(self, model):
            return count_rows(app, model)

        def snapshot(self):
            with app.app_context():
                return {
                    t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
                    for t in db.metadata.sorted_tables
                }

    return Rows()


ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fake_printer():
    """A loopback ESC/POS network printer (tests/fakeprinter.py), stopped after the test."""
    printer = FakePrinter()
    printer.start()
    yield printer
    printer.stop()


@pytest.fixture(scope="session")
def _chromium():
    """One chromium for the run (starting it costs a second or more a test); started by
    the first browser test, relaunched should it have gone away."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only browser runs need playwright

    if os.environ.get("MART_SCREENSHOTS") == "0":
        _no_screenshots()
    with sync_playwright() as p:
        holder = [launch(p)]

        def current():
            if not holder[0].is_connected():
                holder[0] = launch(p)
            return holder[0]

        yield current
        if holder[0].is_connected():
            holder[0].close()


def _no_screenshots():
    """``MART_SCREENSHOTS=0`` (``.ci/run``: a CI run keeps no files): the browser tests'
    screenshots, taken only for people to look at, are not made. They were a tenth of
    the browser pass's CPU (27 of 280 s, full pages). Nothing a test asserts reads one."""
    from playwright.sync_api import Page  # noqa: PLC0415

    Page.screenshot = lambda self, *args, **kwargs: b""


class _Chromium:
    """The browser a test drives: ``new_page``/``new_context`` open contexts with the
    cashier page's service worker blocked, unless the test is marked
    ``service_worker``. Installing it fetches and keeps every file of the page in each
    new context, a tenth of a counter test's CPU, and only the offline tests reload a
    page whose server is away. Everything else is the playwright ``Browser``'s."""

    def __init__(self, browser, service_workers):
        self._browser = browser
        self._service_workers = service_workers

    def new_page(self, **options):
        options.setdefault("service_workers", self._service_workers)
        return self._browser.new_page(**options)

    def new_context(self, **options):
        options.setdefault("service_workers", self._service_workers)
        return self._browser.new_context(**options)

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture
def browser(request, _chromium):
    """Debian's chromium, headless, through playwright. Each test makes its own pages in
    their own contexts (``new_page``/``new_context``: no cookies or storage shared);
    whatever it leaves open is closed after it. Service workers run only in tests
    marked ``service_worker`` (``_Chromium``)."""
    chromium = _chromium()
    wanted = request.node.get_closest_marker("service_worker") is not None
    yield _Chromium(chromium, "allow" if wanted else "block")
    for context in list(chromium.contexts):
        context.close()


@pytest.fixture
def live_server(app):
    """The test app served on a loopback port; the base URL."""
    with serving(app) as base:
        yield base
