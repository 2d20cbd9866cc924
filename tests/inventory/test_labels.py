"""Price change history, the label queue and shelf labels read back from the printer."""

import pytest

from inventory import importer, labels, services
from inventory.retail_models import LabelQueueItem, PriceChange
from mart.extensions import db
from printers.document import Document
from printers.worker import Worker
from tests import factories
from tests.factories import ean13
from tests.fakeprinter import parse_escpos


@pytest.fixture
def manager(api_as):
    return api_as("manager")


def _printer(app, fake, width, profile):
    return factories.make_printer(app, fake, name=f"Label {width}", width=width, profile=profile)


def test_every_price_change_is_recorded_and_queued(app, manager, make_product, rows):
    p = make_product(price=5000, member_price=4800)
    manager.delete("/labels")
    r = manager.patch(f"/products/{p}", json={"price": 5500})
    assert r.status_code == 200
    manager.patch(f"/products/{p}", json={"member_price": 5200})
    manager.patch(f"/products/{p}", json={"name": "Nama baru"})  # no price change
    history = manager.get(f"/products/{p}/price-history").json["items"]
    assert [
        (h["old_price"], h["new_price"], h["old_member_price"], h["new_member_price"])
        for h in history
    ] == [
        (5500, 5500, 4800, 5200),
        (5000, 5500, 4800, 4800),
        (None, 5000, None, 4800),  # created
    ]
    assert history[0]["username"] == manager.username and history[0]["at"]
    queue = manager.get("/labels").json
    assert queue["total"] == 1 and queue["items"][0]["product_id"] == p
    assert queue["items"][0]["price"] == 5500 and queue["items"][0]["member_price"] == 5200
    assert manager.get("/products/999/price-history").status_code == 404


def test_import_records_price_changes_of_existing_products(app, make_product, rows):
    p = make_product(sku="IMP1", price=3000, barcode=ean13(777))
    q = make_product(sku="IMP2", price=4000, barcode=ean13(778))
    with app.app_context():
        labels.clear()
        db.session.commit()
        text = (
            "sku,name,barcode,price\n"
            f"IMP1,Barang 1,{ean13(777)},3500\n"
            f"IMP2,Barang 2,{ean13(778)},4000\n"
        )
        importer.import_products(text)
        db.session.commit()
        changes = db.session.scalars(
            db.select(PriceChange).where(PriceChange.source == "import")
        ).all()
        assert [(c.product_id, c.old_price, c.new_price) for c in changes] == [(p, 3000, 3500)]
        assert [i.product_id for i in labels.queue()] == [p]
        assert q not in [i.product_id for i in labels.queue()]


def test_add_by_scanning_remove_and_clear(app, manager, make_product, rows):
    code = ean13(4321)
    p = make_product(barcode=code)
    manager.delete("/labels")
    r = manager.post("/labels", json={"code": code, "copies": 3})
    assert r.status_code == 201 and r.json["product_id"] == p and r.json["copies"] == 3
    r = manager.post("/labels", json={"code": code})  # again: still one row
    assert manager.get("/labels").json["total"] == 1
    before = rows.snapshot()
    r = manager.post("/labels", json={"code": ean13(9999)})
    assert r.status_code == 422 and "code" in r.json["errors"]["json"]
    r = manager.post("/labels", json={"code": code, "copies": 0})
    assert r.status_code == 422 and "copies" in r.json["errors"]["json"]
    r = manager.post("/labels", json={})
    assert r.status_code == 422 and "code" in r.json["errors"]["json"]
    assert rows.snapshot() == before
    assert manager.delete(f"/labels/{p}").status_code == 204
    assert manager.get("/labels").json["total"] == 0
    assert manager.post("/labels/print", json={}).status_code == 409


@pytest.mark.parametrize("width,profile", [(48, "TM-T20II"), (32, "POS-5890")])
def test_labels_read_back_from_the_printer(
    app, manager, make_product, fake_printer, width, profile
):
    printer_id = _printer(app, fake_printer, width, profile)
    a = make_product(
        name="Minyak Goreng Bimoli 2L", price=38500, member_price=37000, barcode=ean13(5001)
    )
    b = make_product(name="Teh Celup Sariwangi", price=6200, barcode=ean13(5002))
    manager.delete("/labels")
    manager.post("/labels", json={"product_id": a, "copies": 2})
    manager.post("/labels", json={"product_id": b})
    r = manager.post("/labels/print", json={"printer_id": printer_id})
    assert r.status_code == 202 and r.json["labels"] == 3
    assert manager.get("/labels").json["total"] == 0
    Worker(app, name="label-test").run_once()
    assert len(fake_printer.jobs) == 1
    events = parse_escpos(fake_printer.jobs[0])
    texts = [e for e in events if e["type"] == "text"]
    words = [e["text"].strip() for e in texts]
    assert words.count("Minyak Goreng Bimoli 2L") == 2 and words.count("Teh Celup Sariwangi") == 1
    prices = [e for e in texts if e["text"].strip() == "Rp 38.500"]
    assert len(prices) == 2 and all(e["double_height"] and e["bold"] for e in prices)
    assert words.count("Anggota Rp 37.000") == 2 and words.count("Rp 6.200") == 1
    assert not any(w.startswith("Anggota") and "6.200" in w for w in words)
    assert all(len(e["text"]) <= width for e in texts)
    assert words.count(ean13(5001)) == 2 and words.count(ean13(5002)) == 1
    if width == 48:  # the printer draws CODE128 itself
        bars = [e["data"] for e in events if e["type"] == "barcode"]
        assert bars == ["{B" + ean13(5001)] * 2 + ["{B" + ean13(5002)]
    else:  # POS-5890 has no barcode command: the bars are a raster image
        assert "barcode" not in [e["type"] for e in events]
        assert len([e for e in events if e["type"] == "image"]) == 3


def test_label_document_round_trips_through_the_job_payload(app, make_product):
    p = make_product(price=1000, member_price=900)
    with app.app_context():
        labels.clear()
        labels.enqueue([p], copies=2)
        doc = labels.label_document(labels.queue())
        assert Document.from_dict(doc.to_dict()) == doc
        assert len(doc.labels) == 2
        db.session.rollback()
        assert services.get_product(p).price == 1000
        assert db.session.query(LabelQueueItem).count() >= 1  # from create_product
