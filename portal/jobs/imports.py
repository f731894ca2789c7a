"""Postings to and from Excel: the postings import declared on the import engine (a checked upload,
a preview with every row's problems, all rows or none) and the workbooks written from postings."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from portal import imports, spreadsheets
from portal.clock import local_today
from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.imports import Column, Importer, Plan, Problem, Spec
from portal.jobs import vocab
from portal.jobs.models import JobPosting, PostingImport
from portal.jobs.postings import _apply_posting, clean_posting
from portal.models_base import utcnow

MAX_ROWS = 5000
CHUNK = 500

# (field, Chinese header, English header, required); free text is kept as written
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
SPEC = Spec(columns=tuple(
    Column(key, (zh, en, key), zh, required=required, fold=False) for key, zh, en, required in COLUMNS
))
FIELD_HEADER = {key: zh for key, zh, _en, _required in COLUMNS}


def _same_posting(values: dict) -> tuple:
    return (values["title"], values["employer"], values["province"], values["deadline"])


def plan_postings(rows: list[dict], options: dict) -> Plan:
    """Check each row as the posting form would, then against the other rows and the postings already kept."""
    today = local_today()
    problems: list[Problem] = []
    checked: list[tuple[dict, dict]] = []
    seen: dict[tuple, int] = {}
    for row in rows:
        if row.get("_bad"):
            continue
        values, errors = clean_posting({key: row.get(key) for key in FIELD_HEADER}, today=today)
        problems += [Problem(message, row=row["_row"], column=FIELD_HEADER.get(name, name)) for name, message in errors]
        key = _same_posting(values)
        if key in seen:
            problems.append(Problem(_("The same posting as row %(n)d.", n=seen[key]), row=row["_row"],
                                    column=FIELD_HEADER["title"]))
        else:
            seen[key] = row["_row"]
        checked.append((row, values))
    employers = sorted({values["employer"] for _row, values in checked if values["employer"]})
    existing: set[tuple] = set()
    for start in range(0, len(employers), CHUNK):
        existing.update(db.session.execute(
            select(JobPosting.title, JobPosting.employer, JobPosting.province, JobPosting.deadline)
            .where(JobPosting.employer.in_(employers[start:start + CHUNK]))
        ).all())
    for row, values in checked:
        if _same_posting(values) in existing:
            problems.append(Problem(_("This posting is already in the portal."), row=row["_row"],
                                    column=FIELD_HEADER["title"]))
    return Plan(problems=problems, counts={"postings": len(rows)}, payload=[values for _row, values in checked])


def apply_postings(plan: Plan, *, actor, options: dict) -> dict:
    for values in plan.payload:
        _apply_posting(None, dict(values), actor=actor)
    return {"postings": len(plan.payload)}


POSTINGS = Importer(key="postings", label=_l("Job postings"), spec=SPEC, plan=plan_postings, apply=apply_postings,
                    formats=("xlsx",), max_rows=MAX_ROWS)


@dataclass
class Preview:
    """What the preview page lists: each row with what it shows and its problems, and the file's notes."""

    rows: list[dict]
    notes: list[Problem] = field(default_factory=list)  # columns that are not used

    @property
    def bad_rows(self) -> list[dict]:
        return [row for row in self.rows if row["problems"]]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.bad_rows


def _preview(rows: list[dict], plan: Plan) -> Preview:
    by_row: dict[int, list[Problem]] = {}
    for problem in plan.problems:
        if problem.row is not None:
            by_row.setdefault(problem.row, []).append(problem)
    shown = [dict(number=row["_row"], title=row.get("title"), employer=row.get("employer"), province=row.get("province"),
                  deadline=row.get("deadline"), problems=by_row.get(row["_row"], [])) for row in rows]
    return Preview(rows=shown, notes=[p for p in plan.problems if p.row is None])


def stage(content: bytes, filename: str, *, actor) -> tuple[PostingImport | None, Preview]:
    """The preview, and the upload kept for its confirmation when every row is right (else nothing is kept).
    Raises RuleViolation when the file cannot be used at all."""
    rows, plan = imports.preview(POSTINGS, content)
    preview = _preview(rows, plan)
    if not preview.ok:
        return None, preview
    upload = PostingImport(uploaded_by_id=actor.id, filename=(filename or "postings.xlsx")[:200], content=content,
                           row_count=len(rows))
    db.session.add(upload)
    db.session.flush()
    return upload, preview


def confirm(upload: PostingImport, *, actor) -> int:
    """Imports every row, or none: a broken rule raises RuleViolation and the caller rolls back."""
    from portal import audit

    if upload.confirmed_at is not None:
        raise RuleViolation(_("This file has already been imported."), status=409)
    rows, problems = imports.read_rows(POSTINGS, upload.content)
    if any(p.severity == "error" for p in problems):
        raise RuleViolation(_("The file has errors; nothing was imported. Correct them and upload it again."))
    count = imports.commit(POSTINGS, rows, actor=actor)["postings"]
    upload.confirmed_at = utcnow()
    audit.record(actor, "jobs.postings_imported", upload, detail=f"{count} rows from {upload.filename}")
    db.session.flush()
    return count


# --- writing workbooks ----------------------------------------------------------------------------


def template() -> bytes:
    example = ["住院医师", "示例市第一人民医院", "医疗卫生事业单位", "三级甲等", "", "", "河南", "郑州", "编制",
               "临床医学、麻醉学", "硕士", "执业医师资格", 5, 6000, 9000,
               date(local_today().year + 1, 3, 31), "<p>岗位职责……</p>", "https://example.org/jobs/1", "草稿"]
    values = [[name, "、".join(str(label) for label in vocabulary.values())]
              for name, vocabulary in (("单位性质", vocab.UNIT_NATURES), ("医院等级", vocab.HOSPITAL_LEVELS),
                                       ("基层单位类型", vocab.GRASSROOTS_TYPES), ("新兴领域", vocab.EMERGING_FIELDS),
                                       ("岗位类型", vocab.POST_TYPES), ("执业资格要求", vocab.LICENCES))]
    values += [["最低学历", "本科、硕士、博士"], ["省份", "、".join(vocab.PROVINCES)], ["状态", "草稿、发布、关闭"]]
    return spreadsheets.workbook(
        spreadsheets.Sheet("岗位", [example], header=[("*" if required else "") + zh for _f, zh, _en, required in COLUMNS]),
        spreadsheets.Sheet("取值说明", values, header=["列", "可填写的值"]),
    )


def export(postings) -> bytes:
    rows = ((
        p.title, p.employer, vocab.label(vocab.UNIT_NATURES, p.unit_nature),
        vocab.label(vocab.HOSPITAL_LEVELS, p.hospital_level), vocab.label(vocab.GRASSROOTS_TYPES, p.grassroots_type),
        vocab.label(vocab.EMERGING_FIELDS, p.emerging_field), p.province, p.city,
        vocab.label(vocab.POST_TYPES, p.post_type), "、".join(p.major_names),
        vocab.label(vocab.DEGREES, p.min_degree), vocab.label(vocab.LICENCES, p.licence_required), p.openings,
        p.salary_min, p.salary_max, p.deadline, p.description, p.source_url, vocab.label(vocab.STATUSES, p.status),
    ) for p in postings)
    return spreadsheets.workbook(spreadsheets.Sheet("岗位", rows, header=[zh for _f, zh, _en, _r in COLUMNS]))
