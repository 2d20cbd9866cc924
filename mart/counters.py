"""Gap-free named counters, incremented atomically in the caller's transaction."""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from mart.extensions import db
from mart.models import Counter


def next_value(name: str) -> int:
    """Return the next value of counter ``name`` (1, 2, 3...), creating it on first use."""
    table = Counter.__table__
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert
    db.session.execute(insert(table).values(name=name, value=0).on_conflict_do_nothing())
    return db.session.execute(
        sa.update(table)
        .where(table.c.name == name)
        .values(value=table.c.value + 1)
        .returning(table.c.value)
    ).scalar_one()
