"""One SQLAlchemy engine per process for the test database, not one per app.

The suite makes an app per test, and Flask-SQLAlchemy an engine per app. A new engine
starts with an empty statement cache, so every test compiled again each statement it
ran (a fifth of the CPU of a test run on PostgreSQL, measured with cProfile), and
its first connection ran the dialect's set-up queries again. The apps made on the
test database (same URL, same engine options) now share one engine; each test still
ends by emptying the tables and returning the pool's connections
(``conftest.dispose_when_idle``), and a test listening to the engine's events removes
its listener (as every one does). Apps on any other database, or with other engine
options, get their own engine as before. The application itself makes one app per
process and is untouched.
"""

from flask_sqlalchemy.extension import SQLAlchemy

_make_engine = SQLAlchemy._make_engine
_urls: set[str] = set()
_engines: dict = {}


def _shared_make_engine(self, bind_key, options, app):
    url = options.get("url")
    key = (bind_key, repr(sorted(options.items(), key=lambda kv: kv[0])))
    if not isinstance(url, str):
        url = url.render_as_string(hide_password=False) if url is not None else None
    if url not in _urls:
        return _make_engine(self, bind_key, options, app)
    engine = _engines.get(key)
    if engine is None:
        engine = _engines[key] = _make_engine(self, bind_key, options, app)
    return engine


def install(url: str) -> None:
    """Share the engine of apps on ``url`` (as the app rewrites it: a PostgreSQL URL
    names the psycopg driver)."""
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    _urls.add(url)
    SQLAlchemy._make_engine = _shared_make_engine


def is_shared(engine) -> bool:
    """Whether ``engine`` is the one the apps on the test database share."""
    return any(engine is shared for shared in _engines.values())
