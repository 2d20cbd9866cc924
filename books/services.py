"""Posting journals and reading balances: what the domains call.

``post`` runs in the caller's transaction (it flushes, never commits) and writes a
journal with two Core statements (the journal, then its lines in one executemany): the
sale path calls it. Accounts are named by role (``"kas"``) or by code (``"1101"``);
the role -> id map is read once per app and kept (roles never move to another
account, and an account with a role cannot be closed).
"""

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from books.chart import CHART
from books.models import DEBIT_NORMAL, JOURNAL_KINDS, Account, FiscalYear, Journal, JournalLine
from mart.clock import business_date
from mart.db import UTCDateTime, Write, can_gather, pg_array, run_write, utcnow
from mart.errors import Conflict, InvalidInput
from mart.extensions import db

_CACHE_KEY = "books_roles"
_JOURNALS = Journal.__table__
_LINES = JournalLine.__table__
_INSERT_JOURNAL = sa.insert(_JOURNALS).returning(_JOURNALS.c.id)
_INSERT_LINES = sa.insert(_LINES)
# PostgreSQL: the journal and its lines (arrays of the same length) in one statement;
# answers the journal's id. A ``Write``: inside ``mart.db.gathered_writes`` (the sale)
# it goes in with the block's other writes, and nobody learns the id.
_JOURNAL_CTES_PG = (
    (
        "journal",
        "INSERT INTO books_journals"
        " (date, memo, source_type, source_id, source_number, created_at, user_id, kind)"
        " VALUES (:date, :memo, :source_type, :source_id, :source_number, :created_at,"
        " :user_id, :kind) RETURNING id",
    ),
    (
        "written",
        "INSERT INTO books_journal_lines (journal_id, account_id, debit, credit)"
        " SELECT journal.id, line.account_id, line.debit, line.credit FROM journal,"
        " unnest(CAST(:accounts AS integer[]), CAST(:debits AS bigint[]),"
        " CAST(:credits AS bigint[])) AS line(account_id, debit, credit)",
    ),
)
_INSERT_JOURNAL_PG = Write(
    "SELECT id FROM journal",
    ctes=_JOURNAL_CTES_PG,
    binds=[sa.bindparam("created_at", type_=UTCDateTime)],
)


# --- the chart ---------------------------------------------------------------------


def ensure_chart() -> dict[str, int]:
    """Create the accounts of the chart that are missing (by role; a code already used
    by another account is left alone). Idempotent. Answers ``{role: account id}``."""
    return _ensure_chart()[0]


def _ensure_chart() -> tuple[dict[str, int], bool]:
    """``({role: id}, whether accounts were inserted in this transaction)``."""
    rows = db.session.execute(sa.select(Account.id, Account.code, Account.role)).all()
    roles = {r.role: r.id for r in rows if r.role}
    codes = {r.code for r in rows}
    missing = [
        {"code": code, "name": name, "type": type_, "role": role, "closed": False}
        for code, name, type_, role in CHART
        if role not in roles and code not in codes
    ]
    if missing:
        now = utcnow()
        for row in missing:
            row["created_at"] = now
        try:
            with db.session.begin_nested():
                db.session.execute(sa.insert(Account.__table__), missing)
        except IntegrityError:
            # Another transaction seeded the chart at the same moment: take theirs.
            pass
        rows = db.session.execute(sa.select(Account.id, Account.role)).all()
        roles = {r.role: r.id for r in rows if r.role}
    return roles, bool(missing)


def role_ids() -> dict[str, int]:
    """``{role: account id}``, read (and the chart seeded if empty) once per app. Kept
    only once read from committed rows: ids seeded by a transaction that may still roll
    back are not remembered."""
    cached = current_app.extensions.get(_CACHE_KEY)
    if cached is None:
        cached, seeded = _ensure_chart()
        if cached and not seeded:
            current_app.extensions[_CACHE_KEY] = cached
        elif cached:
            _remember_after_commit(cached)
    return cached


def _remember_after_commit(ids: dict[str, int]) -> None:
    """Keep the ids of a chart seeded in this transaction once it commits (never if it
    rolls back first)."""
    app = current_app._get_current_object()
    session = db.session()
    state = {"done": False}

    def committed(_session):
        if not state["done"]:
            state["done"] = True
            app.extensions[_CACHE_KEY] = ids

    def rolled_back(_session, _previous):
        state["done"] = True

    sa.event.listen(session, "after_commit", committed)
    sa.event.listen(session, "after_soft_rollback", rolled_back)


def forget_chart() -> None:
    """Drop the cached role map (after the tables were emptied, in tests)."""
    current_app.extensions.pop(_CACHE_KEY, None)


def account_by_role(role: str) -> Account:
    return db.session.get(Account, role_ids()[role])


# --- posting -----------------------------------------------------------------------


def _resolve(names: set[str]) -> dict[str, int]:
    """Roles and codes to account ids; codes are read fresh (closed accounts refused)."""
    roles = role_ids()
    found = {name: roles[name] for name in names if name in roles}
    codes = names - found.keys()
    if codes:
        rows = db.session.execute(
            sa.select(Account.id, Account.code, Account.closed).where(Account.code.in_(codes))
        ).all()
        for row in rows:
            if row.closed:
                raise InvalidInput(_("Account %(code)s is closed.", code=row.code), field="lines")
            found[row.code] = row.id
    unknown = sorted(names - found.keys())
    if unknown:
        raise InvalidInput(
            _("Unknown account: %(codes)s.", codes=", ".join(unknown)), field="lines"
        )
    return found


# The branch's business date of a moment (default now): the date journals carry. Both
# names are mart.clock's (``local_today()`` is today's).
local_today = business_date


def check_open(on: date) -> None:
    """Conflict when ``on`` falls in a closed year. A year not yet ended is never
    closed, so dates of this year or later need no query (the sale path)."""
    if on.year >= local_today().year:
        return
    closed = db.session.scalar(
        sa.select(FiscalYear.year).where(
            FiscalYear.year == on.year, FiscalYear.closed_at.is_not(None)
        )
    )
    if closed is not None:
        raise Conflict(_("The year %(year)s is closed; it takes no new entries.", year=on.year))


def post(
    date: date,
    memo: str,
    lines: Iterable[tuple[str, int, int]],
    *,
    source_type: str | None,
    source_id,
    source_number: str | None = None,
    kind: str = "event",
    user=None,
    check_year: bool = True,
    merge: bool = True,
) -> int | None:
    """Write one balanced journal in the caller's transaction; answers its id (None when
    every line is zero: nothing is written; and inside ``mart.db.gathered_writes``,
    where it is written at the end of the block). ``lines`` are ``(role or code, debit,
    credit)``; lines of the same account are merged (unless ``merge`` is False: a move
    between drawer and safe keeps both kas lines), zero lines dropped, a negative
    amount moves to the other side. Unbalanced or an unknown account: InvalidInput;
    a date in a closed year: Conflict. Nothing is written on an error."""
    if kind not in JOURNAL_KINDS:
        raise ValueError(f"unknown journal kind {kind!r}")
    rows: list[tuple[str, int]] = []
    merged: dict[str, int] = {}
    for name, debit, credit in lines:
        if not isinstance(debit, int) or not isinstance(credit, int):
            raise InvalidInput(_("Amounts are whole rupiah."), field="lines")
        if merge:
            merged[name] = merged.get(name, 0) + debit - credit
        else:
            rows.append((name, debit - credit))
    if merge:
        rows = list(merged.items())
    rows = [(name, net) for name, net in rows if net]
    if not rows:
        return None
    total = sum(net for _name, net in rows)
    if total:
        raise InvalidInput(
            _(
                "Debits and credits differ by %(amount)s.",
                amount=abs(total),
            ),
            field="lines",
        )
    if check_year:
        check_open(date)
    ids = _resolve({name for name, _net in rows})
    # Constant Core statements on the session's connection (built once: a statement
    # built per call, and the ORM session's execute, cost about as much CPU as the
    # inserts themselves; the sale path posts one journal per sale). On PostgreSQL the
    # journal and its lines are one statement, one round trip.
    conn = db.session.connection()
    journal = {
        "date": date,
        "memo": (memo or "")[:250],
        "source_type": source_type,
        "source_id": None if source_id is None else str(source_id),
        "source_number": source_number,
        "created_at": utcnow(),
        "user_id": _user_id(user),
        "kind": kind,
    }
    accounts = [ids[name] for name, _net in rows]
    debits = [net if net > 0 else 0 for _name, net in rows]
    credits = [-net if net < 0 else 0 for _name, net in rows]
    if conn.dialect.name == "postgresql":
        params = {  # arrays as literals (mart.db.pg_array), cast by the statement
            **journal,
            "accounts": pg_array(accounts),
            "debits": pg_array(debits),
            "credits": pg_array(credits),
        }
        if can_gather(_INSERT_JOURNAL_PG):
            run_write(_INSERT_JOURNAL_PG, params)  # at the end of the block: no id yet
            return None
        return conn.execute(_INSERT_JOURNAL_PG.statement, params).scalar()
    journal_id = conn.execute(_INSERT_JOURNAL, journal).scalar_one()
    conn.execute(
        _INSERT_LINES,
        [
            {"journal_id": journal_id, "account_id": a, "debit": d, "credit": c}
            for a, d, c in zip(accounts, debits, credits, strict=True)
        ],
    )
    return journal_id


def post_reversal(
    of_type: str, of_id, *, on: date, memo: str, source_type: str, source_id, user=None
) -> int | None:
    """Post the mirror of the journal(s) an event made (debits and credits swapped), as
    a new journal; None when that event made none."""
    rows = db.session.execute(
        sa.select(_LINES.c.account_id, _LINES.c.debit, _LINES.c.credit)
        .join(_JOURNALS, _JOURNALS.c.id == _LINES.c.journal_id)
        .where(_JOURNALS.c.source_type == of_type, _JOURNALS.c.source_id == str(of_id))
    ).all()
    if not rows:
        return None
    codes = dict(db.session.execute(sa.select(Account.id, Account.code)).all())
    return post(
        on,
        memo,
        [(codes[account_id], int(credit), int(debit)) for account_id, debit, credit in rows],
        source_type=source_type,
        source_id=source_id,
        user=user,
    )


def _user_id(user) -> int | None:
    if isinstance(user, int):
        return user
    user_id = getattr(user, "id", None)
    return user_id if isinstance(user_id, int) else None


# --- balances ----------------------------------------------------------------------


def account_balances(
    as_of: date | None = None, date_from: date | None = None, date_to: date | None = None
) -> dict[str, tuple[int, int]]:
    """``{code: (debit total, credit total)}`` of every account (zeros included), over
    journals dated up to ``as_of`` (inclusive) and/or within ``date_from..date_to``.
    One grouped query."""
    conditions = []
    if as_of is not None:
        conditions.append(_JOURNALS.c.date <= as_of)
    if date_from is not None:
        conditions.append(_JOURNALS.c.date >= date_from)
    if date_to is not None:
        conditions.append(_JOURNALS.c.date <= date_to)
    sums = (
        sa.select(
            _LINES.c.account_id,
            sa.func.coalesce(sa.func.sum(_LINES.c.debit), 0).label("debit"),
            sa.func.coalesce(sa.func.sum(_LINES.c.credit), 0).label("credit"),
        )
        .select_from(_LINES.join(_JOURNALS, _JOURNALS.c.id == _LINES.c.journal_id))
        .where(*conditions)
        .group_by(_LINES.c.account_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Account.code, sums.c.debit, sums.c.credit).outerjoin(
            sums, sums.c.account_id == Account.id
        )
    ).all()
    return {code: (int(debit or 0), int(credit or 0)) for code, debit, credit in rows}


def balance_of(account_type: str, debit: int, credit: int) -> int:
    """The balance on the account's normal side."""
    return debit - credit if account_type in DEBIT_NORMAL else credit - debit


def role_balance(role: str, as_of: date | None = None) -> int:
    """One account's balance on its normal side."""
    account_id = role_ids()[role]
    query = (
        sa.select(
            sa.func.coalesce(sa.func.sum(_LINES.c.debit), 0),
            sa.func.coalesce(sa.func.sum(_LINES.c.credit), 0),
        )
        .select_from(_LINES.join(_JOURNALS, _JOURNALS.c.id == _LINES.c.journal_id))
        .where(_LINES.c.account_id == account_id)
    )
    if as_of is not None:
        query = query.where(_JOURNALS.c.date <= as_of)
    debit, credit = db.session.execute(query).one()
    account_type = next(row[2] for row in CHART if row[3] == role)
    return balance_of(account_type, int(debit), int(credit))
