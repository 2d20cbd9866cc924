"""Books: the cooperative's double-entry accounts (chart, journals posted by every
event, manual entries, reconciliation with the ledgers). See README.md.

The domains call ``books.post(...)`` in their own transaction; ``books`` imports only
``mart``.
"""

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from books import api, cli, models, opening, views  # noqa: F401  (models: for Alembic)
from books.services import account_balances, ensure_chart, forget_chart, post
from mart import nav
from mart.extensions import api as rest_api

__all__ = ["account_balances", "init_app", "post"]


def init_app(app):

    app.register_blueprint(views.bp)
    rest_api.register_blueprint(api.blp, url_prefix="/api/v1")
    app.cli.add_command(cli.group)
    app.jinja_env.filters["books_date"] = _format_date
    nav.add(app, _l("Books"), "books.index", ("manager",), order=60)
    hooks = app.extensions.setdefault("mart_init_hooks", [])
    if _init_hook not in hooks:
        hooks.append(_init_hook)


def _format_date(value):
    """``8 Okt 2025``."""
    return format_date(value, "d MMM yyyy") if value else ""


def _init_hook():
    """``flask mart init``: seed the chart (idempotent) and, on a branch that already
    has ledgers but no journals, post the opening balance from them."""
    forget_chart()
    ensure_chart()
    return opening.post_opening_if_needed()
