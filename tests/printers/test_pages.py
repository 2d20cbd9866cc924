"""The manager's printers page: list with status, add/edit form, queue, retry, preview."""

import re

import sqlalchemy as sa

from mart.extensions import db
from printers import services
from printers.models import Printer, PrintJob
from printers.worker import Worker
from tests import factories
from tests.printers import sample


def test_page_is_for_managers(login_as, client):
    assert client.get("/printers/").status_code == 302  # to the login page
    assert login_as("cashier").get("/printers/").status_code == 403
    page = login_as("manager").get("/printers/")
    assert page.status_code == 200
    assert "Belum ada printer" in page.get_data(as_text=True)  # Bahasa Indonesia by default


def test_add_printer_through_the_form(app, login_as, rows, tmp_path):
    manager = login_as("manager")
    token = factories.csrf_token(manager, "/printers/new")
    form = {
        "csrf_token": token,
        "name": "Kasir 3",
        "connection": "file",
        "device": str(tmp_path / "k3.bin"),
        "baud": "9600",
        "width": "32",
        "code_page": "CP437",
        "drawer_pin": "2",
        "drawer_pulse": "100",
        "cut": "y",
        "active": "y",
        "port": "9100",
    }
    r = manager.post("/printers/new", data=form)
    assert r.status_code == 302, r.get_data(as_text=True)
    with app.app_context():
        printer = db.session.scalar(sa.select(Printer).where(Printer.name == "Kasir 3"))
        assert printer.width == 32 and printer.profile == "POS-5890" and printer.drawer_pin == 2
    page = manager.get("/printers/").get_data(as_text=True)
    assert "Kasir 3" in page and "data-status-url" in page
    # a second one with the same name: refused, nothing written
    before = rows(Printer)
    r = manager.post("/printers/new", data=form)
    assert r.status_code == 422 and "sudah ada" in r.get_data(as_text=True)
    # without a device: the field is named
    r = manager.post("/printers/new", data={**form, "name": "Lain", "device": ""})
    assert r.status_code == 422 and "memerlukan perangkat" in r.get_data(as_text=True)
    # without the CSRF token: refused
    r = manager.post("/printers/new", data={**form, "name": "Lain", "csrf_token": ""})
    assert r.status_code == 400
    assert rows(Printer) == before


def test_edit_printer(app, login_as, tmp_path):
    with app.app_context():
        printer = services.create_printer(
            {"name": "E", "connection": "file", "device": str(tmp_path / "e.bin"), "width": 48}
        )
        db.session.commit()
        pid = printer.id
    manager = login_as("manager")
    page = manager.get(f"/printers/{pid}/edit").get_data(as_text=True)
    assert 'value="E"' in page
    token = factories.csrf_token(manager, f"/printers/{pid}/edit")
    r = manager.post(
        f"/printers/{pid}/edit",
        data={
            "csrf_token": token,
            "name": "E2",
            "connection": "file",
            "device": str(tmp_path / "e.bin"),
            "baud": "9600",
            "width": "48",
            "profile": "TM-T20II",
            "code_page": "CP858",
            "drawer_pin": "",
            "active": "y",
            "port": "9100",
        },
    )
    assert r.status_code == 302
    with app.app_context():
        printer = db.session.get(Printer, pid)
        assert (printer.name, printer.code_page, printer.cut) == ("E2", "CP858", False)


def test_failed_job_shows_with_retry_and_preview(app, login_as, add_printer, fake_printer):
    pid = add_printer(name="Net", connection="network", host="127.0.0.1", port=fake_printer.port)
    fake_printer.mode = "offline"
    with app.app_context():
        job_id = services.queue_document(sample.receipt(), pid).id
        db.session.commit()
    Worker(app).run_once()
    manager = login_as("manager")
    page = manager.get("/printers/").get_data(as_text=True)
    assert f'data-testid="retry-{job_id}"' in page and "offline" in page
    preview = manager.get(f"/printers/jobs/{job_id}").get_data(as_text=True)
    assert "Rp 1.586.500" in preview and "receipt-preview" in preview
    fake_printer.mode = "online"
    token = factories.csrf_token(manager, "/printers/")
    r = manager.post(f"/printers/jobs/{job_id}/retry", data={"csrf_token": token})
    assert r.status_code == 303
    Worker(app).run_once()
    with app.app_context():
        assert db.session.get(PrintJob, job_id).status == "done"
    r = manager.post(f"/printers/jobs/{job_id}/retry", data={"csrf_token": token})
    assert r.status_code == 303  # back to the page with the reason shown
    assert "hanya tugas yang gagal" in manager.get("/printers/").get_data(as_text=True)


def test_test_page_button_queues_a_job(app, login_as, add_printer, tmp_path):
    pid = add_printer(name="T", connection="file", device=str(tmp_path / "t.bin"), width=32)
    manager = login_as("manager")
    token = factories.csrf_token(manager, "/printers/")
    assert manager.post(f"/printers/{pid}/test", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        job = db.session.scalar(sa.select(PrintJob))
        assert job.kind == "test" and job.printer_id == pid


def test_pages_have_no_inline_script_or_style(login_as, add_printer, tmp_path):
    add_printer(name="S", connection="file", device=str(tmp_path / "s.bin"))
    manager = login_as("manager")
    for path in ("/printers/", "/printers/new"):
        html = manager.get(path).get_data(as_text=True)
        assert "style=" not in html
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    response = manager.get("/printers/static/printers.js")
    assert response.status_code == 200 and b"printer-status" in response.data
    response.close()
