"""Printers: marshmallow schemas for every body."""

from marshmallow import Schema, ValidationError, fields, validate

from mart.apiutil import PageArgs
from printers.models import CONNECTIONS, JOB_KINDS, JOB_STATUSES, WIDTHS


class DrawerField(fields.Field):
    """The cash drawer: ``{"pin": 2|5, "pulse_ms": 10..510}``, ``true`` (pin 2, 100 ms),
    a pin number, or ``false``/``null`` for none."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value is None or value is False:
            return None
        if value is True:
            return {"pin": 2, "pulse_ms": 100}
        if isinstance(value, int):
            value = {"pin": value}
        if not isinstance(value, dict):
            raise ValidationError("Give {pin, pulse_ms}, true, a pin (2 or 5), or false.")
        unknown = set(value) - {"pin", "pulse_ms", "pulse"}
        if unknown:
            raise ValidationError(f"Unknown key {sorted(unknown)[0]}.")
        pin = value.get("pin", 2)
        pulse = value.get("pulse_ms", value.get("pulse", 100))
        if isinstance(pin, bool) or pin not in (2, 5):
            raise ValidationError("Drawer pin must be 2 or 5.")
        if isinstance(pulse, bool) or not isinstance(pulse, int) or not 10 <= pulse <= 510:
            raise ValidationError("Drawer pulse must be 10 to 510 ms.")
        return {"pin": pin, "pulse_ms": pulse}

    def _serialize(self, value, attr, obj, **kwargs):
        return value


def _printer_fields(required: bool) -> dict:
    return {
        "name": fields.String(required=required, validate=validate.Length(min=1, max=64)),
        "connection": fields.String(required=required, validate=validate.OneOf(CONNECTIONS)),
        "host": fields.String(allow_none=True, validate=validate.Length(max=255)),
        "port": fields.Integer(validate=validate.Range(min=1, max=65535)),
        "device": fields.String(
            allow_none=True,
            validate=validate.Length(max=500),
            metadata={
                "description": "file path or device (file), serial device (serial), "
                "vendor:product in hex (usb), queue name (cups)"
            },
        ),
        "baud": fields.Integer(validate=validate.OneOf((9600, 19200, 38400, 57600, 115200))),
        "width": fields.Integer(required=required, validate=validate.OneOf(WIDTHS)),
        "profile": fields.String(
            validate=validate.Length(min=1, max=64),
            metadata={"description": "python-escpos profile, e.g. POS-5890 or TM-T20II"},
        ),
        "code_page": fields.String(validate=validate.Length(min=1, max=32)),
        "cut": fields.Boolean(),
        "drawer": DrawerField(allow_none=True),
        "active": fields.Boolean(),
    }


PrinterCreateIn = Schema.from_dict(_printer_fields(True), name="PrinterCreate")
PrinterUpdateIn = Schema.from_dict(_printer_fields(False), name="PrinterUpdate")


class PrinterOut(Schema):
    id = fields.Integer()
    name = fields.String()
    connection = fields.String()
    host = fields.String(allow_none=True)
    port = fields.Integer()
    device = fields.String(allow_none=True)
    baud = fields.Integer(attribute="serial_baud")
    width = fields.Integer()
    profile = fields.String()
    code_page = fields.String()
    cut = fields.Boolean()
    drawer = DrawerField(allow_none=True)
    active = fields.Boolean()
    created_at = fields.DateTime()


class PrinterStatusOut(Schema):
    id = fields.Integer()
    name = fields.String()
    status = fields.String(
        metadata={"description": "online, offline, paper_out, or unknown where it cannot ask"}
    )
    waiting = fields.Integer()
    failed = fields.Integer()
    last_error = fields.String(allow_none=True)


class PrintJobOut(Schema):
    id = fields.Integer()
    printer_id = fields.Integer(allow_none=True)
    printer = fields.Function(lambda job: job.printer.name if job.printer else None)
    kind = fields.String(metadata={"enum": list(JOB_KINDS)})
    status = fields.String(metadata={"enum": list(JOB_STATUSES)})
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    copy = fields.Boolean()
    ref_type = fields.String(allow_none=True)
    ref_id = fields.String(allow_none=True)
    created_at = fields.DateTime()
    printed_at = fields.DateTime(allow_none=True)


class PrintJobDetailOut(PrintJobOut):
    preview = fields.String(metadata={"description": "the text exactly as printed"})


MAX_ID = 2**31 - 1


class _Paging(PageArgs):
    # a page beyond any table, but within what the databases take as an OFFSET
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))


class PrintJobListArgs(_Paging):
    status = fields.String(validate=validate.OneOf(JOB_STATUSES))
    printer_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))


class QueueStatusArgs(Schema):
    printer_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))


class WaitingJobSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    title = fields.String(allow_none=True)


class QueueStatusOut(Schema):
    waiting = fields.Integer()
    failed = fields.Integer()
    last_error = fields.String(allow_none=True)
    printer = fields.String(allow_none=True)
    printer_id = fields.Integer(allow_none=True)
    jobs = fields.List(fields.Nested(WaitingJobSchema))


class PrinterListArgs(_Paging):
    active = fields.Boolean()
