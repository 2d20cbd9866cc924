"""Inventory: the API under /api/v1."""

from flask_smorest import Blueprint

blp = Blueprint("inventory_api", __name__, description="Inventory")
