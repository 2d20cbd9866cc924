"""The RAT pack of a fiscal year: what the yearly members' meeting is shown, from the
books and the members' ledgers, as one printable page, XLSX and JSON.

- neraca at 31 December with the previous year's beside it;
- PHU of the year (split into business with members and with non-members);
- the SHU division: the posted one, or a preview from the books at the typical split;
- each member's SHU (capital, purchases, JMA, JUA);
- each member's simpanan (pokok, wajib, sukarela) at 31 December.
"""

import json
from datetime import date

import sqlalchemy as sa
from flask import Blueprint, Response, render_template
from flask_babel import gettext as _
from flask_smorest import Blueprint as ApiBlueprint
from marshmallow import Schema, fields

from books import reports as books_reports
from books.reports_views import phu_rows, write_phu
from books.xlsx import MIMETYPE, Book
from mart.auth import roles_required
from mart.errors import DomainError, NotFound
from mart.extensions import db
from mart.locale import format_date
from members import services
from members.models import Member, SavingsEntry, ShuYear

bp = Blueprint("members_rat", __name__, url_prefix="/members/rat", template_folder="templates")
blp = ApiBlueprint("members_rat_api", __name__, description="The RAT pack of a year")

MANAGERS = ("manager",)
DEFAULT_ALLOCATION = {
    "cadangan": 40,
    "jasa_modal": 20,
    "jasa_usaha": 20,
    "dana_pengurus": 5,
    "dana_karyawan": 5,
    "dana_pendidikan": 5,
    "dana_sosial": 5,
}
KINDS = ("pokok", "wajib", "sukarela")


def savings_at(as_of: date) -> list[dict]:
    """Each member who had joined by ``as_of``: simpanan by kind at the end of that day."""
    sums = {}
    for member_id, kind, amount in db.session.execute(
        sa.select(SavingsEntry.member_id, SavingsEntry.kind, sa.func.sum(SavingsEntry.amount))
        .where(SavingsEntry.booked_on <= as_of)
        .group_by(SavingsEntry.member_id, SavingsEntry.kind)
    ):
        sums.setdefault(member_id, dict.fromkeys(KINDS, 0))[kind] = int(amount or 0)
    rows = []
    for member in db.session.execute(
        sa.select(Member.id, Member.member_no, Member.name)
        .where(Member.join_date <= as_of)
        .order_by(Member.member_no)
    ):
        kinds = sums.get(member.id, dict.fromkeys(KINDS, 0))
        rows.append(
            {
                "member_no": member.member_no,
                "name": member.name,
                **kinds,
                "total": sum(kinds.values()),
            }
        )
    return rows


def _sheets_side_by_side(now: dict, before: dict) -> dict:
    """Neraca sections with both years' balances per account (by code and name)."""
    out = {}
    for key in ("assets", "liabilities", "equity"):
        order, rows = [], {}
        for which, sheet in (("now", now), ("before", before)):
            for r in sheet[key]["accounts"]:
                ident = (r["code"], r["name"])
                if ident not in rows:
                    order.append(ident)
                    rows[ident] = {"code": r["code"], "name": r["name"], "now": 0, "before": 0}
                rows[ident][which] = r["balance"]
        out[key] = {
            "accounts": [rows[i] for i in order],
            "now": now[key]["total"],
            "before": before[key]["total"],
        }
    return out


def rat_pack(year: int) -> dict:
    """Everything the RAT of ``year`` is shown. ``NotFound`` for a year no calendar
    date can hold (the previous year included)."""
    if not 1901 <= year <= 9999:
        raise NotFound(_("No such year."))
    end, previous_end = date(year, 12, 31), date(year - 1, 12, 31)
    now = books_reports.balance_sheet(end)
    before = books_reports.balance_sheet(previous_end)
    phu = books_reports.income_statement(date(year, 1, 1), end, detail=True)
    posted = db.session.scalar(sa.select(ShuYear.id).where(ShuYear.year == year)) is not None
    shu, shu_error = None, None
    if posted:
        shu = services.shu_posted(year)
    else:
        try:
            shu = {
                **services.shu_compute(year, None, DEFAULT_ALLOCATION).as_dict(),
                "posted": False,
            }
        except DomainError as exc:
            shu_error = str(exc.message)
    return {
        "year": year,
        "as_of": end,
        "previous_as_of": previous_end,
        "balance_sheet": _sheets_side_by_side(now, before),
        "income_statement": phu,
        "shu": shu,
        "shu_error": shu_error,
        "savings": savings_at(end),
    }


def rat_xlsx(pack: dict) -> bytes:
    year = pack["year"]
    book = Book()
    sheets = []
    s = book.sheet(_("Balance sheet"))
    s.line(_("Balance sheet as of %(date)s", date=format_date(pack["as_of"])), bold=True)
    s.line(_("Code"), _("Account"), str(year), str(year - 1), bold=True)
    for key, title in (
        ("assets", _("Assets")),
        ("liabilities", _("Liabilities")),
        ("equity", _("Equity")),
    ):
        part = pack["balance_sheet"][key]
        s.line(title, bold=True)
        for r in part["accounts"]:
            s.line(r["code"] or "", r["name"], r["now"], r["before"])
        s.line("", _("Total"), part["now"], part["before"], bold=True)
        s.gap()
    sheets.append(s)
    s = book.sheet(_("PHU"))
    write_phu(s, pack["income_statement"], _("Statement of surplus %(year)s", year=year))
    sheets.append(s)
    s = book.sheet(_("SHU"))
    shu = pack["shu"]
    if shu:
        s.line(_("SHU division %(year)s", year=year), bold=True)
        s.line(_("Surplus divided"), shu["surplus"])
        if shu.get("non_members_to_cadangan"):
            s.line(_("Non-members' share to cadangan"), shu["non_members_to_cadangan"])
        for name, amount in shu["parts"].items():
            s.line(name.replace("_", " "), amount)
        s.line(_("Rounding to cadangan"), shu["rounding_to_cadangan"])
        s.gap()
        s.line(
            _("Number"),
            _("Name"),
            _("Capital"),
            _("Purchases"),
            _("Jasa modal"),
            _("Jasa usaha"),
            _("Total"),
            bold=True,
        )
        for m in shu["members"]:
            s.line(
                m["member_no"],
                m["name"],
                m["capital"],
                m["purchases"],
                m["jasa_modal"],
                m["jasa_usaha"],
                m["total"],
            )
    else:
        s.line(pack["shu_error"] or "")
    sheets.append(s)
    s = book.sheet(_("Simpanan"))
    s.line(_("Simpanan per member as of %(date)s", date=format_date(pack["as_of"])), bold=True)
    s.line(_("Number"), _("Name"), _("Pokok"), _("Wajib"), _("Sukarela"), _("Total"), bold=True)
    for m in pack["savings"]:
        s.line(m["member_no"], m["name"], m["pokok"], m["wajib"], m["sukarela"], m["total"])
    s.line(
        "", _("Total"), *(sum(m[k] for m in pack["savings"]) for k in (*KINDS, "total")), bold=True
    )
    sheets.append(s)
    return book.to_bytes(sheets)


@bp.route("/<int:year>")
@roles_required(*MANAGERS)
def rat_page(year):
    pack = rat_pack(year)
    html = render_template(
        "members/rat.html", pack=pack, rows=phu_rows(), phu=pack["income_statement"]
    )
    db.session.commit()  # the fold of the journal lines the reports made
    return html


@bp.route("/<int:year>.xlsx")
@roles_required(*MANAGERS)
def rat_download(year):
    data = rat_xlsx(rat_pack(year))
    db.session.commit()
    return Response(
        data,
        mimetype=MIMETYPE,
        headers={"Content-Disposition": f'attachment; filename="rat-{year}.xlsx"'},
    )


class RatPackOut(Schema):
    year = fields.Integer()
    as_of = fields.Date()
    previous_as_of = fields.Date()
    balance_sheet = fields.Dict()
    income_statement = fields.Method("_phu")
    shu = fields.Method("_shu", allow_none=True)
    shu_error = fields.String(allow_none=True)
    savings = fields.List(fields.Dict())

    def _shu(self, pack):
        if pack["shu"] is None:
            return None
        return json.loads(json.dumps(pack["shu"], default=lambda v: v.isoformat()))

    def _phu(self, pack):
        phu = pack["income_statement"]
        return {
            k: phu[k]
            for k in (
                "revenue",
                "cost_of_goods",
                "gross_margin",
                "other_income",
                "expenses",
                "surplus",
                "surplus_members",
                "surplus_non_members",
            )
        }


@blp.route("/rat/<int:year>")
@roles_required(*MANAGERS)
@blp.response(200, RatPackOut)
def rat_get(year):
    """The RAT pack of ``year``: neraca (with the previous year), PHU, SHU division,
    each member's SHU and simpanan at 31 December."""
    pack = rat_pack(year)
    db.session.commit()
    return pack
