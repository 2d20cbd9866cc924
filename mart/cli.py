"""The ``flask mart`` command group: init, users, demo data, backup and restore."""

import secrets
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup
from flask_migrate import upgrade

from mart import backup, demo
from mart.auth import password_problem, set_manager_pin
from mart.errors import InvalidInput
from mart.extensions import db
from mart.models import ROLES, User

mart_cli = AppGroup("mart", help="Set up and look after this branch.")


def upgrade_database():
    """Create or upgrade the schema to the newest revision (idempotent)."""
    upgrade(directory=current_app.extensions["migrate"].directory, revision="heads")


@mart_cli.command("init")
def init_command():
    """Create or upgrade the database. Safe to run again: data is kept."""
    upgrade_database()
    # What packages prepare after the schema (the hub's partitions ahead of time).
    for hook in current_app.extensions.get("mart_after_init", []):
        hook()
    # Packages that seed what a branch needs (the books' chart and opening balance).
    for hook in current_app.extensions.get("mart_init_hooks", []):
        message = hook()
        if message:
            click.echo(message)
    db.session.commit()
    click.echo(f"Database ready: {_safe_url()}")


def _safe_url():
    return db.engine.url.render_as_string(hide_password=True)


def create_user(username, roles, password, full_name="", member_no=None, supplier_id=None):
    """Create a user (the caller commits). Raises ValueError on a bad role or duplicate."""
    if db.session.scalar(sa.select(User).where(sa.func.lower(User.username) == username.lower())):
        raise ValueError(f"user {username!r} already exists")
    user = User(
        username=username,
        full_name=full_name or username,
        member_no=member_no,
        supplier_id=supplier_id,
    )
    user.roles = roles
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


@mart_cli.command("create-user")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES))
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "full_name", default="")
@click.option("--member-no", default=None, help="Link a member login to this member.")
@click.option("--supplier-id", type=int, default=None, help="Link a supplier login.")
@click.option(
    "--pin", default=None, help="Manager PIN for approvals: 6 digits, not trivial, unique."
)
def create_user_command(username, roles, password, full_name, member_no, supplier_id, pin):
    """Create a login with one or more roles."""
    problem = password_problem(password)
    if problem:
        raise click.BadParameter(problem, param_hint="--password")
    for check in current_app.extensions.get("mart_user_link_checks", []):
        message = check(member_no=member_no, supplier_id=supplier_id)
        if message:
            raise click.UsageError(message)
    try:
        user = create_user(username, list(roles), password, full_name, member_no, supplier_id)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    if pin:
        try:
            set_manager_pin(user, pin)
        except InvalidInput as exc:
            raise click.BadParameter(exc.message, param_hint="--pin") from exc
    db.session.commit()
    click.echo(f"Created user {username} ({', '.join(user.roles)})")


# Distinct, non-trivial approval PINs of the demo's approvers (a PIN names its approver).
DEMO_PINS = {"admin": "482915", "manajer": "736204"}

DEMO_USERS = [
    # username, roles, name
    ("admin", ["admin"], "Administrator"),
    ("manajer", ["manager"], "Siti Rahmawati"),
    ("kasir1", ["cashier"], "Budi Santoso"),
    ("kasir2", ["cashier"], "Dewi Lestari"),
    ("asosiasi", ["association"], "Staf Perkumpulan"),
]


@mart_cli.command("seed-demo")
@click.option("--force", is_flag=True, help="Seed even if the branch already has data.")
def seed_demo_command(force):
    """Fill an empty branch with realistic demo data and print the demo logins."""
    upgrade_database()
    logins_file = Path(current_app.instance_path) / "demo-logins.txt"
    if db.session.scalar(sa.select(sa.func.count()).select_from(User)) and not force:
        click.echo("This branch already has data; demo data not loaded again (--force to add).")
        if logins_file.exists():
            click.echo(logins_file.read_text().rstrip())
        return
    logins = []
    for username, roles, name in DEMO_USERS:
        password = "demo-" + username + "-123"
        user = create_user(username, roles, password, name)
        if username in DEMO_PINS:
            set_manager_pin(user, DEMO_PINS[username])
        logins.append((username, ",".join(roles), password))
    context = {"logins": logins, "rng_seed": 2026, "notes": []}
    for seeder in demo.seeders(current_app):
        seeder(context)
        db.session.flush()
    db.session.commit()
    text = _logins_text(logins, context["notes"])
    logins_file.write_text(text + "\n")
    click.echo(text)


def _logins_text(logins, demo_notes=()):
    lines = ["", "Demo logins (user / role / password):"]
    lines += [f"  {username:<14} {roles:<12} {password}" for username, roles, password in logins]
    lines.append(
        "Approval PINs at the counter: "
        + ", ".join(f"{user} {pin}" for user, pin in DEMO_PINS.items())
    )
    lines += [f"  {line}" for line in demo_notes]
    return "\n".join(lines)


@mart_cli.command("secret-key")
def secret_key_command():
    """Print a fresh random secret key (for MART_SECRET_KEY)."""
    click.echo(secrets.token_hex(32))


@mart_cli.command("backup")
@click.option(
    "--to",
    "to",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder to write to (default MART_BACKUP_DIR or <instance>/backups).",
)
def backup_command(to):
    """Write a consistent backup while the shop keeps selling; prints its path last."""
    try:
        path = backup.take_backup(to=to)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Checksum: {backup.checksum_path(path)}")
    click.echo(str(path))


@mart_cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Confirm: the current data is replaced.")
def restore_command(file, yes):
    """Replace this branch's database with a backup, after checking its checksum."""
    if not yes:
        raise click.UsageError(
            "restore replaces ALL current data with the backup; run again with --yes to confirm"
        )
    db.session.remove()
    try:
        backup.restore(file)
    except backup.BackupError as exc:
        raise click.ClickException(f"restore refused: {exc}") from exc
    click.echo(f"Restored {file} into {_safe_url()}")
    click.echo("Run `flask --app wsgi mart init` if the backup comes from an older version.")


def init_app(app):
    app.cli.add_command(mart_cli)
    backup.init_app(app)


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use: flask --app wsgi mart ...")
