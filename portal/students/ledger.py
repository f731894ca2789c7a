"""The hardship ledger (台账) as a list: who may see which rows, filters, counts and the Excel export."""
from __future__ import annotations

import re
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import NamedTuple

from flask_sqlalchemy.pagination import SelectPagination
from markupsafe import Markup
from sqlalchemy import Select, bindparam, func, or_, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.selectable import Join
from sqlalchemy.orm import aliased, joinedload, load_only, selectinload
from wtforms.fields.choices import SelectChoice

from portal.accounts.models import Role, User
from portal.escaping import esc
from portal.extensions import db
from portal.formutil import choices
from portal.i18n import lazy_gettext as _l
from portal.kept import Kept
from portal.pagination import bound_viewer
from portal.rows import rows
from portal.students.models import AssignmentKind, HardshipClaim, MentorAssignment, Student
from portal.students.services import caseload_student_ids

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
        needle = filters.q.strip() if isinstance(filters.q, str) else filters.q
        stmt = stmt.where(or_(Student.student_no.startswith(needle), User.display_name.contains(needle)))
    return stmt


# Built once: statements are immutable, and assembling these loader options costs more per page view
# than running the queries they describe.
_LISTED_CLAIMS = (
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


def ledger_query(viewer, filters: LedgerFilters) -> Select:
    """One row per claim, with its student, the student's mentors and who decided, in fixed queries."""
    stmt = _LISTED_CLAIMS
    if filters.q is not None or filters.sort == "name":
        stmt = stmt.join(User, User.id == Student.user_id)
    stmt = _claim_filters(_student_filters(scope(stmt, viewer), filters), filters)
    return stmt.order_by(*SORTS.get(filters.sort, SORTS["student_no"]))


def _claim_filters(stmt: Select, filters: LedgerFilters) -> Select:
    if filters.category is not None:
        stmt = stmt.where(HardshipClaim.category == filters.category)
    if filters.status is not None:
        stmt = stmt.where(HardshipClaim.status == filters.status)
    if filters.source is not None:
        stmt = stmt.where(HardshipClaim.source == filters.source)
    return stmt


def ledger_count(viewer, filters: LedgerFilters) -> Select:
    """How many claims ledger_query() lists, joining the roster only when a student filter needs it."""
    stmt = select(func.count()).select_from(HardshipClaim)  # count(*): from an index alone
    if _needs_student(filters):
        stmt = stmt.join(Student, Student.id == HardshipClaim.student_id)
        if filters.q is not None:
            stmt = stmt.join(User, User.id == Student.user_id)
    return _claim_filters(_student_filters(scope(stmt, viewer), filters), filters)


_DECIDER = aliased(User, name="decider")
_MENTOR = aliased(User, name="mentor")
# at most one primary mentor per student (uq_mentor_assignments_one_primary): a scalar subquery is exact
_PRIMARY_MENTOR = (
    select(_MENTOR.display_name)
    .join(MentorAssignment, MentorAssignment.mentor_id == _MENTOR.id)
    .where(MentorAssignment.student_id == Student.id, MentorAssignment.kind == AssignmentKind.PRIMARY)
    .correlate(Student)
    .scalar_subquery()
)


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


def page_rows(viewer, filters: LedgerFilters, *, limit: int, offset: int, walk: bool = False) -> Select:
    """One page of the list as plain rows, in one statement.

    The inner query sorts and cuts the page from the claims with only what the filters and the sort
    need; the outer one fetches names, mentor and decider for those rows alone (joined before the
    cut, they were looked up for every matching claim, thousands on a filtered ledger).
    """
    order = SORTS.get(filters.sort, SORTS["student_no"])
    if walk:
        inner = select(HardshipClaim.id).select_from(_StudentsThenClaims()).where(Student.id == HardshipClaim.student_id)
    else:
        inner = select(HardshipClaim.id).join(Student, Student.id == HardshipClaim.student_id)
    if filters.q is not None or filters.sort == "name":
        inner = inner.join(User, User.id == Student.user_id)
    inner = _claim_filters(_student_filters(scope(inner, viewer), filters), filters)
    ids = inner.order_by(*order).limit(limit).offset(offset).subquery("page_ids")
    return (
        select(
            HardshipClaim.id, HardshipClaim.category, HardshipClaim.level, HardshipClaim.source, HardshipClaim.status,
            HardshipClaim.decided_at, Student.id.label("student_id"), Student.student_no, Student.college,
            Student.major, Student.graduation_year, User.display_name.label("name"),
            _DECIDER.display_name.label("decided_by"), _PRIMARY_MENTOR.label("primary_mentor"),
        )
        .select_from(ids)
        .join(HardshipClaim, HardshipClaim.id == ids.c.id)
        .join(Student, Student.id == HardshipClaim.student_id)
        .join(User, User.id == Student.user_id)
        .outerjoin(_DECIDER, _DECIDER.id == HardshipClaim.decided_by_id)
        .order_by(*order)
    )


_FILTERS = ("category", "status", "source", "college", "major", "cohort", "graduation_year", "q")


def _shape(viewer, filters: LedgerFilters) -> tuple[tuple, dict]:
    """Which filters are set (with the viewer's role and the sort): the statements' shape, built
    once per shape with the values as bound parameters; and those values."""
    present = tuple(name for name in _FILTERS if getattr(filters, name))
    values = {f"filter_{name}": getattr(filters, name) for name in present}
    if "q" in present:
        values["filter_q"] = filters.q.strip()
    values["viewer_id"] = viewer.id
    return (viewer.role, present, filters.sort), values


def _bound(shape: tuple) -> tuple[object, LedgerFilters]:
    role, present, sort = shape
    viewer = bound_viewer(role)
    return viewer, LedgerFilters(sort=sort, **{name: bindparam(f"filter_{name}") for name in present})


@lru_cache(maxsize=512)
def _count_statement(shape: tuple) -> Select:
    viewer, filters = _bound(shape)
    # the roster's size as well: how many claims match and of how many students decides how the page is found
    return ledger_count(viewer, filters).add_columns(select(func.max(Student.id)).correlate(None).scalar_subquery())


@lru_cache(maxsize=512)
def _page_statement(shape: tuple, walk: bool) -> Select:
    viewer, filters = _bound(shape)
    return page_rows(viewer, filters, limit=bindparam("page_limit"), offset=bindparam("page_offset"), walk=walk)


class _LedgerPagination(SelectPagination):
    """flask_sqlalchemy's page with our two statements: the page's rows (page_rows) and a count
    that joins only what the filters need (its default wraps the listing query in a subquery).
    Both are built once per shape of the filters (building them cost as much as running them)."""

    def _query_items(self) -> list:
        viewer, filters = self._query_args["viewer"], self._query_args["filters"]
        shape, values = _shape(viewer, filters)
        # counted first: how many claims match decides how the page is best found
        self._total, roster = rows(_count_statement(shape), values)[0]
        walk = _walk_the_roster(viewer, filters, end=self._query_offset + self.per_page, matching=self._total,
                                roster=roster or 0)
        return rows(_page_statement(shape, walk),
                    {**values, "page_limit": self.per_page, "page_offset": self._query_offset})

    def _query_count(self) -> int:
        return self._total


def ledger_page(viewer, filters: LedgerFilters, *, page: int, per_page: int = 50) -> SelectPagination:
    """One page of the ledger as rows (see page_rows) and the number of matching claims: two statements."""
    return _LedgerPagination(page=max(page, 1), per_page=per_page, max_per_page=200, error_out=False,
                             viewer=viewer, filters=filters)


class ListedClaim(NamedTuple):
    """A row of the ledger list with its words and links ready: the template only places them (a
    template's function call costs several microseconds, and a row made seven)."""

    profile_url: str
    claim_url: str
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


def listed_claims(rows, *, labeller, zone) -> list[ListedClaim]:
    """page_rows() rows for the list, labelled in the reader's language, days in the office's zone."""
    from portal.students import labels
    from portal.templating import IdUrl

    profile_url, claim_url = IdUrl("students.profile", "student_id"), IdUrl("students.claim", "claim_id")
    label, category_label = labeller.label, labeller.category_label
    return [
        ListedClaim(
            profile_url(r.student_id), claim_url(r.id), r.name, r.student_no, r.college, r.major, r.graduation_year,
            category_label(r.category, r.level, short=True), label(labels.SOURCES, r.source), r.status,
            label(labels.STATUSES, r.status), r.decided_by,
            r.decided_at.astimezone(zone).strftime("%Y-%m-%d") if r.decided_at else "", r.primary_mentor,
        )
        for r in rows
    ]


def ledger_rows_html(claims: list[ListedClaim]) -> list[Markup]:
    """The rows of students/_ledger_results.html, character for character as its Jinja loop drew them
    (the status badge is students/_macros.html's status_badge, written out): a Jinja row cost ~30 µs."""
    rows = []
    for c in claims:
        state = f'<span class="state state-{esc(c.status)}">{esc(c.status_label)}</span>' if c.status else ""
        decided = (f'{esc(c.decided_by)}<br><span class="muted">{esc(c.decided_on)}</span>'
                   if c.decided_by is not None else "—")
        rows.append(Markup(
            f'\n        <tr>\n'
            f'          <td><a href="{esc(c.profile_url)}">{esc(c.name)}</a><br><span class="muted">{esc(c.student_no)}</span></td>\n'
            f'          <td>{esc(c.college)}<br><span class="muted">{esc(c.major)} · {esc(c.graduation_year)}</span></td>\n'
            f'          <td><a href="{esc(c.claim_url)}">{esc(c.category)}</a></td>\n'
            f'          <td>{esc(c.source)}</td>\n'
            f'          <td>{state}</td>\n'
            f'          <td>{decided}</td>\n'
            f'          <td>{esc(c.primary_mentor) if c.primary_mentor is not None else "—"}</td>\n'
            f'        </tr>\n      '
        ))
    return rows


# The summary table and the filter lists change only when claims, students or caseloads do; a page
# view reads them far more often (see portal.kept).
_COUNTS = Kept("LEDGER_COUNTS_SECONDS", 10, lambda: (HardshipClaim, Student, MentorAssignment))
_FILTER_LISTS = Kept("FILTER_LISTS_SECONDS", 10, lambda: (Student,))


def category_counts(viewer, filters: LedgerFilters) -> dict[str, dict[str, int]]:
    """{category: {status: n, "students": n}} within the viewer's scope and the student filters.

    The category and status filters are left out so the summary always shows the whole picture.
    Kept for LEDGER_COUNTS_SECONDS (10 s; 0 in tests): the page draws only these few figures from
    every claim in scope; changes made in this process show at once.
    """
    key = (viewer.role, viewer.id if viewer.role != Role.ADMIN else None, filters.source, filters.college,
           filters.major, filters.cohort, filters.graduation_year, filters.q)
    return _COUNTS.get(key, lambda: _category_counts(viewer, filters))


def _category_counts(viewer, filters: LedgerFilters) -> dict[str, dict[str, int]]:
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
    the previous one, once per value)."""
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


_COLLEGE_MAJORS = _college_major_pairs()


def filter_choices() -> dict[str, tuple[SelectChoice, ...]]:
    """The colleges and the majors present in the roster, as the filter lists' choices ("all" first).

    A query hopping along an index from one value to the next (SELECT DISTINCT would read the whole
    roster's index on every page view; this reads one entry per value), kept for FILTER_LISTS_SECONDS
    (10 s; 0 in tests).
    """
    return _FILTER_LISTS.get(("ledger",), _filter_choices)


def _filter_choices() -> dict[str, tuple[SelectChoice, ...]]:
    pairs = db.session.execute(_COLLEGE_MAJORS).all()
    colleges = sorted({college for college, _ in pairs if college})
    majors = sorted({major for _, major in pairs if major})
    return {
        "colleges": tuple(choices([("", _l("All colleges"))] + [(c, c) for c in colleges])),
        "majors": tuple(choices([("", _l("All majors"))] + [(m, m) for m in majors])),
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
