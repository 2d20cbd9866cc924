"""Database foundations: the declarative base, column types, engine set-up.

Money is ``int`` rupiah stored as BIGINT. Quantities are exact ``Decimal`` with 3
places, stored as BIGINT thousandths so that sums are exact on every database.
Timestamps are stored as naive UTC and come back as aware UTC datetimes.
"""

import contextlib
import json
import re
import sqlite3
import time
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

import orjson
import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

THOUSAND = Decimal(1000)
QUANTUM = Decimal("0.001")


def pg_session_options(config) -> str:
    """The settings every PostgreSQL connection of the app starts with (libpq's
    ``options``).

    - ``jit=off``: PostgreSQL compiles a plan to machine code when the planner's cost
      estimate passes ``jit_above_cost``; the hub's reads over 7,300 branches pass it
      and the compiling took 0.34 s of a 0.87 s statement (EXPLAIN ANALYZE on the
      benchmark's 26.7 million reports), and a sale's statements gain nothing from it.
    - on the association's hub, ``work_mem=32MB``: adding up a year's rows per branch
      (7,300 groups of 14 sums) spilled to disk in five batches with the default 4 MB.
      A hub has few connections (gunicorn's workers x threads).
    """
    settings = ["-c jit=off"]
    if config.get("MART_MODE") == "association":
        settings.append("-c work_mem=32MB")
    return " ".join(settings)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator):
    """A timestamp stored as naive UTC, returned as an aware UTC datetime."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use mart.db.utcnow()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Quantity(sa.TypeDecorator):
    """An exact quantity with 3 decimal places (kg, or pieces), stored in thousandths."""

    impl = sa.BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return int((Decimal(value) * THOUSAND).to_integral_value(rounding=ROUND_HALF_UP))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return (Decimal(int(value)) / THOUSAND).quantize(QUANTUM)


def quantity(value) -> Decimal:
    """Normalise a number to a 3-place Decimal quantity (never through float)."""
    if isinstance(value, float):
        value = repr(value)
    return Decimal(value).quantize(QUANTUM, rounding=ROUND_HALF_UP)


Money = sa.BigInteger


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def is_sqlite(engine_or_conn) -> bool:
    return engine_or_conn.dialect.name == "sqlite"


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" event below issue BEGIN itself (pysqlite's own
    # transaction handling would defer it and break BEGIN IMMEDIATE).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # The busy timeout is the driver's `timeout` (15 s by default, mart/__init__.py).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def begin_immediate_on_sqlite(engine) -> None:
    """On a SQLite engine, start every transaction as ``_sqlite_on_begin`` says. Listened
    for on the app's engine only (``mart.create_app``), not on every ``Engine``: a
    connection event listened for anywhere makes SQLAlchemy look for listeners at every
    statement, begin and commit of that engine (about 13 us a statement on PostgreSQL,
    pos/README.md "A cursor's description, and the engine's listeners")."""
    if is_sqlite(engine) and not event.contains(engine, "begin", _sqlite_on_begin):
        event.listen(engine, "begin", _sqlite_on_begin)


def _sqlite_on_begin(conn):
    # Writers take the write lock when the transaction starts, so two registers never
    # deadlock upgrading a read lock; plain page reads stay concurrent.
    if has_request_context() and request.method in ("GET", "HEAD", "OPTIONS"):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class JsonRowsInsert:
    """PostgreSQL: many rows of a table inserted by ONE bound statement, the rows sent
    as one JSON array: ``INSERT INTO t (...) SELECT ... FROM json_populate_recordset(
    NULL::t, :rows) WITH ORDINALITY ORDER BY ordinality``.

    What it stores is what an executemany of ``sa.insert(table)`` with the same rows
    stores, in the same order (so the same order of ids): each value goes through its
    column's own bind processing first (``Quantity`` to thousandths, ``UTCDateTime`` to
    naive UTC), PostgreSQL reads it as the column's type, and only ``columns`` are
    given (the others take their server defaults, as ``id``). It costs far less CPU in
    the app: an executemany is bound, processed and sent row by row by SQLAlchemy and
    psycopg (psycopg's arrays too are dumped element by element in Python); one JSON
    text is encoded in C. Every row gives every one of ``columns`` (no Python-side
    column default is filled in); other keys are left out.

    ``sql`` is the statement's text, to run alone (``statement``) or as a CTE of a
    larger one; ``params(dialect, rows)`` its one parameter (``<name>``).
    """

    def __init__(self, table: sa.Table, columns, name: str = "rows"):
        self.table = table
        self.columns = tuple(columns)
        self.name = name
        for column in self.columns:  # their processed values would go in as JSON text
            if isinstance(table.c[column].type, sa.JSON | sa.LargeBinary):
                raise TypeError(f"{table.name}.{column}: JSON and binary columns not handled")
        quote = _PG_DIALECT.identifier_preparer.quote
        names = ", ".join(quote(column) for column in self.columns)
        self.sql = (
            f"INSERT INTO {quote(table.name)} ({names}) SELECT {names}"
            f" FROM json_populate_recordset(NULL::{quote(table.name)}, CAST(:{name} AS json))"
            " WITH ORDINALITY ORDER BY ordinality"
        )
        self.statement = sa.text(self.sql)
        self._processors = {}

    def params(self, dialect, rows) -> dict[str, str]:
        """``rows`` (dicts by column name) as the statement's parameter."""
        processors = self._processors.get(dialect)
        if processors is None:
            processors = self._processors[dialect] = [
                (column, process)
                for column in self.columns
                if (process := self.table.c[column].type.bind_processor(dialect)) is not None
            ]
        if processors:
            rows = [
                {**row, **{column: process(row[column]) for column, process in processors}}
                for row in rows
            ]
        # orjson writes dates and timestamps (naive UTC once processed) in ISO 8601, as
        # PostgreSQL reads them; a Decimal as its text. A tenth of json.dumps's CPU.
        return {self.name: orjson.dumps(rows, default=str).decode()}


_PG_DIALECT = postgresql.dialect()

_JSON_OPTIONS = (
    orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)


def json_column_text(value) -> str:
    """A JSON column's value as its text (the engines' ``json_serializer``): written by
    orjson, the same JSON ``json.dumps`` writes (without its spaces), about a tenth of
    its CPU: a sale's receipt goes into its print job as JSON. What orjson does not
    write as ``json.dumps`` would (a key not ``str``, a subclass of ``str``, ``int``,
    ``dict`` or ``list``, a datetime, a dataclass, an integer past 64 bits) is written
    by ``json.dumps``, which refuses what it always refused (a ``Decimal``, a
    ``datetime``) with its own ``TypeError``. One difference: a float NaN or infinity
    is written ``null`` (``json.dumps`` wrote ``NaN``, which PostgreSQL's ``json``
    refused); the app's floats (a share, a percent) are finite."""
    try:
        return orjson.dumps(value, option=_JSON_OPTIONS).decode()
    except TypeError:
        return json.dumps(value)


def pg_array(values) -> str:
    """PostgreSQL: ``values`` (all ``int`` or all ``str``) as ONE array literal, the text
    ``{1,2,3}`` or ``{"a","b \\"c\\""}``, for a parameter the statement casts itself
    (``CAST(:ids AS INTEGER[])``).

    psycopg dumps a Python list element by element in Python, looking up a dumper for
    each and for the list (some 15 us for ten values); the sale sends five arrays of
    ten. The text is written here in one pass. Every string is quoted, a backslash and a
    double quote in it escaped by a backslash, so any text comes back as it was (commas,
    braces, spaces, an empty string, the word ``NULL``). Answers ``{}`` for no values.
    ``tests/mart/test_pg_array.py`` holds it to psycopg's own lists on the server."""
    if not values:
        return "{}"
    kind = type(values[0])
    if kind not in (int, str) or any(type(v) is not kind for v in values):
        raise TypeError(
            f"pg_array: all int or all str, not {sorted({type(v).__name__ for v in values})}"
        )
    if kind is str:
        return '{"' + '","'.join(v.replace("\\", "\\\\").replace('"', '\\"') for v in values) + '"}'
    return "{" + ",".join(map(str, values)) + "}"


class Write:
    """A write that answers nothing, built once as SQL text: ``final`` (an INSERT,
    UPDATE or DELETE, or a SELECT when ``ctes`` do the writing), after ``ctes`` (name,
    SQL) when given, with its typed parameters ``binds``. ``run_write`` runs it at once,
    or, inside ``gathered_writes`` on PostgreSQL, keeps it for the block's ONE
    statement."""

    def __init__(self, final: str, ctes=(), binds=()):
        self.final = final
        self.ctes = tuple(ctes)
        self.binds = tuple(binds)
        head = ", ".join(f"{name} AS ({sql})" for name, sql in self.ctes)
        text = f"WITH {head} {final}" if head else final
        self.statement = sa.text(text).bindparams(*self.binds)


def run_write(write: Write, params: dict) -> bool:
    """Run ``write`` with ``params`` on the session's connection, or keep it for the
    open ``gathered_writes`` block (``can_gather``). Answers whether it ran now (its
    effects are visible in this transaction) rather than at the end of the block."""
    from mart.extensions import db  # noqa: PLC0415 (extensions imports this module)

    if not can_gather(write):
        db.session.connection().execute(write.statement, params)
        return True
    db.session.info[_GATHERED].append((write, params))
    return False


def can_gather(write: Write) -> bool:
    """Whether ``run_write`` would keep ``write`` for the end of an open
    ``gathered_writes`` block (PostgreSQL): a block is open and, when the write has
    CTEs of its own, it is not kept there already (two would name the same CTEs: the
    second runs at once)."""
    from mart.extensions import db  # noqa: PLC0415

    gathered = db.session.info.get(_GATHERED)
    if gathered is None:
        return False
    return not write.ctes or all(kept is not write for kept, _params in gathered)


_GATHERED = "mart_gathered_writes"
# Bind parameters in SQL text, as SQLAlchemy's ``text`` finds them (not ``::type``).
_BIND = re.compile(r"(?<![:\w\x5c]):(\w+)(?!:)", re.UNICODE)
_GATHERINGS: dict[tuple, sa.TextualSelect] = {}


@contextlib.contextmanager
def gathered_writes():
    """PostgreSQL: the ``Write``s given to ``run_write`` inside the block run at its end
    as ONE statement, each a data-modifying CTE (``WITH w0 AS (...), w1 AS (...)
    SELECT 1``), one round trip instead of one each. PostgreSQL runs every
    data-modifying CTE to completion, once, on the statement's snapshot: so only writes
    that nothing in the block reads back belong inside (the sale's journal, print jobs
    and audit rows). The rows go in in the order of the writes (``_gathering``). The
    parameters of the n-th write are renamed ``w<n>_<name>``; a write with CTEs of its
    own is kept once (``can_gather``). An error inside the block runs nothing. On
    SQLite the writes run at once, as outside a block."""
    from mart.extensions import db  # noqa: PLC0415

    session = db.session
    if session.get_bind().dialect.name != "postgresql" or _GATHERED in session.info:
        yield
        return
    gathered = session.info[_GATHERED] = []
    try:
        yield
    finally:
        session.info.pop(_GATHERED, None)
    if len(gathered) == 1:
        write, params = gathered[0]
        session.connection().execute(write.statement, params)
    elif gathered:
        key = tuple(id(write) for write, _params in gathered)
        statement = _GATHERINGS.get(key)
        if statement is None:
            statement = _GATHERINGS[key] = _gathering([w for w, _p in gathered])
        params = {
            f"w{n}_{name}": value
            for n, (_write, given) in enumerate(gathered)
            for name, value in given.items()
        }
        session.connection().execute(statement, params)


def _gathering(writes) -> sa.TextualSelect:
    """The one statement of ``writes`` (``gathered_writes``). The writes are named in
    the reverse of their order: PostgreSQL runs the data-modifying CTEs the main query
    does not read last-named first, so rows go in (and take their ids) in the order
    the writes were given, as they would one statement after the other.
    ``tests/mart/test_gathered_writes.py`` holds that order."""
    ctes, binds, names = [], [], set()
    for n, write in reversed(list(enumerate(writes))):

        def renamed(sql, n=n):
            return _BIND.sub(lambda m: f":w{n}_{m.group(1)}", sql)

        for name, sql in write.ctes:
            if name in names:
                raise ValueError(f"two gathered writes name a CTE {name!r}")
            names.add(name)
            ctes.append(f"{name} AS ({renamed(sql)})")
        ctes.append(f"w{n} AS ({renamed(write.final)})")
        binds += [sa.bindparam(f"w{n}_{b.key}", type_=b.type) for b in write.binds]
    # its one column declared: SQLAlchemy keeps the result's metadata of a declared
    # column once, where it reads a plain text's cursor description at every run
    return (
        sa.text(f"WITH {', '.join(ctes)} SELECT 1 AS done")
        .bindparams(*binds)
        .columns(sa.column("done", sa.Integer))
    )


def ping_when_idle(engine, idle_seconds: float) -> None:
    """Ping a pooled connection before it is used only when it sat idle in the pool
    longer than ``idle_seconds`` (SQLAlchemy's ``pool_pre_ping`` pings at every
    checkout: a round trip on every request, about 3% of a sale's CPU, app and server).
    A connection the server dropped (a restart, a terminated backend) is found by the
    ping and replaced before the request uses it. A busy branch reuses its connections
    within milliseconds, so it pings none; a restart takes longer than the threshold,
    so every connection from before it is pinged. Negative: ping at every checkout."""
    dialect = engine.dialect
    installed = hasattr(engine, "mart_ping_idle_seconds")
    engine.mart_ping_idle_seconds = idle_seconds  # the latest app's (tests share engines)
    if installed:
        return

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _returned(dbapi_connection, record):  # a new connection needs no ping either
        record.info["mart_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, proxy):
        since, idle = record.info.get("mart_idle_since"), engine.mart_ping_idle_seconds
        if since is not None and idle >= 0 and time.monotonic() - since <= idle:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            if dialect.is_disconnect(exc, dbapi_connection, None):
                raise sa.exc.DisconnectionError() from exc  # the pool connects anew
            raise
