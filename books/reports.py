"""The books' reports: buku besar, trial balance, neraca, PHU, arus kas.

Every report is built on one grouped sum per account (``sums``): the per-day sums
already folded into ``books_account_days`` plus the few journal lines newer than the
fold (see ``books/reports_models.py``), so a year of a million sales is summed in
milliseconds. Balances are on the account's normal side: debit for assets and
expenses, credit for the others.

PHU (perhitungan hasil usaha) for a period, from the journals that are not closing
entries:

- ``revenue``: the sales accounts (penjualan less retur and potongan) plus komisi
  konsinyasi; other revenue accounts are ``other_income``;
- ``cost_of_goods``: harga pokok penjualan; ``expenses``: every other expense account;
- ``surplus = revenue - cost_of_goods + other_income - expenses``;
- ``surplus_non_members = floor(surplus x non-member net sales / all net sales)``
  (net sales before tax, net of returns, from the provider the point of sale registers
  in ``app.extensions["books_net_sales"]``), ``surplus_members`` the rest.

Neraca as of a date: assets = liabilities + equity, where revenue and expenses not yet
closed into the SHU of the year appear in equity, on the SHU tahun berjalan line.
"""

from collections import defaultdict
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from books.models import DEBIT_NORMAL, Account, Journal, JournalLine
from books.reports_models import AccountDay, SalesDay, SummaryMark
from mart.db import utcnow
from mart.errors import InvalidInput, NotFound
from mart.extensions import db

# Revenue accounts that make up "revenue" (sales net of returns and discounts, and the
# consignment commission); any other revenue account is other income.
SALES_ROLES = ("penjualan", "retur_penjualan", "potongan_penjualan", "komisi_konsinyasi")
COST_ROLES = ("hpp",)
CASH_ROLES = ("kas", "bank")
SHU_ROLE = "shu_tahun_berjalan"

# Arus kas (direct method): each non-cash account's movement in the period, by the
# activity it belongs to. Accounts without a role fall back on their type.
CASH_FLOW_GROUPS = (
    ("customers", _l("Receipts from customers")),
    ("suppliers", _l("Payments to suppliers")),
    ("expenses", _l("Payments for operating expenses")),
    ("investing", _l("Investing activities")),
    ("financing", _l("Financing activities (simpanan, SHU)")),
)
_FLOW_BY_ROLE = {
    **{role: "customers" for role in SALES_ROLES},
    "pendapatan_lain": "customers",
    "ppn_keluaran": "customers",
    "piutang_qris": "customers",
    "piutang_kartu": "customers",
    "piutang_anggota": "customers",
    "persediaan": "suppliers",
    "hpp": "suppliers",
    "selisih_persediaan": "suppliers",
    "utang_usaha": "suppliers",
    "utang_konsinyasi": "suppliers",
    "utang_beban": "expenses",
    "akumulasi_penyusutan": "expenses",
    "selisih_kas": "expenses",
    "peralatan": "investing",
}
_FLOW_BY_TYPE = {
    "revenue": "customers",
    "expense": "expenses",
    "asset": "investing",
    "liability": "financing",
    "equity": "financing",
}


def lag_seconds() -> float:
    return float(current_app.config["MART_BOOKS_SUMMARY_LAG_SECONDS"])


# --- the fold and the grouped sums --------------------------------------------------


def _mark() -> int:
    value = db.session.scalar(sa.select(SummaryMark.line_id).where(SummaryMark.id == 1))
    return int(value or 0)


def refresh_summary() -> int:
    """Fold the journal lines older than the lag into ``books_account_days``; answers
    how many lines were folded. Two at once: one wins, the other folds nothing (the
    mark moves by compare-and-set). Flushes; the caller commits."""
    L, J = JournalLine.__table__, Journal.__table__
    mark_table = SummaryMark.__table__
    old = db.session.scalar(sa.select(mark_table.c.line_id).where(mark_table.c.id == 1))
    if old is None:
        try:
            with db.session.begin_nested():
                db.session.execute(sa.insert(mark_table).values(id=1, line_id=0))
        except sa.exc.IntegrityError:
            pass
        old = 0
    old = int(old)
    cutoff = utcnow() - timedelta(seconds=lag_seconds())
    young = db.session.scalar(
        sa.select(sa.func.min(L.c.id))
        .select_from(L.join(J, J.c.id == L.c.journal_id))
        .where(L.c.id > old, J.c.created_at >= cutoff)
    )
    if young is not None:
        new = int(young) - 1
    else:
        new = int(db.session.scalar(sa.select(sa.func.max(L.c.id))) or 0)
    if new <= old:
        return 0
    moved = db.session.execute(
        sa.update(mark_table)
        .where(mark_table.c.id == 1, mark_table.c.line_id == old)
        .values(line_id=new)
    )
    if moved.rowcount != 1:
        return 0
    closing = sa.case((J.c.kind == "closing", sa.true()), else_=sa.false())
    grouped = (
        sa.select(
            L.c.account_id,
            J.c.date,
            closing,
            sa.func.sum(L.c.debit),
            sa.func.sum(L.c.credit),
        )
        .select_from(L.join(J, J.c.id == L.c.journal_id))
        .where(L.c.id > old, L.c.id <= new)
        .group_by(L.c.account_id, J.c.date, closing)
    )
    db.session.execute(
        sa.insert(AccountDay.__table__).from_select(
            ["account_id", "day", "closing", "debit", "credit"], grouped
        )
    )
    by_journals = current_app.extensions.get("books_net_sales_journals")
    if by_journals is not None:
        first, last = db.session.execute(
            sa.select(sa.func.min(L.c.journal_id), sa.func.max(L.c.journal_id)).where(
                L.c.id > old, L.c.id <= new
            )
        ).one()
        rows = [
            {"day": day, "members": bool(members), "net": int(net)}
            for day, members, net in (by_journals(first, last) if first is not None else ())
            if net
        ]
        if rows:
            db.session.execute(sa.insert(SalesDay.__table__), rows)
    db.session.flush()
    return new - old


def sums(
    date_from: date | None = None,
    date_to: date | None = None,
    *,
    closing: bool | None = None,
    account_id: int | None = None,
) -> dict[int, list[int]]:
    """``{account id: [debit, credit]}`` of the journals dated ``date_from`` ..
    ``date_to`` (inclusive; None: unbounded); ``closing=False`` leaves the year-closing
    journals out. Two grouped statements: the fold, and the lines after it."""
    refresh_summary()
    mark = _mark()
    A, L, J = AccountDay.__table__, JournalLine.__table__, Journal.__table__
    q1 = sa.select(A.c.account_id, sa.func.sum(A.c.debit), sa.func.sum(A.c.credit)).group_by(
        A.c.account_id
    )
    # The lines after the fold, read first by their ids (a materialised CTE: else the
    # planner may walk every journal of the period by date and look for new lines).
    newer = (
        sa.select(L.c.journal_id, L.c.account_id, L.c.debit, L.c.credit)
        .where(L.c.id > mark)
        .cte("newer_lines")
        .prefix_with("MATERIALIZED")
    )
    q2 = (
        sa.select(newer.c.account_id, sa.func.sum(newer.c.debit), sa.func.sum(newer.c.credit))
        .select_from(newer.join(J, J.c.id == newer.c.journal_id))
        .group_by(newer.c.account_id)
    )
    if date_from is not None:
        q1 = q1.where(A.c.day >= date_from)
        q2 = q2.where(J.c.date >= date_from)
    if date_to is not None:
        q1 = q1.where(A.c.day <= date_to)
        q2 = q2.where(J.c.date <= date_to)
    if closing is not None:
        q1 = q1.where(A.c.closing == closing)
        q2 = q2.where((J.c.kind == "closing") if closing else (J.c.kind != "closing"))
    if account_id is not None:
        q1 = q1.where(A.c.account_id == account_id)
        q2 = q2.where(newer.c.account_id == account_id)
    out: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for q in (q1, q2):
        for acc, debit, credit in db.session.execute(q):
            out[acc][0] += int(debit or 0)
            out[acc][1] += int(credit or 0)
    return dict(out)


def normal_balance(account_type: str, debit: int, credit: int) -> int:
    return debit - credit if account_type in DEBIT_NORMAL else credit - debit


def chart() -> list:
    """Every account, ordered by code (rows with id, code, name, type, role, closed)."""
    return db.session.execute(
        sa.select(
            Account.id, Account.code, Account.name, Account.type, Account.role, Account.closed
        ).order_by(Account.code)
    ).all()


def _account_row(acc, balance) -> dict:
    return {"code": acc.code, "name": acc.name, "role": acc.role, "balance": balance}


# --- the reports ---------------------------------------------------------------------


def trial_balance(as_of: date) -> dict:
    """Each account's net balance on its debit or credit side, as of ``as_of``
    (accounts whose balance is zero are left out)."""
    totals = sums(date_to=as_of)
    rows = []
    for acc in chart():
        debit, credit = totals.get(acc.id, (0, 0))
        net = debit - credit
        if not net:
            continue
        rows.append(
            {
                "code": acc.code,
                "name": acc.name,
                "type": acc.type,
                "debit": max(net, 0),
                "credit": max(-net, 0),
            }
        )
    return {
        "as_of": as_of,
        "accounts": rows,
        "totals": {
            "debit": sum(r["debit"] for r in rows),
            "credit": sum(r["credit"] for r in rows),
        },
    }


def balance_sheet(as_of: date) -> dict:
    """Neraca as of ``as_of``: ``{assets, liabilities, equity}`` each ``{total,
    accounts}``; revenue less expenses not yet closed is added to SHU tahun berjalan
    (``unclosed_surplus``), so assets = liabilities + equity."""
    totals = sums(date_to=as_of)
    sections = {"asset": [], "liability": [], "equity": []}
    unclosed = 0
    shu_row = None
    for acc in chart():
        debit, credit = totals.get(acc.id, (0, 0))
        balance = normal_balance(acc.type, debit, credit)
        if acc.type in ("revenue", "expense"):
            unclosed += balance if acc.type == "revenue" else -balance
            continue
        if acc.closed and not balance:
            continue
        row = _account_row(acc, balance)
        sections[acc.type].append(row)
        if acc.role == SHU_ROLE:
            shu_row = row
    if shu_row is None:
        shu_row = {"code": None, "name": _("SHU of the year"), "role": SHU_ROLE, "balance": 0}
        sections["equity"].append(shu_row)
    shu_row["balance"] += unclosed

    def part(rows):
        return {"total": sum(r["balance"] for r in rows), "accounts": rows}

    return {
        "as_of": as_of,
        "assets": part(sections["asset"]),
        "liabilities": part(sections["liability"]),
        "equity": part(sections["equity"]),
        "unclosed_surplus": unclosed,
    }


def net_sales(date_from: date, date_to: date) -> dict:
    """``{"all", "members"}``: net sales before tax, net of returns, of the sales and
    returns whose journals are dated in the period: the folded per-day sums plus, from
    the point of sale's ``books_net_sales_journals``, those of the journals after the
    fold. Without that provider, the point of sale's ``books_net_sales`` (a sum over
    the period's sales); zeros without either."""
    by_journals = current_app.extensions.get("books_net_sales_journals")
    if by_journals is None:
        provider = current_app.extensions.get("books_net_sales")
        if provider is None:
            return {"all": 0, "members": 0}
        got = provider(date_from, date_to)
        return {"all": int(got.get("all") or 0), "members": int(got.get("members") or 0)}
    refresh_summary()
    totals = {"all": 0, "members": 0}
    S = SalesDay.__table__
    for members, net in db.session.execute(
        sa.select(S.c.members, sa.func.sum(S.c.net))
        .where(S.c.day >= date_from, S.c.day <= date_to)
        .group_by(S.c.members)
    ):
        totals["all"] += int(net or 0)
        if members:
            totals["members"] += int(net or 0)
    mark = _mark()
    after = db.session.scalar(sa.select(JournalLine.journal_id).where(JournalLine.id == mark))
    newest = db.session.scalar(sa.select(sa.func.max(Journal.id)))
    if newest is not None and (after or 0) < newest:
        for day, members, net in by_journals((after or 0) + 1, newest):
            if date_from <= day <= date_to:
                totals["all"] += int(net)
                if members:
                    totals["members"] += int(net)
    return totals


def split_surplus(surplus: int, sales: dict) -> tuple[int, int]:
    """``(members, non_members)``: the non-members' share is ``surplus x non-member
    net sales / all net sales`` rounded down; the members' share is the rest."""
    every, members = sales["all"], sales["members"]
    if every <= 0:
        return surplus, 0
    non = min(max(every - members, 0), every)
    non_members = (surplus * non) // every
    return surplus - non_members, non_members


def income_statement(date_from: date, date_to: date, *, detail: bool = False) -> dict:
    """PHU of ``date_from`` .. ``date_to`` (closing entries left out). With ``detail``
    also each account's amount (``lines``) and the net sales used for the split."""
    totals = sums(date_from, date_to, closing=False)
    parts = {"revenue": 0, "cost_of_goods": 0, "other_income": 0, "expenses": 0}
    lines = {name: [] for name in parts}
    for acc in chart():
        debit, credit = totals.get(acc.id, (0, 0))
        if acc.type not in ("revenue", "expense") or (not debit and not credit):
            continue
        balance = normal_balance(acc.type, debit, credit)
        if acc.type == "revenue":
            name = "revenue" if acc.role in SALES_ROLES else "other_income"
        else:
            name = "cost_of_goods" if acc.role in COST_ROLES else "expenses"
        parts[name] += balance
        lines[name].append(_account_row(acc, balance))
    gross_margin = parts["revenue"] - parts["cost_of_goods"]
    surplus = gross_margin + parts["other_income"] - parts["expenses"]
    sales = net_sales(date_from, date_to)
    members, non_members = split_surplus(surplus, sales)
    result = {
        "revenue": parts["revenue"],
        "cost_of_goods": parts["cost_of_goods"],
        "gross_margin": gross_margin,
        "other_income": parts["other_income"],
        "expenses": parts["expenses"],
        "surplus": surplus,
        "surplus_members": members,
        "surplus_non_members": non_members,
    }
    if detail:
        result.update(date_from=date_from, date_to=date_to, lines=lines, net_sales=sales)
    return result


def cash_flow(date_from: date, date_to: date) -> dict:
    """Arus kas by the direct method: cash (kas and bank) at the start, what came in
    and went out by activity, cash at the end. Each activity is the movement of its
    accounts against cash (every journal balances, so the activities add up to the
    change in cash); closing entries are left out."""
    accounts = chart()
    cash_ids = {a.id for a in accounts if a.role in CASH_ROLES}
    before = sums(date_to=date_from - timedelta(days=1), closing=False)
    period = sums(date_from, date_to, closing=False)
    opening = sum(before.get(i, (0, 0))[0] - before.get(i, (0, 0))[1] for i in cash_ids)
    groups = {key: {"total": 0, "accounts": []} for key, _label in CASH_FLOW_GROUPS}
    for acc in accounts:
        if acc.id in cash_ids or acc.id not in period:
            continue
        debit, credit = period[acc.id]
        if debit == credit:
            continue
        key = _FLOW_BY_ROLE.get(acc.role or "", _FLOW_BY_TYPE[acc.type])
        amount = credit - debit  # what this account brought into cash
        groups[key]["total"] += amount
        groups[key]["accounts"].append(_account_row(acc, amount))
    change = sum(g["total"] for g in groups.values())
    return {
        "date_from": date_from,
        "date_to": date_to,
        "opening_cash": opening,
        "activities": [
            {"key": key, "label": str(label), **groups[key]} for key, label in CASH_FLOW_GROUPS
        ],
        "net_change": change,
        "closing_cash": opening + change,
    }


def get_account(code: str):
    acc = db.session.execute(
        sa.select(Account.id, Account.code, Account.name, Account.type, Account.role).where(
            Account.code == code
        )
    ).first()
    if acc is None:
        raise NotFound(_("Unknown account: %(codes)s.", codes=code))
    return acc


def ledger(code: str, date_from: date, date_to: date, *, offset: int = 0, limit: int = 500) -> dict:
    """Buku besar of one account: the balance before ``date_from``, each line of the
    period (``limit`` from ``offset``) with the running balance, and the end balance."""
    if date_from > date_to:
        raise InvalidInput(_("Must not be after 'to'."), field="from")
    acc = get_account(code)
    before = sums(date_to=date_from - timedelta(days=1), account_id=acc.id).get(acc.id, (0, 0))
    period = sums(date_from, date_to, account_id=acc.id).get(acc.id, (0, 0))
    opening = normal_balance(acc.type, *before)
    L, J = JournalLine.__table__, Journal.__table__
    in_period = (
        sa.select(
            J.c.id,
            J.c.date,
            J.c.memo,
            J.c.kind,
            J.c.source_type,
            J.c.source_id,
            J.c.source_number,
            L.c.debit,
            L.c.credit,
        )
        .select_from(L.join(J, J.c.id == L.c.journal_id))
        .where(L.c.account_id == acc.id, J.c.date >= date_from, J.c.date <= date_to)
        .order_by(J.c.date, J.c.id, L.c.id)
    )
    running = opening
    if offset:
        skipped = in_period.limit(offset).subquery()
        d, c = db.session.execute(
            sa.select(
                sa.func.coalesce(sa.func.sum(skipped.c.debit), 0),
                sa.func.coalesce(sa.func.sum(skipped.c.credit), 0),
            )
        ).one()
        running += normal_balance(acc.type, int(d), int(c))
    rows = []
    for r in db.session.execute(in_period.offset(offset).limit(limit + 1)):
        if len(rows) == limit:
            break
        running += normal_balance(acc.type, int(r.debit), int(r.credit))
        rows.append(
            {
                "journal_id": r.id,
                "date": r.date,
                "memo": r.memo,
                "kind": r.kind,
                "source": (
                    {"type": r.source_type, "id": r.source_id, "number": r.source_number}
                    if r.source_type
                    else None
                ),
                "debit": int(r.debit),
                "credit": int(r.credit),
                "balance": running,
            }
        )
    total_lines = db.session.scalar(sa.select(sa.func.count()).select_from(in_period.subquery()))
    return {
        "account": {"code": acc.code, "name": acc.name, "type": acc.type, "role": acc.role},
        "date_from": date_from,
        "date_to": date_to,
        "opening_balance": opening,
        "debit": period[0],
        "credit": period[1],
        "closing_balance": opening + normal_balance(acc.type, *period),
        "lines": rows,
        "offset": offset,
        "total": int(total_lines or 0),
    }


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def day_figures(day: date) -> dict:
    """The neraca and PHU totals the branch's daily report carries: the neraca at the
    end of ``day``, revenue and surplus from 1 January to ``day``."""
    sheet = balance_sheet(day)
    phu = income_statement(date(day.year, 1, 1), day)
    return {
        "assets": sheet["assets"]["total"],
        "liabilities": sheet["liabilities"]["total"],
        "equity": sheet["equity"]["total"],
        "revenue": phu["revenue"],
        "surplus": phu["surplus"],
    }
