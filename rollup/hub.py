"""Hub side (MART_MODE=association): branches, ingesting signed reports, the summaries.

Ingest keeps these consistent in the request's one transaction: the report row (the
newest revision of a branch's day), and the summary tables ``hub_monthly`` (branch x
month), ``hub_yearly`` (branch x year) and ``hub_daily`` (date, all branches), which
receive the difference between the new and the replaced figures with atomic upserts
(``INSERT ... ON CONFLICT DO UPDATE SET x = x + excluded.x``), so that concurrent
ingests never lose an update; and each report's running totals (``cum_*``: its
branch's sums up to that day), the day's own and every later day's, under the branch's
row lock. A period's sums per branch are the totals at its end less those at the day
before its start (``_ends``).
"""

import functools
import json
import re
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from mart import audit
from mart.db import utcnow
from mart.errors import Conflict, InvalidInput, NotFound, Unauthorized
from mart.extensions import db
from rollup import keys, partitions
from rollup.models import (
    CUM_FIELDS,
    POINT_FIELDS,
    STAGES,
    SUM_FIELDS,
    HubBranch,
    HubDaily,
    HubLatest,
    HubMonthly,
    HubProductMonthly,
    HubReport,
    HubStageCount,
    HubUmkmMonthly,
    HubUmkmSupplier,
    HubYearly,
)

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
# Indonesia's three time zones: a branch's business day follows its own.
TIMEZONES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
DEFAULT_TIMEZONE = "Asia/Jakarta"


# --- branches -------------------------------------------------------------------------


def add_branch(
    code, name, kota="", kecamatan="", timezone=DEFAULT_TIMEZONE
) -> tuple[HubBranch, str]:
    """Register a branch; returns it and its new key (shown once). Flushes.

    Raises InvalidInput for a bad code, empty name or a time zone outside Indonesia's
    three, Conflict for a code in use.
    """
    code = (code or "").strip()
    timezone = (timezone or DEFAULT_TIMEZONE).strip()
    if timezone not in TIMEZONES:
        raise InvalidInput(
            _("The time zone must be one of %(zones)s.", zones=", ".join(TIMEZONES)),
            field="timezone",
        )
    if not CODE_RE.match(code):
        raise InvalidInput(
            _("A branch code is 1 to 32 letters, digits, '-', '_' or '.'."), field="code"
        )
    if not (name or "").strip():
        raise InvalidInput(_("The name is required."), field="name")
    if db.session.scalar(sa.select(HubBranch.id).where(HubBranch.code == code)):
        raise Conflict(_("Branch %(code)s is already registered.", code=code))
    key = keys.new_branch_key()
    branch = HubBranch(
        code=code,
        name=name.strip(),
        kota=(kota or "").strip(),
        kecamatan=(kecamatan or "").strip(),
        timezone=timezone,
        key_encrypted=keys.encrypt_key(key),
        key_rotated_at=utcnow(),
    )
    db.session.add(branch)
    db.session.flush()
    audit.record(
        "rollup.add_branch", "hub_branch", branch.id, after={"code": code, "timezone": timezone}
    )
    return branch, key


def get_branch(code) -> HubBranch:
    branch = db.session.scalar(sa.select(HubBranch).where(HubBranch.code == code))
    if branch is None:
        raise NotFound(_("Unknown branch %(code)s.", code=code))
    return branch


def rotate_key(code) -> str:
    """A new key for branch ``code``; the old one stops working. Flushes."""
    branch = get_branch(code)
    key = keys.new_branch_key()
    branch.key_encrypted = keys.encrypt_key(key)
    branch.key_rotated_at = utcnow()
    db.session.flush()
    audit.record("rollup.rotate_key", "hub_branch", branch.id, note=code)
    return key


def reencrypt_keys() -> int:
    n = 0
    for branch in db.session.scalars(sa.select(HubBranch)):
        branch.key_encrypted = keys.reencrypt(branch.key_encrypted)
        n += 1
    db.session.flush()
    return n


# --- ingest ---------------------------------------------------------------------------


def authenticate(code: str | None, signature: str | None, raw: bytes) -> HubBranch:
    """The branch that signed ``raw``; Unauthorized for an unknown branch or a bad
    signature (the same message for both, so codes cannot be probed)."""
    message = _("Unknown branch or bad signature.")
    if not code or not signature:
        raise Unauthorized(message)
    branch = db.session.scalar(
        sa.select(HubBranch).where(HubBranch.code == code, HubBranch.active.is_(True))
    )
    if branch is None:
        raise Unauthorized(message)
    key = keys.decrypt_key(branch.key_encrypted)
    if key is None or not keys.signature_valid(raw, key, signature):
        raise Unauthorized(message)
    return branch


def _columns(data: dict) -> dict:
    capital = data.get("capital") or {}
    stock = data.get("stock_value") or {}
    values = {name: int(data.get(name) or 0) for name in SUM_FIELDS}
    values.update(
        members_total=int(data.get("members_total") or 0),
        capital_pokok=int(capital.get("pokok") or 0),
        capital_wajib=int(capital.get("wajib") or 0),
        capital_sukarela=int(capital.get("sukarela") or 0),
        stock_value_cost=int(stock.get("owned_at_cost") or 0),
        stock_consigned=int(stock.get("consigned_at_supplier_price") or 0),
        umkm_suppliers_active=int(data.get("active_umkm_suppliers") or 0),
        umkm_suppliers_members=int(data.get("member_suppliers") or 0),
        staff_count=int(data.get("staff_count") or 0),
    )
    return values


def _insert(table, dialect: str):
    return (postgresql if dialect == "postgresql" else sqlite).insert(table)


@functools.cache
def _excluded(table):
    """The upsert's ``excluded`` row of ``table``: what ``insert(...).excluded`` gives
    (the table aliased as ``excluded``), made once per table. Each statement's own
    built its column collection anew, about 1 ms of CPU a statement and a quarter of
    a report's ingest (cProfile of the roll-up tests)."""
    return sa.alias(table, name="excluded").columns


# The ingest statements are built once per dialect and shape of report and reused, their
# values bound at execution (``{prefix}_{column}`` parameters, the prefix one per
# statement, so that the parameters of one batch of CTEs never clash): SQLAlchemy keeps
# a statement object's cache key, so a report compiles nothing its shape has not
# compiled before. (Built anew, and with multi-row VALUES, which have no cache key, every
# report compiled its whole batch again: half of its CPU.)


def _params(prefix: str, table, names) -> dict:
    """``{column: bindparam}``: a parameter ``{prefix}_{column}`` typed as the column of
    ``table``, per name."""
    return {n: sa.bindparam(f"{prefix}_{n}", type_=table.c[n].type) for n in names}


def _bound(prefix: str, values: dict) -> dict:
    """The values of ``_params(prefix, ...)``, named as those are."""
    return {f"{prefix}_{n}": v for n, v in values.items()}


def _rows_insert(dialect: str, table, prefix: str, fixed: tuple, per_row: tuple):
    """An INSERT of any number of rows of ``table`` in a statement of one shape: the
    columns ``fixed`` one value for every row, those ``per_row`` their own. On
    PostgreSQL ``INSERT ... SELECT ... FROM unnest(...)`` of one array a column; elsewhere
    one row, executed once per row (executemany). See ``_rows_bound``."""
    insert, fixed_params = _insert(table, dialect), _params(prefix, table, fixed)
    if dialect != "postgresql":
        return insert.values({**fixed_params, **_params(prefix, table, per_row)})
    arrays = [
        sa.bindparam(f"{prefix}_{n}", type_=postgresql.ARRAY(table.c[n].type)) for n in per_row
    ]
    rows = (
        sa.func.unnest(*arrays)
        .table_valued(*(sa.column(n, table.c[n].type) for n in per_row))
        .render_derived(name=f"{prefix}_rows")
    )
    columns = [*fixed_params.values(), *(rows.c[n] for n in per_row)]
    return insert.from_select([*fixed, *per_row], sa.select(*columns).select_from(rows))


def _rows_bound(dialect: str, prefix: str, fixed: dict, rows: list[dict]):
    """The parameters of a ``_rows_insert`` statement for ``rows`` (not empty): on
    PostgreSQL one dict of arrays, elsewhere a list of dicts, one a row."""
    if dialect != "postgresql":
        return [_bound(prefix, {**fixed, **row}) for row in rows]
    arrays = {n: [row[n] for row in rows] for n in rows[0]}
    return _bound(prefix, {**fixed, **arrays})


@functools.cache
def _report_insert(dialect: str, names: tuple):
    """The new day's report, if the branch has none of that day yet (its running totals
    are set by ``_running_totals`` after). On PostgreSQL it first takes the branch's
    row lock (``FOR NO KEY UPDATE``, held to the commit): two reports of one branch
    ingested at once are serialised, so the next statement, which reads the running
    totals of the branch's earlier days, sees the other's commit (READ COMMITTED: each
    statement a new snapshot) and neither loses the other's figures."""
    table = HubReport.__table__
    params = _params("r", table, names)
    insert = _insert(table, dialect)
    if dialect == "postgresql":
        hb = HubBranch.__table__
        lock = (
            sa.select(hb.c.id)
            .where(hb.c.id == params["branch_id"])
            .with_for_update(key_share=True)
            .subquery("branch_lock")
        )
        insert = insert.from_select(list(names), sa.select(*params.values()).select_from(lock))
    else:
        insert = insert.values(params)
    return insert.on_conflict_do_nothing(index_elements=["branch_id", "date"]).returning(
        table.c.branch_id
    )


def ingest(branch: HubBranch, data: dict, raw: bytes) -> tuple[HubReport, str]:
    """Store a verified, validated report. Returns ``(report, outcome)``, outcome being
    ``created``, ``replaced`` or ``unchanged``; a created report is returned transient
    (written with Core, not held by the session). Flushes.

    Lean: a new day (the usual case) is one ``INSERT ... ON CONFLICT DO NOTHING``, and
    everything it changes besides (the branch's last day, hub_latest, the UMKM and the
    monthly, yearly and daily summaries) one more statement on PostgreSQL (data-modifying
    CTEs, the UMKM and product rows unnested from arrays); only a day already held is
    read (``SELECT ... FOR UPDATE``) and decided. Every statement is built once per
    shape of report and reused with its values as parameters, so that the engine
    compiles it once (see ``_params``).

    Raises InvalidInput when the body names another branch, Unauthorized (naming
    ``revision``) for a revision older than the one held, Conflict for the same
    revision with different content.
    """
    if data["branch_code"] != branch.code:
        raise InvalidInput(_("The report is for another branch."), field="branch_code")
    dialect = db.session.get_bind().dialect.name
    day, revision = data["date"], data["revision"]
    # The year's partition exists before the row goes in (PostgreSQL; cached per process).
    partitions.ensure_years(db.engine, [day.year])
    values = _columns(data)
    body = raw.decode()
    now = utcnow()
    new_row = dict(branch_id=branch.id, date=day, revision=revision, body=body, received_at=now)
    new_row.update(values)
    # Two senders of the same day at once: the second waits for the first's commit, then
    # does nothing and decides below against the row the first stored.
    inserted = db.session.execute(
        _report_insert(dialect, tuple(new_row)), _bound("r", new_row)
    ).first()
    old_suppliers, old_products = [], []
    if inserted is not None:
        report = HubReport(**new_row)
        delta = {name: values[name] for name in SUM_FIELDS}
        delta["reports"] = 1
        outcome = "created"
    else:
        query = sa.select(HubReport).where(HubReport.branch_id == branch.id, HubReport.date == day)
        if dialect == "postgresql":
            query = query.with_for_update()
        report = db.session.scalar(query.execution_options(populate_existing=True))
        if revision < report.revision:
            raise Unauthorized(
                _("An older revision than the one received."),
                errors={
                    "json": {
                        "revision": [
                            _("Revision %(n)s of this day was already received.", n=report.revision)
                        ]
                    }
                },
            )
        if revision == report.revision:
            if json.loads(report.body) == json.loads(body):
                return report, "unchanged"
            raise Conflict(_("This revision was already received with other figures."))
        delta = {name: values[name] - getattr(report, name) for name in SUM_FIELDS}
        delta["reports"] = 0
        old_body = json.loads(report.body)
        old_suppliers = old_body.get("umkm_suppliers") or []
        old_products = old_body.get("top_products") or []
        for name, value in values.items():
            setattr(report, name, value)
        report.revision, report.body, report.received_at = revision, body, now
        db.session.flush()
        outcome = "replaced"
    statements = [
        (_branch_last_day(), _bound("b", {"id": branch.id, "day": day, "received_at": now})),
        *_running_totals(dialect, branch.id, day, delta, values, outcome),
        _keep_latest(dialect, branch.id, day, values, delta, _books_check(data)),
        *_add_umkm(dialect, branch.id, day, old_suppliers, data.get("umkm_suppliers") or []),
        *_add_products(dialect, branch.id, day, old_products, data.get("top_products") or []),
        # Last: the per-date row is shared by every branch reporting that day, so its
        # lock is held for the shortest time (until the commit that follows).
        *_add_to_summaries(dialect, branch.id, day, delta, values),
    ]
    _execute_together(dialect, statements)
    return report, outcome


def _execute_together(dialect: str, statements: list[tuple]):
    """``statements`` are ``(statement, parameters)``. On PostgreSQL one round trip: the
    statements but the last as data-modifying CTEs of the last (they run on one
    snapshot; each touches its own table), their parameters merged (their names differ),
    the batch built once per sequence of statements. Elsewhere one after the other
    (a list of parameters: executemany)."""
    if dialect != "postgresql" or len(statements) == 1:
        for stmt, params in statements:
            db.session.execute(stmt, params)
        return
    params = {}
    for _stmt, part in statements:
        params.update(part)
    db.session.execute(_batch(tuple(stmt for stmt, _params in statements)), params)


@functools.cache
def _batch(statements: tuple):
    *first, last = statements
    return last.add_cte(*[s.cte(f"w{n}") for n, s in enumerate(first)])


@functools.cache
def _branch_last_day():
    """The branch's last day reported (the later of the held one and ``b_day``) and
    when it last sent one."""
    hb = HubBranch.__table__
    day = sa.bindparam("b_day", type_=hb.c.last_report_date.type)
    return (
        sa.update(hb)
        .where(hb.c.id == sa.bindparam("b_id", type_=hb.c.id.type))
        .values(
            last_report_date=sa.case(
                (hb.c.last_report_date.is_(None), day),
                (hb.c.last_report_date < day, day),
                else_=hb.c.last_report_date,
            ),
            last_received_at=sa.bindparam("b_received_at", type_=hb.c.last_received_at.type),
        )
    )


def _books_check(data: dict) -> dict:
    """What the report says of its books' check: ``books_check`` (newer branches), else
    ``books.reconciled``; nothing (None) from a branch without books."""
    check = data.get("books_check")
    if check is not None:
        return {
            "books_ok": bool(check["ok"]),
            "books_differences": json.dumps(check["differences"]),
        }
    books = data.get("books")
    if isinstance(books, dict) and isinstance(books.get("reconciled"), bool):
        return {"books_ok": books["reconciled"], "books_differences": None}
    return {"books_ok": None, "books_differences": None}


LATEST = ("date", *POINT_FIELDS, "books_ok", "books_differences")
SUMMED = ("reports", *SUM_FIELDS)


def _keep_latest(dialect, branch_id, day, values, delta, books=None) -> tuple:
    """hub_latest holds the state figures (and the books' check) of the branch's newest
    day, and the branch's running totals over all its reports (``delta`` added, whatever
    the day)."""
    row = {"branch_id": branch_id, "date": day, **{n: values[n] for n in POINT_FIELDS}}
    row.update(books or {"books_ok": None, "books_differences": None})
    row.update({f"cum_{n}": delta[n] for n in SUMMED})
    return _latest_upsert(dialect), _bound("l", row)


@functools.cache
def _latest_upsert(dialect: str):
    table = HubLatest.__table__
    stmt = _insert(table, dialect).values(_params("l", table, ("branch_id", *LATEST, *CUM_FIELDS)))
    newer = _excluded(table).date >= table.c.date
    return stmt.on_conflict_do_update(
        index_elements=["branch_id"],
        set_={
            **{n: sa.case((newer, _excluded(table)[n]), else_=table.c[n]) for n in LATEST},
            **{n: table.c[n] + _excluded(table)[n] for n in CUM_FIELDS},
        },
    )


def _running_totals(dialect, branch_id, day, delta, values, outcome) -> list:
    """The statement keeping the branch's running totals exact (with its parameters):
    the day's own (those of its last report before, 0 without one, plus its figures)
    and every later day's (``delta`` added; reports in date order have none). A
    revision that changes no sum changes no total: nothing."""
    if outcome == "replaced" and not any(delta.values()):
        return []
    params = {"branch_id": branch_id, "day": day}
    params.update({f"v_{n}": (1 if n == "reports" else values[n]) for n in SUMMED})
    params.update({f"d_{n}": delta[n] for n in SUMMED})
    return [(_totals_update(), _bound("c", params))]


@functools.cache
def _totals_update():
    r = HubReport.__table__
    branch_id = sa.bindparam("c_branch_id", type_=r.c.branch_id.type)
    day = sa.bindparam("c_day", type_=r.c.date.type)
    before = (
        sa.select(*[r.c[c] for c in CUM_FIELDS])
        .where(r.c.branch_id == branch_id, r.c.date < day)
        .order_by(r.c.date.desc())
        .limit(1)
        .subquery("before")
    )
    # Exactly one row (0 without an earlier report), joined on the branch.
    prev = sa.select(
        branch_id.label("branch_id"),
        *[sa.func.coalesce(sa.func.max(before.c[c]), 0).label(c) for c in CUM_FIELDS],
    ).subquery("prev")
    own = r.c.date == day

    def param(name):
        return sa.bindparam(name, type_=sa.BigInteger)

    return (
        sa.update(r)
        .where(r.c.branch_id == prev.c.branch_id, r.c.branch_id == branch_id, r.c.date >= day)
        .values(
            {
                f"cum_{n}": sa.case(
                    (own, prev.c[f"cum_{n}"] + param(f"c_v_{n}")),
                    else_=r.c[f"cum_{n}"] + param(f"c_d_{n}"),
                )
                for n in SUMMED
            }
        )
    )


UMKM_SUMS = ("sales", "consignment_paid")
SUPPLIER_DESCRIPTION = ("name", "member", "permit", "has_page")


def _add_umkm(dialect, branch_id, day, old: list, new: list) -> list:
    """The statements (with their parameters) that add the difference between a day's
    old and new per-supplier figures to the monthly UMKM summary and update the
    suppliers' descriptions (first and last day seen): one upsert of all rows each."""
    deltas: dict[str, dict] = {}
    for sign_, rows in ((-1, old), (1, new)):
        for row in rows:
            d = deltas.setdefault(str(row["ref"]), dict.fromkeys(UMKM_SUMS, 0))
            for n in UMKM_SUMS:
                d[n] += sign_ * int(row.get(n) or 0)
    out = []
    changed = [{"ref": ref, **deltas[ref]} for ref in sorted(deltas) if any(deltas[ref].values())]
    if changed:
        fixed = {"branch_id": branch_id, "month": day.replace(day=1)}
        out.append((_umkm_upsert(dialect), _rows_bound(dialect, "um", fixed, changed)))
    described = {}
    for row in new:  # one row per supplier (the last one named wins)
        described[str(row["ref"])] = {
            "ref": str(row["ref"]),
            "name": row.get("name") or "",
            **{n: bool(row.get(n)) for n in ("member", "permit", "has_page")},
        }
    if described:
        fixed = {"branch_id": branch_id, "first_date": day, "last_date": day}
        rows = [described[ref] for ref in sorted(described)]
        out.append((_suppliers_upsert(dialect), _rows_bound(dialect, "us", fixed, rows)))
    return out


@functools.cache
def _umkm_upsert(dialect: str):
    table = HubUmkmMonthly.__table__
    stmt = _rows_insert(dialect, table, "um", ("branch_id", "month"), ("ref", *UMKM_SUMS))
    return stmt.on_conflict_do_update(
        index_elements=["branch_id", "month", "ref"],
        set_={n: table.c[n] + _excluded(table)[n] for n in UMKM_SUMS},
    )


@functools.cache
def _suppliers_upsert(dialect: str):
    table = HubUmkmSupplier.__table__
    fixed, per_row = ("branch_id", "first_date", "last_date"), ("ref", *SUPPLIER_DESCRIPTION)
    stmt = _rows_insert(dialect, table, "us", fixed, per_row)
    newer = _excluded(table).last_date >= table.c.last_date
    sqlite_ = dialect == "sqlite"
    return stmt.on_conflict_do_update(
        index_elements=["branch_id", "ref"],
        set_={
            **{
                k: sa.case((newer, _excluded(table)[k]), else_=table.c[k])
                for k in SUPPLIER_DESCRIPTION
            },
            "first_date": (sa.func.min if sqlite_ else sa.func.least)(
                table.c.first_date, _excluded(table).first_date
            ),
            "last_date": (sa.func.max if sqlite_ else sa.func.greatest)(
                table.c.last_date, _excluded(table).last_date
            ),
        },
    )


def product_key(row: dict) -> str:
    """A product across branches: its barcode, or its lower-case name without one."""
    barcode = str(row.get("barcode") or "").strip()
    if barcode:
        return barcode[:80]
    return ("name:" + " ".join(str(row.get("name") or "").lower().split()))[:80]


PRODUCT_DESCRIPTION = ("name", "barcode", "unit", "umkm", "supplier")


def _add_products(dialect, branch_id, day, old: list, new: list) -> list:
    """The statement (with its parameters) adding the difference between a day's old
    and new best sellers to hub_product_monthly (one upsert of all rows; the
    description from the newest)."""
    rows: dict[str, dict] = {}
    for sign_, products in ((-1, old), (1, new)):
        for p in products:
            row = rows.setdefault(
                product_key(p), {"key": product_key(p), "quantity": Decimal(0), "sales": 0}
            )
            row["quantity"] += sign_ * Decimal(str(p.get("quantity") or 0))
            row["sales"] += sign_ * int(p.get("sales") or 0)
            if sign_ == 1 or "name" not in row:
                row.update(
                    name=str(p.get("name") or "")[:200],
                    barcode=str(p.get("barcode") or "")[:64],
                    unit=str(p.get("unit") or "")[:8],
                    umkm=bool(p.get("umkm")),
                    supplier=str(p.get("supplier") or "")[:120],
                )
    changed = [rows[k] for k in sorted(rows) if rows[k]["quantity"] or rows[k]["sales"]]
    if not changed:
        return []
    fixed = {"branch_id": branch_id, "month": day.replace(day=1)}
    return [(_products_upsert(dialect), _rows_bound(dialect, "p", fixed, changed))]


@functools.cache
def _products_upsert(dialect: str):
    table = HubProductMonthly.__table__
    per_row = ("key", "quantity", "sales", *PRODUCT_DESCRIPTION)
    stmt = _rows_insert(dialect, table, "p", ("branch_id", "month"), per_row)
    return stmt.on_conflict_do_update(
        index_elements=["branch_id", "month", "key"],
        set_={
            "quantity": table.c.quantity + _excluded(table).quantity,
            "sales": table.c.sales + _excluded(table).sales,
            **{k: _excluded(table)[k] for k in PRODUCT_DESCRIPTION},
        },
    )


@functools.cache
def _sums_upsert(dialect: str, table, prefix: str, keys_: tuple):
    """Add the difference (parameters ``{prefix}_{sum}``) to the row ``keys_`` of
    ``table``."""
    stmt = _insert(table, dialect).values(_params(prefix, table, keys_ + SUMMED))
    return stmt.on_conflict_do_update(
        index_elements=list(keys_),
        set_={name: table.c[name] + _excluded(table)[name] for name in SUMMED},
    )


def _add_to_summaries(dialect, branch_id, day, delta, values) -> list:
    """The month's row always (its sums, and its state when ``day`` is its last report
    so far), the year's and the date's when the sums changed; with their parameters."""
    out = [_keep_month(dialect, branch_id, day, delta, values)]
    if any(delta.values()):
        yearly, daily = HubYearly.__table__, HubDaily.__table__
        out += [
            (
                _sums_upsert(dialect, yearly, "y", ("branch_id", "year")),
                _bound("y", {"branch_id": branch_id, "year": _year(day), **delta}),
            ),
            (_sums_upsert(dialect, daily, "d", ("date",)), _bound("d", {"date": day, **delta})),
        ]
    return out


def _keep_month(dialect, branch_id, day, delta, values) -> tuple:
    """hub_monthly's upsert: the difference added to the sums; the state figures of
    ``day`` kept when it is the month's last report so far (a later day replaces them,
    a newer revision of the same day too, an earlier day arriving late does not)."""
    row = {"branch_id": branch_id, "month": day.replace(day=1), "last_date": day, **delta}
    row.update({name: values[name] for name in POINT_FIELDS})
    return _month_upsert(dialect), _bound("m", row)


@functools.cache
def _month_upsert(dialect: str):
    table = HubMonthly.__table__
    names = ("branch_id", "month", "last_date", *SUMMED, *POINT_FIELDS)
    stmt = _insert(table, dialect).values(_params("m", table, names))
    newer = sa.or_(table.c.last_date.is_(None), _excluded(table).last_date >= table.c.last_date)
    return stmt.on_conflict_do_update(
        index_elements=["branch_id", "month"],
        set_={
            **{name: table.c[name] + _excluded(table)[name] for name in SUMMED},
            **{
                name: sa.case((newer, _excluded(table)[name]), else_=table.c[name])
                for name in ("last_date",) + POINT_FIELDS
            },
        },
    )


def _year(day: date) -> date:
    return day.replace(month=1, day=1)


# --- reading --------------------------------------------------------------------------


def today(timezone: str | None = None) -> date:
    """The current calendar day in ``timezone`` (default the hub's MART_TIMEZONE)."""
    tz = ZoneInfo(timezone or current_app.config.get("MART_TIMEZONE") or DEFAULT_TIMEZONE)
    return utcnow().astimezone(tz).date()


def business_days() -> dict[str, date]:
    """Per time zone in use: its current business day (a branch's day ends at its own
    midnight)."""
    now = utcnow()
    return {tz: now.astimezone(ZoneInfo(tz)).date() for tz in TIMEZONES}


def latest_day() -> date:
    """The newest business day anywhere in Indonesia (WIT's): the default end of a
    period, so no branch's day is cut off."""
    return max(business_days().values())


# The period's statements are built once per database kind (``_built``) with the
# period's dates as named parameters (``_period_params``): building one again costs
# 10-40 ms of Python a request (and as much to find it in SQLAlchemy's cache), running
# it a few; a reused statement keeps its cache key.
_BUILT: dict = {}


def _built(key: tuple, build):
    """The statement ``build()`` gives, built once per database kind and ``key``."""
    key = (db.session.get_bind().dialect.name, *key)
    stmt = _BUILT.get(key)
    if stmt is None:
        stmt = _BUILT[key] = build()
    return stmt


def _core(statement, params: dict):
    """``statement`` run on the session's connection as plain SQL (no ORM result
    processing: a tenth of the time of reading 7,300 rows of 40 figures)."""
    return db.session.connection().execute(statement, params)


def _date_param(name: str):
    return sa.bindparam(name, type_=sa.Date)


def _period_params(date_from: date, date_to: date) -> dict:
    """The values of ``_ends``' parameters for the period ``date_from``..``date_to``."""
    before = date_from - timedelta(days=1)
    return {
        "p_from": date_from,
        "e_day": date_to,
        "e_month": date_to.replace(day=1),
        "s_day": before,
        "s_month": before.replace(day=1),
    }


def _ends(sums: bool = True, points: bool = False):
    """The period's ends per branch, from the branches' running totals: ``(from_,
    columns)``, ``from_`` hub_branches (and hub_latest) joined to what the columns
    read, one row per branch; ``columns`` by name: with ``sums``, ``reports`` and each
    of SUM_FIELDS in the period (the totals at its last day less those at the day
    before its first); with ``points``, ``as_of`` and each of POINT_FIELDS of its last
    report in the period (NULL without one). The totals "at x" are those of the
    branch's last report on or before x (none: 0). The period is in parameters
    (``_period_params``)."""
    hb, lt = HubBranch.__table__, HubLatest.__table__
    from_ = hb.outerjoin(lt, lt.c.branch_id == hb.c.id)
    at = _at_probed if db.session.get_bind().dialect.name == "postgresql" else _at_joined
    from_, end, end_as_of = at(from_, "e", POINT_FIELDS if points else ())
    columns = {}
    if sums:
        from_, start, _as_of = at(from_, "s", ())
        for n in SUMMED:
            total = sa.func.coalesce(end(f"cum_{n}"), 0) - sa.func.coalesce(start(f"cum_{n}"), 0)
            columns[n] = sa.cast(total, sa.BigInteger)
    if points:
        inside = end_as_of >= _date_param("p_from")
        columns["as_of"] = sa.case((inside, end_as_of))
        columns.update({f: sa.case((inside, end(f))) for f in POINT_FIELDS})
    return from_, columns


def _at_probed(from_, name: str, states: tuple):
    """``_ends``' totals (and ``states``) at a day on PostgreSQL (the parameter
    ``<name>_day``, its month ``<name>_month``), per branch: the branches that
    reported on the day from an index-only scan of the covering date index at the day;
    a branch whose newest report is before the day from hub_latest (its totals over
    all its reports); only the others (they reported after the day but not on it, few)
    are looked for, in one subquery hash-joined to the rest: their last report before
    the day within its month (the reports' key, one partition), else at their newest
    month row before (hub_monthly's ``last_date``), read by its key. (Probing in a
    lateral join per branch cost 4-5 ms per 1,000 branches even where it never ran.)
    Returns the joined ``from_``, ``value(column)`` and the date the values are of."""
    hb, lt, r, m = (t.__table__ for t in (HubBranch, HubLatest, HubReport, HubMonthly))
    day, month = _date_param(f"{name}_day"), _date_param(f"{name}_month")
    on_day = r.alias(f"{name}_day")
    from_ = from_.outerjoin(on_day, sa.and_(on_day.c.branch_id == hb.c.id, on_day.c.date == day))
    latest, d, e = lt.alias(f"{name}_lt"), r.alias(f"{name}_d"), r.alias(f"{name}_e")
    in_month = (
        sa.select(sa.func.max(e.c.date))
        .where(e.c.branch_id == latest.c.branch_id, e.c.date >= month, e.c.date < day)
        .scalar_subquery()
    )
    before = (
        sa.select(m.c.last_date)
        .where(m.c.branch_id == latest.c.branch_id, m.c.month < month, m.c.last_date.is_not(None))
        .order_by(m.c.month.desc())
        .limit(1)
        .scalar_subquery()
    )
    missing = (
        sa.select(latest.c.branch_id, sa.func.coalesce(in_month, before).label("at"))
        .where(
            latest.c.date > day,
            ~sa.exists().where(d.c.branch_id == latest.c.branch_id, d.c.date == day),
        )
        .subquery(f"{name}_missing")
    )
    p = r.alias(f"{name}_p")
    row = (
        sa.select(p.c.branch_id, p.c.date, *[p.c[c] for c in CUM_FIELDS + states])
        .select_from(
            missing.join(p, sa.and_(p.c.branch_id == missing.c.branch_id, p.c.date == missing.c.at))
        )
        .subquery(f"{name}_row")
    )
    from_ = from_.outerjoin(row, row.c.branch_id == hb.c.id)
    reported = on_day.c.branch_id.is_not(None)
    newest_before = lt.c.date <= day

    def value(column):
        return sa.case(
            (reported, on_day.c[column]), (newest_before, lt.c[column]), else_=row.c[column]
        )

    as_of = sa.case((reported, on_day.c.date), (newest_before, lt.c.date), else_=row.c.date)
    return from_, value, as_of


def _at_joined(from_, name: str, states: tuple):
    """``_at_probed`` elsewhere (SQLite), plainly: each branch's last report on or
    before the day (the latest date per branch, joined back to its row)."""
    hb, r = HubBranch.__table__, HubReport.__table__
    day = _date_param(f"{name}_day")
    last = (
        sa.select(r.c.branch_id, sa.func.max(r.c.date).label("at"))
        .where(r.c.date <= day)
        .group_by(r.c.branch_id)
        .subquery(f"{name}_last")
    )
    row = r.alias(f"{name}_row")
    from_ = from_.outerjoin(last, last.c.branch_id == hb.c.id).outerjoin(
        row, sa.and_(row.c.branch_id == last.c.branch_id, row.c.date == last.c.at)
    )
    return from_, (lambda column: row.c[column]), row.c.date


def _inactive_ids():
    return sa.select(HubBranch.id).where(HubBranch.active.is_(False))


def _ends_query(ids=None, sums=True, points=False):
    """``_ends`` as one select, a row per branch: ``branch_id`` and its columns; with
    ``ids`` "listed" only the branches of the list in the parameter ``ids``, with
    "inactive" only the inactive ones. Built once (``_built``)."""

    def build():
        from_, columns = _ends(sums, points)
        stmt = sa.select(
            HubBranch.__table__.c.id.label("branch_id"),
            *[value.label(n) for n, value in columns.items()],
        ).select_from(from_)
        if ids == "listed":
            stmt = stmt.where(HubBranch.__table__.c.id.in_(sa.bindparam("ids", expanding=True)))
        elif ids == "inactive":
            stmt = stmt.where(HubBranch.__table__.c.id.in_(_inactive_ids()))
        return stmt

    return _built(("ends", ids, sums, points), build)


def _run_ends(date_from: date, date_to: date, ids, sums: bool, points: bool):
    """The rows of ``_ends_query`` for the period (``ids`` None or a list of ids),
    fetched at once (a row at a time costs twice as much at 7,300 rows)."""
    params = _period_params(date_from, date_to)
    if ids is not None:
        params["ids"] = list(ids)
    query = _ends_query(None if ids is None else "listed", sums, points)
    return _core(query, params).all()


def branch_sums(date_from: date, date_to: date, ids=None) -> dict[int, dict]:
    """Per branch id (optionally only those of the list ``ids``): the additive figures
    and the number of reports in the period, zeros for a branch without reports in it
    (from the running totals, see ``_ends``)."""
    fields = ("reports",) + SUM_FIELDS
    # Plain tuples: attribute access per figure costs more than the query at 1,000 branches.
    return {
        row[0]: dict(zip(fields, [int(v or 0) for v in row[1:]], strict=True))
        for row in _run_ends(date_from, date_to, ids, True, False)
    }


_POINT_NAMES = ("as_of",) + POINT_FIELDS


def _point_values(row) -> dict | None:
    """``as_of`` and the state figures of a row's tail (``_POINT_NAMES``), None when
    the branch has no report in the period."""
    if row[0] is None:
        return None
    return dict(zip(_POINT_NAMES, (_as_date(row[0]), *[int(v) for v in row[1:]]), strict=True))


def branch_points(date_from: date, date_to: date, ids=None) -> dict[int, dict]:
    """Per branch id with a report in the period: the date (``as_of``) and the state
    figures of its last report in it, read from the same rows as its totals (see
    ``_ends``)."""
    out = {}
    for row in _run_ends(date_from, date_to, ids, False, True):
        values = _point_values(row[1:])
        if values is not None:
            out[row[0]] = values
    return out


def branch_ends(date_from: date, date_to: date, ids=None) -> dict[int, tuple]:
    """Per branch id: ``(sums, points)``, what ``branch_sums`` and ``branch_points``
    give (``points`` None without a report in the period), in one statement."""
    fields = ("reports",) + SUM_FIELDS
    n = len(fields)
    out = {}
    # The sums are never NULL (BIGINT differences of coalesced totals), the states only
    # all together (no report in the period): read as they come, 7,300 rows at a time.
    for row in _run_ends(date_from, date_to, ids, True, True):
        as_of = row[n + 1]
        points = None
        if as_of is not None:
            points = dict(zip(_POINT_NAMES, row[n + 1 :], strict=True))
            points["as_of"] = _as_date(as_of)
        out[row[0]] = (dict(zip(fields, row[1 : n + 1], strict=True)), points)
    return out


def _as_date(value):
    # SQLite hands a date read through a union back as its ISO text.
    return date.fromisoformat(value) if isinstance(value, str) else value


def _zone_day(prefix: str):
    """A SQL expression: per branch, the date in the parameter ``<prefix>_<n>`` for its
    time zone (the n-th of TIMEZONES), ``<prefix>_default`` for any other."""
    return sa.case(
        *[
            (HubBranch.timezone == tz, _date_param(f"{prefix}_{n}"))
            for n, tz in enumerate(TIMEZONES)
        ],
        else_=_date_param(f"{prefix}_default"),
    )


def _zone_params(prefix: str, days_back: int = 0) -> dict:
    """The values of ``_zone_day(prefix)``: each time zone's business day (and the
    hub's own day as the default) less ``days_back`` days."""
    days = business_days()
    back = timedelta(days=days_back)
    params = {f"{prefix}_{n}": days[tz] - back for n, tz in enumerate(TIMEZONES)}
    params[f"{prefix}_default"] = today() - back
    return params


def _is_stale():
    """A SQL condition: the branch is stale, never reported or last before its cut
    (its business day, in its time zone, minus the stale days: the parameters of
    ``_zone_params("stale", stale_days)``)."""
    last = HubBranch.last_report_date
    return sa.or_(last.is_(None), last < _zone_day("stale"))


GROUPS = {"kota": ("kota",), "kecamatan": ("kota", "kecamatan")}
# A group's figures: counted over its branches, then summed over the period (``_grouped``;
# the totals of every branch: ``_group_base`` and ``_all_sums``).
COUNTED = ("branches", "branches_reporting", "stale_branches") + POINT_FIELDS
GROUP_FIGURES = COUNTED + ("days_reported",) + SUM_FIELDS
GROUP_SORTS = ("name", "sales_net")


def group_totals(
    date_from: date,
    date_to: date,
    by: str | None = None,
    stale_days=None,
    sort: str = "name",
    page: int | None = None,
    per_page: int | None = None,
):
    """The totals of the active branches for the period as SQL aggregates: one dict
    (``by`` None) or a list per ``kota`` or ``kecamatan`` (with its kota), the same
    figures as ``totals_of`` over the branch rows of ``summary``, without reading a
    row per branch into Python.

    The list is in name order (kota, kecamatan), or with ``sort="sales_net"`` highest
    net sales first (then by name); with ``per_page`` only that page (``page`` from 1)
    is read, ordered and cut by the database (``group_count`` gives the groups in all).
    """
    if date_from > date_to:
        raise InvalidInput(_("'from' must not be after 'to'."), field="from")
    if sort not in GROUP_SORTS:
        raise InvalidInput(_("Unknown order %(sort)s.", sort=sort), field="sort")
    if stale_days is None:
        stale_days = int(current_app.config["MART_ROLLUP_STALE_DAYS"])
    params = {**_period_params(date_from, date_to), **_zone_params("stale", stale_days)}
    if by not in GROUPS:
        row = _core(_built(("base",), _group_base), params).one()
        figures = dict(zip(COUNTED, (int(v) for v in row), strict=True))
        figures.update(_all_sums(date_from, date_to))
        figures["average_basket"] = _avg(figures["sales_net"], figures["transactions"])
        return figures

    def build():
        query = _grouped(by)
        sales = query.selected_columns.sales_net
        keys_ = [query.selected_columns[k] for k in GROUPS[by]]
        query = query.order_by(*([sales.desc()] if sort == "sales_net" else []), *keys_)
        if per_page:
            query = query.limit(sa.bindparam("limit")).offset(sa.bindparam("offset"))
        return query

    if per_page:
        params.update(limit=per_page, offset=((page or 1) - 1) * per_page)
    query = _built(("groups", by, sort, bool(per_page)), build)
    return [_group_row(row, by) for row in _core(query, params).all()]


def _grouped(by: str, per_branch=None):
    """Per group (``by``): the active branches' figures grouped by name, the names
    then every figure labelled as in ``GROUP_FIGURES``: the rows of ``per_branch``
    (default a new ``_per_branch()``, a CTE) added up; the dashboard's statement
    reads its branch page from the same CTE (``_dashboard_tables``). A breakdown takes
    as long this way as grouping the joined rows directly (EXPLAIN ANALYZE, 7,300
    kecamatan, alternately: 99-174 ms either way)."""
    b = (per_branch if per_branch is not None else _per_branch()).c
    keys_ = [b[k] for k in GROUPS[by]]
    return sa.select(
        *keys_,
        sa.func.count(b.branch_id).label("branches"),
        sa.func.count(b.as_of).label("branches_reporting"),
        _total(b.stale).label("stale_branches"),
        *[_total(b[f]).label(f) for f in POINT_FIELDS + ("days_reported",) + SUM_FIELDS],
    ).group_by(*keys_)


def _per_branch():
    """A CTE of the active branches' ends for the period, one row each: ``branch_id``,
    ``code``, ``kota``, ``kecamatan``, ``as_of``, ``stale`` (1 or 0), the state
    figures, ``days_reported`` and the sums (a group's figures, ``GROUP_FIGURES``, not
    yet added up). Its parameters: the period's and the stale cut's."""
    hb = HubBranch
    from_, ends = _ends(sums=True, points=True)
    stale = sa.case((_is_stale(), 1), else_=0)
    return (
        sa.select(
            hb.id.label("branch_id"),
            hb.code,
            hb.kota,
            hb.kecamatan,
            ends["as_of"].label("as_of"),
            stale.label("stale"),
            *[ends[f].label(f) for f in POINT_FIELDS],
            ends["reports"].label("days_reported"),
            *[ends[f].label(f) for f in SUM_FIELDS],
        )
        .select_from(from_)
        .where(hb.active.is_(True))
        .cte("branch_ends")
    )


def _group_row(row, by) -> dict:
    """A group's dict from its row: the names, then GROUP_FIGURES (integers: every one
    is a count or a sum cast to BIGINT) and the average basket."""
    keys_ = GROUPS[by]
    out = dict(zip(keys_, row, strict=False))
    if by == "kota":
        out["kecamatan"] = None
    out.update(zip(GROUP_FIGURES, row[len(keys_) :], strict=True))
    out["average_basket"] = _avg(out["sales_net"], out["transactions"])
    return out


def kota_and_kecamatan(date_from, date_to, stale_days, page: int, per_page: int):
    """What the dashboard shows of the groups in one statement, the period's sums read
    once: every kota (in name order, as ``group_totals(..., "kota")``) and one page of
    the kecamatan, highest net sales first (as ``group_totals(..., "kecamatan",
    stale_days, "sales_net", page, per_page)``). The kota are the sums of their
    kecamatan (every figure adds up)."""
    kota, kecamatan, _ids = dashboard_tables(date_from, date_to, stale_days, page, per_page)
    return kota, kecamatan


def dashboard_tables(
    date_from, date_to, stale_days, kec_page: int, per_page: int, branch_page: int | None = None
):
    """``kota_and_kecamatan``'s kota and kecamatan and, with ``branch_page``, the ids of
    that page of the branches by net sales, highest first, ties by code (the order of
    ``summary(..., sort="sales_net", descending=True)``, the dashboard's default), all
    from one reading of the period's ends per branch (a CTE grouped for the one,
    ordered for the other): ``(kota, kecamatan, ids)``, ``ids`` None without a
    ``branch_page``."""
    if date_from > date_to:
        raise InvalidInput(_("'from' must not be after 'to'."), field="from")
    params = {**_period_params(date_from, date_to), **_zone_params("stale", stale_days)}
    params.update(limit=per_page, offset=(kec_page - 1) * per_page)
    with_page = branch_page is not None
    if with_page:
        params.update(b_limit=per_page, b_offset=(branch_page - 1) * per_page)
    query = _built(("dashboard", with_page), functools.partial(_dashboard_tables, with_page))
    rows = _core(query, params).all()
    kota_rows = sorted(
        (_group_row((r[1], *r[3:]), "kota") for r in rows if r[0] == 0),
        key=lambda g: g["kota"],
    )
    kec_rows = sorted(
        (_group_row(r[1:], "kecamatan") for r in rows if r[0] == 1),
        key=lambda g: (-g["sales_net"], g["kota"], g["kecamatan"]),
    )
    # the branch page's rows carry their place (in "kota") and id (in "branches")
    ids = [r[3] for r in sorted((r for r in rows if r[0] == 2), key=lambda r: int(r[1]))]
    return kota_rows, kec_rows, ids if with_page else None


def _dashboard_tables(with_page: bool):
    """The statement of ``dashboard_tables``: a CTE of the active branches' ends
    (``_per_branch``), grouped by kecamatan (a second CTE), the kecamatan grouped by
    kota; a page of the kecamatan; with ``with_page`` a page of branch ids. Parts told
    apart by the first column (0 kota, 1 kecamatan, 2 branch)."""
    per_branch = _per_branch()
    kec = _grouped("kecamatan", per_branch).cte("kec")
    b = per_branch.c
    kota = sa.select(
        sa.literal(0).label("part"),
        kec.c.kota,
        sa.literal("").label("kecamatan"),
        *[_total(kec.c[f]).label(f) for f in GROUP_FIGURES],
    ).group_by(kec.c.kota)
    kec_page = (
        sa.select(kec)
        .order_by(kec.c.sales_net.desc(), kec.c.kota, kec.c.kecamatan)
        .limit(sa.bindparam("limit"))
        .offset(sa.bindparam("offset"))
        .subquery()
    )
    parts = [kota, sa.select(sa.literal(1).label("part"), kec_page)]
    if with_page:
        place = sa.func.row_number().over(order_by=(b.sales_net.desc(), b.code))
        branch_page = (
            sa.select(sa.cast(place, sa.String).label("place"), b.branch_id)
            .order_by(b.sales_net.desc(), b.code)
            .limit(sa.bindparam("b_limit"))
            .offset(sa.bindparam("b_offset"))
            .subquery()
        )
        zero = sa.literal(0, sa.BigInteger)
        parts.append(
            sa.select(
                sa.literal(2).label("part"),
                branch_page.c.place,
                sa.literal(""),
                sa.cast(branch_page.c.branch_id, sa.BigInteger),
                *[zero] * (len(GROUP_FIGURES) - 1),
            )
        )
    return sa.union_all(*parts)


def totals_of_groups(groups: list[dict]) -> dict:
    """The totals of every active branch from the rows of every group of one kind (the
    kota of ``kota_and_kecamatan``): the same figures as ``group_totals(..., None)``,
    every figure adding up over the groups, without reading the period again."""
    totals = {f: sum(g[f] for g in groups) for f in GROUP_FIGURES}
    totals["average_basket"] = _avg(totals["sales_net"], totals["transactions"])
    return totals


def _group_base():
    """The active branches joined to their states at the period's end (see ``_ends``),
    with the counted figures (``branches`` .. the state fields) as aggregates over them
    all: the totals' counts (their sums come from hub_daily, ``_all_sums``). Its
    parameters: the period's and the stale cut's."""
    hb = HubBranch
    from_, ends = _ends(sums=False, points=True)
    stale = sa.case((_is_stale(), 1), else_=0)
    return (
        sa.select(
            sa.func.count(hb.id).label("branches"),
            sa.func.count(ends["as_of"]).label("branches_reporting"),
            _total(stale).label("stale_branches"),
            *[_total(ends[f]).label(f) for f in POINT_FIELDS],
        )
        .select_from(from_)
        .where(hb.active.is_(True))
    )


def group_count(by: str) -> int:
    """How many kota (or kecamatan, with their kota) the active branches are in."""
    keys_ = [getattr(HubBranch, k) for k in GROUPS[by]]
    groups = sa.select(*keys_).where(HubBranch.active.is_(True)).group_by(*keys_).subquery()
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(groups)))


def branch_count() -> int:
    """How many active branches there are."""
    return int(
        db.session.scalar(
            sa.select(sa.func.count()).select_from(HubBranch).where(HubBranch.active.is_(True))
        )
    )


def _total(column):
    return sa.cast(sa.func.coalesce(sa.func.sum(column), 0), sa.BigInteger)


def _all_sums(date_from: date, date_to: date) -> dict:
    """The additive figures of every active branch in the period and ``days_reported``:
    from hub_daily (one row per date, all branches: a year is 365 rows, not a row per
    branch and month), less what inactive branches (few) reported in the period."""
    fields = ("reports",) + SUM_FIELDS
    with_inactive = bool(db.session.scalar(sa.select(sa.exists(_inactive_ids()))))

    def build():
        d = HubDaily
        parts = [
            sa.select(*[getattr(d, f).label(f) for f in fields]).where(
                d.date >= _date_param("p_from"), d.date <= _date_param("e_day")
            )
        ]
        if with_inactive:
            theirs = _ends_query("inactive").subquery()
            parts.append(sa.select(*[(-theirs.c[f]).label(f) for f in fields]))
        union = sa.union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
        return sa.select(*[_total(union.c[f]) for f in fields])

    query = _built(("all_sums", with_inactive), build)
    row = _core(query, _period_params(date_from, date_to)).one()
    out = dict(zip(fields, (int(v) for v in row), strict=True))
    out["days_reported"] = out.pop("reports")
    return out


# The branch table's orders the database can page by: the text and date columns of the
# branch, its sums and states in the period, and what is derived from them.
BRANCH_SORTS = frozenset(
    ("code", "name", "kota", "kecamatan", "timezone_label", "business_day", "last_report_date")
    + ("days_silent", "figures_as_of", "days_reported", "average_basket", "capital_total")
    + ("sales_per_member", "capital_per_member")
    + SUM_FIELDS
    + POINT_FIELDS
)


def _days_between(later, column):
    """``later - column`` (two date expressions) in whole days, in SQL (NULL when
    either is)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.cast(later - column, sa.Integer)
    return sa.cast(sa.func.julianday(later) - sa.func.julianday(column), sa.Integer)


def _sort_key(sort: str):
    """The SQL expression of a branch row's ``sort`` key, and the subqueries (sums,
    points) it needs joined on ``branch_id``: the same value as the row's key in
    ``summary`` (None where the row has None). Its parameters: the period's
    (``_period_params``) and the business days' (``_zone_params("today")``)."""
    hb = HubBranch
    if sort in ("code", "name", "kota", "kecamatan", "last_report_date"):
        return getattr(hb, sort), []
    if sort == "timezone_label":
        return sa.case(*[(hb.timezone == tz, label) for tz, label in TIMEZONES.items()]), []
    if sort in ("business_day", "days_silent"):
        day = _zone_day("today")
        if sort == "business_day":
            return day, []
        since = _days_between(day, hb.last_report_date)
        silent = sa.case((since > 1, since - 1), else_=0)
        return sa.case((hb.last_report_date.is_(None), sa.null()), else_=silent), []
    if sort == "sales_per_member":
        # the sums and the states from the same rows of the running totals
        ends = _ends_query(sums=True, points=True).subquery()
        net = sa.func.coalesce(ends.c.sales_net, 0)
        members = sa.func.coalesce(ends.c.members_total, 0)
        return sa.case((members != 0, net // members), else_=sa.null()), [ends]
    if sort in SUM_FIELDS or sort in ("days_reported", "average_basket"):
        sums = _ends_query().subquery()
        net, tx = sa.func.coalesce(sums.c.sales_net, 0), sa.func.coalesce(sums.c.transactions, 0)
        if sort == "days_reported":
            return sa.func.coalesce(sums.c.reports, 0), [sums]
        if sort == "average_basket":
            return sa.case((tx > 0, (2 * net + tx) // (2 * tx)), else_=0), [sums]
        return sa.func.coalesce(sums.c[sort], 0), [sums]
    # the states at the period's end (NULL without a report in it), see ``_ends``
    points = _ends_query(sums=False, points=True).subquery()
    if sort == "figures_as_of":
        return points.c.as_of, [points]
    pokok, wajib, sukarela = (
        sa.func.coalesce(points.c[f], 0)
        for f in ("capital_pokok", "capital_wajib", "capital_sukarela")
    )
    capital = pokok + wajib + sukarela
    if sort == "capital_total":
        return capital, [points]
    members = sa.func.coalesce(points.c.members_total, 0)
    if sort == "capital_per_member":
        return sa.case((members != 0, capital // members), else_=sa.null()), [points]
    return sa.func.coalesce(points.c[sort], 0), [points]


def _ordered(listed, sort: str, descending: bool):
    """``listed`` (a select of branches) ordered by ``sort``: None after every value
    ascending, before them descending (as Python sorts ``(value is None, value)``),
    ties by code."""
    key, joined = _sort_key(sort)
    for sub in joined:
        listed = listed.outerjoin(sub, sub.c.branch_id == HubBranch.id)
    key = key.desc().nulls_first() if descending else key.asc().nulls_last()
    return listed.order_by(key, HubBranch.code)


def summary(
    date_from: date,
    date_to: date,
    stale_days: int | None = None,
    page: int | None = None,
    per_page: int | None = None,
    sort: str = "code",
    descending: bool = False,
    totals: bool = True,
    ids: list[int] | None = None,
) -> dict:
    """Totals (SQL aggregates) and a row per active branch for the period, reporting or
    not, in code order; with ``per_page`` only that page of branches (``page`` from 1)
    is read, ordered by ``sort`` (a key of the branch rows, see ``BRANCH_SORTS``;
    ``descending``, ties by code) in the database, or, with ``ids``, the page of those
    branches in that order (a page ordered elsewhere: ``dashboard_tables``).
    ``branches_total`` is the number of active branches. With ``totals`` False
    neither is read (both None: the dashboard adds up its kota instead, see
    ``totals_of_groups``)."""
    if date_from > date_to:
        raise InvalidInput(_("'from' must not be after 'to'."), field="from")
    if sort not in BRANCH_SORTS:
        raise InvalidInput(_("Unknown order %(sort)s.", sort=sort), field="sort")
    if stale_days is None:
        stale_days = int(current_app.config["MART_ROLLUP_STALE_DAYS"])
    hb = HubBranch

    def build():
        listed = sa.select(
            hb.id, hb.code, hb.name, hb.kota, hb.kecamatan, hb.timezone, hb.last_report_date
        ).where(hb.active.is_(True))
        if given:
            return listed.where(hb.id.in_(sa.bindparam("ids", expanding=True)))
        if not per_page:
            return listed.order_by(hb.code)
        listed = _ordered(listed, sort, descending)
        return listed.limit(sa.bindparam("limit")).offset(sa.bindparam("offset"))

    given = ids is not None
    params = {**_period_params(date_from, date_to), **_zone_params("today")}
    if given:
        params["ids"] = list(ids)
    elif per_page:
        params.update(limit=per_page, offset=((page or 1) - 1) * per_page)
    key = ("listed", given or (per_page and sort), not given and descending)
    listed = _core(_built(key, build), params).all()
    if given:
        place = {id_: n for n, id_ in enumerate(ids)}
        listed.sort(key=lambda row: place[row[0]])
    elif per_page:
        ids = [row[0] for row in listed]
    totals = group_totals(date_from, date_to, None, stale_days) if totals else None
    # Each row's sums and states from the same rows of the running totals.
    # Each row's sums and states from one row of the running totals, taken as they come
    # (a dict per branch of sums and of states, then merged, was a fifth of 7,300 rows).
    ends = {row[0]: row for row in _run_ends(date_from, date_to, ids, True, True)}
    n = len(SUMMED)
    sum_names = ("days_reported",) + SUM_FIELDS  # SUMMED, "reports" as the rows say it
    point_names = ("figures_as_of",) + POINT_FIELDS
    no_sums, no_points = (0,) * n, (None,) + (0,) * len(POINT_FIELDS)
    days = business_days()
    branches = []
    for id_, code, name, kota, kecamatan, tz, last in listed:
        found = ends.get(id_)
        sums = found[1 : n + 1] if found is not None else no_sums
        points = found[n + 1 :] if found is not None and found[n + 1] is not None else no_points
        # In the branch's own time zone: its current business day, and the closed days
        # (up to yesterday, there) without a report since its last one.
        business_day = days.get(tz) or today(tz)
        days_since = (business_day - last).days if last else None
        row = _branch_identity(code, name, kota, kecamatan, tz)
        row["business_day"] = business_day
        row.update(zip(sum_names, sums, strict=True))
        row.update(zip(point_names, points, strict=True))
        row["figures_as_of"] = _as_date(row["figures_as_of"])
        row["average_basket"] = _avg(row["sales_net"], row["transactions"])
        row["last_report_date"] = last
        row["days_since_report"] = days_since
        row["days_silent"] = max(days_since - 1, 0) if last else None
        row["stale"] = days_since is None or days_since > stale_days
        branches.append(row)
    return {
        "date_from": date_from,
        "date_to": date_to,
        "stale_days": stale_days,
        "totals": totals,
        "branches": branches,
        "branches_total": totals["branches"] if totals else None,
        "page": (page or 1) if per_page else None,
        "per_page": per_page,
    }


def stale_branches(stale_days: int, page: int = 1, per_page: int = 50) -> dict:
    """The active branches without a report for more than ``stale_days`` days (in their
    own time zones), the longest silent first (never reported before all), one page:
    ``{items, total}``; the same branches as the summary's rows marked ``stale``."""
    hb = HubBranch
    where = [
        hb.active.is_(True),
        _is_stale(),
    ]
    params = _zone_params("stale", stale_days)
    count = sa.select(sa.func.count()).select_from(hb).where(*where)
    total = db.session.scalar(count, params)
    params.update(limit=per_page, offset=(page - 1) * per_page)
    rows = db.session.execute(
        sa.select(hb.code, hb.name, hb.kota, hb.kecamatan, hb.timezone, hb.last_report_date)
        .where(*where)
        .order_by(hb.last_report_date.asc().nulls_first(), hb.code)
        .limit(sa.bindparam("limit"))
        .offset(sa.bindparam("offset")),
        params,
    )
    days = business_days()
    items = []
    for code, name, kota, kecamatan, tz, last in rows:
        days_since = ((days.get(tz) or today(tz)) - last).days if last else None
        item = _branch_identity(code, name, kota, kecamatan, tz)
        item["last_report_date"] = last
        item["days_since_report"] = days_since
        item["days_silent"] = max(days_since - 1, 0) if last else None
        items.append(item)
    return {"items": items, "total": int(total)}


def _branch_identity(code, name, kota, kecamatan, tz) -> dict:
    """What names a branch in a row: the summary's and the silent branches' alike."""
    return {
        "code": code,
        "name": name,
        "kota": kota,
        "kecamatan": kecamatan,
        "timezone": tz,
        "timezone_label": TIMEZONES.get(tz, tz),
    }


def _avg(total, count):
    return (2 * total + count) // (2 * count) if count else 0


def totals_of(rows: list[dict]) -> dict:
    totals = dict.fromkeys(SUM_FIELDS + POINT_FIELDS, 0)
    for row in rows:
        for f in totals:
            totals[f] += row[f]
    totals["branches"] = len(rows)
    totals["branches_reporting"] = sum(1 for r in rows if r["days_reported"])
    totals["stale_branches"] = sum(1 for r in rows if r["stale"])
    totals["days_reported"] = sum(r["days_reported"] for r in rows)
    totals["average_basket"] = _avg(totals["sales_net"], totals["transactions"])
    return totals


def breakdown(rows: list[dict], by: str) -> list[dict]:
    """Branch rows grouped by ``kota`` or by ``kota`` + ``kecamatan``."""
    groups: dict[tuple, list] = {}
    for row in rows:
        key = (row["kota"],) if by == "kota" else (row["kota"], row["kecamatan"])
        groups.setdefault(key, []).append(row)
    out = []
    for key in sorted(groups):
        t = totals_of(groups[key])
        out.append({"kota": key[0], "kecamatan": key[1] if len(key) > 1 else None, **t})
    return out


def trend(date_from: date, date_to: date, by: str = "day") -> list[dict]:
    """Sums over all branches per day, ISO week (labelled by its Monday) or month."""
    if date_from > date_to:
        raise InvalidInput(_("'from' must not be after 'to'."), field="from")
    d = HubDaily
    rows = db.session.execute(
        sa.select(d.date, d.reports, *[getattr(d, f) for f in SUM_FIELDS])
        .where(d.date >= date_from, d.date <= date_to)
        .order_by(d.date)
    ).all()

    def key_of(day):
        if by == "month":
            return day.replace(day=1)
        if by == "week":
            return day - timedelta(days=day.weekday())
        return day

    # Every period of the range, with zeros where no branch reported: gaps show.
    buckets: dict[date, dict] = {}
    day = date_from
    while day <= date_to:
        key = key_of(day)
        buckets.setdefault(key, {"period": key, "reports": 0, **{f: 0 for f in SUM_FIELDS}})
        day += timedelta(days=1)
    for row in rows:
        bucket = buckets[key_of(row.date)]
        bucket["reports"] += int(row.reports)
        for f in SUM_FIELDS:
            bucket[f] += int(getattr(row, f))
    return [buckets[k] for k in sorted(buckets)]


def branch_trend(code: str, date_from: date, date_to: date, by: str = "month") -> dict:
    """One branch's additive figures per ``day`` or ``month`` (a month from the monthly
    summary, whatever the length of the period: ten years are 120 rows)."""
    if date_from > date_to:
        raise InvalidInput(_("'from' must not be after 'to'."), field="from")
    branch = get_branch(code)
    fields = ("reports",) + SUM_FIELDS
    if by == "month":
        m = HubMonthly
        rows = db.session.execute(
            sa.select(m.month, *[getattr(m, f) for f in fields])
            .where(
                m.branch_id == branch.id,
                m.month >= date_from.replace(day=1),
                m.month <= date_to,
            )
            .order_by(m.month)
        ).all()
    else:
        r = HubReport
        rows = db.session.execute(
            sa.select(r.date, sa.literal(1), *[getattr(r, f) for f in SUM_FIELDS])
            .where(r.branch_id == branch.id, r.date >= date_from, r.date <= date_to)
            .order_by(r.date)
        ).all()
    items = [
        {"period": row[0], **dict(zip(fields, (int(v) for v in row[1:]), strict=True))}
        for row in rows
    ]
    return {
        "code": branch.code,
        "name": branch.name,
        "timezone": branch.timezone,
        "by": by,
        "items": items,
    }


def hub_status() -> dict:
    branches = db.session.scalar(sa.select(sa.func.count()).select_from(HubBranch))
    last = db.session.scalar(sa.select(sa.func.max(HubBranch.last_received_at)))
    return {
        "mode": "association",
        "branches": branches,
        "last_received_at": last.isoformat() if last else None,
    }


# --- what the movement sees: UMKM and the OK OCE stages ---------------------------------


def _months(date_from: date, date_to: date) -> tuple[date, date]:
    """The first days of the first and last month touched by [from, to]: the UMKM
    figures are kept per month."""
    return date_from.replace(day=1), date_to.replace(day=1)


def umkm(date_from: date, date_to: date, kecamatan: str | None = None) -> dict:
    """UMKM suppliers' sales and consignment payouts through the marts, per kecamatan of
    the selling branch, by whole months; with the stages the marts' figures speak to
    and the movement's own counts beside them, and new suppliers per month."""
    if date_from > date_to:
        raise InvalidInput(_("'from' must not be after 'to'."), field="from")
    m1, m2 = _months(date_from, date_to)
    m, b, s = HubUmkmMonthly, HubBranch, HubUmkmSupplier
    where = [m.month >= m1, m.month <= m2, b.active.is_(True)]
    branch_where = [b.active.is_(True)]
    if kecamatan:
        where.append(b.kecamatan == kecamatan)
        branch_where.append(b.kecamatan == kecamatan)
    key = sa.cast(m.branch_id, sa.String) + sa.literal(":") + m.ref
    selling = sa.case((m.sales > 0, key))
    rows = db.session.execute(
        sa.select(
            b.kota,
            b.kecamatan,
            sa.func.count(sa.distinct(key)),
            sa.func.count(sa.distinct(selling)),
            sa.func.count(sa.distinct(sa.case((s.permit.is_(True), key)))),
            sa.func.count(sa.distinct(sa.case((s.member.is_(True), key)))),
            sa.func.count(sa.distinct(sa.case((s.has_page.is_(True), key)))),
            sa.func.coalesce(sa.func.sum(m.sales), 0),
            sa.func.coalesce(sa.func.sum(m.consignment_paid), 0),
        )
        .select_from(m)
        .join(b, b.id == m.branch_id)
        .join(s, sa.and_(s.branch_id == m.branch_id, s.ref == m.ref))
        .where(*where)
        .group_by(b.kota, b.kecamatan)
    ).all()
    counts: dict[tuple, dict] = {}
    sc = HubStageCount
    stage_query = sa.select(sc.kota, sc.kecamatan, sc.stage, sc.count)
    if kecamatan:
        stage_query = stage_query.where(sc.kecamatan == kecamatan)
    for kota, kec, stage, count in db.session.execute(stage_query):
        counts.setdefault((kota, kec), {})[stage] = count
    sales_net = _kecamatan_sales_net(
        m1, m2, branch_where, {(kota, kec) for kota, kec, *_rest in rows} | set(counts)
    )
    out = []
    for kota, kec, suppliers, sold, permit, member, page, sales, paid in rows:
        net = sales_net.get((kota, kec), 0)
        marts = {"perizinan": permit, "pemasaran": sold, "pelaporan_keuangan": page}
        movement = counts.get((kota, kec), {})
        out.append(
            {
                "kota": kota,
                "kecamatan": kec,
                "suppliers": suppliers,
                "selling_suppliers": sold,
                "suppliers_with_permit": permit,
                "member_suppliers": member,
                "suppliers_with_page": page,
                "sales": int(sales),
                "consignment_paid": int(paid),
                "sales_net_branches": net,
                "umkm_share": round(int(sales) / net, 4) if net > 0 else 0.0,
                "stages": {
                    st: {"marts": marts.get(st), "movement": movement.get(st)} for st in STAGES
                },
            }
        )
    # Kecamatan with the movement's counts but no UMKM sales yet still show.
    seen = {(r["kota"], r["kecamatan"]) for r in out}
    for (kota, kec), movement in counts.items():
        if (kota, kec) not in seen:
            out.append(
                {
                    "kota": kota,
                    "kecamatan": kec,
                    "suppliers": 0,
                    "selling_suppliers": 0,
                    "suppliers_with_permit": 0,
                    "member_suppliers": 0,
                    "suppliers_with_page": 0,
                    "sales": 0,
                    "consignment_paid": 0,
                    "sales_net_branches": sales_net.get((kota, kec), 0),
                    "umkm_share": 0.0,
                    "stages": {st: {"marts": 0, "movement": movement.get(st)} for st in STAGES},
                }
            )
    out.sort(key=lambda r: (r["kota"], r["kecamatan"]))
    new_query = (
        sa.select(s.first_date, sa.func.count())
        .join(b, b.id == s.branch_id)
        .where(s.first_date >= m1, s.first_date <= date_to, *branch_where)
        .group_by(s.first_date)
    )
    per_month: dict[date, int] = {}
    for first, n in db.session.execute(new_query):
        per_month[first.replace(day=1)] = per_month.get(first.replace(day=1), 0) + n
    totals = {
        "suppliers": sum(r["suppliers"] for r in out),
        "sales": sum(r["sales"] for r in out),
        "consignment_paid": sum(r["consignment_paid"] for r in out),
        "selling_suppliers": sum(r["selling_suppliers"] for r in out),
        "suppliers_with_permit": sum(r["suppliers_with_permit"] for r in out),
        "suppliers_with_page": sum(r["suppliers_with_page"] for r in out),
    }
    return {
        "date_from": m1,
        "date_to": date_to,
        "totals": totals,
        "kecamatan": out,
        "new_suppliers": [{"month": k, "suppliers": per_month[k]} for k in sorted(per_month)],
    }


def _kecamatan_sales_net(m1: date, m2: date, branch_where: list, wanted: set) -> dict:
    """The branches' net sales per (kota, kecamatan) in the months ``m1``..``m2``, of
    the groups ``wanted`` only (those the UMKM table shows): none read when it shows
    none; a year of every kecamatan is 87,600 month rows (a third of the dashboard's
    time for a year at 7,300 branches, on a hub without UMKM figures)."""
    if not wanted:
        return {}
    b, hm = HubBranch, HubMonthly
    where = [hm.month >= m1, hm.month <= m2, *branch_where]
    if len(wanted) <= 500:
        where.append(sa.tuple_(b.kota, b.kecamatan).in_(sorted(wanted)))
    query = (
        sa.select(b.kota, b.kecamatan, sa.func.sum(hm.sales_net))
        .join(b, b.id == hm.branch_id)
        .where(*where)
        .group_by(b.kota, b.kecamatan)
    )
    return {(kota, kec): int(v) for kota, kec, v in db.session.execute(query)}


def products(date_from: date, date_to: date, limit: int = 50, umkm_only: bool = False) -> dict:
    """The best-selling products across the active branches by whole months (from
    ``from``'s month to ``to``'s), from the branches' daily best sellers: per product
    (barcode, or name without one) its sales, quantity, and in how many branches,
    kecamatan and kota it sells. Highest sales first."""
    if date_from > date_to:
        raise InvalidInput(_("'from' must not be after 'to'."), field="from")
    m1, m2 = _months(date_from, date_to)
    p, b = HubProductMonthly, HubBranch
    # a row a newer revision brought back to nothing is no sale
    where = [
        p.month >= m1,
        p.month <= m2,
        b.active.is_(True),
        sa.or_(p.sales != 0, p.quantity != 0),
    ]
    if umkm_only:
        where.append(p.umkm.is_(True))
    sales = sa.func.sum(p.sales)
    kecamatan = sa.func.count(sa.distinct(b.kota + sa.literal("/") + b.kecamatan))
    stmt = (
        sa.select(
            p.key,
            sa.func.min(p.name),
            sa.func.max(p.barcode),
            sa.func.min(p.unit),
            sa.func.max(sa.case((p.umkm.is_(True), 1), else_=0)),
            sa.func.max(p.supplier),
            sa.cast(sa.func.sum(p.quantity), sa.BigInteger),
            sales,
            sa.func.count(sa.distinct(p.branch_id)),
            kecamatan,
            sa.func.count(sa.distinct(b.kota)),
        )
        .join(b, b.id == p.branch_id)
        .where(*where)
        .group_by(p.key)
        .order_by(sales.desc(), p.key)
        .limit(limit)
    )
    items = []
    for (
        key,
        name,
        barcode,
        unit,
        umkm,
        supplier,
        qty,
        total,
        n_b,
        n_kec,
        n_kota,
    ) in db.session.execute(stmt):
        items.append(
            {
                "key": key,
                "name": name,
                "barcode": barcode,
                "unit": unit,
                "umkm": bool(umkm),
                "supplier": supplier,
                # sum() over the thousandths column: back to an exact quantity
                "quantity": (Decimal(int(qty or 0)) / 1000).quantize(Decimal("0.001")),
                "sales": int(total or 0),
                "branches": int(n_b),
                "kecamatan": int(n_kec),
                "kota": int(n_kota),
            }
        )
    return {"date_from": m1, "date_to": date_to, "items": items}


def books_unreconciled() -> dict:
    """Active branches whose newest report says their books do not reconcile with their
    ledgers, with what differs; and how many branches sent a check at all."""
    lt, b = HubLatest, HubBranch
    active = [b.active.is_(True), lt.books_ok.is_not(None)]
    checked, bad = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((lt.books_ok.is_(False), 1), else_=0)), 0),
        )
        .select_from(lt)
        .join(b, b.id == lt.branch_id)
        .where(*active)
    ).one()
    items = []
    for code, name, kota, kec, tz, day, differences in db.session.execute(
        sa.select(b.code, b.name, b.kota, b.kecamatan, b.timezone, lt.date, lt.books_differences)
        .join(b, b.id == lt.branch_id)
        .where(*active, lt.books_ok.is_(False))
        .order_by(b.kota, b.kecamatan, b.code)
    ):
        items.append(
            {
                "code": code,
                "name": name,
                "kota": kota,
                "kecamatan": kec,
                "timezone_label": TIMEZONES.get(tz, tz),
                "as_of": day,
                "differences": json.loads(differences) if differences else None,
            }
        )
    return {"checked": int(checked), "not_reconciled": int(bad), "items": items}


def set_stage_counts(kota: str, kecamatan: str, counts: dict, user: str) -> dict:
    """Association staff enter the movement's own counts per stage for a kecamatan.
    Flushes; raises InvalidInput naming the stage for an unknown stage or a bad count."""
    kota, kecamatan = (kota or "").strip(), (kecamatan or "").strip()
    if not kecamatan:
        raise InvalidInput(_("The kecamatan is required."), field="kecamatan")
    for stage, count in counts.items():
        if stage not in STAGES:
            raise InvalidInput(_("Unknown stage %(stage)s.", stage=stage), field=stage)
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 10**9:
            raise InvalidInput(_("A count is a whole number from 0."), field=stage)
    before = {}
    for stage, count in counts.items():
        row = db.session.get(HubStageCount, (kota, kecamatan, stage))
        if row is None:
            row = HubStageCount(kota=kota, kecamatan=kecamatan, stage=stage, count=count)
            db.session.add(row)
        else:
            before[stage] = row.count
            row.count = count
        row.updated_at, row.updated_by = utcnow(), user
    db.session.flush()
    audit.record(
        "rollup.stage_counts",
        "hub_stage_counts",
        None,
        before=before,
        after=counts,
        note=f"{kota}/{kecamatan}",
    )
    return {"kota": kota, "kecamatan": kecamatan, "counts": counts}
