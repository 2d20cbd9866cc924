"""Roll-up: the API under /api/v1.

Branch mode: ``GET /rollup/daily``, ``GET /rollup/outbox`` (manager).
Association mode (the hub): ``POST /association/reports`` (signed by a branch, no
login), ``GET /association/summary``, ``/association/trend``, ``/association/branches``
(association role). Each side's endpoints answer 404 in the other mode.
"""

import functools
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from werkzeug.exceptions import BadRequest

from mart.apiutil import PageArgs, large_json, page_of, page_schema
from mart.auth import roles_required
from mart.errors import NotFound
from mart.extensions import db
from mart.security import csrf_exempt, raw_body
from rollup import branch as branch_side
from rollup import hub
from rollup.models import HubBranch, RollupOutbox
from rollup.schemas import (
    HubBranchOut,
    RollupBooksCheckOut,
    RollupBranchTrendArgs,
    RollupBreakdownArgs,
    RollupBreakdownOut,
    RollupDailyArgs,
    RollupDailyOut,
    RollupIngestResultOut,
    RollupOutboxArgs,
    RollupOutboxOut,
    RollupProductsArgs,
    RollupProductsOut,
    RollupReportIn,
    RollupStageCountsIn,
    RollupStageCountsOut,
    RollupSummaryArgs,
    RollupSummaryOut,
    RollupTrendArgs,
    RollupTrendOut,
    RollupUmkmArgs,
    RollupUmkmOut,
)
from rollup.sender import describe

blp = Blueprint("rollup_api", __name__, description="Roll-up to the association")


def is_hub() -> bool:
    return current_app.config.get("MART_MODE") == "association"


def mode_only(mode):
    """404 unless the app runs in ``mode`` (``association`` or ``branch``)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if is_hub() != (mode == "association"):
                raise NotFound(_("Not found."))
            return view(*args, **kwargs)

        return wrapped

    return decorator


def signed(view):
    """Check X-Mart-Branch / X-Mart-Signature over the raw body before anything else,
    so an unsigned request learns nothing (not even whether its body would validate).
    The body is read once, capped at MAX_CONTENT_LENGTH (413 beyond), and parsed as
    JSON only after the signature holds (400 when it is not JSON or nested too deep)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if not is_hub():
            raise NotFound(_("Not found."))
        kwargs["hub_branch"] = hub.authenticate(
            request.headers.get("X-Mart-Branch"),
            request.headers.get("X-Mart-Signature"),
            request.get_data(cache=True),
        )
        if not request.is_json or request.get_json(silent=True) is None:
            raise BadRequest(_("The body is not valid JSON."))
        return view(*args, **kwargs)

    return wrapped


def period(args, default_days=30):
    date_to = args.get("date_to") or hub.today()
    date_from = args.get("date_from") or (date_to - timedelta(days=default_days - 1))
    return date_from, date_to


# --- hub ------------------------------------------------------------------------------


@blp.route("/association/reports", methods=["POST"])
@csrf_exempt
@raw_body
@signed
@blp.arguments(RollupReportIn)
@blp.response(201, RollupIngestResultOut)
@blp.doc(
    security=[],
    description=(
        "A branch's daily report. Headers: `X-Mart-Branch: CODE`, "
        "`X-Mart-Signature: sha256=<hex HMAC-SHA256 of the raw body with the branch key>`. "
        "401: unknown branch, bad signature, or an older revision than the one held "
        "(then `errors.json.revision`). 200 with outcome `unchanged` for a report "
        "already received; 201 `created` or `replaced` (a newer revision)."
    ),
)
def post_report(data, hub_branch):
    report, outcome = hub.ingest(hub_branch, data, request.get_data(cache=True))
    # Read before the commit: after it the session would load them again (3 statements).
    result = {
        "branch_code": hub_branch.code,
        "date": report.date,
        "revision": report.revision,
        "outcome": outcome,
    }
    db.session.commit()
    return (result, 200) if outcome == "unchanged" else result


@blp.route("/association/summary")
@roles_required("association")
@mode_only("association")
@blp.arguments(RollupSummaryArgs, location="query")
@blp.response(200, RollupSummaryOut)
def get_summary(args):
    """Totals and one row per branch for a period (`from`, `to` inclusive; default the
    last 30 days). Sums for flows (sales, transactions...), the last report's values for
    states (members_total, capital, stock value). `per_page` (and `page`) pages the
    branch rows by code; without it every active branch is listed."""
    date_from, date_to = period(args)
    data = hub.summary(
        date_from, date_to, args.get("stale_days"), args.get("page"), args.get("per_page")
    )
    # Serialised here rather than by the schema (which documents it): 1,000 branches x
    # 40 figures through marshmallow cost more than the queries.
    return large_json(_plain(data))


def _plain(data: dict) -> dict:
    # The rows go out as they are: orjson (large_json) writes their dates as ISO text
    # itself. Converting 525,600 values first took a quarter of the answer's time.
    return {
        "from": data["date_from"].isoformat(),
        "to": data["date_to"].isoformat(),
        "stale_days": data["stale_days"],
        "totals": data["totals"],
        "branches": data["branches"],
        "branches_total": data["branches_total"],
        "page": data["page"],
        "per_page": data["per_page"],
    }


@blp.route("/association/breakdown")
@roles_required("association")
@mode_only("association")
@blp.arguments(RollupBreakdownArgs, location="query")
@blp.response(200, RollupBreakdownOut)
def get_breakdown(args):
    """The summary's totals per `kota` or per `kecamatan` (with its kota), computed as
    SQL aggregates; the same figures as the summary's totals for each group. `sort`:
    `name` (default) or `sales_net` (highest first); `per_page` (and `page`) gives one
    page of groups, ordered and cut by the database; without it every group is listed.
    `total` counts the groups, `totals` are those of every group (all pages)."""
    date_from, date_to = period(args)
    by, sort, stale = args["by"], args["sort"], args.get("stale_days")
    page, per_page = args.get("page"), args.get("per_page")
    items = hub.group_totals(date_from, date_to, by, stale, sort, page, per_page)
    total = hub.group_count(by) if per_page else len(items)
    # Every group listed: the totals are theirs added up (every figure adds up), not
    # the period read again.
    totals = (
        hub.group_totals(date_from, date_to, None, stale)
        if per_page
        else hub.totals_of_groups(items)
    )
    return large_json(
        {
            "from": date_from.isoformat(),
            "to": date_to.isoformat(),
            "by": by,
            "items": items,
            "sort": sort,
            "total": total,
            "page": (page or 1) if per_page else None,
            "per_page": per_page,
            "totals": totals,
        }
    )


@blp.route("/association/trend")
@roles_required("association")
@mode_only("association")
@blp.arguments(RollupTrendArgs, location="query")
@blp.response(200, RollupTrendOut)
def get_trend(args):
    """Sums over all branches per `day`, `week` (ISO, labelled by Monday) or `month`."""
    date_from, date_to = period(args, 90)
    items = hub.trend(date_from, date_to, args["by"])
    return {"by": args["by"], "items": items, "total": len(items)}


@blp.route("/association/umkm")
@roles_required("association")
@mode_only("association")
@blp.arguments(RollupUmkmArgs, location="query")
@blp.response(200, RollupUmkmOut)
def get_umkm(args):
    """UMKM suppliers' sales and consignment payouts through the marts per kecamatan
    (of the selling branch), by whole months from `from`'s month to `to`'s; the OK OCE
    stages the marts' figures speak to beside the movement's own counts; new UMKM
    suppliers per month. Only reports that carry `umkm_suppliers` count."""
    date_from, date_to = period(args, 365)
    data = hub.umkm(date_from, date_to, args.get("kecamatan"))
    return jsonify(_plain_umkm(data))


def _plain_umkm(data):
    return {
        "from": data["date_from"].isoformat(),
        "to": data["date_to"].isoformat(),
        "totals": data["totals"],
        "kecamatan": data["kecamatan"],
        "new_suppliers": [
            {"month": r["month"].isoformat(), "suppliers": r["suppliers"]}
            for r in data["new_suppliers"]
        ],
    }


@blp.route("/association/products")
@roles_required("association")
@mode_only("association")
@blp.arguments(RollupProductsArgs, location="query")
@blp.response(200, RollupProductsOut)
def get_products(args):
    """The best-selling products across the branches by whole months (from `from`'s
    month to `to`'s; default the last 365 days), from each branch's daily best sellers
    (`top_products` of its reports): per product (its barcode, or its name without one)
    sales, quantity and in how many branches, kecamatan and kota it sells; `umkm=true`
    for UMKM products only; at most `limit` (50)."""
    date_from, date_to = period(args, 365)
    return hub.products(date_from, date_to, args["limit"], args["umkm"])


@blp.route("/association/books-check")
@roles_required("association")
@mode_only("association")
@blp.response(200, RollupBooksCheckOut)
def get_books_check():
    """Branches whose books do not reconcile with their ledgers, as their newest report
    says (`books_check`, or `books.reconciled` from branches that send only that), with
    what differs; `checked` counts the active branches that sent a check."""
    return hub.books_unreconciled()


@blp.route("/association/stages", methods=["PUT"])
@roles_required("association")
@mode_only("association")
@blp.arguments(RollupStageCountsIn)
@blp.response(200, RollupStageCountsOut)
def put_stages(data):
    """The movement's own counts of entrepreneurs per OK OCE stage in one kecamatan,
    entered by association staff (`counts`: stage -> whole number; stages not named
    are left as they are)."""
    result = hub.set_stage_counts(
        data.get("kota", ""), data["kecamatan"], data["counts"], current_user.username
    )
    db.session.commit()
    return result


@blp.route("/association/branch-trend")
@roles_required("association")
@mode_only("association")
@blp.arguments(RollupBranchTrendArgs, location="query")
def get_branch_trend(args):
    """One branch's (`code`) figures per `month` (default over ten years) or `day`."""
    code = args["code"]
    date_to = args.get("date_to") or hub.today()
    date_from = args.get("date_from") or date_to.replace(year=date_to.year - 10)
    by = "day" if args["by"] == "day" else "month"
    data = hub.branch_trend(code, date_from, date_to, by)
    data["items"] = [{**r, "period": r["period"].isoformat()} for r in data["items"]]
    return jsonify(data)


@blp.route("/association/branches")
@roles_required("association")
@mode_only("association")
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(HubBranchOut))
def list_branches(args):
    return page_of(sa.select(HubBranch).order_by(HubBranch.code), args)


# --- branch ---------------------------------------------------------------------------


@blp.route("/rollup/daily")
@roles_required("manager")
@mode_only("branch")
@blp.arguments(RollupDailyArgs, location="query")
@blp.response(200, RollupDailyOut)
def get_daily(args):
    """The figures of one business day of this branch, computed now. `revision` is the
    last one built when nothing changed since (`built: true`), else the next one."""
    return branch_side.current_figures(args["date"])


@blp.route("/rollup/outbox")
@roles_required("manager")
@mode_only("branch")
@blp.arguments(RollupOutboxArgs, location="query")
@blp.response(200, page_schema(RollupOutboxOut))
def list_outbox(args):
    """The reports built, newest first, with their delivery state."""
    stmt = sa.select(RollupOutbox).order_by(RollupOutbox.date.desc(), RollupOutbox.revision.desc())
    if args.get("status"):
        stmt = stmt.where(RollupOutbox.status == args["status"])
    page = page_of(stmt, args)
    return {"items": [describe(row) for row in page["items"]], "total": page["total"]}
