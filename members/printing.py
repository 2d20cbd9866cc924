"""The slips for deposits, withdrawals and the leaving settlement, as documents.

This module only builds them (``printers.document``); ``members.services.slips``
queues them through ``printers.services.queue_document`` (docs/CONTRACTS.md), as pos
does with its receipts.
"""

from decimal import Decimal

from flask_babel import gettext as _

from mart import clock
from mart.money import format_rupiah
from printers import document

KIND_LABELS = {
    "pokok": "Simpanan pokok",
    "wajib": "Simpanan wajib",
    "sukarela": "Simpanan sukarela",
}


def entry_slip(member, entry, savings) -> document.Document:
    """The slip of a savings entry, with the member's balances after it (``savings``)."""
    title = {
        "deposit": _("Deposit slip"),
        "withdrawal": _("Withdrawal slip"),
        "reversal": _("Correction slip"),
    }.get(entry.entry_type, _("Savings slip"))
    info = [
        (_("Member"), f"{member.member_no} {member.name}"),
        (_("Date"), clock.local_text(entry.at)),
        (_("Entry"), str(entry.id)),
    ]
    if entry.period_from:
        info.append((_("Months"), f"{entry.period_from:%Y-%m} .. {entry.period_to:%Y-%m}"))
    doc = document.Document(
        header_lines=document.branch_header(),
        title=title,
        info=info,
        items=[
            document.Item(
                name=KIND_LABELS[entry.kind],
                quantity=Decimal(1),
                unit_price=entry.amount,
                amount=entry.amount,
            )
        ],
        totals=[
            document.Total(_("Balance %(kind)s", kind=entry.kind), savings[entry.kind], True),
            document.Total(_("All savings"), savings["total"]),
        ],
        notes=[entry.note] if entry.note else [],
        footer_lines=[_("Keep this slip.")],
        qr_payload=None,
        barcode=member.member_no,
        copy=False,
    )
    return doc


def settlement_slip(member, settlement) -> document.Document:
    """The slip of the leaving settlement (``members.services.leave``'s answer)."""
    items = [
        document.Item(
            name=KIND_LABELS[kind],
            quantity=Decimal(1),
            unit_price=settlement["payouts"][kind],
            amount=settlement["payouts"][kind],
        )
        for kind in ("pokok", "wajib", "sukarela")
    ]
    doc = document.Document(
        header_lines=document.branch_header(),
        title=_("Membership settlement"),
        info=[
            (_("Member"), f"{member.member_no} {member.name}"),
            (_("Left on"), str(settlement["left_date"])),
            (_("Reason"), settlement["reason"] or ""),
        ],
        items=items,
        totals=_settlement_totals(settlement),
        notes=[_("Paid out: %(amount)s", amount=format_rupiah(_paid_out(settlement)))],
        footer_lines=[_("Signature of member / heir"), "", _("Signature of manager")],
        qr_payload=None,
        barcode=None,
        copy=False,
    )
    return doc


def _paid_out(settlement) -> int:
    return settlement.get("paid_out", settlement["total"])


def _settlement_totals(settlement) -> list:
    """Paid out; with member credit set off (issue 15), the savings and the set-off first."""
    setoff = settlement.get("credit_setoff") or 0
    totals = []
    if setoff:
        totals.append(document.Total(_("Savings total"), settlement["total"]))
        totals.append(document.Total(_("Less: member credit set off"), -setoff))
    totals.append(document.Total(_("Paid out"), _paid_out(settlement), True))
    return totals
