"""The background workers (print queue, roll-up sender, daily backup) in a process of
their own, beside gunicorn's serving processes.

Measured on PostgreSQL (README, "Issue 13: what changed (3 Dec)"): with the workers as
threads of a serving process, their Python shared that process's GIL with the sales it
served, and their commits waited on the same WAL flushes. ``deploy/gunicorn.conf.py``
now starts this process from its ``on_starting`` hook when ``MART_START_WORKERS=1``
(``MART_WORKERS_PROCESS=0`` keeps the threads in a serving process, as before), marks
the serving processes ``MART_WORKERS_ELSEWHERE=1`` so they start none, starts it again
if it dies, and stops it with gunicorn (SIGTERM; it also ends by itself when its parent
goes). Commits still wake the print worker here through its datagram socket
(``printers.worker``).

On PostgreSQL this process's transactions run with ``synchronous_commit`` off: a
worker's commit does not wait for the WAL to reach the disk. What a crash could lose
is at most the last few hundred milliseconds of worker bookkeeping (a print job marked
done prints again, a roll-up marked sent is sent again: the hub keeps revisions
idempotent); never a sale, which the serving processes commit as before.

    python -m mart.workers_process       # what the gunicorn hook runs
"""

import logging
import os
import signal
import threading

from mart import create_app, workers

log = logging.getLogger("mart.workers")

PARENT_CHECK_SECONDS = 1.0


def _overrides(environ) -> dict:
    """The app's settings for this process: the workers on (started below, once the
    app is built), and on PostgreSQL commits that do not wait for the disk."""
    overrides = {"MART_START_WORKERS": False, "MART_WORKERS_ELSEWHERE": False}
    url = environ.get("MART_DATABASE_URL", "")
    if url.startswith(("postgresql", "postgres:")):
        overrides["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": True,
            "connect_args": {"options": "-c synchronous_commit=off"},
        }
    return overrides


def build_app(environ=None):
    environ = os.environ if environ is None else environ
    app = create_app(_overrides(environ))
    app.config["MART_START_WORKERS"] = True  # what this process is for
    return app


def main() -> None:
    app = build_app()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    parent = os.getppid()
    workers.start(app)
    log.info("background workers process %s started (parent %s)", os.getpid(), parent)
    while not stop.wait(PARENT_CHECK_SECONDS):
        if os.getppid() != parent:  # gunicorn's master went without stopping us
            break
    workers.stop(app)
    log.info("background workers process %s stopped", os.getpid())


if __name__ == "__main__":
    main()
