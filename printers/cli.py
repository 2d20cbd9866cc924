"""``flask printers ...`` commands: add, list, test, worker."""

import threading

import click
from flask import current_app
from flask.cli import AppGroup

from mart.errors import DomainError
from mart.extensions import db
from printers import services, transport
from printers.models import CONNECTIONS
from printers.worker import Worker, worker_name

group = AppGroup("printers", help="Printers and the print queue.")


@group.command("add")
@click.argument("name")
@click.option("--connection", type=click.Choice(CONNECTIONS), required=True)
@click.option(
    "--width", type=click.Choice(["32", "48"]), required=True, help="32 (58 mm), 48 (80 mm)"
)
@click.option("--host", default=None, help="network: host name or address")
@click.option("--port", type=int, default=None, help="network: port (9100)")
@click.option("--device", default=None, help="file path, serial device, usb vvvv:pppp, cups queue")
@click.option("--baud", type=int, default=None, help="serial: baud rate (9600)")
@click.option("--profile", default=None, help="python-escpos profile (POS-5890, TM-T20II, ...)")
@click.option("--code-page", default=None, help="e.g. CP437 (default), CP858")
@click.option("--cut/--no-cut", default=True)
@click.option("--drawer-pin", type=click.Choice(["2", "5"]), default=None)
@click.option("--drawer-pulse", type=int, default=100, help="drawer pulse in ms")
def add_command(
    name,
    connection,
    width,
    host,
    port,
    device,
    baud,
    profile,
    code_page,
    cut,
    drawer_pin,
    drawer_pulse,
):
    """Configure a printer."""
    values = {"name": name, "connection": connection, "width": int(width), "cut": cut}
    for key, value in (
        ("host", host),
        ("port", port),
        ("device", device),
        ("baud", baud),
        ("profile", profile),
        ("code_page", code_page),
    ):
        if value is not None:
            values[key] = value
    if drawer_pin:
        values["drawer"] = {"pin": int(drawer_pin), "pulse_ms": drawer_pulse}
    try:
        printer = services.create_printer(values)
    except DomainError as exc:
        db.session.rollback()
        field = next(iter((exc.errors or {}).get("json", {})), None)
        raise click.ClickException(f"{field}: {exc.message}" if field else exc.message) from exc
    db.session.commit()
    click.echo(f"Added printer {printer.id} {printer.name} ({printer.connection} {printer.device})")


@group.command("list")
def list_command():
    """List the printers with their queue."""
    printers = services.list_printers()
    if not printers:
        click.echo("No printers configured.")
    for printer in printers:
        queue = services.queue_status(printer.id)
        state = "active" if printer.active else "inactive"
        click.echo(
            f"{printer.id:>3}  {printer.name:<20} {printer.connection:<8} "
            f"{printer.device or '-':<30} "
            f"{printer.width} col  {printer.profile:<10} {state:<8} "
            f"waiting {queue['waiting']}, failed {queue['failed']}"
        )


@group.command("test")
@click.argument("name")
@click.option(
    "--wait",
    type=float,
    default=60.0,
    show_default=True,
    help="seconds to wait for the branch's running print worker to print it",
)
def test_command(name, wait):
    """Print a test page on printer NAME now; exit non-zero with the reason if it fails.

    The page is queued like any job and printed once, by whoever takes it first: this
    command, or the print worker of the running branch (then the command waits for
    that worker's outcome and reports it)."""
    try:
        printer = services.get_printer_by_name(name)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    job = services.queue_test_page(printer)
    db.session.commit()
    job_id = job.id
    status = transport.query_status(printer)
    db.session.commit()  # hold no transaction (SQLite: no lock) while the worker sends
    worker = Worker(current_app._get_current_object(), name=worker_name(":cli"))
    outcome, reason = worker.send_now(job_id)
    by = ""
    while outcome == "busy":  # the running print worker took it: wait for its outcome
        by = " by the print worker"
        outcome, reason = worker.wait_for(job_id, timeout=wait)
        if outcome == "pending":  # given back to the queue: take it ourselves
            by = ""
            outcome, reason = worker.send_now(job_id)
    if outcome == "timeout":
        raise click.ClickException(
            f"printer {name}: job {job_id} still printing after {wait:g} s{by}"
        )
    if outcome != "done":
        raise click.ClickException(f"printer {name} failed{by}: {reason} (status {status})")
    click.echo(f"Test page sent to {name}{by} (job {job_id}, status {status}).")


@group.command("worker")
@click.option("--once", is_flag=True, help="Send what is due now, then stop.")
@click.option("--poll", type=float, default=1.0, show_default=True, help="seconds between passes")
def worker_command(once, poll):
    """Run the print worker in this process (instead of, or beside, the app's thread)."""
    worker = Worker(current_app._get_current_object(), name=worker_name(":cli"), poll=poll)
    if once:
        outcome = worker.run_once()
        click.echo(
            f"done {outcome['done']}, failed {outcome['failed']}, dropped {outcome['dropped']}"
        )
        return
    click.echo("Print worker running; Ctrl-C stops it.")
    stop = threading.Event()
    try:
        worker.run(stop)
    except KeyboardInterrupt:
        stop.set()
        click.echo("Print worker stopped.")
