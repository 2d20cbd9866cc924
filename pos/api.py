"""Point of sale: the API under /api/v1 (see docs/API.md, Point of sale).

Thin views: parse with a schema, call one service, commit once, dump the result.
"""

import sqlalchemy as sa
from flask import Response
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy.exc import IntegrityError

from inventory import services as inventory
from mart import clock
from mart.apiutil import PageArgs, large_json, page_of, page_schema
from mart.auth import roles_required
from mart.errors import NotFound
from mart.extensions import db
from members import services as members
from pos import pinpad, qris, schemas, services
from pos.models import Register, Sale, SaleReturn, Shift, SuspendedSale
from printers import services as printing

blp = Blueprint("pos_api", __name__, description="Point of sale")

COUNTER = ("cashier", "manager")


# --- registers ---------------------------------------------------------------------


@blp.route("/registers", methods=["POST"])
@roles_required("manager")
@blp.arguments(schemas.RegisterIn)
@blp.response(201, schemas.RegisterOut)
def create_register(data):
    register = services.create_register(**data)
    db.session.commit()
    return register


@blp.route("/registers", methods=["GET"])
@roles_required(*COUNTER)
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(schemas.RegisterOut))
def list_registers(args):
    return page_of(sa.select(Register).order_by(Register.code), args)


@blp.route("/registers/<int:register_id>", methods=["GET"])
@roles_required(*COUNTER)
@blp.response(200, schemas.RegisterOut)
def get_register(register_id):
    return services.get_register(register_id)


@blp.route("/registers/<int:register_id>", methods=["PATCH"])
@roles_required("manager")
@blp.arguments(schemas.RegisterPatchIn)
@blp.response(200, schemas.RegisterOut)
def update_register(data, register_id):
    register = services.update_register(services.get_register(register_id), **data)
    db.session.commit()
    return register


# --- shifts ------------------------------------------------------------------------


@blp.route("/shifts", methods=["POST"])
@roles_required(*COUNTER)
@blp.arguments(schemas.ShiftOpenIn)
@blp.response(201, schemas.ShiftOut)
def open_shift(data):
    shift = services.open_shift(data["register_id"], data["opening_float"], current_user)
    db.session.commit()
    return shift


@blp.route("/shifts", methods=["GET"])
@roles_required(*COUNTER)
@blp.arguments(schemas.ShiftListArgs, location="query")
@blp.response(200, page_schema(schemas.ShiftOut))
def list_shifts(args):
    stmt = sa.select(Shift).order_by(Shift.opened_at.desc(), Shift.id.desc())
    if args.get("status"):
        stmt = stmt.where(Shift.status == args["status"])
    if args.get("register_id"):
        stmt = stmt.where(Shift.register_id == args["register_id"])
    if args.get("mine") or not current_user.has_role("admin", "manager"):
        stmt = stmt.where(Shift.cashier_id == current_user.id)
    return page_of(stmt, args)


@blp.route("/shifts/<int:shift_id>", methods=["GET"])
@roles_required(*COUNTER)
@blp.response(200, schemas.ShiftOut)
def get_shift(shift_id):
    return services.require_shift_reader(services.get_shift(shift_id), current_user)


@blp.route("/shifts/<int:shift_id>/close", methods=["POST"])
@roles_required(*COUNTER)
@blp.arguments(schemas.ShiftCloseIn)
@blp.response(200, schemas.ShiftReportOut)
def close_shift(data, shift_id):
    shift = services.close_shift(
        shift_id,
        current_user,
        counted_cash=data["counted_cash"],
        denominations=data["denominations"],
        approval_pin=data["approval_pin"],
        approver=data["approver"],
    )
    db.session.commit()
    return _report(shift, final=True)


def _report(shift, *, final):
    figures = dict(shift.report) if final and shift.report else services.shift_figures(shift)
    figures["text"] = printing.render_text(services.shift_report_document(shift, final=final), 48)
    figures["id"] = shift.id
    return figures


@blp.route("/shifts/<int:shift_id>/cash-movements", methods=["POST"])
@roles_required(*COUNTER)
@blp.arguments(schemas.CashMovementIn)
@blp.response(201, schemas.CashMovementOut)
def add_cash_movement(data, shift_id):
    movement = services.add_cash_movement(
        shift_id,
        data["kind"],
        data["amount"],
        data["reason"],
        current_user,
        approval_pin=data["approval_pin"],
        approver_name=data["approver"],
        to=data["to"],
    )
    db.session.commit()
    return movement


@blp.route("/shifts/<int:shift_id>/report", methods=["GET"])
@roles_required(*COUNTER)
@blp.response(200, schemas.ShiftReportOut)
def shift_report(shift_id):
    """The X report (so far) of an open shift, or the Z report of a closed one."""
    shift = services.require_shift_reader(services.get_shift(shift_id), current_user)
    return _report(shift, final=shift.status == "closed")


@blp.route("/shifts/<int:shift_id>/report/print", methods=["POST"])
@roles_required(*COUNTER)
@blp.response(201, schemas.PosPrintOut)
def print_shift_report(shift_id):
    shift = services.require_shift_reader(services.get_shift(shift_id), current_user)
    job = services.print_shift_report(shift, final=shift.status == "closed")
    db.session.commit()
    return {"job_id": job.id, "status": job.status}


# --- sales -------------------------------------------------------------------------


@blp.route("/sales", methods=["POST"])
@roles_required(*COUNTER)
@blp.arguments(schemas.SaleIn())  # an instance: webargs would build one per request
@blp.response(201, schemas.SaleOut)
def create_sale(data):
    """Record a sale (idempotent on ``id``: the same id again answers 200, writes nothing)."""
    data["id"] = str(data["id"])
    try:
        sale, created = services.create_sale(data, current_user)
        if created:
            db.session.commit()
    except IntegrityError:
        # Two posts of one id raced; the other one won. Answer its sale.
        db.session.rollback()
        stored = db.session.get(Sale, data["id"])
        if stored is None:
            raise
        sale, created = services.SaleView.of(stored), False
    # A SaleView holds plain values: dumping it after the commit reads nothing. The
    # answer (some 300 fields) is written by orjson, keys sorted as jsonify sorts them:
    # the same JSON for a tenth of json.dumps' CPU (mart.apiutil.large_json).
    return large_json(_SALE_OUT.dump(sale)), (201 if created else 200)


_SALE_OUT = schemas.SaleOut()


@blp.route("/sales", methods=["GET"])
@roles_required(*COUNTER)
@blp.arguments(schemas.SaleListArgs, location="query")
@blp.response(200, page_schema(schemas.SaleOut))
def list_sales(args):
    stmt = services.search_sales(
        number=args.get("number"),
        day=args.get("date"),
        member_no=args.get("member_no"),
        register_id=args.get("register_id"),
        shift_id=args.get("shift_id"),
    )
    return page_of(stmt, args)


@blp.route("/sales/<sale_id>", methods=["GET"])
@roles_required(*COUNTER)
@blp.response(200, schemas.SaleOut)
def get_sale(sale_id):
    return services.get_sale(sale_id)


@blp.route("/sales/by-number/<number>", methods=["GET"])
@roles_required(*COUNTER)
@blp.response(200, schemas.SaleOut)
def sale_by_number(number):
    sale = services.sale_by_number(number)
    if sale is None:
        raise NotFound("Unknown receipt number.")
    return sale


@blp.route("/sales/<sale_id>/receipt", methods=["GET"])
@roles_required(*COUNTER)
@blp.arguments(schemas.SaleReceiptArgs, location="query")
@blp.response(200, content_type="text/plain")
def receipt(args, sale_id):
    sale = services.get_sale(sale_id)
    text = services.receipt_text(sale, args["width"], copy=args["copy"])
    return Response(text, mimetype="text/plain", content_type="text/plain; charset=utf-8")


@blp.route("/sales/<sale_id>/print", methods=["POST"])
@roles_required(*COUNTER)
@blp.response(201, schemas.PosPrintOut)
def reprint(sale_id):
    job = services.reprint(services.get_sale(sale_id), current_user)
    db.session.commit()
    return {"job_id": job.id, "status": job.status}


@blp.route("/sales/<sale_id>/returns", methods=["POST"])
@roles_required(*COUNTER)
@blp.arguments(schemas.SaleReturnIn)
@blp.response(201, schemas.SaleReturnOut)
def create_return(data, sale_id):
    ret = services.create_return(sale_id, data, current_user)
    db.session.commit()
    return ret


@blp.route("/sales/<sale_id>/returns", methods=["GET"])
@roles_required(*COUNTER)
@blp.response(200, page_schema(schemas.SaleReturnOut))
def list_returns(sale_id):
    services.get_sale(sale_id)
    items = db.session.scalars(
        sa.select(SaleReturn).where(SaleReturn.sale_id == sale_id).order_by(SaleReturn.id)
    ).all()
    return {"items": items, "total": len(items)}


# --- suspended sales, display, QRIS, printer status --------------------------------


@blp.route("/registers/<int:register_id>/suspended", methods=["POST"])
@roles_required(*COUNTER)
@blp.arguments(schemas.SuspendIn)
@blp.response(201, schemas.SuspendedOut)
def suspend(data, register_id):
    row = services.suspend(register_id, data["payload"], data["label"], current_user)
    db.session.commit()
    return row


@blp.route("/registers/<int:register_id>/suspended", methods=["GET"])
@roles_required(*COUNTER)
@blp.response(200, page_schema(schemas.SuspendedOut))
def list_suspended(register_id):
    services.get_register(register_id)
    items = db.session.scalars(
        sa.select(SuspendedSale)
        .where(SuspendedSale.register_id == register_id)
        .order_by(SuspendedSale.id)
    ).all()
    return {"items": items, "total": len(items)}


@blp.route("/suspended/<int:suspended_id>/resume", methods=["POST"])
@roles_required(*COUNTER)
@blp.response(200, schemas.SuspendedOut)
def resume(suspended_id):
    row = db.session.get(SuspendedSale, suspended_id)
    if row is None:
        raise NotFound("Unknown suspended sale.")
    out = {k: getattr(row, k) for k in ("id", "register_id", "label", "created_at", "payload")}
    services.resume(suspended_id)
    db.session.commit()
    return out


@blp.route("/registers/<int:register_id>/display", methods=["PUT"])
@roles_required(*COUNTER)
@blp.arguments(schemas.CustomerDisplayIn)
@blp.response(200, schemas.CustomerDisplayOut)
def set_display(data, register_id):
    register = services.get_register(register_id)
    version = services.set_display(register, data)
    db.session.commit()
    return {"version": version, "state": data, "qris_svg": None}


@blp.route("/registers/<int:register_id>/member-pin-requests", methods=["POST"])
@roles_required(*COUNTER)
@blp.arguments(schemas.MemberPinRequestIn)
@blp.response(201, schemas.MemberPinRequestOut)
def request_member_pin(data, register_id):
    """Ask the member to type their PIN on the register's customer display (pos.pinpad);
    the answer's ``token`` is what the sale then carries as ``member_pin_approval``."""
    out = pinpad.request_pin(
        register_id, data["member_no"], data["amount"], current_user, method=data["method"]
    )
    db.session.commit()
    return out


@blp.route("/member-pin-requests/<token>", methods=["GET"])
@roles_required(*COUNTER)
@blp.response(200, schemas.MemberPinRequestOut)
def member_pin_request(token):
    """``pending``, ``approved`` (the sale may use it), ``used``, ``cancelled``, ``expired``."""
    return pinpad.status(token)


@blp.route("/member-pin-requests/<token>", methods=["DELETE"])
@roles_required(*COUNTER)
@blp.response(200, schemas.MemberPinRequestOut)
def cancel_member_pin_request(token):
    out = pinpad.cancel(token)
    db.session.commit()
    return out


@blp.route("/qris", methods=["GET"])
@roles_required(*COUNTER)
@blp.arguments(schemas.QrisArgs, location="query")
@blp.response(200, schemas.QrisOut)
def qris_for_amount(args):
    payload = services.qris_payload(args["amount"])
    return {"payload": payload, "amount": args["amount"], "svg": qris.svg(payload)}


@blp.route("/registers/<int:register_id>/printer-status", methods=["GET"])
@roles_required(*COUNTER)
@blp.response(200, schemas.RegisterPrinterStatusOut)
def printer_status(register_id):
    register = services.get_register(register_id)
    return printing.queue_status(register.printer_id)


# --- lookups for the cashier screen ------------------------------------------------


@blp.route("/pos/scan", methods=["GET"])
@roles_required(*COUNTER)
@blp.arguments(schemas.CodeArgs, location="query")
@blp.response(200, schemas.ScanOut)
def scan(args):
    """A scanned or typed code (barcode, scale label, sku) to the product and, for a
    scale label, the embedded quantity or price."""
    result = inventory.lookup_code(args["code"])
    return {
        "code": args["code"].strip(),
        "product": result.product,
        "quantity": result.quantity,
        "price": result.price,
        "pack": result.pack,  # a pack's barcode (issue 15)
    }


@blp.route("/pos/products", methods=["GET"])
@roles_required(*COUNTER)
@blp.arguments(schemas.SearchArgs, location="query")
@blp.response(200, page_schema(schemas.CounterProductOut))
def search_products(args):
    items = inventory.search_products(args["q"], limit=args["limit"])
    return {"items": items, "total": len(items)}


@blp.route("/pos/approvals/check", methods=["POST"])
@roles_required(*COUNTER)
@blp.arguments(schemas.ApprovalIn)
@blp.response(200, schemas.ApprovalOut)
def check_approval(data):
    """Check a manager's PIN when the approval is asked (a discount as it is given), so
    the cashier hears "wrong PIN" then, not at payment; the sale sends the PIN again and
    is checked again. Wrong PINs count toward the lock as any other. 403 wrong PIN."""
    approver = services.check_approval(current_user, data.get("approval_pin"), data.get("approver"))
    db.session.commit()  # a right PIN clears the failure count
    return {"approver": approver.full_name or approver.username}


@blp.route("/pos/member", methods=["GET"])
@roles_required(*COUNTER)
@blp.arguments(schemas.CodeArgs, location="query")
@blp.response(200, schemas.CounterMemberOut)
def find_member(args):
    """A member by the card's number or by phone, with purchases this year."""
    member = members.find_member(args["code"])
    return {
        "member_no": member.member_no,
        "name": member.name,
        "status": member.status,
        "purchases_this_year": members.purchases_in_year(
            member.member_no, clock.business_date().year
        ),
        "sukarela": members.savings(member.id)["sukarela"],
        # what a credit payment may still draw (limit - owed; issue 15)
        "credit_available": members.credit.credit_of(member.member_no)["available"],
    }
