"""Printers: the manager's add/edit form (a marshmallow schema read by mart.forms.PageForm;
CSRF through mart.security)."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

CONNECTIONS = [
    ("network", _l("Network (port 9100)")),
    ("usb", _l("USB")),
    ("serial", _l("Serial")),
    ("file", _l("File or device")),
    ("cups", _l("CUPS queue")),
]
BAUDS = [(baud, baud) for baud in ("9600", "19200", "38400", "57600", "115200")]
WIDTHS = [("48", _l("80 mm (48 columns)")), ("32", _l("58 mm (32 columns)"))]
DRAWER_PINS = [("", _l("None")), ("2", _l("Pin 2")), ("5", _l("Pin 5"))]

LABELS = {
    "name": _l("Name"),
    "connection": _l("Connection"),
    "host": _l("Host (network)"),
    "port": _l("Port (network)"),
    "device": _l("Device: file path, serial device, USB vendor:product, or CUPS queue"),
    "baud": _l("Baud rate (serial)"),
    "width": _l("Paper"),
    "profile": _l("python-escpos profile (empty: POS-5890 for 58 mm, TM-T20II for 80 mm)"),
    "code_page": _l("Code page"),
    "cut": _l("Cuts the paper"),
    "drawer_pin": _l("Cash drawer"),
    "drawer_pulse": _l("Drawer pulse (ms)"),
    "active": _l("Active"),
}

# What a new printer's form shows.
DEFAULTS = {
    "port": 9100,
    "baud": "9600",
    "width": "48",
    "code_page": "CP437",
    "cut": True,
    "drawer_pin": "",
    "drawer_pulse": 100,
    "active": True,
}


def _one_of(choices):
    return validate.OneOf([value for value, _label in choices])


class PrinterFormIn(Schema):
    name = fields.String(required=True, validate=validate.Length(max=64))
    connection = fields.String(required=True, validate=_one_of(CONNECTIONS))
    host = fields.String(load_default=None, validate=validate.Length(max=255))
    port = fields.Integer(load_default=None, validate=validate.Range(1, 65535))
    device = fields.String(load_default=None, validate=validate.Length(max=500))
    baud = fields.String(load_default="9600", validate=_one_of(BAUDS))
    width = fields.String(load_default="48", validate=_one_of(WIDTHS))
    profile = fields.String(load_default=None, validate=validate.Length(max=64))
    code_page = fields.String(load_default="CP437", validate=validate.Length(max=32))
    cut = fields.Boolean(load_default=False)
    drawer_pin = fields.String(load_default="", validate=_one_of(DRAWER_PINS))
    drawer_pulse = fields.Integer(load_default=None, validate=validate.Range(10, 510))
    active = fields.Boolean(load_default=False)


def printer_values(data: dict) -> dict:
    """The form's data as the service's values (the API's vocabulary)."""
    values = {
        "name": data["name"],
        "connection": data["connection"],
        "host": data["host"] or None,
        "port": data["port"] or 9100,
        "device": data["device"] or None,
        "baud": int(data["baud"]),
        "width": int(data["width"]),
        "code_page": data["code_page"] or "CP437",
        "cut": data["cut"],
        "active": data["active"],
        "drawer": (
            {"pin": int(data["drawer_pin"]), "pulse_ms": data["drawer_pulse"] or 100}
            if data["drawer_pin"]
            else None
        ),
    }
    if data["profile"]:
        values["profile"] = data["profile"]
    return values


def printer_form_values(printer) -> dict:
    """What the edit form shows for ``printer``."""
    return {
        "name": printer.name,
        "connection": printer.connection,
        "host": printer.host or "",
        "port": printer.port,
        "device": printer.device if printer.connection != "network" else "",
        "baud": str(printer.serial_baud),
        "width": str(printer.width),
        "profile": printer.profile or "",
        "code_page": printer.code_page,
        "cut": printer.cut,
        "drawer_pin": str(printer.drawer_pin or ""),
        "drawer_pulse": printer.drawer_pulse_ms,
        "active": printer.active,
    }
