"""Point of sale: the API under /api/v1."""

from flask_smorest import Blueprint

blp = Blueprint("pos_api", __name__, description="Point of sale")
