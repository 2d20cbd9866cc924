"""``assert_books_agree(app)``: run the books' reconciliation (as ``flask books check``
does) and fail naming every difference. The pos, inventory and members test packages
call it at the teardown of every test that used the ``app`` fixture, so each of their
scenarios ends with the books agreeing with the ledgers."""

import pytest

from books.reconcile import check
from mart.extensions import db


def assert_books_agree(app):
    with app.app_context():
        try:
            result = check()
        finally:
            db.session.rollback()
    assert result.ok, "the books differ from the ledgers:\n" + "\n".join(result.differences())


@pytest.fixture(autouse=True)
def books_agree_after(request):
    """Autouse: after a test that made the ``app``, the books must agree with the
    ledgers (tests marked ``books_unchecked`` are left out). The app is taken in the
    set-up, so this runs before the app's teardown empties the tables."""
    if "app" not in request.fixturenames or request.node.get_closest_marker("books_unchecked"):
        yield
        return
    app = request.getfixturevalue("app")
    yield
    assert_books_agree(app)
