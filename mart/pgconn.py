"""psycopg's connection and cursor for the app's PostgreSQL engine, without two costs
psycopg has at every statement or every read-only request.

1. **A cursor's description, built only when it is read** (``LeanCursor``). psycopg
   builds a ``Column`` object for every column of a result each time
   ``cursor.description`` is read (a name decoded, a type looked up, four calls into
   libpq). SQLAlchemy reads it after every statement that returns rows, but once a
   compiled statement has run it keeps the result's metadata and only asks whether the
   description is ``None``: the shift statement of a sale built 11 ``Column`` objects a
   run and used none of them (about a fifth of SQLAlchemy's CPU for that statement,
   pos/README.md "A cursor's description, and the engine's listeners"). ``LeanCursor.description``
   answers the same thing, ``None`` or a sequence, and builds the columns from the
   result it was made for the first time anything reads one of them.
2. **A rollback that keeps the prepared statements** (``LeanConnection``). psycopg
   prepares a statement on the server after its fifth run on a connection, and after
   ``rollback()`` it forgets every one (``DEALLOCATE ALL``, one more round trip): a
   statement prepared inside a transaction that then failed may not exist. Every
   request that ends without a commit rolls back, a read above all: a customer
   display polls its state once a second, and each poll made the next sales on that
   pooled connection parse and plan their statements again (pos/README.md "A rollback
   forgot the prepared statements"). A transaction that is healthy (libpq's status
   ``INTRANS``: every statement in it succeeded, so every statement psycopg prepared in
   it exists) is rolled back by a plain ``ROLLBACK``, and its prepared statements are
   kept: PostgreSQL keeps a session's prepared statements whatever happens to the
   transaction they were prepared in. A failed transaction (``INERROR``) goes through
   psycopg's own rollback as before. One case psycopg covers and this does not: a
   transaction that alters a table (psycopg forgets its statements at the ``ALTER``),
   then runs a statement on it five times (prepared, with the altered columns), then is
   rolled back while healthy; that statement's next run fails once ("cached plan must
   not change result type"), and that failure's rollback is psycopg's, which forgets
   it. The app alters tables only in migrations, which commit or fail.

The app's PostgreSQL engine connects with them (``install``, from ``mart.create_app``).
``tests/mart/test_pgconn.py`` holds the description to psycopg's own and the rollback to
keeping what is valid and forgetting what may not be.
"""

from collections.abc import Sequence
from types import SimpleNamespace

import psycopg
from psycopg import Column
from psycopg.pq import ExecStatus, TransactionStatus
from sqlalchemy import event

# psycopg's description is a list of columns for a result with fields, or one that
# says it returned rows (``SELECT ;``); else None (psycopg/_cursor_base.py).
_ROWS = frozenset({ExecStatus.TUPLES_OK, ExecStatus.SINGLE_TUPLE, ExecStatus.TUPLES_CHUNK})


class LeanCursor(psycopg.Cursor):
    """A ``psycopg.Cursor`` whose ``description`` is a ``LazyDescription``."""

    __slots__ = ()

    @property
    def description(self):
        result = self.pgresult
        if result and (result.nfields or result.status in _ROWS):
            return LazyDescription(self, result)
        return None


class LazyDescription(Sequence):
    """The columns of ``result`` as psycopg describes them, built on first use from
    that result (not from whatever the cursor has run since)."""

    __slots__ = ("_cursor", "_result", "_columns")

    def __init__(self, cursor, result):
        self._cursor = cursor
        self._result = result
        self._columns = None

    def _built(self) -> list:
        columns = self._columns
        if columns is None:
            cursor = self._cursor
            # psycopg's Column reads the result, the encoding and the type registry
            # from the cursor it is given; this one answers with the result kept here
            source = SimpleNamespace(
                pgresult=self._result, _encoding=cursor._encoding, adapters=cursor.adapters
            )
            columns = self._columns = [Column(source, i) for i in range(self._result.nfields)]
            self._cursor = self._result = None
        return columns

    def __len__(self) -> int:
        return len(self._built())

    def __getitem__(self, index):
        return self._built()[index]

    def __iter__(self):
        return iter(self._built())

    def __repr__(self) -> str:
        return repr(self._built())


class LeanConnection(psycopg.Connection):
    """A ``psycopg.Connection`` whose ``rollback`` of a healthy transaction keeps the
    prepared statements (the module's 2). SQLAlchemy drives a transaction by
    ``commit()`` and ``rollback()`` alone (its savepoints are SQL statements), never by
    psycopg's ``transaction()`` blocks or pipelines, which this does not expect."""

    def rollback(self) -> None:
        pgconn = self.pgconn
        if pgconn.transaction_status != TransactionStatus.INTRANS:
            super().rollback()  # idle (nothing to do) or failed: psycopg's own
            return
        with self.lock:
            result = pgconn.exec_(b"ROLLBACK")
        if result.status != ExecStatus.COMMAND_OK:
            message = (result.error_message or b"").decode(errors="replace").strip()
            raise psycopg.OperationalError(f"ROLLBACK failed: {message or result.status}")


def install(engine) -> None:
    """Connect ``engine`` (PostgreSQL) with ``LeanConnection``s making ``LeanCursor``s.
    Listened for as the dialect's ``do_connect``: a dialect event, so the engine's
    statements still dispatch no connection event (``mart.db.begin_immediate_on_sqlite``)."""
    if engine.dialect.name == "postgresql" and not event.contains(engine, "do_connect", _connect):
        event.listen(engine, "do_connect", _connect)


def _connect(dialect, connection_record, cargs, cparams):
    cparams.setdefault("cursor_factory", LeanCursor)
    return LeanConnection.connect(*cargs, **cparams)
