"""The cashier screen offline: its service worker and the catalogue it keeps.

- ``GET /pos/sw.js``: the service worker (scope ``/pos/``) that keeps the app shell
  (the cashier page, its scripts, styles and fonts) so a reload while the server is
  away still opens the screen. Served from ``/pos/`` because a worker's scope is at
  most its own folder.
- ``GET /api/v1/pos/catalogue?since=&after=&limit=``: every product with its codes,
  changed since a point, in pages (``inventory.catalogue.changes``); the screen keeps
  the whole catalogue in IndexedDB and refreshes it by ``updated_at``.

See pos/README.md, "Offline".
"""

from datetime import UTC
from pathlib import Path

from flask import Blueprint, Response, current_app
from flask_babel import gettext as _
from flask_smorest import Blueprint as ApiBlueprint
from marshmallow import Schema, fields, validate

from inventory.catalogue import changes
from inventory.services import scale_rules
from mart.auth import roles_required
from mart.extensions import api as rest_api

bp = Blueprint("pos_offline", __name__)
blp = ApiBlueprint("pos_offline_api", __name__, description="Point of sale: offline catalogue")

COUNTER = ("cashier", "manager")


@bp.route("/pos/sw.js")
def service_worker():
    """The service worker's script. No login: it holds no data, only what to keep."""
    script = Path(current_app.blueprints["pos"].static_folder) / "sw.js"
    response = Response(script.read_bytes(), mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/pos/"
    return response


class CatalogueArgs(Schema):
    since = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=UTC)
    after = fields.Integer(load_default=0, validate=validate.Range(min=0))
    limit = fields.Integer(load_default=5000, validate=validate.Range(min=1, max=5000))


@blp.route("/pos/catalogue", methods=["GET"])
@roles_required(*COUNTER)
@blp.arguments(CatalogueArgs, location="query")
@blp.response(200)
def catalogue(args):
    """Products changed at or after ``since`` (all without it), oldest change first, as
    compact rows ``[id, sku, name, unit, price, member_price, active, [codes]]``;
    ``next`` is where the following page starts, ``complete`` says nothing more
    changed; ``scale_rules`` are the branch's scale-label rules (``MART_SCALE_RULES``)."""
    page = changes(args["since"], args["after"], args["limit"])
    return {
        "fields": [
            *("id", "sku", "name", "unit", "price", "member_price", "active", "codes"),
            *("packs", "tiers"),  # issue 15
        ],
        "items": page.rows,
        # how the screen decodes a scale label while the server is away, as the server does
        "scale_rules": [{"prefix": r.prefix, "kind": r.kind} for r in scale_rules()],
        "next": {
            "since": page.next_since.isoformat() if page.next_since else None,
            "after": page.next_after,
        },
        "complete": page.complete,
    }


def strings() -> dict:
    """The offline texts of the cashier screen (``data-offline-i18n``)."""
    return {
        "saved_offline_drawer": _(
            "Saved offline: the drawer opens when the sale is sent. Keep the cash aside."
        ),
        "sent_drawer": _("Sent: %(number)s. The drawer opens now."),
        "from_catalogue": _("Offline: %(name)s from the catalogue on this screen."),
        "catalogue": _("Catalogue on this screen: %(n)s products"),
        "catalogue_loading": _("Loading the catalogue for offline use: %(n)s products"),
    }


def init_app(app):
    app.register_blueprint(bp)
    rest_api.register_blueprint(blp, url_prefix="/api/v1")
    app.jinja_env.globals["pos_offline_strings"] = strings  # counter.html
