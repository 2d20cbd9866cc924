"""psycopg's cursor, its ``description`` built only when it is read.

psycopg builds a ``Column`` object for every column of a result each time
``cursor.description`` is read (a name decoded, a type looked up, four calls into
libpq). SQLAlchemy reads it after every statement that returns rows, but once a
compiled statement has run it keeps the result's metadata and only asks whether the
description is ``None``: the shift statement of a sale built 11 ``Column`` objects a
run and used none of them (about a fifth of SQLAlchemy's CPU for that statement,
pos/README.md "A cursor's description, 4 December"). ``LeanCursor.description`` answers
the same thing, ``None`` or a sequence, and builds the columns from the result it was
made for the first time anything reads one of them. The app's PostgreSQL engine makes
its cursors with it (``mart.create_app``: ``connect_args["cursor_factory"]``).
``tests/mart/test_pgcursor.py`` holds it to psycopg's own description.
"""

from collections.abc import Sequence
from types import SimpleNamespace

import psycopg
from psycopg import Column
from psycopg.pq import ExecStatus

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
