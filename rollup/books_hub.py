"""The hub's view of the branches' books: the neraca and PHU totals each branch's
daily report carries (its ``books`` field: assets, liabilities, equity, revenue and
surplus from 1 January, reconciled), per branch and per kota and kecamatan.

Read from the stored report bodies (the newest report of each branch up to a date):
no column of its own, so a report without the field (an older branch) is simply
shown without figures.
"""

import json
from datetime import date

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_smorest import Blueprint as ApiBlueprint
from marshmallow import Schema, fields

from mart.auth import roles_required
from mart.errors import NotFound
from mart.extensions import db
from rollup.hub import today
from rollup.models import HubBranch, HubReport

FIGURES = ("assets", "liabilities", "equity", "revenue", "surplus")

bp = Blueprint("rollup_books", __name__, url_prefix="/association/books")
blp = ApiBlueprint("rollup_books_api", __name__, description="The branches' books on the hub")


def _hub_only():
    if current_app.config.get("MART_MODE") != "association":
        raise NotFound(_("Not found."))


def books_by_branch(as_of: date) -> dict:
    """``{as_of, totals, branches: [...], areas: [...]}``: each active branch's newest
    report up to ``as_of`` and its books figures (None without them), and the sums per
    kota and kecamatan."""
    newest = (
        sa.select(HubReport.branch_id, sa.func.max(HubReport.date).label("date"))
        .where(HubReport.date <= as_of)
        .group_by(HubReport.branch_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(
            HubBranch.code,
            HubBranch.name,
            HubBranch.kota,
            HubBranch.kecamatan,
            newest.c.date,
            HubReport.body,
        )
        .select_from(HubBranch)
        .outerjoin(newest, newest.c.branch_id == HubBranch.id)
        .outerjoin(
            HubReport,
            sa.and_(HubReport.branch_id == HubBranch.id, HubReport.date == newest.c.date),
        )
        .where(HubBranch.active.is_(True))
        .order_by(HubBranch.kota, HubBranch.kecamatan, HubBranch.code)
    ).all()
    branches = []
    for code, name, kota, kecamatan, day, body in rows:
        books = (json.loads(body).get("books") if body else None) or None
        figures = (
            {k: int(books.get(k) or 0) for k in FIGURES}
            if isinstance(books, dict)
            else dict.fromkeys(FIGURES)
        )
        branches.append(
            {
                "code": code,
                "name": name,
                "kota": kota,
                "kecamatan": kecamatan,
                "report_date": day,
                "has_books": isinstance(books, dict),
                "reconciled": books.get("reconciled") if isinstance(books, dict) else None,
                **figures,
            }
        )
    areas: dict = {}
    for b in branches:
        key = (b["kota"], b["kecamatan"])
        area = areas.setdefault(
            key,
            {
                "kota": key[0],
                "kecamatan": key[1],
                "branches": 0,
                "reporting": 0,
                "not_reconciled": 0,
                **dict.fromkeys(FIGURES, 0),
            },
        )
        area["branches"] += 1
        if b["has_books"]:
            area["reporting"] += 1
            area["not_reconciled"] += b["reconciled"] is False
            for k in FIGURES:
                area[k] += b[k]
    with_books = [b for b in branches if b["has_books"]]
    totals = {k: sum(b[k] for b in with_books) for k in FIGURES}
    totals.update(
        branches=len(branches),
        reporting=len(with_books),
        not_reconciled=sum(1 for b in with_books if b["reconciled"] is False),
    )
    return {"as_of": as_of, "totals": totals, "branches": branches, "areas": list(areas.values())}


class HubBooksArgs(Schema):
    as_of = fields.Date(load_default=None)


_figures = {k: fields.Integer(allow_none=True) for k in FIGURES}
BranchBooksOut = Schema.from_dict(
    {
        "code": fields.String(),
        "name": fields.String(),
        "kota": fields.String(),
        "kecamatan": fields.String(),
        "report_date": fields.Date(allow_none=True),
        "has_books": fields.Boolean(),
        "reconciled": fields.Boolean(allow_none=True),
        **_figures,
    },
    name="HubBranchBooks",
)
AreaBooksOut = Schema.from_dict(
    {
        "kota": fields.String(),
        "kecamatan": fields.String(),
        "branches": fields.Integer(),
        "reporting": fields.Integer(),
        "not_reconciled": fields.Integer(),
        **_figures,
    },
    name="HubAreaBooks",
)


class HubBooksOut(Schema):
    as_of = fields.Date()
    totals = fields.Dict(keys=fields.String(), values=fields.Integer())
    branches = fields.List(fields.Nested(BranchBooksOut))
    areas = fields.List(fields.Nested(AreaBooksOut))


@blp.route("/association/books")
@roles_required("association")
@blp.arguments(HubBooksArgs, location="query")
@blp.response(200, HubBooksOut)
def get_books(args):
    """The branches' neraca and PHU totals from their newest daily report up to
    ``as_of`` (default today), per branch and per kota and kecamatan."""
    _hub_only()
    return books_by_branch(args["as_of"] or today())


@bp.route("/")
@roles_required("association")
def books_page():
    if current_app.config.get("MART_MODE") != "association":
        # a branch: say where the branches' books are (the nav offers this page)
        return render_template("rollup/not_hub.html")
    raw = request.args.get("as_of")
    try:
        as_of = date.fromisoformat(raw) if raw else today()
    except ValueError:
        as_of = today()
    return render_template("rollup/books.html", data=books_by_branch(as_of))
