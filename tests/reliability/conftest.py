"""A branch seeded with ``flask mart seed-demo`` for each module that walks every route
(the demo data is big, so a module's tests share one seed; the tables are emptied
afterwards).

The seed runs once per test process: its rows are kept in memory and put back, ids
and all, for the next module that asks (seeding again cost 20-50 s a module in CI on
a busy machine; putting the rows back a second or two)."""

import pytest
import sqlalchemy as sa

from mart import create_app
from mart.extensions import db
from tests.conftest import dispose_when_idle, make_config, truncate_all
from tests.reliability.matrix import Matrix

_seeded: dict[str, dict[str, list[dict]]] = {}


def _take(app) -> dict[str, list[dict]]:
    """Every table's rows, read back through the models' types."""
    with app.app_context(), db.engine.connect() as conn:
        return {
            t.name: [dict(r._mapping) for r in conn.execute(t.select())]
            for t in db.metadata.sorted_tables
        }


def _put_back(app, rows: dict[str, list[dict]]) -> None:
    """Insert the kept rows, parents first, and move each id sequence past them (on
    SQLite an explicit id moves the AUTOINCREMENT counter by itself)."""
    with app.app_context(), db.engine.begin() as conn:
        for table in db.metadata.sorted_tables:
            if rows[table.name]:
                conn.execute(table.insert(), rows[table.name])
        if conn.dialect.name != "postgresql":
            return
        for table in db.metadata.sorted_tables:
            for column in table.primary_key.columns:
                sequence = conn.scalar(
                    sa.select(sa.func.pg_get_serial_sequence(table.name, column.name))
                )
                if sequence:
                    top = conn.scalar(sa.select(sa.func.max(column)))
                    conn.execute(sa.select(sa.func.setval(sequence, (top or 0) + 1, False)))


@pytest.fixture(scope="module")
def seeded_branch(_schema, database_url, instance_path):
    """``(branch_app, hub_app, matrix)`` over one seeded database. Tests using it must
    not also use the function-scoped ``app`` fixture (its teardown empties the tables)."""
    branch = create_app(make_config(database_url, instance_path, MART_MODE="branch"))
    hub = create_app(make_config(database_url, instance_path, MART_MODE="association"))
    if database_url in _seeded:
        _put_back(branch, _seeded[database_url])
    else:
        result = branch.test_cli_runner().invoke(args=["mart", "seed-demo"])
        assert result.exit_code == 0, result.output
        _seeded[database_url] = _take(branch)
    matrix = Matrix(branch)
    yield branch, hub, matrix
    for made in (branch, hub):
        dispose_when_idle(made)
    truncate_all(create_app(make_config(database_url, instance_path)))
