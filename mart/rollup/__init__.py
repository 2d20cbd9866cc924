"""The roll-up: a branch's daily figures, the sender, and the association hub.

The same code runs on a branch (builds and sends reports) and, with
``MART_MODE=association``, as the hub (receives them, shows the dashboard).
"""

from flask_babel import lazy_gettext as _l

from mart import nav
from mart.demo import register as register_seeder
from mart.extensions import api as rest_api


def init_app(app):
    from mart.rollup import api as rollup_api
    from mart.rollup import cli, models, views  # noqa: F401  (models: for Alembic)

    app.register_blueprint(views.bp)
    rest_api.register_blueprint(rollup_api.blp, url_prefix="/api/v1")
    app.cli.add_command(cli.group)
    nav.add(_l("Association"), "rollup.dashboard", ("association",), order=90)
    nav.set_home("association", "rollup.dashboard")
    nav.add(_l("Back office"), "mart.backoffice", ("manager",), order=10)
    nav.set_home("manager", "mart.backoffice")
    nav.set_home("admin", "mart.backoffice")
    register_seeder(60, _seed_demo)


def _seed_demo(context):
    from mart.rollup.demo import seed

    seed(context)
