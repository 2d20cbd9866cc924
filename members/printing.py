"""Slips for deposits, withdrawals and the leaving settlement, through the print queue.

Printing belongs to the ``printers`` package (``printers.services.queue_document``,
docs/CONTRACTS.md); this module only builds the document. While that service is not
installed, ``printing_available()`` is False and nothing is queued.
"""

from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _

from mart.money import format_rupiah

KIND_LABELS = {
    "pokok": "Simpanan pokok",
    "wajib": "Simpanan wajib",
    "sukarela": "Simpanan sukarela",
}


def _printers():
    try:
        from printers import document, services
    except ImportError:
        return None
    if not hasattr(services, "queue_document") or not hasattr(document, "Document"):
        return None
    return services, document


def printing_available() -> bool:
    return _printers() is not None


def _header():
    cfg = current_app.config
    return [cfg["MART_BRANCH_NAME"], cfg.get("MART_BRANCH_ADDRESS", "")]


def queue_entry_slip(member, entry, savings):
    """Queue a slip for a savings entry; returns the print job, or None."""
    found = _printers()
    if found is None:
        return None
    services, document = found
    title = {
        "deposit": _("Deposit slip"),
        "withdrawal": _("Withdrawal slip"),
        "reversal": _("Correction slip"),
    }.get(entry.entry_type, _("Savings slip"))
    info = [
        (_("Member"), f"{member.member_no} {member.name}"),
        (_("Date"), entry.at.strftime("%Y-%m-%d %H:%M")),
        (_("Entry"), str(entry.id)),
    ]
    if entry.period_from:
        info.append((_("Months"), f"{entry.period_from:%Y-%m} .. {entry.period_to:%Y-%m}"))
    doc = document.Document(
        header_lines=_header(),
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
    return services.queue_document(doc, kind="slip", ref_type="savings_entry", ref_id=str(entry.id))


def queue_settlement(member, settlement):
    """Queue the leaving settlement; returns the print job, or None."""
    found = _printers()
    if found is None:
        return None
    services, document = found
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
        header_lines=_header(),
        title=_("Membership settlement"),
        info=[
            (_("Member"), f"{member.member_no} {member.name}"),
            (_("Left on"), str(settlement["left_date"])),
            (_("Reason"), settlement["reason"] or ""),
        ],
        items=items,
        totals=[document.Total(_("Paid out"), settlement["total"], True)],
        notes=[_("Paid out: %(amount)s", amount=format_rupiah(settlement["total"]))],
        footer_lines=[_("Signature of member / heir"), "", _("Signature of manager")],
        qr_payload=None,
        barcode=None,
        copy=False,
    )
    return services.queue_document(
        doc, kind="slip", ref_type="member_leave", ref_id=member.member_no
    )
