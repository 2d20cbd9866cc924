"""Printers: see the package's models, services, api and views."""

from flask_babel import lazy_gettext as _l

from mart import nav
from mart.demo import register as register_seeder
from mart.extensions import api as rest_api
from printers import api as domain_api
from printers import cli, models, views  # noqa: F401  (models: for Alembic)
from printers.demo import seed
from printers.services import health
from printers.worker import configure_wake, start_in_app


def init_app(app):
    app.register_blueprint(views.bp)
    rest_api.register_blueprint(domain_api.blp, url_prefix="/api/v1")
    app.cli.add_command(cli.group)
    nav.add(app, _l("Printers"), "printers.index", ("manager",), order=20)
    register_seeder(app, 20, _seed_demo)
    app.extensions.setdefault("mart_workers", []).append(_start_worker)
    if app.config.get("MART_START_WORKERS"):
        configure_wake(app)  # where this process's commits wake the print worker
    app.extensions.setdefault("mart_health", {})["printers"] = _health


def _start_worker(app):
    return start_in_app(app)


def _health():
    return health()


def _seed_demo(context):
    seed(context)
