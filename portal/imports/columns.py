"""Columns an import declares, finding them under a file's headers, and checking every cell below."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from portal.i18n import gettext as _
from portal.imports.cells import CellError, loose_key
from portal.imports.files import DEFAULT_MAX_ROWS, HEADER_SEARCH_ROWS, Table, folded, limit, refused, too_many_rows


def _as_text(text: str) -> str:
    return text


@dataclass(frozen=True)
class Column:
    """One column an import reads: the headers it is known by, and how a cell is checked."""

    key: str
    names: tuple[str, ...]  # accepted headers: the Chinese one first (the template's), then English ones
    label: Any  # lazy translated name for messages and the import page
    parse: Callable[[str], Any] = _as_text  # raises CellError
    required: bool = True  # the column must be there and every cell filled
    hint: Any = ""  # accepted values, shown on the import page and in the template's notes
    # read full-width forms as plain ones (２０２２ → 2022) before parsing; free text a person wrote
    # (an employer's name, a description) is kept as written
    fold: bool = True

    @property
    def header(self) -> str:
        return self.names[0]

    def described(self) -> str:
        return f"{self.names[0]} ({self.names[1]})" if len(self.names) > 1 else self.names[0]


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
    severity: str = "error"  # error: blocks the import; warning: shown, does not block; unmatched: a list's stranger

    def describe(self) -> str:
        where = []
        if self.row is not None:
            where.append(_("row %(n)d", n=self.row))
        if self.column:
            where.append(self.column)
        return (" · ".join(where) + ": " if where else "") + self.message


@dataclass
class Mapping:
    header_row: int
    columns: dict[str, int]  # column key -> index in the row
    headers: dict[str, str]  # column key -> the header as written


def map_headers(table: Table, spec: Spec) -> tuple[Mapping, list[Problem]]:
    """Find the header row (the first rows may be a title) and where each known column is."""
    known = {loose_key(name): column.key for column in spec.columns for name in column.names}
    if not table.rows:
        raise refused(_("The file has no rows."))
    best_index, best_hits = 0, 0
    for index, (_number, cells) in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
        hits = len({known[loose_key(c)] for c in cells if loose_key(c) in known})
        if hits > best_hits:
            best_index, best_hits = index, hits
    header_number, header_cells = table.rows[best_index]
    problems: list[Problem] = []
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    for index, cell in enumerate(header_cells):
        if not cell:
            continue
        key = known.get(loose_key(cell))
        if key is None:
            problems.append(Problem(_("This column is not used and will be ignored."), column=cell, severity="warning"))
        elif key in columns:
            problems.append(Problem(_("The column %(name)s appears twice.", name=cell), column=cell))
        else:
            columns[key] = index
            headers[key] = cell
    missing = [c for c in spec.columns if c.required and c.key not in columns]
    if missing:
        raise refused(_(
            "Required columns are missing: %(names)s. The header row must name them (in any order); "
            "download the template to see it.",
            names=", ".join(c.described() for c in missing),
        ))
    for group in spec.one_of:
        if not any(key in columns for key in group):
            raise refused(_(
                "The file needs at least one of these columns: %(names)s.",
                names=", ".join(spec.column(k).described() for k in group),
            ))
    return Mapping(header_number, columns, headers), problems


def parse_rows(table: Table, spec: Spec, mapping: Mapping, *, max_rows: int | None = None) -> tuple[list[dict], list[Problem]]:
    """Check every cell below the header. Each parsed row is a dict of column keys plus `_row`
    (its number in the spreadsheet), and `_bad` when a cell of it is wrong."""
    problems: list[Problem] = []
    parsed: list[dict] = []
    data_rows = [(n, cells) for n, cells in table.rows if n > mapping.header_row]
    max_rows = max_rows or limit("MAX_ROWS", DEFAULT_MAX_ROWS)
    if len(data_rows) > max_rows:
        raise too_many_rows(max_rows)
    if not data_rows:
        raise refused(_("The file has a header row but no data rows."))
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
                row[column.key] = column.parse(folded(text) if column.fold else text)
            except CellError as error:
                problems.append(Problem(str(error), row=number, column=mapping.headers[column.key]))
                row[column.key] = None
                row["_bad"] = True
        parsed.append(row)
    return parsed, problems
