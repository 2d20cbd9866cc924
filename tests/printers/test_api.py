"""The printers API: configuration, status, print jobs and the cashier's banner."""

import pytest

from mart.extensions import db
from printers import services
from printers.models import Printer, PrintJob
from printers.worker import Worker
from tests.printers import sample

NET = {"name": "Kasir 1", "connection": "network", "host": "127.0.0.1", "width": 48}


def test_create_printer_with_defaults(api_as):
    api = api_as("manager")
    r = api.post("/printers", json=NET)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["id"] and body["port"] == 9100 and body["profile"] == "TM-T20II"
    assert body["code_page"] == "CP437" and body["cut"] is True and body["drawer"] is None
    r = api.post(
        "/printers",
        json={
            "name": "Kecil",
            "connection": "file",
            "device": "/tmp/x.bin",
            "width": 32,
            "cut": False,
            "drawer": {"pin": 5, "pulse_ms": 150},
        },
    )
    assert r.status_code == 201
    body = r.get_json()
    assert body["profile"] == "POS-5890" and body["device"] == "/tmp/x.bin"
    assert body["drawer"] == {"pin": 5, "pulse_ms": 150}
    assert api.get(f"/printers/{body['id']}").get_json()["name"] == "Kecil"
    listing = api.get("/printers").get_json()
    assert listing["total"] == 2 and [p["name"] for p in listing["items"]] == ["Kasir 1", "Kecil"]


@pytest.mark.parametrize(
    "body,field",
    [
        ({**NET, "width": 40}, "width"),
        ({**NET, "connection": "bluetooth"}, "connection"),
        ({k: v for k, v in NET.items() if k != "name"}, "name"),
        ({**NET, "host": None}, "host"),
        ({**NET, "port": 70000}, "port"),
        ({**NET, "profile": "NoSuchPrinter"}, "profile"),
        ({**NET, "code_page": "CP999"}, "code_page"),
        ({**NET, "drawer": {"pin": 3}}, "drawer"),
        ({**NET, "drawer": "yes"}, "drawer"),
        ({"name": "F", "connection": "file", "width": 32}, "device"),
        ({"name": "U", "connection": "usb", "device": "epson", "width": 48}, "device"),
        ({**NET, "colour": "red"}, "colour"),
    ],
)
def test_bad_printer_refused_naming_the_field_and_changes_nothing(api_as, rows, body, field):
    api = api_as("manager")
    before = rows.snapshot()
    r = api.post("/printers", json=body)
    assert r.status_code == 422, r.get_json()
    assert field in r.get_json()["errors"]["json"]
    assert rows.snapshot() == before


def test_duplicate_name_409(api_as, rows):
    api = api_as("manager")
    assert api.post("/printers", json=NET).status_code == 201
    before = rows(Printer)
    r = api.post("/printers", json=NET)
    assert r.status_code == 409 and r.get_json()["message"]
    assert rows(Printer) == before


def test_update_printer(api_as):
    api = api_as("manager")
    pid = api.post("/printers", json=NET).get_json()["id"]
    r = api.patch(f"/printers/{pid}", json={"width": 32, "drawer": True})
    assert r.status_code == 200
    assert r.get_json()["width"] == 32 and r.get_json()["profile"] == "POS-5890"
    assert r.get_json()["drawer"] == {"pin": 2, "pulse_ms": 100}
    assert api.patch(f"/printers/{pid}", json={"width": 33}).status_code == 422
    assert api.patch("/printers/999", json={"width": 32}).status_code == 404


def test_status_asks_the_printer(api_as, fake_printer):
    api = api_as("manager")
    pid = api.post("/printers", json={**NET, "port": fake_printer.port}).get_json()["id"]
    assert api.get(f"/printers/{pid}/status").get_json()["status"] == "online"
    fake_printer.mode = "paper_out"
    assert api.get(f"/printers/{pid}/status").get_json()["status"] == "paper_out"
    fake_printer.mode = "offline"
    assert api.get(f"/printers/{pid}/status").get_json()["status"] == "offline"
    fake_printer.mode = "unreachable"
    assert api.get(f"/printers/{pid}/status").get_json()["status"] == "offline"
    usb = api.post(
        "/printers", json={"name": "U", "connection": "usb", "device": "04b8:0202", "width": 48}
    ).get_json()
    assert usb["device"] == "04b8:0202"
    assert api.get(f"/printers/{usb['id']}/status").get_json()["status"] == "unknown"
    assert api.get("/printers/999/status").status_code == 404


def test_jobs_list_filter_detail_and_retry(app, api_as, fake_printer):
    api = api_as("manager")
    pid = api.post("/printers", json={**NET, "port": fake_printer.port}).get_json()["id"]
    fake_printer.mode = "offline"
    with app.app_context():
        first = services.queue_document(sample.receipt(), pid, ref_type="sale", ref_id="s1").id
        db.session.commit()
    Worker(app).run_once()
    with app.app_context():
        second = services.queue_document(sample.receipt(), pid).id
        db.session.commit()
    failed = api.get("/print-jobs?status=failed").get_json()
    assert failed["total"] == 1 and failed["items"][0]["id"] == first
    assert "offline" in failed["items"][0]["last_error"]
    assert api.get("/print-jobs?status=pending").get_json()["total"] == 1
    assert api.get("/print-jobs?status=bogus").status_code == 422
    banner = api.get("/print-jobs/status").get_json()
    assert banner["waiting"] == 2 and banner["failed"] == 1 and banner["printer"] == "Kasir 1"
    detail = api.get(f"/print-jobs/{first}").get_json()
    assert "TOTAL" in detail["preview"] and detail["ref_id"] == "s1"
    fake_printer.mode = "online"
    r = api_as("cashier").post(f"/print-jobs/{first}/retry")
    assert r.status_code == 200 and r.get_json()["status"] == "pending"
    Worker(app).run_once()
    assert {j["status"] for j in api.get("/print-jobs").get_json()["items"]} == {"done"}
    assert len(fake_printer.jobs) == 2
    r = api.post(f"/print-jobs/{second}/retry")
    assert r.status_code == 409
    assert api.post("/print-jobs/999/retry").status_code == 404
    assert api.get("/print-jobs/999").status_code == 404


def test_retry_of_done_job_changes_nothing(app, api_as, tmp_path, rows):
    api = api_as("manager")
    pid = api.post(
        "/printers",
        json={"name": "F", "connection": "file", "device": str(tmp_path / "p.bin"), "width": 32},
    ).get_json()["id"]
    with app.app_context():
        job_id = services.queue_document(sample.receipt(), pid).id
        db.session.commit()
    Worker(app).run_once()
    before = rows.snapshot()
    assert api.post(f"/print-jobs/{job_id}/retry").status_code == 409
    assert rows.snapshot() == before
    with app.app_context():
        assert db.session.get(PrintJob, job_id).status == "done"


def test_openapi_lists_the_printing_endpoints(anon_api):
    paths = anon_api.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/printers",
        "/api/v1/printers/{printer_id}/status",
        "/api/v1/print-jobs",
        "/api/v1/print-jobs/status",
        "/api/v1/print-jobs/{job_id}/retry",
    ):
        assert path in paths


def test_out_of_range_ids_and_pages_are_clean_errors(api_as):
    api = api_as("manager")
    huge = 10**30
    assert api.get(f"/printers/{huge}").status_code == 404
    assert api.get(f"/printers/{huge}/status").status_code == 404
    assert api.get(f"/print-jobs/{huge}").status_code == 404
    assert api.post(f"/print-jobs/{huge}/retry").status_code == 404
    assert api.get(f"/print-jobs?printer_id={huge}").status_code == 422
    assert api.get(f"/printers?page={huge}").status_code == 422
