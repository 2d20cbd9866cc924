"""ESC/POS bytes through python-escpos, made from the layout's lines.

The bytes are built on escpos's ``Dummy`` printer for the printer's capability
profile; ``printers.transport`` sends them. Pitfalls of python-escpos 3.1 handled
here:

- at import it calls ``logging.basicConfig()`` and makes a temporary directory for
  its capabilities pickle: the import is wrapped so the root logger keeps exactly
  its handlers and level, and the pickle goes to one private cache directory;
- after ``INIT`` (ESC @) the printer is back on its default code page, but escpos
  still believes its last one is active and would not resend it: the encoder state
  is reset and the code page selected explicitly (ESC t n) after every INIT;
- it prints "Using ... barcode renderer" on stdout: that is swallowed;
- profiles without a cutter (58 mm POS-5890) get a paper feed instead of a cut.
"""

import contextlib
import fcntl
import functools
import io
import logging
import os
import pickle
import stat
import tempfile
import threading
from pathlib import Path

import barcode as python_barcode
import qrcode

from printers.document import Document
from printers.layout import Line, layout

DEFAULT_PROFILES = {32: "POS-5890", 48: "TM-T20II"}
DEFAULT_CODE_PAGE = "CP437"
FEED_WITHOUT_CUT = 4

_lock = threading.Lock()
_modules = {}
_code_page_cache: dict[str, dict[str, int]] = {}


def _private_cache_dir() -> str | None:
    """A cache directory only this user can write (the pickle is loaded with pickle)."""
    path = Path(tempfile.gettempdir()) / f"okoce-mart-escpos-{os.getuid()}"
    try:
        path.mkdir(mode=0o700, exist_ok=True)
        info = path.lstat()
    except OSError:
        return None
    if (
        not stat.S_ISDIR(info.st_mode)
        or info.st_uid != os.getuid()
        or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    ):
        return None
    return str(path)


def escpos_modules():
    """Import python-escpos once, leaving the application's logging as it was."""
    if _modules:
        return _modules
    with _lock:
        if _modules:
            return _modules
        root = logging.getLogger()
        handlers, level = list(root.handlers), root.level
        if "ESCPOS_CAPABILITIES_PICKLE_DIR" not in os.environ:
            cache = _private_cache_dir()
            if cache:
                os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = cache
        try:
            with _cache_lock(os.environ.get("ESCPOS_CAPABILITIES_PICKLE_DIR")):
                capabilities, constants, exceptions, printer = _import_escpos()
        finally:
            for handler in list(root.handlers):
                if handler not in handlers:
                    root.removeHandler(handler)
            root.setLevel(level)
        _modules.update(
            capabilities=capabilities, constants=constants, exceptions=exceptions, printer=printer
        )
    return _modules


@contextlib.contextmanager
def _cache_lock(cache):
    """Hold an exclusive lock on the capabilities cache while python-escpos is imported.
    Its import rewrites the pickle in place when the package's capabilities.json is newer
    (after every install), and another process importing it then read half a pickle
    (``EOFError``; seen when CI's test runs started side by side on a fresh install)."""
    if not cache:
        yield
        return
    with open(os.path.join(cache, "import.lock"), "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _import_escpos():
    # Not a cycle: python-escpos must be imported after its cache folder is set, and its
    # import touches the root logger (put back by the caller).
    try:
        from escpos import capabilities  # noqa: PLC0415
    except (EOFError, pickle.UnpicklingError):
        # A pickle left broken by a process killed while writing it: made again.
        cache = os.environ.get("ESCPOS_CAPABILITIES_PICKLE_DIR")
        for broken in Path(cache).glob("*.capabilities.pickle") if cache else ():
            broken.unlink(missing_ok=True)
        from escpos import capabilities  # noqa: PLC0415
    from escpos import constants, exceptions, printer  # noqa: PLC0415

    return capabilities, constants, exceptions, printer


def profile_names() -> list[str]:
    return sorted(escpos_modules()["capabilities"].CAPABILITIES["profiles"])


def code_pages(profile: str) -> list[str]:
    """The named code pages the profile knows (``CP437``, ``CP858``, ...)."""
    return sorted(_code_page_table(profile))


def _code_page_table(profile: str) -> dict[str, int]:
    """Name → the lowest ESC t number of that table in the profile.

    escpos's own lookup takes the last number a name appears under (POS-5890 lists
    CP437 as 0, 50 and 52, and escpos would send 52): the first is the standard one.
    """
    cached = _code_page_cache.get(profile)
    if cached is None:
        prof = _profile(profile)
        cached = {}
        for number, name in sorted(prof.codePages.items(), key=lambda kv: int(kv[0])):
            if name and name != "Unknown":
                cached.setdefault(name, int(number))
        _code_page_cache[profile] = cached
    return cached


def profile_features(profile: str) -> dict:
    return dict(_profile(profile).features)


def can_cut(profile: str) -> bool:
    features = profile_features(profile)
    return bool(features.get("paperFullCut") or features.get("paperPartCut"))


def _start(profile: str, code_page: str):
    dummy = escpos_modules()["printer"].Dummy(profile=profile)
    dummy.hw("INIT")
    # INIT put the printer back on its default table: forget what escpos believes
    # is selected, select the code page again explicitly (ESC t n), and keep escpos
    # on it (the layout only emits printable ASCII, which every table shares).
    code_page = code_page or DEFAULT_CODE_PAGE
    number = _code_page_table(profile).get(code_page)
    if number is None:
        raise ValueError(f"code page {code_page} is not in profile {profile}")
    dummy.magic.encoding = None
    dummy._raw(escpos_modules()["constants"].CODEPAGE_CHANGE + bytes([number]))
    dummy.magic.encoding = code_page
    dummy.magic.disabled = True
    return dummy


def _qr(dummy, payload: str, width: int, profile: str) -> None:
    dummy.set(align="center")
    if dummy.profile.supports("qrCode"):
        dummy.qr(payload, native=True, size=6 if width >= 48 else 4)
        dummy.ln()
    else:
        dummy._raw(_qr_image(profile, payload, 5 if width >= 48 else 4))
    dummy.set(align="left")


@functools.lru_cache(maxsize=64)
def _qr_image(profile_name: str, payload: str, size: int) -> bytes:
    """The QR as a raster image, for profiles without native QR (cached: rendering
    it takes ~15 ms, and a branch's static QRIS or a reprint repeats the payload)."""
    # Rendered here rather than by escpos's qr(native=False), which writes its line
    # feeds through the code page magic: a stray ESC t (a different table) mid-receipt.
    code = qrcode.QRCode(
        version=None, box_size=size, border=1, error_correction=qrcode.constants.ERROR_CORRECT_L
    )
    code.add_data(payload)
    code.make(fit=True)
    image = code.make_image()._img.convert("RGB")
    dummy = escpos_modules()["printer"].Dummy(profile=profile_name)
    dummy.image(image, impl="bitImageRaster", center=True)
    dummy._raw(b"\n")
    return dummy.output


def _paper_dots(profile, width: int) -> int:
    pixels = profile.profile_data.get("media", {}).get("width", {}).get("pixels")
    return int(pixels) if str(pixels).isdigit() else (384 if width < 48 else 576)


def _code128_raster(code: str, dots: int, height: int = 64) -> bytes:
    """CODE128 as one raster image (GS v 0), centred on ``dots``, for printers without
    hardware barcodes. python-barcode gives the bar pattern; the rows are built here
    directly (rendering through PIL and escpos's image() costs ~10 times more)."""
    pattern = python_barcode.get_barcode_class("code128")(code).build()[0]
    for module in (2, 1):
        if len(pattern) * module <= dots - 20:  # leave a quiet zone each side
            break
    else:
        return b""  # too long for the paper: the code is still printed as text
    bars = "".join(bit * module for bit in pattern)
    left = (dots - len(bars)) // 2
    row_bits = "0" * left + bars + "0" * (dots - left - len(bars))
    row = int(row_bits, 2).to_bytes(dots // 8, "big")
    header = b"\x1dv0\x00" + bytes([(dots // 8) & 255, (dots // 8) >> 8, height & 255, height >> 8])
    return header + row * height + b"\n"


def _started(profile: str, code_page: str):
    """A ``Dummy`` as ``_start`` leaves it, with its output emptied: a piece made on it
    is the bytes that piece adds at any point of a job."""
    dummy = _start(profile, code_page)
    dummy.clear()
    return dummy


@functools.lru_cache(maxsize=64)
def _pieces(profile: str, code_page: str, cut: bool) -> dict[str, bytes | None]:
    """The bytes of each command a job is made of, made by python-escpos once per printer
    setting (they depend on nothing else): the start (INIT, the code page), the styles,
    the end (cut or feed), and, for a profile with hardware barcodes, the CODE128's
    set-up (``barcode``; None when escpos's bytes for it were not of the shape looked
    for: then escpos makes each one). ``lines_to_bytes`` joins
    them with the lines' text; a ``Dummy`` a job cost more CPU than the rest of the
    layout (its profile, its code page encoder), and python-escpos's barcode checks as
    much again (4 Dec: a third of the workers' process under 8 registers).
    ``tests/printers/test_escpos.py`` holds the joined bytes to escpos's own, job by job."""

    def made(action) -> bytes:
        dummy = _started(profile, code_page)
        action(dummy)
        return dummy.output

    pieces = {
        "start": _start(profile, code_page).output,
        "double": made(lambda d: d.set(double_height=True)),
        "normal": made(lambda d: d.set(normal_textsize=True)),
        "bold": made(lambda d: d.set(bold=True)),
        "not_bold": made(lambda d: d.set(bold=False)),
        "plain": made(lambda d: d.set(normal_textsize=True, bold=False)),
        "left": made(lambda d: d.set(align="left")),
        "end": made(
            (lambda d: d.cut()) if cut and can_cut(profile) else (lambda d: d.ln(FEED_WITHOUT_CUT))
        ),
    }
    probe = "{B0"  # the set-up is what precedes the length byte and the code
    made_probe = made(lambda d: _escpos_barcode(d, probe))
    if made_probe:  # the profile has hardware barcodes
        shaped = made_probe.endswith(bytes([len(probe)]) + probe.encode())
        pieces["barcode"] = made_probe[: -len(probe) - 1] if shaped else None
    return pieces


def _escpos_barcode(dummy, data: str) -> None:
    """CODE128 by the printer (``data`` with its ``{B`` code set), through escpos."""
    if dummy.profile.supports("barcodeB"):
        with contextlib.redirect_stdout(io.StringIO()):  # escpos prints its choice
            dummy.barcode(data, "CODE128", height=64, width=2, pos="OFF", function_type="B")


def _barcode_bytes(pieces, profile: str, code_page: str, code: str, width: int) -> bytes:
    """The CODE128 of ``code`` (its text line follows it): by the printer when the
    profile can, from the cached set-up when escpos would take the code as it is
    (ASCII, at most 253 characters), else made by escpos (which refuses what it
    refuses); as an image (``_code128_raster``) when the profile cannot."""
    if "barcode" not in pieces:
        return _code128_raster(code, _paper_dots(_profile(profile), width))
    setup = pieces["barcode"]
    if setup is not None and 0 < len(code) <= 253 and code.isascii():
        data = ("{B" + code).encode()
        return setup + bytes([len(data)]) + data
    dummy = _started(profile, code_page)
    _escpos_barcode(dummy, "{B" + code)
    return dummy.output


@functools.lru_cache(maxsize=64)
def _profile(profile: str):
    """escpos's capability profile ``profile`` (made once: its features, its paper)."""
    return escpos_modules()["capabilities"].get_profile(profile)


@functools.lru_cache(maxsize=64)
def _qr_bytes(profile: str, code_page: str, payload: str, width: int) -> bytes:
    """What ``_qr`` adds for ``payload`` (cached: a branch's static QRIS repeats)."""
    dummy = _started(profile, code_page)
    _qr(dummy, payload, width, profile)
    return dummy.output


def lines_to_bytes(
    lines: list[Line],
    *,
    width: int,
    profile: str,
    code_page: str = DEFAULT_CODE_PAGE,
    cut: bool = True,
) -> bytes:
    """ESC/POS for ``lines``: INIT, code page, the lines with their styles, cut or feed.
    The commands are python-escpos's, made once per setting (``_pieces``)."""
    code_page = code_page or DEFAULT_CODE_PAGE
    pieces = _pieces(profile, code_page, bool(cut))
    out = [pieces["start"]]
    bold = double = False
    for line in lines:
        if line.kind in ("qr", "barcode") and (bold or double):
            out.append(pieces["plain"])
            bold = double = False
        if line.kind == "qr" and line.data:
            out.append(_qr_bytes(profile, code_page, line.data, width))
            continue
        if line.kind == "barcode" and line.data:
            out.append(_barcode_bytes(pieces, profile, code_page, line.data, width))
            out.append(pieces["left"])
            out.append(line.text.encode("ascii", "replace") + b"\n")
            continue
        if line.double_height != double:
            out.append(pieces["double"] if line.double_height else pieces["normal"])
            double = line.double_height
            bold = False  # ESC ! also clears emphasis
        if line.bold != bold:
            out.append(pieces["bold"] if line.bold else pieces["not_bold"])
            bold = line.bold
        # The layout gives printable ASCII, which every code page holds at the same
        # bytes: written as is, without escpos's per-character code page search.
        out.append(line.text.encode("ascii", "replace") + b"\n")
    if double:
        out.append(pieces["normal"])
    if bold:
        out.append(pieces["not_bold"])
    out.append(pieces["end"])
    return b"".join(out)


def document_bytes(
    document: Document,
    *,
    width: int,
    profile: str | None = None,
    code_page: str = DEFAULT_CODE_PAGE,
    cut: bool = True,
) -> bytes:
    """The ESC/POS bytes of ``document`` as the printer prints it."""
    return lines_to_bytes(
        layout(document, width),
        width=width,
        profile=profile or DEFAULT_PROFILES[width],
        code_page=code_page,
        cut=cut,
    )


@functools.lru_cache(maxsize=64)
def drawer_bytes(*, profile: str, pin: int = 2, pulse_ms: int = 100) -> bytes:
    """INIT and a drawer kick: ESC p m t1 t2 (m 0 = pin 2, 1 = pin 5; t in 2 ms units).
    Cached: a branch's few drawers make the same bytes every time."""
    dummy = escpos_modules()["printer"].Dummy(profile=profile)
    dummy.hw("INIT")
    on = max(1, min(255, int(pulse_ms) // 2))
    dummy.cashdraw([27, 112, 0 if int(pin) == 2 else 1, on, min(255, on * 2)])
    return dummy.output
