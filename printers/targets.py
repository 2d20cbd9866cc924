"""Where a printer may point: checked when a printer is saved and again on connecting.

- ``network``: an IPv4 address on a private LAN (10/8, 172.16/12, 192.168/16), or a
  host, address or network listed in ``MART_PRINTER_HOSTS`` (the only way to allow a
  host name, loopback or IPv6); the port one of ``MART_PRINTER_PORTS`` (``9100``;
  ranges as ``9100-9109``). Link-local (169.254/16, fe80::/10), cloud metadata,
  unspecified and multicast addresses are never allowed, not even when listed. A host
  name is resolved on connecting and every address it gives is checked the same way;
  the connection goes to the checked address.
- ``file``: a path inside ``MART_PRINTER_FILE_DIR`` (``<instance>/printers`` when
  unset), after resolving symbolic links and ``..``.
- ``serial``: a device under ``/dev``.
"""

import ipaddress
import os
import socket
from pathlib import Path

from flask import current_app, has_app_context
from flask_babel import gettext as _

from mart.errors import InvalidInput

PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)
NEVER = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "169.254.0.0/16",  # link-local, where cloud metadata answers (169.254.169.254)
        "100.100.100.200/32",  # Alibaba Cloud metadata
        "224.0.0.0/4",
        "255.255.255.255/32",
        "::/128",
        "fe80::/10",
        "fd00:ec2::254/128",  # AWS metadata over IPv6
        "ff00::/8",
    )
)


class TargetRefused(Exception):
    """The configured target is not allowed; ``field`` names what is wrong."""

    def __init__(self, message, field):
        super().__init__(message)
        self.message = message
        self.field = field


def _config(name, default=""):
    if has_app_context():
        return current_app.config.get(name) or default
    return default


def allowed_ports() -> set[int]:
    text = str(_config("MART_PRINTER_PORTS", "9100"))
    ports = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        low, _sep, high = part.partition("-")
        low_n, high_n = int(low), int(high or low)
        ports.update(range(max(1, low_n), min(65535, high_n) + 1))
    return ports


def _allow_list():
    names, networks = set(), []
    for entry in str(_config("MART_PRINTER_HOSTS", "")).replace(" ", "").split(","):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            names.add(entry.lower().rstrip("."))
    return names, networks


def _address_allowed(address, networks) -> bool:
    if any(address in n for n in NEVER if n.version == address.version):
        return False
    if any(address in n for n in networks if n.version == address.version):
        return True
    return address.version == 4 and any(address in n for n in PRIVATE_NETWORKS)


def _address(text):
    try:
        address = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def check_network(host: str, port: int) -> None:
    """Raise ``TargetRefused`` unless ``host:port`` may be a printer (no lookup made)."""
    if int(port) not in allowed_ports():
        raise TargetRefused(
            _(
                "Port %(port)s is not allowed for printers (allowed: %(allowed)s).",
                port=port,
                allowed=_config("MART_PRINTER_PORTS", "9100"),
            ),
            "port",
        )
    names, networks = _allow_list()
    address = _address(host or "")
    if address is None:
        if (host or "").lower().rstrip(".") in names:
            return
        raise TargetRefused(
            _(
                "Give the printer's LAN address (e.g. 192.168.1.50); a host name must be "
                "listed in MART_PRINTER_HOSTS."
            ),
            "host",
        )
    if not _address_allowed(address, networks):
        raise TargetRefused(
            _(
                "%(host)s is not a private LAN address (10.x, 172.16-31.x, 192.168.x); "
                "other addresses must be listed in MART_PRINTER_HOSTS.",
                host=host,
            ),
            "host",
        )


def resolve_network(host: str, port: int) -> str:
    """The checked address to connect to for ``host:port``. Raises ``TargetRefused``."""
    check_network(host, port)
    address = _address(host)
    if address is not None:
        return str(address)
    _names, networks = _allow_list()
    try:
        infos = socket.getaddrinfo(host, int(port), type=socket.SOCK_STREAM)
    except OSError as exc:
        raise TargetRefused(f"cannot resolve {host}: {exc}", "host") from exc
    addresses = [_address(info[4][0]) for info in infos]
    for resolved in addresses:
        if resolved is None or not _address_allowed(resolved, networks):
            raise TargetRefused(f"{host} resolves to {resolved}, which is not allowed", "host")
    return str(addresses[0])


def file_folder() -> Path:
    folder = _config("MART_PRINTER_FILE_DIR", "")
    if not folder:
        base = current_app.instance_path if has_app_context() else "instance"
        folder = os.path.join(base, "printers")
    return Path(os.path.realpath(folder))


def check_file(path: str) -> str:
    """The resolved path of a file printer inside the printers' folder, or
    ``TargetRefused``."""
    folder = file_folder()
    resolved = os.path.realpath(path or "")
    # inside: below the folder (compared as strings: the Path of each parent cost a
    # sixth of the print worker's CPU a receipt, 4 Dec)
    if resolved == str(folder) or not resolved.startswith(os.path.join(folder, "")):
        raise TargetRefused(
            _("A file printer writes only inside %(folder)s.", folder=str(folder)), "device"
        )
    return resolved


def check_serial(device: str) -> None:
    resolved = Path(os.path.realpath(device or ""))
    if Path("/dev") not in resolved.parents:
        raise TargetRefused(_("A serial printer is a device under /dev."), "device")


def check(connection: str, host=None, port=None, device=None) -> None:
    """For saving a printer: ``InvalidInput`` naming the field when not allowed."""
    try:
        if connection == "network":
            check_network(host, port)
        elif connection == "file":
            check_file(device)
        elif connection == "serial":
            check_serial(device)
    except TargetRefused as exc:
        raise InvalidInput(exc.message, field=exc.field) from exc
