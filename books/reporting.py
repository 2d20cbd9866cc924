"""The books' reports and year end: pages, API, the figures of the daily report, and
the demo history. Registered by ``mart.create_app`` after ``books.init_app``."""

import time

from flask import current_app
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from books import reconcile, reports_api, reports_demo, reports_models, reports_views  # noqa: F401  (models: Alembic)
from books.reports import day_figures
from mart import nav
from mart.clock import business_date
from mart.demo import register as register_seeder
from mart.extensions import api as rest_api


def init_app(app):
    app.register_blueprint(reports_views.bp)
    rest_api.register_blueprint(reports_api.blp, url_prefix="/api/v1")
    nav.add(app, _l("Books reports"), "books_reports.index", ("manager",), order=80)
    app.add_template_global(_today_label, "today_label")
    register_seeder(app, 90, _seed_demo)


def _today_label():
    return format_date(business_date(), "d MMM yyyy")


def rollup_figures(day_start, day_end):
    """The neraca and PHU totals for the branch's daily report (``books`` field)."""
    figures = day_figures(business_date(day_start))
    figures["reconciled"] = _reconciled()
    return figures


def _reconciled():
    """Whether the books agree with the ledgers now (``books.reconcile.check``), kept
    for a few minutes: the roll-up builds several days' reports at once."""
    cached = current_app.extensions.get("books_reconciled")
    if cached is not None and time.monotonic() - cached[0] < RECONCILED_SECONDS:
        return cached[1]
    ok = reconcile.check().ok
    current_app.extensions["books_reconciled"] = (time.monotonic(), ok)
    return ok


RECONCILED_SECONDS = 300


def _seed_demo(context):
    reports_demo.seed(context)
