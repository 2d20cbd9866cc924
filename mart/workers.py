"""The background workers (print queue, roll-up sender, daily backup) run in ONE process.

gunicorn starts several worker processes, each building the app. With
``MART_START_WORKERS=1`` every one of them used to start its own threads: four print
workers polling the same queue, racing for the same jobs, each woken by its own
process's commits, four roll-up rebuilds at start. Now the first process to take an
exclusive ``flock`` on ``<instance>/workers.lock`` runs them; the others keep a standby
thread that tries the lock again every ``RETRY_SECONDS`` (a system call, no database),
so when that process exits (gunicorn's ``max_requests``, a crash) another takes over.
The lock goes with the process: the kernel releases it when the process dies.

The print worker is woken across processes through a datagram socket (see
``printers.worker``); the roll-up sender and the backup only need their timers.

Every one of them is a thread made by ``start_thread`` (a named daemon thread with its
``stop`` event, and a ``wake`` event that setting ``stop`` also sets), most running
``run_every`` (a step, then a pause of ``interval`` seconds, until stopped).
"""

import fcntl
import logging
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("mart.workers")

RETRY_SECONDS = 5.0
LOCK_FILE = "workers.lock"


class Stop(threading.Event):
    """A worker's stop event. Setting it also sets its ``wake`` event (if any), so a
    worker pausing on its wake-up ends at once."""

    def __init__(self, wake: threading.Event | None = None):
        super().__init__()
        self.wake = wake

    def set(self):
        super().set()
        if self.wake is not None:
            self.wake.set()


def start_thread(
    name: str,
    target: Callable[[Stop], None],
    *,
    wake: threading.Event | None = None,
    stop: Stop | None = None,
) -> threading.Thread:
    """Run ``target(stop)`` in a daemon thread called ``name``; ``thread.stop`` (what
    ``stop`` below and ``mart.stop_workers`` set) tells it to end. ``stop`` may be made
    beforehand (``Stop(wake)``) when something else must see it first."""
    stop = stop if stop is not None else Stop(wake)
    thread = threading.Thread(target=target, args=(stop,), name=name, daemon=True)
    thread.stop = stop
    thread.start()
    return thread


def run_every(interval: float, step: Callable[[], None]) -> Callable[[Stop], None]:
    """A thread's target: ``step()`` now and then every ``interval`` seconds until
    stopped. An error is logged and the loop goes on (a worker must outlive it)."""

    def loop(stop: Stop) -> None:
        while not stop.is_set():
            try:
                step()
            except Exception:
                log.exception("%s: a pass failed", threading.current_thread().name)
            stop.wait(interval)

    return loop


def _try_lock(path: Path):
    """The lock file, open and locked by this process; or None if another holds it."""
    handle = open(path, "a")  # noqa: SIM115 - held for the life of the workers
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def _start_all(app, handle) -> None:
    state = app.extensions["mart_workers_state"]
    state["lock"] = handle
    started = app.extensions.setdefault("mart_threads", [])
    for start in app.extensions.get("mart_workers", []):
        thread = start(app)
        if thread is not None:
            started.append(thread)
    log.info("background workers started in this process")


def start(app) -> None:
    """Start the app's ``mart_workers`` here if this process holds the lock, else wait
    for it in a standby thread."""
    path = Path(app.instance_path) / LOCK_FILE
    state = app.extensions.setdefault("mart_workers_state", {"lock": None, "standby": None})
    handle = _try_lock(path)
    if handle is not None:
        _start_all(app, handle)
        return

    def standby(stop):
        while not stop.wait(RETRY_SECONDS):
            handle = _try_lock(path)
            if handle is not None:
                if stop.is_set():  # stopped while taking it
                    handle.close()
                    return
                _start_all(app, handle)
                return

    state["standby"] = start_thread("mart-workers-standby", standby)


def running_here(app) -> bool:
    """Whether this process runs the background workers (holds the lock)."""
    return (app.extensions.get("mart_workers_state") or {}).get("lock") is not None


def stop(app, timeout: float = 10.0) -> None:
    """Stop the standby thread, then the workers, and give the lock back."""
    state = app.extensions.get("mart_workers_state") or {}
    standby = state.get("standby")
    if standby is not None:
        standby.stop.set()
        standby.join(timeout)
        state["standby"] = None
    threads = app.extensions.get("mart_threads", [])
    for thread in threads:
        thread.stop.set()
    for thread in threads:
        thread.join(timeout)
    threads.clear()
    if state.get("lock") is not None:
        state["lock"].close()
        state["lock"] = None
