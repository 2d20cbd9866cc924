"""Members' own PINs: what moves a member's savings at the counter.

A payment from simpanan sukarela (and later on credit) needs the member to type their
6-digit PIN. ``check_member_pin`` is the one check every such payment calls before it
writes anything:

- no PIN given: ``InvalidInput`` on ``member_pin`` (422);
- a member with no PIN yet, or a wrong PIN: ``Forbidden`` (403);
- ``MART_MEMBER_PIN_MAX_FAILURES`` (5) wrong PINs in a row lock that member's PIN
  payments for ``MART_MEMBER_PIN_LOCK_MINUTES`` (15): ``TooManyRequests`` (429).

Every try is audited. A refusal commits its count and its audit row at once (the
caller's transaction then rolls back with nothing written), and the member's row is
locked while the PIN is checked, so parallel wrong tries are counted one after another.
The PIN is stored as a werkzeug hash, never in clear, never in a log.
"""

import math
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from mart import audit
from mart.auth import pin_format_problem
from mart.db import utcnow
from mart.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests
from mart.extensions import db
from mart.models import _hash_method
from members.models import Member

# Payment methods that spend what is the member's: they need the member's PIN.
PIN_METHODS = ("simpanan", "credit")


def _locked_member(member_no) -> Member:
    member_no = str(member_no).strip().upper()
    member = db.session.scalar(
        sa.select(Member)
        .where(Member.member_no == member_no)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if member is None:
        raise NotFound(_("No member with number %(no)s.", no=member_no))
    return member


def set_member_pin(member_no, pin, *, user=None) -> Member:
    """Set (or change) a member's PIN: exactly 6 ASCII digits (``InvalidInput`` on
    ``pin``). Clears a lock. ``NotFound``; ``Conflict`` for a member who left.
    Audited without the PIN."""
    pin_format_problem(pin, "pin")
    member = _locked_member(member_no)
    if member.status != "active":
        raise Conflict(_("Member %(no)s has left the cooperative.", no=member.member_no))
    had_pin = member.pin_hash is not None
    member.pin_hash = generate_password_hash(pin, _hash_method())
    member.pin_failures = 0
    member.pin_locked_until = None
    audit.record(
        "member.pin_set",
        member,
        target_id=member.member_no,
        after={"member_no": member.member_no, "changed": had_pin},
        user=user,
    )
    db.session.flush()
    return member


def has_pin(member) -> bool:
    return member.pin_hash is not None


def check_member_pin(member_no, pin, *, user=None, what="payment") -> Member:
    """Check the member's own PIN before spending what is theirs (see the module).

    Call before the caller writes anything: a refusal commits the session.
    Raises ``InvalidInput`` (field ``member_pin``), ``Forbidden``, ``TooManyRequests``,
    ``NotFound``. Answers the member (row-locked on PostgreSQL until the caller commits).
    """
    if pin is None or pin == "":
        raise InvalidInput(
            _("The member must type their PIN to pay from their savings."), field="member_pin"
        )
    cfg = current_app.config
    now = utcnow()
    member = _locked_member(member_no)
    target = {"member_no": member.member_no, "what": what}
    if member.pin_locked_until and member.pin_locked_until > now:
        _refuse("member.pin_locked", member, target, user)
        left = math.ceil((member.pin_locked_until - now).total_seconds() / 60)
        raise TooManyRequests(
            _("This member's PIN is locked after too many wrong tries. Try again later."),
            extra={"locked": True, "locked_minutes": left},
        )
    if member.pin_hash is None:
        _refuse("member.pin_missing", member, target, user)
        raise Forbidden(_("This member has no PIN yet: set it on the member's page first."))
    if not isinstance(pin, str) or not check_password_hash(member.pin_hash, pin):
        table = Member.__table__
        failures = db.session.execute(
            sa.update(table)
            .where(table.c.id == member.id)
            .values(pin_failures=table.c.pin_failures + 1)
            .returning(table.c.pin_failures)
        ).scalar_one()
        locked = failures >= cfg["MART_MEMBER_PIN_MAX_FAILURES"]
        if locked:
            minutes = cfg["MART_MEMBER_PIN_LOCK_MINUTES"]
            db.session.execute(
                sa.update(table)
                .where(table.c.id == member.id)
                .values(pin_failures=0, pin_locked_until=now + timedelta(minutes=minutes))
            )
        _refuse("member.pin_failed", member, {**target, "failures": failures}, user)
        if locked:  # said plainly, with how long (the pad and the counter show it)
            raise Forbidden(
                _(
                    "Wrong member PIN. The PIN is now locked for %(minutes)s minutes.",
                    minutes=minutes,
                ),
                extra={"locked": True, "locked_minutes": minutes},
            )
        raise Forbidden(_("Wrong member PIN."))
    if member.pin_failures:
        member.pin_failures = 0
    audit.record("member.pin_ok", member, target_id=member.member_no, after=target, user=user)
    return member


def _refuse(action, member, after, user):
    """Audit a refused try and commit it with its count (the caller rolls back the rest)."""
    audit.record(action, member, target_id=member.member_no, after=after, user=user)
    db.session.commit()
