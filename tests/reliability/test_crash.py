"""Crash safety: SIGKILL the gunicorn server in the middle of selling, restart, check.

The server is a real gunicorn process on the test database (SQLite file or
PostgreSQL), driven over a real socket by several register threads. After the kill
and a restart:
- every sale is wholly there (all its lines, the stock moved) or wholly absent;
- each product's stock equals its ledger (opening stock minus what committed sales took);
- receipt numbers of committed sales run without a gap;
- a sale whose answer was lost is retried with the same id: posted once, never twice.
The same for an SHU post killed mid-request: either booked whole or not at all.
"""

import random
import threading
import time
import uuid
from collections import Counter as Tally

import pytest
import requests

from tests.reliability.server import Api, Server

pytestmark = pytest.mark.slow

PASSWORD = "crash-pass-123"
REGISTER_THREADS = 4
SALES_BEFORE_KILL = 12


@pytest.fixture
def server_factory(app, database_url, instance_path):
    """Start gunicorn servers on the test database; all are killed at the end."""
    servers = []

    def factory(**kw):
        server = Server(database_url, instance_path, **kw).start()
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.kill()


@pytest.fixture
def shop(app, make_user, server_factory):
    """A manager, a cashier, products and an open shift, all made through the API."""
    make_user("manager", username="crash-manager", password=PASSWORD, pin="2468")
    make_user("cashier", username="crash-cashier", password=PASSWORD)
    server = server_factory()
    manager = Api(server, server.token("crash-manager", PASSWORD))
    products = {}
    for n, price in enumerate((5_000, 12_500, 3_200), start=1):
        answer = manager.post(
            "/products", json={"sku": f"CRASH{n}", "name": f"Barang uji {n}", "price": price}
        )
        assert answer.status_code == 201, answer.text
        products[answer.json()["id"]] = {"price": price, "opening": answer.json()["on_hand"]}
    register = manager.post("/registers", json={"code": "K9", "name": "Kasir uji"})
    assert register.status_code == 201, register.text
    cashier_token = server.token("crash-cashier", PASSWORD)
    cashier = Api(server, cashier_token)
    shift = cashier.post(
        "/shifts", json={"register_id": register.json()["id"], "opening_float": 100_000}
    )
    assert shift.status_code == 201, shift.text
    return {
        "server": server,
        "manager_token": manager.session.headers["Authorization"].split()[1],
        "cashier_token": cashier_token,
        "products": products,
        "shift_id": shift.json()["id"],
    }


def sale_body(rng, shop):
    ids = sorted(shop["products"])
    lines = [
        {"product_id": pid, "quantity": rng.randint(1, 3)}
        for pid in rng.sample(ids, rng.randint(1, len(ids)))
    ]
    total = sum(shop["products"][line["product_id"]]["price"] * line["quantity"] for line in lines)
    return {
        "id": str(uuid.uuid4()),
        "shift_id": shop["shift_id"],
        "lines": lines,
        "payments": [{"method": "cash", "amount": total + 10_000}],
    }, total


class Register(threading.Thread):
    """Posts sales until stopped; sorts each into committed / lost answer / refused."""

    def __init__(self, n, shop, server, committed, unknown, refused, progress):
        super().__init__(daemon=True)
        self.rng = random.Random(n)
        self.shop = shop
        self.api = Api(server, shop["cashier_token"])
        self.committed, self.unknown, self.refused = committed, unknown, refused
        self.progress = progress
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            body, total = sale_body(self.rng, self.shop)
            try:
                answer = self.api.post("/sales", json=body, timeout=30)
            except requests.RequestException:
                self.unknown.append((body, total))
                continue
            if answer.status_code in (200, 201):
                self.committed.append((body, total, answer.json()))
                with self.progress:
                    self.progress.notify_all()
            else:
                self.refused.append((body, answer.status_code, answer.text[:300]))
        self.api.close()


def test_sigkill_mid_sales_loses_nothing_half_and_doubles_nothing(shop, server_factory):
    server = shop["server"]
    committed, unknown, refused = [], [], []
    progress = threading.Condition()
    registers = [
        Register(n, shop, server, committed, unknown, refused, progress)
        for n in range(REGISTER_THREADS)
    ]
    for register in registers:
        register.start()
    with progress:
        assert progress.wait_for(lambda: len(committed) >= SALES_BEFORE_KILL, timeout=120), (
            f"no progress: refused={refused[:3]} log={server.log_tail()}"
        )
    server.kill()  # power cut, with requests in flight
    for register in registers:
        register.stop.set()
    for register in registers:
        register.join(timeout=60)
    assert not refused, refused[:5]

    server = server_factory(workers=1)  # after the cut: one serving process checks
    api = Api(server, shop["cashier_token"])
    manager = Api(server, shop["manager_token"])

    # Lost answers: the sale is wholly there or wholly absent; the retry settles it once.
    retried_present = 0
    for body, total in unknown:
        before = api.get(f"/sales/{body['id']}")
        assert before.status_code in (200, 404), before.text
        again = api.post("/sales", json=body)
        if before.status_code == 200:
            retried_present += 1
            assert again.status_code == 200, again.text
            assert again.json()["number"] == before.json()["number"]
        else:
            assert again.status_code == 201, again.text
        committed.append((body, total, again.json()))

    print(
        f"crash: {len(committed)} committed, {len(unknown)} answers lost "
        f"({retried_present} of them had committed)"
    )

    # Every committed sale is whole.
    sold = Tally()
    numbers = []
    for body, total, answer in committed:
        stored = api.get(f"/sales/{body['id']}")
        assert stored.status_code == 200, stored.text
        sale = stored.json()
        assert sale["number"] == answer["number"]
        assert sale["total"] == total
        assert len(sale["lines"]) == len(body["lines"])
        assert sum(p["amount"] for p in sale["payments"]) >= total
        for line in body["lines"]:
            sold[line["product_id"]] += line["quantity"]
        numbers.append(sale["number"])

    # A retried committed sale is not doubled.
    body, total, answer = committed[0]
    again = api.post("/sales", json=body)
    assert again.status_code == 200 and again.json()["number"] == answer["number"]

    # Receipt numbers: unique, and without a gap among committed sales.
    assert len(set(numbers)) == len(numbers)
    sequence = sorted(int(number.rsplit("-", 1)[1]) for number in numbers)
    assert sequence == list(range(1, len(sequence) + 1)), sequence
    listed = api.get(f"/sales?shift_id={shop['shift_id']}&per_page=1")
    if listed.status_code == 200 and "total" in listed.json():
        assert listed.json()["total"] == len(numbers)

    # Stock equals its ledger: opening minus what the committed sales took.
    for product_id, info in shop["products"].items():
        product = manager.get(f"/products/{product_id}").json()
        assert float(product["on_hand"]) == float(info["opening"]) - sold[product_id], (
            product_id,
            product["on_hand"],
            sold[product_id],
        )
    api.close()
    manager.close()


ALLOCATION = {
    "cadangan": 40,
    "jasa_modal": 20,
    "jasa_usaha": 20,
    "dana_pengurus": 5,
    "dana_karyawan": 5,
    "dana_pendidikan": 5,
    "dana_sosial": 5,
}
SHU_MEMBERS = 12
# Delays (seconds) after sending the SHU post at which the server is killed; the first
# that lands after the commit ends the loop. Each attempt checks all-or-nothing.
KILL_DELAYS = (0.0, 0.02, 0.05, 0.15, 0.4, 1.0)


def _balances(api, numbers):
    out = {}
    for number in numbers:
        answer = api.get(f"/members/{number}")
        assert answer.status_code == 200, answer.text
        out[number] = answer.json()["savings"]["sukarela"]
    return out


def test_sigkill_mid_shu_post_books_all_or_nothing(shop, server_factory, make_user):
    server = shop["server"]
    make_user("admin", username="crash-admin", password=PASSWORD)
    admin_token = server.token("crash-admin", PASSWORD)
    manager = Api(server, shop["manager_token"])
    cashier = Api(server, shop["cashier_token"])
    rng = random.Random(7)
    numbers = []
    for n in range(SHU_MEMBERS):
        answer = manager.post(
            "/members",
            json={"name": f"Anggota Uji {n}", "nik": f"3171{n + 1:012d}", "pay_pokok": True},
        )
        assert answer.status_code == 201, answer.text
        numbers.append(answer.json()["member_no"])
        if n % 2 == 0:
            body, _total = sale_body(rng, shop)
            body["member_no"] = numbers[-1]
            sold = cashier.post("/sales", json=body)
            assert sold.status_code == 201, sold.text
    year = 2026
    # the running year (the shop's data is of today): posted early by an admin's override
    request = {"surplus": 12_345_678, "allocation": ALLOCATION, "override": True}
    preview = manager.post(f"/shu/{year}/preview", json=request)
    assert preview.status_code == 200, preview.text
    shares = {m["member_no"]: m["total"] for m in preview.json()["members"]}
    assert sum(1 for v in shares.values() if v > 0) >= SHU_MEMBERS // 2
    before = _balances(manager, numbers)
    manager.close()
    cashier.close()

    posted = False
    for delay in KILL_DELAYS:
        outcome = {}

        def post(outcome=outcome, server=server):
            api = Api(server, admin_token)
            try:
                outcome["answer"] = api.post(f"/shu/{year}/post", json=request, timeout=60)
            except requests.RequestException as exc:
                outcome["lost"] = exc
            finally:
                api.close()

        thread = threading.Thread(target=post)
        thread.start()
        time.sleep(delay)  # not an assertion: only where the power cut falls
        server.kill()
        thread.join(timeout=60)
        server = server_factory(workers=1)  # each restart: one process (a start is seconds)
        manager = Api(server, shop["manager_token"])
        after = _balances(manager, numbers)
        gained = {n: after[n] - before[n] for n in numbers}
        if any(gained.values()):
            # booked: wholly, every member exactly their share
            assert gained == {n: shares.get(n, 0) for n in numbers}
            again = manager.post(f"/shu/{year}/post", json=request)
            assert again.status_code == 409, again.text
            posted = True
            print(f"crash: SHU booked whole when killed {delay}s after sending")
        else:
            assert "answer" not in outcome or outcome["answer"].status_code != 201
        manager.close()
        if posted:
            break
    if not posted:  # every kill fell before the commit: the post still works, once
        manager = Api(server, shop["manager_token"])
        assert Api(server, admin_token).post(f"/shu/{year}/post", json=request).status_code == 201
        after = _balances(manager, numbers)
        assert {n: after[n] - before[n] for n in numbers} == {n: shares.get(n, 0) for n in numbers}
        assert manager.post(f"/shu/{year}/post", json=request).status_code == 409
        manager.close()
