"""Figures read from the ledgers: a shift's X/Z figures, the cash in the open
drawers, the PPN of a period net of returns and the day's figures for the roll-up."""

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa

from mart.extensions import db
from mart.models import User
from pos.models import (
    SHIFT_OPEN,
    CashMovement,
    Payment,
    ReturnRefund,
    Sale,
    SaleLine,
    SaleReturn,
    Shift,
)


def shift_figures(shift: Shift) -> dict:
    """The X/Z report figures of a shift, from the ledgers (sales, returns, cash)."""
    sales = db.session.execute(
        sa.select(
            sa.func.count(Sale.id),
            sa.func.coalesce(sa.func.sum(Sale.subtotal), 0),
            sa.func.coalesce(sa.func.sum(Sale.discount), 0),
            sa.func.coalesce(sa.func.sum(Sale.total), 0),
            sa.func.coalesce(sa.func.sum(Sale.rounding), 0),
            sa.func.coalesce(sa.func.sum(Sale.ppn), 0),
            sa.func.coalesce(sa.func.sum(Sale.change), 0),
        ).where(Sale.shift_id == shift.id, Sale.status == "completed")
    ).one()
    count, subtotal, discount, total, rounding, ppn, change = (int(x) for x in sales)
    by_method = defaultdict(int)
    for method, amount in db.session.execute(
        sa.select(Payment.method, sa.func.sum(Payment.amount))
        .join(Sale, Sale.id == Payment.sale_id)
        .where(Sale.shift_id == shift.id, Sale.status == "completed")
        .group_by(Payment.method)
    ):
        by_method[method] += int(amount)
    by_method["cash"] -= change  # cash kept = handed over - change
    if by_method["cash"] == 0 and not change:
        by_method.pop("cash")
    returns = db.session.execute(
        sa.select(
            sa.func.count(SaleReturn.id),
            sa.func.coalesce(sa.func.sum(SaleReturn.amount), 0),
            sa.func.coalesce(sa.func.sum(SaleReturn.ppn), 0),
        ).where(SaleReturn.shift_id == shift.id)
    ).one()
    refunds = defaultdict(int)
    for method, amount in db.session.execute(
        sa.select(ReturnRefund.method, sa.func.sum(ReturnRefund.amount))
        .join(SaleReturn, SaleReturn.id == ReturnRefund.return_id)
        .where(SaleReturn.shift_id == shift.id)
        .group_by(ReturnRefund.method)
    ):
        refunds[method] += int(amount)
    cash = {"in": 0, "out": 0}
    for kind, amount in db.session.execute(
        sa.select(CashMovement.kind, sa.func.sum(CashMovement.amount))
        .where(CashMovement.shift_id == shift.id)
        .group_by(CashMovement.kind)
    ):
        cash[kind] = int(amount)
    expected = (
        shift.opening_float
        + by_method.get("cash", 0)
        + cash["in"]
        - cash["out"]
        - refunds.get("cash", 0)
    )
    return {
        "shift_id": shift.id,
        "register": shift.register.code,
        "cashier": shift.cashier.username,
        "status": shift.status,
        "opened_at": shift.opened_at.isoformat(),
        "closed_at": shift.closed_at.isoformat() if shift.closed_at else None,
        "opening_float": shift.opening_float,
        "transactions": count,
        "sales_gross": subtotal,
        "discounts": discount,
        "sales_total": total,
        "rounding": rounding,
        "sales_ppn": ppn,
        "returns_ppn": int(returns[2]),
        "ppn": ppn - int(returns[2]),  # net of the returns booked on this shift
        "by_payment": dict(sorted(by_method.items())),
        "returns_count": int(returns[0]),
        "returns": int(returns[1]),
        "refunds": dict(sorted(refunds.items())),
        "cash_in": cash["in"],
        "cash_out": cash["out"],
        "expected_cash": expected,
        "counted_cash": shift.counted_cash,
        "difference": shift.difference,
    }


def open_drawers_cash() -> int:
    """The expected cash in the drawers of every open shift (for the books' kas)."""
    shifts = db.session.scalars(sa.select(Shift).where(Shift.status == SHIFT_OPEN)).all()
    return sum(shift_figures(shift)["expected_cash"] for shift in shifts)


# --- roll-up ----------------------------------------------------------------------


def ppn_figures(day_start: datetime, day_end: datetime) -> dict:
    """PPN of ``[day_start, day_end)`` net of returns, for the day's figures and tax
    reports: ``{taxable, dpp, sales_ppn, returns_taxable, returns_dpp, returns_ppn,
    ppn}`` with ``ppn = sales_ppn - returns_ppn`` (a return counts when it was made)."""
    sales = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(Sale.taxable), 0),
            sa.func.coalesce(sa.func.sum(Sale.dpp), 0),
            sa.func.coalesce(sa.func.sum(Sale.ppn), 0),
        ).where(Sale.created_at >= day_start, Sale.created_at < day_end, Sale.status == "completed")
    ).one()
    returns = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(SaleReturn.taxable), 0),
            sa.func.coalesce(sa.func.sum(SaleReturn.dpp), 0),
            sa.func.coalesce(sa.func.sum(SaleReturn.ppn), 0),
        ).where(SaleReturn.created_at >= day_start, SaleReturn.created_at < day_end)
    ).one()
    taxable, dpp, sales_ppn = (int(x) for x in sales)
    r_taxable, r_dpp, r_ppn = (int(x) for x in returns)
    return {
        "taxable": taxable,
        "dpp": dpp,
        "sales_ppn": sales_ppn,
        "returns_taxable": r_taxable,
        "returns_dpp": r_dpp,
        "returns_ppn": r_ppn,
        "ppn": sales_ppn - r_ppn,
    }


def rollup_figures(day_start: datetime, day_end: datetime) -> dict:
    """The day's sales figures for the association roll-up (docs/CONTRACTS.md).

    Everything is net of the day's returns where it says so: ``sales_net`` =
    ``sales_gross - returns``, ``ppn`` = the sales' PPN - the returns' PPN,
    ``member_sales`` = members' sales - returns of members' sales. ``by_payment`` is
    what was received (cash net of change), ``rounding`` the cash rounding added to
    the totals, ``refunds`` what went back by method, so that
    ``sum(by_payment) - rounding - sum(refunds) == sales_net``.
    """
    in_day = sa.and_(
        Sale.created_at >= day_start, Sale.created_at < day_end, Sale.status == "completed"
    )
    row = db.session.execute(
        sa.select(
            sa.func.count(Sale.id),
            sa.func.coalesce(sa.func.sum(Sale.total), 0),
            sa.func.coalesce(sa.func.sum(Sale.discount), 0),
            sa.func.coalesce(
                sa.func.sum(sa.case((Sale.member_no.is_not(None), Sale.total), else_=0)), 0
            ),
            sa.func.coalesce(sa.func.sum(Sale.change), 0),
            sa.func.coalesce(sa.func.sum(Sale.rounding), 0),
        ).where(in_day)
    ).one()
    count, gross, discounts, member_sales, change, rounding = (int(x) for x in row)
    items = db.session.scalar(
        sa.select(sa.func.count(SaleLine.id)).join(Sale, Sale.id == SaleLine.sale_id).where(in_day)
    )
    by_payment = defaultdict(int)
    for method, amount in db.session.execute(
        sa.select(Payment.method, sa.func.sum(Payment.amount))
        .join(Sale, Sale.id == Payment.sale_id)
        .where(in_day)
        .group_by(Payment.method)
    ):
        by_payment[method] += int(amount)
    if change:
        by_payment["cash"] -= change
    ret_in_day = sa.and_(SaleReturn.created_at >= day_start, SaleReturn.created_at < day_end)
    returns, member_returns = (
        int(x)
        for x in db.session.execute(
            sa.select(
                sa.func.coalesce(sa.func.sum(SaleReturn.amount), 0),
                sa.func.coalesce(
                    sa.func.sum(sa.case((Sale.member_no.is_not(None), SaleReturn.amount), else_=0)),
                    0,
                ),
            )
            .join(Sale, Sale.id == SaleReturn.sale_id)
            .where(ret_in_day)
        ).one()
    )
    refunds = defaultdict(int)
    for method, amount in db.session.execute(
        sa.select(ReturnRefund.method, sa.func.sum(ReturnRefund.amount))
        .join(SaleReturn, SaleReturn.id == ReturnRefund.return_id)
        .where(ret_in_day)
        .group_by(ReturnRefund.method)
    ):
        refunds[method] += int(amount)
    ppn = ppn_figures(day_start, day_end)

    cashiers = db.session.scalars(
        sa.select(User.username).join(Sale, Sale.cashier_id == User.id).where(in_day).distinct()
    ).all()
    return {
        "sales_gross": gross,
        "discounts": discounts,
        "returns": returns,
        "sales_net": gross - returns,
        "ppn": ppn["ppn"],
        "sales_ppn": ppn["sales_ppn"],
        "returns_ppn": ppn["returns_ppn"],
        "transactions": count,
        "items": int(items or 0),
        "by_payment": dict(sorted(by_payment.items())),
        "rounding": rounding,
        "refunds": dict(sorted(refunds.items())),
        "member_sales": member_sales - member_returns,
        "cashiers": sorted(cashiers),
    }
