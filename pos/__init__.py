"""Point of sale: registers, shifts and cash control, sales, payments, returns, the
cashier screen and the customer display. See models, services, api and views."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from mart import nav, refs
from mart.demo import register as register_seeder
from mart.extensions import api as rest_api
from mart.extensions import db
from pos import api as domain_api
from pos import (  # noqa: F401  (models: for Alembic)
    cli,
    credit_api,
    credit_demo,
    credit_views,
    models,
    offline,
    promotions_api,
    views,
)
from pos.books_sales import net_sales, net_sales_of_journals
from pos.demo import seed
from pos.models import Sale
from pos.promotion_views import kind_label  # noqa: F401  (issue 15: its pages on views.bp)
from pos.services import open_drawers_cash


def init_app(app):
    app.register_blueprint(views.bp)
    rest_api.register_blueprint(domain_api.blp, url_prefix="/api/v1")
    rest_api.register_blueprint(promotions_api.blp, url_prefix="/api/v1")  # issue 15
    rest_api.register_blueprint(credit_api.blp, url_prefix="/api/v1")  # issue 15
    credit_views.init_app(app)  # issue 15: repayment at the counter
    offline.init_app(app)  # the service worker and the offline catalogue
    app.cli.add_command(cli.group)
    nav.add(app, _l("Point of sale"), "pos.counter", ("cashier", "manager"), order=50)
    nav.add(app, _l("Sales"), "pos.sales", ("manager",), order=51)
    nav.add(app, _l("Promotions"), "pos.promotions", ("manager",), order=52)
    nav.set_home(app, "cashier", "pos.counter")
    register_seeder(app, 50, seed)
    register_seeder(app, 51, credit_demo.seed)  # issue 15: members with credit
    app.extensions.setdefault("books_ledgers", {})["pos"] = _books_ledgers
    app.extensions["books_net_sales"] = net_sales
    app.extensions["books_net_sales_journals"] = net_sales_of_journals
    refs.register_resolver(app, "sale", _sale_numbers)


def _sale_numbers(ids):
    """Sale ids (UUIDs) as their receipt numbers, for other packages' pages (mart.refs)."""
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(Sale.id, Sale.number).where(Sale.id.in_(ids))).all())


def _books_ledgers():
    return {"kas_drawers": (open_drawers_cash(), "open shifts' expected cash")}
