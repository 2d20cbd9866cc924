"""Savings (simpanan pokok, wajib, sukarela): deposits, withdrawals, payments at the
counter, reversals, leaving the cooperative, the ledger.

Balances are cached per member and kind in ``savings_balances`` and changed only with
an atomic, guarded ``UPDATE ... SET balance = balance + :a WHERE balance + :a >= 0``
in the same transaction as the ledger entry; a rowcount of 0 means the balance is too
low, so two racing withdrawals can never take it below zero.
"""

from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from books import events as books_events
from books import services as books
from mart import audit
from mart.clock import business_date
from mart.db import utcnow
from mart.errors import Conflict, InvalidInput, NotFound
from mart.extensions import db
from mart.fields import MAX_MONEY
from mart.models import User
from mart.money import format_rupiah
from members.models import KINDS, LEFT_REASONS, SavingsEntry
from members.pins import _locked_member as _lock_member
from members.services import credit
from members.services.base import (
    _current_user_id,
    _month_index,
    _month_start,
    balances_table,
    entries_table,
)

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


# The last month simpanan wajib can pay: December 9999, the last a date can name. (An
# amount paying months past it was a 500, found by the API fuzzer.)
LAST_WAJIB_MONTH = 9999 * 12 + 11


def _wajib_months(member, amount) -> tuple[date, date]:
    """The first and the last month a wajib deposit of ``amount`` pays, after what the
    member has paid since joining. ``InvalidInput`` naming ``amount`` (with the most
    that can be paid) when it would pay months past ``LAST_WAJIB_MONTH``."""
    rate = current_app.config["MART_SIMPANAN_WAJIB"]
    before = _wajib_paid(member.id)
    start = _month_index(member.join_date)
    last = start + (before + amount - 1) // rate
    if last > LAST_WAJIB_MONTH:
        room = max(0, (LAST_WAJIB_MONTH + 1 - start) * rate - before)
        raise InvalidInput(
            _(
                "This simpanan wajib would pay months past the year 9999: at most %(amount)s.",
                amount=format_rupiah(room),
            ),
            field="amount",
        )
    return _month_start(start + before // rate), _month_start(last)


def deposit(
    member_no, kind, amount, *, user=None, note=None, ref_type=None, ref_id=None, method="cash"
):
    """Deposit simpanan of ``kind``.

    Pokok must be exactly ``MART_SIMPANAN_POKOK`` and is paid once (``Conflict`` the
    second time); wajib any positive amount whose months, recorded, end by December 9999;
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
        period = _wajib_months(member, amount)
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
    books_events.leaving(
        business_date(),
        member_no=member.member_no,
        payouts=payouts,
        user=user,
    )
    credit.set_off_on_leaving(member, sum(payouts.values()), user=user)  # issue 15
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
        # issue 15: open member credit set off against the pay-out, and what is paid
        "credit_setoff": (setoff := credit.set_off_of(member.id)),
        "paid_out": sum(payouts.values()) - setoff,
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
