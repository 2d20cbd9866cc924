"""``flask printers add|list|test|worker``."""

import sqlalchemy as sa

from mart.extensions import db
from printers import services
from printers.demo import seed
from printers.models import Printer, PrintJob
from printers.worker import start_in_app
from tests.fakeprinter import text_lines
from tests.printers import sample


def test_add_and_list(app, runner, tmp_path):
    result = runner.invoke(
        args=[
            "printers",
            "add",
            "Kasir 9",
            "--connection",
            "file",
            "--width",
            "32",
            "--device",
            str(tmp_path / "k9.bin"),
            "--no-cut",
            "--drawer-pin",
            "5",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        printer = db.session.scalar(sa.select(Printer).where(Printer.name == "Kasir 9"))
        assert (printer.width, printer.profile, printer.cut, printer.drawer_pin) == (
            32,
            "POS-5890",
            False,
            5,
        )
    result = runner.invoke(args=["printers", "list"])
    assert result.exit_code == 0 and "Kasir 9" in result.output and "waiting 0" in result.output


def test_add_refuses_bad_input_and_changes_nothing(runner, rows):
    before = rows(Printer)
    result = runner.invoke(
        args=["printers", "add", "Net", "--connection", "network", "--width", "48"]
    )
    assert result.exit_code != 0 and "host" in result.output
    assert rows(Printer) == before


def _add_network_printer(runner, fake_printer, name="Net"):
    """``flask printers add`` of a 48-column network printer at the fake printer."""
    result = runner.invoke(
        args=[
            "printers",
            "add",
            name,
            "--connection",
            "network",
            "--width",
            "48",
            "--host",
            "127.0.0.1",
            "--port",
            str(fake_printer.port),
        ]
    )
    assert result.exit_code == 0, result.output


def test_test_page_on_a_network_printer(app, runner, fake_printer):
    _add_network_printer(runner, fake_printer)
    result = runner.invoke(args=["printers", "test", "Net"])
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in text_lines(fake_printer.printed)]
    assert "TES PRINTER / TEST PAGE" in lines
    assert "123456789012345678901234567890123456789012345678" in lines
    with app.app_context():
        job = db.session.scalar(sa.select(PrintJob))
        assert job.kind == "test" and job.status == "done"


def test_test_page_fails_with_the_reason(app, runner, fake_printer):
    runner.invoke(
        args=[
            "printers",
            "add",
            "Net",
            "--connection",
            "network",
            "--width",
            "32",
            "--host",
            "127.0.0.1",
            "--port",
            str(fake_printer.port),
        ]
    )
    fake_printer.mode = "paper_out"
    result = runner.invoke(args=["printers", "test", "Net"])
    assert result.exit_code != 0
    assert "out of paper" in result.output
    assert fake_printer.jobs == []
    result = runner.invoke(args=["printers", "test", "Nope"])
    assert result.exit_code != 0 and "Nope" in result.output


def test_worker_once(app, runner, tmp_path):
    path = tmp_path / "w.bin"
    with app.app_context():
        printer = services.create_printer(
            {"name": "W", "connection": "file", "device": str(path), "width": 48}
        )
        services.queue_document(sample.receipt(), printer.id)
        db.session.commit()
    result = runner.invoke(args=["printers", "worker", "--once"])
    assert result.exit_code == 0 and "done 1" in result.output
    assert any("TOTAL" in line for line in text_lines(path.read_bytes()))


def test_demo_seeder_makes_two_file_printers(app):
    context = {}
    with app.app_context():
        seed(context)
        db.session.commit()
        kasir1 = db.session.get(Printer, context["printers"]["Kasir 1"])
        kasir2 = db.session.get(Printer, context["printers"]["Kasir 2"])
        assert (kasir1.connection, kasir1.width) == ("file", 48)
        assert kasir1.file_path.endswith("printer-kasir1.bin")
        assert kasir2.width == 32
        again = {}
        seed(again)  # a second run reuses them
        assert again == context


def test_test_page_beside_the_branchs_running_print_worker(app, runner, fake_printer):
    """Issue 11, money 7: with the branch's print worker running, the command failed
    ("the job was taken by another worker", exit 1) though the page printed. Now it
    waits for whoever prints it and succeeds; the page prints exactly once each time."""
    _add_network_printer(runner, fake_printer)
    # A printer that does not answer status queries: the command's status query waits,
    # and the running worker (woken by the commit that queued the page) takes the job.
    fake_printer.answer_status = False
    thread = start_in_app(app)
    app.extensions.setdefault("mart_threads", []).append(thread)
    for times in (1, 2):
        result = runner.invoke(args=["printers", "test", "Net"])
        assert result.exit_code == 0, result.output
        fake_printer.settle()
        pages = [ln for ln in text_lines(fake_printer.printed) if "TEST PAGE" in ln]
        assert len(pages) == times
    with app.app_context():
        jobs = db.session.scalars(sa.select(PrintJob)).all()
        assert [(j.kind, j.status) for j in jobs] == [("test", "done"), ("test", "done")]
