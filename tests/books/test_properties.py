"""Property: whatever sequence of events a branch goes through (sales with mixed
payments and consigned, weighed and exempt lines, returns, receipts, simpanan in and
out, write-offs, supplier returns, settlements, cash movements), every journal balances
to the rupiah, the trial balance's debits equal its credits, and the books agree with
the ledgers."""

import uuid
from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from books import account_balances
from books.reconcile import check
from mart.extensions import db
from pos.services import _times_quantity
from tests import factories

# product specs: (price, tax, unit, consigned)
PRODUCTS = [
    (11_100, "ppn", "pcs", False),
    (3_350, "exempt", "pcs", False),
    (12_990, "ppn", "kg", False),  # weighed, cost not a round figure
    (5_550, "ppn", "pcs", True),
    (2_400, "exempt", "pcs", True),
]
METHODS = ("cash", "qris", "card", "transfer", "simpanan")


def _world(app):
    world = app.extensions.get("books_test_world")
    if world is not None:
        return world
    counter = factories.make_counter(app)
    manager = counter.manager
    own = manager.post("/suppliers", json={"name": "Grosir", "terms": "purchase"}).json
    umkm = manager.post(
        "/suppliers", json={"name": "UMKM", "terms": "consignment", "commission_percent": "12.5"}
    ).json
    products = []
    for price, tax, unit, consigned in PRODUCTS:
        kw = {"price": price, "tax": tax, "unit": unit}
        if consigned:
            kw["supplier_id"] = umkm["id"]
        products.append((factories.make_product(app, **kw)[0], price, unit, consigned))
    member = factories.make_member(app, sukarela=50_000_000)
    world = {
        "counter": counter,
        "own": own["id"],
        "umkm": umkm["id"],
        "products": products,
        "member": member,
        "sales": [],
    }
    app.extensions["books_test_world"] = world
    return world


event = st.one_of(
    st.tuples(
        st.just("sale"),
        st.lists(
            st.tuples(st.integers(0, len(PRODUCTS) - 1), st.integers(1, 4), st.integers(1, 2500)),
            min_size=1,
            max_size=4,
        ),
        st.lists(st.sampled_from(METHODS), min_size=1, max_size=3, unique=True),
        st.integers(0, 1000),
        st.booleans(),
    ),
    st.tuples(st.just("return"), st.integers(0, 50), st.booleans(), st.booleans()),
    st.tuples(
        st.just("receipt"), st.sampled_from([0, 1, 2]), st.integers(1, 30), st.integers(100, 9_999)
    ),
    st.tuples(st.just("consigned_receipt"), st.sampled_from([3, 4]), st.integers(1, 30)),
    st.tuples(
        st.just("deposit"),
        st.sampled_from(["wajib", "sukarela"]),
        st.integers(1, 500_000),
        st.sampled_from(["cash", "transfer"]),
    ),
    st.tuples(st.just("withdrawal"), st.integers(1, 300_000)),
    st.tuples(st.just("write_off"), st.sampled_from([0, 1, 2, 3]), st.integers(1, 2)),
    st.tuples(st.just("supplier_return"), st.sampled_from([0, 1, 3]), st.integers(1, 2)),
    st.tuples(st.just("settle"), st.booleans()),
    st.tuples(
        st.just("cash"),
        st.sampled_from(["in", "out"]),
        st.integers(1, 50_000),
        st.sampled_from(["safe", "bank"]),
    ),
)


def _sale(world, lines, methods, extra, with_member):
    counter = world["counter"]
    body_lines, total = [], 0
    for index, count, grams in lines:
        pid, price, unit, _consigned = world["products"][index]
        qty = Decimal(grams) / 1000 if unit == "kg" else Decimal(count)
        body_lines.append({"product_id": pid, "quantity": float(qty) if unit == "kg" else count})
        total += _times_quantity(price, qty)
    if "simpanan" in methods:
        with_member = True
    noncash = [m for m in methods if m != "cash"]
    payments, left = [], total
    for i, method in enumerate(noncash):
        last = i == len(noncash) - 1 and "cash" not in methods
        amount = left if last else left // (len(noncash) + 1)
        if amount:
            payments.append({"method": method, "amount": amount})
            left -= amount
    if "cash" in methods or left:
        payments.append({"method": "cash", "amount": left + 100 + extra})
    extra_body = {"member_no": world["member"]} if with_member else {}
    answer = counter.sale(body_lines, payments, **extra_body)
    assert answer.status_code == 201, answer.json
    world["sales"].append(answer.json)


def _apply(world, item):
    counter = world["counter"]
    manager = counter.manager
    kind = item[0]
    products = world["products"]
    if kind == "sale":
        _sale(world, *item[1:])
    elif kind == "return" and world["sales"]:
        sale = world["sales"][item[1] % len(world["sales"])]
        line = sale["lines"][0]
        qty = line["quantity"] if isinstance(line["quantity"], float) else 1
        answer = counter.cashier.post(
            f"/sales/{sale['id']}/returns",
            json={
                "lines": [{"product_id": line["product_id"], "quantity": qty}],
                "refund_method": "original" if item[2] else "cash",
                "damaged": item[3],
                "approval_pin": "4321",
            },
        )
        assert answer.status_code in (201, 409), answer.json
    elif kind == "receipt":
        pid = products[item[1]][0]
        quantity = item[2] if products[item[1]][2] == "pcs" else item[2] + 0.125
        answer = manager.post(
            "/goods-receipts",
            json={
                "supplier_id": world["own"],
                "lines": [{"product_id": pid, "quantity": quantity, "unit_cost": item[3]}],
            },
        )
        assert answer.status_code == 201, answer.json
    elif kind == "consigned_receipt":
        answer = manager.post(
            "/goods-receipts",
            json={
                "supplier_id": world["umkm"],
                "lines": [
                    {"product_id": products[item[1]][0], "quantity": item[2], "unit_cost": 1_900}
                ],
            },
        )
        assert answer.status_code == 201, answer.json
    elif kind == "deposit":
        answer = manager.post(
            f"/members/{world['member']}/deposits",
            json={"kind": item[1], "amount": item[2], "method": item[3]},
        )
        assert answer.status_code == 201, answer.json
    elif kind == "withdrawal":
        answer = manager.post(
            f"/members/{world['member']}/withdrawals", json={"kind": "sukarela", "amount": item[1]}
        )
        assert answer.status_code in (201, 409), answer.json
    elif kind == "write_off":
        answer = manager.post(
            "/write-offs", json={"product_id": products[item[1]][0], "quantity": item[2]}
        )
        assert answer.status_code == 201, answer.json
    elif kind == "supplier_return":
        supplier = world["umkm"] if products[item[1]][3] else world["own"]
        answer = manager.post(
            "/supplier-returns",
            json={
                "supplier_id": supplier,
                "lines": [{"product_id": products[item[1]][0], "quantity": item[2]}],
            },
        )
        assert answer.status_code in (201, 409), answer.json
    elif kind == "settle":
        answer = manager.post(
            "/consignment-settlements",
            json={"supplier_id": world["umkm"], "period_end": date.today().isoformat()},
        )
        assert answer.status_code in (201, 409), answer.json
        if answer.status_code == 201 and item[1]:
            paid = manager.post(
                f"/consignment-settlements/{answer.json['id']}/pay",
                json={"reference": uuid.uuid4().hex[:8]},
            )
            assert paid.status_code in (200, 201), paid.json
    elif kind == "cash":
        answer = counter.cashier.post(
            f"/shifts/{counter.shift['id']}/cash-movements",
            json={
                "kind": item[1],
                "amount": item[2],
                "reason": "uji",
                "to": item[3],
                "approval_pin": "4321",  # a cash-out above MART_CASH_OUT_LIMIT needs it
            },
        )
        assert answer.status_code == 201, answer.json


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(event, min_size=1, max_size=10))
def test_every_sequence_of_events_keeps_the_books_balanced_and_agreeing(app, events):
    world = _world(app)
    for item in events:
        _apply(world, item)
    with app.app_context():
        balances = account_balances()
        result = check()
        db.session.rollback()
    assert sum(d for d, _c in balances.values()) == sum(c for _d, c in balances.values())
    assert result.ok, "\n".join(result.differences())
