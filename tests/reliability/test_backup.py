"""Backups: taken while the branch keeps writing, checked, refused when damaged, restored whole."""

import os
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from mart import backup, create_app
from mart.counters import next_value
from mart.extensions import db
from mart.models import AuditLog, Counter
from tests import factories
from tests.conftest import make_config

COUNTER = "backup-test"


def _tick(app):
    """One transaction: a counter step and an audit row carrying the same number."""
    with app.app_context():
        value = next_value(COUNTER)
        db.session.add(AuditLog(action="tick", target_type="test", target_id=str(value)))
        db.session.commit()
        db.session.remove()
        return value


def _state(app):
    """(counter value, audit rows, highest audit number): equal in a consistent copy."""
    with app.app_context():
        counter = db.session.scalar(sa.select(Counter.value).where(Counter.name == COUNTER)) or 0
        ticks = db.session.scalars(
            sa.select(AuditLog.target_id).where(AuditLog.action == "tick")
        ).all()
        db.session.remove()
    numbers = sorted(int(t) for t in ticks)
    return counter, numbers


class Writer(threading.Thread):
    """Keeps committing ticks until stopped; ``wait_for(n)`` waits for n more ticks."""

    def __init__(self, app):
        super().__init__(daemon=True)
        self.app = app
        self.stop = threading.Event()
        self.count = 0
        self.cond = threading.Condition()
        self.error = None

    def run(self):
        try:
            while not self.stop.is_set():
                _tick(self.app)
                with self.cond:
                    self.count += 1
                    self.cond.notify_all()
        except Exception as exc:  # reported by the test
            self.error = exc

    def wait_for(self, more):
        with self.cond:
            target = self.count + more
            assert self.cond.wait_for(lambda: self.count >= target or self.error, timeout=60)
        assert self.error is None, self.error


def _last_line(result):
    return result.output.strip().splitlines()[-1]


def test_backup_while_writing_then_restore_is_whole_and_consistent(app, runner, tmp_path):
    writer = Writer(app)
    writer.start()
    try:
        writer.wait_for(20)
        result = runner.invoke(args=["mart", "backup", "--to", str(tmp_path)])
        assert result.exit_code == 0, result.output
        path = Path(_last_line(result))
        # the shop kept selling after the backup
        writer.wait_for(20)
    finally:
        writer.stop.set()
        writer.join()
    assert writer.error is None
    assert path.parent == tmp_path and path.is_file()
    assert backup.checksum_path(path).is_file()
    backup.verify(path)

    final_counter, final_numbers = _state(app)
    assert final_counter == len(final_numbers)

    result = runner.invoke(args=["mart", "restore", str(path), "--yes"])
    assert result.exit_code == 0, result.output

    counter, numbers = _state(app)
    # whole and consistent: every committed tick in the copy is complete, none half there
    assert counter >= 20
    assert numbers == list(range(1, counter + 1))
    # and it is the state at the backup, not the state after it
    assert counter < final_counter
    # the restored database takes writes again
    assert _tick(app) == counter + 1


def test_restore_needs_yes_and_changes_nothing_without_it(app, runner, tmp_path):
    _tick(app)
    path = Path(_last_line(runner.invoke(args=["mart", "backup", "--to", str(tmp_path)])))
    _tick(app)
    result = runner.invoke(args=["mart", "restore", str(path)])
    assert result.exit_code != 0
    assert "--yes" in result.output
    assert _state(app)[0] == 2


def test_corrupt_backup_is_refused_and_changes_nothing(app, runner, tmp_path):
    for _ in range(3):
        _tick(app)
    path = Path(_last_line(runner.invoke(args=["mart", "backup", "--to", str(tmp_path)])))
    _tick(app)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))

    result = runner.invoke(args=["mart", "restore", str(path), "--yes"])
    assert result.exit_code != 0
    assert "checksum mismatch" in result.output
    assert "nothing was restored" in result.output
    assert _state(app) == (4, [1, 2, 3, 4])


def test_backup_without_checksum_or_of_the_wrong_kind_is_refused(
    app, runner, tmp_path, is_postgres
):
    _tick(app)
    path = Path(_last_line(runner.invoke(args=["mart", "backup", "--to", str(tmp_path)])))
    backup.checksum_path(path).unlink()
    result = runner.invoke(args=["mart", "restore", str(path), "--yes"])
    assert result.exit_code != 0 and "checksum file missing" in result.output

    # a file of the other database kind, with a valid checksum, is refused by kind
    other = tmp_path / ("mart-X-1.sqlite3" if is_postgres else "mart-X-1.pgdump")
    other.write_bytes(b"not a database")
    backup._write_checksum(other)
    result = runner.invoke(args=["mart", "restore", str(other), "--yes"])
    assert result.exit_code != 0 and "is not a" in result.output

    # a file of the right kind that is not a database at all
    fake = tmp_path / ("mart-X-2.pgdump" if is_postgres else "mart-X-2.sqlite3")
    fake.write_bytes(b"garbage" * 1000)
    backup._write_checksum(fake)
    result = runner.invoke(args=["mart", "restore", str(fake), "--yes"])
    assert result.exit_code != 0 and "restore refused" in result.output
    assert _state(app) == (1, [1])

    result = runner.invoke(args=["mart", "restore", str(tmp_path / "nope.sqlite3"), "--yes"])
    assert result.exit_code != 0 and "no such backup file" in result.output


def test_default_folder_keeps_n_copies(app_factory, tmp_path):
    app = app_factory(MART_BACKUP_DIR=str(tmp_path / "usb"), MART_BACKUP_KEEP=2)
    runner = app.test_cli_runner()
    paths = []
    for _ in range(3):
        result = runner.invoke(args=["mart", "backup"])
        assert result.exit_code == 0, result.output
        paths.append(Path(_last_line(result)))
    assert all(p.parent == tmp_path / "usb" for p in paths)
    kept = sorted(p.name for p in (tmp_path / "usb").iterdir())
    assert kept == sorted(n for p in paths[1:] for n in (p.name, backup.checksum_path(p).name))


def test_automatic_backup_runs_when_due_and_only_then(app_factory, tmp_path):
    folder = tmp_path / "auto"
    app = app_factory(MART_BACKUP_DIR=str(folder))
    assert backup.due(app)
    first = backup.backup_if_due(app)
    assert first is not None and first.is_file()
    assert not backup.due(app)
    assert backup.backup_if_due(app) is None
    assert [info.path for info in backup.list_backups(folder)] == [first]


def test_worker_is_registered_and_takes_the_first_backup(app_factory, tmp_path):
    folder = tmp_path / "worker"
    app = app_factory(MART_BACKUP_DIR=str(folder))
    assert backup.start_worker in app.extensions["mart_workers"]
    thread = backup.start_worker(app)
    try:
        found = backup.wait_for_backup(folder)
        assert found is not None
    finally:
        thread.stop.set()
        thread.join(timeout=60)
    assert not thread.is_alive()


def test_health_and_backoffice_show_the_last_backup(app_factory, tmp_path):
    app = app_factory(MART_BACKUP_DIR=str(tmp_path / "b"))
    client = app.test_client()
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json["backup"]["last_at"] is None
    assert health.json["backup"]["stale"] is True

    manager = factories.login(app, "manager")
    page = manager.get("/backoffice?lang=en")
    assert page.status_code == 200
    assert b"no backup found" in page.data

    with app.app_context():
        path = backup.take_backup(app=app)
    health = client.get("/healthz")
    assert health.json["backup"]["last_at"] is not None
    assert health.json["backup"]["stale"] is False
    assert health.json["backup"]["copies"] == 1
    page = manager.get("/backoffice?lang=en")
    assert b"Last good backup" in page.data
    assert b"more than a day old" not in page.data

    # an old backup warns
    old = time.time() - 27 * 3600
    os.utime(path, (old, old))
    page = manager.get("/backoffice?lang=en")
    assert b"more than a day old" in page.data
    assert client.get("/healthz").json["backup"]["stale"] is True


@pytest.mark.parametrize("keep", [0])
def test_keep_zero_keeps_everything(tmp_path, keep):
    assert backup.prune(tmp_path, keep) == []


def test_restore_on_a_fresh_machine(app, runner, tmp_path, is_postgres):
    """The backup file alone (copied to another machine) brings the branch back: a new
    instance folder, no database yet."""
    if is_postgres:
        pytest.skip("a fresh PostgreSQL machine needs its own server; covered by the restore test")

    for _ in range(5):
        _tick(app)
    path = Path(_last_line(runner.invoke(args=["mart", "backup", "--to", str(tmp_path / "usb")])))
    moved = tmp_path / "elsewhere" / path.name
    moved.parent.mkdir()
    moved.write_bytes(path.read_bytes())
    backup.checksum_path(moved).write_bytes(backup.checksum_path(path).read_bytes())

    fresh_db = tmp_path / "fresh" / "mart.sqlite3"
    fresh = create_app(
        make_config(f"sqlite:///{fresh_db}", str(tmp_path / "fresh"), MART_BACKUP_DIR="")
    )
    result = fresh.test_cli_runner().invoke(args=["mart", "restore", str(moved), "--yes"])
    assert result.exit_code == 0, result.output
    assert fresh.test_cli_runner().invoke(args=["mart", "init"]).exit_code == 0
    assert _state(fresh) == (5, [1, 2, 3, 4, 5])
    with fresh.app_context():
        db.engine.dispose()
