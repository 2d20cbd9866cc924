"""Sending bytes to a printer, and asking it for its status.

Every connection kind goes through python-escpos's printer classes, except ``file``
which appends to the file (escpos's ``File`` truncates it on open). A network
printer is asked its status with DLE EOT before the job (a printer that is offline
or out of paper gets nothing, so nothing half-prints) and after it (a printer
switched off or out of paper mid-job raises nothing in escpos: the job then counts
as failed and is printed again). Network timeouts are a few seconds, not escpos's
60.
"""

import contextlib
import os
import socket

from printers import targets
from printers.escpos_out import escpos_modules

NETWORK_TIMEOUT = 3.0  # seconds; python-escpos defaults to 60
STATUS_TIMEOUT = 1.5  # a printer that does not answer DLE EOT is "unknown", not failed

DLE_EOT = b"\x10\x04"


class PrinterError(Exception):
    """The printer could not take the job; ``reason`` says why, for the cashier."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def _decode_status(printer_byte: int | None, paper_byte: int | None) -> str:
    """DLE EOT 1 (printer) and 4 (paper roll sensor) bytes → a status word."""
    if paper_byte is not None and paper_byte & 0x60:
        return "paper_out"
    if printer_byte is None:
        return "unknown"
    if printer_byte & 0x08:
        return "offline"
    return "online"


def _valid(byte: int) -> bool:
    # Every DLE EOT answer has bits 1 and 4 set, bits 0 and 7 clear.
    return byte & 0x93 == 0x12


class _NetworkLink:
    """An open TCP connection through escpos's ``Network`` printer class."""

    def __init__(self, host, port, timeout=NETWORK_TIMEOUT):
        printer_module = escpos_modules()["printer"]
        self.where = f"{host}:{port}"
        self.device = printer_module.Network(host=host, port=int(port), timeout=timeout)
        self.answers_status = True
        # Connect here rather than in escpos's open(), which leaks the socket when the
        # connection is refused; escpos then writes and reads on this socket. The target
        # is checked again (the settings may have changed since it was saved), and the
        # connection goes to the address that was checked.
        try:
            address = targets.resolve_network(host, port)
        except targets.TargetRefused as exc:
            raise PrinterError(f"printer {self.where} not allowed: {exc.message}") from exc
        try:
            sock = socket.create_connection((address, int(port)), timeout=timeout)
        except OSError as exc:
            raise PrinterError(f"cannot connect to printer at {self.where}: {exc}") from exc
        # DLE EOT is 3 bytes sent after the job: without this, Nagle's algorithm holds
        # it back until the printer acknowledges the job (a delayed ACK: ~40 ms).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.device.device = sock

    @property
    def sock(self) -> socket.socket:
        return self.device.device

    def ask(self, n: int, timeout: float) -> int | None:
        """One DLE EOT n query: the status byte, or None if the printer does not answer."""
        if not self.answers_status:
            return None
        self.sock.settimeout(timeout)
        try:
            self.device._raw(DLE_EOT + bytes([n]))
            data = self.device._read()
        except TimeoutError:
            self.answers_status = False
            return None
        except OSError as exc:
            raise PrinterError(f"connection to printer {self.where} lost: {exc}") from exc
        finally:
            self.sock.settimeout(NETWORK_TIMEOUT)
        if not data:
            raise PrinterError(f"printer {self.where} closed the connection")
        byte = data[-1]
        return byte if _valid(byte) else None

    def status(self, timeout=STATUS_TIMEOUT) -> str:
        printer_byte = self.ask(1, timeout)
        if printer_byte is None:
            return "unknown"
        paper_byte = self.ask(4, timeout)
        return _decode_status(printer_byte, paper_byte)

    def send(self, data: bytes) -> None:
        try:
            self.device._raw(data)
        except OSError as exc:
            raise PrinterError(f"connection to printer {self.where} lost: {exc}") from exc

    def close(self):
        with contextlib.suppress(OSError):
            self.device.close()


def _cause(exc) -> str:
    text = str(exc).strip().splitlines()
    return text[-1] if text else exc.__class__.__name__


STATUS_REASONS = {
    "offline": "printer offline (cover open or error)",
    "paper_out": "printer out of paper",
}


def send(printer, data: bytes) -> None:
    """Send ``data`` to ``printer`` (a ``Printer`` row). Raises ``PrinterError``."""
    connection = printer.connection
    if connection == "network":
        _send_network(printer, data)
    elif connection == "file":
        _send_file(printer, data)
    elif connection == "serial":
        _send_serial(printer, data)
    elif connection == "usb":
        _send_usb(printer, data)
    elif connection == "cups":
        _send_cups(printer, data)
    else:
        raise PrinterError(f"unknown connection {connection!r}")


def _send_network(printer, data):
    if not printer.host:
        raise PrinterError("no host configured")
    link = _NetworkLink(printer.host, printer.port)
    try:
        before = link.status()
        if before in STATUS_REASONS:
            raise PrinterError(STATUS_REASONS[before])
        link.send(data)
        if before != "unknown":
            # Asked after the data: it answers once it has taken the job in. A printer
            # that went off or ran out of paper meanwhile did not print it whole.
            after = link.status(timeout=NETWORK_TIMEOUT)
            if after in STATUS_REASONS:
                raise PrinterError(STATUS_REASONS[after] + " during the job")
            if after == "unknown":
                raise PrinterError("no answer from the printer after the job")
    finally:
        link.close()


def _send_file(printer, data):
    path = printer.file_path
    if not path:
        raise PrinterError("no file or device configured")
    try:
        path = targets.check_file(path)
    except targets.TargetRefused as exc:
        raise PrinterError(f"file {path} not allowed: {exc.message}") from exc
    try:
        with open(path, "ab") as fh:
            fh.write(data)
            fh.flush()
    except OSError as exc:
        raise PrinterError(f"cannot write to {path}: {exc.strerror or exc}") from exc


def _send_serial(printer, data):
    try:
        targets.check_serial(printer.serial_device)
    except targets.TargetRefused as exc:
        raise PrinterError(f"device {printer.serial_device} not allowed: {exc.message}") from exc
    try:
        # Not a cycle: an optional library, installed only where that printer is used.
        import serial  # noqa: F401, PLC0415  (pyserial, which escpos's Serial needs)
    except ImportError as exc:
        raise PrinterError("pyserial not installed") from exc
    device = escpos_modules()["printer"].Serial(
        devfile=printer.serial_device, baudrate=printer.serial_baud, timeout=NETWORK_TIMEOUT
    )

    def bounded(opened):
        # A printer holding the line (flow control) fails the job instead of hanging the
        # worker: python-escpos sets a read timeout only.
        opened.device.write_timeout = NETWORK_TIMEOUT

    _through_escpos(device, data, printer.serial_device, after_open=bounded)


def _send_usb(printer, data):
    try:
        # Not a cycle: an optional library, installed only where that printer is used.
        import usb  # noqa: F401, PLC0415  (pyusb, which escpos's Usb needs)
    except ImportError as exc:
        raise PrinterError("pyusb not installed") from exc
    device = escpos_modules()["printer"].Usb(
        idVendor=printer.usb_vendor_id, idProduct=printer.usb_product_id, timeout=3000
    )
    _through_escpos(device, data, printer.device)


def _send_cups(printer, data):
    try:
        # Not a cycle: an optional library, installed only where that printer is used.
        import cups  # noqa: F401, PLC0415  (pycups)
    except ImportError as exc:
        raise PrinterError("pycups not installed") from exc
    device = escpos_modules()["printer"].CupsPrinter(printer_name=printer.cups_queue)
    _through_escpos(device, data, printer.cups_queue)


def _through_escpos(device, data, where, after_open=None):
    exceptions = escpos_modules()["exceptions"]
    try:
        device.open()
        if after_open is not None:
            after_open(device)
        device._raw(data)
        device.close()
    except (exceptions.Error, OSError) as exc:
        raise PrinterError(f"printer {where}: {_cause(exc)}") from exc


def query_status(printer) -> str:
    """``online``, ``offline``, ``paper_out`` or ``unknown`` (where it cannot be asked).

    A network printer is asked with DLE EOT (unreachable is ``offline``); a file is
    ``online`` when it can be written; USB, serial and CUPS are ``unknown``.
    """
    if printer.connection == "network":
        try:
            link = _NetworkLink(printer.host, printer.port)
        except PrinterError:
            return "offline"
        try:
            return link.status()
        except PrinterError:
            return "offline"
        finally:
            link.close()
    if printer.connection == "file":
        try:
            path = targets.check_file(printer.file_path or "")
        except targets.TargetRefused:
            return "offline"
        if os.path.exists(path):
            return "online" if os.access(path, os.W_OK) and not os.path.isdir(path) else "offline"
        parent = os.path.dirname(path) or "."
        return "online" if os.access(parent, os.W_OK) else "offline"
    return "unknown"
