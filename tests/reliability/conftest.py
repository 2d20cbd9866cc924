"""A branch seeded with ``flask mart seed-demo`` for each module that walks every route
(the demo data is big, so a module's tests share one seed; the tables are emptied
afterwards).

The seed runs once per test process: its rows are kept in memory and put back, ids
and all, for the next module that asks (seeding again cost 20-50 s a module in CI on
a busy machine; putting the rows back a second or two). And once for all the test
processes of a run: `make test` runs five side by side, three of which seed the demo
here (the SQLite and PostgreSQL reliability halves and the browser tests); the first
to get here seeds and writes the rows to a file, the others wait for it and put them
back (in CI each seed took 40-150 s of a busy machine). The file is named by the app's
code and migrations and the business day, so a change to either (or another day's
demo) seeds again. Seeding the demo on each database is itself tested in
tests/mart/test_cli_and_migrations.py."""

import fcntl
import hashlib
import os
import pickle
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from mart import clock, create_app
from mart.extensions import db
from tests.conftest import ROOT, dispose_when_idle, make_config, truncate_all
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


# What the demo's rows depend on: the app's code and migrations (not the tests).
CODE = (
    "config.py",
    "mart",
    "members",
    "pos",
    "inventory",
    "books",
    "rollup",
    "printers",
    "migrations",
)


def _seed_file(app) -> Path:
    digest = hashlib.sha256()
    for top in CODE:
        path = ROOT / top
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(str(file.relative_to(ROOT)).encode() + b"\0" + file.read_bytes())
    with app.app_context():
        digest.update(clock.business_date().isoformat().encode())
    return Path(tempfile.gettempdir()) / f"mart-test-demo-{digest.hexdigest()[:16]}.pickle"


def _seeded_once_per_run(branch) -> dict[str, list[dict]]:
    """The demo's rows in ``branch``'s (empty) database: put back from the run's file,
    or seeded with ``flask mart seed-demo`` and written to it, under a file lock so
    that the processes of one run seed once."""
    path = _seed_file(branch)
    with open(f"{path}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            rows = pickle.loads(path.read_bytes())
            _put_back(branch, rows)
            return rows
        result = branch.test_cli_runner().invoke(args=["mart", "seed-demo"])
        assert result.exit_code == 0, result.output
        rows = _take(branch)
        for old in path.parent.glob("mart-test-demo-*.pickle*"):
            old.unlink(missing_ok=True)  # other code's or days' seeds
        part = path.with_suffix(f".{os.getpid()}")
        part.write_bytes(pickle.dumps(rows))
        part.replace(path)
        return rows


@pytest.fixture(scope="module")
def seeded_branch(_schema, database_url, instance_path):
    """``(branch_app, hub_app, matrix)`` over one seeded database. Tests using it must
    not also use the function-scoped ``app`` fixture (its teardown empties the tables)."""
    branch = create_app(make_config(database_url, instance_path, MART_MODE="branch"))
    hub = create_app(make_config(database_url, instance_path, MART_MODE="association"))
    if database_url in _seeded:
        _put_back(branch, _seeded[database_url])
    else:
        _seeded[database_url] = _seeded_once_per_run(branch)
    matrix = Matrix(branch)
    yield branch, hub, matrix
    for made in (branch, hub):
        dispose_when_idle(made)
    truncate_all(create_app(make_config(database_url, instance_path)))
