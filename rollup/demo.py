"""Demo data for the roll-up.

A branch needs nothing (its reports come from its own sales). A hub started with
``MART_MODE=association`` gets a few branches and months of daily reports, ingested
through the same code path as real ones, so the dashboard has something to show.
"""

import json
import random
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from mart.extensions import db
from rollup import hub
from rollup.models import HubBranch
from rollup.schemas import RollupReportIn

DEMO_BRANCHES = [
    ("JKT-SLT01", "OK OCE Mart Cilandak", "Jakarta Selatan", "Cilandak"),
    ("JKT-SLT02", "OK OCE Mart Tebet", "Jakarta Selatan", "Tebet"),
    ("MKS01", "OK OCE Mart Panakkukang", "Kota Makassar", "Panakkukang", "Asia/Makassar"),
    ("JPR01", "OK OCE Mart Abepura", "Kota Jayapura", "Abepura", "Asia/Jayapura"),
    ("JKT-TIM01", "OK OCE Mart Duren Sawit", "Jakarta Timur", "Duren Sawit"),
    ("JKT-TIM02", "OK OCE Mart Cakung", "Jakarta Timur", "Cakung"),
    ("JKT-BAR01", "OK OCE Mart Kebon Jeruk", "Jakarta Barat", "Kebon Jeruk"),
    ("JKT-UTR01", "OK OCE Mart Koja", "Jakarta Utara", "Koja"),
    ("BGR01", "OK OCE Mart Cibinong", "Kabupaten Bogor", "Cibinong"),
    ("BKS01", "OK OCE Mart Bekasi Timur", "Kota Bekasi", "Bekasi Timur"),
    ("DPK01", "OK OCE Mart Beji", "Kota Depok", "Beji"),
    ("TNG01", "OK OCE Mart Ciledug", "Kota Tangerang", "Ciledug"),
    ("BDG01", "OK OCE Mart Coblong", "Kota Bandung", "Coblong"),
    ("SBY01", "OK OCE Mart Wonokromo", "Kota Surabaya", "Wonokromo"),
]


UMKM_DEMO = [
    ("Keripik Singkong Bu Sri", 3),
    ("Sambal Roa Mama Ina", 2),
    ("Kopi Robusta Pak Darto", 4),
    ("Batik Tulis Bu Yati", 1),
]


def demo_report(code, day, rng, size=1.0, members=150):
    transactions = int(rng.randint(90, 260) * size)
    gross = transactions * rng.randint(28_000, 62_000)
    discounts = gross * rng.randint(0, 3) // 100
    returns = gross * rng.randint(0, 2) // 100
    net = gross - discounts - returns
    member_sales = net * rng.randint(35, 70) // 100
    cash = net * rng.randint(50, 80) // 100
    return {
        "branch_code": code,
        "date": day.isoformat(),
        "revision": 1,
        "sales_gross": gross,
        "discounts": discounts,
        "returns": returns,
        "sales_net": net,
        "ppn": 0,
        "transactions": transactions,
        "items": transactions * rng.randint(3, 7),
        "average_basket": net // max(transactions, 1),
        "by_payment": {"cash": cash, "qris": net - cash},
        "member_sales": member_sales,
        "member_sales_share": round(member_sales / net, 4) if net else 0.0,
        "members_total": members,
        "members_joined": rng.randint(0, 2),
        "members_left": 1 if rng.random() < 0.05 else 0,
        "capital": {
            "pokok": members * 100_000,
            "wajib": members * 20_000 * rng.randint(6, 18),
            "sukarela": members * rng.randint(50_000, 250_000),
        },
        "stock_value": {
            "owned_at_cost": rng.randint(60, 140) * 1_000_000,
            "consigned_at_supplier_price": rng.randint(5, 30) * 1_000_000,
        },
        "umkm_purchases": rng.randint(0, 3) * 500_000,
        "consignment_payable": rng.randint(1, 8) * 100_000,
        "consignment_paid": rng.randint(0, 5) * 100_000,
        "active_umkm_suppliers": rng.randint(8, 25),
        "member_suppliers": rng.randint(4, 8),
        "staff": [],
        "staff_count": rng.randint(3, 6),
        "sources_missing": [],
        # A few UMKM suppliers' goods sold that day (what the movement's pages show).
        "umkm_suppliers": [
            {
                "ref": str(n),
                "name": name,
                "member": n % 2 == 0,
                "permit": n != 3,
                "has_page": n < 2,
                "sales": net * share // 100,
                "consignment_paid": rng.randint(0, 2) * 50_000,
            }
            for n, (name, share) in enumerate(UMKM_DEMO)
            if rng.random() < 0.9
        ],
    }


def seed_hub(branches=12, days=120, seed=2026) -> int:
    """Register demo branches (skipping codes in use) and ingest ``days`` days of reports
    up to yesterday; the last branch stops reporting a week ago, to show a stale one.
    Flushes; returns the number of reports stored."""

    rng = random.Random(seed)
    schema = RollupReportIn()
    end = hub.today() - timedelta(days=1)
    stored = 0
    chosen = [DEMO_BRANCHES[i % len(DEMO_BRANCHES)] for i in range(branches)]
    for index, (code, name, kota, kecamatan, *zone) in enumerate(chosen):
        if index >= len(DEMO_BRANCHES):
            code, name = f"{code}-{index}", f"{name} {index}"
        branch = db.session.scalar(sa.select(HubBranch).where(HubBranch.code == code))
        if branch is None:
            branch, _key = hub.add_branch(code, name, kota, kecamatan, *zone)
        size = rng.uniform(0.6, 1.6)
        members = rng.randint(80, 400)
        last = end - timedelta(days=7) if index == len(chosen) - 1 and branches > 1 else end
        for offset in range(days):
            day = last - timedelta(days=offset)
            raw = json.dumps(demo_report(code, day, rng, size, members)).encode()
            hub.ingest(branch, schema.load(json.loads(raw)), raw)
            stored += 1
    return stored


def seed(context):
    """Branch: nothing. Hub: demo branches with 90 days of reports (the caller commits)."""
    if current_app.config.get("MART_MODE") == "association":
        seed_hub(8, 90)
