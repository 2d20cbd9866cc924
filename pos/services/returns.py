"""Returns: goods back against a receipt, and the rule a return keeps.

- Line by line, partial allowed; over all the returns of a sale, never more of a line
  than was sold (``Conflict``; ``_lines_to_return``).
- Each line gives back its share of what it cost, rounded cumulatively
  (``return_share``), so all the returns of a line add up to exactly its amount.
- The refund goes by ``original`` (simpanan back to simpanan, the rest by the sale's
  main method), ``cash`` or a named method (``_refund_split``).
- Booked on a shift (``_return_shift``): the given open one (a cashier's own) or the
  user's; a cash refund comes out of an open shift's drawer.
- A manager approves every return (the user, or ``approval_pin``).
- When the sale carried PPN, the return has its own: its taxable lines x 11/111, half
  up, and DPP nilai lain as on a receipt (``_return_tax``).
- Stock goes back in (or is written off when ``damaged``), the member's purchase is
  reversed, the journal posted, the nota retur and (cash back) a drawer kick queued.
"""

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from books import events as books_events
from inventory import books as stock_books
from inventory import services as inventory
from mart import audit
from mart.clock import business_date
from mart.counters import next_value
from mart.db import quantity as to_quantity
from mart.db import utcnow
from mart.errors import Conflict, Forbidden, InvalidInput, NotFound
from mart.extensions import db
from mart.money import ppn_split, round_half_up
from members import services as members
from pos.models import SHIFT_OPEN, ReturnRefund, Sale, SaleReturn, SaleReturnLine, Shift
from pos.services import credit as pos_credit
from pos.services._common import (
    _approve,
    _is_manager,
    _line_error,
    _net_unit_price,
    _split_proportionally,
)
from pos.services.receipts import return_document
from pos.services.shifts import open_shift_of
from printers import services as printers


def returned_quantities(sale: Sale) -> dict[int, Decimal]:
    """Quantity already returned per sale line id."""
    rows = db.session.execute(
        sa.select(SaleReturnLine.sale_line_id, SaleReturnLine.quantity)
        .join(SaleReturn, SaleReturn.id == SaleReturnLine.return_id)
        .where(SaleReturn.sale_id == sale.id)
    )
    done = defaultdict(lambda: Decimal("0.000"))
    for line_id, qty in rows:
        done[line_id] += qty
    return done


def create_return(
    sale_id: str, data: dict, user, *, at: datetime | None = None, printing=True
) -> SaleReturn:
    """Goods back against a receipt, line by line, partial allowed.

    Refund by ``original`` (simpanan back to simpanan, the rest by the sale's main
    method), ``cash`` or a named method. Stock goes back in (or is written off when
    ``damaged``), the member's purchase is reversed. A manager approves (the user, or
    ``approval_pin``). Raises ``NotFound`` (sale), ``InvalidInput`` (a product not on
    the receipt, missing PIN, simpanan without a member), ``Conflict`` (more than was
    sold over all returns), ``Forbidden`` (wrong PIN).
    """
    sale = _locked_sale(sale_id)
    done = returned_quantities(sale)
    wanted = _lines_to_return(sale, data["lines"], done)
    method = data["refund_method"]
    if method == "simpanan" and not sale.member_no:
        raise InvalidInput(_("Refund to simpanan needs a member's sale."), field="refund_method")
    if method == "credit" and not sale.member_no:  # issue 15
        raise InvalidInput(_("Refund to credit needs a member's sale."), field="refund_method")
    amounts = _return_amounts(wanted, done)
    amount = sum(amounts)

    refunds = _refund_split(sale, method, amount)
    shift = _return_shift(data.get("shift_id"), user, cash=any(m == "cash" for m, _a in refunds))
    approver = _approve(user, data.get("approval_pin"), _("A return"), data.get("approver"))
    register = shift.register if shift is not None else sale.register
    taxable, dpp, ppn = _return_tax(sale, wanted, amounts)
    seq = next_value(f"return:{register.code}")
    now = at or utcnow()
    ret = SaleReturn(
        number=f"{current_app.config['MART_BRANCH_CODE']}-{register.code}-R{seq:06d}",
        sale_id=sale.id,
        shift_id=shift.id if shift is not None else None,
        refund_method=method,
        amount=amount,
        taxable=taxable,
        dpp=dpp,
        ppn=ppn,
        damaged=bool(data.get("damaged")),
        reason=data.get("reason"),
        user_id=user.id,
        approved_by_id=approver.id,
        business_date=business_date(now),
        created_at=now,
    )
    for (line, qty), share in zip(wanted, amounts, strict=True):
        ret.lines.append(
            SaleReturnLine(
                sale_line_id=line.id, product_id=line.product_id, quantity=qty, amount=share
            )
        )
    for refund_method, refund_amount in refunds:
        ret.refunds.append(ReturnRefund(method=refund_method, amount=refund_amount))
    db.session.add(ret)
    db.session.flush()

    stock_before = stock_books.owned_values({line.product_id for line, _q in wanted}, lock=True)
    _stock_back(ret, wanted, amounts, user)
    _journal_return(sale, ret, wanted, amounts, refunds, stock_before, user)
    if sale.member_no:
        _reverse_member_purchase(sale, ret, refunds, user)
    audit.record(
        "sale.return",
        ret,
        after={
            "sale": sale.number,
            "amount": amount,
            "refund": refunds,
            "lines": [[ln.product_id, str(q)] for ln, q in wanted],
            "damaged": ret.damaged,
        },
        note=f"approved by {approver.username}",
    )
    if printing:
        _print_return(ret, register, refunds)
    return ret


def _locked_sale(sale_id: str) -> Sale:
    """The sale returned against, locked on PostgreSQL (two returns of one sale check
    what is left one after the other). ``NotFound``."""
    stmt = sa.select(Sale).where(Sale.id == sale_id)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()  # two returns of one sale check the rest one by one
    sale = db.session.scalar(stmt)
    if sale is None:
        raise NotFound(_("Unknown sale."))
    return sale


def _lines_to_return(sale: Sale, items, done) -> list[tuple]:
    """``(sale_line, quantity)`` for each item returned: a product's quantity is taken
    from its lines on the receipt in order, from what each has left after the returns
    ``done`` and the items before. ``InvalidInput`` (quantity, a product not on the
    receipt), ``Conflict`` (more than was sold over all returns)."""
    wanted = []  # (sale_line, quantity)
    for i, item in enumerate(items):
        qty = to_quantity(item["quantity"])
        if qty <= 0:
            raise _line_error(i, "quantity", _("Must be greater than 0."))
        candidates = [ln for ln in sale.lines if ln.product_id == item["product_id"]]
        if not candidates:
            raise _line_error(i, "product_id", _("This product is not on the receipt."))
        left = qty
        for line in candidates:
            already = done[line.id] + sum((q for ln, q in wanted if ln is line), Decimal(0))
            room = line.quantity - already
            if room <= 0:
                continue
            take = min(room, left)
            wanted.append((line, take))
            left -= take
            if left <= 0:
                break
        if left > 0:
            raise Conflict(_("Returning more than was sold: %(name)s.", name=candidates[0].name))
    return wanted


def _return_amounts(wanted, done) -> list[int]:
    """What each returned line gives back (``return_share``): cumulative rounding, so
    all returns of a line add up to its amount."""
    amounts = []
    running = dict(done)
    for line, qty in wanted:
        before = running.get(line.id, Decimal(0))
        amounts.append(return_share(line.amount, line.quantity, before, qty))
        running[line.id] = before + qty
    return amounts


def _return_tax(sale: Sale, wanted, amounts) -> tuple[int, int, int]:
    """The return's own PPN, ``(taxable, dpp, ppn)``: its taxable amount x 11/111, half
    up (the sale's rules), when the sale carried PPN; DPP nilai lain as on a receipt."""
    if not (sale.taxable and sale.ppn):
        return 0, 0, 0
    taxable = sum(a for (ln, _q), a in zip(wanted, amounts, strict=True) if ln.tax == "ppn")
    split = ppn_split(taxable)
    return taxable, split.dpp_nilai_lain, split.ppn


def _stock_back(ret: SaleReturn, wanted, amounts, user):
    """The goods back into stock (written off when damaged), in product order."""
    for (line, qty), share in sorted(zip(wanted, amounts, strict=True), key=_by_product):
        inventory.record_customer_return(
            line.product_id,
            qty,
            unit_price=_net_unit_price(line.amount, line.quantity),
            amount=share,
            ref_type="return",
            ref_id=ret.number,
            write_off=ret.damaged,
            user=user,
        )


def _reverse_member_purchase(sale: Sale, ret: SaleReturn, refunds, user):
    """A member's sale: simpanan refunded back to their sukarela, and the purchase
    reversed by the amount returned."""
    pos_credit.refund_return(sale, ret, refunds, user)  # issue 15: back to the credit
    simpanan_back = sum(a for m, a in refunds if m == "simpanan")
    if simpanan_back:
        members.refund_to_sukarela(
            sale.member_no, simpanan_back, ref_type="return", ref_id=ret.number, user=user
        )
    if ret.amount:
        members.record_purchase(
            sale.member_no, -ret.amount, on=ret.business_date, ref_type="return", ref_id=ret.number
        )


def _print_return(ret: SaleReturn, register, refunds):
    """Queue the nota retur on the register's printer, and the drawer kick when cash
    goes back."""
    printers.queue_document(
        return_document(ret),
        register.printer_id,
        kind="receipt",
        ref_type="return",
        ref_id=ret.number,
    )
    if any(m == "cash" and a > 0 for m, a in refunds):
        # cash goes out of the drawer: it opens, as for a cash sale
        printers.queue_drawer_kick(register.printer_id, ref_type="return", ref_id=ret.number)


def _by_product(wanted_and_share):
    (line, _qty), _share = wanted_and_share
    return line.product_id


def _return_shift(shift_id, user, *, cash: bool) -> Shift | None:
    """The shift a return is booked on: ``shift_id`` (open; a cashier may name only
    their own) or the user's open shift. A cashier books returns only on their own
    shift, and a cash refund comes out of an open shift's drawer: with neither,
    ``Conflict``. Raises ``InvalidInput`` (unknown shift), ``Forbidden``."""
    if shift_id is not None:
        shift = db.session.get(Shift, shift_id)
        if shift is None:
            raise InvalidInput(_("Unknown shift."), field="shift_id")
        if shift.cashier_id != user.id and not _is_manager(user):
            raise Forbidden(_("This shift belongs to another cashier."))
        if shift.status != SHIFT_OPEN:
            raise Conflict(_("The shift is closed."))
        return shift
    shift = open_shift_of(user.id)
    if shift is None and cash:
        raise Conflict(
            _("A cash refund comes out of a drawer: open a shift or name an open shift.")
        )
    if shift is None and not _is_manager(user):
        raise Conflict(_("Open your shift first: a cashier books returns on their own shift."))
    return shift


def _journal_return(sale, ret, wanted, amounts, refunds, stock_before, user):
    """The return's journal (books.events.sale_return): the mirror of the lines
    returned with the return's PPN; stock back at the change of its value, damaged
    goods to selisih persediaan."""
    ppn = getattr(ret, "ppn", None)
    taxable = [
        amt if line.tax == "ppn" else 0 for (line, _q), amt in zip(wanted, amounts, strict=True)
    ]
    if ppn is None:
        ppn = ppn_split(sum(taxable)).ppn if sale.ppn and sum(taxable) else 0
    ppn_shares = _split_proportionally(ppn, taxable)
    consigned, cost_damaged = [], 0
    for (line, qty), amount, ppn_share in zip(wanted, amounts, ppn_shares, strict=True):
        product = inventory.get_product(line.product_id)
        if product.consigned:
            share = stock_books.consignment_share(
                qty,
                _net_unit_price(line.amount, line.quantity),
                product.supplier_price,
                product.supplier.commission_percent,
                amount=amount,
            )
            consigned.append((amount - ppn_share, share))
        elif ret.damaged:
            cost_damaged += stock_books.value(qty, product.avg_cost)
    stock_after = stock_books.owned_values(stock_before)
    books_events.sale_return(
        ret.business_date,
        return_id=ret.id,
        number=ret.number,
        amount=ret.amount,
        ppn=ppn,
        refunds=list(refunds),
        consigned=consigned,
        cost_back=stock_books.values_of(stock_after) - stock_books.values_of(stock_before),
        cost_damaged=cost_damaged,
        user=user,
    )


def return_share(amount: int, sold: Decimal, before: Decimal, qty: Decimal) -> int:
    """What returning ``qty`` of a line that cost ``amount`` for ``sold`` units gives
    back, when ``before`` units came back already. Rounded cumulatively, so all the
    returns of a line add up to exactly its amount."""

    def upto(units):
        return round_half_up(Fraction(amount) * Fraction(units) / Fraction(sold))

    return upto(before + qty) - upto(before)


def _refund_split(sale: Sale, method: str, amount: int) -> list[tuple[str, int]]:
    if amount == 0:
        return []
    if method != "original":
        return [(method, amount)]
    # What the member paid from their own (simpanan, then credit: issue 15) goes back
    # there first, up to what was paid that way less what earlier returns gave back.
    parts, rest = [], amount
    for own in ("simpanan", "credit"):
        paid_own = sum(p.amount for p in sale.payments if p.method == own)
        if not paid_own or not rest:
            continue
        refunded_own = db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(ReturnRefund.amount), 0))
            .join(SaleReturn, SaleReturn.id == ReturnRefund.return_id)
            .where(SaleReturn.sale_id == sale.id, ReturnRefund.method == own)
        )
        back = max(0, min(rest, paid_own - int(refunded_own)))
        if back:
            parts.append((own, back))
            rest -= back
    if rest:
        others = [p for p in sale.payments if p.method not in ("simpanan", "credit")]
        main = max(others, key=lambda p: p.amount).method if others else "cash"
        parts.append((main, rest))
    return parts
