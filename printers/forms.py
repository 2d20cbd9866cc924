"""Printers: the manager's add/edit form (Flask-WTF, CSRF)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice as C
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class PrinterForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    connection = SelectField(
        _l("Connection"),
        choices=[
            C("network", _l("Network (port 9100)")),
            C("usb", _l("USB")),
            C("serial", _l("Serial")),
            C("file", _l("File or device")),
            C("cups", _l("CUPS queue")),
        ],
        validators=[DataRequired()],
    )
    host = StringField(_l("Host (network)"), validators=[Optional(), Length(max=255)])
    port = IntegerField(
        _l("Port (network)"), default=9100, validators=[Optional(), NumberRange(1, 65535)]
    )
    device = StringField(
        _l("Device: file path, serial device, USB vendor:product, or CUPS queue"),
        validators=[Optional(), Length(max=500)],
    )
    baud = SelectField(
        _l("Baud rate (serial)"),
        choices=[
            C("9600", "9600"),
            C("19200", "19200"),
            C("38400", "38400"),
            C("57600", "57600"),
            C("115200", "115200"),
        ],
        default="9600",
    )
    width = SelectField(
        _l("Paper"),
        choices=[C("48", _l("80 mm (48 columns)")), C("32", _l("58 mm (32 columns)"))],
        default="48",
    )
    profile = StringField(
        _l("python-escpos profile (empty: POS-5890 for 58 mm, TM-T20II for 80 mm)"),
        validators=[Optional(), Length(max=64)],
    )
    code_page = StringField(_l("Code page"), default="CP437", validators=[Length(max=32)])
    cut = BooleanField(_l("Cuts the paper"), default=True)
    drawer_pin = SelectField(
        _l("Cash drawer"),
        choices=[C("", _l("None")), C("2", _l("Pin 2")), C("5", _l("Pin 5"))],
        default="",
    )
    drawer_pulse = IntegerField(
        _l("Drawer pulse (ms)"), default=100, validators=[Optional(), NumberRange(10, 510)]
    )
    active = BooleanField(_l("Active"), default=True)

    def values(self) -> dict:
        """The form as the service's values (the API's vocabulary)."""
        values = {
            "name": self.name.data,
            "connection": self.connection.data,
            "host": self.host.data or None,
            "port": self.port.data or 9100,
            "device": self.device.data or None,
            "baud": int(self.baud.data),
            "width": int(self.width.data),
            "code_page": self.code_page.data or "CP437",
            "cut": self.cut.data,
            "active": self.active.data,
            "drawer": (
                {"pin": int(self.drawer_pin.data), "pulse_ms": self.drawer_pulse.data or 100}
                if self.drawer_pin.data
                else None
            ),
        }
        if self.profile.data:
            values["profile"] = self.profile.data
        return values

    def load(self, printer) -> None:
        self.name.data = printer.name
        self.connection.data = printer.connection
        self.host.data = printer.host
        self.port.data = printer.port
        self.device.data = printer.device if printer.connection != "network" else ""
        self.baud.data = str(printer.serial_baud)
        self.width.data = str(printer.width)
        self.profile.data = printer.profile
        self.code_page.data = printer.code_page
        self.cut.data = printer.cut
        self.drawer_pin.data = str(printer.drawer_pin or "")
        self.drawer_pulse.data = printer.drawer_pulse_ms
        self.active.data = printer.active
