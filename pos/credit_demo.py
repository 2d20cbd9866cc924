"""Demo data for member credit (issue 15): four members who bought on credit at the
counter 100, 70, 40 and 5 days ago (so every aging bucket shows), one of them with
their own limit and part repaid by transfer. Runs after the sales demo (order 51)."""

import random
import uuid
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from inventory import services as inventory
from mart import clock
from mart.extensions import db
from mart.models import User
from members import services as members
from members.models import CreditEntry, Member
from pos import services
from pos.models import Register

DEMO_CREDIT_PIN = "482613"
DAYS_BACK = (100, 70, 40, 5)


def seed(context):
    if db.session.scalar(sa.select(sa.func.count()).select_from(CreditEntry)):
        return
    cashier = db.session.scalar(sa.select(User).where(User.username == "kasir1"))
    register_code = "R1"
    # members without a PIN of their own yet (the demo logins keep theirs)
    numbers = list(
        db.session.scalars(
            sa.select(Member.member_no)
            .where(
                Member.member_no.in_(list(context.get("members") or [])),
                Member.pin_hash.is_(None),
            )
            .order_by(Member.member_no)
            .offset(5)
            .limit(len(DAYS_BACK))
        )
    )
    products = [inventory.get_product(pid) for pid in (context.get("products") or [])[:20]]
    products = [p for p in products if p.active and p.price and p.unit != "kg"][:3]
    if cashier is None or len(numbers) < len(DAYS_BACK) or not products:
        return
    rng = random.Random(context.get("rng_seed", 2026) + 51)
    register = db.session.scalar(sa.select(Register).where(Register.code == register_code))
    if register is None:
        return
    tz = clock.timezone()
    today = clock.business_date()
    for member_no, back in zip(numbers, DAYS_BACK, strict=True):
        members.set_member_pin(member_no, DEMO_CREDIT_PIN)
        opened = datetime.combine(today - timedelta(days=back), time(19, 0), tz)
        shift = services.open_shift(register.id, 0, cashier, at=opened.astimezone(UTC))
        lines = [{"product_id": p.id, "quantity": "1", "discount": 0} for p in products]
        total = sum(int(p.member_price or p.price) for p in products)
        data = {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "shift_id": shift.id,
            "member_no": member_no,
            "lines": lines,
            "payments": [{"method": "credit", "amount": total}],
            "member_pin": DEMO_CREDIT_PIN,
            "discount": 0,
        }
        at = (opened + timedelta(minutes=10)).astimezone(UTC)
        services.create_sale(data, cashier, at=at, printing=False)
        services.close_shift(
            shift.id, cashier, counted_cash=0, at=at + timedelta(minutes=5), printing=False
        )
    members.credit.set_limit(numbers[0], 500_000)
    owed = members.credit.credit_of(numbers[0])["used"]
    members.credit.repay(numbers[0], owed // 2, method="transfer", ref="Demo", user=cashier)
