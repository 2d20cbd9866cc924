"""Demo data for printers: two file printers in the printers' folder.

``make run`` works with no printer attached: what would print is appended to
``<instance>/printers/printer-kasir1.bin`` (80 mm, 48 columns) and
``printer-kasir2.bin`` (58 mm, 32 columns) (``MART_PRINTER_FILE_DIR``, the only folder
file printers may write to), and the pages show the text preview.
"""

from mart.errors import NotFound
from printers import services, targets


def _get_or_create(values):
    try:
        return services.get_printer_by_name(values["name"])
    except NotFound:
        return services.create_printer(values)


def seed(context):
    """Fill this domain with demo data (the caller commits). Running it again reuses
    the printers already there."""
    instance = targets.file_folder()
    instance.mkdir(parents=True, exist_ok=True)
    kasir1 = _get_or_create(
        {
            "name": "Kasir 1",
            "connection": "file",
            "device": str(instance / "printer-kasir1.bin"),
            "width": 48,
            "profile": "TM-T20II",
            "drawer": {"pin": 2, "pulse_ms": 100},
        }
    )
    kasir2 = _get_or_create(
        {
            "name": "Kasir 2",
            "connection": "file",
            "device": str(instance / "printer-kasir2.bin"),
            "width": 32,
            "profile": "POS-5890",
            "cut": False,
            "drawer": {"pin": 2, "pulse_ms": 100},
        }
    )
    context["printers"] = {"Kasir 1": kasir1.id, "Kasir 2": kasir2.id}
    context["printer_ids"] = [kasir1.id, kasir2.id]
