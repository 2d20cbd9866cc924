"""What one pass of the print worker costs the database (issue 13, speed, 3 Dec).

The workers' process printed each receipt with a statement and a commit per printer,
and took a connection from the pool (pinged by ``pool_pre_ping``) at every commit:
printing cost it 1.7-2 ms of CPU a sale. A pass now runs on one connection, kept
between the loop's passes, claims in one statement and marks every job it sent done
in one more, whatever the number of printers.
"""

import pytest
import sqlalchemy as sa

from mart.extensions import db
from printers import services
from tests.fakeprinter import parse_escpos
from tests.printers import sample

DRAWER = {"pin": 2, "pulse_ms": 100}


def _printers(add_printer, tmp_path, count):
    return [
        add_printer(
            name=f"Kasir {n}", connection="file", device=str(tmp_path / f"k{n}.bin"), drawer=DRAWER
        )
        for n in range(count)
    ]


def _sales(app, printer_ids):
    """A cash sale's receipt and drawer kick on each printer, each sale its own commit."""
    with app.app_context():
        for printer_id in printer_ids:
            services.queue_receipt(sample.receipt(), printer_id, drawer=True, ref_type="sale")
            db.session.commit()


class _Count:
    """Statements run (SQLite's BEGIN IMMEDIATE left out) and connections taken from the
    pool, on the app's engine."""

    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine
        self.statements = self.checkouts = 0

    def _statement(self, _conn, _cursor, statement, *_args):
        if not statement.startswith("BEGIN"):
            self.statements += 1

    def _checkout(self, *_args):
        self.checkouts += 1

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._statement)
        sa.event.listen(self.engine, "checkout", self._checkout)
        return self

    def __exit__(self, *_exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._statement)
        sa.event.remove(self.engine, "checkout", self._checkout)


def test_a_pass_runs_two_statements_on_one_connection_whatever_the_printers(
    app, add_printer, tmp_path, worker
):
    printers = _printers(add_printer, tmp_path, 4)
    w = worker()
    try:
        w.run_once(keep=True)  # the printers read, stale claims looked for: not counted
        _sales(app, printers)
        with _Count(app) as count:
            assert w.run_once(keep=True) == {"done": 8, "failed": 0, "dropped": 0}
        # the claim and the done (before: a done and a commit per printer, 1 + 4
        # statements, and a connection from the pool at every one of the 5 commits)
        assert (count.statements, count.checkouts) == (2, 0)
        _sales(app, printers)
        with _Count(app) as count:
            assert w.run_once() == {"done": 8, "failed": 0, "dropped": 0}
        # not kept (a bare run_once): the kept one is used, then given back
        assert (count.statements, count.checkouts) == (2, 0)
        _sales(app, printers[:1])
        with _Count(app) as count:
            assert w.run_once(keep=True)["done"] == 2
        assert (count.statements, count.checkouts) == (2, 1)  # one for the whole pass
    finally:
        w.close()
    kicks = [
        sum(e["type"] == "drawer" for e in parse_escpos((tmp_path / f"k{n}.bin").read_bytes()))
        for n in range(4)
    ]
    assert kicks == [3, 2, 2, 2]  # every sale's kick, once
    with app.app_context():
        assert services.health() == {"waiting": 0, "failed": 0}


def test_a_kept_connection_the_server_dropped_is_replaced(
    app, add_printer, tmp_path, worker, is_postgres
):
    if not is_postgres:
        pytest.skip("PostgreSQL: a server that ends a connection")
    printers = _printers(add_printer, tmp_path, 1)
    w = worker()
    try:
        w.run_once(keep=True)
        pid = w._kept.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        w._kept.commit()
        with app.app_context():
            db.session.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            db.session.commit()
        _sales(app, printers)
        assert w.run_once(keep=True) == {"done": 2, "failed": 0, "dropped": 0}
        assert w._kept.exec_driver_sql("SELECT pg_backend_pid()").scalar() != pid
        w._kept.commit()
    finally:
        w.close()


def test_the_done_statement_is_one_statement_whatever_the_count(
    app, add_printer, tmp_path, worker, is_postgres
):
    # PostgreSQL: the sent jobs' ids as one array. An expanding IN made each count of
    # ids a statement of its own, rendered again, prepared and planned apart.
    if not is_postgres:
        pytest.skip("PostgreSQL: SQLite keeps its expanding IN (nothing to prepare)")
    printers = _printers(add_printer, tmp_path, 4)
    with app.app_context():
        engine = db.engine
    done = []

    def record(_conn, _cursor, statement, *_args):
        if statement.startswith("UPDATE print_jobs SET status="):
            done.append(statement)

    w = worker()
    w.run_once(keep=True)  # the printers read, stale claims looked for: not counted
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        for count in (4, 1, 3):
            _sales(app, printers[:count])
            assert w.run_once(keep=True)["done"] == 2 * count
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
        w.close()
    assert len(done) == 3 and len(set(done)) == 1, done
    assert "= ANY (" in done[0]
    with app.app_context():
        assert services.health() == {"waiting": 0, "failed": 0}
