"""The books' reports as XLSX workbooks (openpyxl): one sheet per table, rupiah as
whole numbers with a thousands format, a title and the period on top. Titles give their
dates in words ("8 Okt 2025"); a date standing in a cell is a real date shown the
Indonesian way (``DATE_ID``), so a spreadsheet sorts and filters it as a date."""

import io
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from mart import clock

RUPIAH = "#,##0;-#,##0"
# Excel's Indonesian locale (LCID 0x421): "8 Okt 2025" in any Excel or LibreOffice.
DATE_ID = "[$-421]d mmm yyyy"
DATETIME_ID = "[$-421]d mmm yyyy hh:mm"


def cell_value(value):
    """What openpyxl can store: a datetime without its time zone (in the branch's local
    time), anything else as it is."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return clock.local(value).replace(tzinfo=None)
    return value


def date_format(value) -> str | None:
    """The number format of a date or datetime cell, else None."""
    if isinstance(value, datetime):
        return DATETIME_ID
    if isinstance(value, date):
        return DATE_ID
    return None


class Sheet:
    """A sheet being filled: ``title`` lines, then tables of rows."""

    def __init__(self, ws):
        self.ws = ws
        self.row = 1
        self.widths = {}

    def line(self, *values, bold=False):
        for col, value in enumerate(values, start=1):
            cell = self.ws.cell(row=self.row, column=col, value=cell_value(value))
            if bold:
                cell.font = Font(bold=True)
            if isinstance(value, int) and not isinstance(value, bool):
                cell.number_format = RUPIAH
            if date_format(value):
                cell.number_format = date_format(value)
                value = "00 Mmm 0000 00:00" if isinstance(value, datetime) else "00 Mmm 0000"
            width = len(str(value)) if value is not None else 0
            self.widths[col] = max(self.widths.get(col, 8), min(width + 2, 60))
        self.row += 1

    def gap(self):
        self.row += 1

    def finish(self):
        for col, width in self.widths.items():
            self.ws.column_dimensions[get_column_letter(col)].width = width


class Book:
    def __init__(self):
        self.wb = Workbook()
        self._first = True

    def sheet(self, title: str) -> Sheet:
        if self._first:
            ws = self.wb.active
            ws.title = title[:31]
            self._first = False
        else:
            ws = self.wb.create_sheet(title[:31])
        return Sheet(ws)

    def to_bytes(self, sheets) -> bytes:
        for s in sheets:
            s.finish()
        out = io.BytesIO()
        self.wb.save(out)
        return out.getvalue()


MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
