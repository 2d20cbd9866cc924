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
- a job left ``printing`` by a worker that died is given back after ``STALE_CLAIM``;
- a cash-drawer kick never waits behind a burst of receipts: kicks are claimed first,
  at most ``BATCH`` (20) jobs are claimed at once, and a kick queued while receipts
  print (its commit set ``KICK``) is claimed and sent after the receipt being printed,
  before the next, once the round has been sending for ``KICK_LOOK_SECONDS``; a round
  that ends sooner leaves it to the next pass, whose claim takes kicks first. Only a
  commit that queued a kick sets ``KICK``: a burst of receipts alone costs no
  statement between them.

One process of the server runs the worker (``mart.workers``). A commit that queued a
job wakes it at once: in its own process through ``WAKE``, from the other gunicorn
processes by a one-byte datagram to ``<instance>/print-wake.sock``, which the worker's
process listens on (a ``sendto`` of a few microseconds, never waiting; without the
socket the worker still finds the job at its next poll, ``POLL_SECONDS``).
"""

import atexit
import contextlib
import logging
import os
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from mart import workers
from mart.db import utcnow
from mart.extensions import db
from printers import services, transport
from printers.models import WAITING_STATUSES, Printer, PrintJob

log = logging.getLogger("mart.printers.worker")

DRAWER_MAX_AGE = 5.0  # seconds
STALE_CLAIM = timedelta(minutes=2)
RECOVER_EVERY = timedelta(seconds=30)
GATHER_SECONDS = 0.05  # a receipt prints this much later; a burst of sales, one pass
POLL_SECONDS = 2.0  # a fallback: commits wake the worker (WAKE, the wake socket)
BATCH = 20  # a kick queued behind a burst waits for at most this many receipts
# Between two receipts a kick queued meanwhile is looked for only once the round has
# been sending this long. A printer that takes receipts as fast as they come ends its
# round first, and the next pass claims the kick first (GATHER_SECONDS later): under
# load, where every cash sale queues a kick, a round no longer claims a kick or two
# after nearly every receipt (0,3 claims a sale, a fifth of the worker's time, 4 Dec).
# A printer slow to take them (its buffer full in a burst) is past this after one.
KICK_LOOK_SECONDS = 0.1
# a pass claims again while it finds full batches, up to this many times
MAX_ROUNDS = 50
# The worker reads the printers again after this many seconds (a changed address or
# a new printer is seen by then) and after any failed job.
PRINTERS_FRESH = 5.0

WAKE = threading.Event()
# A commit queued a cash-drawer kick (set with WAKE; the wake socket's datagram is b"k").
# Cleared before each round's claim: a kick committed after it sets it again.
KICK = threading.Event()
WAKE_SOCKET = "print-wake.sock"
# AF_UNIX addresses are at most 107 bytes: a longer instance path polls instead.
_MAX_SOCKET_PATH = 100
_wake = {"path": None, "listening": False, "sock": None}
_wake_lock = threading.Lock()


def configure_wake(app) -> None:
    """Where this process's commits send their wake-up (called by ``init_app``)."""
    path = str(Path(app.instance_path) / WAKE_SOCKET)
    _wake["path"] = path if len(path) <= _MAX_SOCKET_PATH else None


def _notify_worker_process(kick=False) -> None:
    """Wake the worker in another process: one datagram (``b"k"`` when a drawer kick was
    queued, else ``b"w"``), never blocking, never raising."""
    path = _wake["path"]
    if path is None or _wake["listening"]:
        return  # no socket, or the worker runs in this process (WAKE did it)
    sock = _wake["sock"]
    if sock is None:
        with _wake_lock:
            if _wake["sock"] is None:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                sock.setblocking(False)
                atexit.register(sock.close)
                _wake["sock"] = sock
            sock = _wake["sock"]
    # No worker listening (yet), or its buffer is full (it is awake anyway): ignored.
    with contextlib.suppress(OSError):
        sock.sendto(b"k" if kick else b"w", path)


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    wake = session.info.pop("printers_wake", False)
    if wake:
        if wake == "kick":
            KICK.set()
        WAKE.set()
        _notify_worker_process(kick=wake == "kick")


@event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    session.info.pop("printers_wake", None)


def worker_name(suffix="") -> str:
    name = f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
    return (name + suffix)[:64]


def _status_is(status: str):
    """``print_jobs.status = 'pending'`` with the status written into the statement, not
    a parameter: only then can PostgreSQL's plan for any parameters use the partial
    index of the waiting jobs (``ix_print_jobs_waiting``, ``printers.models``)."""
    assert status in WAITING_STATUSES
    return PrintJob.__table__.c.status == sa.literal_column(f"'{status}'", sa.String)


def _due(now):
    jobs = PrintJob.__table__
    return sa.or_(
        sa.and_(
            _status_is("pending"),
            sa.or_(jobs.c.next_attempt_at.is_(None), jobs.c.next_attempt_at <= now),
        ),
        sa.and_(_status_is("failed"), jobs.c.next_attempt_at <= now),
    )


def _claim_statement(kicks_only=False):
    """Claim what is due (``kicks_only``: the drawer kicks due) in one statement, built
    once (building it per pass cost more CPU than running it). The due jobs are chosen
    and locked by the inner select (``FOR UPDATE SKIP LOCKED`` on PostgreSQL: a job
    another worker is claiming is passed over, and one it claimed meanwhile no longer
    matches when locked); the update then finds them by id. (Until 4 Dec the update
    checked the due condition again itself: PostgreSQL then read every waiting job
    twice, 2-3 ms a claim with a backlog. On SQLite one writer at a time makes both the same.)"""
    jobs, printers = PrintJob.__table__, Printer.__table__
    now = sa.bindparam("now", type_=jobs.c.claimed_at.type)
    due = (
        sa.select(jobs.c.id)
        .select_from(jobs.outerjoin(printers, printers.c.id == jobs.c.printer_id))
        .where(_due(now), sa.or_(jobs.c.printer_id.is_(None), printers.c.active.is_(True)))
        .order_by(sa.case((jobs.c.kind == "drawer", 0), else_=1), jobs.c.id)
        .limit(BATCH)
        .with_for_update(of=jobs, skip_locked=True)
    )
    if kicks_only:
        due = due.where(jobs.c.kind == "drawer")
    return (
        sa.update(jobs)
        .where(jobs.c.id.in_(due.scalar_subquery()))
        .values(
            status="printing",
            claimed_by=sa.bindparam("worker"),
            claimed_at=now,
            attempts=jobs.c.attempts + 1,
            printer_id=sa.func.coalesce(
                jobs.c.printer_id, sa.bindparam("default_id", type_=sa.Integer)
            ),
        )
        .returning(
            jobs.c.id,
            jobs.c.printer_id,
            jobs.c.kind,
            jobs.c.payload,
            jobs.c.created_at,
            jobs.c.last_error,
        )
    )


def _mark_done_statement(dialect=None):
    """The round's sent jobs marked done. On PostgreSQL their ids are one array
    (``= ANY(:ids)``): an expanding ``IN`` is rendered into the statement's text again
    at every execution, and each count of ids was a statement of its own to prepare
    and plan (the done statement was 18% of the worker's samples under 8 registers, 4 Dec)."""
    jobs = PrintJob.__table__
    if dialect == "postgresql":
        ids = jobs.c.id == sa.any_(sa.bindparam("ids", type_=postgresql.ARRAY(sa.Integer)))
    else:
        ids = jobs.c.id.in_(sa.bindparam("ids", expanding=True))
    return (
        sa.update(jobs)
        .where(ids, jobs.c.claimed_by == sa.bindparam("worker"))
        .values(
            status="done",
            last_error=None,
            printed_at=sa.bindparam("now", type_=jobs.c.printed_at.type),
            next_attempt_at=None,
        )
    )


def _first(job) -> tuple:
    """The order jobs are sent in: drawer kicks first, then oldest first."""
    return (job.kind != "drawer", job.id)


_CLAIM = _claim_statement()
_MARK_DONE = {name: _mark_done_statement(name) for name in ("postgresql", None)}
_CLAIM_KICKS = _claim_statement(kicks_only=True)


class Worker:
    """Sends print jobs. ``run_once()`` works through what is due; ``run()`` loops."""

    def __init__(self, app, name=None, poll=None, clock=utcnow):
        self.app = app
        self.name = name or worker_name()
        self.poll = POLL_SECONDS if poll is None else poll
        self.clock = clock  # tests move time forward instead of sleeping
        self._recovered_at = None
        self._reason = None  # why the last job failed (_send_one)
        self._printer_cache = None  # (monotonic time, {id: Printer})
        self._conn = None  # the connection of the pass under way (run_once)
        self._kept = None  # the connection kept between passes (run_once(keep=True))
        self._autocommit = False  # whether it is in autocommit (PostgreSQL)
        self._round_started = 0.0  # monotonic time of the round's claim (_kicks_now)

    # -- one pass --------------------------------------------------------------

    def run_once(self, keep=False) -> dict:
        """Send every job due now, oldest first. Returns counts by outcome.

        Lean on purpose (it runs beside the sales): one connection for the whole pass;
        the printers read every few seconds; then per round the due jobs claimed in one
        statement (committed), sent printer by printer in order, and every job sent
        marked done in one more statement (committed). Core rows, no ORM objects to
        load, expire and load again after every commit. On PostgreSQL the connection
        is in autocommit: each of those single statements commits as it runs (no
        COMMIT round trip after it); the writes that belong together (a failure's)
        run in a transaction of their own (``_together``).

        ``keep`` (the loop, ``run``): the connection is kept for the next pass, so a
        pass neither takes one from the pool nor pings it (``pool_pre_ping``); a kept
        connection the server dropped meanwhile fails the pass's first statement, and
        the pass is then run once more on a new one."""
        outcome = {"done": 0, "failed": 0, "dropped": 0}
        with self.app.app_context():
            try:
                kept, self._kept = self._kept, None
                try:
                    self._use(kept or db.engine.connect())
                    try:
                        self._pass(outcome)
                    except sa.exc.DBAPIError as exc:
                        if kept is None or not exc.connection_invalidated:
                            raise
                        log.info("print worker: its connection was lost; a new one")
                        self._conn.close()
                        self._use(db.engine.connect())
                        self._pass(outcome)
                    if keep:
                        self._kept, self._conn = self._conn, None
                finally:
                    if self._conn is not None:
                        self._conn.close()
            finally:
                self._conn, self._autocommit = None, False
                db.session.remove()
        return outcome

    def close(self) -> None:
        """Give back the connection kept between passes (``run_once(keep=True)``)."""
        kept, self._kept = self._kept, None
        if kept is not None:
            kept.close()

    def _use(self, conn) -> None:
        """The pass's connection; on PostgreSQL in autocommit."""
        self._conn = conn
        self._autocommit = conn.dialect.name == "postgresql"
        if self._autocommit and conn.get_execution_options().get("isolation_level") != (
            "AUTOCOMMIT"
        ):
            conn.execution_options(isolation_level="AUTOCOMMIT")

    def _pass(self, outcome) -> None:
        self._recover_stale()
        for _round in range(MAX_ROUNDS):
            if not self._round(outcome):
                break

    # The statements of a pass run on its one connection; outside a pass (``send_now``,
    # the tests' direct calls) on the app's session.

    def _connection(self):
        return self._conn if self._conn is not None else db.session.connection()

    def _execute(self, statement, params=None):
        return self._connection().execute(statement, params)

    def _commit(self) -> None:
        """Commit (in autocommit: only ends the connection's logical transaction)."""
        if self._conn is not None:
            self._conn.commit()
        else:
            db.session.commit()

    @contextlib.contextmanager
    def _together(self):
        """Statements that commit together, then commit: on the pass's connection in
        autocommit, a transaction of their own (its isolation level as usual)."""
        conn = self._conn
        if not self._autocommit:
            yield
            self._commit()
            return
        conn.commit()  # end the logical transaction: the level can change only outside one
        conn.execution_options(isolation_level=conn.default_isolation_level)
        try:
            yield
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            conn.execution_options(isolation_level="AUTOCOMMIT")

    def _round(self, outcome) -> bool:
        """Claim at most ``BATCH`` due jobs (kicks first) and send them. True when it
        should claim again at once: the batch was full, or a kick was queued meanwhile."""
        printers = self._printers()
        if not any(p.active for p in printers.values()):
            return False  # nothing can print: the jobs wait, visible on the page
        default_id = min(p.id for p in printers.values() if p.active)
        KICK.clear()  # a kick committed before the claim is claimed by it
        claimed = self._claim_due(default_id)
        self._round_started = time.monotonic()
        groups = {}
        for job in claimed:
            groups.setdefault(job.printer_id, []).append(job)
        sent = []  # every printer's jobs sent this round: marked done in one statement
        for target, jobs in groups.items():
            printer = printers.get(target)
            if printer is None:  # a printer made since they were read: next pass
                self._printer_cache = None
                self._give_back(jobs)
            else:
                self._print_group(printer, jobs, outcome, sent, printers, default_id)
        self._mark_done(sent)
        outcome["done"] += len(sent)
        return len(claimed) >= BATCH

    def _kicks_now(self, current, outcome, sent, printers, default_id):
        """The drawer kicks queued since the round's claim, claimed and sent now, between
        two receipts (only looked for when a commit that queued one set ``KICK``: no
        query between the receipts of a burst, whose commits wake the worker too; and
        only once the round has been sending for ``KICK_LOOK_SECONDS``: before that,
        ``KICK`` stays set, and a quick round ends and the next pass claims it first).
        Answers the first kick that failed on ``current``, the printer whose receipts
        are being sent, with its reason (its caller gives the rest back, then fails it,
        as for a receipt), else None.

        Until 4 Dec a kick queued meanwhile gave the claimed receipts back and the round
        claimed again, the kick first: under load, where every cash sale queues a kick,
        a look for the kick, a give-back and a claim per sale."""
        if not KICK.is_set() or time.monotonic() - self._round_started < KICK_LOOK_SECONDS:
            return None  # none queued, or the round is young: the next pass claims it
        KICK.clear()  # a kick committed from here on sets it again
        failed_here = None
        for kick in self._claim_due(default_id, _CLAIM_KICKS):
            printer = printers.get(kick.printer_id)
            if printer is None:  # a printer made since they were read: next pass
                self._printer_cache = None
                self._give_back([kick])
                continue
            result = self._send_one(kick, printer)
            if result == "printer_failed" and printer.id == current.id and not failed_here:
                failed_here = (kick, self._reason)
            else:
                self._settle(kick, printer, result, outcome, sent)
        return failed_here

    def _printers(self) -> dict:
        """Every printer by id, detached (a commit does not expire and reload them);
        read again after ``PRINTERS_FRESH`` seconds and after any failure."""
        now = time.monotonic()
        if self._printer_cache is not None and now - self._printer_cache[0] < PRINTERS_FRESH:
            return self._printer_cache[1]
        with Session(bind=self._conn) as session:  # the pass's connection (run_once)
            found = session.scalars(sa.select(Printer)).all()
            session.expunge_all()
        self._commit()
        printers = {printer.id: printer for printer in found}
        self._printer_cache = (now, printers)
        return printers

    def _claim_due(self, default_id, claim=_CLAIM) -> list:
        """Take the jobs due now (at most ``BATCH``, kicks first, then oldest first; or
        ``_CLAIM_KICKS``: the kicks only) for this worker in one statement; a job queued
        without a printer goes to the default one. Answers the claimed rows (id,
        printer_id, kind, payload, created_at, last_error) in the order to send them."""
        rows = self._execute(
            claim, {"now": self.clock(), "worker": self.name, "default_id": default_id}
        )
        claimed = sorted(rows.all(), key=_first)
        self._commit()
        return claimed

    def _mark_done(self, ids) -> None:
        if not ids:
            return
        dialect = self._connection().dialect.name
        statement = _MARK_DONE["postgresql" if dialect == "postgresql" else None]
        self._execute(statement, {"ids": ids, "worker": self.name, "now": self.clock()})
        self._commit()
        log.debug("print jobs %s done", ids)

    def _give_back(self, jobs) -> None:
        """Jobs claimed but not tried (their printer just failed): as they were, a job
        with an error ``failed``, the others ``pending``."""
        if not jobs:
            return
        table = PrintJob.__table__
        with self._together():
            for status in ("pending", "failed"):
                ids = [
                    job.id for job in jobs if (job.last_error is not None) == (status == "failed")
                ]
                if ids:
                    self._execute(
                        sa.update(table)
                        .where(table.c.id.in_(ids), table.c.claimed_by == self.name)
                        .values(
                            status=status,
                            attempts=table.c.attempts - 1,
                            claimed_by=None,
                            claimed_at=None,
                        )
                    )

    def _print_group(self, printer, jobs, outcome, sent, printers, default_id) -> None:
        """One printer's claimed jobs, in order, sent one by one (the ids of those sent
        added to ``sent``, which the round marks done); the first printer failure gives
        the rest back, then fails (so the rest wait as long, keeping their order). A
        drawer kick queued meanwhile goes out after the receipt being sent
        (``_kicks_now``); one that fails on this printer stops it the same way."""
        for n, job in enumerate(jobs):
            result = self._send_one(job, printer)
            failed = (job, self._reason) if result == "printer_failed" else None
            if result != "printer_failed":
                self._settle(job, printer, result, outcome, sent)
                if result == "sent" and n + 1 < len(jobs):
                    failed = self._kicks_now(printer, outcome, sent, printers, default_id)
            if failed is not None:
                self._give_back(jobs[n + 1 :])
                self._fail(failed[0], printer, failed[1])
                outcome["failed"] += 1
                return

    def _settle(self, job, printer, result, outcome, sent) -> None:
        """What a job's send (``_send_one``) leaves: sent (marked done with the round's),
        dropped (finished there), or failed (a printer failure holds the printer's other
        waiting jobs as long; an internal one does not: the printer is not at fault)."""
        if result == "sent":
            sent.append(job.id)
        elif result == "dropped":
            outcome["dropped"] += 1
        else:
            self._fail(job, printer, self._reason, hold_others=result == "printer_failed")
            outcome["failed"] += 1

    def _send_one(self, job, printer) -> str:
        """``sent``, ``dropped`` (finished here), ``printer_failed`` or ``internal``
        (the reason in ``self._reason``)."""
        if job.kind == "drawer" and (self.clock() - job.created_at).total_seconds() > (
            DRAWER_MAX_AGE
        ):
            self._finish(job, "dropped", "drawer kick too old: not fired late")
            return "dropped"
        if job.kind == "drawer" and printer.drawer is None:
            # The printer has no cash drawer (as configured now): nothing to open.
            self._finish(job, "dropped", "no cash drawer configured on this printer")
            return "dropped"
        try:
            data = services.job_bytes(job, printer)
            transport.send(printer, data)
        except transport.PrinterError as exc:
            self._reason = exc.reason
            return "printer_failed"
        except Exception as exc:  # a bad payload must not stop the worker
            log.exception("print job %s failed", job.id)
            self._reason = f"internal error: {exc.__class__.__name__}: {exc}"
            return "internal"
        return "sent"

    def _claim(self, job_id, default_id, *, now_or_never=False) -> bool:
        """Take the job for this worker; False if another worker has it (or it is not due).

        ``now_or_never``: any job still waiting is taken, due or not (the command
        line's test page, sent at once even while the printer's queue waits)."""
        jobs = PrintJob.__table__
        now = self.clock()
        due = _due(now)
        if now_or_never:
            due = sa.or_(_status_is("pending"), _status_is("failed"))
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
        result = self._execute(stmt.values(**values))
        self._commit()
        return result.rowcount == 1

    def _finish(self, job, status, reason):
        jobs = PrintJob.__table__
        self._execute(
            sa.update(jobs)
            .where(jobs.c.id == job.id, jobs.c.claimed_by == self.name)
            .values(
                status=status,
                last_error=reason,
                printed_at=self.clock() if status == "done" else None,
                next_attempt_at=None,
            )
        )
        self._commit()
        log.info("print job %s %s", job.id, status)

    def _fail(self, job, printer, reason, retry=True, hold_others=True):
        self._printer_cache = None  # perhaps its settings were changed: read them again
        jobs = PrintJob.__table__
        with self._together():
            attempts = self._execute(sa.select(jobs.c.attempts).where(jobs.c.id == job.id)).scalar()
            when = (
                self.clock() + timedelta(seconds=services.backoff_seconds(attempts or 1))
                if retry
                else None
            )
            self._execute(
                sa.update(jobs)
                .where(jobs.c.id == job.id, jobs.c.claimed_by == self.name)
                .values(status="failed", last_error=reason[:500], next_attempt_at=when)
            )
            if retry and hold_others:
                # The printer's other waiting jobs wait as long, so they keep their order.
                self._execute(
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
        log.warning("print job %s failed on %s: %s", job.id, printer.name, reason)

    def _recover_stale(self):
        now = self.clock()
        if self._recovered_at is not None and now - self._recovered_at < RECOVER_EVERY:
            return
        self._recovered_at = now
        jobs = PrintJob.__table__
        self._execute(
            sa.update(jobs)
            .where(jobs.c.status == "printing", jobs.c.claimed_at < self.clock() - STALE_CLAIM)
            .values(
                status="failed",
                last_error="interrupted while printing",
                next_attempt_at=self.clock(),
            )
        )
        self._commit()

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
        try:
            while not stop.is_set():
                WAKE.clear()  # a commit during the pass sets it again
                try:
                    self.run_once(keep=True)
                    pause = self.poll
                except Exception:
                    log.exception("print worker pass failed; trying again")
                    pause = min(30.0, pause * 2)
                if WAKE.wait(pause) and not stop.is_set():
                    # Woken by a commit: let the sales of the next moment gather into the
                    # same pass (one claim and one done for all of them).
                    stop.wait(GATHER_SECONDS)
        finally:
            with self.app.app_context():
                self.close()


def _listen(stop: threading.Event) -> threading.Thread | None:
    """Bind the wake socket and turn each datagram into ``WAKE``; None without one."""
    path = _wake["path"]
    if path is None:
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        Path(path).unlink(missing_ok=True)  # left by a process that died
        sock.bind(path)
    except OSError as exc:
        sock.close()
        log.warning("print worker: no wake socket at %s (%s): polling only", path, exc)
        return None
    sock.settimeout(1.0)
    _wake["listening"] = True

    def listen():
        try:
            while not stop.is_set():
                try:
                    data = sock.recv(64)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if b"k" in data:
                    KICK.set()
                WAKE.set()
        finally:
            _wake["listening"] = False
            sock.close()
            with contextlib.suppress(OSError):
                Path(path).unlink()

    thread = threading.Thread(target=listen, name="printers-wake", daemon=True)
    thread.start()
    return thread


def start_in_app(app) -> threading.Thread | None:
    """``mart_workers`` entry: the worker as a daemon thread of the app process, with
    the wake socket's listener beside it (stopped with it). Its stop also sets ``WAKE``,
    so a worker pausing on it ends at once."""
    if app.config.get("MART_MODE") == "association":
        return None
    stop = workers.Stop(WAKE)
    configure_wake(app)
    listener = _listen(stop)
    worker = Worker(app, name=worker_name(":thread"))

    def run(stop):
        try:
            worker.run(stop)
        finally:
            if listener is not None:
                listener.join(5)

    thread = workers.start_thread("printers-worker", run, stop=stop)
    app.extensions.setdefault("printers_worker", []).append((thread, thread.stop))
    return thread
