"""``flask members ...`` commands."""

from flask.cli import AppGroup

group = AppGroup("members", help="Members.")
