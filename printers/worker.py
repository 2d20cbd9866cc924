"""The print worker: sends queued jobs after the commit, retries, survives errors.

A job is claimed with one atomic ``UPDATE ... WHERE id = :id AND status IN
('pending', 'failed') AND <due>``: only the worker whose update touched the row
prints it, so two workers (threads or processes) never print the same job. The
claim is committed before the printer is touched, and the outcome after.

- a failure leaves the job ``failed`` with the reason and the next attempt after a
  backoff (2 s, 5 s, 15 s, then every 60 s); the printer's other waiting jobs wait as
  long, so they print in order when it comes back;
- a failed job with no next attempt (a test page from the command line) waits for
  the retry button;
- a cash-drawer kick older than ``DRAWER_MAX_AGE`` seconds is ``dropped``, never
  fired late;
- a job left ``printing`` by a worker that died is given back after ``STALE_CLAIM``.
"""

import logging
import os
import socket
import threading
import time
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from mart.db import utcnow
from mart.extensions import db
from printers import services, transport
from printers.models import Printer, PrintJob

log = logging.getLogger("mart.printers.worker")

DRAWER_MAX_AGE = 5.0  # seconds
STALE_CLAIM = timedelta(minutes=2)
RECOVER_EVERY = timedelta(seconds=30)
POLL_SECONDS = 1.0
BATCH = 50

WAKE = threading.Event()


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    if session.info.pop("printers_wake", False):
        WAKE.set()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    session.info.pop("printers_wake", None)


def worker_name(suffix="") -> str:
    name = f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
    return (name + suffix)[:64]


class Worker:
    """Sends print jobs. ``run_once()`` works through what is due; ``run()`` loops."""

    def __init__(self, app, name=None, poll=POLL_SECONDS, clock=utcnow):
        self.app = app
        self.name = name or worker_name()
        self.poll = poll
        self.clock = clock  # tests move time forward instead of sleeping
        self._recovered_at = None

    # -- one pass --------------------------------------------------------------

    def run_once(self) -> dict:
        """Send every job due now, oldest first. Returns counts by outcome."""
        outcome = {"done": 0, "failed": 0, "dropped": 0}
        with self.app.app_context():
            try:
                self._recover_stale()
                failed_printers = set()
                for job_id, printer_id in self._due():
                    if printer_id in failed_printers:
                        continue
                    result, printer_id = self._process(job_id)
                    if result:
                        outcome[result] += 1
                    if result == "failed":
                        failed_printers.add(printer_id)
            finally:
                db.session.remove()
        return outcome

    def _due(self):
        now = self.clock()
        jobs, printers = PrintJob.__table__, Printer.__table__
        stmt = (
            sa.select(jobs.c.id, jobs.c.printer_id)
            .select_from(jobs.outerjoin(printers, printers.c.id == jobs.c.printer_id))
            .where(
                sa.or_(
                    sa.and_(
                        jobs.c.status == "pending",
                        sa.or_(jobs.c.next_attempt_at.is_(None), jobs.c.next_attempt_at <= now),
                    ),
                    sa.and_(jobs.c.status == "failed", jobs.c.next_attempt_at <= now),
                ),
                sa.or_(jobs.c.printer_id.is_(None), printers.c.active.is_(True)),
            )
            .order_by(jobs.c.id)
            .limit(BATCH)
        )
        rows = db.session.execute(stmt).all()
        db.session.commit()
        return rows

    def _claim(self, job_id, default_id, *, now_or_never=False) -> bool:
        """Take the job for this worker; False if another worker has it (or it is not due).

        ``now_or_never``: any job still waiting is taken, due or not (the command
        line's test page, sent at once even while the printer's queue waits)."""
        jobs = PrintJob.__table__
        now = self.clock()
        due = sa.or_(
            sa.and_(
                jobs.c.status == "pending",
                sa.or_(jobs.c.next_attempt_at.is_(None), jobs.c.next_attempt_at <= now),
            ),
            sa.and_(jobs.c.status == "failed", jobs.c.next_attempt_at <= now),
        )
        if now_or_never:
            due = jobs.c.status.in_(("pending", "failed"))
        values = {
            "status": "printing",
            "claimed_by": self.name,
            "claimed_at": now,
            "attempts": jobs.c.attempts + 1,
        }
        stmt = sa.update(jobs).where(jobs.c.id == job_id, due)
        if default_id is not None:
            stmt = stmt.where(jobs.c.printer_id.is_(None))
            values["printer_id"] = default_id
        result = db.session.execute(stmt.values(**values))
        db.session.commit()
        return result.rowcount == 1

    def _process(self, job_id):
        job = db.session.get(PrintJob, job_id)
        if job is None:
            return None, None
        default_id = None
        if job.printer_id is None:
            default = services.default_printer()
            if default is None:
                db.session.commit()
                return None, None  # no printer at all: it waits, visible on the page
            default_id = default.id
        db.session.commit()
        if not self._claim(job_id, default_id):
            return None, None
        job = db.session.get(PrintJob, job_id)
        db.session.refresh(job)
        printer = db.session.get(Printer, job.printer_id)
        if (
            job.kind == "drawer"
            and (self.clock() - job.created_at).total_seconds() > DRAWER_MAX_AGE
        ):
            self._finish(job, "dropped", "drawer kick too old: not fired late")
            return "dropped", printer.id
        if job.kind == "drawer" and printer.drawer is None:
            # The printer has no cash drawer (as configured now): nothing to open.
            self._finish(job, "dropped", "no cash drawer configured on this printer")
            return "dropped", printer.id
        try:
            data = services.job_bytes(job, printer)
            db.session.commit()  # no transaction held while talking to the printer
            transport.send(printer, data)
        except transport.PrinterError as exc:
            self._fail(job, printer, exc.reason)
            return "failed", printer.id
        except Exception as exc:  # a bad payload must not stop the worker
            log.exception("print job %s failed", job_id)
            reason = f"internal error: {exc.__class__.__name__}: {exc}"
            self._fail(job, printer, reason, hold_others=False)
            return "failed", None  # the printer is not at fault: its other jobs go on
        self._finish(job, "done", None)
        return "done", printer.id

    def _finish(self, job, status, reason):
        jobs = PrintJob.__table__
        db.session.execute(
            sa.update(jobs)
            .where(jobs.c.id == job.id, jobs.c.claimed_by == self.name)
            .values(
                status=status,
                last_error=reason,
                printed_at=self.clock() if status == "done" else None,
                next_attempt_at=None,
            )
        )
        db.session.commit()
        log.info("print job %s %s", job.id, status)

    def _fail(self, job, printer, reason, retry=True, hold_others=True):
        jobs = PrintJob.__table__
        attempts = db.session.scalar(sa.select(jobs.c.attempts).where(jobs.c.id == job.id)) or 1
        when = (
            self.clock() + timedelta(seconds=services.backoff_seconds(attempts)) if retry else None
        )
        db.session.execute(
            sa.update(jobs)
            .where(jobs.c.id == job.id, jobs.c.claimed_by == self.name)
            .values(status="failed", last_error=reason[:500], next_attempt_at=when)
        )
        if retry and hold_others:
            # The printer's other waiting jobs wait as long, so they keep their order.
            db.session.execute(
                sa.update(jobs)
                .where(
                    jobs.c.printer_id == printer.id,
                    jobs.c.id != job.id,
                    jobs.c.status.in_(("pending", "failed")),
                    sa.or_(jobs.c.next_attempt_at.is_(None), jobs.c.next_attempt_at < when),
                    jobs.c.kind != "drawer",
                )
                .values(next_attempt_at=when)
            )
        db.session.commit()
        log.warning("print job %s failed on %s: %s", job.id, printer.name, reason)

    def _recover_stale(self):
        now = self.clock()
        if self._recovered_at is not None and now - self._recovered_at < RECOVER_EVERY:
            return
        self._recovered_at = now
        jobs = PrintJob.__table__
        db.session.execute(
            sa.update(jobs)
            .where(jobs.c.status == "printing", jobs.c.claimed_at < self.clock() - STALE_CLAIM)
            .values(
                status="failed",
                last_error="interrupted while printing",
                next_attempt_at=self.clock(),
            )
        )
        db.session.commit()

    # -- one job now (the CLI's test page) ---------------------------------------

    def send_now(self, job_id) -> tuple[str, str | None]:
        """Claim and send one job at once; a failure is not retried by itself.

        Answers ``("busy", ...)`` when another worker (the branch's running print
        worker) holds the job: ``wait_for`` then tells how it ended."""
        with self.app.app_context():
            try:
                if not self._claim(job_id, None, now_or_never=True):
                    return "busy", "the job was taken by another worker"
                job = db.session.get(PrintJob, job_id)
                printer = db.session.get(Printer, job.printer_id)
                try:
                    data = services.job_bytes(job, printer)
                    db.session.commit()
                    transport.send(printer, data)
                except transport.PrinterError as exc:
                    self._fail(job, printer, exc.reason, retry=False)
                    return "failed", exc.reason
                self._finish(job, "done", None)
                return "done", None
            finally:
                db.session.remove()

    def wait_for(self, job_id, timeout: float, pause: float = 0.1) -> tuple[str, str | None]:
        """How a job another worker holds ended: ``("done"|"failed"|"dropped", reason)``
        once it leaves ``printing``, or ``("timeout", ...)`` after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        jobs = PrintJob.__table__
        while True:
            with self.app.app_context():
                try:
                    row = db.session.execute(
                        sa.select(jobs.c.status, jobs.c.last_error).where(jobs.c.id == job_id)
                    ).first()
                finally:
                    db.session.remove()
            if row is None:
                return "failed", "the job is gone"
            if row.status in ("done", "failed", "dropped"):
                return row.status, row.last_error
            if row.status == "pending" or time.monotonic() >= deadline:
                # given back (a stale claim) or still printing: say so
                return ("pending" if row.status == "pending" else "timeout"), row.last_error
            time.sleep(pause)

    # -- the loop ----------------------------------------------------------------

    def run(self, stop: threading.Event | None = None) -> None:
        """Loop until ``stop`` is set; errors are logged and the loop goes on."""
        stop = stop or threading.Event()
        pause = self.poll
        while not stop.is_set():
            try:
                self.run_once()
                pause = self.poll
            except Exception:
                log.exception("print worker pass failed; trying again")
                pause = min(30.0, pause * 2)
            WAKE.wait(pause)
            WAKE.clear()


class _Stop(threading.Event):
    """The worker's stop event; setting it also wakes the worker from its pause."""

    def set(self):
        super().set()
        WAKE.set()


def start_in_app(app) -> threading.Thread | None:
    """``mart_workers`` entry: the worker as a daemon thread of the app process."""
    if app.config.get("MART_MODE") == "association":
        return None
    stop = _Stop()
    worker = Worker(app, name=worker_name(":thread"))
    thread = threading.Thread(target=worker.run, args=(stop,), name="printers-worker", daemon=True)
    thread.stop = stop  # mart.stop_workers
    thread.start()
    app.extensions.setdefault("printers_worker", []).append((thread, stop))
    return thread
