"""Roll-up pages: the association's dashboard (hub) and the manager's page (branch)."""

import io
from datetime import date, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from sqlalchemy import select

from books.xlsx import DATE_ID
from mart import csvsafe, locale
from mart.auth import roles_required
from mart.errors import DomainError
from mart.extensions import db
from rollup import branch as branch_side
from rollup import hub, sender
from rollup.charts import trend_chart
from rollup.models import STAGES, RollupOutbox

bp = Blueprint(
    "rollup",
    __name__,
    url_prefix="/association",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
branch_bp = Blueprint("rollup_branch", __name__, url_prefix="/rollup")

# Columns of the branch table: (key, label, kind) - kind "money", "number" or "text".
BRANCH_COLUMNS = [
    ("code", _l("Code"), "text"),
    ("name", _l("Branch"), "text"),
    ("kota", _l("Kota/kabupaten"), "text"),
    ("kecamatan", _l("Kecamatan"), "text"),
    ("timezone_label", _l("Time zone"), "text"),
    ("business_day", _l("Business day now"), "date"),
    ("sales_net", _l("Net sales"), "money"),
    ("transactions", _l("Transactions"), "number"),
    ("average_basket", _l("Average basket"), "money"),
    ("member_sales", _l("Sales to members"), "money"),
    ("members_total", _l("Members"), "number"),
    ("capital_total", _l("Capital"), "money"),
    ("sales_per_member", _l("Sales per member"), "money"),
    ("capital_per_member", _l("Capital per member"), "money"),
    ("umkm_purchases", _l("UMKM purchases"), "money"),
    ("consignment_paid", _l("Consignment paid"), "money"),
    ("umkm_suppliers_active", _l("UMKM suppliers"), "number"),
    ("staff_count", _l("Staff"), "number"),
    ("days_reported", _l("Days reported"), "number"),
    ("figures_as_of", _l("Members and capital as of"), "date"),
    ("last_report_date", _l("Last report"), "date"),
    ("days_silent", _l("Days silent"), "number"),
]
GROUP_COLUMNS = [
    ("rank", _l("Rank"), "number"),
    ("branches", _l("Branches"), "number"),
    ("sales_net", _l("Net sales"), "money"),
    ("transactions", _l("Transactions"), "number"),
    ("average_basket", _l("Average basket"), "money"),
    ("members_total", _l("Members"), "number"),
    ("capital_total", _l("Capital"), "money"),
    ("sales_per_member", _l("Sales per member"), "money"),
    ("capital_per_member", _l("Capital per member"), "money"),
    ("umkm_purchases", _l("UMKM purchases"), "money"),
    ("staff_count", _l("Staff"), "number"),
    ("stale_branches", _l("Not reporting"), "number"),
]
TREND_COLUMNS = [
    ("period", _l("Period"), "text"),
    ("reports", _l("Reports"), "number"),
    ("sales_gross", _l("Gross sales"), "money"),
    ("returns", _l("Returns"), "money"),
    ("sales_net", _l("Net sales"), "money"),
    ("transactions", _l("Transactions"), "number"),
    ("member_sales", _l("Sales to members"), "money"),
    ("members_joined", _l("Members joined"), "number"),
    ("umkm_purchases", _l("UMKM purchases"), "money"),
]
METRICS = {
    "sales_net": _l("Net sales"),
    "transactions": _l("Transactions"),
    "member_sales": _l("Sales to members"),
    "umkm_purchases": _l("UMKM purchases"),
}
UMKM_COLUMNS = [
    ("kota", _l("Kota/kabupaten"), "text"),
    ("kecamatan", _l("Kecamatan"), "text"),
    ("suppliers", _l("UMKM suppliers"), "number"),
    ("selling_suppliers", _l("Selling through a mart"), "number"),
    ("suppliers_with_permit", _l("With a permit (IUMK/NIB)"), "number"),
    ("suppliers_with_page", _l("With their own supplier page"), "number"),
    ("member_suppliers", _l("Members"), "number"),
    ("sales", _l("UMKM sales"), "money"),
    ("consignment_paid", _l("Consignment paid"), "money"),
    ("umkm_share_percent", _l("UMKM share of sales (%)"), "text"),
]
STAGE_LABELS = {
    "pendaftaran": _l("Registration"),
    "pelatihan": _l("Training"),
    "pendampingan": _l("Mentoring"),
    "perizinan": _l("Permits"),
    "pemasaran": _l("Marketing"),
    "pelaporan_keuangan": _l("Financial reporting"),
    "permodalan": _l("Access to capital"),
}
PRODUCT_COLUMNS = [
    ("rank", _l("Rank"), "number"),
    ("name", _l("Product"), "text"),
    ("barcode", _l("Barcode"), "text"),
    ("umkm_label", _l("UMKM"), "text"),
    ("supplier", _l("UMKM supplier"), "text"),
    ("quantity", _l("Quantity"), "quantity"),
    ("sales", _l("Sales"), "money"),
    ("branches", _l("Branches"), "number"),
    ("kecamatan", _l("Kecamatan"), "number"),
    ("kota", _l("Kota/kabupaten"), "number"),
]
BOOKS_COLUMNS = [
    ("code", _l("Code"), "text"),
    ("name", _l("Branch"), "text"),
    ("kota", _l("Kota/kabupaten"), "text"),
    ("kecamatan", _l("Kecamatan"), "text"),
    ("as_of", _l("Report of"), "date"),
    ("differences_text", _l("What differs"), "text"),
]
EXPORTS = ("branches", "kota", "kecamatan", "trend", "stale", "umkm", "products", "books")


def _is_hub():
    return current_app.config.get("MART_MODE") == "association"


def _date_arg(name, default):
    raw = request.args.get(name)
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        flash(_("Not a date (YYYY-MM-DD): %(value)s", value=raw), "error")
        return default


def _int_arg(name, default, low, high):
    try:
        value = int(request.args.get(name, default))
    except ValueError:
        return default
    return min(max(value, low), high)


def _with_capital(rows):
    for row in rows:
        row["capital_total"] = row["capital_pokok"] + row["capital_wajib"] + row["capital_sukarela"]
        members = row["members_total"]
        row["sales_per_member"] = row["sales_net"] // members if members else None
        row["capital_per_member"] = row["capital_total"] // members if members else None
    return rows


def _ranked(rows):
    """Group rows ranked by net sales (1 = most), the map-free ranking."""
    rows = sorted(rows, key=lambda r: -r["sales_net"])
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows


# The dashboard's long tables (branches, kecamatan, silent branches) show this many rows
# a page; the CSV/XLSX exports give every row.
PAGE_SIZE = 50


def _period_args():
    """The period, flag days, trend grouping and figure the dashboard's arguments ask for."""
    today = hub.today()
    date_to = _date_arg("to", today)
    # by default the last 30 days, today included (a rolling window, not month to date)
    date_from = _date_arg("from", date_to - timedelta(days=29))
    if date_from > date_to:
        flash(_("'From' was after 'to'; the two were swapped."), "warning")
        date_from, date_to = date_to, date_from
    if (date_to - date_from).days > 3660:
        date_from = date_to - timedelta(days=3660)
    default_stale = int(current_app.config["MART_ROLLUP_STALE_DAYS"])
    stale_days = _int_arg("stale", default_stale, 0, 3650)
    by = request.args.get("by") if request.args.get("by") in ("day", "week", "month") else None
    if by is None:
        span = (date_to - date_from).days
        by = "day" if span <= 62 else ("week" if span <= 370 else "month")
    metric = request.args.get("metric") if request.args.get("metric") in METRICS else "sales_net"
    sort = request.args.get("sort")
    if sort not in {key for key, _label, _kind in BRANCH_COLUMNS}:
        sort = "sales_net"
    descending = request.args.get("dir", "desc" if sort not in ("code", "name") else "asc") != "asc"
    return {
        "date_from": date_from,
        "date_to": date_to,
        "stale_days": stale_days,
        "by": by,
        "metric": metric,
        "sort": sort,
        "descending": descending,
        # today's figures are partial: branches report a day after it closes
        "partial_day": date_to >= today,
    }


def _pages(total):
    return max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)


def _page_arg(name, total):
    """The page asked for in ``name``, within 1 and the last page of ``total`` rows."""
    return _int_arg(name, 1, 1, _pages(total))


def _pager(name, page, total, anchor):
    """A table's pager: its page, the number of pages, the links to the pages before
    and after (every other argument of the request kept)."""
    pages = _pages(total)

    def link(n):
        args = request.args.to_dict()
        args[name] = n
        return url_for("rollup.dashboard", **args) + f"#{anchor}"

    return {
        "name": name,
        "page": page,
        "pages": pages,
        "previous": link(page - 1) if page > 1 else None,
        "next": link(page + 1) if page < pages else None,
    }


def _dashboard_data():
    """What the dashboard shows: the totals, and one page of each long table (the
    branches, by the asked order; the kecamatan, highest net sales first; the silent
    branches), never a row per branch of the whole country."""
    data = _period_args()
    date_from, date_to, stale_days = data["date_from"], data["date_to"], data["stale_days"]
    branches_total = hub.branch_count()
    page = _page_arg("page", branches_total)
    kecamatan_total = hub.group_count("kecamatan")
    kec_page = _page_arg("kec_page", kecamatan_total)
    # Every kota and a page of the kecamatan from one reading of the period's sums, and
    # in the default order (net sales, highest first) the branch page too; the totals
    # are the kota's added up (every figure adds up), not read again.
    by_sales = data["sort"] == "sales_net" and data["descending"]
    kota, kecamatan, ids = hub.dashboard_tables(
        date_from, date_to, stale_days, kec_page, PAGE_SIZE, page if by_sales else None
    )
    summary = hub.summary(
        date_from,
        date_to,
        stale_days,
        page,
        PAGE_SIZE,
        data["sort"],
        data["descending"],
        totals=False,
        ids=ids,
    )
    totals = hub.totals_of_groups(kota)
    totals["capital_total"] = totals["capital_pokok"] + totals["capital_wajib"]
    totals["capital_total"] += totals["capital_sukarela"]
    kecamatan = _with_capital(kecamatan)
    for n, row in enumerate(kecamatan, start=(kec_page - 1) * PAGE_SIZE + 1):
        row["rank"] = n
    # Every kota is read (the totals add them up), one page is shown: 514 rows of
    # figures took a third of the page's time to render.
    kota = _ranked(kota)
    kota_page = _page_arg("kota_page", len(kota))
    kota_shown = _with_capital(kota[(kota_page - 1) * PAGE_SIZE : kota_page * PAGE_SIZE])
    # the silent branches, counted in the totals (the same rule: rollup.hub._is_stale)
    stale_count = totals["stale_branches"]
    stale_page = _page_arg("stale_page", stale_count)
    return {
        **data,
        "totals": totals,
        "branches": _with_capital(summary["branches"]),
        "branches_pager": _pager("page", page, branches_total, "branches"),
        "kota": kota_shown,
        "kota_pager": _pager("kota_page", kota_page, len(kota), "kota"),
        "kecamatan": kecamatan,
        "kecamatan_pager": _pager("kec_page", kec_page, kecamatan_total, "kecamatan"),
        "trend": hub.trend(date_from, date_to, data["by"]),
        "stale": hub.stale_branches(stale_days, stale_page, PAGE_SIZE)["items"],
        "stale_pager": _pager("stale_page", stale_page, stale_count, "stale"),
    }


def warm_up():
    """The reads of the dashboard (its default page) and of the summary and breakdown
    APIs, once, for their statements (``rollup._warm_up``)."""
    data = _dashboard_data()
    date_from, date_to = data["date_from"], data["date_to"]
    hub.summary(date_from, date_to)
    hub.summary(date_from, date_to, None, 1, PAGE_SIZE)  # the API's pages, by code
    for by in ("kota", "kecamatan"):
        for sort in hub.GROUP_SORTS:
            hub.group_totals(date_from, date_to, by, None, sort)
            hub.group_totals(date_from, date_to, by, None, sort, 1, PAGE_SIZE)


def _all_branches(data):
    """Every active branch's row for the period, in the asked order (the exports)."""
    rows = hub.summary(data["date_from"], data["date_to"], data["stale_days"])["branches"]
    rows = _with_capital(rows)
    sort = data["sort"]
    rows.sort(
        key=lambda r: (r[sort] is None, r[sort] if r[sort] is not None else 0),
        reverse=data["descending"],
    )
    return rows


def _period_label(value, by):
    """The period as the CSV/XLSX exports carry it (``2026-11``, ``2026-W45``, ISO day)."""
    if by == "month":
        return value.strftime("%Y-%m")
    if by == "week":
        return value.strftime("%G-W%V")
    return value.isoformat()


def _period_text(value, by):
    """The period as the page and its chart show it: ``Nov 2026``; a week by its
    Monday and a day as ``3 Nov 2026`` (mart.locale)."""
    if by == "month":
        return locale.format_month(value)
    return locale.format_date(value)


@bp.route("/")
@roles_required("association")
def dashboard():
    if not _is_hub():
        return render_template("rollup/not_hub.html")
    data = _dashboard_data()
    points = [(_period_text(p["period"], data["by"]), p[data["metric"]]) for p in data["trend"]]
    chart = trend_chart(points, str(METRICS[data["metric"]]))
    query = {
        "from": data["date_from"].isoformat(),
        "to": data["date_to"].isoformat(),
        "stale": data["stale_days"],
        "by": data["by"],
        "metric": data["metric"],
    }
    return render_template(
        "rollup/dashboard.html",
        chart=chart,
        query=query,
        metrics=METRICS,
        branch_columns=BRANCH_COLUMNS,
        group_columns=GROUP_COLUMNS,
        trend_columns=TREND_COLUMNS,
        exports=EXPORTS,
        period_label=_period_text,
        zones=[(zone, hub.TIMEZONES[zone], day) for zone, day in hub.business_days().items()],
        umkm={"kecamatan": _umkm_rows(data)},
        products=_product_rows(data),
        books=_books_rows(),
        books_columns=BOOKS_COLUMNS,
        product_columns=PRODUCT_COLUMNS,
        umkm_columns=UMKM_COLUMNS,
        stages=STAGES,
        stage_labels=STAGE_LABELS,
        **data,
    )


def _umkm_rows(data):
    umkm = hub.umkm(data["date_from"], data["date_to"])
    return [
        {**r, "umkm_share_percent": f"{r['umkm_share'] * 100:.1f}".replace(".", ",")}
        for r in umkm["kecamatan"]
    ]


def _product_rows(data):
    """The top products across branches (by whole months of the period), ranked."""
    rows = hub.products(data["date_from"], data["date_to"], 50)["items"]
    return [
        {
            **r,
            "rank": n,
            "umkm_label": str(_("Yes")) if r["umkm"] else "",
            "quantity_text": locale.format_quantity(r["quantity"], r["unit"]),
        }
        for n, r in enumerate(rows, start=1)
    ]


def _books_rows():
    """Branches whose books do not reconcile (their newest report's check)."""
    books = hub.books_unreconciled()
    for row in books["items"]:
        if row["differences"] is None:
            row["differences_text"] = str(_("Not reconciled (no details sent)"))
        else:
            row["differences_text"] = "; ".join(row["differences"])
    return books


@bp.route("/export/<table>.csv")
@roles_required("association")
def export(table):
    """Every table of the dashboard as CSV."""
    return _export(table, "csv")


@bp.route("/export/<table>.xlsx")
@roles_required("association")
def export_xlsx(table):
    """Every table of the dashboard as XLSX (the same columns as the CSV)."""
    return _export(table, "xlsx")


def _export(table, fmt):
    if not _is_hub() or table not in EXPORTS or fmt not in ("csv", "xlsx"):
        abort(404)
    data = _period_args()
    if table == "umkm":
        columns, rows = UMKM_COLUMNS, _umkm_rows(data)
    elif table == "products":
        columns, rows = PRODUCT_COLUMNS, _product_rows(data)
    elif table == "books":
        columns, rows = BOOKS_COLUMNS, _books_rows()["items"]
    elif table == "trend":
        columns = TREND_COLUMNS
        rows = hub.trend(data["date_from"], data["date_to"], data["by"])
        rows = [{**r, "period": _period_label(r["period"], data["by"])} for r in rows]
    elif table in ("kota", "kecamatan"):
        first = [("kota", _l("Kota/kabupaten"), "text")]
        if table == "kecamatan":
            first.append(("kecamatan", _l("Kecamatan"), "text"))
        groups = hub.group_totals(data["date_from"], data["date_to"], table, data["stale_days"])
        columns, rows = first + GROUP_COLUMNS, _ranked(_with_capital(groups))
    else:
        columns = BRANCH_COLUMNS + [
            ("timezone", _l("Time zone"), "text"),
            ("days_since_report", _l("Days since report"), "number"),
        ]
        rows = _all_branches(data)
        if table == "stale":
            rows = [r for r in rows if r["stale"]]
    name = f"okoce-{table}-{data['date_from'].isoformat()}-{data['date_to'].isoformat()}.{fmt}"
    if fmt == "xlsx":
        return Response(
            _xlsx(columns, rows, table),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow([str(label) for _key, label, _kind in columns])
    for row in rows:
        writer.writerow(["" if row.get(key) is None else row.get(key) for key, _l_, _k in columns])
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _xlsx_value(value, kind):
    """A date column's ISO text as a real date (a spreadsheet sorts and filters it)."""
    if kind == "date" and isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value


def _xlsx(columns, rows, title) -> bytes:
    """One sheet: the labels (Bahasa Indonesia) as the header row, numbers as numbers
    (rupiah with a thousands format), dates as dates."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([str(label) for _key, label, _kind in columns])
    for row in rows:
        sheet.append([_xlsx_value(row.get(key), kind) for key, _label, kind in columns])
    for index, (_key, _label, kind) in enumerate(columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        if kind == "money":
            for cell in sheet[letter][1:]:
                cell.number_format = "#,##0"
        elif kind == "date":
            for cell in sheet[letter][1:]:
                cell.number_format = DATE_ID  # "8 Okt 2025", a real date
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- branch: the manager's page -------------------------------------------------------


@branch_bp.route("/")
@roles_required("manager")
def branch_page():
    if _is_hub():
        return redirect(url_for("rollup.dashboard"))
    day = _date_arg("date", branch_side.last_closed_day())
    figures = branch_side.current_figures(day)

    rows = db.session.scalars(select(RollupOutbox).order_by(RollupOutbox.id.desc()).limit(30)).all()
    return render_template(
        "rollup/branch.html",
        day=day,
        figures=figures,
        status=sender.outbox_status(),
        outbox=[sender.describe(r) for r in rows],
        hub_url=sender.reports_url(),
    )


@branch_bp.route("/push", methods=["POST"])
@roles_required("manager")
def push():
    if _is_hub():
        abort(404)
    try:
        day = date.fromisoformat(request.form.get("date", ""))
    except ValueError:
        flash(_("Not a date (YYYY-MM-DD): %(value)s", value=request.form.get("date", "")), "error")
        return redirect(url_for("rollup_branch.branch_page"))
    try:
        row, created = branch_side.build_report(day)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("rollup_branch.branch_page", date=day.isoformat()))
    sender.send_due(force=True)

    if db.session.get(RollupOutbox, row.id).status == "sent":
        flash(_("Report of %(day)s, revision %(rev)s: sent.", day=day, rev=row.revision), "success")
    else:
        flash(
            _(
                "Report of %(day)s, revision %(rev)s is queued: the association could not "
                "be reached. It will be retried.",
                day=day,
                rev=row.revision,
            ),
            "warning",
        )
    return redirect(url_for("rollup_branch.branch_page", date=day.isoformat()))
