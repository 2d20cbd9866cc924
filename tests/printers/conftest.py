"""Fixtures of the printers tests: a fake network printer and printer rows."""

from datetime import timedelta

import pytest

from mart.db import utcnow
from mart.extensions import db
from printers import services
from printers.worker import Worker
from tests.fakeprinter import FakePrinter


@pytest.fixture
def fake_printer():
    printer = FakePrinter()
    printer.start()
    yield printer
    printer.stop()


@pytest.fixture
def add_printer(app):
    """``add_printer(name=..., connection=..., ...)`` configures a printer; returns its id."""

    def factory(**values):
        values.setdefault("name", f"P{len(values)}-{id(values) % 10000}")
        values.setdefault("width", 48)
        with app.app_context():
            printer = services.create_printer(values)
            db.session.commit()
            return printer.id

    return factory


@pytest.fixture
def network_printer(add_printer, fake_printer):
    """A network printer row pointing at ``fake_printer``; returns its id."""
    return add_printer(
        name="Kasir Net", connection="network", host="127.0.0.1", port=fake_printer.port
    )


@pytest.fixture
def worker(app):
    """``worker(later=0)``: a Worker whose clock runs ``later`` seconds ahead."""

    def factory(later=0, name=None):
        return Worker(
            app, name=name or f"test-{later}", clock=lambda: utcnow() + timedelta(seconds=later)
        )

    return factory
