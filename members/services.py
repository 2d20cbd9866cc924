"""Members: the operations. Services flush; the request (or CLI command) commits.

Words used as they are (DOMAIN.md):
- simpanan pokok: paid once on joining, exactly ``MART_SIMPANAN_POKOK``;
- simpanan wajib: the monthly savings (``MART_SIMPANAN_WAJIB`` a month);
- simpanan sukarela: voluntary savings, withdrawable, never below zero;
- SHU (Sisa Hasil Usaha): the year-end surplus, shared by jasa modal (capital) and
  jasa usaha (purchases).

Balances are cached per member and kind in ``savings_balances`` and changed only with
an atomic, guarded ``UPDATE ... SET balance = balance + :a WHERE balance + :a >= 0``
in the same transaction as the ledger entry; a rowcount of 0 means the balance is too
low, so two racing withdrawals can never take it below zero.

Simpanan wajib months: a deposit may be any positive amount. What a member has paid in
wajib (net of reversals) is applied month by month from the month of joining, so
``paid // rate`` months are covered and the remainder is a partial payment of the next
month. Every month from the join month up to and including the current month is due;
the months due and not covered are the arrears.
"""

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from books import reports as books_reports
from mart import audit
from mart.counters import next_value
from mart.db import utcnow
from mart.errors import Conflict, Forbidden, InvalidInput, NotFound
from mart.extensions import db
from mart.fields import MAX_MONEY
from mart.models import User
from mart.money import format_rupiah
from members import pins
from members.models import (
    KINDS,
    LEFT_REASONS,
    Member,
    MemberPurchase,
    SavingsBalance,
    SavingsEntry,
    ShuShare,
    ShuYear,
)

# Members' own PINs live in members.pins; other packages reach them from here.
check_member_pin = pins.check_member_pin
set_member_pin = pins.set_member_pin

NIK_RE = re.compile(r"^[0-9]{16}$")
MEMBER_NO_RE = re.compile(r"^M[0-9]{6,}$")
PART_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

balances_table = SavingsBalance.__table__
entries_table = SavingsEntry.__table__


# --- dates --------------------------------------------------------------------------


def business_date(at: datetime | None = None) -> date:
    """The branch's business date of a moment (now by default).

    Local time in ``MART_TIMEZONE``; a day ends at ``MART_DAY_END_HOUR``.
    """
    cfg = current_app.config
    local = (at or utcnow()).astimezone(ZoneInfo(cfg["MART_TIMEZONE"]))
    return (local - timedelta(hours=cfg.get("MART_DAY_END_HOUR") or 0)).date()


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return business_date(value)
    return value


def _month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def _month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


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


def _lock_member(member_no) -> Member:
    """The member, row-locked on PostgreSQL (SQLite writers are serialised already)."""
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


# --- savings ------------------------------------------------------------------------


def savings(member_id) -> dict:
    """``{"pokok", "wajib", "sukarela", "total"}`` from the cached balances."""
    values = dict.fromkeys(KINDS, 0)
    for kind, balance in db.session.execute(
        sa.select(balances_table.c.kind, balances_table.c.balance).where(
            balances_table.c.member_id == member_id
        )
    ):
        values[kind] = int(balance)
    values["total"] = sum(values[k] for k in KINDS)
    return values


def savings_many(member_ids) -> dict:
    """``{member_id: savings dict}`` for several members in one query."""
    result = {mid: dict.fromkeys((*KINDS, "total"), 0) for mid in member_ids}
    if not member_ids:
        return result
    for member_id, kind, balance in db.session.execute(
        sa.select(
            balances_table.c.member_id, balances_table.c.kind, balances_table.c.balance
        ).where(balances_table.c.member_id.in_(list(member_ids)))
    ):
        result[member_id][kind] = int(balance)
        result[member_id]["total"] += int(balance)
    return result


def _apply(
    member,
    kind,
    amount,
    entry_type,
    *,
    user=None,
    note=None,
    ref_type=None,
    ref_id=None,
    reversal_of=None,
    period=(None, None),
    only_if_zero=False,
    booked_on=None,
) -> SavingsEntry:
    """Add a ledger entry and move the cached balance atomically.

    The balance never goes below zero: the guarded UPDATE touches no row when it would,
    and that is a ``Conflict``.
    """
    guard = (
        balances_table.c.balance == 0 if only_if_zero else balances_table.c.balance + amount >= 0
    )
    result = db.session.execute(
        sa.update(balances_table)
        .where(
            balances_table.c.member_id == member.id,
            balances_table.c.kind == kind,
            guard,
        )
        .values(balance=balances_table.c.balance + amount)
    )
    if result.rowcount != 1:
        if only_if_zero:
            raise Conflict(_("Simpanan pokok is already paid."))
        raise Conflict(_("The simpanan %(kind)s balance is too low for this.", kind=kind))
    entry = SavingsEntry(
        member_id=member.id,
        kind=kind,
        entry_type=entry_type,
        amount=amount,
        booked_on=booked_on or business_date(),
        at=utcnow(),
        reversal_of=reversal_of,
        ref_type=ref_type,
        ref_id=None if ref_id is None else str(ref_id),
        user_id=getattr(user, "id", None) or _current_user_id(),
        note=note,
        period_from=period[0],
        period_to=period[1],
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def _current_user():
    from flask import has_request_context
    from flask_login import current_user

    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user
    return None


def _current_user_id():
    from flask import has_request_context
    from flask_login import current_user

    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id
    return None


def _check_kind(kind):
    if kind not in KINDS:
        raise InvalidInput(_("Kind must be pokok, wajib or sukarela."), field="kind")


def _check_amount(amount):
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidInput(
            _("The amount must be a whole number of rupiah above 0."), field="amount"
        )
    if amount > MAX_MONEY:
        raise InvalidInput(_("At most Rp 10.000.000.000.000."), field="amount")


def _wajib_paid(member_id) -> int:
    """What the member has paid in simpanan wajib, net of reversals (not of payouts)."""
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(SavingsEntry.amount), 0)).where(
                SavingsEntry.member_id == member_id,
                SavingsEntry.kind == "wajib",
                SavingsEntry.entry_type != "payout",
            )
        )
    )


def deposit(
    member_no, kind, amount, *, user=None, note=None, ref_type=None, ref_id=None, method="cash"
):
    """Deposit simpanan of ``kind``.

    Pokok must be exactly ``MART_SIMPANAN_POKOK`` and is paid once (``Conflict`` the
    second time); wajib any positive amount (the months it pays are recorded);
    sukarela any positive amount. ``InvalidInput`` for a bad kind or amount,
    ``NotFound``, ``Conflict`` for a member who left.
    """
    _check_kind(kind)
    _check_amount(amount)
    member = _lock_member(member_no)
    if member.status != "active":
        raise Conflict(_("Member %(no)s has left the cooperative.", no=member.member_no))
    period = (None, None)
    if kind == "pokok":
        pokok = current_app.config["MART_SIMPANAN_POKOK"]
        if amount != pokok:
            raise InvalidInput(
                _("Simpanan pokok is exactly %(amount)s.", amount=format_rupiah(pokok)),
                field="amount",
            )
    elif kind == "wajib":
        rate = current_app.config["MART_SIMPANAN_WAJIB"]
        before = _wajib_paid(member.id)
        start = _month_index(member.join_date)
        period = (
            _month_start(start + before // rate),
            _month_start(start + (before + amount - 1) // rate),
        )
    entry = _apply(
        member,
        kind,
        amount,
        "deposit",
        user=user,
        note=note,
        ref_type=ref_type,
        ref_id=ref_id,
        period=period,
        only_if_zero=kind == "pokok",
    )
    audit.record(
        "savings.deposit",
        entry,
        after={"member_no": member.member_no, "kind": kind, "amount": amount},
        user=user,
    )
    _journal_entry(entry, member, method, f"Setoran simpanan {kind} {member.member_no}", user)
    return entry


def _journal_entry(entry, member, method, memo, user):
    """The books' journal of a simpanan paid in or out (books.events.savings)."""
    from books import events as books_events

    books_events.savings(
        entry.booked_on,
        entry_id=entry.id,
        kind=entry.kind,
        amount=entry.amount,
        method=method,
        memo=memo,
        user=user,
    )


def withdraw(member_no, kind, amount, *, user=None, note=None, method="cash"):
    """Withdraw simpanan sukarela. Pokok and wajib only on leaving (``Conflict``).

    ``Conflict`` when the balance is too low or the member left. Audited.
    """
    _check_kind(kind)
    _check_amount(amount)
    member = _lock_member(member_no)
    if member.status != "active":
        raise Conflict(_("Member %(no)s has left the cooperative.", no=member.member_no))
    if kind != "sukarela":
        raise Conflict(
            _(
                "Simpanan %(kind)s cannot be withdrawn while a member; it is paid out on leaving.",
                kind=kind,
            )
        )
    entry = _apply(member, "sukarela", -amount, "withdrawal", user=user, note=note)
    _journal_entry(entry, member, method, f"Penarikan simpanan sukarela {member.member_no}", user)
    audit.record(
        "savings.withdrawal",
        entry,
        after={"member_no": member.member_no, "amount": amount},
        user=user,
    )
    return entry


def pay_from_sukarela(member_no, amount, *, ref_type, ref_id, user=None) -> SavingsEntry:
    """Take a payment at the counter from the member's simpanan sukarela.

    Called by the point of sale inside its own transaction. ``Conflict`` when the
    balance is too low or the member left; ``InvalidInput`` for an amount not above 0.
    """
    _check_amount(amount)
    member = _lock_member(member_no)
    if member.status != "active":
        raise Conflict(_("Member %(no)s has left the cooperative.", no=member.member_no))
    return _apply(
        member, "sukarela", -amount, "payment", user=user, ref_type=ref_type, ref_id=ref_id
    )


def refund_to_sukarela(member_no, amount, *, ref_type, ref_id, user=None) -> SavingsEntry:
    """Put back on simpanan sukarela a payment taken from it (on a return).

    ``Conflict`` for a member who left (refund in cash instead).
    """
    _check_amount(amount)
    member = _lock_member(member_no)
    if member.status != "active":
        raise Conflict(_("Member %(no)s has left the cooperative.", no=member.member_no))
    return _apply(member, "sukarela", amount, "refund", user=user, ref_type=ref_type, ref_id=ref_id)


def reverse_entry(member_no, entry_id, reason, *, user=None) -> SavingsEntry:
    """Correct a mistaken entry with a reversing entry (audited).

    ``NotFound`` for an entry not of this member; ``Conflict`` when it is already
    reversed, is itself a reversal or a payout, the member left, or the balance would
    go below zero. ``InvalidInput`` without a reason.
    """
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give the reason for the reversal."), field="reason")
    member = _lock_member(member_no)
    original = db.session.get(SavingsEntry, entry_id) if isinstance(entry_id, int) else None
    if original is None or original.member_id != member.id:
        raise NotFound(_("No such entry for member %(no)s.", no=member.member_no))
    if member.status != "active":
        raise Conflict(_("Member %(no)s has left the cooperative.", no=member.member_no))
    if original.entry_type in ("reversal", "payout"):
        raise Conflict(_("This entry cannot be reversed."))
    if db.session.scalar(sa.select(SavingsEntry.id).where(SavingsEntry.reversal_of == original.id)):
        raise Conflict(_("This entry is already reversed."))
    try:
        with db.session.begin_nested():
            entry = _apply(
                member,
                original.kind,
                -original.amount,
                "reversal",
                user=user,
                note=reason,
                reversal_of=original.id,
                ref_type=original.ref_type,
                ref_id=original.ref_id,
            )
    except IntegrityError as exc:  # a racing reversal of the same entry
        raise Conflict(_("This entry is already reversed.")) from exc
    from books import services as books

    memo = f"Koreksi simpanan {original.kind} {member.member_no}"
    mirrored = books.post_reversal(
        "savings",
        original.id,
        on=entry.booked_on,
        memo=memo,
        source_type="savings",
        source_id=entry.id,
        user=user,
    )
    if mirrored is None:  # an entry the books got from a sale, a return or the SHU
        _journal_entry(entry, member, "cash", memo, user)
    audit.record(
        "savings.reversal",
        entry,
        before={"entry_id": original.id, "kind": original.kind, "amount": original.amount},
        after={"amount": entry.amount},
        note=reason,
        user=user,
    )
    return entry


def leave(member_no, reason, *, on=None, note=None, user=None) -> dict:
    """Close a membership: pay out pokok, wajib and sukarela, each to zero.

    ``reason`` is resign, expelled or died. The member's logins that are member-only
    are deactivated. Returns the settlement. ``Conflict`` if already left.
    """
    if reason not in LEFT_REASONS:
        raise InvalidInput(_("Reason must be resign, expelled or died."), field="reason")
    member = _lock_member(member_no)
    if member.status != "active":
        raise Conflict(_("Member %(no)s has already left.", no=member.member_no))
    today = business_date()
    on = on or today
    if on > today or on < member.join_date:
        raise InvalidInput(_("The leaving date is not possible."), field="date")
    balances = dict(
        db.session.execute(
            sa.select(balances_table.c.kind, balances_table.c.balance)
            .where(balances_table.c.member_id == member.id)
            .with_for_update()
        ).all()
    )
    payouts = {}
    entries = []
    for kind in KINDS:
        amount = int(balances.get(kind, 0))
        payouts[kind] = amount
        if amount:
            entries.append(
                _apply(
                    member,
                    kind,
                    -amount,
                    "payout",
                    user=user,
                    note=note,
                    ref_type="leave",
                    ref_id=member.member_no,
                )
            )
    from books import events as books_events

    books_events.leaving(
        business_date(),
        member_no=member.member_no,
        payouts=payouts,
        user=user,
    )
    member.status = "left"
    member.left_date = on
    member.left_reason = reason
    member.left_note = note
    db.session.execute(
        sa.update(User)
        .where(User.member_no == member.member_no, User.roles_csv == "member")
        .values(active=False, session_version=User.session_version + 1)
    )
    audit.record(
        "member.leave",
        member,
        before={"savings": payouts},
        after={"status": "left", "reason": reason},
        note=note,
        user=user,
    )
    db.session.flush()
    return settlement(member, payouts=payouts, entries=entries)


def settlement(member, payouts=None, entries=None) -> dict:
    """What was paid out to a member on leaving."""
    if payouts is None:
        rows = db.session.execute(
            sa.select(SavingsEntry.kind, sa.func.sum(SavingsEntry.amount))
            .where(SavingsEntry.member_id == member.id, SavingsEntry.entry_type == "payout")
            .group_by(SavingsEntry.kind)
        ).all()
        payouts = dict.fromkeys(KINDS, 0) | {k: -int(v) for k, v in rows}
    return {
        "member_no": member.member_no,
        "name": member.name,
        "status": member.status,
        "left_date": member.left_date,
        "reason": member.left_reason,
        "payouts": payouts,
        "total": sum(payouts.values()),
    }


LEDGER_COLUMNS = (
    "id",
    "kind",
    "entry_type",
    "amount",
    "booked_on",
    "at",
    "reversal_of",
    "ref_type",
    "ref_id",
    "note",
    "period_from",
    "period_to",
)


def ledger(member_id, kind=None, page=1, per_page=50) -> dict:
    """Entries newest first by the day they are booked on, each with the running
    balance of its kind after it.

    One window query (``SUM() OVER (PARTITION BY kind ORDER BY id)``) on core columns:
    a member's page stays fast with years of history.
    """
    t = entries_table
    where = [t.c.member_id == member_id] + ([t.c.kind == kind] if kind else [])
    # in date order (entries booked for an earlier day, e.g. loaded history, come in
    # their place), the id breaking ties within a day
    running = sa.func.sum(t.c.amount).over(partition_by=t.c.kind, order_by=(t.c.booked_on, t.c.id))
    stmt = (
        sa.select(
            *(t.c[name] for name in LEDGER_COLUMNS),
            running.label("balance"),
            sa.func.count().over().label("total"),
        )
        .where(*where)
        .order_by(t.c.booked_on.desc(), t.c.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    items = [dict(row._mapping) for row in db.session.execute(stmt)]
    total = items[0]["total"] if items else None
    for item in items:
        item["balance"] = int(item["balance"])
        del item["total"]
    if total is None:  # a page past the end: count separately
        total = db.session.scalar(sa.select(sa.func.count()).select_from(t).where(*where))
    return {"items": items, "total": total}


def _entry_dict(entry, balance=None) -> dict:
    return {
        "id": entry.id,
        "kind": entry.kind,
        "entry_type": entry.entry_type,
        "amount": entry.amount,
        "balance": None if balance is None else int(balance),
        "booked_on": entry.booked_on,
        "at": entry.at,
        "reversal_of": entry.reversal_of,
        "ref_type": entry.ref_type,
        "ref_id": entry.ref_id,
        "note": entry.note,
        "period_from": entry.period_from,
        "period_to": entry.period_to,
    }


# --- simpanan wajib arrears ---------------------------------------------------------


@dataclass
class WajibStatus:
    rate: int
    months_due: int
    paid: int
    months_paid: int
    partial: int
    arrears_months: int
    arrears_amount: int
    paid_through: date | None
    unpaid_months: list = field(default_factory=list)

    def as_dict(self):
        return {
            "rate": self.rate,
            "months_due": self.months_due,
            "paid": self.paid,
            "months_paid": self.months_paid,
            "partial": self.partial,
            "arrears_months": self.arrears_months,
            "arrears_amount": self.arrears_amount,
            "paid_through": None
            if self.paid_through is None
            else self.paid_through.strftime("%Y-%m"),
            "unpaid_months": [m.strftime("%Y-%m") for m in self.unpaid_months],
        }


def _wajib_status(member, paid, as_of) -> WajibStatus:
    rate = current_app.config["MART_SIMPANAN_WAJIB"]
    end = as_of
    if member.status == "left" and member.left_date and member.left_date < end:
        end = member.left_date
    start = _month_index(member.join_date)
    months_due = max(0, _month_index(end) - start + 1)
    months_paid = paid // rate if rate else 0
    arrears_months = max(0, months_due - months_paid)
    return WajibStatus(
        rate=rate,
        months_due=months_due,
        paid=paid,
        months_paid=months_paid,
        partial=paid % rate if rate else 0,
        arrears_months=arrears_months,
        arrears_amount=max(0, months_due * rate - paid),
        paid_through=_month_start(start + months_paid - 1) if months_paid else None,
        unpaid_months=[_month_start(start + i) for i in range(months_paid, months_due)][:120],
    )


def wajib_status(member, as_of=None) -> WajibStatus:
    """Which months of simpanan wajib are paid and which are in arrears."""
    return _wajib_status(member, _wajib_paid(member.id), as_of or business_date())


def arrears_report(as_of=None) -> list[dict]:
    """Active members with simpanan wajib in arrears, most months first."""
    as_of = as_of or business_date()
    paid = (
        sa.select(
            SavingsEntry.member_id,
            sa.func.sum(SavingsEntry.amount).label("paid"),
        )
        .where(SavingsEntry.kind == "wajib", SavingsEntry.entry_type != "payout")
        .group_by(SavingsEntry.member_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Member, sa.func.coalesce(paid.c.paid, 0))
        .outerjoin(paid, paid.c.member_id == Member.id)
        .where(Member.status == "active")
        .order_by(Member.member_no)
    ).all()
    report = []
    for member, paid_amount in rows:
        status = _wajib_status(member, int(paid_amount), as_of)
        if status.arrears_months > 0:
            report.append(
                {
                    "member_no": member.member_no,
                    "name": member.name,
                    "phone": member.phone,
                    **status.as_dict(),
                }
            )
    report.sort(key=lambda r: (-r["arrears_months"], r["member_no"]))
    return report


# --- member purchases ---------------------------------------------------------------


def record_purchase(member_no, amount, *, on: date, ref_type, ref_id) -> MemberPurchase | None:
    """Add to the member's purchases for SHU (jasa usaha); a return is negative.

    Called by the point of sale in its transaction. ``NotFound``; ``InvalidInput`` for
    an amount that is not a whole number. An amount of 0 records nothing.
    """
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidInput(_("The amount must be a whole number of rupiah."), field="amount")
    member = get_member(member_no)
    if amount == 0:
        return None
    row = MemberPurchase(
        member_id=member.id,
        purchase_date=_as_date(on),
        amount=amount,
        ref_type=ref_type,
        ref_id=None if ref_id is None else str(ref_id),
        at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    return row


def purchases_in_year(member_no, year) -> int:
    """The member's purchases in ``year``, net of returns."""
    member = get_member(member_no)
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(MemberPurchase.amount), 0)).where(
                MemberPurchase.member_id == member.id,
                MemberPurchase.purchase_date >= date(year, 1, 1),
                MemberPurchase.purchase_date <= date(year, 12, 31),
            )
        )
    )


def purchases_by_month(member_id, year=None, since=None) -> list[dict]:
    """``[{"month": "2026-03", "amount": n}]`` newest first (all years, one, or since a date)."""
    y = sa.extract("year", MemberPurchase.purchase_date)
    m = sa.extract("month", MemberPurchase.purchase_date)
    stmt = sa.select(y, m, sa.func.sum(MemberPurchase.amount)).where(
        MemberPurchase.member_id == member_id
    )
    if year:
        stmt = stmt.where(
            MemberPurchase.purchase_date >= date(year, 1, 1),
            MemberPurchase.purchase_date <= date(year, 12, 31),
        )
    if since:
        stmt = stmt.where(MemberPurchase.purchase_date >= since)
    rows = db.session.execute(stmt.group_by(y, m).order_by(y.desc(), m.desc())).all()
    return [{"month": f"{int(a):04d}-{int(b):02d}", "amount": int(s)} for a, b, s in rows]


# --- roll-up ------------------------------------------------------------------------


def _day_range(day_start, day_end) -> tuple[date, date]:
    """Inclusive first and last business date of a roll-up period."""
    first = _as_date(day_start)
    if isinstance(day_end, datetime):
        last = business_date(day_end - timedelta(microseconds=1))
    else:
        last = day_end
    return first, max(first, last)


def member_figures(day_start, day_end) -> dict:
    """Members at the end of the period, joined and left within it."""
    first, last = _day_range(day_start, day_end)
    count = sa.select(sa.func.count()).select_from(Member)
    total = db.session.scalar(
        count.where(
            Member.join_date <= last,
            sa.or_(Member.left_date.is_(None), Member.left_date > last),
        )
    )
    joined = db.session.scalar(count.where(Member.join_date.between(first, last)))
    left = db.session.scalar(count.where(Member.left_date.between(first, last)))
    return {"members_total": total, "members_joined": joined, "members_left": left}


def capital_totals(as_of=None) -> dict:
    """Simpanan of all members by kind: now, or at the end of business date ``as_of``.

    A datetime ``as_of`` is an exclusive end (the roll-up passes the end of a business
    day): the entries of business days before that moment count.
    """
    if isinstance(as_of, datetime):
        as_of = business_date(as_of - timedelta(microseconds=1))
    totals = dict.fromkeys(KINDS, 0)
    if as_of is None:
        rows = db.session.execute(
            sa.select(balances_table.c.kind, sa.func.sum(balances_table.c.balance)).group_by(
                balances_table.c.kind
            )
        ).all()
    else:
        rows = db.session.execute(
            sa.select(SavingsEntry.kind, sa.func.sum(SavingsEntry.amount))
            .where(SavingsEntry.booked_on <= _as_date(as_of))
            .group_by(SavingsEntry.kind)
        ).all()
    for kind, amount in rows:
        totals[kind] = int(amount or 0)
    return totals


def ledger_totals() -> dict:
    """``{kind: sum of every member's entries}``: the ledgers themselves (the cached
    balances are not read), for the books' reconciliation."""
    totals = dict.fromkeys(KINDS, 0)
    for kind, amount in db.session.execute(
        sa.select(SavingsEntry.kind, sa.func.sum(SavingsEntry.amount)).group_by(SavingsEntry.kind)
    ):
        totals[kind] = int(amount or 0)
    return totals


# --- SHU ----------------------------------------------------------------------------


@dataclass
class ShuResult:
    year: int
    surplus: int
    allocation: dict  # name -> Fraction percentage
    parts: dict  # name -> int rupiah; adds up to surplus
    rounding_to_cadangan: int
    capital_as_of: date
    members: list  # dicts
    total_capital: int
    total_purchases: int
    # With the surplus from the books: the PHU's surplus, surplus_members and
    # surplus_non_members of the year (the non-members' share goes to cadangan).
    from_books: dict | None = None

    @property
    def non_members(self) -> int:
        return (self.from_books or {}).get("surplus_non_members", 0)

    def as_dict(self) -> dict:
        paid_jm = sum(m["jasa_modal"] for m in self.members)
        paid_ju = sum(m["jasa_usaha"] for m in self.members)
        return {
            "year": self.year,
            "surplus": self.surplus,
            "allocation": {k: _percent_str(v) for k, v in self.allocation.items()},
            "parts": self.parts,
            "rounding_to_cadangan": self.rounding_to_cadangan,
            "cadangan_total": (
                self.parts.get("cadangan", 0) + self.rounding_to_cadangan + self.non_members
            ),
            "paid_to_members": {
                "jasa_modal": paid_jm,
                "jasa_usaha": paid_ju,
                "total": paid_jm + paid_ju,
            },
            "capital_as_of": self.capital_as_of,
            "total_capital": self.total_capital,
            "total_purchases": self.total_purchases,
            "members": self.members,
            "from_books": self.from_books,
            "non_members_to_cadangan": self.non_members,
        }


def _percent_str(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return str(Decimal(value.numerator) / Decimal(value.denominator))


def parse_allocation(allocation) -> dict:
    """Percentages by part as exact fractions; they must add up to exactly 100.

    ``jasa_modal`` and ``jasa_usaha`` are required, any other parts are allowed.
    Raises ``InvalidInput`` naming ``allocation``.
    """
    if not isinstance(allocation, dict) or not allocation:
        raise InvalidInput(_("Give the allocation percentages."), field="allocation")
    parsed = {}
    for name, value in allocation.items():
        if not isinstance(name, str) or not PART_NAME_RE.match(name):
            raise InvalidInput(
                _("Part names are lower-case words like dana_sosial."), field="allocation"
            )
        if isinstance(value, bool) or not isinstance(value, int | Decimal | Fraction | str):
            raise InvalidInput(_("Percentages must be numbers."), field="allocation")
        try:
            fraction = Fraction(str(value)) if not isinstance(value, Fraction) else value
        except (ValueError, ZeroDivisionError) as exc:
            raise InvalidInput(_("Percentages must be numbers."), field="allocation") from exc
        if fraction < 0:
            raise InvalidInput(_("Percentages cannot be negative."), field="allocation")
        parsed[name] = fraction
    for required in ("jasa_modal", "jasa_usaha"):
        if required not in parsed:
            raise InvalidInput(
                _("The allocation needs %(part)s.", part=required), field="allocation"
            )
    total = sum(parsed.values(), Fraction(0))
    if total != 100:
        raise InvalidInput(
            _(
                "The percentages must add up to exactly 100 (now %(total)s).",
                total=_percent_str(total),
            ),
            field="allocation",
        )
    return parsed


def shu_from_books(year) -> dict:
    """The year's SHU from the books (its PHU, closing entries left out):
    ``{"surplus", "surplus_members", "surplus_non_members"}``."""
    phu = books_reports.income_statement(date(year, 1, 1), date(year, 12, 31))
    return {k: phu[k] for k in ("surplus", "surplus_members", "surplus_non_members")}


def shu_compute(year, surplus, allocation) -> ShuResult:
    """Each member's SHU of fiscal ``year`` (DOMAIN.md), exact to the rupiah.

    Without ``surplus`` (None) the members' share of the year's SHU comes from the
    books (``shu_from_books``); the non-members' share is not divided and goes to
    cadangan (``from_books``, ``non_members_to_cadangan``).

    Parts: every part but cadangan is ``surplus x percent / 100`` rounded down;
    cadangan gets the rest, so the parts add up to the surplus. Each member's jasa
    modal is ``capital / total capital x surplus x jasa_modal% / 100`` and jasa usaha
    ``purchases / total purchases x surplus x jasa_usaha% / 100``, computed exactly and
    rounded down; what the rounding leaves over (and a pool nobody qualifies for) is
    ``rounding_to_cadangan``. Capital is pokok + wajib (+ sukarela with
    ``MART_SHU_CAPITAL_INCLUDES_SUKARELA``) at the end of the year, or today for the
    running year. Members who joined after, or left before, that date get nothing.
    Net purchases below zero count as zero.

    Raises ``InvalidInput`` (year, surplus, allocation).
    """
    from_books = None
    if surplus is None and isinstance(year, int) and 1900 <= year <= business_date().year:
        from_books = shu_from_books(year)
        surplus = from_books["surplus_members"]
        if surplus <= 0:
            raise InvalidInput(
                _(
                    "The books show no surplus for members in %(year)s (%(amount)s).",
                    year=year,
                    amount=format_rupiah(surplus),
                ),
                field="surplus",
            )
    if isinstance(surplus, bool) or not isinstance(surplus, int) or surplus <= 0:
        raise InvalidInput(
            _("The surplus must be a whole number of rupiah above 0."), field="surplus"
        )
    if surplus > MAX_MONEY:
        raise InvalidInput(_("At most Rp 10.000.000.000.000."), field="surplus")
    percents = parse_allocation(allocation)
    today = business_date()
    if not isinstance(year, int) or year < 1900 or year > today.year:
        raise InvalidInput(
            _("The year is not a past or running fiscal year."), field="year", location="path"
        )
    year_start, year_end = date(year, 1, 1), date(year, 12, 31)
    as_of = min(year_end, today)

    kinds = ["pokok", "wajib"]
    if current_app.config.get("MART_SHU_CAPITAL_INCLUDES_SUKARELA"):
        kinds.append("sukarela")
    capital_q = (
        sa.select(SavingsEntry.member_id, sa.func.sum(SavingsEntry.amount).label("capital"))
        .where(SavingsEntry.kind.in_(kinds), SavingsEntry.booked_on <= as_of)
        .group_by(SavingsEntry.member_id)
        .subquery()
    )
    purchases_q = (
        sa.select(MemberPurchase.member_id, sa.func.sum(MemberPurchase.amount).label("purchases"))
        .where(MemberPurchase.purchase_date.between(year_start, year_end))
        .group_by(MemberPurchase.member_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(
            Member.id,
            Member.member_no,
            Member.name,
            sa.func.coalesce(capital_q.c.capital, 0),
            sa.func.coalesce(purchases_q.c.purchases, 0),
        )
        .outerjoin(capital_q, capital_q.c.member_id == Member.id)
        .outerjoin(purchases_q, purchases_q.c.member_id == Member.id)
        .where(
            Member.join_date <= as_of,
            sa.or_(Member.left_date.is_(None), Member.left_date > as_of),
        )
        .order_by(Member.member_no)
    ).all()

    capitals = [max(0, int(r[3])) for r in rows]
    purchases = [max(0, int(r[4])) for r in rows]
    division = divide_shu(surplus, percents, capitals, purchases)
    members = [
        {
            "member_id": member_id,
            "member_no": member_no,
            "name": name,
            "capital": capital,
            "purchases": bought,
            "jasa_modal": jasa_modal,
            "jasa_usaha": jasa_usaha,
            "total": jasa_modal + jasa_usaha,
        }
        for (member_id, member_no, name, _c, _p), capital, bought, jasa_modal, jasa_usaha in zip(
            rows, capitals, purchases, division.jasa_modal, division.jasa_usaha, strict=True
        )
    ]
    return ShuResult(
        year=year,
        surplus=surplus,
        allocation=percents,
        parts=division.parts,
        rounding_to_cadangan=division.rounding_to_cadangan,
        capital_as_of=as_of,
        members=members,
        total_capital=sum(capitals),
        total_purchases=sum(purchases),
        from_books=from_books,
    )


@dataclass
class ShuDivision:
    parts: dict
    jasa_modal: list
    jasa_usaha: list
    rounding_to_cadangan: int


def divide_shu(surplus: int, percents: dict, capitals: list, purchases: list) -> ShuDivision:
    """The arithmetic of SHU (DOMAIN.md), exact with fractions.

    Parts: every part but cadangan is ``surplus x percent / 100`` rounded down;
    cadangan gets the rest, so the parts add up to the surplus. Member i gets
    ``floor(capital_i / total capital x surplus x jasa_modal% / 100)`` and
    ``floor(purchases_i / total purchases x surplus x jasa_usaha% / 100)``; since a sum
    of floors never exceeds the floor of the sum, what they get fits in the parts,
    and the difference is ``rounding_to_cadangan``.
    """
    parts = {}
    for name, pct in percents.items():
        if name != "cadangan":
            parts[name] = math.floor(surplus * pct / 100)
    parts = {"cadangan": surplus - sum(parts.values()), **parts}
    jasa_modal = _shares(capitals, Fraction(surplus) * percents["jasa_modal"] / 100)
    jasa_usaha = _shares(purchases, Fraction(surplus) * percents["jasa_usaha"] / 100)
    paid = sum(jasa_modal) + sum(jasa_usaha)
    return ShuDivision(
        parts=parts,
        jasa_modal=jasa_modal,
        jasa_usaha=jasa_usaha,
        rounding_to_cadangan=parts["jasa_modal"] + parts["jasa_usaha"] - paid,
    )


def _shares(weights: list, pool: Fraction) -> list:
    """``floor(w / sum(w) x pool)`` for each weight, exactly (integer arithmetic)."""
    total = sum(weights)
    if not total:
        return [0] * len(weights)
    num, den = pool.numerator, pool.denominator * total
    return [(w * num) // den for w in weights]


def shu_post(year, surplus, allocation, *, user=None, override=False) -> tuple[ShuYear, ShuResult]:
    """Book the SHU of ``year`` once: each member's share to simpanan sukarela, or
    recorded as paid in cash (``MART_SHU_PAYOUT=cash``; also for a member who has
    left since). ``Conflict`` when the year is already posted, also when two posts
    race (the unique year decides), and for a year that has not ended (the running
    year) unless ``override``: an admin's act (``Forbidden`` for anyone else), audited
    as ``shu.post_early``.
    """
    result = shu_compute(year, surplus, allocation)
    if db.session.scalar(sa.select(ShuYear.id).where(ShuYear.year == year)) is not None:
        raise Conflict(_("The SHU of %(year)s is already posted.", year=year))
    if year >= business_date().year:
        if not override:
            raise Conflict(
                _(
                    "The year %(year)s has not ended: its SHU is posted after 31 December. "
                    "Only an admin may post it early, explicitly.",
                    year=year,
                )
            )
        actor = user or _current_user()
        if actor is None or not actor.has_role("admin"):
            raise Forbidden(_("Only an admin may post the SHU of a year that has not ended."))
        audit.record(
            "shu.post_early",
            "shu_year",
            year,
            after={"surplus": surplus, "members": len(result.members)},
            note=_("SHU posted before the year ended (admin override)"),
            user=actor,
        )
    mode = "cash" if current_app.config.get("MART_SHU_PAYOUT") == "cash" else "sukarela"
    row = ShuYear(
        year=year,
        surplus=result.surplus,
        allocation={k: _percent_str(v) for k, v in result.allocation.items()},
        parts=result.parts,
        rounding_to_cadangan=result.rounding_to_cadangan,
        payout=mode,
        capital_includes_sukarela=bool(
            current_app.config.get("MART_SHU_CAPITAL_INCLUDES_SUKARELA")
        ),
        capital_as_of=result.capital_as_of,
        posted_at=utcnow(),
        user_id=getattr(user, "id", None) or _current_user_id(),
        from_books=result.from_books,
    )
    db.session.add(row)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise Conflict(_("The SHU of %(year)s is already posted.", year=year)) from exc

    active = set(db.session.scalars(sa.select(Member.id).where(Member.status == "active")).all())
    shares = []
    credits = []
    for m in result.members:
        paid_as = "sukarela" if mode == "sukarela" and m["member_id"] in active else "cash"
        shares.append(
            {
                "shu_year_id": row.id,
                "member_id": m["member_id"],
                "capital": m["capital"],
                "purchases": m["purchases"],
                "jasa_modal": m["jasa_modal"],
                "jasa_usaha": m["jasa_usaha"],
                "total": m["total"],
                "paid_as": paid_as,
            }
        )
        if paid_as == "sukarela" and m["total"] > 0:
            credits.append(m)
    if shares:
        db.session.execute(sa.insert(ShuShare.__table__), shares)
    if credits:
        today, now = business_date(), utcnow()
        user_id = row.user_id
        db.session.execute(
            sa.update(balances_table)
            .where(
                balances_table.c.member_id == sa.bindparam("m_id"),
                balances_table.c.kind == "sukarela",
            )
            .values(balance=balances_table.c.balance + sa.bindparam("m_amount")),
            [{"m_id": m["member_id"], "m_amount": m["total"]} for m in credits],
        )
        db.session.execute(
            sa.insert(entries_table),
            [
                {
                    "member_id": m["member_id"],
                    "kind": "sukarela",
                    "entry_type": "shu",
                    "amount": m["total"],
                    "booked_on": today,
                    "at": now,
                    "ref_type": "shu",
                    "ref_id": str(year),
                    "user_id": user_id,
                    "note": f"SHU {year}",
                }
                for m in credits
            ],
        )
    from books import events as books_events

    # From the books, the non-members' share of the year's SHU is not divided: it
    # leaves the SHU of the year for cadangan with the rounding.
    books_events.shu(
        business_date(),
        year=year,
        surplus=result.surplus + result.non_members,
        parts=result.parts,
        rounding_to_cadangan=result.rounding_to_cadangan + result.non_members,
        to_sukarela=sum(m["total"] for m in credits),
        to_pay=sum(s["total"] for s in shares if s["paid_as"] == "cash"),
        user=user,
    )
    audit.record(
        "shu.post",
        row,
        after={"year": year, "surplus": result.surplus, "payout": mode, "parts": result.parts},
        user=user,
    )
    db.session.flush()
    return row, result


def shu_posted(year) -> dict:
    """The posted SHU of ``year`` with every member's share. ``NotFound``."""
    row = db.session.scalar(sa.select(ShuYear).where(ShuYear.year == year))
    if row is None:
        raise NotFound(_("The SHU of %(year)s is not posted.", year=year))
    shares = db.session.execute(
        sa.select(ShuShare, Member.member_no, Member.name)
        .join(Member, ShuShare.member_id == Member.id)
        .where(ShuShare.shu_year_id == row.id)
        .order_by(Member.member_no)
    ).all()
    members = [
        {
            "member_no": no,
            "name": name,
            "capital": s.capital,
            "purchases": s.purchases,
            "jasa_modal": s.jasa_modal,
            "jasa_usaha": s.jasa_usaha,
            "total": s.total,
        }
        for s, no, name in shares
    ]
    paid_jm = sum(m["jasa_modal"] for m in members)
    paid_ju = sum(m["jasa_usaha"] for m in members)
    return {
        "year": row.year,
        "surplus": row.surplus,
        "allocation": row.allocation,
        "parts": row.parts,
        "rounding_to_cadangan": row.rounding_to_cadangan,
        "cadangan_total": (
            row.parts.get("cadangan", 0)
            + row.rounding_to_cadangan
            + (row.from_books or {}).get("surplus_non_members", 0)
        ),
        "paid_to_members": {
            "jasa_modal": paid_jm,
            "jasa_usaha": paid_ju,
            "total": paid_jm + paid_ju,
        },
        "capital_as_of": row.capital_as_of,
        "total_capital": sum(m["capital"] for m in members),
        "total_purchases": sum(m["purchases"] for m in members),
        "members": members,
        "posted": True,
        "payout": row.payout,
        "posted_at": row.posted_at,
        "from_books": row.from_books,
        "non_members_to_cadangan": (row.from_books or {}).get("surplus_non_members", 0),
    }


def shu_statements(member_id) -> list[dict]:
    """The member's SHU of every posted year, newest first."""
    rows = db.session.execute(
        sa.select(ShuShare, ShuYear)
        .join(ShuYear, ShuShare.shu_year_id == ShuYear.id)
        .where(ShuShare.member_id == member_id)
        .order_by(ShuYear.year.desc())
    ).all()
    return [
        {
            "year": year.year,
            "capital": share.capital,
            "purchases": share.purchases,
            "jasa_modal": share.jasa_modal,
            "jasa_usaha": share.jasa_usaha,
            "total": share.total,
            "paid_as": share.paid_as,
            "posted_at": year.posted_at,
        }
        for share, year in rows
    ]


def shu_explanations(member_id) -> list[dict]:
    """For the member's page: how each posted year's SHU of the member was computed,
    from the year's surplus (from the books, when it came from them) through the
    members' share, the jasa modal and jasa usaha parts and the totals of capital and
    purchases to the member's JMA and JUA. Newest year first."""
    rows = db.session.execute(
        sa.select(ShuShare, ShuYear)
        .join(ShuYear, ShuShare.shu_year_id == ShuYear.id)
        .where(ShuShare.member_id == member_id)
        .order_by(ShuYear.year.desc())
    ).all()
    if not rows:
        return []
    totals = {
        year_id: (int(capital or 0), int(purchases or 0))
        for year_id, capital, purchases in db.session.execute(
            sa.select(
                ShuShare.shu_year_id, sa.func.sum(ShuShare.capital), sa.func.sum(ShuShare.purchases)
            )
            .where(ShuShare.shu_year_id.in_([y.id for _s, y in rows]))
            .group_by(ShuShare.shu_year_id)
        )
    }
    out = []
    for share, year in rows:
        total_capital, total_purchases = totals.get(year.id, (0, 0))
        books = year.from_books or None
        out.append(
            {
                "year": year.year,
                "from_books": books,
                "surplus": year.surplus,
                "percent_jasa_modal": year.allocation.get("jasa_modal"),
                "percent_jasa_usaha": year.allocation.get("jasa_usaha"),
                "part_jasa_modal": year.parts.get("jasa_modal", 0),
                "part_jasa_usaha": year.parts.get("jasa_usaha", 0),
                "total_capital": total_capital,
                "total_purchases": total_purchases,
                "capital": share.capital,
                "purchases": share.purchases,
                "jasa_modal": share.jasa_modal,
                "jasa_usaha": share.jasa_usaha,
                "total": share.total,
                "paid_as": share.paid_as,
                "capital_as_of": year.capital_as_of,
            }
        )
    return out


def shu_estimate(member, balances=None, purchases_this_year=None) -> dict | None:
    """This year's SHU so far, at last posted year's rates per rupiah.

    Rates: last year's jasa modal part / total capital, jasa usaha part / total
    purchases. ``None`` when no year was posted before this one.
    """
    this_year = business_date().year
    last = db.session.scalar(
        sa.select(ShuYear).where(ShuYear.year < this_year).order_by(ShuYear.year.desc()).limit(1)
    )
    if last is None:
        return None
    total_capital, total_purchases = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(ShuShare.capital), 0),
            sa.func.coalesce(sa.func.sum(ShuShare.purchases), 0),
        ).where(ShuShare.shu_year_id == last.id)
    ).one()
    total_capital, total_purchases = int(total_capital), int(total_purchases)  # PG: Decimal
    kinds = ["pokok", "wajib"] + (["sukarela"] if last.capital_includes_sukarela else [])
    balances = balances or savings(member.id)
    capital = sum(balances[k] for k in kinds)
    if purchases_this_year is None:
        purchases_this_year = purchases_in_year(member.member_no, this_year)
    bought = max(0, purchases_this_year)
    jm_part, ju_part = last.parts.get("jasa_modal", 0), last.parts.get("jasa_usaha", 0)
    jasa_modal = int(Fraction(capital * jm_part, total_capital)) if total_capital else 0
    jasa_usaha = int(Fraction(bought * ju_part, total_purchases)) if total_purchases else 0
    return {
        "based_on_year": last.year,
        "year": this_year,
        "capital": capital,
        "purchases": bought,
        "jasa_modal": jasa_modal,
        "jasa_usaha": jasa_usaha,
        "total": jasa_modal + jasa_usaha,
        # what the estimate rests on (the member's page says it)
        "part_jasa_modal": jm_part,
        "part_jasa_usaha": ju_part,
        "total_capital": total_capital,
        "total_purchases": total_purchases,
        "capital_includes_sukarela": bool(last.capital_includes_sukarela),
    }
