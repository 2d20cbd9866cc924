"""Member credit (kredit anggota / kasbon): the limit, purchases on credit, repayments,
refunds, set-off on leaving, the payroll deduction round trip and aging.

- The limit is ``member_credits.credit_limit``; ``None`` means the default,
  ``MART_CREDIT_LIMIT_PERCENT_OF_CAPITAL`` percent of the member's capital (simpanan
  pokok + wajib), rounded down to the rupiah.
- ``member_credits.used`` is what the member owes. It changes only under a row lock
  (``SELECT ... FOR UPDATE``) in the same transaction as its ``credit_entries`` row,
  so two registers selling on credit to the same member at once are serialised and
  can never together go above the limit.
- Aging: repayments pay the oldest purchases first, so what is owed is the newest
  purchases that add up to ``used``; each counts from its business date into
  ``current`` (under 30 days), ``30``, ``60`` or ``90+`` days.
- Books: a sale on credit debits piutang anggota through ``books.events.sale`` (the
  ``credit`` method's account); repayments and set-offs credit it here
  (``books.events.credit_payment``); a return refunded to credit credits it through
  ``books.events.sale_return``.

Services flush, never commit; errors name the field and change nothing.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from books import events as books_events
from mart import audit
from mart.clock import business_date
from mart.errors import Conflict, InvalidInput
from mart.extensions import db
from mart.money import format_rupiah
from members.models import CreditEntry, Member, MemberCredit
from members.services.base import _current_user_id, balances_table
from members.services.members import get_member

credits_table = MemberCredit.__table__
entries_table = CreditEntry.__table__

BUCKETS = ("current", "30", "60", "90+")
# Methods a repayment may come by (the books' account: kas, bank).
REPAY_METHODS = ("cash", "transfer")


def _capital(member_id) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(balances_table.c.balance), 0)).where(
                balances_table.c.member_id == member_id,
                balances_table.c.kind.in_(("pokok", "wajib")),
            )
        )
    )


def default_limit(member_id) -> int:
    percent = current_app.config["MART_CREDIT_LIMIT_PERCENT_OF_CAPITAL"]
    return _capital(member_id) * percent // 100


def _row(member_id, *, lock=False):
    stmt = sa.select(credits_table.c.credit_limit, credits_table.c.used).where(
        credits_table.c.member_id == member_id
    )
    if lock:
        stmt = stmt.with_for_update()
    return db.session.execute(stmt).first()


def _locked_row(member_id):
    """The member's credit row, created when missing, locked until the caller commits."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert  # noqa: PLC0415
    else:
        from sqlalchemy.dialects.sqlite import insert  # noqa: PLC0415
    db.session.execute(
        insert(credits_table)
        .values(member_id=member_id, credit_limit=None, used=0)
        .on_conflict_do_nothing(index_elements=["member_id"])
    )
    return _row(member_id, lock=True)


def _figures(member_id, row) -> dict:
    used = int(row.used) if row is not None else 0
    own = row.credit_limit if row is not None else None
    limit = int(own) if own is not None else default_limit(member_id)
    return {
        "limit": limit,
        "used": used,
        "available": max(0, limit - used),
        "default_limit": own is None,
    }


def credit_of(member_no) -> dict:
    """``{member_no, limit, used, available, default_limit, aging}`` of a member."""
    member = get_member(member_no)
    out = _figures(member.id, _row(member.id))
    out["member_no"] = member.member_no
    out["aging"] = aging_of(member.id, out["used"])
    return out


def set_limit(member_no, limit, *, user=None) -> dict:
    """Set a member's own limit (``None``: back to the default). ``InvalidInput`` on
    ``limit`` below zero. Audited."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise InvalidInput(_("The limit must be a whole number of rupiah, not below 0."), "limit")
    member = get_member(member_no)
    before = _figures(member.id, _locked_row(member.id))
    db.session.execute(
        sa.update(credits_table)
        .where(credits_table.c.member_id == member.id)
        .values(credit_limit=limit)
    )
    audit.record(
        "member.credit_limit",
        member,
        target_id=member.member_no,
        before={"limit": before["limit"], "default": before["default_limit"]},
        after={"limit": limit},
        user=user,
    )
    db.session.flush()
    return credit_of(member.member_no)


def _add_entry(
    member_id, kind, amount, *, on, sale_id=None, due_on=None, method=None, ref=None, user=None
):
    db.session.execute(
        sa.update(credits_table)
        .where(credits_table.c.member_id == member_id)
        .values(used=credits_table.c.used + amount)
    )
    entry = CreditEntry(
        member_id=member_id,
        kind=kind,
        amount=amount,
        sale_id=sale_id,
        booked_on=on,
        due_on=due_on,
        method=method,
        ref=ref,
        user_id=user.id if user is not None else _current_user_id(),
    )
    db.session.add(entry)
    return entry


def check_charge(member_no, amount, *, lock=True) -> dict:
    """Check a purchase of ``amount`` on credit fits in what is available: with
    ``lock``, under the member's credit row lock (the check that counts, right before
    the charge); without, a read that refuses early before anything is written.
    ``Conflict`` above the limit, with the amounts in the message. Answers the figures."""
    member = get_member(member_no)
    if member.status != "active":
        raise Conflict(_("Member %(no)s has left the cooperative.", no=member.member_no))
    row = _locked_row(member.id) if lock else _row(member.id)
    figures = _figures(member.id, row)
    if amount > figures["available"]:
        raise Conflict(
            _(
                "Credit limit reached: %(name)s can buy on credit up to %(available)s"
                " (limit %(limit)s, owed %(used)s).",
                name=member.name,
                available=format_rupiah(figures["available"]),
                limit=format_rupiah(figures["limit"]),
                used=format_rupiah(figures["used"]),
            )
        )
    return figures


def charge(member_no, amount, *, sale_id, on: date, ref=None, user=None) -> CreditEntry:
    """A purchase on credit: checked against the limit under the row lock, then added
    to what is owed (due ``MART_CREDIT_TERM_DAYS`` after ``on``). The books' side is
    the sale's journal (the ``credit`` payment debits piutang anggota)."""
    check_charge(member_no, amount)
    member = get_member(member_no)
    term = current_app.config["MART_CREDIT_TERM_DAYS"]
    entry = _add_entry(
        member.id,
        "charge",
        amount,
        on=on,
        sale_id=sale_id,
        due_on=on + timedelta(days=term),
        ref=ref,
        user=user,
    )
    db.session.flush()
    return entry


def refund(member_no, amount, *, sale_id, ref, on: date, user=None) -> CreditEntry | None:
    """A return of a sale paid on credit, refunded to the credit: what is owed drops
    (never below zero: anything beyond what is owed is ``Conflict``, the caller
    refunds it another way). The books' side is the return's journal."""
    if not amount:
        return None
    member = get_member(member_no)
    figures = _figures(member.id, _locked_row(member.id))
    if amount > figures["used"]:
        raise Conflict(
            _(
                "The member owes %(used)s on credit: refund the rest another way.",
                used=format_rupiah(figures["used"]),
            )
        )
    entry = _add_entry(member.id, "refund", -amount, on=on, sale_id=sale_id, ref=ref, user=user)
    db.session.flush()
    return entry


def repay(member_no, amount, *, method="cash", kind="repayment", ref=None, on=None, user=None):
    """A repayment of what the member owes (at the counter, or ``kind`` payroll).
    ``InvalidInput`` on ``amount`` (not above 0) or ``method``; ``Conflict`` above what
    is owed. Books: kas (or bank) against piutang anggota."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidInput(_("Must be greater than 0."), field="amount")
    if method not in REPAY_METHODS:
        raise InvalidInput(_("Pay by cash or transfer."), field="method")
    member = get_member(member_no)
    figures = _figures(member.id, _locked_row(member.id))
    if amount > figures["used"]:
        raise Conflict(
            _(
                "The member owes %(used)s on credit, less than %(amount)s.",
                used=format_rupiah(figures["used"]),
                amount=format_rupiah(amount),
            )
        )
    on = on or business_date()
    entry = _add_entry(member.id, kind, -amount, on=on, method=method, ref=ref, user=user)
    db.session.flush()
    books_events.credit_payment(
        on,
        payment_id=entry.id,
        member_no=member.member_no,
        amount=amount,
        method=method,
        user=user,
    )
    audit.record(
        "member.credit_" + kind,
        member,
        target_id=member.member_no,
        after={"amount": amount, "method": method, "owed": figures["used"] - amount},
        user=user,
    )
    return entry


def set_off_on_leaving(member, payout_total: int, *, user=None) -> int:
    """A member leaving: what they owe on credit is set off against their savings
    pay-out (at most the pay-out). Answers the amount set off (0: nothing owed). Books:
    the pay-out's kas back against piutang anggota. What the pay-out cannot cover stays
    owed."""
    row = _locked_row(member.id)
    amount = min(int(row.used), payout_total)
    if amount <= 0:
        return 0
    on = business_date()
    entry = _add_entry(member.id, "setoff", -amount, on=on, ref="leave", user=user)
    db.session.flush()
    books_events.credit_payment(
        on,
        payment_id=f"setoff-{entry.id}",
        member_no=member.member_no,
        amount=amount,
        method="cash",
        user=user,
    )
    return amount


def set_off_of(member_id) -> int:
    return -int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(entries_table.c.amount), 0)).where(
                entries_table.c.member_id == member_id, entries_table.c.kind == "setoff"
            )
        )
    )


def owed_total() -> int:
    """What all members owe on credit, from the ledger (the books' piutang anggota)."""
    return int(
        db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(entries_table.c.amount), 0)))
    )


def bucket_of(days: int) -> str:
    if days >= 90:
        return "90+"
    if days >= 60:
        return "60"
    if days >= 30:
        return "30"
    return "current"


def open_parts(charges_newest_first, used: int) -> list:
    """Which purchases are still owed when ``used`` is owed and repayments paid the
    oldest first: walking from the newest, each ``(day, due, amount)`` is owed whole
    until what is left of ``used`` is less. ``[(day, due, open amount)]``; their
    amounts add up to ``used`` (when the purchases cover it)."""
    out = []
    left = used
    for day, due, amount in charges_newest_first:
        if left <= 0:
            break
        part = min(int(amount), left)
        out.append((day, due, part))
        left -= part
    return out


def _open_charges(member_id, used):
    """The purchases still owed, newest first: ``[(booked_on, due_on, open amount)]``."""
    if used <= 0:
        return []
    rows = db.session.execute(
        sa.select(entries_table.c.booked_on, entries_table.c.due_on, entries_table.c.amount)
        .where(entries_table.c.member_id == member_id, entries_table.c.kind == "charge")
        .order_by(entries_table.c.booked_on.desc(), entries_table.c.id.desc())
    )
    return open_parts(rows, used)


def aging_of(member_id, used, today=None) -> dict:
    """What a member owes by age: ``{current, 30, 60, 90+, overdue, oldest}``."""
    return _aging(_open_charges(member_id, used), today or business_date())


def _aging(parts, today) -> dict:
    out = dict.fromkeys(BUCKETS, 0) | {"overdue": 0, "oldest": None}
    for booked_on, due_on, part in parts:
        out[bucket_of((today - booked_on).days)] += part
        if due_on is not None and due_on < today:
            out["overdue"] += part
        out["oldest"] = booked_on
    return out


def credit_list(today=None) -> list[dict]:
    """Every member who owes something, with their aging, largest first. Three
    statements whatever the number of members (their rows, the capital of those on the
    default limit, their purchases on credit)."""
    today = today or business_date()
    rows = db.session.execute(
        sa.select(
            Member.id,
            Member.member_no,
            Member.name,
            Member.status,
            credits_table.c.credit_limit,
            credits_table.c.used,
        )
        .join(credits_table, credits_table.c.member_id == Member.id)
        .where(credits_table.c.used > 0)
        .order_by(credits_table.c.used.desc(), Member.member_no)
    ).all()
    if not rows:
        return []
    ids = [r.id for r in rows]
    percent = current_app.config["MART_CREDIT_LIMIT_PERCENT_OF_CAPITAL"]
    capital = dict(
        db.session.execute(
            sa.select(balances_table.c.member_id, sa.func.sum(balances_table.c.balance))
            .where(
                balances_table.c.member_id.in_([r.id for r in rows if r.credit_limit is None]),
                balances_table.c.kind.in_(("pokok", "wajib")),
            )
            .group_by(balances_table.c.member_id)
        ).all()
    )
    charges: dict[int, list] = {}
    for member_id, booked_on, due_on, amount in db.session.execute(
        sa.select(
            entries_table.c.member_id,
            entries_table.c.booked_on,
            entries_table.c.due_on,
            entries_table.c.amount,
        )
        .where(entries_table.c.member_id.in_(ids), entries_table.c.kind == "charge")
        .order_by(
            entries_table.c.member_id, entries_table.c.booked_on.desc(), entries_table.c.id.desc()
        )
    ):
        charges.setdefault(member_id, []).append((booked_on, due_on, amount))
    out = []
    for r in rows:
        used = int(r.used)
        if r.credit_limit is None:
            limit = int(capital.get(r.id) or 0) * percent // 100
        else:
            limit = int(r.credit_limit)
        out.append(
            {
                "member_no": r.member_no,
                "name": r.name,
                "status": r.status,
                "limit": limit,
                "used": used,
                "available": max(0, limit - used),
                "default_limit": r.credit_limit is None,
                "aging": _aging(open_parts(charges.get(r.id, []), used), today),
            }
        )
    return out


def aging_totals(items) -> dict:
    totals = dict.fromkeys(BUCKETS, 0) | {"used": 0, "overdue": 0}
    for item in items:
        totals["used"] += item["used"]
        totals["overdue"] += item["aging"]["overdue"]
        for b in BUCKETS:
            totals[b] += item["aging"][b]
    return totals


def ledger_of(member_no, limit=50) -> list[CreditEntry]:
    member = get_member(member_no)
    return list(
        db.session.scalars(
            sa.select(CreditEntry)
            .where(CreditEntry.member_id == member.id)
            .order_by(CreditEntry.id.desc())
            .limit(limit)
        )
    )


# --- payroll deduction round trip -------------------------------------------------------

PAYROLL_COLUMNS = ("member_no", "name", "amount")


def payroll_csv() -> str:
    """The CSV for the employer: each member who owes, their name and what is due."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PAYROLL_COLUMNS)
    for item in credit_list():
        if item["status"] == "active":
            writer.writerow((item["member_no"], item["name"], item["used"]))
    return out.getvalue()


@dataclass
class PayrollRow:
    row: int
    member_no: str
    amount: int


def _row_error(row, column, message):
    return InvalidInput(
        _("Row %(row)s, %(column)s: %(message)s", row=row, column=column, message=message),
        field=f"rows.{row}.{column}",
    )


def _parse_payroll(text: str) -> list[PayrollRow]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    for column in ("member_no", "amount"):
        if column not in header:
            raise InvalidInput(
                _("The file needs a column %(column)s.", column=column), field="file"
            )
    reader.fieldnames = header
    rows = []
    seen = {}
    for number, raw in enumerate(reader, start=2):  # row 1 is the header
        member_no = (raw.get("member_no") or "").strip().upper()
        text_amount = (raw.get("amount") or "").strip().replace(".", "").replace(",", "")
        if not member_no and not text_amount:
            continue
        if not member_no:
            raise _row_error(number, "member_no", _("Missing."))
        if not text_amount.isdigit() or int(text_amount) <= 0:
            raise _row_error(number, "amount", _("Must be a whole number above 0."))
        if member_no in seen:
            raise _row_error(number, "member_no", _("Already on row %(row)s.", row=seen[member_no]))
        seen[member_no] = number
        rows.append(PayrollRow(number, member_no, int(text_amount)))
    if not rows:
        raise InvalidInput(_("The file has no rows."), field="file")
    return rows


def import_payroll(text: str, *, ref=None, user=None) -> dict:
    """The employer's CSV back (``member_no, amount`` deducted from the pay): each row
    a repayment by transfer, kind ``payroll``. Every row is checked first (an unknown
    member, a bad amount, more than is owed): the first problem is an ``InvalidInput``
    naming its row and column, and nothing is written."""
    rows = _parse_payroll(text)
    members = {
        m.member_no: m
        for m in db.session.scalars(
            sa.select(Member).where(Member.member_no.in_([r.member_no for r in rows]))
        )
    }
    problems = []
    # Rows locked in member order (two imports at once never lock crosswise); the
    # problem reported is the first in the file's order.
    for r in sorted(rows, key=lambda r: r.member_no):
        member = members.get(r.member_no)
        if member is None:
            problems.append(_row_error(r.row, "member_no", _("Unknown member.")))
            continue
        figures = _figures(member.id, _locked_row(member.id))
        if r.amount > figures["used"]:
            problems.append(
                _row_error(
                    r.row,
                    "amount",
                    _(
                        "Above what the member owes (%(used)s).",
                        used=format_rupiah(figures["used"]),
                    ),
                )
            )
    if problems:
        raise min(problems, key=lambda e: int(next(iter(e.errors["json"])).split(".")[1]))
    on = business_date()
    total = 0
    for r in rows:
        repay(r.member_no, r.amount, method="transfer", kind="payroll", ref=ref, on=on, user=user)
        total += r.amount
    return {"rows": len(rows), "total": total}
