"""PostgreSQL: a pooled connection is pinged before use only when it sat idle longer
than ``MART_DB_PING_IDLE_SECONDS`` (``mart.db.ping_when_idle``): a busy branch pings
none, and a connection the server ended meanwhile is replaced before a request uses it."""

import time

import pytest
import sqlalchemy as sa

from mart.extensions import db


@pytest.fixture
def pinged(app_factory, monkeypatch):
    app = app_factory(MART_DB_PING_IDLE_SECONDS=0.3)
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only (SQLite has no server to lose)")
        assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is False
        db.engine.dispose()  # an empty pool: the tests share the engine and keep its connections
        calls = []
        ping = db.engine.dialect.do_ping

        def counted(dbapi_connection):
            calls.append(dbapi_connection)
            return ping(dbapi_connection)

        monkeypatch.setattr(db.engine.dialect, "do_ping", counted)
    return app, calls


def _backend(app):
    with app.app_context():
        pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        db.session.remove()  # back to the pool
    return pid


def test_a_connection_used_again_at_once_is_not_pinged(pinged):
    app, calls = pinged
    first = _backend(app)
    for _ in range(5):
        assert _backend(app) == first
    assert calls == []
    time.sleep(0.4)
    assert _backend(app) == first
    assert len(calls) == 1  # idle longer than the setting: pinged, and alive


def test_a_connection_the_server_ended_is_replaced_before_use(pinged):
    app, calls = pinged
    first = _backend(app)
    with app.app_context():  # from a connection of its own, outside the pool
        outside = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
        with outside.connect() as other:
            ended = other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
            assert ended.scalar_one() is True
        outside.dispose()
    time.sleep(0.4)
    second = _backend(app)  # no error: the ping found it gone, the pool connected anew
    assert second != first
    assert len(calls) == 1
