"""gunicorn with ``deploy/gunicorn.conf.py`` and ``MART_START_WORKERS=1`` runs the
background workers in ONE process of their own (``mart/workers_process.py``), not in
its serving processes: a queued print job is printed on the loopback printer by that
process, and the process stops with gunicorn (issue 13, speed with workers on)."""

import os
import signal
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from mart import create_app, workers_process
from mart.extensions import db
from printers import services
from printers.document import Document
from printers.models import PrintJob
from tests.conftest import dispose_when_idle, make_config
from tests.reliability.server import Server


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(n) for n in text]
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _wait(check, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    return check()


def _printed_by(app, job_id):
    """The worker name that printed the job ("host:pid:thread..."), once done."""
    with app.app_context():
        job = db.session.get(PrintJob, job_id)
        done = job.status == "done" and job.claimed_by
        db.session.rollback()
        return done


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")
def test_workers_run_in_their_own_process_and_stop_with_gunicorn(
    app, database_url, instance_path, network_printer, fake_printer
):
    env = {
        "MART_START_WORKERS": "1",
        "MART_PRINTER_HOSTS": "127.0.0.1",
        "MART_PRINTER_PORTS": "9100,1024-65535",
    }
    server = Server(database_url, instance_path, workers=2, threads=2, env=env).start()
    try:
        master = server.proc.pid
        found = _wait(
            lambda: [p for p in _children(master) if "mart.workers_process" in _cmdline(p)]
        )
        assert len(found) == 1, [_cmdline(p) for p in _children(master)]
        process = found[0]
        serving = [p for p in _children(master) if p != process]
        assert len(serving) == 2  # gunicorn's serving processes, beside it

        with app.app_context():
            job_id = services.queue_document(Document(title="JOB W"), network_printer).id
            db.session.commit()

        claimed_by = _wait(lambda: _printed_by(app, job_id))
        assert claimed_by, server.log_tail()
        assert claimed_by.split(":")[1] == str(process)  # printed by the workers' process
        assert fake_printer.jobs

        os.kill(master, signal.SIGTERM)  # gunicorn stops: the workers' process with it
        server.proc.wait(timeout=30)
        assert _wait(lambda: not _alive(process)), _cmdline(process)
    finally:
        server.stop()


def test_workers_process_setting_off_keeps_the_threads(
    app, database_url, instance_path, network_printer, fake_printer
):
    """``MART_WORKERS_PROCESS=0``: no separate process; a serving process prints."""
    env = {
        "MART_START_WORKERS": "1",
        "MART_WORKERS_PROCESS": "0",
        "MART_PRINTER_HOSTS": "127.0.0.1",
        "MART_PRINTER_PORTS": "9100,1024-65535",
    }
    server = Server(database_url, instance_path, workers=1, threads=2, env=env).start()
    try:
        master = server.proc.pid
        children = _wait(lambda: _children(master))
        assert not [p for p in children if "mart.workers_process" in _cmdline(p)]
        with app.app_context():
            job_id = services.queue_document(Document(title="JOB T"), network_printer).id
            db.session.commit()

        claimed_by = _wait(lambda: _printed_by(app, job_id))
        assert claimed_by and int(claimed_by.split(":")[1]) in children, server.log_tail()
    finally:
        server.stop()


def test_the_workers_process_commits_without_waiting_for_the_disk(
    database_url, instance_path, is_postgres
):
    """On PostgreSQL the workers' process sets ``synchronous_commit`` off for its own
    connections (set by the client, not the database's setting); on SQLite nothing."""
    overrides = workers_process._overrides({"MART_DATABASE_URL": database_url})
    if not is_postgres:
        assert "SQLALCHEMY_ENGINE_OPTIONS" not in overrides
        return
    app = create_app(make_config(database_url, instance_path, **overrides))
    with app.app_context():
        row = db.session.execute(
            sa.text("SELECT setting, source FROM pg_settings WHERE name = 'synchronous_commit'")
        ).one()
        db.session.rollback()
    dispose_when_idle(app)
    assert tuple(row) == ("off", "client")
