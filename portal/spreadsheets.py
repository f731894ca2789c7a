"""Every workbook and CSV file the portal writes: one place that makes cells safe to open.

A cell whose text starts like a formula (=, +, -, @, tab, CR, LF) would be run by Excel, WPS or
LibreOffice when the file is opened; such text is written with a leading apostrophe, so that the
cell shows it as typed. Characters a workbook cannot hold (control characters) are dropped.
"""
from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import LazyString

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value: Any) -> Any:
    """A value safe to put in a cell: text a spreadsheet would run as a formula gets a leading
    apostrophe; characters a workbook refuses are dropped. Numbers, dates and None pass as they are."""
    if isinstance(value, LazyString):
        value = str(value)
    elif not isinstance(value, str):
        return value
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


@dataclass
class Sheet:
    """One worksheet: an optional bold header row, then the rows as given."""

    title: str
    rows: Iterable[Sequence[Any]] = ()
    header: Sequence[Any] | None = None
    widths: Sequence[int] = ()  # column widths, from column A
    text_columns: Sequence[int] = ()  # formatted as text, so that Excel keeps student numbers as typed
    blank_rows: int = 0  # empty rows formatted as text_columns say, below the rows (a template to fill in)


def workbook(*sheets: Sheet) -> bytes:
    """An .xlsx of these sheets, written as a stream (openpyxl's write-only mode); every cell neutralised."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for spec in sheets:
        sheet = book.create_sheet(str(spec.title)[:31])
        for index, width in enumerate(spec.widths):
            sheet.column_dimensions[get_column_letter(index + 1)].width = width
        if spec.header is not None:
            cells = []
            for value in spec.header:
                cell = WriteOnlyCell(sheet, value=neutralise(value))
                cell.font = bold
                cells.append(cell)
            sheet.append(cells)
        text_columns = set(spec.text_columns)

        def text_cell(value):
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = "@"
            return cell

        for row in spec.rows:
            if text_columns:
                sheet.append([text_cell(neutralise(v)) if i in text_columns else neutralise(v) for i, v in enumerate(row)])
            else:
                sheet.append([neutralise(v) for v in row])
        width = len(spec.header or ())
        for _row in range(spec.blank_rows):
            sheet.append([text_cell(None) if i in text_columns else None for i in range(width)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV in UTF-8 with a BOM (so that Excel in China opens it as Unicode); every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([neutralise("" if v is None else v) for v in row])
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")
