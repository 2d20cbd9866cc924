"""The ``flask books`` command group."""

from flask.cli import AppGroup

group = AppGroup("books", help="The cooperative's books.")
