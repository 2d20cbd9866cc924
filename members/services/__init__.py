"""Members: the operations. Services flush; the request (or CLI command) commits.

This package is members' public contract: every name below is what the rest of the
application (pos, books, the roll-up, the views, the tests) may call, re-exported
here so ``from members import services`` is the one import they need. The calls other
packages rely on, and their errors, are listed in ``docs/CONTRACTS.md``. Anything not
re-exported here (a leading underscore, or only in a sub-module) is the package's own
business.

Words used as they are (docs/DOMAIN.md):
- simpanan pokok: paid once on joining, exactly ``MART_SIMPANAN_POKOK``;
- simpanan wajib: the monthly savings (``MART_SIMPANAN_WAJIB`` a month);
- simpanan sukarela: voluntary savings, withdrawable, never below zero;
- SHU (Sisa Hasil Usaha): the year-end surplus, shared by jasa modal (capital) and
  jasa usaha (purchases).

Where each part lives:

* ``members``: register, find, search, check a member; the member's PIN (kept in
  ``members.pins``, reached from here).
* ``savings``: deposits, withdrawals, payments at the counter from sukarela,
  reversals, leaving the cooperative, the ledger. Balances are cached per member and
  kind in ``savings_balances`` and changed only with an atomic, guarded
  ``UPDATE ... SET balance = balance + :a WHERE balance + :a >= 0`` in the same
  transaction as the ledger entry; a rowcount of 0 means the balance is too low, so
  two racing withdrawals can never take it below zero.
* ``wajib``: the months simpanan wajib has paid and the arrears.
* ``purchases``: member purchases (the basis of jasa usaha).
* ``shu``: compute, post and explain the SHU.
* ``slips``: a savings entry's and the leaving settlement's slip, queued through
  ``printers.services`` (the documents are built in ``members.printing``).
* ``figures``: the roll-up's and reports' figures (members, capital, ledger totals).
* ``base``: what they share (the balance tables, the acting user, month arithmetic).
"""

from mart.errors import Conflict
from members.models import SavingsEntry
from members.services import credit
from members.services.figures import capital_totals, ledger_totals, member_figures
from members.services.members import (
    check_member_pin,
    find_member,
    get_member,
    normalise_phone,
    register_member,
    require_active,
    search_members,
    set_member_pin,
    validate_nik,
)
from members.services.purchases import purchases_by_month, purchases_in_year, record_purchase
from members.services.savings import (
    deposit,
    leave,
    ledger,
    pay_from_sukarela,
    refund_to_sukarela,
    reverse_entry,
    savings,
    savings_many,
    settlement,
    withdraw,
)
from members.services.shu import (
    ShuResult,
    divide_shu,
    shu_compute,
    shu_estimate,
    shu_explanations,
    shu_post,
    shu_posted,
    shu_statements,
)
from members.services.slips import print_entry_slip, print_settlement
from members.services.wajib import WajibStatus, arrears_report, wajib_status

__all__ = [
    # names the callers' tests and benchmarks use through here
    "Conflict",
    "SavingsEntry",
    # member credit (kredit anggota), issue 15
    "credit",
    # members
    "check_member_pin",
    "find_member",
    "get_member",
    "normalise_phone",
    "register_member",
    "require_active",
    "search_members",
    "set_member_pin",
    "validate_nik",
    # savings
    "deposit",
    "leave",
    "ledger",
    "pay_from_sukarela",
    "refund_to_sukarela",
    "reverse_entry",
    "savings",
    "savings_many",
    "settlement",
    "withdraw",
    # simpanan wajib
    "WajibStatus",
    "arrears_report",
    "wajib_status",
    # member purchases
    "purchases_by_month",
    "purchases_in_year",
    "record_purchase",
    # slips through the print queue
    "print_entry_slip",
    "print_settlement",
    # SHU
    "ShuResult",
    "divide_shu",
    "shu_compute",
    "shu_estimate",
    "shu_explanations",
    "shu_post",
    "shu_posted",
    "shu_statements",
    # figures
    "capital_totals",
    "ledger_totals",
    "member_figures",
]
