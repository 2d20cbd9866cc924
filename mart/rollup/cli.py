"""``flask rollup ...`` commands."""

from flask.cli import AppGroup

group = AppGroup("rollup", help="Roll-up to the association.")
