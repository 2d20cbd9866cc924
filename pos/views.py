"""Point of sale: pages (the cashier screen, the customer display, manager pages)."""

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mart import clock
from mart.auth import roles_required
from mart.errors import DomainError, Forbidden, InvalidInput
from mart.extensions import csrf, db
from mart.locale import format_datetime
from mart.models import AuditLog
from mart.money import format_rupiah
from mart.security import csrf_exempt
from pos import pinpad, qris, services
from pos.models import Register, SaleReturn, Shift
from printers import services as printing

bp = Blueprint(
    "pos",
    __name__,
    url_prefix="/pos",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


def _counter_context():
    shift = services.open_shift_of(current_user.id)
    registers = db.session.scalars(
        sa.select(Register).where(Register.active.is_(True)).order_by(Register.code)
    ).all()
    busy = set(db.session.scalars(sa.select(Shift.register_id).where(Shift.status == "open")).all())
    cfg = current_app.config
    return {
        "user": current_user.username,
        "is_manager": current_user.has_role("admin", "manager"),
        "shift": None
        if shift is None
        else {
            "id": shift.id,
            "register_id": shift.register_id,
            "register": shift.register.code,
            "opening_float": shift.opening_float,
        },
        "registers": [
            {"id": r.id, "code": r.code, "name": r.name, "busy": r.id in busy} for r in registers
        ],
        "rounding": cfg["MART_CASH_ROUNDING"],
        "qris": bool(cfg.get("MART_QRIS_PAYLOAD")),
        "denominations": list(services.DENOMINATIONS),
        "discount_limit": cfg["MART_DISCOUNT_APPROVAL_PERCENT"],
    }


def _js_strings():
    """The texts the cashier screen's script shows, in the user's language."""
    return {
        "unknown_code": _("Unknown code: %(code)s"),
        "no_lines": _("The sale is empty."),
        "shift": _("Shift %(id)s on %(register)s, cashier %(user)s"),
        "saved_offline": _("Saved on this screen; it will be sent when the server is back."),
        "scan_from_memory": _(
            "The server does not answer: %(name)s added at its last known price."
        ),
        "scan_offline": _(
            "The server does not answer: %(code)s was not added (this screen has not seen it "
            "before). Scan it again when the server is back, or use another item."
        ),
        "sent_later": _("A kept sale was sent: %(number)s"),
        "waiting": _("sales waiting: %(n)s"),
        "printer_trouble": _("Printer: %(waiting)s job(s) waiting, %(failed)s failed. %(error)s"),
        "more_jobs": _("and %(n)s more"),
        "job_status": {
            "pending": _("waiting"),
            "printing": _("printing"),
            "failed": _("failed, will retry"),
        },
        "job_kind": {
            "receipt": _("receipt"),
            "drawer": _("cash drawer"),
            "slip": _("slip"),
            "test": _("test page"),
            "report": _("report"),
        },
        "member_left": _("This member has left the cooperative."),
        "member_set": _("Member: %(name)s (%(number)s)"),
        "as_paid": _("As paid"),
        "sukarela_balance": _("Simpanan sukarela balance: %(amount)s"),
        "credit_available": _("Member credit available: %(amount)s"),
        "pay_left": _("%(amount)s left to pay"),
        "methods": {
            m: services.method_label(m)
            for m in ("cash", "qris", "card", "transfer", "simpanan", "credit")
        },
        "not_found": _("Not found."),
        "pin_needed": _("A manager's approval is needed: enter the PIN."),
        "member_pin_needed": _("The member types their PIN to pay from simpanan."),
        "member_pin_wait": _("Waiting for the member's PIN on the customer display..."),
        "member_pin_expired": _(
            "The member's PIN was not typed in time on the customer display: press "
            "Finish sale to ask again, or let the member type it here."
        ),
        "no_offline_pin": _(
            "The server does not answer. A sale paid from simpanan or approved with a PIN "
            "cannot be kept on this screen (no PIN is ever stored here): pay another way, "
            "or try again when the server is back."
        ),
        "underpaid_offline": _(
            "The server does not answer and the payments are %(amount)s short of the amount "
            "due: the sale is not kept. Add the rest of the payment."
        ),
        "due": _("Due"),
        "paid": _("Paid"),
        "left_to_pay": _("Left to pay"),
        "change": _("Change"),
        "suspended": _("Sale suspended."),
        "nothing_suspended": _("No suspended sales."),
        "return_done": _("Return %(number)s: refund %(amount)s"),
        "reprinted": _("Copy sent to the printer."),
        "no_last_sale": _("No sale to reprint yet."),
        "cash_done": _("Cash movement recorded."),
        "shift_closed": _("Shift closed."),
        "qty_set": _("Next item: quantity %(qty)s"),
        "cancel_sale": _("Cancel this sale?"),
        "member_price": _("member price"),
        "quantity_price": _("quantity price"),
        "expected": _("Expected"),
        "difference": _("Difference"),
        "error": _("Error"),
        "purchases_year": _("purchases this year"),
        "busy": _("in use"),
        "online": _("Online"),
        "offline": _("Offline"),
    }


@bp.route("/")
@roles_required("cashier", "manager")
def counter():
    return render_template("pos/counter.html", context=_counter_context(), strings=_js_strings())


def _display_allowed(register_id, code) -> bool:
    """The customer display is read by the counter's login (a second screen on the
    register's computer) or with the register's display token (``?t=``: a screen that
    is not logged in, set up by the manager from the registers page)."""
    if current_user.is_authenticated and current_user.has_role("admin", "manager", "cashier"):
        return True
    return services.display_token_valid(register_id, code, request.args.get("t"))


@bp.route("/display/<code>")
def display(code):
    """The customer display (a second screen or a tablet facing the customer)."""
    register = db.session.scalar(sa.select(Register).where(Register.code == code.upper()))
    if register is None:
        abort(404)
    if not _display_allowed(register.id, register.code):
        raise Forbidden(
            _(
                "Open the customer display from the cashier's screen, or with the link "
                "on the registers page."
            )
        )
    token = request.args.get("t") or None
    return render_template("pos/display.html", register=register, token=token)


@bp.route("/display/<code>/state")
def display_state(code):
    """What the customer display shows (the cart and the member's name); polled about
    once a second, by the counter's login or with the register's display token."""
    row = db.session.execute(
        sa.select(
            Register.id,
            Register.code,
            Register.display,
            Register.display_version,
            Register.display_seen_at,
        ).where(Register.code == code.upper())
    ).first()
    if row is None or not _display_allowed(row.id, row.code):
        # the same answer for an unknown register: codes cannot be probed
        return jsonify({"code": 403, "message": _("Your role may not do this.")}), 403
    state, version = row.display, row.display_version
    since = request.args.get("v", type=int)
    if since is not None and since == version:
        pinpad.mark_display_seen(row.id, row.display_seen_at)
        return jsonify({"version": version, "unchanged": True})
    svg = None
    if state and state.get("qris_amount"):
        try:
            svg = qris.svg(services.qris_payload(int(state["qris_amount"])), scale=6)
        except (DomainError, ValueError):
            svg = None
    # The member's PIN pad, while the cashier asks for it (pos.pinpad; no token here).
    pin = pinpad.for_display(row.id)
    pinpad.mark_display_seen(row.id, row.display_seen_at)
    return jsonify({"version": version, "state": state, "qris_svg": svg, "pin": pin})


@bp.route("/display/<code>/pin", methods=["POST"])
@csrf_exempt  # checked below, once the caller is known to be the display
def display_pin(code):
    """The member typed their PIN on the customer display's pad: checked at once
    (``members.services.check_member_pin``: counted, locked, audited) and, when right,
    the cashier's request is approved (``pos.pinpad``). Authorised as the display's
    state (the counter's login or the register's token ``?t=``), CSRF-checked as every
    form post. Answers ``{"approved": true}``; the PIN is not kept."""
    register = db.session.scalar(sa.select(Register).where(Register.code == code.upper()))
    if register is None or not _display_allowed(register.id, register.code):
        return jsonify({"code": 403, "message": _("Your role may not do this.")}), 403
    csrf.protect()  # as every form post (400 without the page's token)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput(_("Send the PIN as JSON."), field="pin")
    user = current_user if current_user.is_authenticated else None
    pinpad.approve(register.id, body.get("request"), body.get("pin"), user=user)
    db.session.commit()
    return jsonify({"approved": True})


# --- manager pages -----------------------------------------------------------------


@bp.route("/registers")
@roles_required("manager")
def registers():
    """The registers, each with its customer display's address (with its token)."""
    rows = db.session.scalars(sa.select(Register).order_by(Register.code)).all()
    links = {
        r.id: url_for(
            "pos.display", code=r.code, t=services.display_token(r.id, r.code), _external=True
        )
        for r in rows
    }
    return render_template("pos/registers.html", registers=rows, links=links)


@bp.route("/sales")
@roles_required("manager")
def sales():
    number = (request.args.get("number") or "").strip()
    member_no = (request.args.get("member_no") or "").strip()
    day_arg = request.args.get("date")
    try:
        day = date.fromisoformat(day_arg) if day_arg else None
    except ValueError:
        day = None
    if not (number or member_no or day):
        day = clock.business_date()
    stmt = services.search_sales(number=number or None, day=day, member_no=member_no or None)
    page = max(request.args.get("page", 1, type=int), 1)
    sub = stmt.order_by(None).subquery()
    summary = db.session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(sub.c.total), 0))
    ).one()
    total = summary[0]
    items = db.session.scalars(stmt.limit(100).offset((page - 1) * 100)).all()
    return render_template(
        "pos/sales.html",
        sales=items,
        total=total,
        page=page,
        summary=summary,
        day=day,
        number=number,
        member_no=member_no,
    )


@bp.route("/sales/<sale_id>")
@roles_required("manager")
def sale_detail(sale_id):
    sale = services.get_sale(sale_id)
    preview = services.receipt_text(sale, 48)
    returns = db.session.scalars(
        sa.select(SaleReturn).where(SaleReturn.sale_id == sale.id).order_by(SaleReturn.id)
    ).all()
    return render_template("pos/sale.html", sale=sale, preview=preview, returns=returns)


@bp.route("/shifts")
@roles_required("manager")
def shifts():
    items = db.session.scalars(
        sa.select(Shift).order_by(Shift.opened_at.desc(), Shift.id.desc()).limit(100)
    ).all()
    return render_template("pos/shifts.html", shifts=items)


@bp.route("/shifts/<int:shift_id>")
@roles_required("cashier", "manager")
def shift_detail(shift_id):
    shift = services.get_shift(shift_id)
    if shift.cashier_id != current_user.id and not current_user.has_role("admin", "manager"):
        abort(403)
    final = shift.status == "closed"
    figures = shift.report if final and shift.report else services.shift_figures(shift)
    try:
        text = printing.render_text(services.shift_report_document(shift, final=final), 48)
    except Exception:
        current_app.logger.exception("shift report preview failed")
        text = None
    returns = db.session.scalars(
        sa.select(SaleReturn).where(SaleReturn.shift_id == shift.id).order_by(SaleReturn.id)
    ).all()
    return render_template(
        "pos/shift.html", shift=shift, figures=figures, text=text, returns=returns
    )


@bp.route("/approvals")
@roles_required("manager")
def approvals():
    rows = db.session.scalars(
        sa.select(AuditLog)
        .where(
            AuditLog.action.in_(
                ("sale.discount_approved", "sale.return", "shift.close", "sale.reprint")
            )
        )
        .order_by(AuditLog.at.desc())
        .limit(200)
    ).all()
    return render_template("pos/approvals.html", rows=rows)


@bp.app_template_filter("pos_time")
def pos_time(value):
    """A UTC timestamp as local time (MART_TIMEZONE), ``HH:MM``; with the date if not today."""
    if value is None:
        return ""
    local = clock.local(value)
    if local.date() != clock.business_date():
        return format_datetime(value)
    return local.strftime("%H:%M")


@bp.app_template_filter("pos_method")
def pos_method(method):
    """A payment method's name in the user's language."""
    return services.method_label(method)


@bp.app_template_filter("pos_action")
def pos_action(action):
    """An audited act as a manager reads it (approvals page)."""
    return {
        "sale.discount_approved": _("Discount approved"),
        "sale.return": _("Return"),
        "shift.close": _("Shift closed"),
        "sale.reprint": _("Receipt reprinted"),
    }.get(action, action)


_MONEY_KEYS = ("expected", "counted", "difference", "discount", "subtotal", "amount", "total")


@bp.app_template_filter("pos_details")
def pos_details(after):
    """An audit row's figures in words, ``Diskon Rp 5.000 · Subtotal Rp 10.000``, not JSON."""
    if not after:
        return ""
    labels = {
        "expected": _("Expected"),
        "counted": _("Counted"),
        "difference": _("Difference"),
        "discount": _("Discount"),
        "subtotal": _("Subtotal"),
        "amount": _("Amount"),
        "total": _("Total"),
        "sale": _("Receipt"),
        "number": _("Receipt"),
        "refund": _("Refund"),
    }
    parts = []
    for key, value in after.items():
        if key in _MONEY_KEYS and isinstance(value, int):
            parts.append(f"{labels[key]} {format_rupiah(value)}")
        elif key == "refund" and isinstance(value, dict | list):
            pairs = value.items() if isinstance(value, dict) else value
            paid = ", ".join(
                f"{services.method_label(m)} {format_rupiah(int(a))}" for m, a in pairs
            )
            parts.append(f"{labels[key]}: {paid}")
        elif key == "lines" and isinstance(value, list):
            parts.append(_("%(n)s line(s)", n=len(value)))
        elif key == "damaged":
            if value:
                parts.append(_("damaged goods"))
        elif key in labels:
            parts.append(f"{labels[key]} {value}")
    return " · ".join(parts)
