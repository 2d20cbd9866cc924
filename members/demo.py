"""Demo data for members: about 60 members with a year of simpanan wajib, some
sukarela, a few in arrears, two who left, last year's SHU posted, member logins.

Reads ``supplier_member_names`` (member_no -> owner) from the inventory seeder: those
member-entrepreneurs are registered first, as M000001..M000005. Writes
``context["members"]`` (active member numbers) and appends the member logins to
``context["logins"]``.
"""

import random
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app

from mart import clock
from mart.cli import create_user
from mart.extensions import db
from members import services
from members.models import SavingsEntry

# The demo member logins' own PINs (simpanan payments at the counter).
DEMO_MEMBER_PINS = {1: "250817", 2: "390462"}

FIRST = [
    "Siti",
    "Budi",
    "Dewi",
    "Agus",
    "Rina",
    "Joko",
    "Ani",
    "Hendra",
    "Yuni",
    "Bambang",
    "Sri",
    "Eko",
    "Wati",
    "Rudi",
    "Lestari",
    "Dedi",
    "Nur",
    "Andi",
    "Putri",
    "Fajar",
    "Ratna",
    "Hadi",
    "Indah",
    "Slamet",
    "Maya",
    "Arif",
    "Fitri",
    "Teguh",
    "Ayu",
    "Rahmat",
]
LAST = [
    "Rahmawati",
    "Santoso",
    "Lestari",
    "Wijaya",
    "Kurniawan",
    "Hidayat",
    "Susanti",
    "Saputra",
    "Purnamasari",
    "Setiawan",
    "Nugroho",
    "Handayani",
    "Pratama",
    "Wulandari",
    "Siregar",
    "Nasution",
    "Simanjuntak",
    "Hasibuan",
    "Permata",
    "Ramadhan",
]
STREETS = [
    "Jl. Melati",
    "Jl. Kenanga",
    "Jl. Mawar",
    "Gg. Masjid",
    "Jl. Raya Kebon Jeruk",
    "Jl. Flamboyan",
    "Jl. Anggrek",
    "Gg. Haji Naim",
]


def _month_date(index: int, day: int) -> date:
    return date(index // 12, index % 12 + 1, day)


def _backdate(entry, on: date):
    entry.booked_on = on
    entry.at = datetime.combine(on, time(3, 0), tzinfo=UTC)


def seed(context):
    """Fill this domain with demo data (the caller commits)."""
    rng = random.Random(context.get("rng_seed", 2026) + 40)
    today = clock.business_date()
    this_month = today.year * 12 + today.month - 1
    wajib = current_app.config["MART_SIMPANAN_WAJIB"]
    owners = dict(context.get("supplier_member_names") or {})
    names = _names(rng, [owners.get(f"M{i:06d}") for i in range(1, 6)])
    members = [_seed_member(rng, i, name, today, this_month, wajib) for i, name in enumerate(names)]
    _seed_shu(today)
    _seed_leavers(members, today)
    _seed_logins(context, members)
    db.session.flush()
    context["members"] = [m.member_no for m in members if m.status == "active"]
    context["members_left"] = [m.member_no for m in members if m.status != "active"]


def _names(rng, names):
    """``names`` (the supplier members, None for a free number) and random others, 60."""
    used = set()
    while len(names) < 60:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if name not in used and name not in names:
            used.add(name)
            names.append(name)
    return names


def _seed_member(rng, i, name, today, this_month, wajib):
    """Register member number ``i + 1`` (simpanan pokok paid on joining) with its
    simpanan and purchases up to ``today``."""
    name = name or f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    # The first members founded the cooperative 14 months ago; the rest joined since.
    months_ago = 14 if i < 10 else rng.randint(1, 14)
    join = _month_date(this_month - months_ago, rng.randint(1, 27))
    nik = (
        f"3174{rng.randint(10, 99)}{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}"
        f"{rng.randint(60, 99)}{i + 1:04d}"
    )
    member = services.register_member(
        name,
        nik,
        f"08{rng.randint(11, 99)}{rng.randint(10_000_000, 99_999_999)}",
        f"{rng.choice(STREETS)} No. {rng.randint(1, 120)}, Jakarta",
        join_date=join,
        pay_pokok=True,
    )
    db.session.flush()
    pokok_entry = db.session.scalars(
        sa.select(SavingsEntry).where(SavingsEntry.member_id == member.id)
    ).one()
    _backdate(pokok_entry, join)
    start = join.year * 12 + join.month - 1
    _seed_wajib(rng, i, member, join, start, today, this_month, wajib)
    if i % 3 == 0:  # simpanan sukarela for about a third of the members
        _seed_sukarela(rng, member, start, today, this_month)
    _seed_purchases(rng, member, join, start, today, this_month)
    return member


def _seed_wajib(rng, i, member, join, start, today, this_month, wajib):
    """Simpanan wajib month by month; a few stopped paying 2 to 5 months ago."""
    last_paid = this_month
    if i % 11 == 7:
        last_paid = this_month - rng.randint(2, 5)
    month = start
    while month <= last_paid:
        months = 3 if rng.random() < 0.1 and month + 2 <= last_paid else 1
        entry = services.deposit(member.member_no, "wajib", wajib * months)
        _backdate(entry, min(today, _month_date(month, min(join.day, 28))))
        month += months


def _seed_sukarela(rng, member, start, today, this_month):
    """Simpanan sukarela deposits, and now and then a cash withdrawal."""
    balance = 0
    for month in range(start, this_month + 1, rng.randint(1, 3)):
        amount = rng.choice([25_000, 50_000, 100_000, 200_000])
        entry = services.deposit(member.member_no, "sukarela", amount)
        _backdate(entry, min(today, _month_date(month, 10)))
        balance += amount
        if balance > 150_000 and rng.random() < 0.3:
            out = rng.choice([50_000, 100_000])
            entry = services.withdraw(member.member_no, "sukarela", out, note="Tarik tunai")
            _backdate(entry, min(today, _month_date(month, 20)))
            balance -= out


def _seed_purchases(rng, member, join, start, today, this_month):
    """Purchases at the shop, a few a month."""
    for month in range(start, this_month + 1):
        for _ in range(rng.randint(1, 6)):
            day = _month_date(month, rng.randint(1, 28))
            if join <= day <= today:
                services.record_purchase(
                    member.member_no,
                    rng.randint(15, 400) * 500,
                    on=day,
                    ref_type="demo",
                    ref_id=f"demo-{member.member_no}-{month}",
                )


def _seed_shu(today):
    """Last year's SHU, posted at the members' meeting (RAT)."""
    last_year = today.year - 1
    services.shu_post(
        last_year,
        48_500_000,
        {
            "cadangan": 40,
            "jasa_modal": 20,
            "jasa_usaha": 20,
            "dana_pengurus": 5,
            "dana_karyawan": 5,
            "dana_pendidikan": 5,
            "dana_sosial": 5,
        },
    )
    for entry in db.session.scalars(
        sa.select(SavingsEntry).where(SavingsEntry.entry_type == "shu")
    ):
        _backdate(entry, min(today, date(today.year, 3, 15)))


def _seed_leavers(members, today):
    """Two who left (not the supplier members, not the demo logins)."""
    for member, reason in ((members[40], "resign"), (members[52], "died")):
        left_on = max(member.join_date, today - timedelta(days=20))
        services.leave(member.member_no, reason, on=left_on, note="Demo")
        for entry in db.session.scalars(
            sa.select(SavingsEntry).where(
                SavingsEntry.member_id == member.id,
                SavingsEntry.entry_type == "payout",
            )
        ):
            _backdate(entry, left_on)


def _seed_logins(context, members):
    """Member logins, and their own PINs for paying from simpanan at the counter."""
    for n, member in ((1, members[5]), (2, members[6])):
        password = f"demo-anggota{n}-123"
        create_user(f"anggota{n}", ["member"], password, member.name, member_no=member.member_no)
        context.setdefault("logins", []).append((f"anggota{n}", "member", password))
        services.set_member_pin(member.member_no, DEMO_MEMBER_PINS[n])
        context.setdefault("notes", []).append(
            f"Member {member.member_no} (anggota{n}) pays from simpanan with PIN "
            f"{DEMO_MEMBER_PINS[n]}"
        )
