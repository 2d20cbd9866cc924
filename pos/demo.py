"""Demo data for point of sale: registers R1 and R2 on the demo printers, and the last
few days of trading (two shifts a day, a few dozen sales each, some by members, some
paid by QRIS or card, a couple of returns), every shift closed with its cash count.

Reads ``printers`` (name -> id), ``products`` (ids) and ``members`` (numbers) from the
seeders that ran before. Past sales print nothing (no receipts queued for them).
"""

import random
import uuid
from datetime import UTC, datetime, time, timedelta
from fractions import Fraction

import sqlalchemy as sa
from flask import current_app

from inventory import services as inventory
from mart import clock
from mart.extensions import db
from mart.models import User
from mart.money import round_cash, round_half_up
from pos import services
from pos.models import Register
from pos.services import promotions

DAYS = 4
SALES_PER_SHIFT = (14, 24)


def seed(context):
    """Fill this domain with demo data (the caller commits)."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(Register)):
        return
    rng = random.Random(context.get("rng_seed", 2026) + 50)
    printers = context.get("printers") or {}
    r1 = services.create_register("R1", "Kasir 1 (depan)", printers.get("Kasir 1"))
    r2 = services.create_register("R2", "Kasir 2", printers.get("Kasir 2"))
    cashiers = {
        name: db.session.scalar(sa.select(User).where(User.username == name))
        for name in ("kasir1", "kasir2")
    }
    products = list(context.get("products") or [])
    if not products or not all(cashiers.values()):
        return  # nothing to sell or nobody to sell it

    catalogue = [inventory.get_product(pid) for pid in products]
    catalogue = [p for p in catalogue if p.active and p.price > 0]
    members = list(context.get("members") or [])
    tz = clock.timezone()
    today = clock.business_date()
    for back in range(DAYS, 0, -1):
        day = today - timedelta(days=back)
        for register, cashier, start in ((r1, cashiers["kasir1"], 7), (r2, cashiers["kasir2"], 13)):
            opened = datetime.combine(day, time(start, 0), tz)
            _trading_shift(rng, register, cashier, opened, catalogue, members)
    _promotions(catalogue, today)


def _promotions(catalogue, today):
    """Running promotions of each kind (issue 15), from today (the past sales above
    were made without them), for two weeks."""
    pieces = [p for p in catalogue if p.unit != "kg"]
    if len(pieces) < 5:
        return
    manager = db.session.scalar(sa.select(User).where(User.username == "manajer"))
    starts, ends = today.isoformat(), (today + timedelta(days=14)).isoformat()
    cheap = sorted(pieces, key=lambda p: (p.price, p.id))
    first, second, third, fourth, fifth = cheap[:5]
    regular = first.price + second.price
    for data in (
        {
            "name": "Diskon 10% " + third.name,
            "kind": "percent",
            "percent": 10,
            "product_ids": [third.id],
        },
        {
            "name": "Beli 2 gratis 1 " + first.name,
            "kind": "buy_get",
            "buy": 2,
            "get": 1,
            "product_id": first.id,
        },
        {
            "name": "Paket hemat",
            "kind": "bundle",
            "product_ids": [first.id, second.id],
            "price": max(1, regular - max(500, regular // 10 // 100 * 100)),
        },
        {
            "name": "Promo anggota 15%",
            "kind": "percent",
            "percent": 15,
            "product_ids": [fourth.id, fifth.id],
            "members_only": True,
        },
    ):
        promotions.create_promotion({**data, "starts": starts, "ends": ends}, manager)


def _uuid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _trading_shift(rng, register, cashier, opened, catalogue, members):
    shift = services.open_shift(register.id, 300_000, cashier, at=opened)
    at = opened + timedelta(minutes=5)
    sold = []
    for _ in range(rng.randint(*SALES_PER_SHIFT)):
        at += timedelta(minutes=rng.randint(3, 17))
        picks = rng.sample(catalogue, k=min(len(catalogue), rng.randint(1, 6)))
        lines = []
        for product in picks:
            qty = "1" if product.unit != "kg" else f"{rng.randint(2, 15) / 10:.3f}"
            if product.unit != "kg" and rng.random() < 0.3:
                qty = str(rng.randint(2, 4))
            lines.append({"product_id": product.id, "quantity": qty, "discount": 0})
        member_no = rng.choice(members) if members and rng.random() < 0.35 else None
        data = {
            "id": _uuid(rng),
            "shift_id": shift.id,
            "member_no": member_no,
            "lines": lines,
            "payments": [],
            "discount": 0,
        }
        # Price it first (a dry run would be a second code path); pay what it costs.
        total = _total(lines, catalogue, member_no is not None)
        roll = rng.random()
        if roll < 0.2:
            data["payments"] = [
                {"method": "qris", "amount": total, "reference": f"QR{rng.randint(10**7, 10**8)}"}
            ]
        elif roll < 0.27:
            data["payments"] = [
                {"method": "card", "amount": total, "reference": f"EDC{rng.randint(1000, 9999)}"}
            ]
        else:
            # cash is due rounded to the branch's smallest coin (MART_CASH_ROUNDING)
            due = round_cash(total, current_app.config["MART_CASH_ROUNDING"])
            cash = due if rng.random() < 0.3 else max(due, _tendered(total))
            data["payments"] = [{"method": "cash", "amount": cash}]
        sale, _ = services.create_sale(data, cashier, at=at.astimezone(UTC), printing=False)
        sold.append(sale)
    # A customer or two brings something back.
    for sale in rng.sample(sold, k=min(len(sold), rng.randint(0, 2))):
        line = sale.lines[0]
        if line.unit == "kg":
            continue
        at += timedelta(minutes=rng.randint(5, 20))
        manager = db.session.scalar(sa.select(User).where(User.username == "manajer"))
        services.create_return(
            sale.id,
            {
                "lines": [{"product_id": line.product_id, "quantity": 1}],
                "refund_method": "cash",
                "damaged": rng.random() < 0.3,
                "reason": "Kemasan rusak",
                "shift_id": shift.id,
            },
            manager or cashier,
            at=at.astimezone(UTC),
            printing=False,
        )
    db.session.flush()
    expected = services.shift_figures(shift)["expected_cash"]
    counted = expected - rng.choice((0, 0, 0, 500, 1000))
    services.close_shift(
        shift.id, cashier, counted_cash=counted, at=at + timedelta(minutes=10), printing=False
    )


def _total(lines, catalogue, member):
    prices = {p.id: p for p in catalogue}
    total = 0
    for line in lines:
        product = prices[line["product_id"]]
        unit = (
            product.member_price if member and product.member_price is not None else product.price
        )
        total += round_half_up(Fraction(unit) * Fraction(line["quantity"]))
    return total


def _tendered(total):
    for note in (5_000, 10_000, 20_000, 50_000, 100_000):
        if note >= total:
            return note
    return -(-total // 50_000) * 50_000
