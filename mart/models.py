"""Core tables: users and their roles, API tokens, login attempts, audit log, counters."""

from datetime import datetime

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from mart.db import UTCDateTime, utcnow
from mart.extensions import db

ROLES = ("admin", "manager", "cashier", "member", "supplier", "association")


def _hash_method() -> str:
    """werkzeug's default (scrypt) unless MART_PASSWORD_HASH names another; the test
    configuration names a cheap one, since the suite creates a thousand users."""
    if has_app_context():
        return current_app.config.get("MART_PASSWORD_HASH") or "scrypt"
    return "scrypt"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(120), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    # Comma-separated subset of ROLES.
    roles_csv: Mapped[str] = mapped_column("roles", sa.String(200))
    active: Mapped[bool] = mapped_column(default=True)
    # Links: a member login to its member, a supplier login to its supplier.
    member_no: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    supplier_id: Mapped[int | None] = mapped_column(index=True)
    # Manager PIN, typed on the cashier's screen to approve voids, returns, discounts.
    pin_hash: Mapped[str | None] = mapped_column(sa.String(256))
    pin_failures: Mapped[int] = mapped_column(default=0)
    pin_locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of the id kept in the session cookie: raising it (logout, a new password,
    # deactivation) ends every session of this user on the server's side.
    session_version: Mapped[int] = mapped_column(default=0)
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def roles(self) -> list[str]:
        return [r for r in self.roles_csv.split(",") if r]

    @roles.setter
    def roles(self, value):
        unknown = set(value) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown role(s): {', '.join(sorted(unknown))}")
        self.roles_csv = ",".join(r for r in ROLES if r in value)

    def has_role(self, *roles) -> bool:
        return any(r in self.roles for r in roles)

    def set_password(self, password: str) -> None:
        if self.password_hash:  # a new password ends the sessions of the old one
            self.session_version = (self.session_version or 0) + 1
        self.password_hash = generate_password_hash(password, _hash_method())

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def set_pin(self, pin: str) -> None:
        self.pin_hash = generate_password_hash(pin, _hash_method())

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login: what the session cookie holds
        return f"{self.id}.{self.session_version or 0}"

    def __repr__(self):
        return f"<User {self.username} {self.roles_csv}>"


class ApiToken(db.Model):
    """A bearer token for API clients. Only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = db.relationship()


class LoginThrottle(db.Model):
    """Tries counted per key (``login:<user>|<address>``, ``pin:<user id>``) in a window.

    Each try is counted by one atomic upsert before the secret is checked, so parallel
    tries cannot slip past the limit (see ``mart.auth.count_try``).
    """

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(sa.String(160), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditLog(db.Model):
    """Who did what, when, to which record, with the state before and after."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    username: Mapped[str | None] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    target_type: Mapped[str | None] = mapped_column(sa.String(64))
    target_id: Mapped[str | None] = mapped_column(sa.String(64))
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    note: Mapped[str | None] = mapped_column(sa.Text)
    address: Mapped[str | None] = mapped_column(sa.String(64))


class Counter(db.Model):
    """Named sequences (receipt numbers per register, member numbers...), gap-free.

    Incremented with one atomic ``UPDATE ... RETURNING`` inside the caller's
    transaction, so a rolled-back sale gives its number back.
    """

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)


@sa.event.listens_for(User.active, "set")
def _end_sessions_on_deactivation(user, value, oldvalue, initiator):
    """Switching a user off ends their sessions for good (switched on again, they log in
    anew); bulk updates raise ``session_version`` themselves (see members.leave)."""
    if oldvalue is True and not value:
        user.session_version = (user.session_version or 0) + 1
