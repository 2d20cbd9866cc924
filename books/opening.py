"""The opening balance of a branch that kept ledgers before it kept books.

At ``flask mart init``, when the books have no journal yet, one "opening" journal is
posted, dated the business day, from what the ledgers hold at that moment: persediaan
(the stock at moving average cost), utang konsinyasi (consigned goods sold and not yet
paid), simpanan pokok, wajib and sukarela (the members' ledgers), and kas (the cash
expected in the drawers of open shifts; the safe's cash is not known to any ledger, so
it is entered by hand afterwards). What balances it goes to "Ekuitas Saldo Awal"
(saldo_awal). A new branch (every ledger empty) gets no opening journal. From then on
every event posts its own journal, so the books agree with the ledgers from that day.
"""

from flask import current_app

from books.chart import CHART
from books.models import DEBIT_NORMAL, Journal
from books.services import business_date, post, role_ids
from mart.extensions import db


def opening_lines() -> list[tuple[str, int, int]]:
    """The opening journal's lines from the registered ledgers (see books.reconcile)."""
    types = {role: type_ for _code, _name, type_, role in CHART}
    lines = []
    for provider in current_app.extensions.get("books_ledgers", {}).values():
        for role, (amount, _what) in provider().items():
            if role == "kas_drawers":
                role = "kas"
            if types[role] in DEBIT_NORMAL:
                lines.append((role, amount, 0))
            else:
                lines.append((role, 0, amount))
    difference = sum(d - c for _r, d, c in lines)
    lines.append(("saldo_awal", 0, difference))
    return lines


def post_opening_if_needed() -> str | None:
    """Post the opening journal once, on a branch whose books are empty and whose
    ledgers are not. Answers a line for the command's output, or None."""
    role_ids()
    if db.session.query(Journal.id).first() is not None:
        return None
    journal_id = post(
        business_date(),
        "Saldo awal dari buku pembantu",
        opening_lines(),
        source_type="opening",
        source_id=None,
        kind="opening",
    )
    if journal_id is None:
        return None
    return f"Books: opening balance journal #{journal_id} posted from the ledgers."
