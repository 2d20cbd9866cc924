"""Logins, API tokens, login throttling and the role check.

Pages use the Flask-Login session; API clients send ``Authorization: Bearer <token>``
(tokens from ``POST /api/v1/auth/token``, stored as SHA-256, revocable, expiring).
"""

import functools
import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.security import check_password_hash

from mart.db import utcnow
from mart.errors import Forbidden, TooManyRequests, Unauthorized, wants_json
from mart.extensions import db, login_manager
from mart.models import ApiToken, LoginAttempt, User


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@login_manager.user_loader
def load_user(user_id):
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


@login_manager.request_loader
def load_user_from_request(req):
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    token = header[len("Bearer ") :].strip()
    # The token and its user in one statement.
    row = db.session.execute(_TOKEN_USER, {"token_hash": _hash_token(token)}).first()
    if row is None:
        return None
    user, revoked_at, expires_at = row
    if revoked_at is not None or expires_at <= utcnow():
        return None
    return user if user.active else None


_TOKEN_USER = (
    sa.select(User, ApiToken.revoked_at, ApiToken.expires_at)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == sa.bindparam("token_hash"))
)


@login_manager.unauthorized_handler
def _unauthorized():
    if wants_json():
        raise Unauthorized(_("Login required."))
    return redirect(url_for("mart.login", next=request.full_path))


def client_address() -> str:
    return request.remote_addr or "-"


def check_throttle(username: str, address: str) -> None:
    """Raise ``TooManyRequests`` after too many recent failures for this user and address."""
    cfg = current_app.config
    since = utcnow() - timedelta(seconds=cfg["MART_LOGIN_LOCK_SECONDS"])
    failures = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(LoginAttempt)
        .where(
            LoginAttempt.username == username.lower(),
            LoginAttempt.address == address,
            LoginAttempt.at > since,
        )
    )
    if failures >= cfg["MART_LOGIN_MAX_FAILURES"]:
        raise TooManyRequests(
            _("Too many failed logins. Try again in a few minutes."),
        )


def authenticate(username: str, password: str, address: str) -> User:
    """Check a user name and password.

    Raises ``TooManyRequests`` when locked by throttling, ``Unauthorized`` on wrong
    credentials (the failure is recorded; the caller commits).
    """
    username = (username or "").strip()
    check_throttle(username, address)
    user = db.session.scalar(
        sa.select(User).where(sa.func.lower(User.username) == username.lower())
    )
    if user is None or not user.active or not user.check_password(password or ""):
        db.session.add(LoginAttempt(username=username.lower(), address=address))
        raise Unauthorized(_("Wrong user name or password."))
    db.session.execute(
        sa.delete(LoginAttempt).where(
            LoginAttempt.username == username.lower(), LoginAttempt.address == address
        )
    )
    return user


def issue_token(user: User) -> tuple[str, ApiToken]:
    token = secrets.token_urlsafe(32)
    row = ApiToken(
        user=user,
        token_hash=_hash_token(token),
        expires_at=utcnow() + timedelta(hours=current_app.config["MART_TOKEN_HOURS"]),
    )
    db.session.add(row)
    return token, row


def revoke_token(token: str) -> bool:
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _hash_token(token)))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    return True


def roles_required(*roles):
    """Allow only logged-in users holding one of ``roles`` (admin always passes).

    Answers 401/403 as JSON on the API; on pages, redirects to the login page or
    shows the 403 page.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and not current_user.has_role("admin", *roles):
                raise Forbidden(_("Your role may not do this."))
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles
        return wrapped

    return decorator


def password_problem(password: str) -> str | None:
    """Why a new password is too weak, or None."""
    if len(password) < 8:
        return _("Password must have at least 8 characters.")
    if password.isdigit() or password.isalpha():
        return _("Password must mix letters with digits or symbols.")
    return None


PIN_MAX_FAILURES = 5
PIN_LOCK_MINUTES = 10


def approve_with_pin(pin: str, roles=("manager",)) -> User:
    """The manager (or admin) whose PIN this is, for an approval at the counter.

    Call it before the request changes anything: a wrong PIN is counted against every
    manager that has a PIN and that count is committed at once (so a rollback cannot
    erase it); each locks after ``PIN_MAX_FAILURES`` failures for ``PIN_LOCK_MINUTES``.
    Raises ``Forbidden`` for a wrong PIN, ``TooManyRequests`` while locked.
    """
    now = utcnow()
    candidates = db.session.scalars(
        sa.select(User).where(User.pin_hash.is_not(None), User.active.is_(True))
    ).all()
    approvers = [u for u in candidates if u.has_role("admin", *roles)]
    unlocked = [u for u in approvers if not (u.pin_locked_until and u.pin_locked_until > now)]
    if approvers and not unlocked:
        raise TooManyRequests(_("The manager PIN is locked after too many failures."))
    for user in unlocked:
        if check_password_hash(user.pin_hash, pin or ""):
            user.pin_failures = 0
            return user
    table = User.__table__
    ids = [u.id for u in unlocked]
    if ids:
        db.session.execute(
            sa.update(table)
            .where(table.c.id.in_(ids))
            .values(pin_failures=table.c.pin_failures + 1)
        )
        db.session.execute(
            sa.update(table)
            .where(table.c.id.in_(ids), table.c.pin_failures >= PIN_MAX_FAILURES)
            .values(pin_failures=0, pin_locked_until=now + timedelta(minutes=PIN_LOCK_MINUTES))
        )
        db.session.commit()
    raise Forbidden(_("Wrong manager PIN."))
