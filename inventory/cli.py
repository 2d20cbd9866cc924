"""``flask inventory ...`` commands."""

from flask.cli import AppGroup

group = AppGroup("inventory", help="Inventory.")
