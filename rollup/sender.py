"""Branch side: delivering the outbox to the hub, the sender thread, the health probe.

Delivery is at-least-once from the branch and exactly-once in effect at the hub: the
hub keys reports by (branch, date, revision), so a report sent twice (a timeout after
the hub stored it, two senders at once) changes nothing the second time.

Answers and what they do to an outbox row:
- 200/201: ``sent``.
- 401 naming ``revision`` (the hub already holds a newer revision of that day):
  ``superseded``.
- 409, 422, 400: ``rejected`` for good (the manager sees it with the hub's message).
- anything else (no connection, timeout, 5xx, 429, 401 for a wrong key, 404 for a wrong
  URL): stays ``pending`` and is retried with exponential backoff.
"""

import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta

import requests
import sqlalchemy as sa
from flask import current_app

from mart import workers
from mart.db import utcnow
from mart.extensions import db
from rollup.branch import refresh_recent
from rollup.hub import hub_status
from rollup.keys import sign
from rollup.models import RollupOutbox

log = logging.getLogger(f"mart.{__name__}")  # under "mart": its handler masks

PERMANENT = (400, 409, 422)


@dataclass
class SendResult:
    sent: list = field(default_factory=list)
    failed: list = field(default_factory=list)  # still pending: (row description, error)
    rejected: list = field(default_factory=list)
    superseded: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.rejected


def reports_url() -> str:
    base = (current_app.config.get("MART_ASSOCIATION_URL") or "").strip().rstrip("/")
    if not base or base.endswith("/association/reports"):
        return base
    if base.endswith("/api/v1"):
        return base + "/association/reports"
    return base + "/api/v1/association/reports"


def _backoff(attempts: int) -> timedelta:
    cfg = current_app.config
    base = int(cfg["MART_ROLLUP_RETRY_SECONDS"])
    cap = int(cfg["MART_ROLLUP_RETRY_MAX_SECONDS"])
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), cap))


def _error_message(response) -> str:
    try:
        data = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    message = data.get("message") if isinstance(data, dict) else None
    return f"HTTP {response.status_code}: {message or response.reason}"


def _names_revision(response) -> bool:
    try:
        data = response.json()
    except ValueError:
        return False
    errors = (data or {}).get("errors") or {}
    return isinstance(errors, dict) and "revision" in (errors.get("json") or {})


def send_due(force: bool = False) -> SendResult:
    """Send the pending reports whose retry time has come (all of them with ``force``).

    Owns its transactions: each row's new state is committed right after its answer,
    because the hub has (or has not) stored it whatever happens next.
    """
    result = SendResult()
    now = utcnow()
    query = sa.select(RollupOutbox).where(RollupOutbox.status == "pending")
    if not force:
        query = query.where(RollupOutbox.next_attempt_at <= now)
    # Read what to send, then end the transaction: no database lock is held while
    # talking to the hub (on SQLite that would stop the registers for a timeout).
    due = [
        (row.id, f"{row.date.isoformat()} r{row.revision}", row.body.encode())
        for row in db.session.scalars(
            query.order_by(RollupOutbox.date, RollupOutbox.revision)
        ).all()
    ]
    db.session.commit()
    url = reports_url()
    key = current_app.config.get("MART_BRANCH_KEY") or ""
    code = current_app.config["MART_BRANCH_CODE"]
    timeout = (
        float(current_app.config["MART_ROLLUP_CONNECT_TIMEOUT"]),
        float(current_app.config["MART_ROLLUP_READ_TIMEOUT"]),
    )
    for row_id, label, body in due:
        if not url or not key:
            error = "MART_ASSOCIATION_URL or MART_BRANCH_KEY is not set"
            _retry_later(row_id, error)
            result.failed.append((label, error))
            continue
        try:
            response = requests.post(
                url,
                data=body,
                headers={
                    "Content-Type": "application/json",
                    "X-Mart-Branch": code,
                    "X-Mart-Signature": sign(body, key),
                },
                timeout=timeout,
            )
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
            _retry_later(row_id, error)
            result.failed.append((label, error))
            continue
        status = response.status_code
        if status in (200, 201):
            _finish(row_id, "sent", None)
            result.sent.append(label)
        elif status == 401 and _names_revision(response):
            _finish(row_id, "superseded", _error_message(response))
            result.superseded.append(label)
        elif status in PERMANENT:
            error = _error_message(response)[:500]
            _finish(row_id, "rejected", error)
            result.rejected.append((label, error))
        else:
            error = _error_message(response)[:500]
            _retry_later(row_id, error)
            result.failed.append((label, error))
    for label, error in result.failed:
        log.warning("rollup: report %s not delivered: %s", label, error)
    return result


def _finish(row_id, status, error):
    """Record the hub's final answer (atomic UPDATE; committed at once)."""
    table = RollupOutbox.__table__
    values = {"status": status, "last_error": error, "attempts": table.c.attempts + 1}
    if status == "sent":
        values["sent_at"] = utcnow()
    db.session.execute(sa.update(table).where(table.c.id == row_id).values(**values))
    db.session.commit()


def _retry_later(row_id, error):
    table = RollupOutbox.__table__
    attempts = db.session.execute(
        sa.update(table)
        .where(table.c.id == row_id)
        .values(attempts=table.c.attempts + 1, last_error=error)
        .returning(table.c.attempts)
    ).scalar_one()
    db.session.execute(
        sa.update(table)
        .where(table.c.id == row_id)
        .values(next_attempt_at=utcnow() + _backoff(attempts))
    )
    db.session.commit()


def outbox_status() -> dict:
    """What is waiting: for the manager's page and the health probe."""
    counts = dict(
        db.session.execute(
            sa.select(RollupOutbox.status, sa.func.count()).group_by(RollupOutbox.status)
        ).all()
    )
    oldest = db.session.scalar(
        sa.select(sa.func.min(RollupOutbox.date)).where(RollupOutbox.status == "pending")
    )
    last_sent = db.session.scalar(sa.select(sa.func.max(RollupOutbox.sent_at)))
    last_error = db.session.scalar(
        sa.select(RollupOutbox.last_error)
        .where(RollupOutbox.status.in_(("pending", "rejected")))
        .where(RollupOutbox.last_error.is_not(None))
        .order_by(RollupOutbox.id.desc())
        .limit(1)
    )
    return {
        "configured": bool(reports_url() and current_app.config.get("MART_BRANCH_KEY")),
        "pending": counts.get("pending", 0),
        "rejected": counts.get("rejected", 0),
        "sent": counts.get("sent", 0),
        "oldest_pending_date": oldest.isoformat() if oldest else None,
        "last_sent_at": last_sent.isoformat() if last_sent else None,
        "last_error": last_error,
    }


def health() -> dict:
    if current_app.config.get("MART_MODE") == "association":
        return hub_status()
    return outbox_status()


def run_once(app, rebuild: bool) -> SendResult | None:
    """One cycle of the sender thread: (re)build recent days when due, then send."""
    with app.app_context():
        try:
            if rebuild:
                refresh_recent()
                db.session.commit()
            return send_due()
        except Exception:
            db.session.rollback()
            log.exception("rollup sender cycle failed")
            return None
        finally:
            db.session.remove()


def start_worker(app):
    """Start the sender thread (branch mode only). Registered in ``mart_workers``."""
    if app.config.get("MART_MODE") == "association":
        return None
    rebuild_every = float(app.config["MART_ROLLUP_REBUILD_SECONDS"])
    last_rebuild = None

    def step():
        nonlocal last_rebuild
        now = utcnow()
        rebuild = last_rebuild is None or (now - last_rebuild).total_seconds() >= rebuild_every
        run_once(app, rebuild)
        if rebuild:
            last_rebuild = now

    thread = workers.start_thread(
        "rollup-sender", workers.run_every(float(app.config["MART_ROLLUP_SEND_SECONDS"]), step)
    )
    app.extensions.setdefault("mart_rollup_sender", {"thread": thread, "stop": thread.stop})
    return thread


def describe(row: RollupOutbox) -> dict:
    body = json.loads(row.body)
    return {
        "id": row.id,
        "date": row.date,
        "revision": row.revision,
        "status": row.status,
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at,
        "last_error": row.last_error,
        "created_at": row.created_at,
        "sent_at": row.sent_at,
        "sales_net": body.get("sales_net", 0),
        "transactions": body.get("transactions", 0),
    }
