"""Printer targets (issue 11, security 7): file printers only inside the configured
folder, network printers only on private LAN addresses (or listed ones) and allowed
ports; checked on saving (API, page, CLI) and again on connecting."""

import os

import pytest

from mart.extensions import db
from printers import services
from printers.models import Printer, PrintJob
from printers.worker import Worker
from tests import factories

NET = {"name": "N", "connection": "network", "width": 48}


@pytest.fixture
def manager(app):
    return factories.api_user(app, "manager")


def test_file_printer_only_inside_the_folder(app_factory, tmp_path, rows):
    folder = tmp_path / "printers"
    folder.mkdir()
    app = app_factory(MART_PRINTER_FILE_DIR=str(folder))
    manager = factories.api_user(app, "manager")
    outside = tmp_path / "outside.bin"
    (folder / "link.bin").symlink_to(outside)
    before = rows(Printer)
    for device in (
        "/etc/passwd",
        str(outside),
        str(folder / ".." / "outside.bin"),
        str(folder / "link.bin"),  # a symbolic link out of the folder
        str(folder),
        str(tmp_path / "printers2" / "a.bin"),  # a folder whose name begins the same
        os.path.join(app.instance_path, "mart.sqlite3"),
    ):
        r = manager.post("/printers", json={**NET, "connection": "file", "device": device})
        assert r.status_code == 422, (device, r.json)
        assert "device" in r.json["errors"]["json"], r.json
    assert rows(Printer) == before
    r = manager.post(
        "/printers", json={**NET, "connection": "file", "device": str(folder / "k.bin")}
    )
    assert r.status_code == 201, r.json


@pytest.mark.parametrize(
    "host, port, field",
    [
        ("8.8.8.8", 9100, "host"),  # the internet
        ("169.254.169.254", 9100, "host"),  # cloud metadata (link-local)
        ("127.0.0.1", 9100, "host"),  # loopback, not listed
        ("::1", 9100, "host"),
        ("::ffff:127.0.0.1", 9100, "host"),
        ("0.0.0.0", 9100, "host"),
        ("localhost", 9100, "host"),  # a name, not listed
        ("printer.example.com", 9100, "host"),
        ("192.168.1.50", 22, "port"),  # ssh on the LAN
        ("10.0.0.5", 5432, "port"),
    ],
)
def test_network_printer_refused_targets(app_factory, rows, host, port, field):
    app = app_factory(MART_PRINTER_HOSTS="", MART_PRINTER_PORTS="9100")
    manager = factories.api_user(app, "manager")
    before = rows.snapshot()
    r = manager.post("/printers", json={**NET, "host": host, "port": port})
    assert r.status_code == 422, r.json
    assert field in r.json["errors"]["json"], r.json
    assert rows.snapshot() == before


def test_network_printer_allowed_targets(app_factory):
    app = app_factory(
        MART_PRINTER_HOSTS="127.0.0.1, kasir.lan, 169.254.0.0/16",
        MART_PRINTER_PORTS="9100-9101",
    )
    manager = factories.api_user(app, "manager")
    for i, (host, port) in enumerate(
        [
            ("192.168.1.50", 9100),
            ("10.1.2.3", 9101),
            ("172.16.0.9", 9100),
            ("172.31.255.1", 9100),
            ("127.0.0.1", 9100),  # listed explicitly
            ("kasir.lan", 9100),  # a listed name
        ]
    ):
        r = manager.post("/printers", json={**NET, "name": f"N{i}", "host": host, "port": port})
        assert r.status_code == 201, (host, r.json)
    # Listed or not, link-local (where metadata answers) is never a printer; nor is a
    # public address next to the private ranges.
    for host in ("169.254.169.254", "172.32.0.1", "192.169.0.1"):
        r = manager.post("/printers", json={**NET, "name": "X", "host": host, "port": 9100})
        assert r.status_code == 422 and "host" in r.json["errors"]["json"], host


def test_update_to_a_refused_target_changes_nothing(app_factory):
    app = app_factory(MART_PRINTER_HOSTS="")
    manager = factories.api_user(app, "manager")
    created = manager.post("/printers", json={**NET, "host": "192.168.1.50"}).json
    r = manager.patch(f"/printers/{created['id']}", json={"host": "8.8.8.8"})
    assert r.status_code == 422 and "host" in r.json["errors"]["json"]
    r = manager.patch(f"/printers/{created['id']}", json={"port": 25})
    assert r.status_code == 422 and "port" in r.json["errors"]["json"]
    r = manager.patch(
        f"/printers/{created['id']}", json={"connection": "file", "device": "/etc/cron.d/x"}
    )
    assert r.status_code == 422 and "device" in r.json["errors"]["json"]
    again = manager.get(f"/printers/{created['id']}").json
    assert (again["connection"], again["host"], again["port"]) == ("network", "192.168.1.50", 9100)


def test_page_and_cli_refuse_the_same(app_factory, rows):
    app = app_factory(MART_PRINTER_HOSTS="")
    client = factories.login(app, "manager")
    token = factories.csrf_token(client, "/printers/new")
    before = rows.snapshot()
    r = client.post(
        "/printers/new",
        data={
            "csrf_token": token,
            "name": "Luar",
            "connection": "network",
            "host": "8.8.8.8",
            "port": "9100",
            "width": "48",
        },
    )
    assert r.status_code == 422
    assert "private LAN" in r.get_data(as_text=True) or "LAN" in r.get_data(as_text=True)
    result = app.test_cli_runner().invoke(
        args=["printers", "add", "Luar", "--connection", "network", "--width", "48"]
        + ["--host", "169.254.169.254"]
    )
    assert result.exit_code != 0 and "host" in result.output
    result = app.test_cli_runner().invoke(
        args=["printers", "add", "Luar", "--connection", "file", "--width", "48"]
        + ["--device", "/etc/passwd"]
    )
    assert result.exit_code != 0 and "device" in result.output
    assert rows.snapshot() == before


def test_checked_again_on_connecting(app_factory, fake_printer, tmp_path):
    """A printer saved while its target was allowed (or written to the database some
    other way) is not reached once the settings no longer allow it."""
    app = app_factory()  # the test settings allow the loopback fake printer
    with app.app_context():
        net = services.create_printer(
            {**NET, "host": "127.0.0.1", "port": fake_printer.port, "name": "Net"}
        )
        path = tmp_path / "f.bin"
        file_printer = services.create_printer(
            {**NET, "name": "File", "connection": "file", "device": str(path)}
        )
        db.session.commit()
        ids = net.id, file_printer.id
    strict = app_factory(MART_PRINTER_HOSTS="", MART_PRINTER_FILE_DIR=str(tmp_path / "other"))
    manager = factories.api_user(strict, "manager")
    status = manager.get(f"/printers/{ids[0]}/status")
    assert status.status_code == 200 and status.json["status"] == "offline"
    assert manager.get(f"/printers/{ids[1]}/status").json["status"] == "offline"
    with strict.app_context():
        for printer_id in ids:
            services.queue_test_page(db.session.get(Printer, printer_id))
        db.session.commit()
    outcome = Worker(strict, name="strict").run_once()
    assert outcome["failed"] == 2 and outcome["done"] == 0
    assert fake_printer.connections == 0 and not path.exists()
    with strict.app_context():
        errors = sorted(j.last_error for j in db.session.query(PrintJob).all())
    assert all("not allowed" in e for e in errors), errors
