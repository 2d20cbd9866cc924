"""The hub's read replica: the dashboard and the summary API read from it.

With ``MART_READ_DATABASE_URL`` set (a PostgreSQL streaming replica of the hub's
database), the requests that only read the association's figures - the dashboard,
its exports, ``GET /api/v1/association/summary``, ``/trend``, ``/umkm`` and the
branch trend - run their whole request (the login check included) on a session bound
to the replica. Everything else, ingest first of all, uses ``MART_DATABASE_URL`` (the
primary). So the dashboard keeps answering while the primary is down or busy, and the
evening's ingest never waits behind a ten-year report.

A replica lags its primary by a moment (streaming: usually well under a second); a
report just ingested appears on the dashboard once replayed there.
"""

import sqlalchemy as sa
from flask import current_app, g, request
from sqlalchemy.orm import Session

from mart import pgconn
from mart.db import pg_session_options
from mart.extensions import db

# Endpoints that read only (they never write in their request).
READ_ENDPOINTS = {
    "rollup.dashboard",
    "rollup.export",
    "rollup_api.get_summary",
    "rollup_api.get_trend",
    "rollup_api.get_umkm",
    "rollup_api.get_branch_trend",
}


def read_url(app) -> str:
    return app.config.get("MART_READ_DATABASE_URL") or ""


def engine(app):
    """The replica's engine (made once per app), or None when none is configured."""
    url = read_url(app)
    if not url:
        return None
    made = app.extensions.get("mart_read_engine")
    if made is None:
        made = sa.create_engine(
            url,
            pool_pre_ping=True,
            pool_size=5,
            max_overflow=10,
            connect_args={"options": pg_session_options(app.config)},
        )
        pgconn.install(made)  # the primary's connection and cursor (mart/pgconn.py)
        app.extensions["mart_read_engine"] = made
    return made


def _use_replica():
    if current_app.config.get("MART_MODE") != "association":
        return
    if request.method not in ("GET", "HEAD") or request.endpoint not in READ_ENDPOINTS:
        return
    if bind_reads(current_app):
        g.mart_read_replica = True


def bind_reads(app) -> bool:
    """Make this app context's ``db.session`` a session on the replica, when one is
    configured (Flask-SQLAlchemy removes it, closing it, at the end of the app context
    as it does its own). Whether it did."""
    read_engine = engine(app)
    if read_engine is None:
        return False
    db.session.registry.set(Session(bind=read_engine, autoflush=False))
    return True


def init_app(app):
    # First of all the request hooks: the login check (mart.security) already reads.
    app.before_request_funcs.setdefault(None, []).insert(0, _use_replica)


def dispose(app):
    made = app.extensions.pop("mart_read_engine", None)
    if made is not None:
        made.dispose()
