"""The day's figures pos gives the association roll-up (docs/CONTRACTS.md)."""

from datetime import timedelta

from mart.db import utcnow
from mart.extensions import db
from pos import services as pos_services
from printers.models import PrintJob
from printers.worker import Worker
from tests import factories
from tests.fakeprinter import FakePrinter


def test_rollup_provider_figures(app, counter, make_product, make_member):
    pid, _ = make_product(price=10_000)
    member_no = make_member()
    counter.sale([{"product_id": pid, "quantity": 2}], [{"method": "cash", "amount": 50_000}])
    sale = counter.sale(
        [{"product_id": pid, "discount": 1_000}],
        [{"method": "qris", "amount": 9_000, "reference": "Q"}],
        member_no=member_no,
    ).json
    back = counter.cashier.post(
        f"/sales/{sale['id']}/returns",
        json={"lines": [{"product_id": pid, "quantity": 1}], "approval_pin": "4321"},
    )
    assert back.status_code == 201
    provider = pos_services.rollup_figures
    now = utcnow()
    with app.app_context():
        figures = provider(now - timedelta(hours=1), now + timedelta(hours=1))
        empty = provider(now - timedelta(days=3), now - timedelta(days=2))
    assert figures["transactions"] == 2
    assert figures["sales_gross"] == 29_000
    assert figures["discounts"] == 1_000
    assert figures["returns"] == 9_000
    assert figures["sales_net"] == 20_000
    assert figures["items"] == 2
    assert figures["by_payment"] == {"cash": 20_000, "qris": 9_000}
    assert figures["member_sales"] == 0  # the member's sale came back: net of returns
    assert figures["cashiers"] == [counter.cashier.username]
    assert empty["transactions"] == 0 and empty["sales_net"] == 0


def test_x_report_prints_on_the_registers_printer(app, counter, fake_printer):
    """The X report (the shift so far, not closed) reaches the printer of the register
    the shift is on, not the default printer: the loopback printer prints it."""
    with FakePrinter() as default:
        factories.make_printer(app, default, name="Dapur")  # the first: the default printer
        printer_id = factories.make_printer(app, fake_printer, name="Struk R1")
        register = counter.manager.patch(
            f"/registers/{counter.register['id']}", json={"printer_id": printer_id}
        )
        assert register.status_code == 200, register.json
        response = counter.cashier.post(f"/shifts/{counter.shift['id']}/report/print")
        assert response.status_code == 201
        with app.app_context():
            job = db.session.get(PrintJob, response.json["job_id"])
            assert job.kind == "report" and job.ref_type == "shift"
            assert "X" in job.payload["title"]
            assert job.printer_id == printer_id
        assert Worker(app).run_once()["done"] == 1
        assert default.jobs == []
    printed = [line.strip() for line in fake_printer.lines()]
    assert "Laporan X (shift sejauh ini)" in printed  # the title, in Bahasa Indonesia
    assert not any(line.startswith("Laporan Z") for line in printed)
    assert any(
        line.startswith("Kasir") and line.endswith(counter.cashier.username) for line in printed
    )
    with app.app_context():
        assert db.session.get(PrintJob, response.json["job_id"]).status == "done"
