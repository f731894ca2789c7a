"""The hardship ledger (台账) as a list: who may see which rows, filters, counts and the Excel export."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, fields

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, load_only, selectinload

from portal.accounts.models import Role, User
from portal.extensions import db
from portal.students.models import HardshipClaim, MentorAssignment, Student
from portal.students.services import caseload_student_ids

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value):
    """A value safe to put in a spreadsheet cell: text that a spreadsheet would run as a formula
    (starting with = + - @, tab or CR) gets a leading apostrophe; characters Excel refuses are dropped."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


TAG = re.compile(r"<[^>]+>")


def plain_text(html: str | None) -> str:
    """Stored rich text as plain text for a spreadsheet cell."""
    if not html:
        return ""
    import html as html_module

    text = re.sub(r"</p>|<br\s*/?>", "\n", html)
    return html_module.unescape(TAG.sub("", text)).strip()


@dataclass
class LedgerFilters:
    category: str | None = None
    status: str | None = None
    source: str | None = None
    college: str | None = None
    major: str | None = None
    cohort: int | None = None
    graduation_year: int | None = None
    q: str | None = None
    sort: str = "student_no"

    def describe(self) -> str:
        """For the audit log: which filters an export or view used."""
        parts = [f"{f.name}={getattr(self, f.name)}" for f in fields(self) if getattr(self, f.name) not in (None, "")]
        return " ".join(parts)


SORTS = {
    "student_no": (Student.student_no, HardshipClaim.category),
    "name": (User.display_name, Student.student_no, HardshipClaim.category),
    "category": (HardshipClaim.category, Student.student_no),
    "recent": (HardshipClaim.updated_at.desc(), HardshipClaim.id.desc()),
}


def scope(stmt: Select, viewer) -> Select:
    """Admins see the whole ledger; a mentor sees the students on their caseload; nobody else anything."""
    if viewer.role == Role.ADMIN:
        return stmt
    if viewer.role == Role.MENTOR:
        return stmt.where(HardshipClaim.student_id.in_(caseload_student_ids(viewer)))
    return stmt.where(False)


def _needs_student(filters: LedgerFilters) -> bool:
    return bool(filters.college or filters.major or filters.cohort or filters.graduation_year or filters.q)


def _student_filters(stmt: Select, filters: LedgerFilters) -> Select:
    if filters.college:
        stmt = stmt.where(Student.college == filters.college)
    if filters.major:
        stmt = stmt.where(Student.major == filters.major)
    if filters.cohort:
        stmt = stmt.where(Student.cohort == filters.cohort)
    if filters.graduation_year:
        stmt = stmt.where(Student.graduation_year == filters.graduation_year)
    if filters.q:
        needle = filters.q.strip()
        stmt = stmt.where(or_(Student.student_no.startswith(needle), User.display_name.contains(needle)))
    return stmt


def ledger_query(viewer, filters: LedgerFilters) -> Select:
    """One row per claim, with its student, the student's mentors and who decided, in fixed queries."""
    stmt = (
        select(HardshipClaim)
        .join(Student, Student.id == HardshipClaim.student_id)
        .options(
            # only the columns the list and the export show: a 50-row page otherwise loads
            # every account's password hash and timestamps for nothing
            joinedload(HardshipClaim.student).options(
                load_only(Student.student_no, Student.user_id, Student.college, Student.major, Student.degree_level,
                          Student.graduation_year, Student.class_name),
                joinedload(Student.user).load_only(User.display_name),
                selectinload(Student.assignments).options(
                    load_only(MentorAssignment.student_id, MentorAssignment.mentor_id, MentorAssignment.kind),
                    joinedload(MentorAssignment.mentor).load_only(User.display_name),
                ),
            ),
            joinedload(HardshipClaim.decided_by).load_only(User.display_name),
        )
    )
    if filters.q or filters.sort == "name":
        stmt = stmt.join(User, User.id == Student.user_id)
    stmt = _student_filters(scope(stmt, viewer), filters)
    if filters.category:
        stmt = stmt.where(HardshipClaim.category == filters.category)
    if filters.status:
        stmt = stmt.where(HardshipClaim.status == filters.status)
    if filters.source:
        stmt = stmt.where(HardshipClaim.source == filters.source)
    return stmt.order_by(*SORTS.get(filters.sort, SORTS["student_no"]))


def category_counts(viewer, filters: LedgerFilters) -> dict[str, dict[str, int]]:
    """{category: {status: n, "students": n}} within the viewer's scope and the student filters.

    The category and status filters are left out so the summary always shows the whole picture.
    """
    stmt = select(HardshipClaim.category, HardshipClaim.status, func.count(HardshipClaim.id)).group_by(
        HardshipClaim.category, HardshipClaim.status
    )
    if _needs_student(filters):
        stmt = stmt.join(Student, Student.id == HardshipClaim.student_id)
        if filters.q:
            stmt = stmt.join(User, User.id == Student.user_id)
    stmt = _student_filters(scope(stmt, viewer), filters)
    if filters.source:
        stmt = stmt.where(HardshipClaim.source == filters.source)
    counts: dict[str, dict[str, int]] = {}
    for category, status, n in db.session.execute(stmt):
        bucket = counts.setdefault(category, {"total": 0})
        bucket[status] = bucket.get(status, 0) + n
        bucket["total"] += n
    return counts


def filter_choices() -> dict[str, list]:
    """Colleges, majors and years present in the roster, for the filter lists.

    Three small queries, each answered from an index alone (one DISTINCT over all four columns
    would sort the whole roster on every page view).
    """
    pairs = db.session.execute(select(Student.college, Student.major).distinct()).all()
    years = db.session.scalars(select(Student.graduation_year).distinct()).all()
    cohorts = db.session.scalars(select(Student.cohort).distinct()).all()
    return {
        "colleges": sorted({college for college, _ in pairs if college}),
        "majors": sorted({major for _, major in pairs if major}),
        "graduation_years": sorted({y for y in years if y}, reverse=True),
        "cohorts": sorted({c for c in cohorts if c}, reverse=True),
    }


def export_ledger(viewer, filters: LedgerFilters) -> tuple[bytes, int]:
    """The filtered ledger as an .xlsx workbook; returns (bytes, number of rows)."""
    from flask_babel import get_locale
    from portal.i18n import gettext as _

    from portal.students import labels
    from portal.students.services import local_zone

    zone = local_zone()
    label = labels.Labeller(str(get_locale())).label  # each label translated once, not once per row

    headers = [
        _("Student number"), _("Full name"), _("College"), _("Major"), _("Degree"), _("Graduation year"),
        _("Class"), _("Category"), _("Level"), _("Source"), _("Verification"), _("Decided by"), _("Decided at"),
        _("Primary mentor"), _("Evidence notes"),
    ]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Ledger"))
    sheet.append([neutralise_cell(h) for h in headers])
    count = 0
    for claim in db.session.execute(ledger_query(viewer, filters)).unique().scalars():
        student = claim.student
        primary = next((a.mentor.display_name for a in student.assignments if a.kind == "primary"), "")
        sheet.append([neutralise_cell(v) for v in (
            student.student_no, student.user.display_name, student.college, student.major,
            label(labels.DEGREES, student.degree_level), student.graduation_year, student.class_name or "",
            label(labels.CATEGORIES, claim.category), label(labels.LEVELS, claim.level),
            label(labels.SOURCES, claim.source), label(labels.STATUSES, claim.status),
            claim.decided_by.display_name if claim.decided_by else "",
            # the office's clock, written plainly: Babel's formatter per row would double the export's time
            claim.decided_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if claim.decided_at else "",
            primary, plain_text(claim.evidence_notes),
        )])
        count += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), count
