"""A cash-drawer kick never waits behind a burst of receipts (issue 13, 3 Dec): the
worker claims kicks first, at most ``BATCH`` jobs at a time, and a kick queued while
receipts print goes out right after the receipt being printed. Against the loopback
ESC/POS printer (tests/fakeprinter.py)."""

import threading

from mart.extensions import db
from printers import services
from printers import worker as worker_module
from printers.models import PrintJob
from tests.fakeprinter import parse_escpos
from tests.printers.test_queue import _queue


def _kinds(fake):
    """What the printer received, in order: "drawer" or "receipt" per connection."""
    fake.settle()
    return [
        "drawer" if any(e["type"] == "drawer" for e in parse_escpos(data)) else "receipt"
        for data in fake.jobs
    ]


def _printer(add_printer, fake_printer):
    return add_printer(
        name="Kasir",
        connection="network",
        host="127.0.0.1",
        port=fake_printer.port,
        drawer={"pin": 2, "pulse_ms": 100},
    )


def _kick(app, printer_id):
    with app.app_context():
        job = services.queue_drawer_kick(printer_id, ref_type="sale", ref_id="laci").id
        db.session.commit()
        return job


def test_a_kick_queued_behind_receipts_goes_first(app, add_printer, fake_printer, worker):
    printer_id = _printer(add_printer, fake_printer)
    for n in range(30):
        _queue(app, printer_id, title=f"J{n:02}")
    _kick(app, printer_id)
    assert worker().run_once()["done"] == 31
    kinds = _kinds(fake_printer)
    assert kinds[0] == "drawer" and kinds.count("receipt") == 30


def test_a_kick_queued_during_a_burst_goes_out_after_the_current_receipt(
    app, add_printer, fake_printer, worker, monkeypatch
):
    printer_id = _printer(add_printer, fake_printer)
    burst = 45  # more than two batches
    for n in range(burst):
        _queue(app, printer_id, title=f"J{n:02}")
    real_send = worker_module.transport.send
    sent = []

    def send(printer, data):
        real_send(printer, data)
        sent.append(data)
        if len(sent) == 3:  # the cashier's next sale opens the drawer now
            queued = threading.Thread(target=_kick, args=(app, printer_id))
            queued.start()
            queued.join()

    monkeypatch.setattr(worker_module.transport, "send", send)
    worker_module.WAKE.clear()  # as the loop does at the start of a pass
    assert worker().run_once()["done"] == burst + 1
    kinds = _kinds(fake_printer)
    assert kinds.index("drawer") == 3, kinds[:10]
    assert kinds.count("receipt") == burst
    # every receipt printed once, in order
    with app.app_context():
        jobs = db.session.query(PrintJob).order_by(PrintJob.id).all()
        assert {j.status for j in jobs} == {"done"}
        assert all(j.attempts == 1 for j in jobs)
