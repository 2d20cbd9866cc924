"""Year end: closing a fiscal year moves its revenue and expenses into the SHU of the
year (a ``closing`` journal dated 31 December) and marks the year closed, after which
``books.post`` refuses any entry dated in it (a correction goes into the next year).

Irreversible: the page asks for confirmation showing the figures, and it is audited.
"""

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from books import reports
from books.models import FiscalYear, Journal
from books.services import local_today, post
from mart import audit
from mart.db import utcnow
from mart.errors import Conflict, InvalidInput
from mart.extensions import db

# The PHU of a year without a single journal: every figure of it comes from the journals.
_NO_JOURNALS = {
    "revenue": 0,
    "cost_of_goods": 0,
    "gross_margin": 0,
    "other_income": 0,
    "expenses": 0,
    "surplus": 0,
    "surplus_members": 0,
    "surplus_non_members": 0,
}


def year_status(year: int) -> dict:
    """The year's PHU and whether it is closed (and can be)."""
    start, end = reports.year_bounds(year)
    # A year without journals (between the first journal's and now there may be many:
    # a journal dated long ago) is zeros, without the statement's queries.
    any_journal = db.session.scalar(
        sa.select(Journal.id).where(Journal.date >= start, Journal.date <= end).limit(1)
    )
    return _status(year, db.session.get(FiscalYear, year), any_journal is not None)


def _status(year: int, row: FiscalYear | None, has_journals: bool) -> dict:
    closed = row is not None and row.closed_at is not None
    if has_journals:
        phu = reports.income_statement(*reports.year_bounds(year))
    else:
        phu = dict(_NO_JOURNALS)
    return {
        "year": year,
        "closed": closed,
        "closed_at": row.closed_at if closed else None,
        "closed_by": row.closed_by if closed else None,
        "surplus_booked": row.surplus if closed else None,
        "ended": year < local_today().year,
        **phu,
    }


def years() -> list[dict]:
    """Every year from the first journal's to this one, newest first. Which years have
    journals, and the fiscal-year rows, are read once; only a year with journals costs
    its statement's queries."""
    first = db.session.scalar(sa.select(sa.func.min(Journal.date)))
    this = local_today().year
    start = first.year if first else this
    with_journals = set()
    if first:
        # Probe each year's first journal by the date index: a handful of years, each
        # one index look-up (no function of the date that would need a scan).
        year = start
        while year <= this:
            found = db.session.scalar(
                sa.select(sa.func.min(Journal.date)).where(Journal.date >= date(year, 1, 1))
            )
            if found is None or found.year > this:
                break
            with_journals.add(found.year)
            year = found.year + 1
    rows = {
        r.year: r
        for r in db.session.scalars(
            sa.select(FiscalYear).where(FiscalYear.year >= start, FiscalYear.year <= this)
        )
    }
    return [_status(y, rows.get(y), y in with_journals) for y in range(this, start - 1, -1)]


def close_year(year: int, *, user=None) -> dict:
    """Close ``year``: a closing journal on 31 December moving every revenue and
    expense balance (everything not yet closed up to that day) into SHU tahun berjalan,
    then the year is marked closed with its surplus. ``Conflict`` for a year not yet
    ended or already closed. Flushes; the caller commits."""
    if not isinstance(year, int) or year < 1900:
        raise InvalidInput(_("Not a year."), field="year", location="path")
    if year >= local_today().year:
        raise Conflict(_("The year %(year)s has not ended yet.", year=year))
    row = db.session.get(FiscalYear, year)
    if row is not None and row.closed_at is not None:
        raise Conflict(_("The year %(year)s is already closed.", year=year))
    end = date(year, 12, 31)
    totals = reports.sums(date_to=end)
    lines = []
    surplus = 0
    for acc in reports.chart():
        if acc.type not in ("revenue", "expense"):
            continue
        debit, credit = totals.get(acc.id, (0, 0))
        if debit == credit:
            continue
        # Bring the account to zero: the other side of its net.
        lines.append((acc.code, credit - debit if credit > debit else 0, max(debit - credit, 0)))
        surplus += credit - debit
    if surplus:
        lines.append(
            (reports.SHU_ROLE, 0, surplus) if surplus > 0 else (reports.SHU_ROLE, -surplus, 0)
        )
    journal_id = None
    if lines:
        journal_id = post(
            end,
            _("Closing of the year %(year)s", year=year),
            lines,
            source_type="fiscal_year",
            source_id=str(year),
            source_number=str(year),
            kind="closing",
            user=user,
        )
    user_id = getattr(user, "id", None)
    now = utcnow()
    if row is None:
        try:
            with db.session.begin_nested():
                db.session.add(
                    FiscalYear(year=year, closed_at=now, closed_by=user_id, surplus=surplus)
                )
                db.session.flush()
        except IntegrityError as exc:
            raise Conflict(_("The year %(year)s is already closed.", year=year)) from exc
    else:
        table = FiscalYear.__table__
        moved = db.session.execute(
            sa.update(table)
            .where(table.c.year == year, table.c.closed_at.is_(None))
            .values(closed_at=now, closed_by=user_id, surplus=surplus)
        )
        if moved.rowcount != 1:
            raise Conflict(_("The year %(year)s is already closed.", year=year))
    audit.record(
        "books.year_close",
        "fiscal_year",
        target_id=str(year),
        after={"year": year, "surplus": surplus, "journal_id": journal_id},
        user=user,
    )
    db.session.flush()
    return {"year": year, "closed_at": now, "surplus": surplus, "journal_id": journal_id}
