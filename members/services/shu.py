"""SHU (Sisa Hasil Usaha): the year-end surplus, shared by jasa modal (capital) and
jasa usaha (purchases): compute, post, statements, estimates.
"""

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from books import events as books_events
from books import reports as books_reports
from mart import audit
from mart.clock import business_date
from mart.db import utcnow
from mart.errors import Conflict, Forbidden, InvalidInput, NotFound
from mart.extensions import db
from mart.fields import MAX_MONEY
from mart.money import format_rupiah
from members.models import Member, MemberPurchase, SavingsEntry, ShuShare, ShuYear
from members.services.base import _current_user, _current_user_id, balances_table, entries_table
from members.services.members import PART_NAME_RE
from members.services.purchases import purchases_in_year
from members.services.savings import savings

# --- SHU ----------------------------------------------------------------------------


@dataclass
class ShuResult:
    year: int
    surplus: int
    allocation: dict  # name -> Fraction percentage
    parts: dict  # name -> int rupiah; adds up to surplus
    rounding_to_cadangan: int
    capital_as_of: date
    members: list  # dicts
    total_capital: int
    total_purchases: int
    # With the surplus from the books: the PHU's surplus, surplus_members and
    # surplus_non_members of the year (the non-members' share goes to cadangan).
    from_books: dict | None = None

    @property
    def non_members(self) -> int:
        return (self.from_books or {}).get("surplus_non_members", 0)

    def as_dict(self) -> dict:
        paid_jm = sum(m["jasa_modal"] for m in self.members)
        paid_ju = sum(m["jasa_usaha"] for m in self.members)
        return {
            "year": self.year,
            "surplus": self.surplus,
            "allocation": {k: _percent_str(v) for k, v in self.allocation.items()},
            "parts": self.parts,
            "rounding_to_cadangan": self.rounding_to_cadangan,
            "cadangan_total": (
                self.parts.get("cadangan", 0) + self.rounding_to_cadangan + self.non_members
            ),
            "paid_to_members": {
                "jasa_modal": paid_jm,
                "jasa_usaha": paid_ju,
                "total": paid_jm + paid_ju,
            },
            "capital_as_of": self.capital_as_of,
            "total_capital": self.total_capital,
            "total_purchases": self.total_purchases,
            "members": self.members,
            "from_books": self.from_books,
            "non_members_to_cadangan": self.non_members,
        }


def _percent_str(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return str(Decimal(value.numerator) / Decimal(value.denominator))


def parse_allocation(allocation) -> dict:
    """Percentages by part as exact fractions; they must add up to exactly 100.

    ``jasa_modal`` and ``jasa_usaha`` are required, any other parts are allowed.
    Raises ``InvalidInput`` naming ``allocation``.
    """
    if not isinstance(allocation, dict) or not allocation:
        raise InvalidInput(_("Give the allocation percentages."), field="allocation")
    parsed = {}
    for name, value in allocation.items():
        if not isinstance(name, str) or not PART_NAME_RE.match(name):
            raise InvalidInput(
                _("Part names are lower-case words like dana_sosial."), field="allocation"
            )
        if isinstance(value, bool) or not isinstance(value, int | Decimal | Fraction | str):
            raise InvalidInput(_("Percentages must be numbers."), field="allocation")
        try:
            fraction = Fraction(str(value)) if not isinstance(value, Fraction) else value
        except (ValueError, ZeroDivisionError) as exc:
            raise InvalidInput(_("Percentages must be numbers."), field="allocation") from exc
        if fraction < 0:
            raise InvalidInput(_("Percentages cannot be negative."), field="allocation")
        parsed[name] = fraction
    for required in ("jasa_modal", "jasa_usaha"):
        if required not in parsed:
            raise InvalidInput(
                _("The allocation needs %(part)s.", part=required), field="allocation"
            )
    total = sum(parsed.values(), Fraction(0))
    if total != 100:
        raise InvalidInput(
            _(
                "The percentages must add up to exactly 100 (now %(total)s).",
                total=_percent_str(total),
            ),
            field="allocation",
        )
    return parsed


def shu_from_books(year) -> dict:
    """The year's SHU from the books (its PHU, closing entries left out):
    ``{"surplus", "surplus_members", "surplus_non_members"}``."""
    phu = books_reports.income_statement(date(year, 1, 1), date(year, 12, 31))
    return {k: phu[k] for k in ("surplus", "surplus_members", "surplus_non_members")}


def shu_compute(year, surplus, allocation) -> ShuResult:
    """Each member's SHU of fiscal ``year`` (docs/DOMAIN.md), exact to the rupiah.

    Without ``surplus`` (None) the members' share of the year's SHU comes from the
    books (``shu_from_books``); the non-members' share is not divided and goes to
    cadangan (``from_books``, ``non_members_to_cadangan``).

    Parts: every part but cadangan is ``surplus x percent / 100`` rounded down;
    cadangan gets the rest, so the parts add up to the surplus. Each member's jasa
    modal is ``capital / total capital x surplus x jasa_modal% / 100`` and jasa usaha
    ``purchases / total purchases x surplus x jasa_usaha% / 100``, computed exactly and
    rounded down; what the rounding leaves over (and a pool nobody qualifies for) is
    ``rounding_to_cadangan``. Capital is pokok + wajib (+ sukarela with
    ``MART_SHU_CAPITAL_INCLUDES_SUKARELA``) at the end of the year, or today for the
    running year. Members who joined after, or left before, that date get nothing.
    Net purchases below zero count as zero.

    Raises ``InvalidInput`` (year, surplus, allocation).
    """
    from_books = None
    if surplus is None and isinstance(year, int) and 1900 <= year <= business_date().year:
        from_books = shu_from_books(year)
        surplus = from_books["surplus_members"]
        if surplus <= 0:
            raise InvalidInput(
                _(
                    "The books show no surplus for members in %(year)s (%(amount)s).",
                    year=year,
                    amount=format_rupiah(surplus),
                ),
                field="surplus",
            )
    if isinstance(surplus, bool) or not isinstance(surplus, int) or surplus <= 0:
        raise InvalidInput(
            _("The surplus must be a whole number of rupiah above 0."), field="surplus"
        )
    if surplus > MAX_MONEY:
        raise InvalidInput(_("At most Rp 10.000.000.000.000."), field="surplus")
    percents = parse_allocation(allocation)
    today = business_date()
    if not isinstance(year, int) or year < 1900 or year > today.year:
        raise InvalidInput(
            _("The year is not a past or running fiscal year."), field="year", location="path"
        )
    year_start, year_end = date(year, 1, 1), date(year, 12, 31)
    as_of = min(year_end, today)

    kinds = ["pokok", "wajib"]
    if current_app.config.get("MART_SHU_CAPITAL_INCLUDES_SUKARELA"):
        kinds.append("sukarela")
    capital_q = (
        sa.select(SavingsEntry.member_id, sa.func.sum(SavingsEntry.amount).label("capital"))
        .where(SavingsEntry.kind.in_(kinds), SavingsEntry.booked_on <= as_of)
        .group_by(SavingsEntry.member_id)
        .subquery()
    )
    purchases_q = (
        sa.select(MemberPurchase.member_id, sa.func.sum(MemberPurchase.amount).label("purchases"))
        .where(MemberPurchase.purchase_date.between(year_start, year_end))
        .group_by(MemberPurchase.member_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(
            Member.id,
            Member.member_no,
            Member.name,
            sa.func.coalesce(capital_q.c.capital, 0),
            sa.func.coalesce(purchases_q.c.purchases, 0),
        )
        .outerjoin(capital_q, capital_q.c.member_id == Member.id)
        .outerjoin(purchases_q, purchases_q.c.member_id == Member.id)
        .where(
            Member.join_date <= as_of,
            sa.or_(Member.left_date.is_(None), Member.left_date > as_of),
        )
        .order_by(Member.member_no)
    ).all()

    capitals = [max(0, int(r[3])) for r in rows]
    purchases = [max(0, int(r[4])) for r in rows]
    division = divide_shu(surplus, percents, capitals, purchases)
    members = [
        {
            "member_id": member_id,
            "member_no": member_no,
            "name": name,
            "capital": capital,
            "purchases": bought,
            "jasa_modal": jasa_modal,
            "jasa_usaha": jasa_usaha,
            "total": jasa_modal + jasa_usaha,
        }
        for (member_id, member_no, name, _c, _p), capital, bought, jasa_modal, jasa_usaha in zip(
            rows, capitals, purchases, division.jasa_modal, division.jasa_usaha, strict=True
        )
    ]
    return ShuResult(
        year=year,
        surplus=surplus,
        allocation=percents,
        parts=division.parts,
        rounding_to_cadangan=division.rounding_to_cadangan,
        capital_as_of=as_of,
        members=members,
        total_capital=sum(capitals),
        total_purchases=sum(purchases),
        from_books=from_books,
    )


@dataclass
class ShuDivision:
    parts: dict
    jasa_modal: list
    jasa_usaha: list
    rounding_to_cadangan: int


def divide_shu(surplus: int, percents: dict, capitals: list, purchases: list) -> ShuDivision:
    """The arithmetic of SHU (docs/DOMAIN.md), exact with fractions.

    Parts: every part but cadangan is ``surplus x percent / 100`` rounded down;
    cadangan gets the rest, so the parts add up to the surplus. Member i gets
    ``floor(capital_i / total capital x surplus x jasa_modal% / 100)`` and
    ``floor(purchases_i / total purchases x surplus x jasa_usaha% / 100)``; since a sum
    of floors never exceeds the floor of the sum, what they get fits in the parts,
    and the difference is ``rounding_to_cadangan``.
    """
    parts = {}
    for name, pct in percents.items():
        if name != "cadangan":
            parts[name] = math.floor(surplus * pct / 100)
    parts = {"cadangan": surplus - sum(parts.values()), **parts}
    jasa_modal = _shares(capitals, Fraction(surplus) * percents["jasa_modal"] / 100)
    jasa_usaha = _shares(purchases, Fraction(surplus) * percents["jasa_usaha"] / 100)
    paid = sum(jasa_modal) + sum(jasa_usaha)
    return ShuDivision(
        parts=parts,
        jasa_modal=jasa_modal,
        jasa_usaha=jasa_usaha,
        rounding_to_cadangan=parts["jasa_modal"] + parts["jasa_usaha"] - paid,
    )


def _shares(weights: list, pool: Fraction) -> list:
    """``floor(w / sum(w) x pool)`` for each weight, exactly (integer arithmetic)."""
    total = sum(weights)
    if not total:
        return [0] * len(weights)
    num, den = pool.numerator, pool.denominator * total
    return [(w * num) // den for w in weights]


def shu_post(year, surplus, allocation, *, user=None, override=False) -> tuple[ShuYear, ShuResult]:
    """Book the SHU of ``year`` once: each member's share to simpanan sukarela, or
    recorded as paid in cash (``MART_SHU_PAYOUT=cash``; also for a member who has
    left since). ``Conflict`` when the year is already posted, also when two posts
    race (the unique year decides), and for a year that has not ended (the running
    year) unless ``override``: an admin's act (``Forbidden`` for anyone else), audited
    as ``shu.post_early``.
    """
    result = shu_compute(year, surplus, allocation)
    if db.session.scalar(sa.select(ShuYear.id).where(ShuYear.year == year)) is not None:
        raise Conflict(_("The SHU of %(year)s is already posted.", year=year))
    if year >= business_date().year:
        if not override:
            raise Conflict(
                _(
                    "The year %(year)s has not ended: its SHU is posted after 31 December. "
                    "Only an admin may post it early, explicitly.",
                    year=year,
                )
            )
        actor = user or _current_user()
        if actor is None or not actor.has_role("admin"):
            raise Forbidden(_("Only an admin may post the SHU of a year that has not ended."))
        audit.record(
            "shu.post_early",
            "shu_year",
            year,
            after={"surplus": surplus, "members": len(result.members)},
            note=_("SHU posted before the year ended (admin override)"),
            user=actor,
        )
    mode = "cash" if current_app.config.get("MART_SHU_PAYOUT") == "cash" else "sukarela"
    row = ShuYear(
        year=year,
        surplus=result.surplus,
        allocation={k: _percent_str(v) for k, v in result.allocation.items()},
        parts=result.parts,
        rounding_to_cadangan=result.rounding_to_cadangan,
        payout=mode,
        capital_includes_sukarela=bool(
            current_app.config.get("MART_SHU_CAPITAL_INCLUDES_SUKARELA")
        ),
        capital_as_of=result.capital_as_of,
        posted_at=utcnow(),
        user_id=getattr(user, "id", None) or _current_user_id(),
        from_books=result.from_books,
    )
    db.session.add(row)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise Conflict(_("The SHU of %(year)s is already posted.", year=year)) from exc

    active = set(db.session.scalars(sa.select(Member.id).where(Member.status == "active")).all())
    shares = []
    credits = []
    for m in result.members:
        paid_as = "sukarela" if mode == "sukarela" and m["member_id"] in active else "cash"
        shares.append(
            {
                "shu_year_id": row.id,
                "member_id": m["member_id"],
                "capital": m["capital"],
                "purchases": m["purchases"],
                "jasa_modal": m["jasa_modal"],
                "jasa_usaha": m["jasa_usaha"],
                "total": m["total"],
                "paid_as": paid_as,
            }
        )
        if paid_as == "sukarela" and m["total"] > 0:
            credits.append(m)
    if shares:
        db.session.execute(sa.insert(ShuShare.__table__), shares)
    if credits:
        today, now = business_date(), utcnow()
        user_id = row.user_id
        db.session.execute(
            sa.update(balances_table)
            .where(
                balances_table.c.member_id == sa.bindparam("m_id"),
                balances_table.c.kind == "sukarela",
            )
            .values(balance=balances_table.c.balance + sa.bindparam("m_amount")),
            [{"m_id": m["member_id"], "m_amount": m["total"]} for m in credits],
        )
        db.session.execute(
            sa.insert(entries_table),
            [
                {
                    "member_id": m["member_id"],
                    "kind": "sukarela",
                    "entry_type": "shu",
                    "amount": m["total"],
                    "booked_on": today,
                    "at": now,
                    "ref_type": "shu",
                    "ref_id": str(year),
                    "user_id": user_id,
                    "note": f"SHU {year}",
                }
                for m in credits
            ],
        )
    # From the books, the non-members' share of the year's SHU is not divided: it
    # leaves the SHU of the year for cadangan with the rounding.
    books_events.shu(
        business_date(),
        year=year,
        surplus=result.surplus + result.non_members,
        parts=result.parts,
        rounding_to_cadangan=result.rounding_to_cadangan + result.non_members,
        to_sukarela=sum(m["total"] for m in credits),
        to_pay=sum(s["total"] for s in shares if s["paid_as"] == "cash"),
        user=user,
    )
    audit.record(
        "shu.post",
        row,
        after={"year": year, "surplus": result.surplus, "payout": mode, "parts": result.parts},
        user=user,
    )
    db.session.flush()
    return row, result


def shu_posted(year) -> dict:
    """The posted SHU of ``year`` with every member's share. ``NotFound``."""
    row = db.session.scalar(sa.select(ShuYear).where(ShuYear.year == year))
    if row is None:
        raise NotFound(_("The SHU of %(year)s is not posted.", year=year))
    shares = db.session.execute(
        sa.select(ShuShare, Member.member_no, Member.name)
        .join(Member, ShuShare.member_id == Member.id)
        .where(ShuShare.shu_year_id == row.id)
        .order_by(Member.member_no)
    ).all()
    members = [
        {
            "member_no": no,
            "name": name,
            "capital": s.capital,
            "purchases": s.purchases,
            "jasa_modal": s.jasa_modal,
            "jasa_usaha": s.jasa_usaha,
            "total": s.total,
        }
        for s, no, name in shares
    ]
    paid_jm = sum(m["jasa_modal"] for m in members)
    paid_ju = sum(m["jasa_usaha"] for m in members)
    return {
        "year": row.year,
        "surplus": row.surplus,
        "allocation": row.allocation,
        "parts": row.parts,
        "rounding_to_cadangan": row.rounding_to_cadangan,
        "cadangan_total": (
            row.parts.get("cadangan", 0)
            + row.rounding_to_cadangan
            + (row.from_books or {}).get("surplus_non_members", 0)
        ),
        "paid_to_members": {
            "jasa_modal": paid_jm,
            "jasa_usaha": paid_ju,
            "total": paid_jm + paid_ju,
        },
        "capital_as_of": row.capital_as_of,
        "total_capital": sum(m["capital"] for m in members),
        "total_purchases": sum(m["purchases"] for m in members),
        "members": members,
        "posted": True,
        "payout": row.payout,
        "posted_at": row.posted_at,
        "from_books": row.from_books,
        "non_members_to_cadangan": (row.from_books or {}).get("surplus_non_members", 0),
    }


def shu_statements(member_id) -> list[dict]:
    """The member's SHU of every posted year, newest first."""
    rows = db.session.execute(
        sa.select(ShuShare, ShuYear)
        .join(ShuYear, ShuShare.shu_year_id == ShuYear.id)
        .where(ShuShare.member_id == member_id)
        .order_by(ShuYear.year.desc())
    ).all()
    return [
        {
            "year": year.year,
            "capital": share.capital,
            "purchases": share.purchases,
            "jasa_modal": share.jasa_modal,
            "jasa_usaha": share.jasa_usaha,
            "total": share.total,
            "paid_as": share.paid_as,
            "posted_at": year.posted_at,
        }
        for share, year in rows
    ]


def shu_explanations(member_id) -> list[dict]:
    """For the member's page: how each posted year's SHU of the member was computed,
    from the year's surplus (from the books, when it came from them) through the
    members' share, the jasa modal and jasa usaha parts and the totals of capital and
    purchases to the member's JMA and JUA. Newest year first."""
    rows = db.session.execute(
        sa.select(ShuShare, ShuYear)
        .join(ShuYear, ShuShare.shu_year_id == ShuYear.id)
        .where(ShuShare.member_id == member_id)
        .order_by(ShuYear.year.desc())
    ).all()
    if not rows:
        return []
    totals = {
        year_id: (int(capital or 0), int(purchases or 0))
        for year_id, capital, purchases in db.session.execute(
            sa.select(
                ShuShare.shu_year_id, sa.func.sum(ShuShare.capital), sa.func.sum(ShuShare.purchases)
            )
            .where(ShuShare.shu_year_id.in_([y.id for _s, y in rows]))
            .group_by(ShuShare.shu_year_id)
        )
    }
    out = []
    for share, year in rows:
        total_capital, total_purchases = totals.get(year.id, (0, 0))
        books = year.from_books or None
        out.append(
            {
                "year": year.year,
                "from_books": books,
                "surplus": year.surplus,
                "percent_jasa_modal": year.allocation.get("jasa_modal"),
                "percent_jasa_usaha": year.allocation.get("jasa_usaha"),
                "part_jasa_modal": year.parts.get("jasa_modal", 0),
                "part_jasa_usaha": year.parts.get("jasa_usaha", 0),
                "total_capital": total_capital,
                "total_purchases": total_purchases,
                "capital": share.capital,
                "purchases": share.purchases,
                "jasa_modal": share.jasa_modal,
                "jasa_usaha": share.jasa_usaha,
                "total": share.total,
                "paid_as": share.paid_as,
                "capital_as_of": year.capital_as_of,
            }
        )
    return out


def shu_estimate(member, balances=None, purchases_this_year=None) -> dict | None:
    """This year's SHU so far, at last posted year's rates per rupiah.

    Rates: last year's jasa modal part / total capital, jasa usaha part / total
    purchases. ``None`` when no year was posted before this one.
    """
    this_year = business_date().year
    last = db.session.scalar(
        sa.select(ShuYear).where(ShuYear.year < this_year).order_by(ShuYear.year.desc()).limit(1)
    )
    if last is None:
        return None
    total_capital, total_purchases = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(ShuShare.capital), 0),
            sa.func.coalesce(sa.func.sum(ShuShare.purchases), 0),
        ).where(ShuShare.shu_year_id == last.id)
    ).one()
    total_capital, total_purchases = int(total_capital), int(total_purchases)  # PG: Decimal
    kinds = ["pokok", "wajib"] + (["sukarela"] if last.capital_includes_sukarela else [])
    balances = balances or savings(member.id)
    capital = sum(balances[k] for k in kinds)
    if purchases_this_year is None:
        purchases_this_year = purchases_in_year(member.member_no, this_year)
    bought = max(0, purchases_this_year)
    jm_part, ju_part = last.parts.get("jasa_modal", 0), last.parts.get("jasa_usaha", 0)
    jasa_modal = int(Fraction(capital * jm_part, total_capital)) if total_capital else 0
    jasa_usaha = int(Fraction(bought * ju_part, total_purchases)) if total_purchases else 0
    return {
        "based_on_year": last.year,
        "year": this_year,
        "capital": capital,
        "purchases": bought,
        "jasa_modal": jasa_modal,
        "jasa_usaha": jasa_usaha,
        "total": jasa_modal + jasa_usaha,
        # what the estimate rests on (the member's page says it)
        "part_jasa_modal": jm_part,
        "part_jasa_usaha": ju_part,
        "total_capital": total_capital,
        "total_purchases": total_purchases,
        "capital_includes_sukarela": bool(last.capital_includes_sukarela),
    }
