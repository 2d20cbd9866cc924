"""Logins, API tokens, login throttling and the role check.

Pages use the Flask-Login session; API clients send ``Authorization: Bearer <token>``
(tokens from ``POST /api/v1/auth/token``, stored as SHA-256, revocable, expiring).
"""

import functools
import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, has_request_context, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.security import check_password_hash, generate_password_hash

from mart import audit
from mart.db import utcnow
from mart.errors import Forbidden, InvalidInput, TooManyRequests, Unauthorized, wants_json
from mart.extensions import db, login_manager
from mart.models import ApiToken, LoginThrottle, User, _hash_method


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@login_manager.user_loader
def load_user(session_id):
    """The user of a session cookie (``"<id>.<session_version>"``, see ``User.get_id``).

    A cookie made before the user's session version was raised (logout, a new password,
    deactivation) loads nobody, however long it was kept. A bare ``"<id>"`` (cookies
    from before versions) counts as version 0, so it too dies at the first logout.
    """
    user_id, _dot, version = str(session_id).partition(".")
    version = version or "0"
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or (user.session_version or 0) != int(version):
        return None
    return user


def end_sessions(user: User) -> None:
    """End every session of ``user`` on the server's side (atomic, in this transaction)."""
    table = User.__table__
    db.session.execute(
        sa.update(table)
        .where(table.c.id == user.id)
        .values(session_version=table.c.session_version + 1)
    )
    db.session.expire(user, ["session_version"])


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


def _upsert(dialect: str):
    return (postgresql if dialect == "postgresql" else sqlite).insert(LoginThrottle.__table__)


def count_try(key: str, window_seconds: int) -> int:
    """Count one try under ``key`` and answer the tries in the current window, this one
    included, in one atomic upsert (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``).

    Parallel tries are serialised by the row, so each sees its own number: with a limit
    of 5, exactly 5 of 40 simultaneous tries get a number up to 5. A window older than
    ``window_seconds`` starts again at 1. Flushes; the caller commits.
    """
    table = LoginThrottle.__table__
    now = utcnow()
    stale = table.c.window_start <= now - timedelta(seconds=window_seconds)
    stmt = _upsert(db.session.get_bind().dialect.name).values(key=key, failures=1, window_start=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "failures": sa.case((stale, 1), else_=table.c.failures + 1),
            "window_start": sa.case((stale, now), else_=table.c.window_start),
        },
    ).returning(table.c.failures)
    return db.session.execute(stmt).scalar_one()


def clear_tries(key: str) -> None:
    """Forget ``key``'s tries, and any count older than a day (no window is that long),
    so guessed user names do not pile up."""
    table = LoginThrottle.__table__
    db.session.execute(
        sa.delete(table).where(
            (table.c.key == key) | (table.c.window_start < utcnow() - timedelta(days=1))
        )
    )


_DUMMY_HASHES: dict[str, str] = {}


def _dummy_hash() -> str:
    """A hash made like a real one, checked for unknown users so they cost the same time."""
    method = _hash_method()
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_hex(16), method)
    return _DUMMY_HASHES[method]


def authenticate(username: str, password: str, address: str) -> User:
    """Check a user name and password.

    The try is counted first (``count_try``, committed at once, so neither a rollback
    nor parallel tries undo it): past ``MART_LOGIN_MAX_FAILURES`` tries in
    ``MART_LOGIN_LOCK_SECONDS`` for this user name and address, ``TooManyRequests``
    without checking the password. An unknown or inactive user costs one password hash,
    as a known one does. Wrong credentials ``Unauthorized``; both are audited (the
    caller commits). A right password clears the count.
    """
    cfg = current_app.config
    username = (username or "").strip()
    key = f"login:{username.lower()[:64]}|{address}"
    tries = count_try(key, cfg["MART_LOGIN_LOCK_SECONDS"])
    db.session.commit()
    if tries > cfg["MART_LOGIN_MAX_FAILURES"]:
        audit.record("auth.login_throttled", "User", note=username[:64])
        raise TooManyRequests(_("Too many failed logins. Try again in a few minutes."))
    user = db.session.scalar(
        sa.select(User).where(sa.func.lower(User.username) == username.lower())
    )
    stored = user.password_hash if user is not None else _dummy_hash()
    right = check_password_hash(stored, password or "")
    if user is None or not user.active or not right:
        audit.record("auth.login_failed", "User", getattr(user, "id", None), note=username[:64])
        raise Unauthorized(_("Wrong user name or password."))
    clear_tries(key)
    audit.record("auth.login", user, user=user)
    return user


def issue_token(user: User) -> tuple[str, ApiToken]:
    token = secrets.token_urlsafe(32)
    row = ApiToken(
        user=user,
        token_hash=_hash_token(token),
        expires_at=utcnow() + timedelta(hours=current_app.config["MART_TOKEN_HOURS"]),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "auth.token_created", row, after={"expires_at": row.expires_at.isoformat()}, user=user
    )
    return token, row


def revoke_token(token: str) -> bool:
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _hash_token(token)))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    audit.record("auth.token_revoked", row, after={"user_id": row.user_id})
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
PIN_LENGTH = 6


COMMON_PINS = frozenset({"112233", "102030", "147258", "159753", "111222", "000123", "123654"})


def is_trivial_pin(pin: str) -> bool:
    """A PIN anyone would try first: one digit repeated (000000), a run up or down
    (123456, 654321, 234567), a pair or triple repeated (121212, 123123), a mirrored
    half (123321), or a common pattern (``COMMON_PINS``)."""
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:], strict=False)}
    return (
        len(set(pin)) == 1
        or steps in ({1}, {-1})
        or pin == pin[:2] * 3
        or pin == pin[:3] * 2
        or pin[:3] == pin[3:][::-1]
        or pin in COMMON_PINS
    )


def pin_format_problem(pin, field="pin") -> None:
    """``InvalidInput`` on ``field`` unless ``pin`` is exactly 6 ASCII digits."""
    if not isinstance(pin, str) or len(pin) != PIN_LENGTH or not pin.isascii() or not pin.isdigit():
        raise InvalidInput(_("A PIN is exactly 6 digits."), field=field)


def set_manager_pin(user: User, pin: str, field="pin") -> None:
    """Give an approver a PIN: 6 digits, not trivial, and no other user's PIN (a PIN
    alone still names its approver for clients that send no ``approver``).
    ``InvalidInput`` on ``field``; audited (never the PIN itself)."""
    pin_format_problem(pin, field)
    if is_trivial_pin(pin):
        raise InvalidInput(_("This PIN is too easy to guess; choose another."), field=field)
    others = db.session.scalars(
        sa.select(User.pin_hash).where(User.pin_hash.is_not(None), User.id != user.id)
    ).all()
    if any(check_password_hash(h, pin) for h in others):
        raise InvalidInput(_("Another user has this PIN; choose another."), field=field)
    user.set_pin(pin)
    user.pin_failures = 0
    user.pin_locked_until = None
    audit.record("auth.pin_set", user, after={"username": user.username})


def approvers(roles=("manager",)) -> list[User]:
    """Active users who can approve (admin or one of ``roles``) and have a PIN."""
    users = db.session.scalars(
        sa.select(User)
        .where(User.pin_hash.is_not(None), User.active.is_(True))
        .order_by(User.full_name, User.username)
    ).all()
    return [u for u in users if u.has_role("admin", *roles)]


def approve_with_pin(pin: str, roles=("manager",), approver: str | None = None) -> User:
    """The manager (or admin) approving at the counter with their PIN.

    With ``approver`` (a user name) only that user's PIN is checked, and a wrong PIN
    counts against that approver alone: ``PIN_MAX_FAILURES`` in a row lock their
    approvals for ``PIN_LOCK_MINUTES``. Without it (older clients) the PIN names its
    approver, since PINs are unique; wrong PINs are then counted against the user asking
    (``pin:<user id>``), locking that user's nameless approvals, never a manager.
    Every wrong PIN is audited; counts and audit rows are committed at once (a rollback
    cannot erase them), so call this before the request changes anything.
    Raises ``InvalidInput`` (unknown approver), ``Forbidden`` (wrong PIN),
    ``TooManyRequests`` (locked).
    """
    now = utcnow()
    pin = pin or ""
    if approver:
        user = db.session.scalar(
            sa.select(User).where(sa.func.lower(User.username) == approver.strip().lower())
        )
        if user is None or user not in approvers(roles):
            raise InvalidInput(_("Choose a manager who can approve."), field="approver")
        if user.pin_locked_until and user.pin_locked_until > now:
            raise TooManyRequests(
                _("This manager's PIN is locked after too many failures. Try again later.")
            )
        if check_password_hash(user.pin_hash, pin):
            user.pin_failures = 0
            return user
        _pin_failed(user, now)
    asker = current_user if current_user and current_user.is_authenticated else None
    key = f"pin:{getattr(asker, 'id', '-')}|{client_address_or_dash()}"
    locked = db.session.scalar(
        sa.select(LoginThrottle.failures).where(
            LoginThrottle.key == key,
            LoginThrottle.window_start > now - timedelta(minutes=PIN_LOCK_MINUTES),
        )
    )
    if locked is not None and locked >= PIN_MAX_FAILURES:
        raise TooManyRequests(_("Too many wrong manager PINs. Try again in a few minutes."))
    for user in approvers(roles):
        if user.pin_locked_until and user.pin_locked_until > now:
            continue
        if check_password_hash(user.pin_hash, pin):
            user.pin_failures = 0
            return user
    count_try(key, PIN_LOCK_MINUTES * 60)
    audit.record("auth.pin_failed", "User", note="approver not named")
    db.session.commit()
    raise Forbidden(_("Wrong manager PIN."))


def _pin_failed(user: User, now) -> None:
    table = User.__table__
    failures = db.session.execute(
        sa.update(table)
        .where(table.c.id == user.id)
        .values(pin_failures=table.c.pin_failures + 1)
        .returning(table.c.pin_failures)
    ).scalar_one()
    if failures >= PIN_MAX_FAILURES:
        db.session.execute(
            sa.update(table)
            .where(table.c.id == user.id)
            .values(pin_failures=0, pin_locked_until=now + timedelta(minutes=PIN_LOCK_MINUTES))
        )
    audit.record("auth.pin_failed", user, after={"approver": user.username, "failures": failures})
    db.session.commit()
    raise Forbidden(_("Wrong manager PIN."))


def client_address_or_dash() -> str:
    return client_address() if has_request_context() else "-"
