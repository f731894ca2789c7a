"""Destination spreadsheets, declared on the import engine: the columns of the Ministry's and the
colleges' sheets, each row checked as the destination form would check it, previewed, then every
row written or none; and the template to fill in."""
from __future__ import annotations

from datetime import date

from sqlalchemy import insert, select, update

from portal import audit, imports, spreadsheets
from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.imports import CellError, Column, Importer, Plan, Problem, Spec, date_value, student_no_value
from portal.models_base import utcnow
from portal.outcomes import categories as cat
from portal.outcomes.models import Destination, DestinationImport
from portal.outcomes.destinations import clean_destination
from portal.students.models import Student

CHUNK = 500
SAMPLE_ROWS = 100

_TRUE = {"1", "是", "yes", "y", "true", "基层"}
_FALSE = {"", "0", "否", "no", "n", "false"}


def _norm(value) -> str:
    return str(value).strip().lower().replace(" ", "").replace("—", "-").replace("–", "-")


def grassroots_value(text: str) -> bool:
    word = _norm(text)
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise CellError(_("Write 是 or 否 (yes or no)."))


# The Chinese header (the template's) first, then the column's key and its English name.
SPEC = Spec(columns=(
    Column("student_no", ("学号", "student_no", "Student number"), _l("Student number"), student_no_value),
    Column("category", ("毕业去向", "category", "Destination"), _l("Destination"), fold=False),
    Column("employer", ("单位名称", "employer", "Employer or school"), _l("Employer or school"), required=False, fold=False),
    Column("unit_nature", ("单位性质", "unit_nature", "Unit nature"), _l("Unit nature"), required=False, fold=False),
    Column("industry", ("行业", "industry", "Industry"), _l("Industry"), required=False, fold=False),
    Column("hospital_level", ("医院等级", "hospital_level", "Hospital level"), _l("Hospital level"), required=False,
           fold=False),
    Column("post_type", ("岗位性质", "post_type", "Post type"), _l("Post type"), required=False, fold=False),
    Column("province", ("省份", "province", "Province"), _l("Province"), required=False, fold=False),
    Column("city", ("城市", "city", "City"), _l("City"), required=False, fold=False),
    Column("country", ("国家或地区", "country", "Country or region"), _l("Country or region"), required=False, fold=False),
    Column("grassroots", ("基层", "grassroots", "Grassroots post"), _l("Grassroots post"), grassroots_value,
           required=False),
    Column("relation_to_major", ("专业相关度", "relation_to_major", "Relation to major"), _l("Relation to major"),
           required=False, fold=False),
    Column("salary_band", ("月薪", "salary_band", "Monthly salary"), _l("Monthly salary"), required=False, fold=False),
    Column("decided_on", ("落实日期", "decided_on", "Date settled"), _l("Date settled"), date_value, required=False),
    Column("note", ("备注", "note", "Note"), _l("Note"), required=False, fold=False),
))
HEADERS = {column.key: column.header for column in SPEC.columns}
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


def _destination(row: dict, tables: dict) -> dict:
    """The destination a row describes, checked as the destination form checks one; a broken rule
    raises RuleViolation naming the column."""
    fields: dict = {}
    for column in ("category", *_VOCABULARIES):
        value = row.get(column)
        if value is None:
            continue
        key = tables[column].get(_norm(value))
        if key is None:
            if column == "category":
                raise RuleViolation(_("Unknown destination %(value)s: use a code or a name from the list.", value=value),
                                    field=column)
            raise RuleViolation(_("Unknown value %(value)s.", value=value), field=column)
        fields[column] = key
    for column in ("employer", "province", "city", "country", "note"):
        if row.get(column) is not None:
            fields[column] = row[column]
    fields["grassroots"] = bool(row.get("grassroots"))
    fields["decided_on"] = date.fromisoformat(row["decided_on"]) if row.get("decided_on") else None
    return clean_destination(fields)


def plan_destinations(rows: list[dict], options: dict) -> Plan:
    """Each row's student and destination; a student named twice is refused on the second row."""
    numbers = sorted({row["student_no"] for row in rows if row.get("student_no")})
    students: dict[str, int] = {}
    for start in range(0, len(numbers), CHUNK):
        students.update(db.session.execute(
            select(Student.student_no, Student.id).where(Student.student_no.in_(numbers[start:start + CHUNK]))
        ).all())
    tables = _lookup_tables()
    problems: list[Problem] = []
    checked: list[dict] = []
    seen: dict[int, int] = {}
    for row in rows:
        if row.get("_bad"):
            continue
        student_id = students.get(row["student_no"])
        if student_id is None:
            problems.append(Problem(_("No student has the number %(no)s.", no=row["student_no"]), row=row["_row"],
                                    column=HEADERS["student_no"]))
            continue
        try:
            values = _destination(row, tables)
        except ValueError as refused:  # the form's rules (RuleViolation) name the field they concern
            field = getattr(refused, "field", None)
            problems.append(Problem(str(refused), row=row["_row"], column=HEADERS.get(field, field)))
            continue
        if student_id in seen:
            problems.append(Problem(_("This student is also on row %(n)d.", n=seen[student_id]), row=row["_row"],
                                    column=HEADERS["student_no"]))
            continue
        seen[student_id] = row["_row"]
        checked.append({"student_id": student_id, "student_no": row["student_no"], **values})
    return Plan(problems=problems, counts={"destinations": len(checked)}, payload=checked)


def apply_destinations(plan: Plan, *, actor, options: dict) -> dict:
    """The current destination of each student becomes history; the file's rows become current."""
    now = utcnow()
    verified = bool(options.get("verified"))
    ids = [row["student_id"] for row in plan.payload]
    for start in range(0, len(ids), CHUNK):
        db.session.execute(
            update(Destination)
            .where(Destination.student_id.in_(ids[start:start + CHUNK]), Destination.is_current == True)  # noqa: E712
            .values(is_current=False, superseded_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    values = [{
        **{k: v for k, v in row.items() if k != "student_no"},
        "source": "import", "verified": verified,
        "verified_by_id": actor.id if verified else None, "verified_at": now if verified else None,
        "recorded_by_id": actor.id, "recorded_at": now, "is_current": True, "updated_at": now,
    } for row in plan.payload]
    for start in range(0, len(values), 2000):
        db.session.execute(insert(Destination), values[start:start + 2000])
    return {"destinations": len(values)}


DESTINATIONS = Importer(key="destinations", label=_l("Destinations"), spec=SPEC, plan=plan_destinations,
                        apply=apply_destinations, formats=("xlsx",))


def preview(data: bytes, *, filename: str, actor, verified: bool) -> DestinationImport:
    """Check every row and keep the upload for its preview: the rows that passed, and every problem."""
    rows, plan = imports.preview(DESTINATIONS, data)
    errors = plan.errors
    wrong = {p.row for p in errors}
    record = DestinationImport(
        filename=(filename or "upload.xlsx")[:200], sha256=imports.sha256(data),
        rows=[row for row in rows if row["_row"] not in wrong],
        errors=[[p.row, p.column or "", p.message] for p in errors], row_count=len(rows), verified=verified,
        created_by_id=actor.id,
    )
    db.session.add(record)
    db.session.flush()
    return record


def sample(record: DestinationImport) -> list[dict]:
    """The first rows as they would be written, for the preview page."""
    return plan_destinations(record.rows[:SAMPLE_ROWS], {}).payload


def apply(record: DestinationImport, *, actor) -> int:
    """Write every row of a checked import, or nothing: a file with any error is refused whole."""
    if record.status != "previewed":
        raise RuleViolation(_("This import has already been applied or discarded."), status=409)
    if record.errors:
        raise RuleViolation(_("Correct the rows with errors and upload the file again: nothing is imported while any row is wrong."))
    written = imports.commit(DESTINATIONS, record.rows, options={"verified": record.verified}, actor=actor)["destinations"]
    record.status = "applied"
    record.applied_at = utcnow()
    audit.record(actor, "destinations.imported", record, detail=f"{written} rows from {record.filename}")
    db.session.flush()
    return written


def discard(record: DestinationImport) -> None:
    if record.status != "previewed":
        raise RuleViolation(_("This import has already been applied or discarded."), status=409)
    record.status = "discarded"
    record.rows = []
    db.session.flush()


def template_workbook() -> bytes:
    """An empty import sheet with the headers, one example row, and the list of destination codes."""
    example = ["2021010001", "10", "某市第一人民医院", "医疗卫生单位", "卫生和社会工作", "三级甲等", "合同制",
               "贵州", "遵义", "", "否", "很相关", "5000-6999元", "2026-05-20", ""]
    codes = [[c.code if c.key != "residency" else "规培", cat.CATEGORY_ZH[c.key], str(c.label)] for c in cat.CATEGORIES]
    return spreadsheets.workbook(
        spreadsheets.Sheet(_("Destinations"), [example], header=[column.header for column in SPEC.columns]),
        spreadsheets.Sheet(_("Destination codes"), codes, header=[_("Code"), "毕业去向", _("Destination")]),
    )
