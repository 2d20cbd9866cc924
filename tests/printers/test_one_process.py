"""The background workers run in one process of the server, and a commit in any other
process wakes its print worker (mart/workers.py, printers/worker.py).

gunicorn runs several processes, each building the app with MART_START_WORKERS=1:
before, each started its own print worker, roll-up sender and backup thread (four
print workers racing for every job, each woken by its own process's commits).
"""

import json
import os
import subprocess
import sys
import time

from mart import stop_workers, workers
from mart.extensions import db
from printers import services
from printers import worker as print_worker
from printers.document import Document
from printers.models import PrintJob
from tests.conftest import ROOT


def _names(app):
    return sorted(t.name for t in app.extensions.get("mart_threads", []))


def _wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_only_one_process_runs_the_workers_and_another_takes_over(app_factory, monkeypatch):
    monkeypatch.setattr(workers, "RETRY_SECONDS", 0.05)
    first = app_factory(MART_START_WORKERS=True)
    second = app_factory(MART_START_WORKERS=True)  # another gunicorn process, as far as
    # the lock file goes: flock locks belong to the open file, not the process
    assert "printers-worker" in _names(first) and "rollup-sender" in _names(first)
    assert _names(second) == []
    assert workers.running_here(first) and not workers.running_here(second)
    stop_workers(first)  # that process exits: its lock goes with it
    expected = sorted(["printers-worker", "rollup-sender", "mart-backup"])
    assert _wait_for(lambda: _names(second) == expected)
    assert workers.running_here(second)
    assert _names(second) == sorted(["printers-worker", "rollup-sender", "mart-backup"])


def test_a_commit_in_another_process_wakes_the_print_worker(
    app_factory, database_url, instance_path, network_printer, fake_printer, monkeypatch
):
    # The worker would not look by itself for an hour: only the wake-up can print this.
    monkeypatch.setattr(print_worker, "POLL_SECONDS", 3600.0)
    leader = app_factory(MART_START_WORKERS=True)
    assert _wait_for(lambda: print_worker._wake["listening"])
    time.sleep(0.2)  # let the worker's first pass (at start) finish and pause
    script = f"""
import json, sys
sys.path.insert(0, {str(ROOT)!r})
from tests.conftest import make_config
from mart import create_app, stop_workers
from mart.extensions import db
from printers import services
from printers.document import Document
app = create_app(make_config({database_url!r}, {instance_path!r}, MART_START_WORKERS=True))
with app.app_context():
    job = services.queue_document(Document(title="JOB X"), {network_printer})
    db.session.commit()
    print(json.dumps(job.id))
stop_workers(app)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    job_id = json.loads(done.stdout.strip().splitlines()[-1])

    def printed():
        with leader.app_context():
            job = db.session.get(PrintJob, job_id)
            found = (job.status, job.claimed_by)
            db.session.remove()
            return found

    assert _wait_for(lambda: printed()[0] == "done")
    # ... by this process's worker: the other process started none of its own
    assert f":{os.getpid()}:" in printed()[1]
    assert len(fake_printer.jobs) == 1


def test_wake_without_a_listener_is_silent(app, tmp_path, monkeypatch):
    monkeypatch.setitem(print_worker._wake, "path", str(tmp_path / "nobody.sock"))
    monkeypatch.setitem(print_worker._wake, "listening", False)
    print_worker._notify_worker_process()  # no socket there: nothing raised
    with app.app_context():
        services.queue_document(Document(title="J"), None)
        db.session.commit()  # the after-commit hook sends the same datagram
