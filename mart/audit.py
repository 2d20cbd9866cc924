"""The audit log: one function the domains call for sensitive acts."""

import logging

from flask import has_request_context, request
from flask_login import current_user

from mart.extensions import db
from mart.models import AuditLog

log = logging.getLogger("mart.audit")


def record(action, target=None, target_id=None, before=None, after=None, note=None, user=None):
    """Add an audit row in the current transaction (it commits with the change).

    ``target`` is a model instance or a type name; ``before``/``after`` are dicts.
    """
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    if target is not None and not isinstance(target, str):
        target_id = target_id if target_id is not None else getattr(target, "id", None)
        target = type(target).__name__
    row = AuditLog(
        user_id=getattr(user, "id", None),
        username=getattr(user, "username", None),
        action=action,
        target_type=target,
        target_id=None if target_id is None else str(target_id),
        before=before,
        after=after,
        note=note,
        address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(row)
    log.info("%s %s:%s by %s", action, target, target_id, row.username or "system")
    return row
