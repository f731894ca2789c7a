"""Destination spreadsheets: reading an upload, checking every row, previewing, then writing all
rows or none; and writing spreadsheets whose cells can never run as formulas."""
from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import insert, select, update

from portal import audit
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models_base import utcnow
from portal.outcomes import categories as cat
from portal.outcomes.models import Destination, DestinationImport
from portal.outcomes.services import OutcomeError, clean_destination
from portal.students.models import Student

MAX_ROWS = 50_000
CHUNK = 500

# column key -> (English header, Chinese header); either is recognised, as is the key itself
COLUMNS = (
    ("student_no", _l("Student number"), "学号"),
    ("category", _l("Destination"), "毕业去向"),
    ("employer", _l("Employer or school"), "单位名称"),
    ("unit_nature", _l("Unit nature"), "单位性质"),
    ("industry", _l("Industry"), "行业"),
    ("hospital_level", _l("Hospital level"), "医院等级"),
    ("post_type", _l("Post type"), "岗位性质"),
    ("province", _l("Province"), "省份"),
    ("city", _l("City"), "城市"),
    ("country", _l("Country or region"), "国家或地区"),
    ("grassroots", _l("Grassroots post"), "基层"),
    ("relation_to_major", _l("Relation to major"), "专业相关度"),
    ("salary_band", _l("Monthly salary"), "月薪"),
    ("decided_on", _l("Date settled"), "落实日期"),
    ("note", _l("Note"), "备注"),
)
_VOCABULARIES = {
    "unit_nature": cat.UNIT_NATURES,
    "industry": cat.INDUSTRIES,
    "hospital_level": cat.HOSPITAL_LEVELS,
    "post_type": cat.POST_TYPES,
    "relation_to_major": cat.RELATIONS,
    "salary_band": cat.SALARY_BANDS,
}
_CATEGORY_ALIASES = {"规培": "residency", "住培": "residency", "升学": "domestic_study", "出国出境": "study_abroad",
                     "出国": "study_abroad", "留学": "study_abroad", "参军": "military", "创业": "self_employed"}
_TRUE = {"1", "是", "yes", "y", "true", "基层"}
_FALSE = {"", "0", "否", "no", "n", "false"}


def _norm(value) -> str:
    return str(value).strip().lower().replace(" ", "").replace("—", "-").replace("–", "-")


def _lookup_tables() -> dict[str, dict[str, str]]:
    """Cell text -> key, per column: keys, codes, Chinese names and the labels in English and Chinese."""
    from flask_babel import force_locale

    tables: dict[str, dict[str, str]] = {}
    categories: dict[str, str] = {}
    for c in cat.CATEGORIES:
        names = [c.key, c.code, cat.CATEGORY_ZH[c.key]]
        for locale in ("en", "zh"):
            with force_locale(locale):
                names.append(str(c.label))
        for name in names:
            categories.setdefault(_norm(name), c.key)
    categories.pop(_norm("R"), None)  # 规培 is recognised by name, not by MedPath's internal code
    for alias, key in _CATEGORY_ALIASES.items():
        categories.setdefault(_norm(alias), key)
    tables["category"] = categories
    for column, pairs in _VOCABULARIES.items():
        table: dict[str, str] = {}
        for key, label in pairs:
            names = [key, cat.ZH_NAMES[column].get(key, "")]
            for locale in ("en", "zh"):
                with force_locale(locale):
                    names.append(str(label))
            for name in names:
                if name:
                    table.setdefault(_norm(name), key)
        tables[column] = table
    return tables


def _headers() -> dict[str, str]:
    from flask_babel import force_locale

    found = {}
    for key, english, chinese in COLUMNS:
        found[_norm(key)] = key
        found[_norm(chinese)] = key
        for locale in ("en", "zh"):
            with force_locale(locale):
                found[_norm(str(english))] = key
    return found


@dataclass
class Parsed:
    rows: list[dict] = field(default_factory=list)
    errors: list[list] = field(default_factory=list)  # [row number, column, message]
    row_count: int = 0


def _date(value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise OutcomeError(_("Enter the date as YYYY-MM-DD."), field="decided_on") from None


def read_workbook(data: bytes) -> list[list]:
    """The first sheet's rows as values. Refuses anything that is not really an .xlsx workbook."""
    from openpyxl import load_workbook

    if not data.startswith(b"PK\x03\x04"):
        raise OutcomeError(_("This is not an Excel workbook (.xlsx). Save the sheet as .xlsx and upload it again."), field="file")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                raise zipfile.BadZipFile
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of error on damaged files
        raise OutcomeError(_("This is not an Excel workbook (.xlsx). Save the sheet as .xlsx and upload it again."), field="file") from None
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            if len(rows) > MAX_ROWS + 1:
                raise OutcomeError(_("A workbook may have at most %(n)d rows.", n=MAX_ROWS), field="file")
            rows.append(list(row))
        return rows
    finally:
        workbook.close()


def parse(data: bytes) -> Parsed:
    """Check every row; the result says what would be written and what is wrong, row by row."""
    raw = read_workbook(data)
    while raw and not any(v not in (None, "") for v in raw[0]):
        raw.pop(0)
    if not raw:
        raise OutcomeError(_("The workbook is empty."), field="file")
    headers = _headers()
    columns: dict[int, str] = {}
    for index, title in enumerate(raw[0]):
        key = headers.get(_norm(title)) if title is not None else None
        if key:
            columns[index] = key
    missing = [key for key in ("student_no", "category") if key not in columns.values()]
    if missing:
        names = ", ".join(f"{chinese} / {english}" for key, english, chinese in COLUMNS if key in missing)
        raise OutcomeError(_("The first row must name the columns; missing: %(names)s.", names=names), field="file")
    tables = _lookup_tables()
    students = dict(db.session.execute(select(Student.student_no, Student.id)).all())
    parsed = Parsed()
    seen: dict[int, int] = {}
    for number, values in enumerate(raw[1:], start=2):
        if not any(v not in (None, "") for v in values):
            continue
        parsed.row_count += 1
        cells = {columns[i]: v for i, v in enumerate(values) if i in columns}
        try:
            row = _check_row(cells, tables, students)
        except OutcomeError as error:
            parsed.errors.append([number, error.field or "", str(error)])
            continue
        if row["student_id"] in seen:
            parsed.errors.append([number, "student_no", _("This student is also on row %(n)d.", n=seen[row["student_id"]])])
            continue
        seen[row["student_id"]] = number
        parsed.rows.append(row)
    if parsed.row_count == 0:
        raise OutcomeError(_("The workbook has no rows below the header."), field="file")
    return parsed


def _check_row(cells: dict, tables: dict, students: dict) -> dict:
    student_no = str(cells.get("student_no") or "").strip()
    if student_no.endswith(".0"):  # a number cell
        student_no = student_no[:-2]
    if not student_no:
        raise OutcomeError(_("The student number is missing."), field="student_no")
    student_id = students.get(student_no)
    if student_id is None:
        raise OutcomeError(_("No student has the number %(no)s.", no=student_no), field="student_no")
    fields: dict = {}
    for column in ("category", *_VOCABULARIES):
        value = cells.get(column)
        if value in (None, ""):
            continue
        key = tables[column].get(_norm(value))
        if key is None:
            if column == "category":
                raise OutcomeError(_("Unknown destination %(value)s: use a code or a name from the list.", value=value), field=column)
            raise OutcomeError(_("Unknown value %(value)s.", value=value), field=column)
        fields[column] = key
    if "category" not in fields:
        raise OutcomeError(_("Choose a destination category."), field="category")
    for column in ("employer", "province", "city", "country", "note"):
        value = cells.get(column)
        if value not in (None, ""):
            fields[column] = str(value).strip()
    grassroots = _norm(cells.get("grassroots") or "")
    if grassroots in _TRUE:
        fields["grassroots"] = True
    elif grassroots not in _FALSE:
        raise OutcomeError(_("Write 是 or 否 (yes or no)."), field="grassroots")
    fields["decided_on"] = _date(cells.get("decided_on"))
    values = clean_destination(fields)
    values["decided_on"] = values["decided_on"].isoformat() if values["decided_on"] else None
    return {"student_id": student_id, "student_no": student_no, **values}


def preview(data: bytes, *, filename: str, actor, verified: bool) -> DestinationImport:
    parsed = parse(data)
    record = DestinationImport(
        filename=(filename or "upload.xlsx")[:200], sha256=hashlib.sha256(data).hexdigest(),
        rows=parsed.rows, errors=parsed.errors, row_count=parsed.row_count, verified=verified,
        created_by_id=actor.id,
    )
    db.session.add(record)
    db.session.flush()
    return record


def apply(record: DestinationImport, *, actor) -> int:
    """Write every row of a checked import, or nothing: a file with any error is refused whole."""
    if record.status != "previewed":
        raise OutcomeError(_("This import has already been applied or discarded."), status=409)
    if record.errors:
        raise OutcomeError(_("Correct the rows with errors and upload the file again: nothing is imported while any row is wrong."))
    now = utcnow()
    ids = [row["student_id"] for row in record.rows]
    for start in range(0, len(ids), CHUNK):
        db.session.execute(
            update(Destination)
            .where(Destination.student_id.in_(ids[start:start + CHUNK]), Destination.is_current == True)  # noqa: E712
            .values(is_current=False, superseded_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    values = []
    for row in record.rows:
        decided = row.get("decided_on")
        values.append({
            **{k: v for k, v in row.items() if k not in ("decided_on", "student_no")},
            "decided_on": date.fromisoformat(decided) if decided else None,
            "source": "import", "verified": record.verified,
            "verified_by_id": actor.id if record.verified else None, "verified_at": now if record.verified else None,
            "recorded_by_id": actor.id, "recorded_at": now, "is_current": True, "updated_at": now,
        })
    for start in range(0, len(values), 2000):
        db.session.execute(insert(Destination), values[start:start + 2000])
    record.status = "applied"
    record.applied_at = now
    audit.record(actor, "destinations.imported", record, detail=f"{len(values)} rows from {record.filename}")
    db.session.flush()
    return len(values)


def discard(record: DestinationImport) -> None:
    if record.status != "previewed":
        raise OutcomeError(_("This import has already been applied or discarded."), status=409)
    record.status = "discarded"
    record.rows = []
    db.session.flush()


# --- writing spreadsheets safely ------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value):
    """A cell value that Excel, WPS or LibreOffice will never evaluate: text that starts like a
    formula gets a leading apostrophe (the cell shows the text as typed)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def template_workbook() -> bytes:
    """An empty import sheet with the headers, one example row, and the list of destination codes."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(str(_("Destinations")))
    sheet.append([safe_cell(chinese) for _key, _english, chinese in COLUMNS])
    sheet.append(["2021010001", "10", "某市第一人民医院", "医疗卫生单位", "卫生和社会工作", "三级甲等", "合同制",
                  "贵州", "遵义", "", "否", "很相关", "5000-6999元", "2026-05-20", ""])
    codes = book.create_sheet(str(_("Destination codes")))
    codes.append([str(_("Code")), "毕业去向", str(_("Destination"))])
    for c in cat.CATEGORIES:
        codes.append([c.code if c.key != "residency" else "规培", cat.CATEGORY_ZH[c.key], str(c.label)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
