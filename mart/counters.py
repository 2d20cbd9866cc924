"""Gap-free named counters, incremented atomically in the caller's transaction.

One statement, an upsert that answers the new value (``INSERT ... ON CONFLICT DO UPDATE
SET value = value + 1 RETURNING value``, PostgreSQL and SQLite >= 3.35). The counter's
row stays locked until the caller's transaction ends, so concurrent callers take turns
and a rolled-back transaction gives its number back. Built once per dialect and run on
the session's connection: the sale path takes its receipt number here on every sale.
"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from mart.extensions import db
from mart.models import Counter

_STATEMENTS: dict[str, sa.Executable] = {}


def _statement(dialect: str) -> sa.Executable:
    stmt = _STATEMENTS.get(dialect)
    if stmt is None:
        table = Counter.__table__
        insert = (postgresql if dialect == "postgresql" else sqlite).insert
        stmt = _STATEMENTS[dialect] = (
            insert(table)
            .values(name=sa.bindparam("name"), value=1)
            .on_conflict_do_update(index_elements=[table.c.name], set_={"value": table.c.value + 1})
            .returning(table.c.value)
        )
    return stmt


def upsert_sql(param: str = "name") -> str:
    """PostgreSQL: the counter's upsert as SQL text, the counter's name the parameter
    ``param``, answering ``value``: for a caller's statement to run as a CTE (the sale
    takes its receipt number inside its own insert, ``pos.services.fastpath``)."""
    table = Counter.__table__.name
    return (
        f"INSERT INTO {table} (name, value) VALUES (:{param}, 1)"
        f" ON CONFLICT (name) DO UPDATE SET value = {table}.value + 1 RETURNING value"
    )


def next_value(name: str) -> int:
    """Return the next value of counter ``name`` (1, 2, 3...), creating it on first use."""
    conn = db.session.connection()
    return conn.execute(_statement(conn.dialect.name), {"name": name}).scalar_one()
