"""gunicorn settings for an OK OCE Mart branch (or the association hub).

    gunicorn --config deploy/gunicorn.conf.py wsgi:app

Every value can be overridden on the command line or through the environment
(MART_BIND, MART_WORKERS, MART_THREADS). A branch PC with SQLite: 1 worker x 8
threads is plenty for 8 registers. A branch on PostgreSQL: one process per CPU core,
8 threads each (a thread waiting on the database lets another run Python). Two per
core sold as fast on the free 2-core machine and 13% slower with half its CPU: 133
against 150 sales/s with 8 registers, the processes' CPU a sale 4,6-5,1 ms against
4,0-4,3 (pos/README.md, "Processes, 4 December"). The association hub
(MART_MODE=association) keeps two per core, as its figures were measured.

The background workers (MART_START_WORKERS=1: print queue, roll-up sender, backup) run
in ONE process of their own, started by ``on_starting`` below and stopped by
``on_exit`` (``mart/workers_process.py``); the serving processes start none
(MART_WORKERS_ELSEWHERE=1). MART_WORKERS_PROCESS=0 keeps them as threads of one
serving process, as before.
"""

import gc
import os
import subprocess
import sys
import threading
import time

bind = os.environ.get("MART_BIND", "127.0.0.1:5000")
_sqlite = not os.environ.get("MART_DATABASE_URL", "").startswith("postgres")
_hub = os.environ.get("MART_MODE", "branch") == "association"
# SQLite has one writer at a time: one process whose threads queue for it behaves
# better than several processes polling the lock (bench/load_test.py measured it).
# PostgreSQL: one per core for a branch, two for the hub (above). Unset or empty: the
# default, as the app reads its numeric settings (config.py).
workers = int(
    os.environ.get("MART_WORKERS") or (1 if _sqlite else (2 if _hub else 1) * (os.cpu_count() or 1))
)
threads = int(os.environ.get("MART_THREADS") or 8)
worker_class = "gthread"
timeout = 60
graceful_timeout = 20
keepalive = 5
# Reject absurd requests before they reach the app.
limit_request_line = 8190
limit_request_fields = 100

# One JSON line per request, with the request id the app gives back in X-Request-Id
# (the same id is in the app's own log lines, see mart/logs.py).
accesslog = "-"
errorlog = "-"
access_log_format = (
    '{"time": "%(t)s", "logger": "access", "request_id": "%({x-request-id}o)s", '
    '"remote": "%(h)s", "method": "%(m)s", "path": "%(U)s", "status": %(s)s, '
    '"bytes": "%(B)s", "ms": %(M)s, "agent": "%(a)s"}'
)
# Query strings are left out of the access log on purpose: they may carry a member
# number or a phone number (see mart/logs.py on masking).
# gunicorn's logger, whose access line looks up only the values the format names and
# escapes them as JSON (a path with a line break wrote two lines): mart/access_log.py.
logger_class = "mart.access_log.AccessLogger"


def post_worker_init(worker):
    """The app is loaded in this serving process: its objects (modules, the app, the
    models, the catalogues: some 220,000) move to the collector's permanent generation
    (``gc.freeze``), so a full collection looks only at what requests made since. Left
    in, a full collection took about 220 ms on a 2-core machine and fell on whichever
    request was running (the hub's evening peak measured its slowest reports there:
    bench/bench_rollup.py; tests/reliability/test_operations.py)."""
    _warm_up(worker)
    gc.freeze()
    worker.log.info("gc: %s objects of the loaded app frozen", gc.get_freeze_count())


def _warm_up(worker):
    """The app's warm-ups (``app.extensions["mart_warm_up"]``: the hub's reads, whose
    statements are built and compiled once per process) before the first request. A
    warm-up that fails is logged, and one still running after ``WARM_UP_WAIT`` seconds
    (a database that does not answer) goes on beside the requests: the process serves
    all the same, and is never held past gunicorn's ``timeout``."""
    app = worker.wsgi
    warm_ups = getattr(app, "extensions", {}).get("mart_warm_up", [])

    def run():
        for warm in warm_ups:
            started = time.monotonic()
            try:
                warm(app)
            except Exception:
                worker.log.exception("warm-up %s failed", getattr(warm, "__name__", warm))
            else:
                took = (time.monotonic() - started) * 1000
                worker.log.info("warm-up %s: %.0f ms", warm.__name__, took)

    thread = threading.Thread(target=run, name="mart-warm-up", daemon=True)
    thread.start()
    thread.join(WARM_UP_WAIT)
    if thread.is_alive():
        worker.log.warning("warm-up still running after %s s: serving meanwhile", WARM_UP_WAIT)


WARM_UP_WAIT = min(20, timeout / 3)


# --- the background workers' process ------------------------------------------------

_TRUE = ("1", "true", "yes", "on")
_workers = {"proc": None, "stopping": False}


def _workers_process_wanted() -> bool:
    return (
        os.environ.get("MART_START_WORKERS", "").lower() in _TRUE
        and os.environ.get("MART_WORKERS_PROCESS", "1").lower() in _TRUE
    )


def on_starting(server):
    """Start the workers' process before the serving processes are forked; those
    inherit MART_WORKERS_ELSEWHERE=1 and start no worker threads."""
    if not _workers_process_wanted():
        return
    env = dict(os.environ)
    env.pop("MART_WORKERS_ELSEWHERE", None)
    os.environ["MART_WORKERS_ELSEWHERE"] = "1"
    cwd = server.cfg.chdir or os.getcwd()

    def spawn():
        return subprocess.Popen([sys.executable, "-m", "mart.workers_process"], env=env, cwd=cwd)

    _workers["proc"] = spawn()
    server.log.info("background workers: process %s", _workers["proc"].pid)

    def watch():
        # gunicorn's master may reap the child itself (SIGCHLD): wait() then answers 0.
        while not _workers["stopping"]:
            code = _workers["proc"].wait()
            if _workers["stopping"]:
                return
            server.log.warning("background workers process ended (%s): starting it again", code)
            time.sleep(3)
            if not _workers["stopping"]:
                _workers["proc"] = spawn()

    threading.Thread(target=watch, name="mart-workers-watch", daemon=True).start()


def on_exit(server):
    """Stop the workers' process with gunicorn (it finishes the job in hand)."""
    _workers["stopping"] = True
    proc = _workers["proc"]
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(graceful_timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
