"""Postings to and from Excel: a checked upload, a preview with every row's errors, an all-or-nothing
import, and exports that a spreadsheet cannot run as formulas."""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from portal.extensions import db
from portal.i18n import gettext as _
from portal.jobs import vocab
from portal.jobs.models import JobPosting, PostingImport
from portal.jobs.services import JobsError, _apply_posting, clean_posting, local_today
from portal.models_base import utcnow

MAX_ROWS = 5000
MAX_BYTES = 10 * 1024 * 1024

# (field, Chinese header, English header, required)
COLUMNS = [
    ("title", "岗位名称", "Title", True),
    ("employer", "用人单位", "Employer", True),
    ("unit_nature", "单位性质", "Unit nature", True),
    ("hospital_level", "医院等级", "Hospital level", False),
    ("grassroots_type", "基层单位类型", "Grassroots unit", False),
    ("emerging_field", "新兴领域", "Emerging field", False),
    ("province", "省份", "Province", True),
    ("city", "城市", "City", False),
    ("post_type", "岗位类型", "Post type", True),
    ("majors", "专业要求", "Majors", False),
    ("min_degree", "最低学历", "Minimum degree", True),
    ("licence_required", "执业资格要求", "Licence required", False),
    ("openings", "招聘人数", "Openings", False),
    ("salary_min", "月薪下限", "Salary from", False),
    ("salary_max", "月薪上限", "Salary to", False),
    ("deadline", "截止日期", "Deadline", False),
    ("description", "岗位描述", "Description", False),
    ("source_url", "来源链接", "Source link", False),
    ("status", "状态", "Status", False),
]
HEADER_FIELDS = {}
for _field, _zh, _en, _required in COLUMNS:
    HEADER_FIELDS[_zh] = _field
    HEADER_FIELDS[_en.lower()] = _field
    HEADER_FIELDS[_field] = _field
FIELD_HEADER = {f: zh for f, zh, _en, _r in COLUMNS}


@dataclass
class Row:
    number: int  # the spreadsheet's row number
    raw: dict
    values: dict | None = None
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Preview:
    rows: list[Row]
    errors: list[str] = field(default_factory=list)  # problems with the file as a whole

    @property
    def ok(self) -> bool:
        return not self.errors and all(r.ok for r in self.rows) and bool(self.rows)

    @property
    def bad_rows(self) -> list[Row]:
        return [r for r in self.rows if not r.ok]


def _open(content: bytes):
    """The workbook, after checking that the bytes really are an .xlsx file (not a renamed file)."""
    if not content:
        raise JobsError(_("The file is empty."), field="file")
    if len(content) > MAX_BYTES:
        raise JobsError(_("The file is larger than %(n)d MB.", n=MAX_BYTES // (1024 * 1024)), field="file")
    if not content.startswith(b"PK\x03\x04"):
        raise JobsError(_("This file is not an Excel workbook (.xlsx). Save it as .xlsx and upload it again."), field="file")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise JobsError(_("This file is not an Excel workbook (.xlsx). Save it as .xlsx and upload it again."),
                            field="file")
        return load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except JobsError:
        raise
    except Exception:  # a damaged archive or workbook: openpyxl raises many kinds
        raise JobsError(_("This workbook cannot be read; it may be damaged. Save it again as .xlsx."), field="file") from None


def _cell(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return value.strip()
    return value


def parse(content: bytes, *, today: date | None = None) -> Preview:
    """Reads and checks every row; nothing is written."""
    today = today or local_today()
    workbook = _open(content)
    try:
        sheet = workbook.worksheets[0]
        rows_iter = sheet.iter_rows(values_only=True)
        header = next(rows_iter, None)
        if header is None:
            return Preview(rows=[], errors=[_("The sheet is empty.")])
        columns: dict[int, str] = {}
        unknown = []
        for index, title in enumerate(header):
            name = str(title or "").strip().lstrip("*").strip()
            if not name:
                continue
            key = HEADER_FIELDS.get(name) or HEADER_FIELDS.get(name.lower())
            if key is None:
                unknown.append(name)
            elif key in columns.values():
                return Preview(rows=[], errors=[_("The column %(name)s appears twice.", name=name)])
            else:
                columns[index] = key
        missing = [FIELD_HEADER[f] for f, _zh, _en, required in COLUMNS if required and f not in columns.values()]
        errors = []
        if missing:
            errors.append(_("Missing columns: %(names)s.", names="、".join(missing)))
        if unknown:
            errors.append(_("Unknown columns: %(names)s. Use the template's headers.", names="、".join(unknown)))
        if errors:
            return Preview(rows=[], errors=errors)
        rows: list[Row] = []
        for number, values in enumerate(rows_iter, start=2):
            raw = {key: _cell(values[i]) if i < len(values) else None for i, key in columns.items()}
            if all(v in (None, "") for v in raw.values()):
                continue
            if len(rows) >= MAX_ROWS:
                return Preview(rows=[], errors=[_("At most %(n)d postings per file.", n=MAX_ROWS)])
            rows.append(Row(number=number, raw=raw))
    finally:
        workbook.close()
    if not rows:
        return Preview(rows=[], errors=[_("The sheet has no postings below its header row.")])

    seen: dict[tuple, int] = {}
    for row in rows:
        row.values, row.errors = clean_posting(row.raw, today=today)
        key = (row.values["title"], row.values["employer"], row.values["province"], row.values["deadline"])
        if key in seen:
            row.errors.append(("title", _("The same posting as row %(n)d.", n=seen[key])))
        else:
            seen[key] = row.number
    employers = {r.values["employer"] for r in rows if r.values["employer"]}
    existing = set()
    for start in range(0, len(employers), 500) if employers else ():
        chunk = list(employers)[start:start + 500]
        existing.update(db.session.execute(
            select(JobPosting.title, JobPosting.employer, JobPosting.province, JobPosting.deadline)
            .where(JobPosting.employer.in_(chunk))
        ).all())
    for row in rows:
        key = (row.values["title"], row.values["employer"], row.values["province"], row.values["deadline"])
        if key in existing:
            row.errors.append(("title", _("This posting is already in the portal.")))
    return Preview(rows=rows)


def stage(content: bytes, filename: str, *, actor) -> tuple[PostingImport | None, Preview]:
    """The preview, and the upload kept for its confirmation when every row is right (else nothing is kept)."""
    preview = parse(content)
    if not preview.ok:
        return None, preview
    upload = PostingImport(uploaded_by_id=actor.id, filename=(filename or "postings.xlsx")[:200], content=content,
                           row_count=len(preview.rows))
    db.session.add(upload)
    db.session.flush()
    return upload, preview


def confirm(upload: PostingImport, *, actor) -> int:
    """Imports every row, or none: any error raises JobsError and the caller rolls back."""
    from portal import audit

    if upload.confirmed_at is not None:
        raise JobsError(_("This file has already been imported."), status=409)
    preview = parse(upload.content)
    if not preview.ok:
        raise JobsError(_("The file has errors; nothing was imported. Correct them and upload it again."))
    for row in preview.rows:
        _apply_posting(None, dict(row.values), actor=actor)
    upload.confirmed_at = utcnow()
    audit.record(actor, "jobs.postings_imported", upload, detail=f"{len(preview.rows)} rows from {upload.filename}")
    db.session.flush()
    return len(preview.rows)


# --- writing workbooks ----------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe(value):
    """A cell value a spreadsheet shows as text: text that starts like a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _workbook_bytes(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def template() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "岗位"
    sheet.append([("*" if required else "") + zh for _f, zh, _en, required in COLUMNS])
    sheet.append(["住院医师", "示例市第一人民医院", "医疗卫生事业单位", "三级甲等", "", "", "河南", "郑州", "编制",
                  "临床医学、麻醉学", "硕士", "执业医师资格", 5, 6000, 9000,
                  date(local_today().year + 1, 3, 31), "<p>岗位职责……</p>", "https://example.org/jobs/1", "草稿"])
    help_sheet = workbook.create_sheet("取值说明")
    help_sheet.append(["列", "可填写的值"])
    for name, vocabulary in (("单位性质", vocab.UNIT_NATURES), ("医院等级", vocab.HOSPITAL_LEVELS),
                             ("基层单位类型", vocab.GRASSROOTS_TYPES), ("新兴领域", vocab.EMERGING_FIELDS),
                             ("岗位类型", vocab.POST_TYPES), ("执业资格要求", vocab.LICENCES)):
        help_sheet.append([name, "、".join(str(label) for label in vocabulary.values())])
    help_sheet.append(["最低学历", "本科、硕士、博士"])
    help_sheet.append(["省份", "、".join(vocab.PROVINCES)])
    help_sheet.append(["状态", "草稿、发布、关闭"])
    return _workbook_bytes(workbook)


def export(postings) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "岗位"
    sheet.append([zh for _f, zh, _en, _r in COLUMNS])
    for p in postings:
        sheet.append([safe(v) for v in (
            p.title, p.employer, vocab.label(vocab.UNIT_NATURES, p.unit_nature),
            vocab.label(vocab.HOSPITAL_LEVELS, p.hospital_level), vocab.label(vocab.GRASSROOTS_TYPES, p.grassroots_type),
            vocab.label(vocab.EMERGING_FIELDS, p.emerging_field), p.province, p.city,
            vocab.label(vocab.POST_TYPES, p.post_type), "、".join(p.major_names),
            vocab.label(vocab.DEGREES, p.min_degree), vocab.label(vocab.LICENCES, p.licence_required), p.openings,
            p.salary_min, p.salary_max, p.deadline, p.description, p.source_url, vocab.label(vocab.STATUSES, p.status),
        )])
    return _workbook_bytes(workbook)
