"""The hardship ledger (台账) as a list: who may see which rows, filters, counts and the Excel export."""
from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import NamedTuple

from sqlalchemy import Select, func, or_, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased, joinedload, load_only, selectinload
from sqlalchemy.sql.selectable import Join

from portal.accounts.models import Role, User
from portal.cache import cached
from portal.clock import local_zone
from portal.extensions import db
from portal.formutil import choices
from portal.i18n import lazy_gettext as _l
from portal.pagination import StatementPagination, paginate
from portal.students import labels
from portal.students.access import caseload_student_ids
from portal.students.models import AssignmentKind, HardshipClaim, MentorAssignment, Student

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

    def student_filters(self) -> tuple:
        """What the counts depend on besides the viewer (the category and status filters are not)."""
        return (self.source, self.college, self.major, self.cohort, self.graduation_year, self.q)


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
    return any(v is not None for v in (filters.college, filters.major, filters.cohort, filters.graduation_year, filters.q))


def _student_filters(stmt: Select, filters: LedgerFilters) -> Select:
    if filters.college is not None:
        stmt = stmt.where(Student.college == filters.college)
    if filters.major is not None:
        stmt = stmt.where(Student.major == filters.major)
    if filters.cohort is not None:
        stmt = stmt.where(Student.cohort == filters.cohort)
    if filters.graduation_year is not None:
        stmt = stmt.where(Student.graduation_year == filters.graduation_year)
    if filters.q is not None:
        needle = filters.q.strip()
        stmt = stmt.where(or_(Student.student_no.startswith(needle), User.display_name.contains(needle)))
    return stmt


def _claim_filters(stmt: Select, filters: LedgerFilters) -> Select:
    if filters.category is not None:
        stmt = stmt.where(HardshipClaim.category == filters.category)
    if filters.status is not None:
        stmt = stmt.where(HardshipClaim.status == filters.status)
    if filters.source is not None:
        stmt = stmt.where(HardshipClaim.source == filters.source)
    return stmt


def ledger_query(viewer, filters: LedgerFilters) -> Select:
    """One claim object per row, with its student, the student's mentors and who decided (for the export)."""
    stmt = (
        select(HardshipClaim)
        .join(Student, Student.id == HardshipClaim.student_id)
        .options(
            # only the columns the export shows: not every account's password hash and timestamps
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
    if filters.q is not None or filters.sort == "name":
        stmt = stmt.join(User, User.id == Student.user_id)
    stmt = _claim_filters(_student_filters(scope(stmt, viewer), filters), filters)
    return stmt.order_by(*SORTS.get(filters.sort, SORTS["student_no"]))


def ledger_count(viewer, filters: LedgerFilters) -> Select:
    """How many claims the list shows, joining the roster only when a student filter needs it."""
    stmt = select(func.count()).select_from(HardshipClaim)  # count(*): from an index alone
    if _needs_student(filters):
        stmt = stmt.join(Student, Student.id == HardshipClaim.student_id)
        if filters.q is not None:
            stmt = stmt.join(User, User.id == Student.user_id)
    return _claim_filters(_student_filters(scope(stmt, viewer), filters), filters)


class _StudentsThenClaims(Join):
    """students CROSS JOIN hardship_claims, the join condition going in WHERE.

    For PostgreSQL an inner join like any other. SQLite takes CROSS JOIN as an order: walk the roster
    along its student-number index and look each student's claims up, which yields the ledger's
    default order with no sort; left to itself it reads every claim the filters match through the
    category index and sorts them all, even for a 50-row page of 3,000 matches.
    """

    inherit_cache = True

    def __init__(self):
        super().__init__(Student.__table__, HardshipClaim.__table__, true())


@compiles(_StudentsThenClaims)
def _compile_students_then_claims(element, compiler, **kw):
    kw["asfrom"] = True
    return f"{compiler.process(element.left, **kw)} CROSS JOIN {compiler.process(element.right, **kw)}"


def _walk_the_roster(viewer, filters: LedgerFilters, *, end: int, matching: int, roster: int) -> bool:
    """Whether the page is cheaper found by walking the roster in student-number order (about
    end × roster / matching students visited) than by sorting every matching claim (matching rows)."""
    return (viewer.role == Role.ADMIN and filters.sort in ("student_no", None, "") and not _needs_student(filters)
            and matching > 0 and end * roster < matching * matching)


# who decided on a claim, and the student's primary mentor, beside the student's own account
_DECIDER = aliased(User, name="decider")
_MENTOR = aliased(User, name="mentor")


def listed_claims(viewer, filters: LedgerFilters, *, walk: bool = False) -> Select:
    """The list's rows: each claim with its student's name, the decider and the primary mentor."""
    # at most one primary mentor per student (uq_mentor_assignments_one_primary): a scalar subquery is exact
    primary_mentor = (
        select(_MENTOR.display_name)
        .join(MentorAssignment, MentorAssignment.mentor_id == _MENTOR.id)
        .where(MentorAssignment.student_id == Student.id, MentorAssignment.kind == AssignmentKind.PRIMARY)
        .correlate(Student)
        .scalar_subquery()
    )
    stmt = select(
        HardshipClaim.id, HardshipClaim.category, HardshipClaim.level, HardshipClaim.source, HardshipClaim.status,
        HardshipClaim.decided_at, Student.id.label("student_id"), Student.student_no, Student.college,
        Student.major, Student.graduation_year, User.display_name.label("name"),
        _DECIDER.display_name.label("decided_by"), primary_mentor.label("primary_mentor"),
    )
    if walk:
        stmt = stmt.select_from(_StudentsThenClaims()).where(Student.id == HardshipClaim.student_id)
    else:
        stmt = stmt.select_from(HardshipClaim).join(Student, Student.id == HardshipClaim.student_id)
    stmt = (stmt.join(User, User.id == Student.user_id)
            .outerjoin(_DECIDER, _DECIDER.id == HardshipClaim.decided_by_id))
    stmt = _claim_filters(_student_filters(scope(stmt, viewer), filters), filters)
    return stmt.order_by(*SORTS.get(filters.sort, SORTS["student_no"]))


def ledger_page(viewer, filters: LedgerFilters, *, page: int, per_page: int = 50) -> StatementPagination:
    """The request's page of the list (rows of listed_claims) and the number of matching claims, in two
    statements: the count first, with the roster's size, since they decide how the page is best found."""
    total, roster = db.session.execute(
        ledger_count(viewer, filters).add_columns(select(func.max(Student.id)).scalar_subquery())
    ).one()
    walk = _walk_the_roster(viewer, filters, end=max(page, 1) * per_page, matching=total, roster=roster or 0)
    return paginate(listed_claims(viewer, filters, walk=walk), total=total, per_page=per_page)


class ListedClaim(NamedTuple):
    """A row of the ledger list with its words in the reader's language."""

    id: int
    student_id: int
    name: str
    student_no: str
    college: str
    major: str
    graduation_year: int
    category: str
    source: str
    status: str | None
    status_label: str
    decided_by: str | None
    decided_on: str
    primary_mentor: str | None


def labelled(rows) -> list[ListedClaim]:
    """listed_claims() rows with their words in the reader's language, days in the office's zone."""
    words, zone = labels.Labeller(), local_zone()
    return [
        ListedClaim(
            r.id, r.student_id, r.name, r.student_no, r.college, r.major, r.graduation_year,
            words.category_label(r.category, r.level, short=True), words.label(labels.SOURCES, r.source), r.status,
            words.label(labels.STATUSES, r.status), r.decided_by,
            r.decided_at.astimezone(zone).strftime("%Y-%m-%d") if r.decided_at else "", r.primary_mentor,
        )
        for r in rows
    ]


# what category_counts() reads: a value kept from it is dropped when one of them changes
COUNTED_TABLES = ("hardship_claims", "students", "users", "mentor_assignments")


def category_counts(viewer, filters: LedgerFilters) -> dict[str, dict[str, int]]:
    """{category: {status: n, "total": n}} within the viewer's scope and the student filters.

    The category and status filters are left out so the summary always shows the whole picture."""
    stmt = select(HardshipClaim.category, HardshipClaim.status, func.count()).group_by(
        HardshipClaim.category, HardshipClaim.status
    )
    if _needs_student(filters):
        stmt = stmt.join(Student, Student.id == HardshipClaim.student_id)
        if filters.q is not None:
            stmt = stmt.join(User, User.id == Student.user_id)
    stmt = _student_filters(scope(stmt, viewer), filters)
    if filters.source is not None:
        stmt = stmt.where(HardshipClaim.source == filters.source)
    counts: dict[str, dict[str, int]] = {}
    for category, status, n in db.session.execute(stmt):
        bucket = counts.setdefault(category, {"total": 0})
        bucket[status] = bucket.get(status, 0) + n
        bucket["total"] += n
    return counts


def _college_major_pairs() -> Select:
    """(college, major) pairs of the roster, hopping along ix_students_college_major: each college,
    then within it each major (a "loose index scan": the index is asked for the smallest value above
    the previous one, once per value; SELECT DISTINCT would read the whole roster's index)."""
    colleges = select(func.min(Student.college).label("college")).cte("colleges", recursive=True)
    colleges = colleges.union_all(
        select(select(func.min(Student.college)).where(Student.college > colleges.c.college).scalar_subquery())
        .where(colleges.c.college.is_not(None))
    )
    first_major = select(func.min(Student.major)).where(Student.college == colleges.c.college).scalar_subquery()
    pairs = (
        select(colleges.c.college, first_major.label("major"))
        .where(colleges.c.college.is_not(None))
        .cte("college_majors", recursive=True)
    )
    next_major = (
        select(func.min(Student.major))
        .where(Student.college == pairs.c.college, Student.major > pairs.c.major)
        .scalar_subquery()
    )
    pairs = pairs.union_all(select(pairs.c.college, next_major).where(pairs.c.major.is_not(None)))
    return select(pairs.c.college, pairs.c.major).where(pairs.c.major.is_not(None))


def colleges_and_majors() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The colleges and the majors present in the roster, kept until the roster changes."""
    def build():
        pairs = db.session.execute(_college_major_pairs()).all()
        return (tuple(sorted({college for college, _ in pairs if college})),
                tuple(sorted({major for _, major in pairs if major})))

    return cached("students.colleges_and_majors", build, tables=["students"], per_viewer=False)


def filter_choices() -> dict[str, list]:
    """The college and major filters' choices ("all" first)."""
    colleges, majors = colleges_and_majors()
    return {
        "colleges": choices([("", _l("All colleges"))] + [(c, c) for c in colleges]),
        "majors": choices([("", _l("All majors"))] + [(m, m) for m in majors]),
    }


def export_ledger(viewer, filters: LedgerFilters) -> tuple[bytes, int]:
    """The filtered ledger as an .xlsx workbook; returns (bytes, number of rows)."""
    from flask_babel import get_locale
    from portal.i18n import gettext as _

    from portal import spreadsheets
    from portal.students import labels
    from portal.students.services import local_zone

    zone = local_zone()
    label = labels.Labeller(str(get_locale())).label  # each label translated once, not once per row

    headers = [
        _("Student number"), _("Full name"), _("College"), _("Major"), _("Degree"), _("Graduation year"),
        _("Class"), _("Category"), _("Level"), _("Source"), _("Verification"), _("Decided by"), _("Decided at"),
        _("Primary mentor"), _("Evidence notes"),
    ]
    rows = []
    for claim in db.session.execute(ledger_query(viewer, filters)).unique().scalars():
        student = claim.student
        primary = next((a.mentor.display_name for a in student.assignments if a.kind == "primary"), "")
        rows.append((
            student.student_no, student.user.display_name, student.college, student.major,
            label(labels.DEGREES, student.degree_level), student.graduation_year, student.class_name or "",
            label(labels.CATEGORIES, claim.category), label(labels.LEVELS, claim.level),
            label(labels.SOURCES, claim.source), label(labels.STATUSES, claim.status),
            claim.decided_by.display_name if claim.decided_by else "",
            # the office's clock, written plainly: Babel's formatter per row would double the export's time
            claim.decided_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if claim.decided_at else "",
            primary, plain_text(claim.evidence_notes),
        ))
    return spreadsheets.workbook(spreadsheets.Sheet(_("Ledger"), rows, header=headers)), len(rows)
