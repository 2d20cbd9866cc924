"""Members: the API under /api/v1."""

from flask_smorest import Blueprint

blp = Blueprint("members_api", __name__, description="Members")
