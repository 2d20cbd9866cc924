"""An existing branch upgrading: ``flask mart init`` posts an opening balance journal
from the ledgers, once, and the books agree from that day."""

import sqlalchemy as sa

from books.models import Journal, JournalLine
from mart.extensions import db
from tests import factories
from tests.books.conftest import balances
from tests.conftest import count_rows


def test_init_posts_the_opening_balance_from_the_ledgers_once(app, runner):
    counter = factories.make_counter(app)
    supplier = counter.manager.post("/suppliers", json={"name": "Grosir", "terms": "purchase"}).json
    umkm = counter.manager.post(
        "/suppliers", json={"name": "UMKM", "terms": "consignment", "commission_percent": 10}
    ).json
    own, _ = factories.make_product(app, price=3_000, tax="exempt")
    consigned, _ = factories.make_product(app, price=2_000, tax="exempt", supplier_id=umkm["id"])
    counter.manager.post(
        "/goods-receipts",
        json={
            "supplier_id": supplier["id"],
            "lines": [{"product_id": own, "quantity": 20, "unit_cost": 2_000}],
        },
    )
    counter.manager.post(
        "/goods-receipts",
        json={
            "supplier_id": umkm["id"],
            "lines": [{"product_id": consigned, "quantity": 5, "unit_cost": 1_800}],
        },
    )
    no = factories.make_member(app, sukarela=40_000)
    counter.manager.post(f"/members/{no}/deposits", json={"kind": "pokok", "amount": 100_000})
    counter.sale(
        [{"product_id": own, "quantity": 2}, {"product_id": consigned, "quantity": 3}],
        [{"method": "cash", "amount": 20_000}],
    )
    # The branch as it was before it kept books: the same ledgers, no journal.
    with app.app_context():
        db.session.execute(sa.delete(JournalLine))
        db.session.execute(sa.delete(Journal))
        db.session.commit()
    result = runner.invoke(args=["mart", "init"])
    assert result.exit_code == 0, result.output
    assert "opening balance" in result.output
    with app.app_context():
        journals = db.session.scalars(sa.select(Journal)).all()
    assert [j.kind for j in journals] == ["opening"]
    got = balances(app)
    assert got["persediaan"] == 18 * 2_000
    assert got["utang_konsinyasi"] == -(3 * 1_800)  # 6.000 less 10%
    assert got["simpanan_sukarela"] == -40_000 and got["simpanan_pokok"] == -100_000
    assert got["kas"] == 200_000 + 12_000  # the open drawer: float and the sale
    assert sum(got.values()) == 0
    assert got["saldo_awal"] == -(36_000 + 212_000 - 5_400 - 140_000)
    assert runner.invoke(args=["books", "check"]).exit_code == 0
    again = runner.invoke(args=["mart", "init"])
    assert again.exit_code == 0 and "opening balance" not in again.output
    assert count_rows(app, Journal) == 1


def test_a_new_branch_gets_no_opening_journal(app, runner):
    assert runner.invoke(args=["mart", "init"]).exit_code == 0
    assert count_rows(app, Journal) == 0
