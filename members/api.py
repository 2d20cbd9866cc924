"""Members: the API under /api/v1 (API.md, Members)."""

import functools

from flask import Response
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint

from mart.apiutil import PageArgs, page_of, page_schema
from mart.auth import roles_required
from mart.errors import Forbidden
from mart.extensions import db
from members import pins, services
from members.schemas import (
    MemberCapitalArgs,
    MemberCapitalOut,
    MemberCreditLimitIn,
    MemberCreditListOut,
    MemberCreditOut,
    MemberIn,
    MemberLeaveIn,
    MemberListArgs,
    MemberLookupArgs,
    MemberOut,
    MemberPinIn,
    MemberPublicOut,
    MemberPurchasesArgs,
    MemberPurchasesOut,
    MemberSettlementOut,
    PayrollImportIn,
    PayrollImportOut,
    SavingsLedgerArgs,
    SavingsLedgerPageOut,
    SavingsMovementIn,
    SavingsMovementResultOut,
    SavingsReversalIn,
    ShuRequestIn,
    ShuResultOut,
    ShuStatementsOut,
    WajibArrearsPageOut,
    WajibStatusOut,
)
from members.services.savings import _entry_dict

blp = Blueprint("members_api", __name__, description="Members, simpanan and SHU")

MANAGERS = ("manager",)


def is_manager(user=None) -> bool:
    user = user or current_user
    return user.has_role("admin", "manager")


def mask_nik(nik: str) -> str:
    """``3174************``: the region code stays, the rest is hidden."""
    return nik[:4] + "*" * (len(nik) - 4) if nik else nik


def own_member_no(user=None):
    """The member number of a member login whose membership is still active, else None."""
    user = user or current_user
    if not user.has_role("member") or not user.member_no:
        return None
    return user.member_no


def check_member_access(member):
    """Managers see every member; a member login only its own, while a member."""
    if is_manager():
        return
    if own_member_no() == member.member_no:
        if member.status != "active":
            raise Forbidden(_("This membership has ended."))
        return
    raise Forbidden(_("You may only see your own membership."))


def member_body(member, *, full: bool, with_savings: bool = True) -> dict:
    body = {
        "member_no": member.member_no,
        "name": member.name,
        "nik": member.nik if full else mask_nik(member.nik),
        "phone": member.phone,
        "address": member.address if full or with_savings else None,
        "join_date": member.join_date,
        "status": member.status,
        "left_date": member.left_date,
        "left_reason": member.left_reason,
        "savings": services.savings(member.id) if with_savings else None,
    }
    return body


def _movement_result(member, entry, job=None) -> dict:
    balances = services.savings(member.id)
    return {
        "member_no": member.member_no,
        "entry": _entry_dict(entry),
        "savings": balances,
        "balances": balances,
        **balances,
        "print_job_id": getattr(job, "id", None),
    }


@blp.route("/members", methods=["POST"])
@roles_required(*MANAGERS)
@blp.arguments(MemberIn)
@blp.response(201, MemberOut)
def create_member(data):
    """Register a member. NIK not 16 digits 422; a NIK already registered 409."""
    member = services.register_member(
        data["name"],
        data["nik"],
        data.get("phone"),
        data.get("address"),
        join_date=data.get("join_date"),
        pay_pokok=data.get("pay_pokok", False),
    )
    db.session.commit()
    return member_body(member, full=True)


@blp.route("/members", methods=["GET"])
@roles_required(*MANAGERS)
@blp.arguments(MemberListArgs, location="query")
@blp.response(200, page_schema(MemberOut, name="MemberPage"))
def list_members(args):
    """Members by number, name words, phone or NIK (``q``), optionally by status."""
    page = page_of(services.search_members(args.get("q"), args.get("status")), args)
    balances = services.savings_many([m.id for m in page["items"]])
    return {
        "items": [
            {**member_body(m, full=True, with_savings=False), "savings": balances[m.id]}
            for m in page["items"]
        ],
        "total": page["total"],
    }


@blp.route("/members/lookup")
@roles_required("cashier", *MANAGERS)
@blp.arguments(MemberLookupArgs, location="query")
@blp.response(200, MemberPublicOut)
def lookup_member(args):
    """Find a member for a sale by card number or phone: name, number, status."""
    member = services.find_member(args["code"])
    return member_body(member, full=is_manager(), with_savings=False)


@blp.route("/members/arrears")
@roles_required(*MANAGERS)
@blp.arguments(PageArgs, location="query")
@blp.response(200, WajibArrearsPageOut)
def arrears(args):
    """Active members with simpanan wajib in arrears, most months first."""
    report = services.arrears_report()
    page, per_page = args["page"], args["per_page"]
    return {
        "items": report[(page - 1) * per_page : page * per_page],
        "total": len(report),
        "amount": sum(r["arrears_amount"] for r in report),
    }


@blp.route("/members/capital")
@roles_required(*MANAGERS)
@blp.arguments(MemberCapitalArgs, location="query")
@blp.response(200, MemberCapitalOut)
def capital(args):
    """Simpanan of all members by kind, now or at the end of ``as_of``."""
    totals = services.capital_totals(args.get("as_of"))
    return {**totals, "total": sum(totals.values()), "as_of": args.get("as_of")}


@blp.route("/members/<member_no>")
@roles_required("cashier", "member", *MANAGERS)
@blp.response(200, MemberOut)
def get_member(member_no):
    """The member with ``savings: {pokok, wajib, sukarela, total}``.

    Managers see everything; a member only their own (NIK masked); a cashier the
    name, number and status.
    """
    member = services.get_member(member_no)
    if is_manager():
        return member_body(member, full=True)
    if own_member_no() == member.member_no:
        check_member_access(member)
        return member_body(member, full=False)
    if current_user.has_role("cashier"):
        return member_body(member, full=False, with_savings=False)
    raise Forbidden(_("You may only see your own membership."))


def _own_number_first(view):
    """A member login reaching another member's number is refused before the body is
    read (403, never a 422 describing the body)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        number = str(kwargs.get("member_no", "")).strip().upper()
        if current_user.is_authenticated and not is_manager() and own_member_no() != number:
            raise Forbidden(_("You may only see your own membership."))
        return view(*args, **kwargs)

    return wrapped


@blp.route("/members/<member_no>/pin", methods=["PUT"])
@roles_required("member", *MANAGERS)
@_own_number_first
@blp.arguments(MemberPinIn)
@blp.response(204)
def set_pin(data, member_no):
    """Set the member's own 6-digit PIN (for paying from simpanan at the counter).

    A member sets only their own; a manager sets it with the member present (the member
    types it). Not 6 digits 422; another member's number 403; a member who left 409.
    """
    member = services.get_member(member_no)
    if not is_manager():
        check_member_access(member)
    pins.set_member_pin(member.member_no, data["pin"])
    db.session.commit()
    return None


@blp.route("/members/<member_no>/deposits", methods=["POST"])
@roles_required(*MANAGERS)
@blp.arguments(SavingsMovementIn)
@blp.response(201, SavingsMovementResultOut)
def deposit(data, member_no):
    """Deposit simpanan. Pokok exactly the branch's amount, once (422 / 409)."""
    entry = services.deposit(
        member_no, data["kind"], data["amount"], note=data.get("note"), method=data["method"]
    )
    member = services.get_member(member_no)
    job = services.print_entry_slip(member, entry) if data["print"] else None
    db.session.commit()
    return _movement_result(member, entry, job)


@blp.route("/members/<member_no>/withdrawals", methods=["POST"])
@roles_required(*MANAGERS)
@blp.arguments(SavingsMovementIn)
@blp.response(201, SavingsMovementResultOut)
def withdraw(data, member_no):
    """Withdraw simpanan sukarela; pokok/wajib 409; never below zero (409)."""
    entry = services.withdraw(
        member_no, data["kind"], data["amount"], note=data.get("note"), method=data["method"]
    )
    member = services.get_member(member_no)
    job = services.print_entry_slip(member, entry) if data["print"] else None
    db.session.commit()
    return _movement_result(member, entry, job)


@blp.route("/members/<member_no>/reversals", methods=["POST"])
@roles_required(*MANAGERS)
@blp.arguments(SavingsReversalIn)
@blp.response(201, SavingsMovementResultOut)
def reverse(data, member_no):
    """Correct an entry by a reversing entry (audited). Already reversed 409."""
    entry = services.reverse_entry(member_no, data["entry_id"], data["reason"])
    member = services.get_member(member_no)
    db.session.commit()
    return _movement_result(member, entry)


@blp.route("/members/<member_no>/leave", methods=["POST"])
@roles_required(*MANAGERS)
@blp.arguments(MemberLeaveIn)
@blp.response(200, MemberSettlementOut)
def leave(data, member_no):
    """Close the membership: pokok, wajib and sukarela paid out to zero."""
    result = services.leave(member_no, data["reason"], on=data.get("date"), note=data.get("note"))
    job = None
    if data["print"]:
        job = services.print_settlement(services.get_member(member_no), result)
    db.session.commit()
    return {**result, "print_job_id": getattr(job, "id", None)}


@blp.route("/members/<member_no>/ledger")
@roles_required("member", *MANAGERS)
@blp.arguments(SavingsLedgerArgs, location="query")
@blp.response(200, SavingsLedgerPageOut)
def ledger(args, member_no):
    """Entries newest first with the running balance of their kind."""
    member = services.get_member(member_no)
    check_member_access(member)
    return services.ledger(member.id, args.get("kind"), args["page"], args["per_page"])


@blp.route("/members/<member_no>/arrears")
@roles_required("member", *MANAGERS)
@blp.response(200, WajibStatusOut)
def member_arrears(member_no):
    """The member's simpanan wajib: months due, paid, and in arrears."""
    member = services.get_member(member_no)
    check_member_access(member)
    status = services.wajib_status(member)
    return {
        "member_no": member.member_no,
        "name": member.name,
        "phone": member.phone,
        **status.as_dict(),
    }


@blp.route("/members/<member_no>/purchases")
@roles_required("member", *MANAGERS)
@blp.arguments(MemberPurchasesArgs, location="query")
@blp.response(200, MemberPurchasesOut)
def purchases(args, member_no):
    """The member's purchases (net of returns) by month."""
    member = services.get_member(member_no)
    check_member_access(member)
    items = services.purchases_by_month(member.id, args.get("year"))
    return {"member_no": member.member_no, "items": items, "total": sum(i["amount"] for i in items)}


@blp.route("/members/<member_no>/shu")
@roles_required("member", *MANAGERS)
@blp.response(200, ShuStatementsOut)
def shu_statements(member_no):
    """The member's SHU statements of the posted years."""
    member = services.get_member(member_no)
    check_member_access(member)
    items = services.shu_statements(member.id)
    return {"member_no": member.member_no, "items": items, "total": len(items)}


@blp.route("/shu/<int:year>/preview", methods=["POST"])
@roles_required(*MANAGERS)
@blp.arguments(ShuRequestIn)
@blp.response(200, ShuResultOut)
def shu_preview(data, year):
    """Each member's SHU of ``year``; nothing is booked."""
    result = services.shu_compute(year, data.get("surplus"), data["allocation"])
    return {**result.as_dict(), "posted": False, "payout": None, "posted_at": None}


@blp.route("/shu/<int:year>/post", methods=["POST"])
@roles_required(*MANAGERS)
@blp.arguments(ShuRequestIn)
@blp.response(201, ShuResultOut)
def shu_post(data, year):
    """Book the SHU of ``year`` (once: a second post 409)."""
    row, result = services.shu_post(
        year, data.get("surplus"), data["allocation"], override=data.get("override", False)
    )
    db.session.commit()
    return {**result.as_dict(), "posted": True, "payout": row.payout, "posted_at": row.posted_at}


@blp.route("/shu/<int:year>")
@roles_required(*MANAGERS)
@blp.response(200, ShuResultOut)
def shu_get(year):
    """The posted SHU of ``year`` with every member's share (404 if not posted)."""
    return services.shu_posted(year)


# --- member credit (kredit anggota), issue 15 -----------------------------------------


def _credit_body(member) -> dict:
    return {
        **services.credit.credit_of(member.member_no),
        "name": member.name,
        "status": member.status,
    }


@blp.route("/members/<member_no>/credit")
@roles_required("cashier", "member", *MANAGERS)
@blp.response(200, MemberCreditOut)
def get_credit(member_no):
    """``{limit, used, available, aging}``: managers and the counter any member; a
    member their own."""
    member = services.get_member(member_no)
    if not is_manager() and not current_user.has_role("cashier"):
        check_member_access(member)
    return _credit_body(member)


@blp.route("/members/<member_no>/credit", methods=["PUT"])
@roles_required(*MANAGERS)
@blp.arguments(MemberCreditLimitIn)
@blp.response(200, MemberCreditOut)
def set_credit_limit(data, member_no):
    """Set the member's own limit (``null``: the default from the setting)."""
    services.credit.set_limit(member_no, data["limit"])
    member = services.get_member(member_no)
    db.session.commit()
    return _credit_body(member)


@blp.route("/member-credit")
@roles_required(*MANAGERS)
@blp.response(200, MemberCreditListOut)
def list_credit():
    """Every member who owes on credit, with aging (current, 30, 60, 90+ days)."""
    items = services.credit.credit_list()
    return {"items": items, "totals": services.credit.aging_totals(items)}


@blp.route("/member-credit/payroll.csv")
@roles_required(*MANAGERS)
def payroll_csv():
    """The payroll deduction file for the employer: ``member_no,name,amount``."""
    return Response(
        services.credit.payroll_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=potongan-gaji.csv"},
    )


@blp.route("/member-credit/payroll", methods=["POST"])
@roles_required(*MANAGERS)
@blp.arguments(PayrollImportIn)
@blp.response(201, PayrollImportOut)
def payroll_import(data):
    """The employer's file back (``member_no,amount`` deducted): every row checked
    first, 422 naming the row and column, nothing written on any error."""
    result = services.credit.import_payroll(data["csv"], ref=data.get("ref"))
    db.session.commit()
    return result
