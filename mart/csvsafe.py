"""CSV exports that a spreadsheet cannot run: the one writer every export uses.

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
read by Excel, LibreOffice and Google Sheets as a formula (``=HYPERLINK(...)``,
``=cmd|...``). ``writer(out)`` writes such a cell with a leading apostrophe
(``'=1+2``), which the spreadsheet shows as text. Numbers (``int``, ``Decimal``...)
and text that is just a number (``-1500``, ``-0.25``) are written as they are, so
negative figures stay numbers. The product import strips that apostrophe again, so an
export imports back unchanged.
"""

import csv
import re

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?[0-9]+(?:[.,][0-9]+)?")


def _protected(text: str) -> bool:
    """Starts like a formula, or like one already protected (``'=``): then it gets an
    apostrophe more, so reading it back is exact for every text."""
    return text.lstrip("'").startswith(TRIGGERS)


def safe_cell(value):
    """``value`` as a CSV cell that no spreadsheet evaluates."""
    if not isinstance(value, str) or not _protected(value):
        return value
    if _NUMBER.fullmatch(value):
        return value
    return "'" + value


def unescape_cell(text: str) -> str:
    """The text ``safe_cell`` protected, as it was (for reading an export back)."""
    if text.startswith("'") and _protected(text[1:]):
        return text[1:]
    return text


class _SafeWriter:
    def __init__(self, out, **kwargs):
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row):
        return self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(out, **kwargs):
    """``csv.writer(out, **kwargs)`` whose rows are written through ``safe_cell``."""
    return _SafeWriter(out, **kwargs)
