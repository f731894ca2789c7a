"""Reading an uploaded spreadsheet: the bytes decide the type, hostile workbooks are refused before
anything unpacks them, and every cell comes back as trimmed text with the row number a person sees."""
from __future__ import annotations

import codecs
import csv
import io
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app

from portal.errors import RuleViolation
from portal.i18n import gettext as _

# Limits; each can be changed in the instance config under the same name prefixed IMPORT_.
DEFAULT_MAX_BYTES = 10 * 1024 * 1024  # the upload itself
DEFAULT_MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # an .xlsx once unzipped (zip bombs)
DEFAULT_MAX_MEMBERS = 500  # parts inside an .xlsx; real workbooks have a few dozen
DEFAULT_MAX_ROWS = 50_000
MAX_COLUMNS = 100  # columns read per row: a hostile sheet may claim 16,384
HEADER_SEARCH_ROWS = 10  # a title row or two above the header is common in office files

INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and workbooks Excel has encrypted
BINARY_MAGIC = (b"PK\x05\x06", b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")


def refused(message: str) -> RuleViolation:
    """The file as a whole cannot be used: shown beside the upload field."""
    return RuleViolation(message, field="file")


def limit(name: str, default: int) -> int:
    return int(current_app.config.get(f"IMPORT_{name}", default))


def size_text(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def too_many_rows(max_rows: int) -> RuleViolation:
    return refused(_("The file has more than %(n)d rows; please split it.", n=max_rows))


@dataclass
class Table:
    """The cells of a file's first visible sheet, as text, with their row numbers as a spreadsheet shows them."""

    file_type: str  # xlsx / csv
    rows: list[tuple[int, list[str]]]
    encoding: str | None = None


def sniff_type(data: bytes, *, formats: tuple[str, ...] = ("xlsx", "csv")) -> str:
    """"xlsx" or "csv", decided by the bytes, never by the file name."""
    if not data:
        raise refused(_("The file is empty."))
    if data.startswith(XLSX_MAGIC):
        return "xlsx"
    if "csv" not in formats:
        raise refused(_("This is not an Excel workbook (.xlsx). Save the sheet as .xlsx and upload it again."))
    if data.startswith(OLE_MAGIC):
        raise refused(_(
            "This is an Excel 97–2003 (.xls) file or a password-protected workbook. "
            "Please save it in Excel as \"Excel Workbook (.xlsx)\" without a password, or as CSV, and upload it again."
        ))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "csv"
    if data.startswith(BINARY_MAGIC) or b"\x00" in data[:8192]:
        raise refused(_("This file is not a spreadsheet. Please upload an Excel workbook (.xlsx) or a CSV file."))
    return "csv"


def read_table(data: bytes, *, formats: tuple[str, ...] = ("xlsx", "csv"), max_rows: int | None = None) -> Table:
    """Read an uploaded file into text cells, refusing anything too large or not a spreadsheet."""
    max_bytes = limit("MAX_BYTES", DEFAULT_MAX_BYTES)
    if len(data) > max_bytes:
        raise refused(_("The file is %(size)s; files up to %(limit)s are accepted.",
                        size=size_text(len(data)), limit=size_text(max_bytes)))
    max_rows = max_rows or limit("MAX_ROWS", DEFAULT_MAX_ROWS)
    if sniff_type(data, formats=formats) == "xlsx":
        return _read_xlsx(data, max_rows)
    return _read_csv(data, max_rows)


def check_zip(data: bytes) -> None:
    """Refuse a zip whose parts are too many, would unpack too large or are encrypted, before anything reads them.

    Python's zipfile never inflates a member beyond the size its directory declares (it stops
    there and the CRC check fails), so the declared sizes are a safe bound for openpyxl's reads.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise refused(_("The workbook is damaged and cannot be opened. Please save it again in Excel and retry.")) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > limit("MAX_MEMBERS", DEFAULT_MAX_MEMBERS):
            raise refused(_("The workbook has too many parts to be a plain spreadsheet; it was refused."))
        unpacked = sum(info.file_size for info in infos)
        max_unpacked = limit("MAX_UNPACKED_BYTES", DEFAULT_MAX_UNPACKED_BYTES)
        if unpacked > max_unpacked:
            raise refused(_(
                "Unpacked, the workbook would take %(size)s (more than %(limit)s); it was refused. "
                "Please remove other sheets and images, or save the data as CSV.",
                size=size_text(unpacked), limit=size_text(max_unpacked),
            ))
        if any(info.flag_bits & 0x1 for info in infos):
            raise refused(_("The workbook is encrypted. Please save it without a password and upload it again."))
        names = {info.filename for info in infos}
        if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
            raise refused(_("This file is a zip archive but not an Excel workbook. Please upload an .xlsx or CSV file."))


def _read_xlsx(data: bytes, max_rows: int) -> Table:
    import openpyxl
    from openpyxl import DEFUSEDXML

    # openpyxl parses the sheets' XML with defusedxml when it is installed (a dependency):
    # no entity expansion, no external entities, no DTD tricks.
    if not DEFUSEDXML:  # pragma: no cover - the dependency is declared
        raise RuntimeError("defusedxml must be installed to read uploaded workbooks")
    check_zip(data)
    rows: list[tuple[int, list[str]]] = []
    workbook = None
    try:
        with warnings.catch_warnings():
            # workbooks saved by other programs make openpyxl warn about styles it does not know
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheets = [ws for ws in workbook.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
            if not sheets:
                raise refused(_("The workbook has no visible worksheet."))
            sheet = sheets[0]
            width = min(sheet.max_column or MAX_COLUMNS, MAX_COLUMNS)
            for number, values in enumerate(sheet.iter_rows(max_col=width, values_only=True), start=1):
                values = list(values)
                while values and values[-1] is None:  # rows are padded to the sheet's width
                    values.pop()
                cells = [cell_text(value) for value in values]
                if any(cells):
                    rows.append((number, cells))
                    if len(rows) > max_rows + HEADER_SEARCH_ROWS:
                        raise too_many_rows(max_rows)
    except RuleViolation:
        raise
    except Exception:  # hostile or damaged XML of any kind: refuse it, never show a stack trace
        current_app.logger.info("an uploaded workbook could not be read", exc_info=True)
        raise refused(_("The workbook could not be read. Please save it again in Excel as .xlsx, or as CSV, and retry.")) from None
    finally:
        if workbook is not None:
            workbook.close()
    return Table("xlsx", rows)


def decode_text(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was in: UTF-8 (with or without BOM), UTF-16
    (Excel's "Unicode text"), or GB18030 — which covers GBK, what Excel in China saves CSV as."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = [("utf-8-sig", "UTF-8")]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = [("utf-16", "UTF-16")]
    else:
        candidates = [("utf-8", "UTF-8"), ("gb18030", "GBK/GB18030")]
    for codec, label in candidates:
        try:
            return data.decode(codec), label
        except UnicodeDecodeError:
            continue
    raise refused(_(
        "The file's text encoding was not recognised (UTF-8 and GBK are accepted). "
        "Please save it in Excel as \"CSV UTF-8\" or as an Excel workbook, and upload it again."
    ))


def _read_csv(data: bytes, max_rows: int) -> Table:
    text, encoding = decode_text(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max([",", "\t", ";"], key=first_line.count) if first_line else ","
    if delimiter != "," and first_line.count(delimiter) == 0:
        delimiter = ","
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, values in enumerate(reader, start=1):
            cells = [cell_text(value) for value in values[:MAX_COLUMNS]]
            if any(cells):
                rows.append((number, cells))
                if len(rows) > max_rows + HEADER_SEARCH_ROWS:
                    raise too_many_rows(max_rows)
    except csv.Error:
        raise refused(_("The CSV file is malformed near row %(row)d (a quote may be missing).",
                        row=reader.line_num)) from None
    return Table("csv", rows, encoding=encoding)


def cell_text(value: Any) -> str:
    """A cell as trimmed text: numbers without a spurious ".0", dates as ISO, zero-width marks dropped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)  # 1.1010519900101e+17: Excel already dropped digits; parsers say so
    if isinstance(value, datetime):
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if not text.isascii():
        text = text.translate(INVISIBLE)
    return text.strip()


def folded(text: str) -> str:
    """Full-width digits, letters, punctuation and spaces as their plain forms (２０２２ → 2022)."""
    return unicodedata.normalize("NFKC", text).strip() if not text.isascii() else text
