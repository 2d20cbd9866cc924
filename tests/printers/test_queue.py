"""The print queue and its worker against a loopback ESC/POS printer.

Jobs queue in the caller's transaction, fail with the reason when the printer is
offline, out of paper or drops the connection, are retried, and print exactly once
when it comes back. Stale drawer kicks are dropped; two workers never double-print.
"""

import os
import threading
import time
import tty
from datetime import timedelta

import pytest
import sqlalchemy as sa

from mart.db import utcnow
from mart.extensions import db
from printers import services
from printers.document import Document
from printers.models import PrintJob
from printers.worker import Worker
from tests.fakeprinter import parse_escpos
from tests.printers import sample


def _queue(app, printer_id=None, title="STRUK", **kw):
    with app.app_context():
        doc = sample.receipt()
        doc.title = title
        job = services.queue_document(doc, printer_id, **kw)
        db.session.commit()
        return job.id


def _job(app, job_id):
    with app.app_context():
        job = db.session.get(PrintJob, job_id)
        db.session.expunge(job)
        return job


def _titles(fake):
    """The titles of the jobs the printer printed, in order."""
    out = []
    fake.settle()
    for data in fake.jobs:
        for event in parse_escpos(data):
            if event["type"] == "text" and event["bold"] and event["text"].strip().startswith("J"):
                out.append(event["text"].strip())
    return out


def test_queue_document_is_part_of_the_callers_transaction(app, network_printer, rows):
    with app.app_context():
        services.queue_document(sample.receipt(), network_printer)
        db.session.rollback()
    assert rows(PrintJob) == 0
    job_id = _queue(app, network_printer, ref_type="sale", ref_id="abc")
    job = _job(app, job_id)
    assert (job.status, job.printer_id, job.ref_type, job.ref_id) == (
        "pending",
        network_printer,
        "sale",
        "abc",
    )


def test_prints_once_on_a_network_printer(app, network_printer, fake_printer, worker):
    job_id = _queue(app, network_printer, title="JOB 1")
    assert worker().run_once()["done"] == 1
    job = _job(app, job_id)
    assert job.status == "done" and job.printed_at is not None and job.attempts == 1
    assert _titles(fake_printer) == ["JOB 1"]
    events = fake_printer.events()
    assert events[0]["type"] == "init" and events[-1]["type"] == "cut"
    assert 1 in fake_printer.status_queries  # asked before and after
    assert worker().run_once() == {"done": 0, "failed": 0, "dropped": 0}
    assert len(fake_printer.jobs) == 1


@pytest.mark.parametrize(
    "mode,reason",
    [
        ("offline", "offline"),
        ("paper_out", "out of paper"),
        ("drop_connection", "connection"),
        ("unreachable", "cannot connect"),
    ],
)
def test_fails_with_reason_then_prints_once_when_back(
    app, network_printer, fake_printer, worker, mode, reason
):
    fake_printer.mode = mode
    job_id = _queue(app, network_printer, title="JOB 1")
    assert worker().run_once()["failed"] == 1
    job = _job(app, job_id)
    assert job.status == "failed" and reason in job.last_error
    assert job.next_attempt_at is not None
    assert fake_printer.jobs == []
    # not due yet: nothing is tried (the clock a minute back, so a slow machine's wait
    # between the two passes cannot outlast the backoff, as it did once in CI)
    assert worker(later=-60).run_once() == {"done": 0, "failed": 0, "dropped": 0}
    # still broken after the backoff: failed again, attempts count up
    assert worker(later=3).run_once()["failed"] == 1
    assert _job(app, job_id).attempts == 2
    fake_printer.mode = "online"
    assert worker(later=120).run_once()["done"] == 1
    assert worker(later=600).run_once()["done"] == 0
    assert _titles(fake_printer) == ["JOB 1"]
    job = _job(app, job_id)
    assert job.status == "done" and job.attempts == 3


def test_backoff_grows_and_caps():
    assert [services.backoff_seconds(n) for n in range(1, 7)] == [2, 5, 15, 60, 60, 60]


def test_waiting_jobs_keep_their_order_and_the_banner_counts_them(
    app, network_printer, fake_printer, worker
):
    fake_printer.mode = "offline"
    ids = [_queue(app, network_printer, title=f"JOB {n}") for n in (1, 2, 3)]
    outcome = worker().run_once()
    assert outcome["failed"] == 1  # the other two were not even tried
    with app.app_context():
        status = services.queue_status(network_printer)
    assert status["waiting"] == 3 and status["failed"] == 1
    assert "offline" in status["last_error"] and status["printer"] == "Kasir Net"
    # ... and lists them, oldest first, for the cashier's banner
    assert [(j["id"], j["title"], j["status"]) for j in status["jobs"]] == [
        (ids[0], "JOB 1", "failed"),
        (ids[1], "JOB 2", "pending"),
        (ids[2], "JOB 3", "pending"),
    ]
    assert "offline" in status["jobs"][0]["last_error"] and status["jobs"][1]["attempts"] == 0
    fake_printer.mode = "online"
    assert worker(later=120).run_once()["done"] == 3
    assert _titles(fake_printer) == ["JOB 1", "JOB 2", "JOB 3"]
    assert [_job(app, i).status for i in ids] == ["done"] * 3
    with app.app_context():
        assert services.queue_status(network_printer)["waiting"] == 0


def test_job_without_any_printer_waits_then_goes_to_the_default(
    app, add_printer, fake_printer, worker
):
    job_id = _queue(app)
    assert _job(app, job_id).printer_id is None
    with app.app_context():
        assert services.queue_status()["waiting"] == 1
    assert worker().run_once()["done"] == 0
    printer_id = add_printer(
        name="Baru", connection="network", host="127.0.0.1", port=fake_printer.port
    )
    assert worker().run_once()["done"] == 1
    assert _job(app, job_id).printer_id == printer_id
    assert len(fake_printer.jobs) == 1


def test_drawer_kick_fires_when_fresh_and_is_dropped_when_stale(
    app, add_printer, fake_printer, worker
):
    printer_id = add_printer(
        name="Laci",
        connection="network",
        host="127.0.0.1",
        port=fake_printer.port,
        drawer={"pin": 5, "pulse_ms": 120},
    )
    with app.app_context():
        fresh = services.queue_drawer_kick(printer_id, ref_type="sale", ref_id="1").id
        db.session.commit()
    assert worker().run_once()["done"] == 1
    kicks = [e for e in fake_printer.events() if e["type"] == "drawer"]
    assert kicks == [{"type": "drawer", "pin": 5, "on_ms": 120, "off_ms": 240}]
    assert _job(app, fresh).status == "done"
    with app.app_context():
        stale = services.queue_drawer_kick(printer_id).id
        db.session.commit()
    assert worker(later=10).run_once()["dropped"] == 1
    assert _job(app, stale).status == "dropped"
    assert len([e for e in fake_printer.events() if e["type"] == "drawer"]) == 1


def test_drawer_kick_to_a_printer_without_a_drawer_is_dropped(
    app, add_printer, fake_printer, worker
):
    printer_id = add_printer(
        name="Tanpa laci", connection="network", host="127.0.0.1", port=fake_printer.port
    )
    with app.app_context():
        kick = services.queue_drawer_kick(printer_id, ref_type="sale", ref_id="2").id
        receipt = services.queue_document(Document(title="JOB D"), printer_id).id
        db.session.commit()
    outcome = worker().run_once()
    assert outcome["dropped"] == 1 and outcome["done"] == 1
    assert _job(app, kick).status == "dropped"
    assert "no cash drawer" in _job(app, kick).last_error
    assert _job(app, receipt).status == "done"
    assert not [e for e in fake_printer.events() if e["type"] == "drawer"]


@pytest.mark.parametrize("keep", [False, True])  # True: as the loop, a kept connection
def test_two_workers_never_print_the_same_job(app, network_printer, fake_printer, keep):
    ids = [_queue(app, network_printer, title=f"JOB {n}") for n in range(1, 13)]
    errors = []

    def run(name):
        w = Worker(app, name=name)
        try:
            for _ in range(30):
                w.run_once(keep=keep)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            w.close()

    threads = [threading.Thread(target=run, args=(f"w{n}",)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    titles = _titles(fake_printer)
    assert sorted(titles) == sorted(f"JOB {n}" for n in range(1, 13))
    assert len(titles) == len(set(titles)) == 12
    with app.app_context():
        jobs = db.session.scalars(sa.select(PrintJob).where(PrintJob.id.in_(ids))).all()
        assert {j.status for j in jobs} == {"done"}
        assert {j.attempts for j in jobs} == {1}


def test_printer_that_never_answers_status_still_prints(app, network_printer, fake_printer, worker):
    fake_printer.answer_status = False
    _queue(app, network_printer, title="JOB 1")
    assert worker().run_once()["done"] == 1
    assert _titles(fake_printer) == ["JOB 1"]


def test_worker_survives_a_broken_job(app, network_printer, fake_printer, worker):
    bad = _queue(app, network_printer, title="JOB 1")
    good = _queue(app, network_printer, title="JOB 2")
    with app.app_context():
        db.session.execute(
            sa.update(PrintJob).where(PrintJob.id == bad).values(payload={"items": [{"x": 1}]})
        )
        db.session.commit()
    outcome = worker().run_once()
    assert outcome["failed"] == 1 and outcome["done"] == 1  # the printer is not blamed
    assert "internal error" in _job(app, bad).last_error
    assert _job(app, good).status == "done"
    assert worker(later=120).run_once() == {"done": 0, "failed": 1, "dropped": 0}
    assert _titles(fake_printer) == ["JOB 2"]


def test_retry_sends_a_given_up_job_again(app, network_printer, fake_printer):
    fake_printer.mode = "offline"
    job_id = _queue(app, network_printer, title="JOB 1")
    outcome, reason = Worker(app, name="cli").send_now(job_id)
    assert outcome == "failed" and "offline" in reason
    job = _job(app, job_id)
    assert job.status == "failed" and job.next_attempt_at is None  # no automatic retry
    assert Worker(app).run_once()["done"] == 0
    fake_printer.mode = "online"
    with app.app_context():
        services.retry_job(job_id)
        db.session.commit()
    assert Worker(app).run_once()["done"] == 1
    assert _titles(fake_printer) == ["JOB 1"]


def test_copy_job_prints_salinan(app, network_printer, fake_printer, worker):
    job_id = _queue(app, network_printer, title="JOB 1", copy=True)
    assert _job(app, job_id).copy is True
    worker().run_once()
    assert "*** SALINAN / COPY ***" in [line.strip() for line in fake_printer.lines()]


def test_file_printer_appends(app, add_printer, tmp_path, worker):
    path = tmp_path / "kasir.bin"
    printer_id = add_printer(name="File", connection="file", device=str(path), width=32)
    _queue(app, printer_id, title="JOB 1")
    _queue(app, printer_id, title="JOB 2")
    assert worker().run_once()["done"] == 2
    lines = [e["text"].strip() for e in parse_escpos(path.read_bytes()) if e["type"] == "text"]
    assert lines.count("JOB 1") == 1 and lines.count("JOB 2") == 1


def test_cups_without_pycups_fails_with_the_reason(app, add_printer, worker):
    printer_id = add_printer(name="Cups", connection="cups", device="kasir")
    job_id = _queue(app, printer_id)
    worker().run_once()
    job = _job(app, job_id)
    assert job.status == "failed" and job.last_error == "pycups not installed"


def test_health_probe_counts_waiting_and_failed(app, network_printer, fake_printer, worker):
    fake_printer.mode = "offline"
    _queue(app, network_printer)
    _queue(app, network_printer)
    worker().run_once()
    body = app.test_client().get("/healthz").get_json()
    assert body["printers"] == {"waiting": 2, "failed": 1}


def test_worker_thread_in_the_app_prints_after_commit(app_factory, fake_printer):
    app = app_factory(MART_START_WORKERS=True)
    try:
        with app.app_context():
            printer = services.create_printer(
                {
                    "name": "Thread",
                    "connection": "network",
                    "host": "127.0.0.1",
                    "port": fake_printer.port,
                    "width": 48,
                }
            )
            db.session.commit()
            job = services.queue_document(Document(title="JOB T"), printer.id)
            db.session.commit()
            job_id = job.id
        for _ in range(200):  # wait for the condition, not for a time
            if _job(app, job_id).status == "done":
                break
            time.sleep(0.05)
        assert _job(app, job_id).status == "done"
        assert _titles(fake_printer) == ["JOB T"]
    finally:
        for thread, stop in app.extensions.get("printers_worker", []):
            stop.set()  # also wakes the worker from its pause
            thread.join(timeout=10)
            assert not thread.is_alive()


def test_job_left_printing_by_a_dead_worker_is_sent_again(app, network_printer, fake_printer):
    job_id = _queue(app, network_printer, title="JOB 1")
    dead = Worker(app, name="dead")
    with app.app_context():
        assert dead._claim(job_id, None)  # claimed, then the process died
    assert Worker(app).run_once()["done"] == 0  # not stale yet: left alone
    later = Worker(app, name="later", clock=lambda: utcnow() + timedelta(minutes=3))
    assert later.run_once()["done"] == 1
    assert _titles(fake_printer) == ["JOB 1"]
    assert _job(app, job_id).status == "done"


def test_serial_printer_over_a_pseudo_terminal(app, add_printer, worker):
    """A real serial line: the printer is the other end of a pty (pyserial opens the
    device, python-escpos writes to it; a thread reads what a printer would receive)."""
    controller, device = os.openpty()
    tty.setraw(device)
    received = bytearray()
    done = threading.Event()

    def printer_end():
        while not done.is_set():
            try:
                chunk = os.read(controller, 65536)
            except OSError:
                return
            received.extend(chunk)

    reader = threading.Thread(target=printer_end, daemon=True)
    reader.start()
    try:
        printer_id = add_printer(
            name="Serial", connection="serial", device=os.ttyname(device), baud=19200, width=32
        )
        job_id = _queue(app, printer_id, title="JOB SERIAL")
        assert worker().run_once()["done"] == 1
    finally:
        done.set()
        os.close(device)  # the reader's read ends with an error: the line is closed
        reader.join(timeout=10)
        os.close(controller)
    assert _job(app, job_id).status == "done"
    texts = [e["text"].strip() for e in parse_escpos(bytes(received)) if e["type"] == "text"]
    assert texts.count("JOB SERIAL") == 1
