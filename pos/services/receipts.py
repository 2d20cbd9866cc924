"""The slips of a sale: the receipt (printed, previewed, reprinted as a copy), the
return note (nota retur), and how a payment method is printed."""

from flask import current_app
from flask_babel import gettext as _

from mart import audit
from mart.clock import local_text
from mart.locale import translator
from mart.money import format_number
from members import services as members
from pos.models import Sale, SaleReturn
from pos.services import pricing
from pos.services.promotions import given_on
from printers import services as printing
from printers.document import Document, Item, Total, branch_header

# A payment method's label, translated only for the method asked.
_METHOD_LABELS = {
    "cash": lambda _: _("Cash"),
    "qris": lambda _: _("QRIS"),
    "card": lambda _: _("Card"),
    "transfer": lambda _: _("Transfer"),
    "simpanan": lambda _: _("Simpanan sukarela"),
    "credit": lambda _: _("Member credit"),
}


def method_label(method: str, _=_) -> str:
    """How ``method`` is printed and shown (``_``: a ``mart.locale.translator``)."""
    label = _METHOD_LABELS.get(method)
    return label(_) if label is not None else method


def receipt_document(sale: Sale, *, copy: bool = False):
    """The receipt as a ``printers.document.Document`` (what prints and previews)."""
    cfg = current_app.config
    _ = translator()  # the request's translations looked up once for the whole receipt
    items = []
    for line in sale.lines:
        # a pack line as "1 DUS (40)" at the pack's price, a tier's "harga grosir"
        quantity, unit_price, notes = pricing.receipt_item(line, _)
        if line.member_price:
            notes.append(_("member price"))
        if line.discount:
            notes.append(_("discount -%(amount)s", amount=format_number(line.discount)))
        for given in given_on(line):  # issue 15: each promotion by name
            notes.append(f"{given['name']} -{format_number(given['discount'])}")
        items.append(
            Item(
                name=line.name,
                quantity=quantity,
                unit_price=unit_price,
                amount=line.gross - line.discount - getattr(line, "promotion_discount", 0),
                note=", ".join(notes) or None,
                unit=line.unit,
            )
        )
    promotion = getattr(sale, "promotion_discount", 0)
    totals = [Total(_("Subtotal"), sale.subtotal - sale.line_discount - promotion)]
    if sale.sale_discount:
        totals.append(Total(_("Discount"), -sale.sale_discount))
    totals.append(Total(_("Total"), sale.total, emphasis=True))
    if sale.rounding:
        totals.append(Total(_("Rounding"), sale.rounding))
        totals.append(Total(_("Amount due"), sale.amount_due, emphasis=True))
    for payment in sale.payments:
        label = method_label(payment.method, _)
        if payment.reference:
            label = f"{label} ({payment.reference})"
        totals.append(Total(label, payment.amount))
    totals.append(Total(_("Change"), sale.change, emphasis=bool(sale.change)))
    notes = []
    if cfg["MART_PKP"] and sale.taxable:
        notes.append(_("Prices include PPN."))
        totals.append(Total(_("DPP nilai lain"), sale.dpp))
        totals.append(Total(_("PPN"), sale.ppn))
    if sale.discount:
        notes.append(_("You saved %(amount)s", amount=format_number(sale.discount)))
    if sale.member_no:
        year_total = members.purchases_in_year(sale.member_no, sale.business_date.year)
        notes.append(
            _(
                "Member %(no)s: purchases in %(year)s so far %(amount)s",
                no=sale.member_no,
                year=sale.business_date.year,
                amount=format_number(year_total),
            )
        )
    return Document(
        header_lines=branch_header(),
        title=None,
        info=[
            (_("No."), sale.number),
            (_("Date"), local_text(sale.created_at)),
            (_("Cashier"), sale.cashier.full_name or sale.cashier.username),
            (_("Register"), sale.register.code),
        ],
        items=items,
        totals=totals,
        notes=notes,
        footer_lines=[cfg["MART_RECEIPT_FOOTER"]] if cfg["MART_RECEIPT_FOOTER"] else [],
        qr_payload=None,
        barcode=sale.number,
        copy=copy,
    )


def receipt_text(sale: Sale, width: int, *, copy=False) -> str:
    return printing.render_text(receipt_document(sale, copy=copy), width)


def reprint(sale: Sale, user):
    """Queue a copy of the receipt (marked COPY/SALINAN)."""
    job = printing.queue_document(
        receipt_document(sale, copy=True),
        sale.register.printer_id,
        kind="receipt",
        copy=True,
        ref_type="sale",
        ref_id=sale.id,
    )
    audit.record("sale.reprint", sale, after={"number": sale.number}, user=user)
    return job


def return_document(ret: SaleReturn):
    items = [
        Item(
            name=line.sale_line.name,
            quantity=line.quantity,
            unit_price=line.sale_line.unit_price,
            amount=-line.amount,
            unit=line.sale_line.unit,
        )
        for line in ret.lines
    ]
    totals = [Total(_("Refund"), ret.amount, emphasis=True)]
    totals += [Total(method_label(r.method), r.amount) for r in ret.refunds]
    notes = [_("Return of receipt %(number)s", number=ret.sale.number)]
    if ret.ppn:
        notes.append(_("Prices include PPN."))
        totals.append(Total(_("DPP nilai lain"), ret.dpp))
        totals.append(Total(_("PPN returned"), ret.ppn))
    if ret.damaged:
        notes.append(_("Damaged goods: written off."))
    return Document(
        header_lines=branch_header(),
        title=_("RETURN NOTE (NOTA RETUR)"),
        info=[
            (_("No."), ret.number),
            (_("Date"), local_text(ret.created_at)),
            (_("Receipt"), ret.sale.number),
        ],
        items=items,
        totals=totals,
        notes=notes,
        footer_lines=[],
        qr_payload=None,
        barcode=None,
        copy=False,
    )
