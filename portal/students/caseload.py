"""Caseloads as lists: a mentor's students with their needs and contacts, and the office's assignment list."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased

from portal import settings
from portal.accounts.models import Role, User
from portal.cache import cached
from portal.clock import local_today, local_zone
from portal.extensions import db
from portal.models_base import utcnow
from portal.students import hooks, labels
from portal.students.models import (
    AssignmentKind,
    ClaimStatus,
    HardshipClaim,
    Intervention,
    MentorAssignment,
    Student,
    Visibility,
)

# days without any logged contact after which the caseload page highlights a student
settings.declare("students.no_contact_days", 30)


def no_contact_days() -> int:
    try:
        return max(1, int(settings.get("students.no_contact_days")))
    except (TypeError, ValueError):
        return 30


def claims_state(claims) -> str | None:
    """One word for a student's claims: something to check first, else confirmed, else nothing."""
    statuses = {c.status for c in claims}
    for status in (ClaimStatus.NEEDS_MORE, ClaimStatus.PENDING, ClaimStatus.VERIFIED, ClaimStatus.REJECTED):
        if status in statuses:
            return status
    return None


# --- a mentor's caseload ---------------------------------------------------------------------------

@dataclass
class CaseloadFilters:
    q: str | None = None
    category: str | None = None
    status: str | None = None
    priority: str | None = None
    kind: str | None = None
    attention: str | None = None  # "no_contact" | "follow_up"
    sort: str = "priority"


def _last_contact():
    return (
        select(func.max(Intervention.occurred_at))
        .where(Intervention.student_id == Student.id)
        .correlate(Student)
        .scalar_subquery()
    )


def _open_follow_up(mentor):
    """Open follow-ups the mentor may see: their own, and those shared with the student's mentors."""
    return and_(
        Intervention.follow_up_on.is_not(None),
        Intervention.follow_up_done.is_(False),
        or_(Intervention.visibility != Visibility.PRIVATE, Intervention.author_id == mentor.id),
    )


def caseload_query(mentor, filters: CaseloadFilters) -> Select:
    """The mentor's students, filtered and sorted, as rows of what the list shows of each student and
    how this mentor supports them."""
    last_contact = _last_contact()
    stmt = (
        select(Student.id, Student.student_no, Student.class_name, Student.major, Student.priority,
               User.display_name.label("name"), MentorAssignment.kind.label("kind"))
        .join(MentorAssignment, and_(MentorAssignment.student_id == Student.id, MentorAssignment.mentor_id == mentor.id))
        .join(User, User.id == Student.user_id)
    )
    if filters.q:
        needle = filters.q.strip()
        stmt = stmt.where(or_(Student.student_no.startswith(needle), User.display_name.contains(needle),
                              Student.class_name.contains(needle)))
    if filters.kind:
        stmt = stmt.where(MentorAssignment.kind == filters.kind)
    if filters.priority:
        stmt = stmt.where(Student.priority == filters.priority)
    if filters.category == "none":
        stmt = stmt.where(~exists().where(HardshipClaim.student_id == Student.id))
    elif filters.category or filters.status:
        claim = select(HardshipClaim.id).where(HardshipClaim.student_id == Student.id)
        if filters.category:
            claim = claim.where(HardshipClaim.category == filters.category)
        if filters.status:
            claim = claim.where(HardshipClaim.status == filters.status)
        stmt = stmt.where(exists(claim))
    if filters.attention == "no_contact":
        cutoff = utcnow() - timedelta(days=no_contact_days())
        in_support = or_(
            exists().where(HardshipClaim.student_id == Student.id, HardshipClaim.status != ClaimStatus.REJECTED),
            Student.priority == "high",
            MentorAssignment.kind != AssignmentKind.PRIMARY,
        )
        stmt = stmt.where(in_support, or_(last_contact.is_(None), last_contact < cutoff))
    elif filters.attention == "follow_up":
        stmt = stmt.where(exists().where(Intervention.student_id == Student.id, _open_follow_up(mentor)))
    priority_order = case({"high": 0, "normal": 1, "low": 2}, value=Student.priority, else_=3)
    orders = {
        "priority": (priority_order, Student.student_no),
        "name": (User.display_name, Student.student_no),
        "student_no": (Student.student_no,),
        # never contacted first, then the longest without contact
        "last_contact": (last_contact.is_not(None), last_contact, Student.student_no),
        "class": (Student.class_name, Student.student_no),
    }
    return stmt.order_by(*orders.get(filters.sort, orders["priority"]))


@dataclass
class CaseloadClaim:
    category: str
    level: str | None
    status: str
    text: str = ""  # the chip's words: short category and level
    status_label: str = ""


@dataclass
class CaseloadRow:
    """A row of the caseload list: the student (a row of caseload_query), what the other queries found
    about them, and the row's words in the reader's language."""

    student: object
    claims: list[CaseloadClaim] = field(default_factory=list)
    state: str | None = None
    last_contact: datetime | None = None
    open_follow_ups: int = 0
    next_follow_up: date | None = None
    next_appointment: datetime | None = None
    outcome: str | None = None
    plan: tuple[int, int] | None = None  # open goals, overdue goals
    stale: bool = False
    overdue: bool = False
    kind_label: str = ""
    priority_label: str = ""
    state_label: str = ""
    last_contact_day: str = ""


def caseload_rows(mentor, students: list, *, no_contact: int) -> list[CaseloadRow]:
    """Claims, contacts, follow-ups, appointments and outcomes of one page of students (rows of
    caseload_query), one query each, with each row's words in the reader's language."""
    ids = [s.id for s in students]
    claims: dict[int, list[CaseloadClaim]] = {}
    contacts: dict[int, tuple] = {}
    if ids:
        found = db.session.execute(
            select(HardshipClaim.student_id, HardshipClaim.category, HardshipClaim.level, HardshipClaim.status)
            .where(HardshipClaim.student_id.in_(ids))
        )
        for student_id, category, level, status in found:
            claims.setdefault(student_id, []).append(CaseloadClaim(category, level, status))
        open_follow_up = _open_follow_up(mentor)
        found = db.session.execute(
            select(
                Intervention.student_id,
                func.max(Intervention.occurred_at),
                func.sum(case((open_follow_up, 1), else_=0)),
                func.min(case((open_follow_up, Intervention.follow_up_on), else_=None)),
            )
            .where(Intervention.student_id.in_(ids))
            .group_by(Intervention.student_id)
        )
        for student_id, last, n_open, next_follow_up in found:
            contacts[student_id] = (last, int(n_open or 0), next_follow_up)
    appointments = hooks.next_appointments(ids) if ids else {}
    outcomes = hooks.outcome_statuses(ids) if ids else {}
    plans = hooks.plan_progress(ids) if ids else {}
    cutoff = utcnow() - timedelta(days=no_contact)
    today, zone = local_today(), local_zone()
    words = labels.Labeller()
    rows = []
    for student in students:
        last, n_open, next_follow_up = contacts.get(student.id, (None, 0, None))
        if isinstance(next_follow_up, str):  # SQLite returns MIN() over dates as text
            next_follow_up = date.fromisoformat(next_follow_up)
        own = sorted(claims.get(student.id, []), key=lambda c: c.category)
        for claim in own:
            claim.text = words.category_label(claim.category, claim.level, short=True)
            claim.status_label = words.label(labels.STATUSES, claim.status)
        state = claims_state(own)
        # a class's primary mentor keeps in touch with the students who need support; a counselor
        # assigned to a student, with that student whatever the ledger says
        in_support = (any(c.status != ClaimStatus.REJECTED for c in own) or student.priority == "high"
                      or student.kind != AssignmentKind.PRIMARY)
        rows.append(CaseloadRow(
            student=student,
            claims=own,
            state=state,
            last_contact=last,
            open_follow_ups=n_open,
            next_follow_up=next_follow_up,
            next_appointment=appointments.get(student.id),
            outcome=outcomes.get(student.id),
            plan=plans.get(student.id),
            stale=in_support and (last is None or last < cutoff),
            overdue=next_follow_up is not None and next_follow_up < today,
            kind_label=words.label(labels.ASSIGNMENT_KINDS, student.kind),
            priority_label=words.label(labels.PRIORITIES, student.priority),
            state_label=words.label(labels.STATUSES, state),
            last_contact_day=last.astimezone(zone).strftime("%Y-%m-%d") if last else "",
        ))
    return rows


# --- the office's assignment list ------------------------------------------------------------------

@dataclass
class AssignmentFilters:
    q: str | None = None
    college: str | None = None
    major: str | None = None
    class_name: str | None = None
    graduation_year: int | None = None
    degree_level: str | None = None
    mentor_id: int | None = None
    unassigned: bool = False
    in_ledger: bool = False


def _assignment_filters(stmt: Select, filters: AssignmentFilters) -> Select:
    if filters.q:
        needle = filters.q.strip()
        stmt = stmt.join(User, User.id == Student.user_id).where(
            or_(Student.student_no.startswith(needle), User.display_name.contains(needle)))
    if filters.college:
        stmt = stmt.where(Student.college == filters.college)
    if filters.major:
        stmt = stmt.where(Student.major == filters.major)
    if filters.class_name:
        stmt = stmt.where(Student.class_name == filters.class_name)
    if filters.graduation_year:
        stmt = stmt.where(Student.graduation_year == filters.graduation_year)
    if filters.degree_level:
        stmt = stmt.where(Student.degree_level == filters.degree_level)
    if filters.mentor_id:
        stmt = stmt.where(exists().where(
            MentorAssignment.student_id == Student.id, MentorAssignment.mentor_id == filters.mentor_id))
    if filters.unassigned:
        stmt = stmt.where(~exists().where(
            MentorAssignment.student_id == Student.id, MentorAssignment.kind == AssignmentKind.PRIMARY))
    if filters.in_ledger:
        stmt = stmt.where(exists().where(HardshipClaim.student_id == Student.id))
    return stmt


# the student's account, for the name the assignment list shows (its search filter joins users itself)
_ACCOUNT = aliased(User, name="account")


def assignment_query(filters: AssignmentFilters) -> Select:
    """Students for the office's assignment page, as rows of what the list shows."""
    name = select(_ACCOUNT.display_name).where(_ACCOUNT.id == Student.user_id).correlate(Student).scalar_subquery()
    stmt = select(
        Student.id, Student.student_no, Student.college, Student.major, Student.degree_level, Student.graduation_year,
        Student.class_name, name.label("name"),
    )
    return _assignment_filters(stmt, filters).order_by(Student.student_no)


def matching_student_ids(filters: AssignmentFilters) -> list[int]:
    """Every student the filters select (for "assign all matching")."""
    return list(db.session.scalars(_assignment_filters(select(Student.id), filters)))


@dataclass
class AssignmentRow:
    """A row of the assignment list: the student (a row of assignment_query) and their mentors' names."""

    student: object
    degree_label: str
    primary: list[str] = field(default_factory=list)
    others: list[tuple[str, str]] = field(default_factory=list)  # (name, how they support the student)


def assignment_rows(students: list) -> list[AssignmentRow]:
    """Each listed student with their mentors (one query for the page) and the words the row shows."""
    rows = {s.id: AssignmentRow(s, labels.label(labels.DEGREES, s.degree_level)) for s in students}
    if rows:
        words = labels.Labeller()
        found = db.session.execute(
            select(MentorAssignment.student_id, MentorAssignment.kind, User.display_name)
            .join(User, User.id == MentorAssignment.mentor_id)
            .where(MentorAssignment.student_id.in_(list(rows)))
            .order_by(MentorAssignment.student_id, MentorAssignment.mentor_id)
        )
        for student_id, kind, name in found:
            if kind == AssignmentKind.PRIMARY:
                rows[student_id].primary.append(name)
            else:
                rows[student_id].others.append((name, words.label(labels.ASSIGNMENT_KINDS, kind)))
    return list(rows.values())


def active_mentors() -> list:
    """(id, username, display_name) of every active mentor, by username."""
    return list(db.session.execute(
        select(User.id, User.username, User.display_name)
        .where(User.role == Role.MENTOR, User.active.is_(True)).order_by(User.username)
    ))


def mentor_loads() -> tuple[tuple[int, str, str, int], ...]:
    """(id, username, display_name, students) of every active mentor, for the assignment page's lists.

    Kept in the cache until an account or an assignment changes: counting 21,000 assignments costs as
    much as the rest of the page's queries together."""
    def build():
        # count(*), not count(id): answered from the mentor index alone
        loads = dict(db.session.execute(
            select(MentorAssignment.mentor_id, func.count()).group_by(MentorAssignment.mentor_id)).all())
        return tuple((m.id, m.username, m.display_name, loads.get(m.id, 0)) for m in active_mentors())

    return cached("students.mentor_loads", build, tables=["users", "mentor_assignments"], per_viewer=False)


def class_names(college: str | None = None) -> list[str]:
    stmt = select(Student.class_name).where(Student.class_name.is_not(None)).distinct().order_by(Student.class_name)
    if college:
        stmt = stmt.where(Student.college == college)
    return list(db.session.scalars(stmt))
