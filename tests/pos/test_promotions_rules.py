"""The promotion rule itself (pos.services.promotions.apply), without a database: a
hypothesis property (never more than the line after its own discount, at most one
non-stackable promotion per line, the sale's figure is the lines' sum), and the cashier
screen's copy (pos/static/counter/promotions.js, run in node) giving the same on
random sales."""

import json
import random
import shutil
import subprocess
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mart.money import round_half_up
from pos.services._common import _times_quantity
from pos.services.promotions import Running, apply

JS = Path(__file__).resolve().parents[2] / "pos" / "static" / "counter" / "promotions.js"
PRODUCTS = {i: 1_000 * i + 250 * (i % 3) for i in range(1, 6)}  # id -> price


def running(
    i, kind, products, *, percent=0, buy=0, get=0, price=0, members_only=False, stackable=False
):
    return Running(
        id=i,
        name=f"P{i}",
        kind=kind,
        percent=Fraction(percent),
        buy=buy,
        get=get,
        price=price,
        products=tuple(products),
        lookup=frozenset(products),
        members_only=members_only,
        stackable=stackable,
        starts_at=None,
        ends_at=None,
    )


promotions = st.lists(
    st.one_of(
        st.builds(
            lambda ps, pc, s, m: (
                "percent",
                ps,
                {"percent": pc, "stackable": s, "members_only": m},
            ),
            st.lists(st.sampled_from(list(PRODUCTS)), min_size=1, max_size=3, unique=True),
            st.integers(1, 100),
            st.booleans(),
            st.booleans(),
        ),
        st.builds(
            lambda p, b, g, s: ("buy_get", [p], {"buy": b, "get": g, "stackable": s}),
            st.sampled_from(list(PRODUCTS)),
            st.integers(1, 4),
            st.integers(1, 3),
            st.booleans(),
        ),
        st.builds(
            lambda ps, cut: ("bundle", ps, {"price": max(1, sum(PRODUCTS[p] for p in ps) - cut)}),
            st.lists(st.sampled_from(list(PRODUCTS)), min_size=2, max_size=3, unique=True),
            st.integers(1, 3_000),
        ),
    ),
    max_size=4,
)
sale_lines = st.lists(
    st.tuples(st.sampled_from(list(PRODUCTS)), st.integers(1, 9), st.integers(0, 3_000)),
    min_size=1,
    max_size=8,
)


def pack_price(pid, factor):
    return PRODUCTS[pid] * factor * 9 // 10


def priced(spec):
    """Lines as ``_priced_lines`` makes them; ``(pid, qty, discount[, factor])``: with a
    factor, ``qty`` packs of ``factor`` units at the pack's price (pos.services.pricing)."""
    lines = []
    for pid, qty, discount, *pack in spec:
        if pack and pack[0]:
            units = qty * pack[0]
            gross = pack_price(pid, pack[0]) * qty
            quantity, unit = Decimal(units), round_half_up(Fraction(gross, units))
        else:
            gross = _times_quantity(PRODUCTS[pid], Decimal(qty))
            quantity, unit = Decimal(qty), PRODUCTS[pid]
        lines.append(
            {
                "product": SimpleNamespace(id=pid),
                "quantity": quantity,
                "unit_price": unit,
                "gross": gross,
                "discount": min(discount, gross),
            }
        )
    return lines


def build(promos):
    return [running(i, kind, ps, **kw) for i, (kind, ps, kw) in enumerate(promos, start=1)]


@settings(max_examples=300, deadline=None)
@given(sale_lines, promotions, st.booleans())
def test_never_above_the_line_and_the_sum_adds_up(spec, promos, member):
    lines = priced(spec)
    total = apply(lines, object() if member else None, promos=build(promos))
    assert total == sum(line["promotion_discount"] for line in lines)
    by_id = {p.id: p for p in build(promos)}
    for line in lines:
        assert 0 <= line["promotion_discount"] <= line["gross"] - line["discount"]
        assert line["promotion_discount"] == sum(g["discount"] for g in line["promotions"])
        assert all(g["discount"] > 0 for g in line["promotions"])
        plain = [g for g in line["promotions"] if not by_id[g["promotion_id"]].stackable]
        assert len(plain) <= 1
        if not member:
            assert not any(by_id[g["promotion_id"]].members_only for g in line["promotions"])


def test_the_best_promotion_wins_and_a_tie_keeps_the_older():
    lines = priced([(1, 1, 0)])
    apply(
        lines,
        None,
        promos=build([("percent", [1], {"percent": 10}), ("percent", [1], {"percent": 10})]),
    )
    assert [g["promotion_id"] for g in lines[0]["promotions"]] == [1]
    apply(
        lines,
        None,
        promos=build([("percent", [1], {"percent": 10}), ("percent", [1], {"percent": 30})]),
    )
    assert [g["promotion_id"] for g in lines[0]["promotions"]] == [2]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_cashier_screen_gives_the_same():
    rnd = random.Random(15)
    cases = []
    for _ in range(400):
        spec = [
            (
                rnd.choice(list(PRODUCTS)),
                rnd.randint(1, 9),
                rnd.choice([0, 0, 500, 5_000]),
                rnd.choice([None, None, None, 6, 12]),  # a pack line (issue 15 packs)
            )
            for _ in range(rnd.randint(1, 7))
        ]
        promos = []
        for _ in range(rnd.randint(0, 4)):
            kind = rnd.choice(["percent", "buy_get", "bundle"])
            if kind == "percent":
                ps = rnd.sample(list(PRODUCTS), rnd.randint(1, 3))
                promos.append(
                    (
                        kind,
                        ps,
                        {
                            "percent": rnd.randint(1, 100),
                            "stackable": rnd.random() < 0.3,
                            "members_only": rnd.random() < 0.3,
                        },
                    )
                )
            elif kind == "buy_get":
                promos.append(
                    (
                        kind,
                        [rnd.choice(list(PRODUCTS))],
                        {
                            "buy": rnd.randint(1, 3),
                            "get": rnd.randint(1, 2),
                            "stackable": rnd.random() < 0.3,
                        },
                    )
                )
            else:
                ps = rnd.sample(list(PRODUCTS), rnd.randint(2, 3))
                promos.append(
                    (
                        kind,
                        ps,
                        {"price": max(1, sum(PRODUCTS[p] for p in ps) - rnd.randint(1, 4_000))},
                    )
                )
        member = rnd.random() < 0.5
        lines = priced(spec)
        apply(lines, object() if member else None, promos=build(promos))
        cases.append(
            {
                "lines": [
                    {
                        "product_id": pid,
                        "quantity": str(q),
                        "discount": line["discount"],
                        **({"pack": {"factor": f, "price": pack_price(pid, f)}} if f else {}),
                    }
                    for (pid, q, _d, f), line in zip(spec, lines, strict=True)
                ],
                # what state.js lineAmount gives: a pack line's unit is the pack's price
                "priced": [
                    {
                        "unit": pack_price(pid, f) if f else line["unit_price"],
                        "gross": line["gross"],
                    }
                    for (pid, _q, _d, f), line in zip(spec, lines, strict=True)
                ],
                "member": member,
                "promos": [
                    {
                        "id": p.id,
                        "name": p.name,
                        "kind": p.kind,
                        "percent": int(p.percent * 100),
                        "buy": p.buy,
                        "get": p.get,
                        "price": p.price,
                        "products": list(p.products),
                        "members_only": p.members_only,
                        "stackable": p.stackable,
                        "starts": "2000-01-01T00:00:00Z",
                        "ends": "2100-01-01T00:00:00Z",
                    }
                    for p in build(promos)
                ],
                "expected": [
                    [(g["promotion_id"], g["discount"]) for g in line["promotions"]]
                    for line in lines
                ],
            }
        )
    script = (
        f"import {{ applyPromotions }} from {json.dumps(JS.as_uri())};\n"
        "let text = ''; process.stdin.on('data', (d) => { text += d; });\n"
        "process.stdin.on('end', () => {\n"
        "  const out = JSON.parse(text).map((c) => applyPromotions(\n"
        "    c.lines, c.priced, c.member, new Date(), c.promos,\n"
        "  ).map((r) => r.given.map((g) => [g.promotion_id, g.discount])));\n"
        "  process.stdout.write(JSON.stringify(out));\n"
        "});\n"
    )
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    got = json.loads(done.stdout)
    for case, js in zip(cases, got, strict=True):
        assert js == [[list(g) for g in line] for line in case["expected"]], case
