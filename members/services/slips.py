"""Slips through the print queue: a savings entry's and the leaving settlement's.

The documents are built by ``members.printing``; the jobs are written here through
``printers.services.queue_document`` in the caller's transaction (flushed, not
committed), as pos queues its receipts from its services.
"""

from members import printing
from members.models import Member, SavingsEntry
from members.services.savings import savings
from printers import services as printers
from printers.models import PrintJob


def print_entry_slip(member: Member, entry: SavingsEntry) -> PrintJob:
    """Queue the slip of a savings entry, with the member's balances as they are now."""
    slip = printing.entry_slip(member, entry, savings(member.id))
    return printers.queue_document(
        slip, kind="slip", ref_type="savings_entry", ref_id=str(entry.id)
    )


def print_settlement(member: Member, settlement: dict) -> PrintJob:
    """Queue the slip of the leaving settlement (``leave``'s answer)."""
    slip = printing.settlement_slip(member, settlement)
    return printers.queue_document(
        slip, kind="slip", ref_type="member_leave", ref_id=member.member_no
    )
