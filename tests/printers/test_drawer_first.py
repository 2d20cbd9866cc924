"""A cash-drawer kick never waits behind a burst of receipts (issue 13, 3 Dec): the
worker claims kicks first, at most ``BATCH`` jobs at a time, and a kick queued while
receipts print goes out right after the receipt being printed, once the round has been
sending for ``KICK_LOOK_SECONDS`` (a printer slow to take receipts; one that takes them
at once ends the round first, and the next pass claims the kick first). Against the
loopback ESC/POS printer (tests/fakeprinter.py)."""

import threading
import time

import pytest
from sqlalchemy import event as sa_event

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


@pytest.fixture
def slow_printer(monkeypatch):
    """The printer is slow to take receipts: every look for a kick between two of them
    is past ``KICK_LOOK_SECONDS`` (the gate itself: test_a_quick_round_leaves_...)."""
    monkeypatch.setattr(worker_module, "KICK_LOOK_SECONDS", 0.0)


def _kick(app, printer_id):
    with app.app_context():
        job = services.queue_drawer_kick(printer_id, ref_type="sale", ref_id="laci").id
        db.session.commit()
        return job


def _while_printing(monkeypatch, at, action, taking=0.0):
    """The printer's sends, with ``action()`` (another cashier's sale, committed from
    another thread) run after each send numbered in ``at``; each send takes ``taking``
    seconds more (a printer slow to take receipts)."""
    real_send = worker_module.transport.send
    sent = []

    def send(printer, data):
        time.sleep(taking)
        real_send(printer, data)
        sent.append(data)
        if len(sent) in at:
            other = threading.Thread(target=action)
            other.start()
            other.join()

    monkeypatch.setattr(worker_module.transport, "send", send)


def _print_job_statements(app):
    """The statements on print_jobs as they run (white space folded), and their stop."""
    seen = []

    def count(conn, cursor, statement, params, context, executemany):
        if statement.startswith(("SELECT print_jobs", "UPDATE print_jobs")):
            seen.append(" ".join(statement.split()))

    with app.app_context():
        engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", count)
    return seen, lambda: sa_event.remove(engine, "before_cursor_execute", count)


def test_a_kick_queued_behind_receipts_goes_first(app, add_printer, fake_printer, worker):
    printer_id = _printer(add_printer, fake_printer)
    for n in range(30):
        _queue(app, printer_id, title=f"J{n:02}")
    _kick(app, printer_id)
    assert worker().run_once()["done"] == 31
    kinds = _kinds(fake_printer)
    assert kinds[0] == "drawer" and kinds.count("receipt") == 30


def test_a_kick_queued_during_a_burst_goes_out_after_the_current_receipt(
    app, add_printer, fake_printer, worker, monkeypatch, slow_printer
):
    printer_id = _printer(add_printer, fake_printer)
    burst = 45  # more than two batches
    for n in range(burst):
        _queue(app, printer_id, title=f"J{n:02}")
    # the cashier's next sale opens the drawer now
    _while_printing(monkeypatch, (3,), lambda: _kick(app, printer_id))
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


def test_receipts_committed_during_a_burst_cost_no_kick_query(
    app, add_printer, fake_printer, worker, monkeypatch
):
    # Under load every sale's commit wakes the worker. Before, each wake made the worker
    # look for a waiting kick after every receipt it printed: a statement per sale.
    printer_id = _printer(add_printer, fake_printer)
    for n in range(25):
        _queue(app, printer_id, title=f"J{n:02}")
    # more sales, receipts only, while the burst prints
    _while_printing(monkeypatch, (2, 5, 9), lambda: _queue(app, printer_id))
    seen, stop = _print_job_statements(app)
    try:
        worker_module.WAKE.clear()
        assert worker().run_once()["done"] == 28
    finally:
        stop()
    looked = [s for s in seen if s.startswith("SELECT print_jobs.id FROM")]
    kicks_claimed = [s for s in seen if s.count("print_jobs.kind = ") == 2]
    assert looked == [] and kicks_claimed == [], seen
    assert _kinds(fake_printer) == ["receipt"] * 28


def test_a_kick_wakes_with_its_own_datagram(app, tmp_path, monkeypatch):
    # From another gunicorn process a kick's commit sends b"k", a receipt's b"w".
    path = tmp_path / "w.sock"
    assert len(str(path)) <= worker_module._MAX_SOCKET_PATH
    monkeypatch.setitem(worker_module._wake, "path", str(path))
    monkeypatch.setitem(worker_module._wake, "listening", False)
    monkeypatch.setitem(worker_module._wake, "sock", None)
    stop = threading.Event()
    listener = worker_module._listen(stop)
    try:
        monkeypatch.setitem(worker_module._wake, "listening", False)  # send as another process
        for kick, expected in ((False, False), (True, True)):
            worker_module.WAKE.clear()
            worker_module.KICK.clear()
            worker_module._notify_worker_process(kick=kick)
            assert worker_module.WAKE.wait(5)
            assert worker_module.KICK.is_set() is expected
    finally:
        stop.set()
        listener.join(5)
        if worker_module._wake["sock"] is not None:
            worker_module._wake["sock"].close()


def test_a_kick_during_a_burst_is_claimed_alone(
    app, add_printer, fake_printer, worker, monkeypatch, slow_printer
):
    # Under load every cash sale queues a kick. Before, each kick gave the claimed
    # receipts back and the round claimed them again: a look, a give-back and a claim
    # per sale. Now the kick alone is claimed, between two receipts.
    printer_id = _printer(add_printer, fake_printer)
    for n in range(10):
        _queue(app, printer_id, title=f"J{n:02}")
    _while_printing(monkeypatch, (3,), lambda: _kick(app, printer_id))
    seen, stop = _print_job_statements(app)
    try:
        assert worker().run_once()["done"] == 11
    finally:
        stop()
    updates = [u for u in seen if u.startswith("UPDATE")]
    assert _kinds(fake_printer).index("drawer") == 3
    claims = [u for u in updates if "claimed_by=" in u and "status=" in u and "RETURNING" in u]
    assert len(claims) == 2, updates  # the batch, then the kick alone
    # (the batch's claim names the kind once, to order kicks first; the kick's twice)
    assert [c.count("print_jobs.kind = ") for c in claims] == [1, 2], claims
    given_back = [u for u in updates if "attempts=(print_jobs.attempts -" in u]
    assert given_back == [], updates
    with app.app_context():
        jobs = db.session.query(PrintJob).order_by(PrintJob.id).all()
        assert {j.status for j in jobs} == {"done"}
        assert all(j.attempts == 1 for j in jobs)


def test_a_kick_that_fails_holds_back_the_rest_of_its_printers_receipts(
    app, add_printer, fake_printer, worker, monkeypatch, slow_printer
):
    printer_id = _printer(add_printer, fake_printer)
    receipts = [_queue(app, printer_id, title=f"J{n:02}") for n in range(6)]
    real_send = worker_module.transport.send
    sent = []
    kick = []

    def send(printer, data):
        if kick and any(e["type"] == "drawer" for e in parse_escpos(data)):
            raise worker_module.transport.PrinterError("printer offline (cover open)")
        real_send(printer, data)
        sent.append(data)
        if len(sent) == 2:
            kick.append(_kick(app, printer_id))

    monkeypatch.setattr(worker_module.transport, "send", send)
    outcome = worker().run_once()
    assert outcome == {"done": 2, "failed": 1, "dropped": 0}
    with app.app_context():
        jobs = {j.id: j for j in db.session.query(PrintJob)}
        assert [jobs[r].status for r in receipts] == ["done"] * 2 + ["pending"] * 4
        assert all(jobs[r].attempts == 1 for r in receipts[:2])
        assert all(jobs[r].attempts == 0 for r in receipts[2:])  # given back untried
        # ... and they wait as long as the kick does, as behind a failed receipt
        waits = {jobs[r].next_attempt_at for r in receipts[2:]}
        assert waits == {jobs[kick[0]].next_attempt_at} and None not in waits
        assert jobs[kick[0]].status == "failed"
        assert "cover open" in jobs[kick[0]].last_error


def _kick_claims(seen):
    """The claims of drawer kicks alone (they name the kind twice)."""
    return [u for u in seen if u.startswith("UPDATE") and u.count("print_jobs.kind = ") == 2]


def test_a_quick_round_leaves_a_kick_to_the_next_pass(
    app, add_printer, fake_printer, worker, monkeypatch
):
    # Under load every cash sale queues a kick while the worker prints the receipts
    # before it. A printer that takes receipts at once ends its round before the
    # kick is looked for: the next pass claims it first (no claim between receipts).
    # (A slow printer's round looks: the next test.)
    printer_id = _printer(add_printer, fake_printer)
    monkeypatch.setattr(worker_module, "KICK_LOOK_SECONDS", 60.0)  # every round is young
    for n in range(6):
        _queue(app, printer_id, title=f"J{n:02}")
    _while_printing(monkeypatch, (2,), lambda: _kick(app, printer_id))
    seen, stop = _print_job_statements(app)
    worker_module.KICK.clear()
    try:
        assert worker().run_once()["done"] == 6
        assert _kick_claims(seen) == [] and worker_module.KICK.is_set()
        assert worker().run_once()["done"] == 1  # the next pass: the kick
    finally:
        stop()
    assert _kinds(fake_printer) == ["receipt"] * 6 + ["drawer"]


def test_a_slow_printers_round_looks_for_a_kick_after_one_receipt(
    app, add_printer, fake_printer, worker, monkeypatch
):
    # A printer slow to take receipts (each send takes longer than the gate) is past it
    # after the first receipt: the kick goes out after the receipt being printed.
    printer_id = _printer(add_printer, fake_printer)
    monkeypatch.setattr(worker_module, "KICK_LOOK_SECONDS", 0.05)
    for n in range(6):
        _queue(app, printer_id, title=f"S{n:02}")
    _while_printing(monkeypatch, (2,), lambda: _kick(app, printer_id), taking=0.06)
    seen, stop = _print_job_statements(app)
    try:
        assert worker().run_once()["done"] == 7
    finally:
        stop()
    assert len(_kick_claims(seen)) == 1, seen
    assert _kinds(fake_printer) == ["receipt"] * 2 + ["drawer"] + ["receipt"] * 4
