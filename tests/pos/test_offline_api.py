"""The server side of the offline cashier screen: the sale's own time (``created_at``)
and the catalogue the screen keeps in IndexedDB (pos/offline.py)."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from mart.extensions import db
from pos.models import Sale, Shift
from tests.factories import ean13


def _open_since(app, shift_id, hours):
    """The shift was opened ``hours`` ago (the register sold offline since)."""
    with app.app_context():
        db.session.execute(
            sa.update(Shift)
            .where(Shift.id == shift_id)
            .values(opened_at=datetime.now(UTC) - timedelta(hours=hours))
        )
        db.session.commit()


def _stored_time(app, sale_id):
    with app.app_context():
        return db.session.get(Sale, sale_id).created_at


def test_offline_sale_keeps_its_own_time(app, counter, make_product):
    _open_since(app, counter.shift["id"], hours=3)
    pid, _ = make_product(price=10_000)
    made = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    r = counter.sale([{"product_id": pid, "quantity": 1}], created_at=made.isoformat())
    assert r.status_code == 201, r.json
    assert datetime.fromisoformat(r.json["created_at"]) == made
    assert _stored_time(app, r.json["id"]) == made
    got = counter.cashier.get(f"/sales/{r.json['id']}").json
    assert datetime.fromisoformat(got["created_at"]) == made


@pytest.mark.parametrize(
    "offset",
    [
        timedelta(hours=-5),  # before the shift opened
        timedelta(hours=1),  # in the future, beyond the clock skew allowed
    ],
)
def test_a_time_outside_the_shift_gives_the_servers_time(app, counter, make_product, offset):
    _open_since(app, counter.shift["id"], hours=3)
    pid, _ = make_product(price=10_000)
    before = datetime.now(UTC)
    r = counter.sale([{"product_id": pid, "quantity": 1}], created_at=(before + offset).isoformat())
    assert r.status_code == 201, r.json
    kept = _stored_time(app, r.json["id"])
    assert before - timedelta(seconds=1) <= kept <= datetime.now(UTC)


def test_a_clock_a_little_ahead_counts_as_now(app, counter, make_product):
    pid, _ = make_product(price=10_000)
    before = datetime.now(UTC)
    r = counter.sale(
        [{"product_id": pid, "quantity": 1}],
        created_at=(before + timedelta(seconds=60)).isoformat(),
    )
    assert r.status_code == 201
    assert _stored_time(app, r.json["id"]) <= datetime.now(UTC)


def test_a_bad_time_is_refused_naming_the_field_and_writes_nothing(
    app, counter, make_product, rows
):
    pid, _ = make_product(price=10_000)
    before = rows.snapshot()
    r = counter.sale([{"product_id": pid, "quantity": 1}], created_at="kemarin sore")
    assert r.status_code == 422
    assert "created_at" in r.json["errors"]["json"]
    assert rows.snapshot() == before


def test_a_naive_time_reads_as_utc(app, counter, make_product):
    _open_since(app, counter.shift["id"], hours=3)
    pid, _ = make_product(price=10_000)
    made = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    r = counter.sale(
        [{"product_id": pid, "quantity": 1}], created_at=made.replace(tzinfo=None).isoformat()
    )
    assert r.status_code == 201
    assert _stored_time(app, r.json["id"]) == made


def _all_pages(client, since=None, after=0, limit=2):
    rows, pages = [], 0
    while True:
        query = {"limit": limit}
        if since:
            query.update(since=since, after=after)
        r = client.get("/pos/catalogue", query_string=query)
        assert r.status_code == 200, r.json
        rows += r.json["items"]
        pages += 1
        if r.json["complete"]:
            return rows, r.json["next"], pages
        since, after = r.json["next"]["since"], r.json["next"]["after"]


def test_catalogue_pages_give_every_product_once_with_its_codes(app, counter, make_product):
    made = {make_product(price=1000 * n, sku=f"K{n}")[0]: n for n in range(1, 6)}
    rows, _, pages = _all_pages(counter.cashier)
    assert pages >= 3
    assert sorted(row[0] for row in rows) == sorted(made)
    by_id = {row[0]: row for row in rows}
    for pid, n in made.items():
        _, sku, name, unit, price, member_price, active, codes, packs, tiers = by_id[pid]
        assert (sku, price, active, unit) == (f"K{n}", 1000 * n, True, "pcs")
        assert packs == [] and tiers == []  # issue 15
        assert len(codes) == 1 and len(codes[0]) == 13


def test_catalogue_since_gives_only_what_changed(app, counter, make_product):
    a, _ = make_product(price=1000)
    b, _ = make_product(price=2000)
    _, cursor, _ = _all_pages(counter.cashier)
    again, _, _ = _all_pages(counter.cashier, cursor["since"], cursor["after"])
    assert again == []
    # a price change and a new barcode each bring the product back
    assert counter.manager.patch(f"/products/{a}", json={"price": 1500}).status_code == 200
    new_code = ean13(98765)
    assert counter.manager.patch(f"/products/{b}", json={"barcodes": [new_code]}).status_code == 200
    changed, _, _ = _all_pages(counter.cashier, cursor["since"], cursor["after"])
    by_id = {row[0]: row for row in changed}
    assert set(by_id) == {a, b}
    assert by_id[a][4] == 1500 and by_id[b][7] == [new_code]


def test_catalogue_carries_the_branchs_scale_rules(app, counter):
    """The screen decodes scale labels offline with the rules the server reads them by."""
    r = counter.cashier.get("/pos/catalogue", query_string={"limit": 1})
    assert r.json["scale_rules"] == [
        {"prefix": "21", "kind": "weight"},
        {"prefix": "22", "kind": "price"},
    ]
    app.config["MART_SCALE_RULES"] = "25:price"
    r = counter.cashier.get("/pos/catalogue", query_string={"limit": 1})
    assert r.json["scale_rules"] == [{"prefix": "25", "kind": "price"}]


def test_catalogue_refuses_a_bad_cursor(counter):
    r = counter.cashier.get("/pos/catalogue", query_string={"since": "besok"})
    assert r.status_code == 422 and "since" in r.json["errors"]["query"]
    r = counter.cashier.get("/pos/catalogue", query_string={"limit": 0})
    assert r.status_code == 422 and "limit" in r.json["errors"]["query"]


def test_service_worker_script_is_served_for_the_pos_scope(app):
    r = app.test_client().get("/pos/sw.js")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/javascript")
    assert r.headers["Service-Worker-Allowed"] == "/pos/"
    assert "worker-src 'self'" in r.headers["Content-Security-Policy"]
    assert b"okoce-pos-shell" in r.data


def test_service_worker_keeps_every_module_of_the_cashier_screen(app):
    """counter.js imports its parts after the page told the worker what it loaded, so
    sw.js names them: a module missing from its list would not open on a reload while
    the server is away."""
    static = Path(app.blueprints["pos"].static_folder)
    modules = {"/pos/static/counter.js"} | {
        f"/pos/static/counter/{path.name}" for path in (static / "counter").glob("*.js")
    }
    listed = set(re.findall(r'"(/pos/static/[\w/.-]+\.js)"', (static / "sw.js").read_text()))
    assert modules == listed
    imported = set()
    for path in [static / "counter.js", *(static / "counter").glob("*.js")]:
        for name in re.findall(r'from "\./(?:counter/)?([\w.-]+\.js)"', path.read_text()):
            imported.add(f"/pos/static/counter/{name}")
    assert imported <= listed
