"""The roll-up: a branch's daily figures, the sender, and the association hub.

The same code runs on a branch (builds and sends reports) and, with
``MART_MODE=association``, as the hub (receives them, shows the dashboard).
"""

import logging
import os

import click
from flask_babel import lazy_gettext as _l

from mart import nav
from mart.demo import register as register_seeder
from mart.extensions import api as rest_api
from mart.extensions import db
from rollup import api as rollup_api
from rollup import books_hub, cli, demo, models, partitions, replica, sender, views  # noqa: F401  (models: Alembic)

log = logging.getLogger(__name__)

# Settings of the roll-up (environment variable, default), read once per app.
SETTINGS = {
    "MART_ROLLUP_SEND_SECONDS": 60,  # how often the sender thread looks for due reports
    "MART_ROLLUP_REBUILD_SECONDS": 3600,  # how often recent days are rebuilt
    "MART_ROLLUP_LOOKBACK_DAYS": 7,  # how far back a late change makes a new revision
    "MART_ROLLUP_RETRY_SECONDS": 30,  # first retry delay, doubled each failure...
    "MART_ROLLUP_RETRY_MAX_SECONDS": 3600,  # ...up to this
    "MART_ROLLUP_CONNECT_TIMEOUT": 3,
    "MART_ROLLUP_READ_TIMEOUT": 10,
    "MART_ROLLUP_STALE_DAYS": 3,  # hub: flag a branch silent for more days than this
}


def _settings(app):
    for name, default in SETTINGS.items():
        raw = os.environ.get(name)
        app.config.setdefault(name, float(raw) if raw not in (None, "") else default)
    app.config.setdefault("MART_OLD_SECRET_KEYS", os.environ.get("MART_OLD_SECRET_KEYS", ""))


def init_app(app):
    _settings(app)
    replica.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(views.branch_bp)
    rest_api.register_blueprint(rollup_api.blp, url_prefix="/api/v1")
    # the branches' books on the hub
    app.register_blueprint(books_hub.bp)
    rest_api.register_blueprint(books_hub.blp, url_prefix="/api/v1")
    nav.add(_l("Branches' books"), "rollup_books.books_page", ("association",), order=91)
    app.cli.add_command(cli.group)
    nav.add(_l("Association"), "rollup.dashboard", ("association",), order=90)
    nav.set_home("association", "rollup.dashboard")
    nav.add(_l("Back office"), "mart.backoffice", ("manager",), order=10)
    nav.add(_l("Roll-up"), "rollup_branch.branch_page", ("manager",), order=85)
    nav.set_home("manager", "mart.backoffice")
    nav.set_home("admin", "mart.backoffice")
    app.extensions.setdefault("mart_workers", []).append(sender.start_worker)
    app.extensions["mart_workers"].append(_partitions_ahead)
    app.extensions.setdefault("mart_after_init", []).append(_partitions_at_init)
    app.extensions.setdefault("mart_health", {})["rollup"] = sender.health
    register_seeder(60, _seed_demo)


def _partitions_ahead(app):
    """When the hub starts: this year's and next year's partitions of its reports."""
    if app.config.get("MART_MODE") != "association":
        return None
    with app.app_context():
        try:
            partitions.ensure_ahead(db.engine)
        except Exception:  # noqa: BLE001  (a hub still starts; ingest makes them too)
            log.exception("rollup: could not create partitions")
    return None


def _partitions_at_init():
    for year in partitions.ensure_ahead(db.engine):
        click.echo(f"hub_reports: partition of {year} created")


def _seed_demo(context):
    demo.seed(context)
