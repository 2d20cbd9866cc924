"""What a manager writes by hand: manual journals, expenses, and (an admin) accounts;
and the journals read back. Services flush, never commit; bad input writes nothing.
"""

import re
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from books.chart import EXPENSE_KINDS
from books.models import ACCOUNT_TYPES, Account, Journal, JournalLine
from books.services import (
    account_balances,
    balance_of,
    forget_chart,
    local_today,
    post,
    role_ids,
)
from mart import audit
from mart.errors import Conflict, InvalidInput, NotFound
from mart.extensions import db
from mart.fields import MAX_MONEY
from mart.locale import format_date

CODE_RE = re.compile(r"^[0-9A-Za-z.\-]{1,16}$")
# Where an expense is paid from (the expense page): kas, bank, or owed (utang beban).
PAID_FROM = {"kas": "kas", "bank": "bank", "payable": "utang_beban"}


def _amount(value, field) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(_("Amounts are whole rupiah."), field=field)
    if value < 0:
        raise InvalidInput(_("Must be 0 or more."), field=field)
    if value > MAX_MONEY:
        raise InvalidInput(_("The amount is too large."), field=field)
    return value


# The earliest date a journal written by hand may carry. A year like 0277 is a typo, and
# the books list every year from the first journal's (books.closing.years).
EARLIEST = date(2000, 1, 1)


def _date(value, field="date") -> date:
    """A journal's date: a real date from 1 January 2000 to the end of next year."""
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value))
        except (TypeError, ValueError):
            raise InvalidInput(_("Give a date as YYYY-MM-DD."), field=field) from None
    latest = date(local_today().year + 1, 12, 31)
    if not EARLIEST <= value <= latest:
        raise InvalidInput(
            _(
                "The date must be from %(first)s to %(last)s.",
                first=format_date(EARLIEST),
                last=format_date(latest),
            ),
            field=field,
        )
    return value


def manual_entry(data: dict, user=None) -> int:
    """A manual journal ``{date, memo, lines: [{account, debit?, credit?}]}``: each line
    one side only, the accounts open codes, debits equal to credits (InvalidInput
    naming the field), a date in an open year (Conflict). Answers the journal id."""
    role_ids()  # the chart exists
    on = _date(data.get("date"))
    memo = (data.get("memo") or "").strip()
    if not memo:
        raise InvalidInput(_("Say what the entry is for."), field="memo")
    lines = data.get("lines") or []
    if len(lines) < 2:
        raise InvalidInput(_("An entry needs at least two lines."), field="lines")
    accounts = {
        a.code: a
        for a in db.session.scalars(
            sa.select(Account).where(Account.code.in_([str(ln.get("account")) for ln in lines]))
        )
    }
    rows = []
    for i, line in enumerate(lines):
        code = str(line.get("account") or "").strip()
        account = accounts.get(code)
        if account is None:
            raise InvalidInput(
                _("Unknown account: %(codes)s.", codes=code or "-"), field=f"lines.{i}.account"
            )
        if account.closed:
            raise InvalidInput(
                _("Account %(code)s is closed.", code=code), field=f"lines.{i}.account"
            )
        debit = _amount(line.get("debit") or 0, f"lines.{i}.debit")
        credit = _amount(line.get("credit") or 0, f"lines.{i}.credit")
        if (debit > 0) == (credit > 0):
            raise InvalidInput(
                _("A line has either a debit or a credit."), field=f"lines.{i}.debit"
            )
        rows.append((code, debit, credit))
    if sum(d for _c, d, _k in rows) != sum(k for _c, _d, k in rows):
        raise InvalidInput(
            _(
                "Debits and credits differ by %(amount)s.",
                amount=abs(sum(d - k for _c, d, k in rows)),
            ),
            field="lines",
        )
    journal_id = post(
        on, memo, rows, source_type=None, source_id=None, kind="manual", user=user, merge=False
    )
    audit.record(
        "books.manual_entry",
        "Journal",
        journal_id,
        after={"date": on.isoformat(), "memo": memo, "lines": [list(r) for r in rows]},
    )
    return journal_id


def expense(data: dict, user=None) -> int:
    """The common case: ``{date, kind, amount, paid_from, memo?}``; kind is one of
    EXPENSE_KINDS (wages, rent, electricity, depreciation, bank charges, other) or
    ``supplier_payment`` (utang usaha paid); paid from kas, bank or owed (payable).
    Depreciation is credited to akumulasi penyusutan whatever ``paid_from`` says."""
    kind = data.get("kind")
    if kind not in (*EXPENSE_KINDS, "supplier_payment"):
        raise InvalidInput(_("Choose what the expense is."), field="kind")
    amount = _amount(data.get("amount"), "amount")
    if amount <= 0:
        raise InvalidInput(_("Must be greater than 0."), field="amount")
    paid_from = data.get("paid_from") or "kas"
    if paid_from not in PAID_FROM:
        raise InvalidInput(_("Paid from kas, bank or owed."), field="paid_from")
    on = _date(data.get("date"))
    debit_role = "utang_usaha" if kind == "supplier_payment" else EXPENSE_KINDS[kind]
    credit_role = "akumulasi_penyusutan" if kind == "depreciation" else PAID_FROM[paid_from]
    roles = role_ids()
    names = dict(
        db.session.execute(
            sa.select(Account.id, Account.name).where(
                Account.id.in_([roles[debit_role], roles[credit_role]])
            )
        ).all()
    )
    memo = (data.get("memo") or "").strip() or names[roles[debit_role]]
    journal_id = post(
        on,
        memo,
        [(debit_role, amount, 0), (credit_role, 0, amount)],
        source_type=None,
        source_id=None,
        kind="manual",
        user=user,
    )
    audit.record(
        "books.expense",
        "Journal",
        journal_id,
        after={"date": on.isoformat(), "kind": kind, "amount": amount, "paid_from": paid_from},
    )
    return journal_id


# --- accounts ----------------------------------------------------------------------


def accounts_with_balances(as_of: date | None = None) -> list[dict]:
    role_ids()  # the chart exists
    balances = account_balances(as_of=as_of)
    out = []
    for account in db.session.scalars(sa.select(Account).order_by(Account.code)):
        debit, credit = balances.get(account.code, (0, 0))
        out.append(
            {
                "id": account.id,
                "code": account.code,
                "name": account.name,
                "type": account.type,
                "role": account.role,
                "closed": account.closed,
                "debit": debit,
                "credit": credit,
                "balance": balance_of(account.type, debit, credit),
            }
        )
    return out


def add_account(data: dict) -> Account:
    """An account without a role (admin). Duplicate code 409."""
    role_ids()  # the chart exists
    code = str(data.get("code") or "").strip()
    if not CODE_RE.match(code):
        raise InvalidInput(_("A code of up to 16 letters or digits."), field="code")
    name = (data.get("name") or "").strip()
    if not name or len(name) > 120:
        raise InvalidInput(_("Give the account's name."), field="name")
    if data.get("type") not in ACCOUNT_TYPES:
        raise InvalidInput(_("Choose the account's type."), field="type")
    if db.session.scalar(sa.select(Account.id).where(Account.code == code)) is not None:
        raise Conflict(_("The code %(code)s is already used.", code=code))
    account = Account(code=code, name=name, type=data["type"], role=None, closed=False)
    db.session.add(account)
    db.session.flush()
    audit.record("books.account_add", account, after={"code": code, "name": name})
    return account


def close_account(code: str) -> Account:
    """Close an account (never deleted): it takes no new entries. An account events
    post to (a role), or with a balance, cannot be closed (409)."""
    role_ids()  # the chart exists
    account = db.session.scalar(sa.select(Account).where(Account.code == code))
    if account is None:
        raise NotFound(_("Unknown account: %(codes)s.", codes=code))
    if account.closed:
        raise Conflict(_("Account %(code)s is closed.", code=code))
    if account.role:
        raise Conflict(_("The business events post to this account; it stays open."))
    debit, credit = account_balances().get(code, (0, 0))
    if debit != credit:
        raise Conflict(_("The account still has a balance; move it first."))
    account.closed = True
    db.session.flush()
    forget_chart()
    audit.record("books.account_close", account, after={"code": code})
    return account


# --- journals read back ------------------------------------------------------------


def journals(*, date_from=None, date_to=None, account=None, page=1, per_page=50) -> dict:
    """``{"items": [journal dicts], "total": n}``, newest first."""
    query = sa.select(Journal.id)
    if date_from:
        query = query.where(Journal.date >= date_from)
    if date_to:
        query = query.where(Journal.date <= date_to)
    if account:
        account_id = db.session.scalar(sa.select(Account.id).where(Account.code == account))
        if account_id is None:
            raise InvalidInput(
                _("Unknown account: %(codes)s.", codes=account), field="account", location="query"
            )
        query = query.where(
            Journal.id.in_(
                sa.select(JournalLine.journal_id).where(JournalLine.account_id == account_id)
            )
        )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    ids = db.session.scalars(
        query.order_by(Journal.date.desc(), Journal.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return {"items": journal_dicts(ids), "total": total}


def journal_dicts(ids) -> list[dict]:
    if not ids:
        return []
    heads = {j.id: j for j in db.session.scalars(sa.select(Journal).where(Journal.id.in_(ids)))}
    lines: dict[int, list] = {i: [] for i in ids}
    for line, code, name in db.session.execute(
        sa.select(JournalLine, Account.code, Account.name)
        .join(Account, Account.id == JournalLine.account_id)
        .where(JournalLine.journal_id.in_(ids))
        .order_by(JournalLine.id)
    ):
        lines[line.journal_id].append(
            {"account": code, "name": name, "debit": line.debit, "credit": line.credit}
        )
    out = []
    for i in ids:
        j = heads[i]
        source = None
        if j.source_type:
            source = {"type": j.source_type, "id": j.source_id, "number": j.source_number}
        out.append(
            {
                "id": j.id,
                "date": j.date,
                "memo": j.memo,
                "kind": j.kind,
                "source": source,
                "lines": lines[i],
                "created_at": j.created_at,
            }
        )
    return out
