"""The import engine: reading hostile .xlsx/.csv uploads, mapping headers, validating rows,
staging previews server-side, and neutralising formulas in exported cells.

Nothing here knows about students: an import kind (roster, list, campus card, and later job
postings or destinations) gives a `Spec` of columns and its own checks; the engine does the rest.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import os
import re
import secrets
import time
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from flask import current_app

from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l

# Limits; each can be changed in the instance config under the same name prefixed IMPORT_.
DEFAULT_MAX_BYTES = 10 * 1024 * 1024  # the upload itself
DEFAULT_MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # an .xlsx once unzipped (zip bombs)
DEFAULT_MAX_MEMBERS = 500  # parts inside an .xlsx; real workbooks have a few dozen
DEFAULT_MAX_ROWS = 50_000
DEFAULT_PREVIEW_MINUTES = 60
MAX_COLUMNS = 100  # columns read per row: a hostile sheet may claim 16,384
HEADER_SEARCH_ROWS = 10  # a title row or two above the header is common in office files

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)


class ImportFileError(ValueError):
    """The file as a whole cannot be used; the message is translated and safe to show."""


class CellError(ValueError):
    """One cell's value is wrong; the message is translated and safe to show."""


# --- reading files -------------------------------------------------------------------------


def _limit(name: str, default: int) -> int:
    return int(current_app.config.get(f"IMPORT_{name}", default))


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


@dataclass
class Table:
    """The cells of a file's first sheet, as text, with their row numbers as a spreadsheet shows them."""

    file_type: str  # xlsx / csv
    rows: list[tuple[int, list[str]]]
    encoding: str | None = None


def sniff_type(data: bytes) -> str:
    """"xlsx" or "csv", decided by the bytes, never by the file name."""
    if not data:
        raise ImportFileError(_("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise ImportFileError(_(
            "This is an Excel 97–2003 (.xls) file or a password-protected workbook. "
            "Please save it in Excel as \"Excel Workbook (.xlsx)\" without a password, or as CSV, and upload it again."
        ))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "csv"
    binary_magic = (b"PK\x05\x06", b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")
    if data.startswith(binary_magic) or b"\x00" in data[:8192]:
        raise ImportFileError(_("This file is not a spreadsheet. Please upload an Excel workbook (.xlsx) or a CSV file."))
    return "csv"


def read_table(data: bytes) -> Table:
    """Read an uploaded file into text cells, refusing anything too large or not a spreadsheet."""
    max_bytes = _limit("MAX_BYTES", DEFAULT_MAX_BYTES)
    if len(data) > max_bytes:
        raise ImportFileError(_("The file is %(size)s; files up to %(limit)s are accepted.",
                                size=_size(len(data)), limit=_size(max_bytes)))
    if sniff_type(data) == "xlsx":
        return _read_xlsx(data)
    return _read_csv(data)


def check_zip(data: bytes) -> None:
    """Refuse a zip whose parts are too many or would unpack too large, before anything reads them.

    Python's zipfile never inflates a member beyond the size its directory declares (it stops
    there and the CRC check fails), so the declared sizes are a safe bound for openpyxl's reads.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ImportFileError(_("The workbook is damaged and cannot be opened. Please save it again in Excel and retry.")) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > _limit("MAX_MEMBERS", DEFAULT_MAX_MEMBERS):
            raise ImportFileError(_("The workbook has too many parts to be a plain spreadsheet; it was refused."))
        unpacked = sum(info.file_size for info in infos)
        max_unpacked = _limit("MAX_UNPACKED_BYTES", DEFAULT_MAX_UNPACKED_BYTES)
        if unpacked > max_unpacked:
            raise ImportFileError(_(
                "Unpacked, the workbook would take %(size)s (more than %(limit)s); it was refused. "
                "Please remove other sheets and images, or save the data as CSV.",
                size=_size(unpacked), limit=_size(max_unpacked),
            ))
        if any(info.flag_bits & 0x1 for info in infos):
            raise ImportFileError(_("The workbook is encrypted. Please save it without a password and upload it again."))
        names = {info.filename for info in infos}
        if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
            raise ImportFileError(_("This file is a zip archive but not an Excel workbook. Please upload an .xlsx or CSV file."))


def _read_xlsx(data: bytes) -> Table:
    import openpyxl
    from openpyxl import DEFUSEDXML

    # openpyxl parses the sheets' XML with defusedxml when it is installed (a dependency):
    # no entity expansion, no external entities, no DTD tricks.
    if not DEFUSEDXML:  # pragma: no cover - the dependency is declared
        raise RuntimeError("defusedxml must be installed to read uploaded workbooks")
    check_zip(data)
    max_rows = _limit("MAX_ROWS", DEFAULT_MAX_ROWS)
    rows: list[tuple[int, list[str]]] = []
    workbook = None
    try:
        with warnings.catch_warnings():
            # workbooks saved by other programs make openpyxl warn about styles it does not know
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheets = [ws for ws in workbook.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
            if not sheets:
                raise ImportFileError(_("The workbook has no visible worksheet."))
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
                        raise ImportFileError(_("The file has more than %(n)d rows; please split it.", n=max_rows))
    except ImportFileError:
        raise
    except Exception:  # hostile or damaged XML of any kind: refuse it, never show a stack trace
        current_app.logger.info("an uploaded workbook could not be read", exc_info=True)
        raise ImportFileError(_("The workbook could not be read. Please save it again in Excel as .xlsx, or as CSV, and retry.")) from None
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
    raise ImportFileError(_(
        "The file's text encoding was not recognised (UTF-8 and GBK are accepted). "
        "Please save it in Excel as \"CSV UTF-8\" or as an Excel workbook, and upload it again."
    ))


def _read_csv(data: bytes) -> Table:
    text, encoding = decode_text(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max([",", "\t", ";"], key=first_line.count) if first_line else ","
    if delimiter != "," and first_line.count(delimiter) == 0:
        delimiter = ","
    max_rows = _limit("MAX_ROWS", DEFAULT_MAX_ROWS)
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, values in enumerate(reader, start=1):
            cells = [cell_text(value) for value in values[:MAX_COLUMNS]]
            if any(cells):
                rows.append((number, cells))
                if len(rows) > max_rows + HEADER_SEARCH_ROWS:
                    raise ImportFileError(_("The file has more than %(n)d rows; please split it.", n=max_rows))
    except csv.Error:
        raise ImportFileError(_("The CSV file is malformed near row %(row)d (a quote may be missing).",
                                row=reader.line_num)) from None
    return Table("csv", rows, encoding=encoding)


def cell_text(value: Any) -> str:
    """A cell as trimmed text: numbers without a spurious ".0", dates as ISO, full-width forms folded."""
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
    if not text.isascii():  # fold full-width digits, letters and spaces; drop zero-width marks
        text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return text.strip()


# --- columns, headers and rows ---------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column an import reads: the headers it is known by, and how a cell is checked."""

    key: str
    names: tuple[str, ...]  # accepted headers: the Chinese one first (the template's), then English
    label: Any  # lazy translated name for messages
    parse: Callable[[str], Any] = lambda text: text
    required: bool = True  # the column must be there and every cell filled
    hint: Any = ""  # accepted values, shown on the import page and in the template's notes

    @property
    def header(self) -> str:
        return self.names[0]


@dataclass(frozen=True)
class Spec:
    columns: tuple[Column, ...]
    # groups of column keys of which at least one must be present (e.g. student number or ID)
    one_of: tuple[tuple[str, ...], ...] = ()

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


@dataclass
class Problem:
    """A problem with the file, a row or a cell; row numbers are those the spreadsheet shows."""

    message: str
    row: int | None = None
    column: str | None = None  # the header as written in the file, or the expected one
    severity: str = "error"  # error: blocks the import; warning: shown, does not block

    def describe(self) -> str:
        where = []
        if self.row is not None:
            where.append(_("row %(n)d", n=self.row))
        if self.column:
            where.append(self.column)
        return (" · ".join(where) + ": " if where else "") + self.message


def header_key(text: str) -> str:
    """Compare headers loosely: case, spaces, underscores, a required-marker * and a unit in brackets."""
    text = unicodedata.normalize("NFKC", text or "").translate(_INVISIBLE).strip().lower()
    text = re.sub(r"\([^)]*\)", "", text).replace("*", "")
    return re.sub(r"[\s_\-]+", "_", text).strip("_")


@dataclass
class Mapping:
    header_row: int
    columns: dict[str, int]  # column key -> index in the row
    headers: dict[str, str]  # column key -> the header as written


def map_headers(table: Table, spec: Spec) -> tuple[Mapping, list[Problem]]:
    """Find the header row (the first rows may be a title) and where each known column is."""
    known = {header_key(name): column.key for column in spec.columns for name in column.names}
    if not table.rows:
        raise ImportFileError(_("The file has no rows."))
    best_index, best_hits = 0, 0
    for index, (_number, cells) in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
        hits = len({known[header_key(c)] for c in cells if header_key(c) in known})
        if hits > best_hits:
            best_index, best_hits = index, hits
    header_number, header_cells = table.rows[best_index]
    problems: list[Problem] = []
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    for index, cell in enumerate(header_cells):
        if not cell:
            continue
        key = known.get(header_key(cell))
        if key is None:
            problems.append(Problem(_("This column is not used and will be ignored."), column=cell, severity="warning"))
        elif key in columns:
            problems.append(Problem(_("The column %(name)s appears twice.", name=cell), column=cell))
        else:
            columns[key] = index
            headers[key] = cell
    missing = [c for c in spec.columns if c.required and c.key not in columns]
    if missing:
        raise ImportFileError(_(
            "Required columns are missing: %(names)s. The header row must name them (in any order); "
            "download the template to see it.",
            names=", ".join(f"{c.names[0]} ({c.names[1]})" if len(c.names) > 1 else c.names[0] for c in missing),
        ))
    for group in spec.one_of:
        if not any(key in columns for key in group):
            raise ImportFileError(_(
                "The file needs at least one of these columns: %(names)s.",
                names=", ".join(f"{spec.column(k).names[0]} ({spec.column(k).names[1]})" for k in group),
            ))
    return Mapping(header_number, columns, headers), problems


def parse_rows(table: Table, spec: Spec, mapping: Mapping) -> tuple[list[dict], list[Problem]]:
    """Check every cell below the header. Each parsed row is a dict of column keys plus `_row`."""
    problems: list[Problem] = []
    parsed: list[dict] = []
    data_rows = [(n, cells) for n, cells in table.rows if n > mapping.header_row]
    max_rows = _limit("MAX_ROWS", DEFAULT_MAX_ROWS)
    if len(data_rows) > max_rows:
        raise ImportFileError(_("The file has more than %(n)d rows; please split it.", n=max_rows))
    if not data_rows:
        raise ImportFileError(_("The file has a header row but no data rows."))
    present = [(column, mapping.columns[column.key]) for column in spec.columns if column.key in mapping.columns]
    for number, cells in data_rows:
        row: dict[str, Any] = {"_row": number}
        for column, index in present:
            text = cells[index] if index < len(cells) else ""
            if not text:
                if column.required:
                    problems.append(Problem(_("This cell is empty; a value is required."), row=number,
                                            column=mapping.headers[column.key]))
                    row["_bad"] = True
                row[column.key] = None
                continue
            try:
                row[column.key] = column.parse(text)
            except CellError as error:
                problems.append(Problem(str(error), row=number, column=mapping.headers[column.key]))
                row[column.key] = None
                row["_bad"] = True
        parsed.append(row)
    return parsed, problems


# --- reusable cell parsers ---------------------------------------------------------------------


def text_value(max_length: int) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if len(text) > max_length:
            raise CellError(_("Too long: at most %(n)d characters.", n=max_length))
        return text

    return parse


def integer_value(minimum: int, maximum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            number = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise CellError(_("\"%(value)s\" is not a whole number.", value=text[:40])) from None
        if number != number.to_integral_value():
            raise CellError(_("\"%(value)s\" is not a whole number.", value=text[:40]))
        if not minimum <= number <= maximum:
            raise CellError(_("%(value)s is outside the accepted range %(min)d–%(max)d.", value=text[:40], min=minimum, max=maximum))
        return int(number)

    return parse


def money_value(maximum: Decimal) -> Callable[[str], str]:
    """An amount in yuan (¥, 元 and thousands separators allowed), kept as a string of two decimals."""

    def parse(text: str) -> str:
        cleaned = text.replace(",", "").replace("¥", "").replace("元", "").strip()
        try:
            amount = Decimal(cleaned)
        except InvalidOperation:
            raise CellError(_("\"%(value)s\" is not an amount in yuan.", value=text[:40])) from None
        if not amount.is_finite() or amount < 0 or amount > maximum:
            raise CellError(_("%(value)s is outside the accepted range 0–%(max)s.", value=text[:40], max=maximum))
        if amount != amount.quantize(Decimal("0.01")):
            raise CellError(_("\"%(value)s\" has more than two decimals.", value=text[:40]))
        return str(amount.quantize(Decimal("0.01")))

    return parse


def choice_value(values: dict[str, str], accepted: Any) -> Callable[[str], str]:
    """One of a few values, given in Chinese or English (case and spaces ignored)."""
    table = {header_key(k): v for k, v in values.items()}

    def parse(text: str) -> str:
        try:
            return table[header_key(text)]
        except KeyError:
            raise CellError(_("\"%(value)s\" is not accepted here; use one of: %(accepted)s.",
                              value=text[:40], accepted=accepted)) from None

    return parse


MONTH = re.compile(r"^(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*(?:月)?(?:\s*[-/.]\s*\d{1,2}\s*(?:日)?)?$")


def month_value(text: str) -> str:
    """A month as YYYY-MM; "2026/3", "2026年3月" and a date (Excel turns 2026-03 into one) are read too."""
    match = MONTH.match(text.split(" ")[0])
    if not match:
        raise CellError(_("\"%(value)s\" is not a month; write it as YYYY-MM, e.g. 2026-03.", value=text[:40]))
    year, month = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise CellError(_("\"%(value)s\" is not a month; write it as YYYY-MM, e.g. 2026-03.", value=text[:40]))
    return f"{year:04d}-{month:02d}"


EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                   r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


def email_value(text: str) -> str:
    """An e-mail address; the common shape is checked by a pattern (fast on 20,000 rows), anything
    else (an internationalised address, say) by the full validator."""
    if len(text) <= 254 and EMAIL.match(text) and ".." not in text:
        local, domain = text.rsplit("@", 1)
        return f"{local}@{domain.lower()}"
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise CellError(_("\"%(value)s\" is not an e-mail address.", value=text[:60])) from None


PHONE_SEPARATORS = re.compile(r"[\s()\-]")
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")


def phone_value(text: str) -> str:
    """A mainland mobile number (11 digits, an optional +86) or a landline with its area code."""
    digits = PHONE_SEPARATORS.sub("", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if MOBILE.match(digits) or LANDLINE.match(digits):
        return digits
    raise CellError(_("\"%(value)s\" is not a phone number (11-digit mobile, or landline with its area code).", value=text[:40]))


# --- previews kept on the server ----------------------------------------------------------------


@dataclass
class Staged:
    """A checked file waiting for confirmation. Clear national ID numbers are never in it."""

    token: str
    kind: str
    user_id: int | None
    filename: str
    sha256: str
    created: float
    options: dict = field(default_factory=dict)
    rows: list[dict] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)
    summary: dict = field(default_factory=dict)

    def problem_objects(self) -> list[Problem]:
        return [Problem(**p) for p in self.problems]


def staging_dir() -> Path:
    path = Path(current_app.config.get("IMPORT_STAGING_DIR") or Path(current_app.instance_path) / "imports")
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _expiry_seconds() -> int:
    return 60 * _limit("PREVIEW_MINUTES", DEFAULT_PREVIEW_MINUTES)


def purge_expired(*, now: float | None = None) -> int:
    """Delete previews nobody confirmed in time; returns how many."""
    now = time.time() if now is None else now
    removed = 0
    for path in [*staging_dir().glob("*.json"), *staging_dir().glob("*.claimed")]:
        try:
            if now - path.stat().st_mtime > _expiry_seconds():
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed


def stage(*, kind: str, user_id: int | None, filename: str, sha256: str, options: dict, rows: list[dict],
          problems: Sequence[Problem], summary: dict) -> Staged:
    purge_expired()
    staged = Staged(
        token=secrets.token_urlsafe(32), kind=kind, user_id=user_id, filename=filename, sha256=sha256,
        created=time.time(), options=options, rows=rows, problems=[asdict(p) for p in problems], summary=summary,
    )
    path = staging_dir() / f"{staged.token}.json"
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        json.dump(asdict(staged), out, ensure_ascii=False, separators=(",", ":"))
    os.replace(temporary, path)
    return staged


def load_staged(token: str, *, user_id: int | None) -> Staged | None:
    """The preview behind a token, if it exists, belongs to this user and has not expired."""
    if not TOKEN.match(token or ""):
        return None
    path = staging_dir() / f"{token}.json"
    try:
        with path.open(encoding="utf-8") as source:
            staged = Staged(**json.load(source))
    except (FileNotFoundError, ValueError, TypeError):
        return None
    if staged.user_id != user_id:
        return None
    if time.time() - staged.created > _expiry_seconds():
        discard(token)
        return None
    return staged


def claim_staged(token: str, *, user_id: int | None) -> Staged | None:
    """Take the preview for confirmation, so that a second click (or a second tab) cannot import it twice:
    the file is renamed, which succeeds for one request only. `release` gives it back if the import fails."""
    staged = load_staged(token, user_id=user_id)
    if staged is None:
        return None
    path = staging_dir() / f"{token}.json"
    try:
        os.replace(path, path.with_suffix(".claimed"))
    except FileNotFoundError:
        return None
    return staged


def release(token: str) -> None:
    path = staging_dir() / f"{token}.claimed"
    try:
        os.replace(path, path.with_suffix(".json"))
    except FileNotFoundError:
        pass


def discard(token: str) -> None:
    if TOKEN.match(token or ""):
        (staging_dir() / f"{token}.json").unlink(missing_ok=True)
        (staging_dir() / f"{token}.claimed").unlink(missing_ok=True)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def safe_filename(name: str | None) -> str:
    """The uploaded file's name for display and the audit log: no path, no control characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFKC", name) if ch.isprintable())
    return name.strip()[:200] or "upload"


# --- exports ------------------------------------------------------------------------------------


def neutralise(value: Any) -> Any:
    """A cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR first) is made plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "Sheet1",
               text_columns: Sequence[int] = (), notes: Sequence[Sequence[str]] | None = None) -> bytes:
    """An .xlsx of one sheet (and optionally a notes sheet); every cell passes through `neutralise`.

    `text_columns` are formatted as text so that Excel keeps student numbers and phone numbers as typed.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    bold = Font(bold=True)
    for index in range(len(headers)):
        sheet.column_dimensions[_column_letter(index)].width = 16
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=neutralise(header))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    wrote_rows = False
    for row in rows:
        wrote_rows = True
        cells = []
        for index, value in enumerate(row):
            cell = WriteOnlyCell(sheet, value=neutralise(value))
            if index in text_columns:
                cell.number_format = "@"
            cells.append(cell)
        sheet.append(cells)
    if not wrote_rows and text_columns:
        # an empty template: pre-format the first rows so typed numbers stay text
        for _row in range(200):
            cells = []
            for index in range(len(headers)):
                cell = WriteOnlyCell(sheet, value=None)
                if index in text_columns:
                    cell.number_format = "@"
                cells.append(cell)
            sheet.append(cells)
    if notes:
        note_sheet = workbook.create_sheet(_("Notes")[:31])
        note_sheet.column_dimensions["A"].width = 18
        note_sheet.column_dimensions["B"].width = 18
        note_sheet.column_dimensions["C"].width = 70
        for note in notes:
            note_sheet.append([neutralise(v) for v in note])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV in UTF-8 with a BOM (so Excel in China opens it as Unicode); every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in headers])
    for row in rows:
        writer.writerow([neutralise("" if v is None else v) for v in row])
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


# Lazy labels of the three severities, for pages and reports.
SEVERITY_LABELS = {"error": _l("Error"), "warning": _l("Warning"), "unmatched": _l("No match")}


# --- import kinds: preview and commit ------------------------------------------------------------


@dataclass
class Plan:
    """What an import would do with the checked rows, computed against the database as it is now."""

    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    details: list[dict] = field(default_factory=list)  # a sample of the changes, for the preview
    payload: Any = None  # what the kind's apply() needs

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]


@dataclass(frozen=True)
class ImportKind:
    """One kind of import: its columns, how it plans against the database, how it applies the plan."""

    key: str
    label: Any
    spec: Spec
    plan: Callable[[list[dict], dict], Plan]
    apply: Callable[..., dict]  # apply(plan, *, actor, options) -> counts
    describe: Callable[[dict], str]  # counts -> a translated one-line summary
    # counts -> whether the file gave anything to import (a list matching nobody does not)
    imported_anything: Callable[[dict], bool]
    text_columns: tuple[str, ...] = ()  # keys formatted as text in the template


class RowsRejected(ValueError):
    """The rows have errors: nothing was written."""

    def __init__(self, plan: Plan):
        super().__init__("rows rejected")
        self.plan = plan


def _by_row(problem: Problem) -> tuple:
    return (problem.row is not None, problem.row or 0)


def preview(kind: ImportKind, data: bytes, *, options: dict | None = None) -> tuple[list[dict], Plan]:
    """Read and check a file, and plan the import without writing anything.

    Raises ImportFileError when the file as a whole cannot be used.
    """
    options = options or {}
    table = read_table(data)
    mapping, header_problems = map_headers(table, kind.spec)
    rows, cell_problems = parse_rows(table, kind.spec, mapping)
    plan = kind.plan(rows, options)
    plan.problems = header_problems + sorted(cell_problems + plan.problems, key=_by_row)
    return rows, plan


def commit(kind: ImportKind, rows: list[dict], *, options: dict, actor, filename: str, file_sha256: str,
           via: str = "web", note: str = ""):
    """Plan again against the database as it is now and apply, all or nothing; the caller commits.

    Raises RowsRejected (and writes nothing) when any row has an error. Returns the ImportBatch.
    """
    from portal import audit
    from portal.extensions import db
    from portal.students.models import ImportBatch

    plan = kind.plan(rows, options)
    if plan.errors:
        raise RowsRejected(plan)
    counts = kind.apply(plan, actor=actor, options=options)
    batch = ImportBatch(
        kind=kind.key, filename=filename[:255], file_sha256=file_sha256, row_count=len(rows), counts=counts,
        options={k: v for k, v in options.items() if isinstance(v, (str, int))}, via=via,
        imported_by_id=getattr(actor, "id", None),
    )
    db.session.add(batch)
    db.session.flush()
    summary = ", ".join(f"{k}={v}" for k, v in counts.items())
    audit.record(actor, f"import.{kind.key}", batch,
                 detail=f"via={via}{note} file={filename} sha256={file_sha256[:16]} rows={len(rows)} {summary}")
    return batch
