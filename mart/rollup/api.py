"""Roll-up: the API under /api/v1."""

from flask_smorest import Blueprint

blp = Blueprint("rollup_api", __name__, description="Roll-up to the association")
