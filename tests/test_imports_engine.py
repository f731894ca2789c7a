"""The import engine: hostile files, encodings, headers, cells, staged previews and all-or-nothing commits."""
from __future__ import annotations

import codecs
import io
import json
import time
import zipfile
from decimal import Decimal

import pytest
from flask_babel import force_locale

from portal import imports
from portal.imports import staging
from portal.errors import RuleViolation
from portal.students.import_services import KINDS, ROSTER_SPEC, SPENDING_SPEC
from tests.fixtures import import_files as files


@pytest.fixture
def ctx(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_STAGING_DIR", str(tmp_path / "staged"))
    with app.test_request_context(headers={"Accept-Language": "en"}), force_locale("en"):
        yield app


def table_of(data: bytes) -> list[list[str]]:
    return [cells for _, cells in imports.read_table(data).rows]


ROWS = [["2026900001", "张三", "本科"], ["2026900002", "李四", "硕士"]]
HEADERS = ["学号", "姓名", "学历层次"]


@pytest.mark.parametrize("encode", [
    lambda: files.csv_file(HEADERS, ROWS),
    lambda: files.csv_file(HEADERS, ROWS, bom=True),
    lambda: files.csv_file(HEADERS, ROWS, encoding="gbk"),
    lambda: files.csv_file(HEADERS, ROWS, encoding="gb18030"),
    lambda: codecs.BOM_UTF16_LE + files.csv_file(HEADERS, ROWS, encoding="utf-16-le", delimiter="\t"),
    lambda: files.csv_file(HEADERS, ROWS, delimiter=";"),
    lambda: files.xlsx(HEADERS, ROWS),
], ids=["utf8", "utf8-bom", "gbk", "gb18030", "utf16-tab", "semicolon", "xlsx"])
def test_every_accepted_format_reads_the_same_cells(ctx, encode):
    assert table_of(encode()) == [HEADERS, *ROWS]


def test_the_type_is_decided_by_content_not_by_name(ctx):
    assert imports.read_table(files.xlsx(HEADERS, ROWS)).file_type == "xlsx"
    assert imports.read_table(files.csv_file(HEADERS, ROWS)).file_type == "csv"


@pytest.mark.parametrize("data, words", [
    (b"", "empty"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "97"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "not a spreadsheet"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not a spreadsheet"),
    (bytes(range(256)) * 4, "not a spreadsheet"),
])
def test_files_that_are_not_spreadsheets_are_refused_clearly(ctx, data, words):
    with pytest.raises(RuleViolation, match=words):
        imports.read_table(data)


def test_text_in_an_unknown_encoding_is_refused_with_advice(ctx):
    with pytest.raises(RuleViolation, match="CSV UTF-8"):
        imports.read_table(b"student_no,name\n1,\x80\xff\xfe\x81\n")


def test_a_zip_that_is_not_a_workbook_is_refused(ctx):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
        archive.writestr("[Content_Types].xml", "<Types/>")
    with pytest.raises(RuleViolation, match="not an Excel workbook"):
        imports.read_table(out.getvalue())


def test_a_damaged_workbook_is_refused(ctx):
    with pytest.raises(RuleViolation, match="damaged"):
        imports.read_table(b"PK\x03\x04" + b"garbage" * 100)


def test_a_zip_bomb_is_refused_before_it_is_unpacked(ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_UNPACKED_BYTES", 4 * 1024 * 1024)
    bomb = files.zip_bomb(8 * 1024 * 1024)
    assert len(bomb) < 64 * 1024  # it is small on the wire
    started = time.perf_counter()
    with pytest.raises(RuleViolation, match="Unpacked"):
        imports.read_table(bomb)
    assert time.perf_counter() - started < 1  # refused from the directory, without inflating


def test_a_workbook_with_too_many_parts_is_refused(ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_MEMBERS", 20)
    with pytest.raises(RuleViolation, match="too many parts"):
        imports.read_table(files.zip_bomb(10, members=30))


def test_a_file_over_the_size_limit_is_refused(ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 1000)
    with pytest.raises(RuleViolation, match="files up to"):
        imports.read_table(files.csv_file(HEADERS, ROWS * 100))


def test_too_many_rows_are_refused(ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 10)
    with pytest.raises(RuleViolation, match="more than 10 rows"):
        imports.read_table(files.csv_file(HEADERS, ROWS * 20))


def _with_part(workbook: bytes, name: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, content if info.filename == name else source.read(info.filename))
    return out.getvalue()


def test_xml_entity_tricks_in_a_workbook_are_refused(ctx):
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>'
    )
    hostile = _with_part(files.xlsx(HEADERS, ROWS), "xl/worksheets/sheet1.xml", laughs)
    with pytest.raises(RuleViolation, match="could not be read"):
        imports.read_table(hostile)


def test_headers_are_found_below_a_title_row_in_any_order_and_either_language(ctx):
    rows = [["2027", "2026900001", "临床医学院", "临床医学", "本科", "王五"]]
    data = files.xlsx(["毕业年份", "Student No", "学院", "major", "学历层次*", "姓名（必填）"], rows, title_row="2027届毕业生名单")
    table = imports.read_table(data)
    mapping, problems = imports.map_headers(table, ROSTER_SPEC)
    assert mapping.header_row == 2
    assert mapping.columns == {"graduation_year": 0, "student_no": 1, "college": 2, "major": 3, "degree_level": 4, "name": 5}
    assert problems == []
    parsed, cell_problems = imports.parse_rows(table, ROSTER_SPEC, mapping)
    assert cell_problems == []
    assert parsed[0]["_row"] == 3 and parsed[0]["name"] == "王五" and parsed[0]["graduation_year"] == 2027


def test_missing_required_columns_are_named_in_both_languages(ctx):
    table = imports.read_table(files.csv_file(["学号", "姓名", "专业"], [["2026900001", "王五", "临床医学"]]))
    with pytest.raises(RuleViolation) as refused:
        imports.map_headers(table, ROSTER_SPEC)
    message = str(refused.value)
    assert "学院 (college)" in message and "学历层次 (degree)" in message and "毕业年份 (graduation_year)" in message
    assert "专业" not in message


def test_unknown_columns_are_ignored_with_a_warning_and_duplicates_are_errors(ctx):
    table = imports.read_table(files.csv_file(["学号", "月份", "食堂消费金额", "就餐次数", "备注", "month"],
                                              [["1", "2026-03", "1", "1", "x", "2026-03"]]))
    _, problems = imports.map_headers(table, SPENDING_SPEC)
    assert [(p.column, p.severity) for p in problems] == [("备注", "warning"), ("month", "error")]


def test_a_header_row_without_data_rows_is_refused(ctx):
    with pytest.raises(RuleViolation, match="no data rows"):
        imports.preview(KINDS["spending"], files.csv_file(["学号", "月份", "食堂消费金额", "就餐次数"], []))


def test_numbers_that_excel_made_of_identifiers_are_read_back_or_explained(ctx):
    assert imports.cell_text(2026900001.0) == "2026900001"
    assert imports.cell_text(" \u3000２０２２\u200b ") == "２０２２"  # as written; a column folds it, or keeps it
    assert imports.folded(imports.cell_text(" \u3000２０２２\u200b ")) == "2022"
    from portal.students.import_services import national_id_value

    with pytest.raises(imports.CellError, match="format the column as text"):
        national_id_value(imports.cell_text(1.10105199001011e17))
    with pytest.raises(imports.CellError, match="format the column as text"):
        imports.student_no_value("2.022e+09")


@pytest.mark.parametrize("text, month", [("2026-03", "2026-03"), ("2026/3", "2026-03"), ("2026年3月", "2026-03"),
                                         ("2026-03-01", "2026-03"), ("2026.11", "2026-11")])
def test_months_are_read_in_the_usual_spellings(ctx, text, month):
    assert imports.month_value(text) == month


@pytest.mark.parametrize("text", ["2026-13", "03/2026", "March", "2026"])
def test_bad_months_are_explained(ctx, text):
    with pytest.raises(imports.CellError, match="YYYY-MM"):
        imports.month_value(text)


@pytest.mark.parametrize("text, phone", [("13800138000", "13800138000"), ("+86 138-0013-8000", "13800138000"),
                                         ("0851-86801234", "085186801234")])
def test_phone_numbers(ctx, text, phone):
    assert imports.phone_value(text) == phone


@pytest.mark.parametrize("text", ["1380013800", "23800138000", "phone"])
def test_bad_phone_numbers_are_explained(ctx, text):
    with pytest.raises(imports.CellError, match="not a phone number"):
        imports.phone_value(text)


def test_amounts_accept_yuan_signs_and_refuse_nonsense(ctx):
    parse = imports.money_value(Decimal("100000"))
    assert parse("¥1,234.5") == "1234.50" and parse("612元") == "612.00"
    for bad in ("-3", "abc", "12.345", "200000", "NaN"):
        with pytest.raises(imports.CellError):
            parse(bad)


# --- previews kept on the server ----------------------------------------------------------------


def stage(user_id=1, **kwargs):
    values = dict(kind="roster", user_id=user_id, filename="f.xlsx", sha256="0" * 64, options={},
                  rows=[{"_row": 2}], problems=[imports.Problem("bad", row=2, column="学号")], summary={})
    values.update(kwargs)
    return imports.stage(**values)


def test_a_staged_preview_is_bound_to_its_user(ctx):
    staged = stage(user_id=7)
    loaded = imports.load_staged(staged.token, user_id=7)
    assert loaded.rows == [{"_row": 2}] and loaded.problem_objects()[0].column == "学号"
    assert imports.load_staged(staged.token, user_id=8) is None


def test_a_staged_preview_expires_and_is_purged(ctx, app, monkeypatch):
    staged = stage()
    path = imports.staging_dir() / f"{staged.token}.json"
    monkeypatch.setattr(staging.time, "time", lambda: staged.created + 2 * 3600)
    assert imports.load_staged(staged.token, user_id=1) is None
    assert not path.exists()
    other = stage()
    monkeypatch.setattr(staging.time, "time", lambda: other.created + 2 * 3600)
    import os

    os.utime(imports.staging_dir() / f"{other.token}.json", (other.created - 7200, other.created - 7200))
    assert imports.purge_expired() == 1


@pytest.mark.parametrize("token", ["../../etc/passwd", "short", "x" * 100, "a/b" * 20, ""])
def test_odd_tokens_never_reach_the_file_system(ctx, token):
    assert imports.load_staged(token, user_id=1) is None
    imports.discard(token)  # no error, nothing removed


def test_staged_files_are_private_to_the_server_account(ctx):
    staged = stage()
    path = imports.staging_dir() / f"{staged.token}.json"
    assert path.stat().st_mode & 0o077 == 0
    assert json.loads(path.read_text(encoding="utf-8"))["token"] == staged.token


def test_safe_filenames(ctx):
    assert imports.safe_filename("C:\\Users\\admin\\名单.xlsx") == "名单.xlsx"
    assert imports.safe_filename("../../x\n.csv") == "x.csv"
    assert imports.safe_filename(None) == "upload"


def test_workbooks_are_parsed_with_defusedxml():
    import openpyxl
    from openpyxl.xml import functions

    assert openpyxl.DEFUSEDXML is True
    assert functions.iterparse.__module__.startswith("defusedxml")


# --- an import declared on the engine ---------------------------------------------------------------

NOTES = imports.Spec(columns=(
    imports.Column("code", ("编号", "code"), "code", imports.student_no_value),
    imports.Column("day", ("日期", "day"), "day", imports.date_value, required=False),
    imports.Column("text", ("备注", "text"), "text", required=False, fold=False),
))


def _notes_importer(written: list, **declared) -> imports.Importer:
    """Codes must be unique against `written` (the "database"); apply() appends the checked rows to it."""

    def plan(rows, options):
        problems = [imports.Problem("already there", row=row["_row"], column="编号")
                    for row in rows if not row.get("_bad") and row["code"] in written]
        return imports.Plan(problems=problems, counts={"rows": len(rows)},
                            payload=[row["code"] for row in rows if not row.get("_bad")])

    def apply(plan, *, actor, options):
        written.extend(plan.payload)
        return {"written": len(plan.payload)}

    return imports.Importer(key="notes", label="notes", spec=NOTES, plan=plan, apply=apply, **declared)


def test_an_importer_is_columns_and_a_row_handler(ctx):
    written: list = []
    importer = _notes_importer(written)
    data = files.csv_file(["编号", "日期", "备注"], [["ab12", "2026年4月2日", "（全角）ＡＢ"], ["cd34", "2026/4/3", ""]])
    rows, plan = imports.preview(importer, data)
    assert [(r["code"], r["day"], r["text"]) for r in rows] == [("AB12", "2026-04-02", "（全角）ＡＢ"), ("CD34", "2026-04-03", None)]
    assert plan.problems == [] and written == []  # a preview writes nothing
    assert imports.commit(importer, rows, actor=None) == {"written": 2} and written == ["AB12", "CD34"]


def test_a_commit_is_all_or_nothing(ctx):
    written = ["CD34"]
    importer = _notes_importer(written)
    rows, plan = imports.preview(importer, files.csv_file(["编号"], [["ab12"], ["cd34"]]))
    assert [(p.row, p.column, p.message) for p in plan.errors] == [(3, "编号", "already there")]
    with pytest.raises(imports.RowsRejected) as rejected:
        imports.commit(importer, rows, actor=None)
    assert rejected.value.status == 409 and rejected.value.plan.errors and written == ["CD34"]
    rows, plan = imports.preview(importer, files.csv_file(["编号", "日期"], [["ef56", "2026-02-30"]]))
    assert [(p.row, p.column) for p in plan.errors] == [(2, "日期")] and "YYYY-MM-DD" in plan.errors[0].message
    with pytest.raises(imports.RowsRejected):  # a row with a wrong cell is never written
        imports.commit(importer, rows, actor=None)
    assert written == ["CD34"]


def test_an_importer_of_workbooks_only_refuses_other_files_as_a_broken_rule(ctx):
    importer = _notes_importer([], formats=("xlsx",), max_rows=2)
    with pytest.raises(RuleViolation, match="not an Excel workbook") as refused:
        imports.preview(importer, files.csv_file(["编号"], [["ab12"]]))
    assert refused.value.status == 400 and refused.value.field == "file"
    with pytest.raises(RuleViolation, match="more than 2 rows"):
        imports.preview(importer, files.xlsx(["编号"], [["ab12"], ["cd34"], ["ef56"]]))
    rows, _plan = imports.preview(importer, files.xlsx(["编号"], [["ab12"], ["cd34"]]))
    assert [r["code"] for r in rows] == ["AB12", "CD34"]
