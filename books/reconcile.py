"""Reconciliation: the books against the ledgers they summarise.

Each domain registers what its ledgers say an account must hold:
``app.extensions["books_ledgers"][name] = fn() -> {role: (amount, what)}`` (inventory:
persediaan, utang konsinyasi; members: simpanan pokok, wajib, sukarela; pos: the open
drawers' cash). ``check()`` compares every such role with the account's balance, and
also checks the books themselves: every journal balanced, debits equal credits.

Kas: the account holds the cash in the drawers of open shifts and in the safe. "The
safe" is defined as the kas balance less the open drawers' expected cash: it is shown,
and a negative safe (more cash expected in the drawers than the books hold) is a
difference.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from books.models import Account, Journal, JournalLine
from books.services import account_balances, balance_of, role_ids
from mart.extensions import db


@dataclass
class Line:
    role: str
    code: str
    name: str
    books: int
    ledgers: int
    what: str

    @property
    def difference(self) -> int:
        return self.books - self.ledgers


@dataclass
class Result:
    lines: list[Line]
    problems: list[str]
    warnings: list[str]
    safe: int
    drawers: int

    @property
    def ok(self) -> bool:
        return not self.problems and all(line.difference == 0 for line in self.lines)

    def differences(self) -> list[str]:
        out = [
            f"{line.code} {line.name} ({line.role}): books {line.books}, ledgers "
            f"{line.ledgers} ({line.what}), difference {line.difference}"
            for line in self.lines
            if line.difference
        ]
        return out + self.problems


def register(app, name, provider) -> None:
    app.extensions.setdefault("books_ledgers", {})[name] = provider


def check() -> Result:
    roles = role_ids()
    accounts = {
        a.id: a
        for a in db.session.scalars(sa.select(Account).where(Account.id.in_(roles.values())))
    }
    balances = account_balances()
    expected: dict[str, tuple[int, str]] = {}
    drawers = 0
    for provider in current_app.extensions.get("books_ledgers", {}).values():
        for role, (amount, what) in provider().items():
            if role == "kas_drawers":
                drawers += amount
            else:
                expected[role] = (amount, what)
    lines = []
    for role, (amount, what) in sorted(expected.items(), key=lambda item: roles[item[0]]):
        account = accounts[roles[role]]
        debit, credit = balances.get(account.code, (0, 0))
        lines.append(
            Line(
                role,
                account.code,
                account.name,
                balance_of(account.type, debit, credit),
                amount,
                what,
            )
        )
    problems, warnings = [], []
    kas = accounts[roles["kas"]]
    kas_balance = balance_of(kas.type, *balances.get(kas.code, (0, 0)))
    safe = kas_balance - drawers
    if safe < 0:
        warnings.append(
            f"{kas.code} {kas.name}: books {kas_balance}, open drawers expect {drawers}: "
            f"the safe would hold {safe}"
        )
    unbalanced = (
        db.session.execute(
            sa.select(Journal.id)
            .join(JournalLine, JournalLine.journal_id == Journal.id)
            .group_by(Journal.id)
            .having(sa.func.sum(JournalLine.debit) != sa.func.sum(JournalLine.credit))
        )
        .scalars()
        .all()
    )
    for journal_id in unbalanced:
        problems.append(f"journal {journal_id} does not balance")
    total_debit = sum(d for d, _c in balances.values())
    total_credit = sum(c for _d, c in balances.values())
    if total_debit != total_credit:
        problems.append(f"trial balance: debits {total_debit}, credits {total_credit}")
    return Result(lines=lines, problems=problems, warnings=warnings, safe=safe, drawers=drawers)
