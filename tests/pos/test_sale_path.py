"""The sale path's shortcuts keep the outcome: the answer built from what was written
equals the stored sale, a 10-line sale stays within its statements, consignment
products and printers are handled as before."""

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import flask
import orjson
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import Schema

from inventory import barcodes as bc
from inventory import services as inventory
from inventory.models import StockMovement
from mart.db import JsonRowsInsert
from mart.extensions import db
from mart.money import round_half_up
from pos import services
from pos.models import Payment, Sale, SaleLine
from pos.schemas import PlainSchema, SaleLineOut, SaleOut, SalePaymentOut
from pos.services import _net_unit_price, _times_quantity
from pos.services import sales as sales_module
from pos.services.fastpath import SaleView
from printers import services as printing
from printers.models import PrintJob
from tests import factories


def _stored(counter, sale_id):
    response = counter.cashier.get(f"/sales/{sale_id}")
    assert response.status_code == 200
    return response.json


def test_answer_equals_the_stored_sale(app_factory):
    """Member prices, line and sale discounts, a scale label, PPN, split payments with
    references: the 201 answer is what GET answers for the stored sale."""
    app = app_factory(MART_PKP=True, MART_CASH_ROUNDING=100)
    counter = factories.make_counter(app)
    a, code_a = factories.make_product(app, price=10_000, member_price=9_000)
    b, _ = factories.make_product(app, price=7_777, tax="exempt")
    factories.make_product(app, price=30_000, unit="kg", barcode=None, sku="54321")
    weight = bc.with_check_digit("21" + "54321" + "01250")
    member_no = factories.make_member(app)
    response = counter.sale(
        [
            {"barcode": code_a, "quantity": 2},
            {"product_id": b, "quantity": 3, "discount": 1_000},
            {"barcode": weight},
            {"product_id": a, "quantity": "1.000"},
        ],
        [
            {"method": "qris", "amount": 20_000, "reference": "QR123"},
            {"method": "cash", "amount": 100_000},
        ],
        member_no=member_no,
        discount=331,
    )
    assert response.status_code == 201, response.json
    answer = response.json
    assert answer == _stored(counter, answer["id"])
    assert answer["ppn"] > 0 and answer["member_no"] == member_no
    assert [line["line_no"] for line in answer["lines"]] == [1, 2, 3, 4]
    assert answer["lines"][2]["quantity"] == 1.25
    assert answer["rounding"] == answer["amount_due"] - answer["total"]
    # the same id again: the same answer, from the stored sale
    again = counter.cashier.post(
        "/sales",
        json={
            "id": answer["id"],
            "shift_id": counter.shift["id"],
            "lines": [{"product_id": b}],
            "payments": [{"method": "cash", "amount": 10_000}],
        },
    )
    assert again.status_code == 200 and again.json == answer


def test_the_answer_is_written_by_orjson(app, counter):
    """The 201 answer is the JSON jsonify would write (keys sorted), written by orjson
    (mart.apiutil.large_json): text outside ASCII as UTF-8, not escaped as \\uXXXX."""
    pid, _ = factories.make_product(app, price=2_500, name="Kopi Ñusantara", unit="kg")
    response = counter.sale([{"product_id": pid, "quantity": "1.5"}])
    assert response.status_code == 201, response.json
    body = response.get_data()
    assert "Kopi Ñusantara".encode() in body
    assert body == orjson.dumps(response.json, option=orjson.OPT_SORT_KEYS)
    with app.test_request_context():
        assert json.loads(flask.json.dumps(response.json)) == json.loads(body)
    assert response.json == _stored(counter, response.json["id"])


def _statements_of(app, sale):
    """The statements ``sale()`` runs, BEGIN left out, and its response."""
    statements = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        response = sale()
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 201, response.json
    writes = [s for s in statements if not s.lstrip().upper().startswith("BEGIN")]
    return writes, response


def test_a_ten_line_sale_in_few_statements(app, counter):
    """Token and user, shift (with the id check and the receipt's printer), products,
    receipt counter, sale, lines, payments, stock (2), journal and its lines (2), print
    jobs, audit: 13 statements (14 with SQLite's BEGIN IMMEDIATE). A regression shows
    here first."""
    products = [factories.make_product(app, price=1_000 + n) for n in range(10)]
    lines = [
        {"product_id": pid, "quantity": 2} if n % 2 else {"barcode": code, "quantity": 1}
        for n, (pid, code) in enumerate(products)
    ]
    counter.sale(lines[:1])  # warm-up: the counter row and the printer-less default exist
    writes, _response = _statements_of(app, lambda: counter.sale(lines))
    assert len(writes) <= 13, "\n".join(writes)
    assert not any(s.lstrip().startswith("SELECT printers") for s in writes)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # the stock movements go in with on-hand (one statement less), the lines and the
        # movements each as one JSON text (mart.db.JsonRowsInsert), not an executemany;
        # the receipt number, the sale, its lines, its payments and its stock-out in
        # one statement; the journal, the print jobs and the audit row in one more
        assert len(writes) <= 5, "\n".join(writes)
        tail = [s for s in writes if "INSERT INTO audit_log" in s]
        assert len(tail) == 1, tail
        for part in ("INSERT INTO books_journals", "INSERT INTO print_jobs"):
            assert [s for s in writes if part in s] == tail, part
        assert not any(s.lstrip().startswith("INSERT INTO inv_movements") for s in writes)
        assert [s for s in writes if "json_populate_recordset" in s] == [
            s for s in writes if "INSERT INTO sale_lines" in s or "INSERT INTO inv_movements" in s
        ]
        sale = [s for s in writes if "INSERT INTO sales" in s]
        assert len(sale) == 1, sale
        parts = ("INSERT INTO counters", "INSERT INTO sale_lines", "INSERT INTO payments")
        for part in (*parts, "INSERT INTO inv_movements", "UPDATE inv_products"):
            assert [s for s in writes if part in s] == sale, part
        # the products by arrays, not an IN list rendered again at every execution
        products = [s for s in writes if "FROM inv_barcodes" in s]
        assert len(products) == 1 and "= ANY (CAST(%(ids)s" in products[0], products


def test_packs_tiers_and_two_promotions_in_one_statement_more(app, counter):
    """The sale path of issue 15 (a pack scanned, quantity prices, a percent promotion
    and a bundle running): one statement more than a plain sale, the promotions' rows;
    the answer is the stored sale."""
    products = [
        factories.make_product(app, price=1_000 + n, tiers=[{"min_quantity": 2, "price": 900}])
        for n in range(10)
    ]
    dus = factories.ean13(97_001)
    pack_of, _ = factories.make_product(
        app, price=2_000, packs=[{"name": "DUS", "factor": 12, "barcode": dus, "price": 20_000}]
    )
    ids = [pid for pid, _code in products]
    for body in (
        {"name": "10%", "kind": "percent", "percent": 10, "product_ids": ids[::2]},
        {"name": "Paket", "kind": "bundle", "price": 1_000, "product_ids": ids[:2]},
    ):
        now = datetime.now(UTC)
        body |= {
            "starts": (now - timedelta(days=1)).isoformat(),
            "ends": (now + timedelta(days=1)).isoformat(),
        }
        assert counter.manager.post("/promotions", json=body).status_code == 201
    lines = [
        {"product_id": pid, "quantity": 2} if n % 2 else {"barcode": code, "quantity": 1}
        for n, (pid, code) in enumerate(products[:9])
    ] + [{"barcode": dus, "quantity": 1}]
    counter.sale(lines[:1])  # warm-up: the counter row, the running promotions read
    writes, response = _statements_of(app, lambda: counter.sale(lines))
    assert len(writes) <= 14, "\n".join(writes)
    answer = response.json
    assert answer["promotion_discount"] > 0
    assert [ln["price_source"] for ln in answer["lines"]][:2] == ["list", "tier"]
    assert answer["lines"][-1]["pack_name"] == "DUS" and answer["lines"][-1]["quantity"] == 12
    assert answer == _stored(counter, answer["id"])


def test_consignment_product_moves_as_the_suppliers(app, counter):
    """A consigned product's sale movement is the supplier's, at the supplier price."""
    supplier_id = factories.make_supplier(app, "UMKM Kripik", "consignment")
    pid, code = factories.make_product(
        app, price=12_000, supplier_id=supplier_id, supplier_price=9_000
    )
    own, _ = factories.make_product(app, price=5_000)
    response = counter.sale([{"barcode": code, "quantity": 2}, {"product_id": own}])
    assert response.status_code == 201, response.json
    with app.app_context():
        moves = {
            m.product_id: m
            for m in db.session.scalars(
                sa.select(StockMovement).where(StockMovement.ref_id == response.json["id"])
            )
        }
        assert moves[pid].owner == "supplier" and moves[pid].supplier_id == supplier_id
        assert moves[pid].unit_cost == 9_000 and moves[pid].unit_price == 12_000
        assert moves[own].owner == "mart" and moves[own].supplier_id is None
        assert inventory.get_product(pid).on_hand == -2


@pytest.mark.parametrize("on_register", [True, False])
def test_receipt_and_drawer_kick_on_one_printer(app, on_register, tmp_path):
    """The register's printer, else the default one (the first active); the kick
    carries the printer's drawer settings; no cash, no kick."""
    with app.app_context():
        printing.create_printer(
            {"name": "Dapur", "connection": "file", "device": str(tmp_path / "d"), "width": 48}
        )
        printer = printing.create_printer(
            {
                "name": "Struk",
                "connection": "file",
                "device": str(tmp_path / "s"),
                "width": 48,
                "drawer": {"pin": 5, "pulse_ms": 120},
            }
        )
        db.session.commit()
        printer_id = printer.id
    if on_register:
        with app.app_context():
            services.create_register("R9", "Kasir", printer_id)
            db.session.commit()

        manager = factories.api_user(app, "manager", pin="4321")
        cashier = factories.api_user(app, "cashier")
        register_id = manager.get("/registers").json["items"][0]["id"]
        shift_id = factories.open_shift(cashier, register_id)["id"]
        expected = printer_id
    else:
        counter = factories.make_counter(app)
        cashier, shift_id = counter.cashier, counter.shift["id"]
        with app.app_context():
            expected = printing.default_printer().id
    pid, _ = factories.make_product(app, price=4_000)
    for payments, kinds in (
        ([{"method": "cash", "amount": 5_000}], ["receipt", "drawer"]),
        ([{"method": "card", "amount": 4_000, "reference": "EDC1"}], ["receipt"]),
    ):
        body = {
            "id": str(uuid.uuid4()),
            "shift_id": shift_id,
            "lines": [{"product_id": pid}],
            "payments": payments,
        }
        response = cashier.post("/sales", json=body)
        assert response.status_code == 201, response.json
        with app.app_context():
            jobs = db.session.scalars(
                sa.select(PrintJob).where(PrintJob.ref_id == body["id"]).order_by(PrintJob.id)
            ).all()
            assert [j.kind for j in jobs] == kinds
            assert {j.printer_id for j in jobs} == {expected}
            assert jobs[0].payload["copy"] is False and jobs[0].payload["barcode"]
            assert all(j.status == "pending" and j.ref_type == "sale" for j in jobs)
            if len(jobs) == 2:
                drawer = {"pin": 5, "pulse_ms": 120} if expected == printer_id else {}
                assert jobs[1].payload == drawer


@settings(max_examples=300, deadline=None)
@given(
    amount=st.integers(min_value=-(10**9), max_value=10**10),
    thousandths=st.integers(min_value=0, max_value=10**7),
    places=st.sampled_from([3, 4]),
)
def test_integer_rounding_equals_the_fraction_rounding(amount, thousandths, places):
    """The sale path's integer shortcuts round as mart.money.round_half_up does."""
    qty = Decimal(thousandths).scaleb(-places)
    assert _times_quantity(amount, qty) == round_half_up(Fraction(amount) * Fraction(qty))
    expected = round_half_up(Fraction(amount) / Fraction(qty)) if qty else 0
    assert _net_unit_price(amount, qty) == expected


def test_stock_rows_locked_as_a_plain_update_locks_them(app):
    """PostgreSQL moves a sale's on-hand in one statement that first locks the rows in
    product-id order. That lock must be the one a plain UPDATE takes (NO KEY UPDATE):
    FOR UPDATE would wait for the KEY SHARE lock another sale's stock-movement foreign
    key holds on the product, and two sales would deadlock. (SQLite has one writer at a
    time: there the call simply moves the stock.)"""
    a, _ = factories.make_product(app, price=1_000)
    b, _ = factories.make_product(app, price=2_000)
    with app.app_context():
        holder = holding = None
        if db.engine.dialect.name == "postgresql":
            holder = db.engine.connect()  # another sale: its movement's FK check on b
            holding = holder.begin()
            holder.execute(
                sa.text("SELECT id FROM inv_products WHERE id = :b FOR KEY SHARE"), {"b": b}
            )
            db.session.execute(sa.text("SET LOCAL lock_timeout = '3s'"))
        try:
            inventory.record_sales([(a, 1, 1_000), (b, 2, 2_000)], ref_id="key-share")
            db.session.commit()
        finally:
            if holder is not None:
                holding.rollback()
                holder.close()
        assert inventory.get_product(a).on_hand == -1
        assert inventory.get_product(b).on_hand == -2


def test_json_rows_store_what_an_executemany_stores(app):
    """``mart.db.JsonRowsInsert`` (PostgreSQL: the sale's lines and stock movements)
    stores what an executemany of ``sa.insert`` stores, in the rows' order (ids
    ascending): quantities in thousandths, timestamps to the microsecond, dates, NULLs,
    quotes and non-ASCII text; a value too long for its column fails as it does."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only (SQLite inserts by executemany)")
    pid, _ = factories.make_product(app, price=1_000)
    columns = ("product_id", "kind", "quantity", "unit_cost", "amount", "owner", "ref_type")
    columns += ("ref_id", "at", "expiry_date", "batch")
    at = datetime(2026, 12, 4, 5, 6, 7, 891_011, tzinfo=UTC)
    rows = [
        {
            "product_id": pid,
            "kind": "sale",
            "quantity": Decimal(q),
            "unit_cost": cost,
            "amount": None if n == 1 else 2**40 + n,
            "owner": "mart",
            "ref_type": "sale",
            "ref_id": None,
            "at": at + timedelta(microseconds=n),
            "expiry_date": date(2027, 1, n + 1) if n else None,
            "batch": batch,
        }
        for n, (q, cost, batch) in enumerate(
            [("-1.250", 900, 'Ïñ "kutip" \\ \n'), ("0.001", None, None), ("-12", 0, "b")]
        )
    ]
    table = StockMovement.__table__
    json_rows = JsonRowsInsert(table, columns)
    with app.app_context():
        conn = db.session.connection()
        conn.execute(sa.insert(table), [row | {"ref_id": "many"} for row in rows])
        rows_json = [row | {"ref_id": "json"} for row in rows]
        conn.execute(json_rows.statement, json_rows.params(conn.dialect, rows_json))
        stored = {
            ref: conn.execute(
                sa.select(table).where(table.c.ref_id == ref).order_by(table.c.id)
            ).all()
            for ref in ("many", "json")
        }
        assert [r.quantity for r in stored["json"]] == [r["quantity"] for r in rows]
        assert [r.at for r in stored["json"]] == [r["at"] for r in rows]
        keep = [c.name for c in table.columns if c.name not in ("id", "ref_id")]
        assert [[r._mapping[c] for c in keep] for r in stored["json"]] == [
            [r._mapping[c] for c in keep] for r in stored["many"]
        ]
        too_long = JsonRowsInsert(table, ["product_id", "kind", "quantity", "at", "batch"])
        with pytest.raises(sa.exc.DataError):
            conn.execute(
                too_long.statement,
                too_long.params(conn.dialect, [rows[0] | {"batch": "x" * 41}]),
            )
        db.session.rollback()


def test_generated_rows_dump_as_marshmallow(app, counter, make_product):
    """``PlainSchema.row`` (one generated function per schema) gives what marshmallow's
    own dump of the declared fields gives, and what the plan's loop gives: a pack line,
    a tier line, a member-less sale with a promotion."""
    pid, code = make_product(price=3_000, tiers=[{"min_quantity": 2, "price": 2_900}])
    dus = factories.ean13(97_002)
    make_product(
        price=2_000, packs=[{"name": "DUS", "factor": 12, "barcode": dus, "price": 20_000}]
    )
    now = datetime.now(UTC)
    body = {
        "name": "5%",
        "kind": "percent",
        "percent": 5,
        "product_ids": [pid],
        "starts": (now - timedelta(days=1)).isoformat(),
        "ends": (now + timedelta(days=1)).isoformat(),
    }
    assert counter.manager.post("/promotions", json=body).status_code == 201
    response = counter.sale(
        [{"barcode": code, "quantity": 2}, {"barcode": dus, "quantity": 1}],
        [
            {"method": "qris", "amount": 1_000, "reference": "Q1"},
            {"method": "cash", "amount": 50_000},
        ],
    )
    assert response.status_code == 201, response.json
    with app.app_context():
        view = SaleView.of(services.get_sale(response.json["id"]))
        for schema, objects in (
            (SaleLineOut(), view.lines),
            (SalePaymentOut(), view.payments),
            (SaleOut(), [view]),
        ):
            for obj in objects:
                assert schema.row(obj) == PlainSchema.row(schema, obj)
                if not isinstance(schema, SaleOut):  # its lines are Rows, dumped by row
                    assert schema.row(obj) == Schema._serialize(schema, obj)
        assert view.lines[0].promotions and view.lines[1].pack_name == "DUS"


@pytest.mark.parametrize(
    ("before", "number"), [(None, "000001"), (41, "000042"), (999_999, "1000000")]
)
def test_receipt_numbers_padded_to_six_digits_and_never_cut(app, counter, before, number):
    """The receipt number is ``<branch>-<register>-`` and the register's counter
    zero-padded to 6 digits; from a million on, whole (PostgreSQL takes it inside the
    sale's insert, SQLite by a statement of its own: the same numbers)."""
    pid, _code = factories.make_product(app, price=1_000)
    if before is not None:
        with app.app_context():
            db.session.execute(
                sa.text("INSERT INTO counters (name, value) VALUES (:n, :v)"),
                {"n": f"receipt:{counter.register['code']}", "v": before},
            )
            db.session.commit()
    response = counter.sale([{"product_id": pid}])
    assert response.status_code == 201, response.json
    branch = app.config["MART_BRANCH_CODE"]
    assert response.json["number"] == f"{branch}-{counter.register['code']}-{number}"
    assert _stored(counter, response.json["id"])["number"] == response.json["number"]


def test_one_statement_stores_what_the_statements_one_by_one_store(app, counter, make_product):
    """PostgreSQL's one statement for the receipt number, the sale, its lines, its
    payments and its stock-out (``fastpath.insert_sale_pg``) stores what SQLite's four
    and ``record_sales``'s one store, run here on the same database: every column of
    the sale, its lines, its payments and its stock movements, in order; on-hand; and
    the next receipt number."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only (SQLite takes the statements one by one)")
    pid, code = make_product(price=3_000, tiers=[{"min_quantity": 2, "price": 2_900}])
    other, _ = make_product(price=1_250, unit="kg")
    body = {
        "lines": [
            {"barcode": code, "quantity": 3},
            {"product_id": other, "quantity": 1.25, "discount": 100},
            {"product_id": pid, "quantity": 1},
        ],
        "payments": [
            {"method": "qris", "amount": 5_000, "reference": 'Q-"1" Ïñ'},
            {"method": "cash", "amount": 20_000},
        ],
    }
    ordinary = sales_module._insert_sale

    def one_by_one(conn, dialect, *args):
        return ordinary(conn, "sqlite", *args)  # SQLite's statements, on PostgreSQL

    first = counter.sale(body["lines"], body["payments"])
    assert first.status_code == 201, first.json
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sales_module, "_insert_sale", one_by_one)
        second = counter.sale(body["lines"], body["payments"])
    assert second.status_code == 201, second.json
    third = counter.sale(body["lines"], body["payments"])
    numbers = [int(r.json["number"].rsplit("-", 1)[1]) for r in (first, second, third)]
    assert numbers[1] == numbers[0] + 1 and numbers[2] == numbers[1] + 1
    with app.app_context():
        conn = db.session.connection()
        stored = {}
        for name, table, key in (
            ("sale", Sale.__table__, "id"),
            ("lines", SaleLine.__table__, "sale_id"),
            ("payments", Payment.__table__, "sale_id"),
            ("stock", StockMovement.__table__, "ref_id"),
        ):
            # not the keys, nor the number (checked above), nor the sale's moment
            left_out = ("id", "sale_id", "number", "created_at", "ref_id", "at")
            keep = [c for c in table.columns if c.name not in left_out]
            stored[name] = [
                [
                    [row._mapping[c.name] for c in keep]
                    for row in conn.execute(
                        sa.select(table).where(table.c[key] == r.json["id"]).order_by(table.c.id)
                    )
                ]
                for r in (first, second)
            ]
        db.session.rollback()
    for name, (merged, separate) in stored.items():
        assert merged == separate, name
    assert len(stored["lines"][0]) == 3 and len(stored["payments"][0]) == 2
    assert len(stored["stock"][0]) == 3
    with app.app_context():  # each of the three sales moved on-hand alike
        assert inventory.get_product(pid).on_hand == -3 * 4
        assert inventory.get_product(other).on_hand == Decimal("-3.750")


def test_no_statement_of_a_sale_reads_its_description_on_postgresql(app, counter, monkeypatch):
    """psycopg describes a result's columns only when asked (mart.pgconn.LeanCursor), and
    SQLAlchemy asks only where it has no metadata of its own for the statement: every
    statement of the sale declares its columns (the sale's and the gathered writes' are
    text with ``.columns``), so after the first sale none builds a description."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL's cursor (mart.pgconn)")
    from mart.pgconn import LazyDescription  # noqa: PLC0415 (psycopg: PostgreSQL only)

    products = [factories.make_product(app, price=1_000 + n) for n in range(4)]
    lines = [{"product_id": pid, "quantity": 2} for pid, _code in products]
    assert counter.sale(lines).status_code == 201  # each statement's metadata, once
    built = []
    real = LazyDescription._built

    def counted(self):
        if self._columns is None:
            built.append(self)
        return real(self)

    monkeypatch.setattr(LazyDescription, "_built", counted)
    for _ in range(3):
        assert counter.sale(lines).status_code == 201
    assert built == []


def test_the_products_statement_keeps_one_plan_on_postgresql(app):
    """PostgreSQL plans a prepared statement anew for every execution while its plan for
    those values looks cheaper than its plan for any values. For the sale's products
    (5 picked and 5 scanned lines) it always did: 0.39 ms of the server's CPU per sale.
    The arrays are padded to 10 values (inventory.services.batch._PLANNED_VALUES), and
    the server settles on one plan after its five trial runs. The answer is unchanged."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL's plan cache")
    products = [factories.make_product(app, price=1_000 + n) for n in range(12)]
    ids = [pid for pid, _code in products[:5]]
    codes = [code for _pid, code in products[5:10]]
    with app.app_context():
        # a branch's catalogue, as the planner sees it
        db.session.execute(
            sa.text(
                "INSERT INTO inv_products (sku, name, search_text, unit, price, tax, active, "
                "tracks_expiry, on_hand, cost_pending, avg_cost, reorder_point, created_at, "
                "updated_at) SELECT 'X' || n, 'Barang ' || n, '', 'pcs', 1000, 'ppn', true, "
                "false, 0, 0, 0, 0, now(), now() FROM generate_series(1, 20000) AS n"
            )
        )
        db.session.execute(
            sa.text(
                "INSERT INTO inv_barcodes (code, product_id) SELECT '77' || id, id "
                "FROM inv_products WHERE sku LIKE 'X%'"
            )
        )
        db.session.commit()
        db.session.execute(sa.text("ANALYZE inv_products"))
        db.session.execute(sa.text("ANALYZE inv_barcodes"))
        db.session.commit()
        # a new connection, as a branch's pool opens: the shared engine's connections
        # keep what earlier tests prepared (mart.pgconn.LeanConnection), with custom
        # plans priced on their nearly empty tables, which the server averages in
        db.session.connection().invalidate()
        db.session.rollback()
        for _ in range(12):  # psycopg prepares it at the 6th, the server chooses after 5 more
            by_id, by_code = inventory.sale_products(ids, codes)
        plans = db.session.execute(
            sa.text(
                # this statement alone: the connection keeps what other statements
                # (the factories') prepared (mart.pgconn.LeanConnection)
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                "WHERE statement LIKE '%FROM inv_barcodes%inv_product_packs.barcode = ANY%'"
            )
        ).all()
        db.session.rollback()
    assert sorted(by_id) == ids
    assert sorted(by_code) == sorted(codes)
    assert {p.price for p in by_id.values()} == {1_000 + n for n in range(5)}
    assert len(plans) == 1 and plans[0].generic_plans >= 1, plans
