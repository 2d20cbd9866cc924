"""The branch app with the sale's journal left out, for ``bench_pos.py`` only
(``BENCH_JOURNAL=both``): the same gunicorn, settings and database, so the books'
share of the sale path is measured in the production configuration. Never served."""

from pos.services import sales
from wsgi import app

sales._journal_sale = lambda *args, **kwargs: None

__all__ = ["app"]
