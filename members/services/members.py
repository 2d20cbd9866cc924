"""Members: register, find, search, check; the member's PIN (``members.pins``)."""

import re

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from mart import audit
from mart.clock import business_date
from mart.counters import next_value
from mart.errors import Conflict, InvalidInput, NotFound
from mart.extensions import db
from members import pins
from members.models import KINDS, Member
from members.services.base import balances_table
from members.services.savings import deposit

# Members' own PINs live in members.pins; other packages reach them from here.
check_member_pin = pins.check_member_pin
set_member_pin = pins.set_member_pin

NIK_RE = re.compile(r"^[0-9]{16}$")
MEMBER_NO_RE = re.compile(r"^M[0-9]{6,}$")
PART_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


# --- members ------------------------------------------------------------------------


def normalise_phone(phone: str | None) -> str | None:
    """Digits only, Indonesian form: ``+62 812-3456`` becomes ``08123456``."""
    if phone is None:
        return None
    digits = re.sub(r"[^0-9]", "", phone)
    if not digits:
        return None
    if digits.startswith("62"):
        digits = "0" + digits[2:]
    return digits


def get_member(member_no) -> Member:
    """The member with this number. Raises ``NotFound``."""
    member_no = str(member_no).strip().upper()
    member = db.session.scalar(sa.select(Member).where(Member.member_no == member_no))
    if member is None:
        raise NotFound(_("No member with number %(no)s.", no=member_no))
    return member


def find_member(code_or_phone) -> Member:
    """A member by number (as printed or scanned from the card) or by phone.

    Raises ``NotFound``. With several members on one phone, the active one first.
    """
    code = (code_or_phone or "").strip()
    if not code:
        raise NotFound(_("No member found."))
    upper = code.upper()
    if MEMBER_NO_RE.match(upper):
        return get_member(upper)
    phone = normalise_phone(code)
    if phone:
        member = db.session.scalar(
            sa.select(Member)
            .where(Member.phone == phone)
            .order_by(sa.case((Member.status == "active", 0), else_=1), Member.id)
            .limit(1)
        )
        if member is not None:
            return member
    raise NotFound(_("No member found for %(code)s.", code=code))


def require_active(member_no) -> Member:
    """The member, if still a member. ``NotFound``; ``Conflict`` for one who left."""
    member = get_member(member_no)
    if member.status != "active":
        raise Conflict(_("Member %(no)s has left the cooperative.", no=member.member_no))
    return member


def search_members(q=None, status=None):
    """A select of members matching number, name words or phone."""
    stmt = sa.select(Member)
    if status:
        stmt = stmt.where(Member.status == status)
    q = (q or "").strip()
    if q:
        conditions = [Member.member_no == q.upper(), Member.nik == q]
        words = [w for w in q.split() if w]
        if words:
            conditions.append(
                sa.and_(*[sa.func.lower(Member.name).contains(w.lower()) for w in words])
            )
        phone = normalise_phone(q)
        if phone and len(phone) >= 4:
            conditions.append(Member.phone.contains(phone))
        stmt = stmt.where(sa.or_(*conditions))
    return stmt.order_by(Member.member_no)


def validate_nik(nik) -> str:
    nik = (nik or "").strip() if isinstance(nik, str) else nik
    if not isinstance(nik, str) or not NIK_RE.match(nik):
        raise InvalidInput(_("NIK must be exactly 16 digits."), field="nik")
    return nik


def register_member(
    name, nik, phone=None, address=None, *, join_date=None, pay_pokok=False, user=None
) -> Member:
    """Register a member, numbered gap-free (M000001...).

    With ``pay_pokok`` the simpanan pokok is deposited in the same step.
    Raises ``InvalidInput`` (nik, name, join_date), ``Conflict`` for a NIK already
    registered.
    """
    nik = validate_nik(nik)
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Name is required."), field="name")
    today = business_date()
    join_date = join_date or today
    if join_date > today:
        raise InvalidInput(_("The join date cannot be in the future."), field="join_date")
    if db.session.scalar(sa.select(Member.id).where(Member.nik == nik)) is not None:
        raise Conflict(_("A member with this NIK is already registered."))
    number = next_value("member_no")
    member = Member(
        member_no=f"M{number:06d}",
        name=name,
        nik=nik,
        phone=normalise_phone(phone),
        address=(address or "").strip() or None,
        join_date=join_date,
        status="active",
    )
    db.session.add(member)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise Conflict(_("A member with this NIK is already registered.")) from exc
    db.session.execute(
        sa.insert(balances_table),
        [{"member_id": member.id, "kind": k, "balance": 0} for k in KINDS],
    )
    audit.record("member.register", member, after={"member_no": member.member_no}, user=user)
    if pay_pokok:
        deposit(member.member_no, "pokok", current_app.config["MART_SIMPANAN_POKOK"], user=user)
    return member
