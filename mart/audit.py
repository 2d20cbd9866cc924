"""The audit log: one function the domains call for sensitive acts."""

import logging

import sqlalchemy as sa
from flask import has_request_context, request
from flask_login import current_user

from mart.db import Write, run_write, utcnow
from mart.models import AuditLog

log = logging.getLogger("mart.audit")

# One constant statement on the session's connection: the row is written in the
# caller's transaction, without an ORM object for the commit to flush (the sale path's
# commit had nothing else to flush; the unit of work cost ~0,3 ms). A ``Write``: inside
# ``mart.db.gathered_writes`` (the sale) it goes in with the block's other writes.
_COLUMNS = ("at", "user_id", "username", "action", "target_type", "target_id")
_COLUMNS += ("before", "after", "note", "address")
_INSERT = Write(
    f"INSERT INTO {AuditLog.__tablename__} ({', '.join(_COLUMNS)})"
    f" VALUES ({', '.join(':' + c for c in _COLUMNS)})",
    binds=[sa.bindparam(c, type_=AuditLog.__table__.c[c].type) for c in _COLUMNS],
)


def record(action, target=None, target_id=None, before=None, after=None, note=None, user=None):
    """Add an audit row in the current transaction (it commits with the change).

    ``target`` is a model instance or a type name; ``before``/``after`` are dicts.
    The row is written in the session's transaction (at once, or at the end of an open
    ``mart.db.gathered_writes`` block): a rollback takes it back.
    """
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    if target is not None and not isinstance(target, str):
        target_id = target_id if target_id is not None else getattr(target, "id", None)
        target = type(target).__name__
    username = getattr(user, "username", None)
    run_write(
        _INSERT,
        {
            "at": utcnow(),
            "user_id": getattr(user, "id", None),
            "username": username,
            "action": action,
            "target_type": target,
            "target_id": None if target_id is None else str(target_id),
            "before": before,
            "after": after,
            "note": note,
            "address": request.remote_addr if has_request_context() else None,
        },
    )
    log.info("%s %s:%s by %s", action, target, target_id, username or "system")
