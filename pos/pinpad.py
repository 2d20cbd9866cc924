"""The member's PIN typed on the customer display (issue 11: "on the customer display's
side if there is one").

1. The cashier screen asks (``request_pin``): a ``pending`` row bound to the register,
   the member and the amount, with a secret ``token`` answered to the cashier only.
   Asking again on the register cancels what it asked before. The display's state
   carries the pending request (``for_display``), so its PIN pad shows.
2. The member types the PIN on the display's pad (``approve``): the server checks it
   with ``members.services.check_member_pin`` (same count, lock and audit as a PIN
   typed at the counter) and marks the row ``approved``, valid for
   ``MART_MEMBER_PIN_APPROVAL_SECONDS``. The PIN is never stored nor shown anywhere.
3. The cashier screen sees the approval (``status``) and posts the sale with
   ``member_pin_approval: <token>``; ``consume`` uses it up in the sale's transaction
   by one conditional ``UPDATE`` (single use, same register, same member, the sale's
   simpanan not above the approved amount, not expired); a refusal writes nothing.
"""

import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from mart import audit
from mart.db import utcnow
from mart.errors import Conflict, Forbidden, InvalidInput, NotFound
from mart.extensions import db
from mart.money import format_rupiah
from members import services as members
from pos.models import MemberPinApproval, Register, Shift
from pos.services.shifts import _require_own_open_shift

PENDING, APPROVED, USED, CANCELLED = "pending", "approved", "used", "cancelled"
# A display that asked for its state this recently is "in use" (it polls every second).
DISPLAY_FRESH_SECONDS = 15
# How often a display's poll writes when it was seen (a write every second is waste).
DISPLAY_SEEN_EVERY_SECONDS = 5

_table = MemberPinApproval.__table__
# What the PIN pays (the display's wording): simpanan sukarela, member credit, or both.
PIN_PAY_METHODS = ("simpanan", "credit", "both")


def _lifetime() -> timedelta:
    return timedelta(seconds=current_app.config["MART_MEMBER_PIN_APPROVAL_SECONDS"])


def display_active(seen_at, now=None) -> bool:
    now = now or utcnow()
    return seen_at is not None and now - seen_at <= timedelta(seconds=DISPLAY_FRESH_SECONDS)


def mark_display_seen(register_id: int, seen_at) -> None:
    """Note that the register's display polled (at most every few seconds), in its own
    short transaction: the caller's read is over (on SQLite a GET's transaction is a
    reader, which cannot become a writer once others have written)."""
    now = utcnow()
    if seen_at is not None and now - seen_at < timedelta(seconds=DISPLAY_SEEN_EVERY_SECONDS):
        return
    db.session.rollback()
    db.session.execute(
        sa.update(Register).where(Register.id == register_id).values(display_seen_at=now)
    )
    db.session.commit()


def _bump_display(register_id: int) -> None:
    """A new display version: the display's next poll reads the request again."""
    db.session.execute(
        sa.update(Register)
        .where(Register.id == register_id)
        .values(display_version=Register.display_version + 1)
    )


def request_pin(
    register_id: int, member_no: str, amount: int, user, method: str = "simpanan"
) -> dict:
    """Ask the member on the register's display for their PIN for ``amount`` paid by
    ``method`` (``PIN_PAY_METHODS``: what the display's PIN pad says it pays).

    The register must have an open shift, and a cashier may ask only on their own.
    ``NotFound`` (register, member), ``Conflict`` (no open shift, member who left),
    ``InvalidInput`` (amount), ``Forbidden`` (another cashier's register). Answers the
    request with its ``token`` and whether a display is in use on the register."""
    register = db.session.get(Register, register_id)
    if register is None:
        raise NotFound(_("Unknown register."))
    if amount <= 0:
        raise InvalidInput(_("The amount must be above zero."), field="amount")
    if method not in PIN_PAY_METHODS:
        raise InvalidInput(_("Unknown payment method."), field="method")
    shift = db.session.scalar(
        sa.select(Shift).where(Shift.register_id == register.id, Shift.status == "open")
    )
    if shift is None:
        raise Conflict(_("This register has no open shift."))
    _require_own_open_shift(shift, user)  # a cashier asks only on their own
    member = members.find_member(member_no)  # the number, or a card or phone as at the counter
    if member.status != "active":
        raise Conflict(_("Member %(no)s has left the cooperative.", no=member.member_no))
    now = utcnow()
    db.session.execute(
        sa.update(MemberPinApproval)
        .where(
            MemberPinApproval.register_id == register.id,
            MemberPinApproval.status == PENDING,
        )
        .values(status=CANCELLED)
    )
    row = MemberPinApproval(
        token=secrets.token_urlsafe(24),
        register_id=register.id,
        member_no=member.member_no,
        amount=amount,
        method=method,
        status=PENDING,
        requested_by_id=user.id,
        created_at=now,
        expires_at=now + _lifetime(),
    )
    db.session.add(row)
    db.session.flush()
    _bump_display(register.id)
    return answer(row, display_seen_at=register.display_seen_at, now=now)


def answer(row: MemberPinApproval, *, display_seen_at=None, now=None) -> dict:
    now = now or utcnow()
    status = row.status
    if status in (PENDING, APPROVED) and row.expires_at <= now:
        status = "expired"
    out = {
        "id": row.id,
        "token": row.token,
        "register_id": row.register_id,
        "member_no": row.member_no,
        "amount": row.amount,
        "method": row.method or "simpanan",
        "status": status,
        "expires_at": row.expires_at,
    }
    if display_seen_at is not None or row.status == PENDING:
        out["display_active"] = display_active(display_seen_at, now)
    return out


def _by_token(token) -> MemberPinApproval:
    row = (
        db.session.scalar(sa.select(MemberPinApproval).where(MemberPinApproval.token == token))
        if isinstance(token, str) and token
        else None
    )
    if row is None:
        raise NotFound(_("Unknown PIN request."))
    return row


def status(token: str) -> dict:
    """The request's status for the cashier screen that asked (polled until approved)."""
    row = _by_token(token)
    seen = db.session.scalar(
        sa.select(Register.display_seen_at).where(Register.id == row.register_id)
    )
    return answer(row, display_seen_at=seen)


def cancel(token: str) -> dict:
    """The cashier gave up waiting (the dialog closed): a pending request is cancelled
    and leaves the display; an approval not yet used is cancelled too."""
    row = _by_token(token)
    if row.status in (PENDING, APPROVED):
        row.status = CANCELLED
        db.session.flush()
        _bump_display(row.register_id)
    return answer(row)


def for_display(register_id: int) -> dict | None:
    """What the display's PIN pad shows: the register's pending request (not expired),
    without its token: ``{request, amount, amount_text, method, member, expires_in}``
    (``method`` picks the pad's wording: simpanan sukarela, member credit or both)."""
    now = utcnow()
    row = db.session.scalar(
        sa.select(MemberPinApproval)
        .where(
            MemberPinApproval.register_id == register_id,
            MemberPinApproval.status == PENDING,
            MemberPinApproval.expires_at > now,
        )
        .order_by(MemberPinApproval.id.desc())
        .limit(1)
    )
    if row is None:
        return None
    try:
        name = members.get_member(row.member_no).name
    except NotFound:
        name = ""
    return {
        "request": row.id,
        "amount": row.amount,
        "amount_text": format_rupiah(row.amount),
        "method": row.method or "simpanan",
        "member": name,
        # the pad goes by itself when the request expires (the state may not change)
        "expires_in": max(int((row.expires_at - now).total_seconds()), 0),
    }


def approve(register_id: int, request_id, pin, *, user=None) -> MemberPinApproval:
    """The member typed ``pin`` on the register's display for request ``request_id``.

    ``Conflict`` when it is no longer the register's pending request (answered,
    cancelled, expired, or another register's); the PIN's own refusals come from
    ``check_member_pin`` (422 none, 403 wrong, 429 locked; counted and audited)."""
    now = utcnow()
    row = None
    if isinstance(request_id, int) and not isinstance(request_id, bool):
        row = db.session.scalar(
            sa.select(MemberPinApproval).where(MemberPinApproval.id == request_id).with_for_update()
        )
    if (
        row is None
        or row.register_id != register_id
        or row.status != PENDING
        or row.expires_at <= now
    ):
        raise Conflict(_("The cashier is not asking for a PIN now."))
    members.check_member_pin(row.member_no, pin, user=user, what="display")
    updated = db.session.execute(
        sa.update(_table)
        .where(_table.c.id == row.id, _table.c.status == PENDING)
        .values(status=APPROVED, approved_at=now, expires_at=now + _lifetime())
    ).rowcount
    if updated != 1:
        raise Conflict(_("The cashier is not asking for a PIN now."))
    _bump_display(register_id)
    audit.record(
        "member.pin_display_approved",
        "MemberPinApproval",
        target_id=str(row.id),
        after={"member_no": row.member_no, "amount": row.amount, "register_id": register_id},
        user=user,
    )
    return row


def consume(token, *, register_id: int, member_no: str | None, amount: int, sale_id: str):
    """Use up an approval for a sale, in the sale's transaction (before it writes).

    One conditional ``UPDATE``: two sales racing for one token, one wins. Refusals
    (nothing written): unknown token ``InvalidInput`` on ``member_pin_approval`` (422);
    another register, another member or an amount above the approved one ``Forbidden``
    (403); not approved yet, cancelled, used or expired ``Conflict`` (409)."""
    field = "member_pin_approval"
    if not isinstance(token, str) or not token:
        raise InvalidInput(_("Unknown PIN approval."), field=field)
    now = utcnow()
    used = db.session.execute(
        sa.update(_table)
        .where(
            _table.c.token == token,
            _table.c.status == APPROVED,
            _table.c.register_id == register_id,
            _table.c.member_no == (member_no or ""),
            _table.c.amount >= amount,
            _table.c.expires_at > now,
        )
        .values(status=USED, used_at=now, sale_id=sale_id)
        .returning(_table.c.id)
    ).scalar()
    if used is not None:
        audit.record(
            "member.pin_approval_used",
            "MemberPinApproval",
            target_id=used,  # the row, not a piece of its secret token
            after={"member_no": member_no, "amount": amount, "sale": sale_id},
        )
        return
    row = db.session.execute(sa.select(_table).where(_table.c.token == token)).first()
    if row is None:
        raise InvalidInput(_("Unknown PIN approval."), field=field)
    if row.register_id != register_id:
        raise Forbidden(_("This PIN approval was given on another register."))
    if row.member_no != (member_no or ""):
        raise Forbidden(_("This PIN approval is another member's."))
    if row.status == USED:
        raise Conflict(_("This PIN approval was already used: the member types the PIN again."))
    if row.status == PENDING and row.expires_at > now:
        raise Conflict(_("The member has not typed the PIN yet."))
    if row.status == CANCELLED:
        raise Conflict(_("This PIN approval was cancelled: the member types the PIN again."))
    if row.amount < amount:
        raise Forbidden(
            _(
                "The member approved %(approved)s, less than the %(amount)s paid from simpanan.",
                approved=format_rupiah(row.amount),
                amount=format_rupiah(amount),
            )
        )
    raise Conflict(_("This PIN approval has expired: the member types the PIN again."))
