"""The roll-up: a branch's daily figures, the sender, and the association hub.

The same code runs on a branch (builds and sends reports) and, with
``MART_MODE=association``, as the hub (receives them, shows the dashboard).
"""

import logging

import click
from flask_babel import lazy_gettext as _l

from mart import nav
from mart.demo import register as register_seeder
from mart.extensions import api as rest_api
from mart.extensions import db
from rollup import api as rollup_api
from rollup import books_hub, cli, demo, models, partitions, replica, sender, views  # noqa: F401  (models: Alembic)

log = logging.getLogger(f"mart.{__name__}")  # under "mart": its handler masks


def init_app(app):
    # Its settings (MART_ROLLUP_*, MART_OLD_SECRET_KEYS) are declared in config.py.
    replica.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(views.branch_bp)
    rest_api.register_blueprint(rollup_api.blp, url_prefix="/api/v1")
    # the branches' books on the hub
    app.register_blueprint(books_hub.bp)
    rest_api.register_blueprint(books_hub.blp, url_prefix="/api/v1")
    nav.add(app, _l("Branches' books"), "rollup_books.books_page", ("association",), order=91)
    app.cli.add_command(cli.group)
    nav.add(app, _l("Association"), "rollup.dashboard", ("association",), order=90)
    nav.set_home(app, "association", "rollup.dashboard")
    nav.add(app, _l("Back office"), "mart.backoffice", ("manager",), order=10)
    nav.add(app, _l("Roll-up"), "rollup_branch.branch_page", ("manager",), order=85)
    nav.set_home(app, "manager", "mart.backoffice")
    nav.set_home(app, "admin", "mart.backoffice")
    app.extensions.setdefault("mart_workers", []).append(sender.start_worker)
    app.extensions["mart_workers"].append(_partitions_ahead)
    app.extensions.setdefault("mart_after_init", []).append(_partitions_at_init)
    app.extensions.setdefault("mart_health", {})["rollup"] = sender.health
    app.extensions.setdefault("mart_warm_up", []).append(_warm_up)
    register_seeder(app, 60, _seed_demo)


def _partitions_ahead(app):
    """When the hub starts: this year's and next year's partitions of its reports."""
    if app.config.get("MART_MODE") != "association":
        return None
    with app.app_context():
        try:
            partitions.ensure_ahead(db.engine)
        except Exception:
            log.exception("rollup: could not create partitions")
    return None


def _warm_up(app):
    """In a hub's serving process before its first request (deploy/gunicorn.conf.py):
    the dashboard's and the summary's reads run once, on the database they read (the
    replica when one is configured), so their statements are built and compiled here
    and not in the first request of each process (a year's summary took 530 ms there,
    about 180 once warm: bench/bench_rollup.py). Nothing is written."""
    if app.config.get("MART_MODE") != "association":
        return
    with app.test_request_context("/association/"):
        replica.bind_reads(app)
        try:
            views.warm_up()
        finally:
            db.session.rollback()
    # and its page's templates compiled (Jinja keeps them)
    for name in ("base.html", "rollup/dashboard.html", "rollup/_cell.html", "rollup/_pager.html"):
        app.jinja_env.get_template(name)


def _partitions_at_init():
    for year in partitions.ensure_ahead(db.engine):
        click.echo(f"hub_reports: partition of {year} created")


def _seed_demo(context):
    demo.seed(context)
