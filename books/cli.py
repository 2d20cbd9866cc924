"""The ``flask books`` command group."""

import sys

import click
from flask.cli import AppGroup

from books.reconcile import check

group = AppGroup("books", help="The cooperative's books.")


@group.command("check")
def check_command():
    """Compare the books with the ledgers; exit 1 naming every difference."""
    result = check()
    for line in result.lines:
        mark = "ok" if not line.difference else "DIFFERENCE"
        click.echo(
            f"{mark:<10} {line.code} {line.name}: books {line.books}, "
            f"ledgers {line.ledgers} ({line.what})"
        )
    click.echo(f"kas: open drawers {result.drawers}, safe {result.safe}")
    for text in result.warnings:
        click.echo(f"warning: {text}")
    if result.ok:
        click.echo("The books agree with the ledgers.")
        return
    for text in result.differences():
        click.echo(f"DIFFERENCE {text}", err=True)
    sys.exit(1)
