"""``flask printers ...`` commands."""

from flask.cli import AppGroup

group = AppGroup("printers", help="Printers.")
