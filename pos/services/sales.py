"""Sales: record a sale and everything it touches, find and search sales.

``create_sale`` writes the sale, its lines and payments, the stock movements
(``inventory.services``), the member's purchase and simpanan payment
(``members.services``), the journal (``books.events``), the receipt job and drawer
kick (``printers.services``) and the audit row, all in the caller's transaction, so it
commits together or not at all. Services flush; the request commits.
"""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from books import events as books_events
from inventory import books as stock_books
from inventory import services as inventory
from mart import audit
from mart.clock import business_date
from mart.counters import next_value
from mart.db import gathered_writes, utcnow
from mart.db import quantity as to_quantity
from mart.errors import InvalidInput, NotFound
from mart.extensions import db
from mart.money import format_number, ppn_split, round_cash, round_half_up
from members import services as members
from members.models import Member
from pos import pinpad
from pos.models import Sale
from pos.services import credit as pos_credit
from pos.services import pricing, promotions
from pos.services._common import (
    PIN_METHODS,
    _approve,
    _line_error,
    _net_unit_price,
    _split_proportionally,
    _thousandths,
    _times_quantity,
)
from pos.services.fastpath import (
    SaleView,
    insert_sale_pg,
    person,
    receipt_printer,
    statement,
)
from pos.services.receipts import receipt_document
from pos.services.shifts import _require_own_open_shift
from printers import services as printers


def get_sale(sale_id: str) -> Sale:
    sale = db.session.get(Sale, sale_id)
    if sale is None:
        raise NotFound(_("Unknown sale."))
    return sale


def sale_by_number(number: str) -> Sale | None:
    return db.session.scalar(sa.select(Sale).where(Sale.number == number.strip()))


def _resolve_member(member_no):
    try:
        member = members.find_member(member_no)
    except NotFound:
        raise InvalidInput(_("Unknown member."), field="member_no") from None
    return members.require_active(member.member_no)


def _priced_lines(lines_in, member) -> list[dict]:
    """Look up every line's product and price it. Raises ``InvalidInput`` per line."""
    by_id, by_code = inventory.sale_products(
        (line["product_id"] for line in lines_in if line.get("product_id") is not None),
        (line["barcode"].strip() for line in lines_in if line.get("product_id") is None),
    )
    priced = []
    for i, line in enumerate(lines_in):
        count = to_quantity(line["quantity"])
        if count <= 0:
            raise _line_error(i, "quantity", _("Must be greater than 0."))
        if line.get("product_id") is not None:
            product = by_id.get(line["product_id"])
            if product is None:
                raise _line_error(i, "product_id", _("Unknown product."))
            code, qty, embedded_price, pack = None, count, None, None
        else:
            code = line["barcode"].strip()
            product, qty, embedded_price, pack = _scanned_line(i, code, count, by_code)
        if pack is not None:  # a pack's barcode (pos.services.pricing)
            priced.append(pricing.pack_line(i, line, product, code, count, pack, member))
            continue
        if not getattr(product, "active", True):
            raise _line_error(i, "product_id", _("This product is no longer sold."))
        if product.unit != "kg" and qty != qty.to_integral_value():
            raise _line_error(i, "quantity", _("This product is sold by the piece."))
        priced.append(_priced_line(i, line, product, code, count, qty, embedded_price, member))
    return priced


def _scanned_line(i, code, count, by_code):
    """A line sold by its code: ``(product, quantity, embedded price or None, pack or
    None)``. A scale
    label or a code with its quantity sets the quantity; an embedded price without a
    quantity sells that price's worth at the product's price."""
    product = by_code.get(code)
    if product is not None and product.active:
        scan = inventory.ScanResult(product, pack=product.pack)
    else:  # the full lookup (and its answer for an inactive product)
        try:
            scan = inventory.lookup_code(code)
        except NotFound:
            raise _line_error(i, "barcode", _("Unknown barcode.")) from None
    product = scan.product
    qty = count
    embedded_price = None
    if scan.pack is not None:
        return product, qty, None, scan.pack
    if scan.quantity is not None:
        qty = to_quantity(Decimal(scan.quantity) * count)
    if scan.price is not None:
        embedded_price = int(scan.price)
        if scan.quantity is None and product.price:
            qty = to_quantity(Decimal(embedded_price) / Decimal(product.price) * count)
    return product, qty, embedded_price, None


def _priced_line(i, line, product, code, count, qty, embedded_price, member) -> dict:
    """One line's prices: the member price for a member (not on a price-embedded
    label), its gross, and its own discount (never above the gross)."""
    member_price = (
        member is not None and embedded_price is None and product.member_price is not None
    )
    unit_price = product.member_price if member_price else product.price
    source = "member" if member_price else "list"
    if embedded_price is not None:
        source = "label"
        gross = round_half_up(Fraction(embedded_price) * Fraction(count))
        unit_price = round_half_up(Fraction(gross) / Fraction(qty)) if qty else gross
    else:
        unit_price, source = pricing.tier_price(product, qty, member, unit_price, source)
        member_price = source == "member"
        gross = _times_quantity(unit_price, qty)
    discount = int(line.get("discount") or 0)
    if discount > gross:
        raise _line_error(i, "discount", _("The discount is larger than the line."))
    return {
        "product": product,
        "code": code,
        "quantity": qty,
        "regular_price": int(product.price),
        "unit_price": int(unit_price),
        "member_price": bool(member_price),
        "gross": int(gross),
        "discount": discount,
        "tax": product.tax,
        "price_source": source,
        **pricing.NO_PACK,
    }


# How far ahead of the server's clock a register's clock may be: a sale's own time up
# to this far in the future counts as now.
CLOCK_SKEW = timedelta(minutes=2)


def sale_time(created_at: datetime | None, opened_at: datetime, now: datetime | None = None):
    """The time a sale is recorded at. The register sends its own (``created_at``, the
    moment the cashier finished it): a sale kept while the server was away and sent
    later keeps it, so it counts on its real day and hour. It is kept when it lies
    within the shift, from its opening to now (a clock up to ``CLOCK_SKEW`` ahead reads
    as now); otherwise the server's time is used. Never refused for its time: the
    customer has paid and the register must be able to hand the sale over."""
    now = now or utcnow()
    if created_at is None:
        return now
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    if opened_at.tzinfo is None:
        opened_at = opened_at.replace(tzinfo=UTC)
    if created_at < opened_at or created_at > now + CLOCK_SKEW:
        return now
    return min(created_at, now)


def create_sale(
    data: dict, user, *, at: datetime | None = None, printing=True
) -> tuple[SaleView, bool]:
    """Record a sale and everything it touches, in the caller's transaction.

    Returns ``(sale, created)``, the sale as a ``SaleView`` (``fastpath``): posting an
    id that exists answers the stored sale with ``created=False`` and writes nothing; a
    new sale is what was written, not read back. Raises ``InvalidInput`` (bad lines, unknown
    product/barcode/member, underpayment, non-cash above the total, discount needing a
    PIN), ``Conflict`` (closed shift, member who left, simpanan too low),
    ``Forbidden`` (wrong PIN, another cashier's shift). Two posts of the same id racing:
    the loser's insert fails on the primary key; the view answers the winner's sale.

    The steps, in this order (each check before anything is written): the shift, the
    member, the priced lines and their discounts, the payments, the manager's approval,
    the member's PIN, the PPN; then the writes and their effects.
    """
    cfg = current_app.config
    dialect = db.session.get_bind().dialect.name
    # Core statements on the session's connection: the ORM's execute costs about
    # 40 us more per statement, and nothing here needs ORM objects.
    conn = db.session.connection()
    found = conn.execute(
        statement("shift", dialect), {"shift_id": data["shift_id"], "sale_id": data["id"]}
    ).first()
    if found is None or found.taken:
        return _stored_sale(data["id"]), False
    shift = SimpleNamespace(id=found.id, status=found.status, cashier_id=found.cashier_id)
    _require_own_open_shift(shift, user)
    register = SimpleNamespace(
        id=found.register_id, code=found.register_code, printer_id=found.register_printer_id
    )

    member_no = (data.get("member_no") or "").strip() or None
    member = _resolve_member(member_no) if member_no else None
    if member is not None:
        member_no = member.member_no

    lines = _priced_lines(data["lines"], member)
    now = at or sale_time(data.get("created_at"), found.opened_at)
    # issue 15: promotions running at the sale's time, part of the discount (not approved)
    promotion_discount = promotions.apply(lines, member, now)
    subtotal, line_discount, sale_discount = _share_discounts(lines, data.get("discount"))
    discount = line_discount + sale_discount
    total = subtotal - discount - promotion_discount
    payments = data.get("payments") or []
    cash, rounding, due, paid, simpanan = _check_payments(payments, total, member_no, cfg)
    on_credit = pos_credit.check_sale(payments, member_no)  # issue 15: member credit
    approver = None
    if _needs_approval(lines, subtotal, discount, cfg["MART_DISCOUNT_APPROVAL_PERCENT"]):
        approver = _approve(
            user, data.get("approval_pin"), _("This discount"), data.get("approver")
        )
    if any(p["method"] in PIN_METHODS for p in payments):
        _check_member_pin(data, payments, register, member_no, user)
    taxable = dpp = ppn = 0
    if cfg["MART_PKP"]:
        taxable = sum(line["amount"] for line in lines if line["tax"] == "ppn")
        split = ppn_split(taxable)
        dpp, ppn = split.dpp_nilai_lain, split.ppn

    # Writes from here on, by Core statements (no ORM unit of work), and nothing read
    # back: the answer is built from what was written. The receipt counter row
    # serialises one register's sales; the number is taken as the sale is inserted.
    row = {
        "id": data["id"],
        "register_id": register.id,
        "shift_id": shift.id,
        "cashier_id": user.id,
        "member_no": member_no,
        "subtotal": subtotal,
        "line_discount": line_discount,
        "sale_discount": sale_discount,
        "discount": discount + promotion_discount,
        "promotion_discount": promotion_discount,
        "total": total,
        "rounding": rounding,
        "taxable": taxable,
        "dpp": dpp,
        "ppn": ppn,
        "paid": paid,
        "change": paid - due,
        "status": "completed",
        "approved_by_id": approver.id if approver else None,
        "business_date": business_date(now),
        "created_at": now,
    }
    number = (f"receipt:{register.code}", f"{cfg['MART_BRANCH_CODE']}-{register.code}-")
    products = {line["product"].id: line["product"] for line in lines}
    sale, stock_written = _insert_sale(
        conn, dialect, row, lines, payments, register, user, number, products
    )
    pos_credit.charge_sale(sale, on_credit, user)  # under the member's credit row lock
    # PostgreSQL: the journal, the print jobs and the audit rows, which nothing here
    # reads back, go in as one statement at the end of the block (mart.db).
    with gathered_writes():
        _post_sale_effects(
            sale,
            user,
            cash_paid=bool(cash),
            simpanan=simpanan,
            printing=printing,
            products=products,
            printer=receipt_printer(found),
            stock_written=stock_written,
        )
        if approver is not None:
            audit.record(
                "sale.discount_approved",
                "Sale",
                sale.id,
                after={"discount": discount, "subtotal": subtotal},
                note=f"approved by {approver.username}",
            )
        audit.record("sale.create", "Sale", sale.id, after={"number": sale.number, "total": total})
    return sale, True


def _stored_sale(sale_id) -> SaleView:
    """The sale already stored under this id (an idempotent retry), as a ``SaleView``;
    with none, the shift was unknown: ``InvalidInput``."""
    existing = db.session.get(Sale, sale_id)
    if existing is None:
        raise InvalidInput(_("Unknown shift."), field="shift_id")
    return SaleView.of(existing)


def _share_discounts(lines, sale_discount) -> tuple[int, int, int]:
    """Share the sale's discount over the lines, in proportion to what each costs after
    its own discount (``sale_discount_share``, and ``amount`` what the line costs).
    Returns ``(subtotal, line_discount, sale_discount)``. ``InvalidInput`` when the
    sale's discount is larger than the sale."""
    subtotal = sum(line["gross"] for line in lines)
    line_discount = sum(line["discount"] for line in lines)
    sale_discount = int(sale_discount or 0)
    after_lines = [
        line["gross"] - line["discount"] - line.get("promotion_discount", 0) for line in lines
    ]
    if sale_discount > sum(after_lines):
        raise InvalidInput(_("The discount is larger than the sale."), field="discount")
    shares = _split_proportionally(sale_discount, after_lines)
    for line, net, share in zip(lines, after_lines, shares, strict=True):
        line["sale_discount_share"] = share
        line["amount"] = net - share
    return subtotal, line_discount, sale_discount


def _needs_approval(lines, subtotal, discount, percent) -> bool:
    """Whether the discounts are above the setting (``percent`` of the sale or of a
    line), so a manager approves them."""
    limit = Fraction(percent, 100)
    return bool(subtotal and Fraction(discount, subtotal) > limit) or any(
        line["gross"] and Fraction(line["discount"], line["gross"]) > limit for line in lines
    )


def _check_payments(payments, total, member_no, cfg) -> tuple[int, int, int, int, int]:
    """What the payments come to: ``(cash, rounding, due, paid, simpanan)``. Cash pays
    what the non-cash payments leave, rounded (MART_CASH_ROUNDING). ``InvalidInput``:
    non-cash above the total, paid below the amount due, simpanan without a member."""
    noncash = sum(p["amount"] for p in payments if p["method"] != "cash")
    cash = sum(p["amount"] for p in payments if p["method"] == "cash")
    if noncash > total:
        raise InvalidInput(_("Non-cash payments are above the total."), field="payments")
    rounding = 0
    if cash:
        cash_due = total - noncash
        rounding = round_cash(cash_due, cfg["MART_CASH_ROUNDING"]) - cash_due
    due = total + rounding
    paid = noncash + cash
    if paid < due:
        raise InvalidInput(
            _(
                "Payments (%(paid)s) are below the amount due (%(due)s).",
                paid=format_number(paid),
                due=format_number(due),
            ),
            field="payments",
        )
    simpanan = sum(p["amount"] for p in payments if p["method"] == "simpanan")
    if simpanan and not member_no:
        raise InvalidInput(_("Paying by simpanan needs the member."), field="payments")
    return cash, rounding, due, paid, simpanan


def _check_member_pin(data, payments, register, member_no, user):
    """A payment by a PIN method needs the member's PIN, before anything is written."""
    if data.get("member_pin_approval"):
        # The PIN the member typed on the customer display (pos.pinpad): used up
        # here, once; a refusal raises before anything is written.
        if data.get("member_pin"):
            raise InvalidInput(
                _("Send the member's PIN or the display's approval, not both."),
                field="member_pin_approval",
            )

        pinpad.consume(
            data["member_pin_approval"],
            register_id=register.id,
            member_no=member_no,
            amount=sum(p["amount"] for p in payments if p["method"] in PIN_METHODS),
            sale_id=data["id"],
        )
    else:
        # The member's own PIN before anything is written (a refusal commits its
        # count).

        members.check_member_pin(member_no, data.get("member_pin"), user=user)


def _insert_sale(
    conn, dialect, row, lines, payments, register, user, number, products
) -> tuple[SaleView, bool]:
    """Take the sale's receipt number (``number``: the counter's name and the number's
    prefix) and insert the sale, its lines and its payments (Core statements, nothing
    read back); answer the ``SaleView`` of what was written, and whether its stock-out
    was written too. On PostgreSQL all of it, the stock-out included, is one statement
    (``fastpath.insert_sale_pg``); on SQLite four, the stock-out after them
    (``_post_sale_effects``)."""
    line_rows = [
        {
            "sale_id": row["id"],
            "line_no": no,
            "product_id": line["product"].id,
            "sku": line["product"].sku or "",
            "name": line["product"].name,
            "unit": line["product"].unit,
            "code": line["code"],
            "quantity": line["quantity"],
            "regular_price": line["regular_price"],
            "unit_price": line["unit_price"],
            "member_price": line["member_price"],
            "gross": line["gross"],
            "discount": line["discount"],
            "promotion_discount": line.get("promotion_discount", 0),
            "sale_discount_share": line["sale_discount_share"],
            "amount": line["amount"],
            "tax": line["tax"],
            # issue 15: what priced the line, and a pack line's pack (else pricing.NO_PACK)
            "price_source": line.get("price_source"),
            "pack_name": line.get("pack_name"),
            "pack_factor": line.get("pack_factor"),
            "pack_count": line.get("pack_count"),
            "pack_price": line.get("pack_price"),
        }
        for no, line in enumerate(lines, start=1)
    ]
    payment_rows = [
        {
            "sale_id": row["id"],
            "method": p["method"],
            "amount": p["amount"],
            "reference": p.get("reference"),
        }
        for p in payments
    ]
    counter, prefix = number
    # The primary key: a racing duplicate fails here (IntegrityError, see the view).
    stock_written = dialect == "postgresql"
    if stock_written:
        stock = inventory.sale_stock(
            _stock_lines(
                (r["product_id"], r["quantity"], r["amount"], r["line_no"]) for r in line_rows
            ),
            ref_type="sale",
            ref_id=row["id"],
            user=user,
            products=products,
        )
        row["number"] = insert_sale_pg(
            conn, row, line_rows, payment_rows, stock, counter=counter, prefix=prefix
        )
        stock.written()
    else:
        row["number"] = f"{prefix}{next_value(counter):06d}"
        conn.execute(statement("sale", dialect), row)
        # Lines and payments in one multi-row statement each (no ORM round trip per row).
        conn.execute(statement("lines", dialect), line_rows)
        if payment_rows:
            conn.execute(statement("payments", dialect), payment_rows)
    promotions.record(conn, row["id"], lines)
    view = SaleView(
        **row,
        register=register,
        cashier=person(user),
        lines=[
            SimpleNamespace(**r, promotions=line.get("promotions", []))
            for r, line in zip(line_rows, lines, strict=True)
        ],
        payments=[SimpleNamespace(**r) for r in payment_rows],
    )
    return view, stock_written


def _stock_lines(lines) -> list[tuple]:
    """The stock-out's lines of ``(product_id, quantity, amount, line_no)``: by product
    (then line), with the net unit price and what the customer paid (consignment
    settles from it)."""
    return [
        (product_id, quantity, _net_unit_price(amount, quantity), amount)
        for product_id, quantity, amount, _no in sorted(lines, key=lambda ln: (ln[0], ln[3]))
    ]


def _post_sale_effects(
    sale,
    user,
    *,
    cash_paid: bool,
    simpanan: int,
    printing=True,
    products=None,
    printer=...,
    stock_written=False,
):
    if not stock_written:
        # All lines in one call (stock rows moved in product order inside, so two
        # registers never lock them crosswise); the products as read for pricing.
        inventory.record_sales(
            _stock_lines((ln.product_id, ln.quantity, ln.amount, ln.line_no) for ln in sale.lines),
            ref_type="sale",
            ref_id=sale.id,
            user=user,
            products=products,
        )
    _journal_sale(sale, user, products or {})
    if sale.member_no:
        if simpanan:
            members.pay_from_sukarela(
                sale.member_no, simpanan, ref_type="sale", ref_id=sale.id, user=user
            )
        members.record_purchase(
            sale.member_no, sale.total, on=sale.business_date, ref_type="sale", ref_id=sale.id
        )
    if not printing:
        return  # demo data and imports of past sales print nothing

    # The receipt and (paid in cash) the drawer kick: one insert, the printer as the
    # shift statement read it (``...``: looked up by queue_receipt).
    printers.queue_receipt(
        receipt_document(sale),
        sale.register.printer_id,
        drawer=cash_paid,
        ref_type="sale",
        ref_id=sale.id,
        printer=printer,
    )


def _commission_percent(product):
    percent = getattr(product, "commission_percent", None)
    if percent is None and getattr(product, "supplier", None) is not None:
        percent = product.supplier.commission_percent
    return percent or 0


def _journal_sale(sale, user, products):
    """The sale's journal (books.events.sale) from the figures already at hand: two
    statements, nothing read, except the on-hand of a weighed own product whose cost
    of the quantity sold is not whole rupiah (its stock value is rounded as a whole)."""
    ppn_shares = [0] * len(sale.lines)
    if sale.ppn:
        ppn_shares = _split_proportionally(
            sale.ppn, [line.amount if line.tax == "ppn" else 0 for line in sale.lines]
        )
    consigned, cost, weighed = [], 0, {}
    for line, ppn_share in zip(sale.lines, ppn_shares, strict=True):
        product = products[line.product_id]
        if product.consigned:
            share = stock_books.consignment_share(
                line.quantity,
                _net_unit_price(line.amount, line.quantity),
                product.supplier_price,
                _commission_percent(product),
                amount=line.amount,
            )
            consigned.append((line.amount - ppn_share, share))
            continue
        thousandths = _thousandths(line.quantity)
        if thousandths is not None and (thousandths * product.avg_cost) % 1000 == 0:
            cost += thousandths * product.avg_cost // 1000
        else:
            weighed[product.id] = weighed.get(product.id, 0) + line.quantity
    if weighed:
        for pid, (on_hand, avg_cost) in stock_books.owned_values(weighed).items():
            cost += stock_books.value(on_hand + weighed[pid], avg_cost) - stock_books.value(
                on_hand, avg_cost
            )
    books_events.sale(
        sale.business_date,
        sale_id=sale.id,
        number=sale.number,
        total=sale.total,
        ppn=sale.ppn,
        rounding=sale.rounding,
        change=sale.change,
        payments=[(p.method, p.amount) for p in sale.payments],
        consigned=consigned,
        cost=cost,
        user=user,
    )


def search_sales(*, number=None, day=None, member_no=None, register_id=None, shift_id=None):
    """A ``select`` of sales, newest first, by receipt number (or its end), day, member
    (``member_no`` is a member number, or a name or part of one)."""
    stmt = sa.select(Sale).order_by(Sale.created_at.desc(), Sale.number.desc())
    if number:
        number = number.strip()
        stmt = stmt.where(sa.or_(Sale.number == number, Sale.number.like(f"%{number}")))
    if day:
        stmt = stmt.where(Sale.business_date == day)
    if member_no:
        text = member_no.strip()
        if re.match(r"^M\d+$", text, re.IGNORECASE):
            stmt = stmt.where(Sale.member_no == text.upper())
        else:  # a member's name, or part of it
            names = sa.select(Member.member_no).where(Member.name.ilike(f"%{text}%"))
            stmt = stmt.where(Sale.member_no.in_(names))
    if register_id:
        stmt = stmt.where(Sale.register_id == register_id)
    if shift_id:
        stmt = stmt.where(Sale.shift_id == shift_id)
    return stmt
