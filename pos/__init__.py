"""Point of sale: registers, shifts and cash control, sales, payments, returns, the
cashier screen and the customer display. See models, services, api and views."""

from flask_babel import lazy_gettext as _l

from mart import nav, refs
from mart.demo import register as register_seeder
from mart.extensions import api as rest_api


def init_app(app):
    from pos import api as domain_api
    from pos import cli, models, views  # noqa: F401  (models: for Alembic)

    app.register_blueprint(views.bp)
    rest_api.register_blueprint(domain_api.blp, url_prefix="/api/v1")
    from pos import offline

    offline.init_app(app)  # the service worker and the offline catalogue
    app.cli.add_command(cli.group)
    nav.add(_l("Point of sale"), "pos.counter", ("cashier", "manager"), order=50)
    nav.add(_l("Sales"), "pos.sales", ("manager",), order=51)
    nav.set_home("cashier", "pos.counter")
    register_seeder(50, _seed_demo)
    app.extensions.setdefault("mart_rollup_sources", {})["pos"] = _rollup
    app.extensions.setdefault("books_ledgers", {})["pos"] = _books_ledgers
    app.extensions["books_net_sales"] = _net_sales
    app.extensions["books_net_sales_journals"] = _net_sales_of_journals
    refs.register_resolver(app, "sale", _sale_numbers)


def _net_sales_of_journals(first_id, last_id):
    from pos.books_sales import net_sales_of_journals

    return net_sales_of_journals(first_id, last_id)


def _net_sales(date_from, date_to):
    from pos.books_sales import net_sales

    return net_sales(date_from, date_to)


def _sale_numbers(ids):
    """Sale ids (UUIDs) as their receipt numbers, for other packages' pages (mart.refs)."""
    import sqlalchemy as sa

    from mart.extensions import db
    from pos.models import Sale

    if not ids:
        return {}
    return dict(db.session.execute(sa.select(Sale.id, Sale.number).where(Sale.id.in_(ids))).all())


def _rollup(day_start, day_end):
    from pos.services import rollup_figures

    return rollup_figures(day_start, day_end)


def _books_ledgers():
    from pos.services import open_drawers_cash

    return {"kas_drawers": (open_drawers_cash(), "open shifts' expected cash")}


def _seed_demo(context):
    from pos.demo import seed

    seed(context)
