"""Inventory: see the package's models, services, api and views."""

from flask_babel import lazy_gettext as _l

from inventory import api as domain_api
from inventory import (  # noqa: F401  (models: for Alembic; retail_*: routes on the blueprints)
    cli,
    models,
    pack_views,
    retail_api,
    retail_models,
    retail_views,
    views,
)
from inventory.books import ledgers
from inventory.demo import seed
from inventory.models import Supplier
from mart import nav
from mart.demo import register as register_seeder
from mart.extensions import api as rest_api
from mart.extensions import db


def init_app(app):
    app.register_blueprint(views.bp)
    rest_api.register_blueprint(domain_api.blp, url_prefix="/api/v1")
    app.cli.add_command(cli.group)
    nav.add(app, _l("Inventory"), "inventory.index", ("manager",), order=30)
    nav.set_home(app, "supplier", "inventory.supplier_home")
    register_seeder(app, 30, _seed_demo)
    app.extensions.setdefault("books_ledgers", {})["inventory"] = _books_ledgers
    checks = app.extensions.setdefault("mart_user_link_checks", [])
    if _check_supplier_link not in checks:
        checks.append(_check_supplier_link)


def _check_supplier_link(member_no=None, supplier_id=None):
    """``flask mart create-user --supplier-id N``: N must be a supplier."""
    if supplier_id is None:
        return None
    if db.session.get(Supplier, supplier_id) is None:
        return f"no supplier with id {supplier_id}"
    return None


def _books_ledgers():
    return ledgers()


def _seed_demo(context):
    seed(context)
