"""``flask pos ...`` commands."""

from flask.cli import AppGroup

group = AppGroup("pos", help="Point of sale.")
