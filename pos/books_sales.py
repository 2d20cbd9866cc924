"""Net sales for the books' PHU split (members / non-members), registered by
``pos.init_app`` as ``app.extensions["books_net_sales"]``.

Net sales are before tax and net of returns: each completed sale's total (after
discounts, before cash rounding) less its PPN, less each return's amount less the PPN
in it (the PPN of the return's taxable lines, split as on a receipt, when the sale
carried PPN). A sale is a
member's when it names a member; its returns count on the same side.
"""

from datetime import date

import sqlalchemy as sa

from books.models import Journal
from mart.extensions import db
from mart.money import ppn_split
from pos.models import Sale, SaleLine, SaleReturn, SaleReturnLine


def net_sales(date_from: date, date_to: date) -> dict:
    """``{"all": int, "members": int}`` for business days ``date_from`` .. ``date_to``."""
    is_member = Sale.member_no.is_not(None)
    totals = {"all": 0, "members": 0}
    for member, amount in db.session.execute(
        sa.select(is_member, sa.func.coalesce(sa.func.sum(Sale.total - Sale.ppn), 0))
        .where(
            Sale.business_date >= date_from,
            Sale.business_date <= date_to,
            Sale.status == "completed",
        )
        .group_by(is_member)
    ):
        totals["all"] += int(amount)
        if member:
            totals["members"] += int(amount)
    # A return carries PPN only when its sale did (a branch that is not PKP charges none).
    taxable = sa.case(
        (sa.and_(SaleLine.tax == "ppn", Sale.ppn > 0), SaleReturnLine.amount), else_=0
    )
    for _ret_id, member, amount, taxed in db.session.execute(
        sa.select(
            SaleReturn.id,
            is_member,
            sa.func.sum(SaleReturnLine.amount),
            sa.func.sum(taxable),
        )
        .join(SaleReturnLine, SaleReturnLine.return_id == SaleReturn.id)
        .join(SaleLine, SaleLine.id == SaleReturnLine.sale_line_id)
        .join(Sale, Sale.id == SaleReturn.sale_id)
        .where(SaleReturn.business_date >= date_from, SaleReturn.business_date <= date_to)
        .group_by(SaleReturn.id, is_member)
    ):
        net = int(amount or 0) - (ppn_split(int(taxed)).ppn if taxed else 0)
        totals["all"] -= net
        if member:
            totals["members"] -= net
    return totals


def net_sales_of_journals(first_id: int, last_id: int) -> list[tuple]:
    """``[(day, members: bool, net)]`` of the sales and returns whose books journals
    have ids ``first_id`` .. ``last_id``, by the journal's date: what the books' fold
    keeps per day (``app.extensions["books_net_sales_journals"]``)."""
    J = Journal.__table__
    in_range = sa.and_(J.c.id >= first_id, J.c.id <= last_id)
    is_member = Sale.member_no.is_not(None)
    out: dict = {}
    for day, member, amount in db.session.execute(
        sa.select(J.c.date, is_member, sa.func.sum(Sale.total - Sale.ppn))
        .select_from(J.join(Sale, Sale.id == J.c.source_id))
        .where(in_range, J.c.source_type == "sale", Sale.status == "completed")
        .group_by(J.c.date, is_member)
    ):
        key = (day, bool(member))
        out[key] = out.get(key, 0) + int(amount or 0)
    taxable = sa.case(
        (sa.and_(SaleLine.tax == "ppn", Sale.ppn > 0), SaleReturnLine.amount), else_=0
    )
    for day, member, amount, taxed in db.session.execute(
        sa.select(
            J.c.date,
            is_member,
            sa.func.sum(SaleReturnLine.amount),
            sa.func.sum(taxable),
        )
        .select_from(J.join(SaleReturn, SaleReturn.number == J.c.source_number))
        .join(SaleReturnLine, SaleReturnLine.return_id == SaleReturn.id)
        .join(SaleLine, SaleLine.id == SaleReturnLine.sale_line_id)
        .join(Sale, Sale.id == SaleReturn.sale_id)
        .where(in_range, J.c.source_type == "return")
        .group_by(J.c.id, J.c.date, is_member)
    ):
        key = (day, bool(member))
        net = int(amount or 0) - (ppn_split(int(taxed)).ppn if taxed else 0)
        out[key] = out.get(key, 0) - net
    return [(day, member, net) for (day, member), net in sorted(out.items())]
