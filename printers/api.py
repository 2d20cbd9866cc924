"""Printers: the API under /api/v1."""

from flask_smorest import Blueprint

blp = Blueprint("printers_api", __name__, description="Printers")
