"""The counter's side dishes: suspended (parked) sales, the customer display's
state and token, and the dynamic QRIS of an amount."""

import hashlib
import hmac

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from mart.errors import Conflict, NotFound
from mart.extensions import db
from pos import qris
from pos.models import Register, SuspendedSale
from pos.services.registers import get_register


def suspend(register_id: int, payload: dict, label: str, user) -> SuspendedSale:
    register = get_register(register_id)
    row = SuspendedSale(
        register_id=register.id, user_id=user.id, label=label or "", payload=payload
    )
    db.session.add(row)
    db.session.flush()
    return row


def resume(suspended_id: int) -> dict:
    """The suspended sale's payload; the parked row is removed (it is not a ledger)."""
    row = db.session.get(SuspendedSale, suspended_id)
    if row is None:
        raise NotFound(_("Unknown suspended sale."))
    payload = row.payload
    deleted = db.session.execute(
        sa.delete(SuspendedSale).where(SuspendedSale.id == suspended_id)
    ).rowcount
    if deleted != 1:  # another register resumed it first
        raise Conflict(_("This sale was already resumed."))
    return payload


def display_token(register_id: int, code: str) -> str:
    """The customer display's token of a register: what a screen that is not logged in
    shows in its address (``/pos/display/CODE?t=TOKEN``) to read the register's display.
    Derived from the secret key, so it needs no storage; a new secret key changes it."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    message = f"customer-display:{register_id}:{code.upper()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def display_token_valid(register_id: int, code: str, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(display_token(register_id, code), str(token))


def set_display(register: Register, state: dict) -> int:
    """Store what the customer display shows; returns the new version (atomic)."""
    return db.session.execute(
        sa.update(Register)
        .where(Register.id == register.id)
        .values(display=state, display_version=Register.display_version + 1)
        .returning(Register.display_version)
    ).scalar_one()


def qris_payload(amount: int) -> str:
    """The dynamic QRIS for ``amount``. ``Conflict`` without MART_QRIS_PAYLOAD."""
    static = (current_app.config.get("MART_QRIS_PAYLOAD") or "").strip()
    if not static:
        raise Conflict(_("No QRIS merchant payload is configured (MART_QRIS_PAYLOAD)."))
    try:
        return qris.dynamic_payload(static, amount)
    except qris.QrisError as exc:
        raise Conflict(
            _("The configured QRIS payload is not valid: %(error)s", error=str(exc))
        ) from exc
