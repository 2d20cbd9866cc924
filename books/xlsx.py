"""The books' reports as XLSX workbooks (openpyxl): one sheet per table, rupiah as
whole numbers with a thousands format, a title and the period on top."""

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

RUPIAH = "#,##0;-#,##0"


class Sheet:
    """A sheet being filled: ``title`` lines, then tables of rows."""

    def __init__(self, ws):
        self.ws = ws
        self.row = 1
        self.widths = {}

    def line(self, *values, bold=False):
        for col, value in enumerate(values, start=1):
            cell = self.ws.cell(row=self.row, column=col, value=value)
            if bold:
                cell.font = Font(bold=True)
            if isinstance(value, int) and not isinstance(value, bool):
                cell.number_format = RUPIAH
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
