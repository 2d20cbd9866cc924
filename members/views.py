"""Members: pages. The manager's back office and the member's own pages (mobile-first).

Forms post to these views, which call one service each and commit once; a domain
error is shown on the same page with its status and nothing is saved.
"""

import base64
import io
import re
from datetime import date

import barcode
import segno
import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from mart import clock, csvsafe
from mart.auth import roles_required
from mart.errors import DomainError, Forbidden, InvalidInput
from mart.extensions import db
from members import services
from members.models import KINDS, LEFT_REASONS, ShuYear

bp = Blueprint(
    "members",
    __name__,
    url_prefix="/members",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

PER_PAGE = 50
ME_PER_PAGE = 30  # ledger lines on the member's (phone) page
TYPICAL_ALLOCATION = [
    ("cadangan", 40),
    ("jasa_modal", 20),
    ("jasa_usaha", 20),
    ("dana_pengurus", 5),
    ("dana_karyawan", 5),
    ("dana_pendidikan", 5),
    ("dana_sosial", 5),
]


def _labels() -> dict:
    """Labels of entry types, kinds and leaving reasons, translated once per request
    (a ledger page shows many rows; gettext per row was most of its time)."""
    if "members_labels" not in g:
        g.members_labels = {
            "deposit": _("Deposit"),
            "withdrawal": _("Withdrawal"),
            "payment": _("Payment at the counter"),
            "refund": _("Refund"),
            "reversal": _("Reversal"),
            "payout": _("Paid out on leaving"),
            "shu": _("SHU"),
            "pokok": _("Simpanan pokok"),
            "wajib": _("Simpanan wajib"),
            "sukarela": _("Simpanan sukarela"),
            "resign": _("Resigned"),
            "expelled": _("Expelled"),
            "died": _("Died"),
        }
    return g.members_labels


@bp.app_template_filter("member_label")
def member_label(value):
    return _labels().get(value, value or "")


def _is_manager():
    return current_user.has_role("admin", "manager")


def _amount(value, field="amount") -> int:
    """An amount typed by hand: ``50.000``, ``50000`` or ``Rp 50.000``."""
    text = re.sub(r"[\s.]|^Rp", "", (value or "").strip(), flags=re.IGNORECASE)
    if not re.fullmatch(r"-?[0-9]{1,14}", text):
        raise InvalidInput(_("Type the amount in whole rupiah."), field=field)
    return int(text)


def _date(value, field):
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(_("Type the date as YYYY-MM-DD."), field=field) from exc


def _failed(error: DomainError):
    db.session.rollback()
    flash(error.message, "error")
    return error.status


# --- manager: list, register ----------------------------------------------------------


@bp.route("/")
@roles_required("manager")
def index():
    q = request.args.get("q", "").strip()
    status = (
        request.args.get("status") if request.args.get("status") in ("active", "left") else None
    )
    page = max(1, request.args.get("page", 1, type=int))
    stmt = services.search_members(q, status)
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
    )
    members = db.session.scalars(stmt.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    balances = services.savings_many([m.id for m in members])
    return render_template(
        "members/index.html",
        members=members,
        balances=balances,
        q=q,
        status=status,
        page=page,
        total=total,
        pages=max(1, -(-total // PER_PAGE)),
        capital=services.capital_totals(),
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required("manager")
def new():
    status = 200
    if request.method == "POST":
        form = request.form
        try:
            member = services.register_member(
                form.get("name", ""),
                form.get("nik", "").strip(),
                form.get("phone"),
                form.get("address"),
                join_date=_date(form.get("join_date"), "join_date"),
                pay_pokok=bool(form.get("pay_pokok")),
            )
            db.session.commit()
        except DomainError as error:
            status = _failed(error)
        else:
            flash(_("Member %(no)s registered.", no=member.member_no), "success")
            return redirect(url_for("members.detail", member_no=member.member_no))
    return render_template("members/new.html", form=request.form), status


# --- manager: one member --------------------------------------------------------------


def _detail_page(member_no, status=200):
    member = services.get_member(member_no)
    return render_template(
        "members/detail.html",
        member=member,
        savings=services.savings(member.id),
        ledger=services.ledger(member.id, per_page=100),
        wajib=services.wajib_status(member),
        statements=services.shu_statements(member.id),
        kinds=KINDS,
        reasons=LEFT_REASONS,
    ), status


@bp.route("/<member_no>")
@roles_required("manager")
def detail(member_no):
    return _detail_page(member_no)


def _movement(member_no, action):
    form = request.form
    try:
        kind = form.get("kind", "")
        amount = _amount(form.get("amount"))
        note = form.get("note") or None
        if action == "deposit":
            entry = services.deposit(member_no, kind, amount, note=note)
        else:
            entry = services.withdraw(member_no, kind, amount, note=note)
        member = services.get_member(member_no)
        if form.get("print"):
            services.print_entry_slip(member, entry)
        db.session.commit()
    except DomainError as error:
        return _detail_page(member_no, _failed(error))
    flash(_("Saved."), "success")
    return redirect(url_for("members.detail", member_no=member_no))


@bp.route("/<member_no>/deposit", methods=["POST"])
@roles_required("manager")
def deposit(member_no):
    return _movement(member_no, "deposit")


@bp.route("/<member_no>/withdraw", methods=["POST"])
@roles_required("manager")
def withdraw(member_no):
    return _movement(member_no, "withdraw")


def _typed_pin(form) -> str:
    """The new PIN typed twice; ``InvalidInput`` naming the field when they differ."""
    pin = form.get("pin", "")
    if pin != form.get("pin_again", ""):
        raise InvalidInput(_("The two PINs differ; type the same PIN twice."), field="pin_again")
    return pin


@bp.route("/<member_no>/pin", methods=["POST"])
@roles_required("manager")
def set_pin(member_no):
    """The member types their new PIN on the manager's screen (the member is present)."""
    try:
        services.set_member_pin(member_no, _typed_pin(request.form))
        db.session.commit()
    except DomainError as error:
        return _detail_page(member_no, _failed(error))
    flash(_("The member's PIN is set."), "success")
    return redirect(url_for("members.detail", member_no=member_no))


@bp.route("/<member_no>/reverse", methods=["POST"])
@roles_required("manager")
def reverse(member_no):
    try:
        entry_id = request.form.get("entry_id", type=int)
        services.reverse_entry(member_no, entry_id, request.form.get("reason", ""))
        db.session.commit()
    except DomainError as error:
        return _detail_page(member_no, _failed(error))
    flash(_("The entry is reversed."), "success")
    return redirect(url_for("members.detail", member_no=member_no))


@bp.route("/<member_no>/leave", methods=["POST"])
@roles_required("manager")
def leave(member_no):
    try:
        result = services.leave(
            member_no,
            request.form.get("reason", ""),
            on=_date(request.form.get("date"), "date"),
            note=request.form.get("note") or None,
        )
        if request.form.get("print"):
            services.print_settlement(services.get_member(member_no), result)
        db.session.commit()
    except DomainError as error:
        return _detail_page(member_no, _failed(error))
    flash(_("The membership is closed; the savings are paid out."), "success")
    return redirect(url_for("members.settlement", member_no=member_no))


@bp.route("/<member_no>/settlement")
@roles_required("manager")
def settlement(member_no):
    member = services.get_member(member_no)
    if member.status != "left":
        abort(404)
    return render_template(
        "members/settlement.html", member=member, settlement=services.settlement(member)
    )


@bp.route("/<member_no>/card")
@roles_required("manager")
def card(member_no):
    return render_template("members/card.html", member=services.get_member(member_no))


def code128_svg(text: str, module=2, height=60) -> str:
    """A CODE128 barcode as SVG (python-barcode encodes; we draw plain rects, no styles)."""
    modules = barcode.get_barcode_class("code128")(text).build()[0]
    quiet = 10 * module
    width = quiet * 2 + len(modules) * module
    rects = []
    x = quiet
    run = 0
    for i, bit in enumerate(modules + "0"):
        if bit == "1":
            run += 1
            continue
        if run:
            start = x + (i - run) * module
            rects.append(f'<rect x="{start}" y="0" width="{run * module}" height="{height}"/>')
            run = 0
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 18}" '
        f'viewBox="0 0 {width} {height + 18}"><rect width="100%" height="100%" fill="#fff"/>'
        f'<g fill="#000">{"".join(rects)}</g>'
        f'<text x="{width // 2}" y="{height + 14}" font-family="monospace" font-size="14" '
        f'text-anchor="middle">{text}</text></svg>'
    )


@bp.route("/<member_no>/barcode.svg")
@roles_required("manager", "member")
def barcode_svg(member_no):
    member = services.get_member(member_no)
    if not _is_manager() and current_user.member_no != member.member_no:
        raise Forbidden(_("You may only see your own membership."))
    return Response(code128_svg(member.member_no), mimetype="image/svg+xml")


# --- manager: reports and SHU -----------------------------------------------------------


@bp.route("/arrears")
@roles_required("manager")
def arrears():
    report = services.arrears_report()
    return render_template(
        "members/arrears.html", report=report, amount=sum(r["arrears_amount"] for r in report)
    )


@bp.route("/capital")
@roles_required("manager")
def capital():
    as_of = request.args.get("as_of")
    try:
        as_of_date = _date(as_of, "as_of")
    except DomainError as error:
        flash(error.message, "error")
        as_of_date = None
    totals = services.capital_totals(as_of_date)
    return render_template(
        "members/capital.html",
        totals=totals,
        total=sum(totals.values()),
        as_of=as_of_date,
        figures=services.member_figures(clock.business_date(), clock.business_date()),
    )


@bp.route("/shu", methods=["GET", "POST"])
@roles_required("manager")
def shu():
    today = clock.business_date()
    form = request.form
    year = form.get("year", type=int) or request.args.get("year", type=int) or today.year - 1
    allocation = [(name, form.get(f"pct_{name}", str(pct))) for name, pct in TYPICAL_ALLOCATION]
    result = None
    confirm = None
    status = 200
    posted = db.session.scalars(sa.select(ShuYear).order_by(ShuYear.year.desc())).all()
    if request.method == "POST":
        try:
            # Left empty: the members' share of the year's SHU from the books.
            surplus = (
                _amount(form.get("surplus"), "surplus")
                if (form.get("surplus") or "").strip()
                else None
            )
            parts = {}
            for name, value in allocation:
                value = (value or "").strip().replace(",", ".")
                if value:
                    parts[name] = value
            if form.get("action") == "post" and form.get("confirmed") == "yes":
                services.shu_post(year, surplus, parts, override=form.get("override") == "yes")
                db.session.commit()
                flash(_("The SHU of %(year)s is posted.", year=year), "success")
                return redirect(url_for("members.shu", year=year))
            result = services.shu_compute(year, surplus, parts)
            if form.get("action") == "csv":
                return _shu_csv(result)
            if form.get("action") == "post":
                # Posting cannot be undone: first the figures, then a second, explicit yes.
                confirm = {
                    "members": sum(1 for m in result.members if m["total"] > 0),
                    "to_members": sum(m["total"] for m in result.members),
                    "year_open": year >= today.year,
                    "may_override": current_user.has_role("admin"),
                }
        except DomainError as error:
            status = _failed(error)
    return render_template(
        "members/shu.html",
        year=year,
        allocation=allocation,
        surplus=form.get("surplus", ""),
        result=result,
        posted=posted,
        payout=current_app.config.get("MART_SHU_PAYOUT"),
        confirm=confirm,
    ), status


SHU_CSV_COLUMNS = ("member_no", "name", "capital", "purchases", "jasa_modal", "jasa_usaha", "total")
SHU_CSV_HEADERS = {
    "member_no": _l("Member no."),
    "name": _l("Name"),
    "capital": _l("Capital"),
    "purchases": _l("Purchases"),
    "jasa_modal": _l("Capital share (jasa modal)"),
    "jasa_usaha": _l("Purchases share (jasa usaha)"),
    "total": _l("Total"),
}


def _shu_csv(result) -> Response:
    """Every member's part of a previewed SHU (the page shows the first 500)."""
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow([str(SHU_CSV_HEADERS[column]) for column in SHU_CSV_COLUMNS])
    for row in result.members:
        writer.writerow([row[column] for column in SHU_CSV_COLUMNS])
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="shu-{result.year}.csv"'},
    )


# --- the member's own pages -----------------------------------------------------------


@bp.route("/me/pin", methods=["POST"])
@roles_required("member")
def me_pin():
    """The member sets their own PIN, confirming with their password."""
    try:
        if not current_user.member_no:
            raise Forbidden(_("This login is not linked to a member."))
        if not current_user.check_password(request.form.get("password", "")):
            raise InvalidInput(_("Your password is not right."), field="password")
        member = services.get_member(current_user.member_no)
        if member.status != "active":
            raise Forbidden(_("This membership has ended."))
        services.set_member_pin(member.member_no, _typed_pin(request.form))
        db.session.commit()
    except DomainError as error:
        _failed(error)
        return redirect(url_for("members.me", _anchor="pin"))
    flash(_("Your PIN is set."), "success")
    return redirect(url_for("members.me"))


@bp.route("/me")
@roles_required("member")
def me():
    member_no = current_user.member_no
    if not member_no:
        # A member login not (yet) linked to a member: a notice, no data.
        return render_template("members/not_linked.html")
    member = services.get_member(member_no)
    if member.status != "active":
        raise Forbidden(_("This membership has ended."))
    page = max(1, request.args.get("page", 1, type=int))
    today = clock.business_date()
    this_year = today.year
    since = date(today.year - 1, 1, 1)
    purchases = services.purchases_by_month(member.id, since=since)
    balances = services.savings(member.id)
    bought = sum(p["amount"] for p in purchases if p["month"].startswith(f"{this_year:04d}-"))
    return render_template(
        "members/me.html",
        member=member,
        nik=member.nik[:4] + "*" * 12,
        savings=balances,
        ledger=services.ledger(member.id, page=page, per_page=ME_PER_PAGE),
        page=page,
        purchases=purchases,
        purchases_this_year=bought,
        this_year=this_year,
        wajib=services.wajib_status(member),
        statements=services.shu_statements(member.id),
        explanations=services.shu_explanations(member.id),
        estimate=services.shu_estimate(member, balances, bought),
        card=_card_images(member.member_no),
    )


def _card_images(member_no):
    """The member's card on their own page (shown at the counter from the phone): the
    CODE128 barcode and a QR of the member number, as data URIs inside the page."""
    svg = code128_svg(member_no)
    return {
        "barcode": "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(),
        "qr": segno.make(member_no, error="m").svg_data_uri(scale=8, border=2),
    }
