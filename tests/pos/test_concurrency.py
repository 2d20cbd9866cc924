"""Several registers and retries at once: no lost stock update, no gap or duplicate
in the receipt numbers, one sale per id. Runs on SQLite and PostgreSQL."""

import queue
import random
import threading
import uuid
from decimal import Decimal

import sqlalchemy as sa

from inventory import services as inventory
from inventory.models import StockMovement
from mart.extensions import db
from pos.models import Sale
from tests import factories
from tests.conftest import ApiClient
from tests.pos.conftest import on_hand

SALES_PER_REGISTER = 12
THREADS = 6


def test_concurrent_sales_and_retries(app, make_product):
    a, code_a = make_product(price=5_000)
    b, _ = make_product(price=2_500)
    r1 = factories.make_counter(app, "R1")
    r2 = factories.make_counter(app, "R2", manager=r1.manager)
    bodies = []
    for counter in (r1, r2):
        for i in range(SALES_PER_REGISTER):
            lines = [{"barcode": code_a, "quantity": 1}, {"product_id": b, "quantity": 2}]
            if i % 2:
                lines.reverse()  # products in the other order: no deadlock either way
            bodies.append(
                (
                    counter,
                    {
                        "id": str(uuid.uuid4()),
                        "shift_id": counter.shift["id"],
                        "lines": lines,
                        "payments": [{"method": "cash", "amount": 10_000}],
                    },
                )
            )
    # every sale is posted twice (a retry racing the first post)
    work = queue.Queue()
    posts = bodies + bodies
    random.Random(7).shuffle(posts)
    for item in posts:
        work.put(item)
    results = []
    lock = threading.Lock()

    def worker():
        clients = {}
        while True:
            try:
                counter, body = work.get_nowait()
            except queue.Empty:
                return
            client = clients.setdefault(
                counter.register["code"], ApiClient(app, counter.cashier.token)
            )
            response = client.post("/sales", json=body)
            with lock:
                results.append((body["id"], response.status_code, response.json))

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert all(status in (200, 201) for _, status, _ in results), [
        r for r in results if r[1] not in (200, 201)
    ]
    by_id = {}
    for sale_id, status, body in results:
        by_id.setdefault(sale_id, []).append((status, body))
    for answers in by_id.values():
        assert sorted(s for s, _ in answers) == [200, 201]
        assert answers[0][1]["number"] == answers[1][1]["number"]
    total_sales = 2 * SALES_PER_REGISTER
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Sale)) == total_sales
        for code in ("R1", "R2"):
            numbers = sorted(
                db.session.scalars(sa.select(Sale.number).where(Sale.number.like(f"%-{code}-%")))
            )
            assert numbers == [f"JKT01-{code}-{n:06d}" for n in range(1, SALES_PER_REGISTER + 1)]

        for pid, per_sale in ((a, 1), (b, 2)):
            moved = sum(
                db.session.scalars(
                    sa.select(StockMovement.quantity).where(StockMovement.product_id == pid)
                ),
                Decimal(0),
            )
            assert moved == -per_sale * total_sales
    assert on_hand(app, a) == -total_sales
    assert on_hand(app, b) == -2 * total_sales


def test_two_registers_sell_the_last_unit(app, make_product):
    pid, _ = make_product(price=5_000)
    with app.app_context():
        inventory.add_movement(inventory.get_product(pid), "adjustment", Decimal(1))
        db.session.commit()
    assert on_hand(app, pid) == 1
    r1 = factories.make_counter(app, "R1")
    r2 = factories.make_counter(app, "R2", manager=r1.manager)
    barrier = threading.Barrier(2)
    statuses = []

    def sell(counter):
        client = ApiClient(app, counter.cashier.token)
        barrier.wait()
        statuses.append(
            counter.sale(
                [{"product_id": pid}], [{"method": "cash", "amount": 5_000}], client=client
            ).status_code
        )

    threads = [threading.Thread(target=sell, args=(c,)) for c in (r1, r2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [201, 201]
    assert on_hand(app, pid) == -1
