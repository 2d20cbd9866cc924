"""Printers: see the package's models, services, api and views."""

from flask_babel import lazy_gettext as _l

from mart import nav
from mart.demo import register as register_seeder
from mart.extensions import api as rest_api


def init_app(app):
    from printers import api as domain_api
    from printers import cli, models, views  # noqa: F401  (models: for Alembic)

    app.register_blueprint(views.bp)
    rest_api.register_blueprint(domain_api.blp, url_prefix="/api/v1")
    app.cli.add_command(cli.group)
    nav.add(_l("Printers"), "printers.index", ("manager",), order=20)
    register_seeder(20, _seed_demo)
    app.extensions.setdefault("mart_workers", []).append(_start_worker)
    if app.config.get("MART_START_WORKERS"):
        from printers.worker import configure_wake

        configure_wake(app)  # where this process's commits wake the print worker
    app.extensions.setdefault("mart_health", {})["printers"] = _health


def _start_worker(app):
    from printers.worker import start_in_app

    return start_in_app(app)


def _health():
    from printers.services import health

    return health()


def _seed_demo(context):
    from printers.demo import seed

    seed(context)
