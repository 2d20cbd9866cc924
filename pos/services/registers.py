"""Registers: create, read, rename, set the printer, deactivate."""

import sqlalchemy as sa
from flask_babel import gettext as _

from mart import audit
from mart.errors import Conflict, InvalidInput, NotFound
from mart.extensions import db
from pos.models import Register
from printers import services as printers


def create_register(code: str, name: str, printer_id: int | None = None) -> Register:
    """A new register. Raises ``Conflict`` when the code is taken."""
    code = code.strip().upper()
    _check_printer(printer_id)
    if db.session.scalar(sa.select(Register.id).where(Register.code == code)):
        raise Conflict(_("Register %(code)s already exists.", code=code))
    register = Register(code=code, name=name.strip(), printer_id=printer_id)
    db.session.add(register)
    db.session.flush()
    audit.record("register.create", register, after={"code": code, "printer_id": printer_id})
    return register


def _check_printer(printer_id):
    if printer_id is None:
        return

    try:
        printers.get_printer(printer_id)
    except NotFound:
        raise InvalidInput(_("Unknown printer."), field="printer_id") from None


def get_register(register_id: int) -> Register:
    register = db.session.get(Register, register_id)
    if register is None:
        raise NotFound(_("Unknown register."))
    return register


def register_by_code(code: str) -> Register:
    register = db.session.scalar(sa.select(Register).where(Register.code == code.upper()))
    if register is None:
        raise NotFound(_("Unknown register."))
    return register


def update_register(register: Register, **changes) -> Register:
    if changes.get("printer_id") is not None:
        _check_printer(changes["printer_id"])
    before = {"name": register.name, "printer_id": register.printer_id, "active": register.active}
    for key, value in changes.items():
        setattr(register, key, value)
    db.session.flush()
    audit.record("register.update", register, before=before, after=changes)
    return register
