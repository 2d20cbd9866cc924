"""Books: the cooperative's double-entry accounts (chart, journals posted by every
event, manual entries, reconciliation with the ledgers). See README.md.

The domains call ``books.post(...)`` in their own transaction; ``books`` imports only
``mart``.
"""

from books.services import account_balances, post

__all__ = ["account_balances", "init_app", "post"]


def init_app(app):
    from books import cli, models  # noqa: F401  (models: for Alembic)

    app.cli.add_command(cli.group)
    app.extensions.setdefault("mart_init_hooks", []).append(_init_hook)


def _init_hook():
    """``flask mart init``: seed the chart (idempotent) and, on a branch that already
    has ledgers but no journals, post the opening balance from them."""
    from books import opening
    from books.services import ensure_chart, forget_chart

    forget_chart()
    ensure_chart()
    return opening.post_opening_if_needed()
