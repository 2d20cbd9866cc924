"""``flask rollup ...`` commands: push (branch); add-branch, rotate-key (hub)."""

import sys

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from mart.errors import DomainError
from mart.extensions import db
from rollup import partitions
from rollup.branch import build_report, refresh_recent
from rollup.demo import seed_hub
from rollup.hub import add_branch, reencrypt_keys, rotate_key
from rollup.models import HubBranch
from rollup.sender import health, reports_url, send_due

group = AppGroup("rollup", help="Roll-up to the association.")


def _fail(error: DomainError):
    db.session.rollback()
    raise click.ClickException(error.message)


@group.command("push")
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="First build this business day's report (a new revision if its figures changed).",
)
def push_command(day):
    """Send the reports that are due to the association. Without --date the last closed
    day is built if it never was, and recent days already sent are rebuilt (a late
    return makes a new revision). Exits 1 when something could not be delivered: it
    stays queued."""
    if current_app.config.get("MART_MODE") == "association":
        raise click.ClickException("push runs on a branch, not on the hub (MART_MODE)")
    try:
        if day is not None:
            row, created = build_report(day.date())
            state = "built" if created else "unchanged"
            click.echo(f"{row.date.isoformat()}: revision {row.revision} {state}")
        else:
            for row in refresh_recent():
                click.echo(f"{row.date.isoformat()}: revision {row.revision} built")
        db.session.commit()
    except DomainError as error:
        _fail(error)
    result = send_due(force=True)
    for label in result.sent:
        click.echo(f"sent {label} to {reports_url()}")
    for label in result.superseded:
        click.echo(f"superseded {label} (the hub holds a newer revision)")
    for label, error in result.rejected:
        click.echo(f"REJECTED {label}: {error}", err=True)
    for label, error in result.failed:
        click.echo(f"NOT SENT {label} (kept, will retry): {error}", err=True)
    if not (result.sent or result.failed or result.rejected or result.superseded):
        click.echo("nothing to send")
    if not result.ok:
        sys.exit(1)


@group.command("status")
def status_command():
    """What is waiting to be sent (branch), or the hub's state."""
    for key, value in health().items():
        click.echo(f"{key}: {value}")


@group.command("add-branch")
@click.argument("code")
@click.option("--name", required=True)
@click.option("--kota", default="", help="Kota or kabupaten.")
@click.option("--kecamatan", default="")
@click.option(
    "--timezone",
    default="Asia/Jakarta",
    show_default=True,
    help="The branch's time zone: Asia/Jakarta (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT).",
)
def add_branch_command(code, name, kota, kecamatan, timezone):
    """Register a branch at the hub; prints its key alone on the last line (shown once:
    put it in the branch's MART_BRANCH_KEY)."""
    try:
        branch, key = add_branch(code, name, kota, kecamatan, timezone)
        db.session.commit()
    except DomainError as error:
        _fail(error)
    click.echo(f"Registered branch {branch.code} ({branch.name}). Its key (shown once):")
    click.echo(key)


@group.command("rotate-key")
@click.argument("code")
def rotate_key_command(code):
    """Give a branch a new key (the old one stops working); prints it on the last line."""
    try:
        key = rotate_key(code)
        db.session.commit()
    except DomainError as error:
        _fail(error)
    click.echo(f"New key for {code} (the old one no longer works):")
    click.echo(key)


@group.command("reencrypt-keys")
def reencrypt_command():
    """Re-encrypt every branch key under the current SECRET_KEY (after rotating it and
    listing the old one in MART_OLD_SECRET_KEYS)."""
    n = reencrypt_keys()
    db.session.commit()
    click.echo(f"{n} keys re-encrypted")


@group.command("list-branches")
def list_branches_command():
    """The branches registered at the hub."""
    for b in db.session.scalars(sa.select(HubBranch).order_by(HubBranch.code)):
        last = b.last_report_date.isoformat() if b.last_report_date else "-"
        click.echo(f"{b.code}\t{b.name}\t{b.kota}\t{b.kecamatan}\t{b.timezone}\tlast report {last}")


@group.command("partitions")
def partitions_command():
    """Create this year's and next year's partitions of the hub's reports (PostgreSQL)
    and list them."""
    for year in partitions.ensure_ahead(db.engine):
        click.echo(f"created the partition of {year}")
    with db.engine.connect() as conn:
        rows = partitions.describe(conn)
    if not rows:
        click.echo("hub_reports is not partitioned here (SQLite): nothing to do")
    for row in rows:
        click.echo(f"{row['name']}\t{row['bounds']}\t~{row['rows_estimate']} rows")


@group.command("seed-hub-demo")
@click.option("--branches", default=12, show_default=True)
@click.option("--days", default=120, show_default=True)
def seed_hub_demo_command(branches, days):
    """Fill a hub with demo branches and months of daily reports, for the dashboard."""
    n = seed_hub(branches, days)
    db.session.commit()
    click.echo(f"{n} reports from {branches} branches loaded")
