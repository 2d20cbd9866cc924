"""The one layout engine: a ``Document`` becomes lines for a paper width.

Both the text preview and the ESC/POS bytes are made from these lines, so the
preview is exactly what prints. Rules: no line is ever longer than the width; long
names wrap under themselves; amounts are right-aligned in Rupiah format; totals
carry an emphasis attribute (bold, double height: the width stays the same); text
outside the printer's character set is transliterated (é → e), never sent as
garbage.

Text is reduced to printable ASCII, which every ESC/POS code page shares, so the
preview and the paper agree whatever code page the printer is set to.
"""

import functools
import textwrap
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from mart.money import format_number, format_rupiah
from printers.document import Document, Item, Label

WIDTHS = (32, 48)
COPY_MARK = "*** SALINAN / COPY ***"

# Characters NFKD does not take apart into ASCII.
_SPECIAL = {
    "ß": "ss",
    "æ": "ae",
    "Æ": "AE",
    "ø": "o",
    "Ø": "O",
    "œ": "oe",
    "Œ": "OE",
    "đ": "d",
    "Đ": "D",
    "ł": "l",
    "Ł": "L",
    "ı": "i",
    "€": "EUR",
    "£": "GBP",
    "…": "...",
    "–": "-",
    "—": "-",
    "−": "-",
    "‘": "'",
    "’": "'",
    "‚": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "•": "*",
    "×": "x",
    "÷": "/",
    "°": "o",
    "\u00a0": " ",
}


@dataclass(frozen=True)
class Line:
    """One printed line. ``kind`` is ``text``, ``qr`` or ``barcode`` (then ``data``)."""

    text: str = ""
    bold: bool = False
    double_height: bool = False
    kind: str = "text"
    data: str | None = None


def printable(text) -> str:
    """``text`` as printable ASCII: accents dropped (é → e), anything else ``?``."""
    text = "" if text is None else str(text)
    if text.isascii() and text.isprintable():
        return text
    out = []
    for ch in text:
        if " " <= ch <= "~":
            out.append(ch)
        elif ch in "\t\r\n":
            out.append(" ")
        elif ch in _SPECIAL:
            out.append(_SPECIAL[ch])
        else:
            decomposed = unicodedata.normalize("NFKD", ch)
            ascii_part = "".join(c for c in decomposed if " " <= c <= "~")
            if ascii_part:
                out.append(ascii_part)
            elif unicodedata.combining(ch):
                continue
            else:
                out.append("?")
    return "".join(out)


def wrap(text: str, width: int, indent: int = 0) -> list[str]:
    """Word-wrap to ``width`` columns; every line starts ``indent`` spaces in."""
    return list(_wrapped(text, width, indent))


@functools.lru_cache(maxsize=4096)
def _wrapped(text, width: int, indent: int) -> tuple[str, ...]:
    """``wrap``'s lines, kept: every receipt wraps the branch's header and footer again,
    and the names of the products that sell most (a third of the layout's CPU)."""
    room = max(1, width - indent)
    pad = " " * indent
    text = printable(text).strip()
    if not text:
        return ("",)
    if len(text) <= room:
        return (pad + text,)
    return tuple(
        pad + part
        for part in textwrap.wrap(text, room, break_long_words=True, break_on_hyphens=False)
    )


def center(text: str, width: int) -> list[str]:
    return [" " * ((width - len(part)) // 2) + part for part in wrap(text, width)]


def two_columns(left: str, right: str, width: int, indent: int = 0) -> list[str]:
    """``left`` then ``right`` flush right on the same line, or on the next when too long."""
    right = printable(right).strip()
    left_lines = wrap(left, width, indent)
    last = left_lines[-1]
    if len(last) + 1 + len(right) <= width:
        left_lines[-1] = last + " " * (width - len(last) - len(right)) + right
        return left_lines
    return left_lines + [" " * max(0, width - len(part)) + part for part in wrap(right, width)]


def format_quantity(qty, unit: str = "pcs") -> str:
    """``2`` for whole pieces; ``0,250 kg`` for weighed goods (Indonesian decimal comma)."""
    qty = Decimal(qty)
    if qty == qty.to_integral_value():
        text = format_number(int(qty))
    else:
        whole, _, frac = f"{abs(qty):.3f}".partition(".")
        sign = "-" if qty < 0 else ""
        text = f"{sign}{format_number(int(whole))},{frac.rstrip('0') if unit == 'pcs' else frac}"
    return text if unit == "pcs" else f"{text} {unit}"


def _item_lines(item: Item, width: int) -> list[str]:
    amount = format_number(item.amount)
    qty = format_quantity(item.quantity, item.unit)
    if qty == "1" and item.unit == "pcs":
        # One piece: the name and its amount share the line; the name wraps under itself.
        name_lines = wrap(item.name, width - len(amount) - 1)
        first = name_lines[0]
        lines = [first + " " * (width - len(first) - len(amount)) + amount] + name_lines[1:]
    else:
        lines = wrap(item.name, width)
        lines += two_columns(f"{qty} x {format_number(item.unit_price)}", amount, width, indent=2)
    if item.note:
        lines += wrap(item.note, width, indent=2)
    return lines


def layout(document: Document, width: int) -> list[Line]:
    """The lines of ``document`` at ``width`` columns (32 for 58 mm, 48 for 80 mm)."""
    if width not in WIDTHS:
        raise ValueError(f"width must be one of {WIDTHS}")
    out: list[Line] = []
    if document.copy:
        out += _texts(center(COPY_MARK, width), bold=True)
    out += _heading(document, width)
    out += _body(document, width)
    out += _codes(document, width)
    out += _footer(document, width)
    for label in document.labels:
        out.extend(label_lines(label, width))
    if document.copy:
        out += _texts(center(COPY_MARK, width), bold=True)
    return out


def _texts(lines, **style) -> list[Line]:
    return [Line(text, **style) for text in lines]


def _heading(document: Document, width: int) -> list[Line]:
    """The header lines, then the title (bold), centred."""
    out: list[Line] = []
    for header in document.header_lines:
        out += _texts(center(header, width))
    if document.title:
        out += _texts(center(document.title, width), bold=True)
    return out


def _body(document: Document, width: int) -> list[Line]:
    """Info, items, totals and notes: each part there starts with a rule."""
    rule = Line("-" * width)
    out: list[Line] = []
    if document.info:
        out.append(rule)
        for key, value in document.info:
            out += _texts(two_columns(key, value, width))
    if document.items:
        out.append(rule)
        for item in document.items:
            out += _texts(_item_lines(item, width))
    if document.totals:
        out.append(rule)
        for total in document.totals:
            lines = two_columns(total.label, format_rupiah(total.amount), width)
            out += _texts(lines, bold=total.emphasis, double_height=total.emphasis)
    if document.notes:
        out.append(rule)
        for note in document.notes:
            out += _texts(wrap(note, width))
    return out


def _codes(document: Document, width: int) -> list[Line]:
    """The barcode, then the QR code, each centred."""
    out: list[Line] = []
    if document.barcode:
        code = printable(document.barcode).strip()
        out.append(Line(" " * ((width - len(code)) // 2) + code, kind="barcode", data=code))
    if document.qr_payload:
        out.append(Line(" " * ((width - 4) // 2) + "[QR]", kind="qr", data=document.qr_payload))
    return out


def _footer(document: Document, width: int) -> list[Line]:
    """An empty line, then the footer lines centred."""
    out: list[Line] = []
    if document.footer_lines:
        out.append(Line(""))
        for footer in document.footer_lines:
            out += _texts(center(footer, width))
    return out


def label_lines(label: Label, width: int) -> list[Line]:
    """A shelf label: the name (bold), the price (bold, double height), the member
    price, the barcode with its code under it, then a dashed line to cut along."""
    out = [Line(text, bold=True) for text in wrap(label.name, width)]
    out.extend(
        Line(text, bold=True, double_height=True)
        for text in center(format_rupiah(label.price), width)
    )
    if label.member_price is not None:
        out.extend(
            Line(text) for text in center(f"Anggota {format_rupiah(label.member_price)}", width)
        )
    for name, factor, price in label.packs:  # "DUS (40) Rp 130.000" (issue 15)
        out.extend(
            Line(text) for text in center(f"{name} ({factor}) {format_rupiah(price)}", width)
        )
    if label.barcode:
        code = printable(label.barcode).strip()
        out.append(Line(" " * ((width - len(code)) // 2) + code, kind="barcode", data=code))
    out.append(Line("- " * (width // 2)))
    return out


def render_text(document: Document, width: int) -> str:
    """The text preview: exactly the printed lines, one per line."""
    return "\n".join(line.text for line in layout(document, width)) + "\n"
