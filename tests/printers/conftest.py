"""Fixtures of the printers tests: printer rows (the fake network printer is
``fake_printer`` of tests/conftest.py) and a worker."""

from datetime import timedelta

import pytest

from mart.db import utcnow
from printers.worker import Worker
from tests import factories


@pytest.fixture
def add_printer(app):
    """``add_printer(name=..., connection=..., ...)`` configures a printer; returns its id."""
    return lambda **values: factories.make_printer(app, **values)


@pytest.fixture
def network_printer(app, fake_printer):
    """A network printer row pointing at ``fake_printer``; returns its id."""
    return factories.make_printer(app, fake_printer, name="Kasir Net")


@pytest.fixture
def worker(app):
    """``worker(later=0)``: a Worker whose clock runs ``later`` seconds ahead."""

    def factory(later=0, name=None):
        return Worker(
            app, name=name or f"test-{later}", clock=lambda: utcnow() + timedelta(seconds=later)
        )

    return factory
