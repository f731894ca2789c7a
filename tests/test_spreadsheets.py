"""Every workbook and CSV file the portal writes goes through portal/spreadsheets.py: cells that a
spreadsheet would run as formulas are written as text, whichever page exports them."""
from __future__ import annotations

import codecs
import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from portal import spreadsheets
from portal.i18n import lazy_gettext as _l

FORMULAS = ["=HYPERLINK(\"http://evil\",\"点我\")", "+SUM(A1)", "-2+3", "@cmd", "\t=1", "\r=1", "\n=1"]


@pytest.mark.parametrize("value, shown", [
    ("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"), ("+1", "'+1"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("\nx", "'\nx"), ("张三", "张三"), (-5, -5),
    (3.5, 3.5), (None, None), ("a\x00b\x1fc", "abc"),
])
def test_cells_a_spreadsheet_would_run_are_neutralised(value, shown):
    assert spreadsheets.neutralise(value) == shown


def test_a_workbook_neutralises_every_cell_of_every_sheet(app):
    with app.test_request_context():
        data = spreadsheets.workbook(
            spreadsheets.Sheet("名单", [[f, 4, date(2026, 5, 20)] for f in FORMULAS], header=["=h", _l("Name"), "day"],
                               widths=(20, 8)),
            spreadsheets.Sheet("notes", [["-x"], [], ["plain"]]),
        )
    book = load_workbook(io.BytesIO(data))
    first, second = book.worksheets
    assert first.title == "名单" and second.title == "notes"
    assert [c.value for c in first[1]] == ["'=h", "姓名", "day"] and first["A1"].font.bold
    # (XML reads a CR back as LF)
    assert [row[0] for row in first.iter_rows(min_row=2, values_only=True)] == ["'" + f.replace("\r", "\n") for f in FORMULAS]
    assert first["B2"].value == 4 and first["C2"].value.date() == date(2026, 5, 20)
    assert first.column_dimensions["A"].width == 20
    assert all(cell.data_type != "f" for sheet in book for row in sheet.iter_rows() for cell in row)
    assert second["A1"].value == "'-x" and second["A3"].value == "plain"


def test_a_template_keeps_its_text_columns_as_text():
    data = spreadsheets.workbook(spreadsheets.Sheet("t", [], header=["学号", "姓名"], text_columns=[0], blank_rows=5))
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet["A2"].number_format == "@" and sheet["A6"].number_format == "@"
    assert sheet["B2"].number_format != "@"


def test_csv_is_utf8_with_a_bom_and_neutralised():
    data = spreadsheets.csv_bytes(["=h", "name", "n", "at"], [["=1+2", "+86 138", -3, "@x"], [None, "李华", 1, ""]])
    assert data.startswith(codecs.BOM_UTF8)
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert parsed == [["'=h", "name", "n", "at"], ["'=1+2", "'+86 138", "-3", "'@x"], ["", "李华", "1", ""]]


def test_no_module_but_spreadsheets_writes_a_workbook():
    """The workbook writers of the ledger, the subsidy list, the cohort report, the postings and the
    imports' templates all call portal/spreadsheets.py."""
    from pathlib import Path

    import portal

    root = Path(portal.__file__).parent
    writers = sorted(str(path.relative_to(root)) for path in root.rglob("*.py")
                     if "Workbook(" in path.read_text(encoding="utf-8") or "csv.writer(" in path.read_text(encoding="utf-8"))
    assert writers == ["spreadsheets.py"]
