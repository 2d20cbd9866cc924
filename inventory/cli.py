"""``flask inventory ...`` commands."""

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from inventory.importer import ImportFailed, export_products, import_products
from mart.extensions import db

group = AppGroup("inventory", help="Inventory.")


@group.command("import-products")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def import_products_command(file):
    """Create or update products from a CSV file (all or nothing).

    Columns: sku,name,barcode,price (required); unit, member_price, tax, category,
    reorder_point, supplier_id, supplier_price, active (optional).
    """
    try:
        text = Path(file).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{file} is not UTF-8 text: {exc}") from exc
    try:
        result = import_products(text)
    except ImportFailed as exc:
        db.session.rollback()
        for error in exc.errors:
            click.echo(f"{file}: {error}", err=True)
        click.echo(f"Nothing imported: {len(exc.errors)} bad row(s).", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"Imported {result.created} new and {result.updated} updated products.")


@group.command("export-products")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True), default="-")
def export_products_command(file):
    """Write the catalogue as CSV (to FILE, or standard output)."""
    if file == "-":
        export_products(sys.stdout)
        return
    with open(file, "w", newline="", encoding="utf-8") as out:
        export_products(out)
    click.echo(f"Wrote {file}")
