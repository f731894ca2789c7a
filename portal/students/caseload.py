"""Caseloads as lists: a mentor's students with their needs and contacts, and the office's assignment list."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache, lru_cache

from markupsafe import Markup
from sqlalchemy import Select, and_, bindparam, case, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload, load_only, selectinload

from portal import settings
from portal.accounts.models import Role, User
from portal.escaping import esc
from portal.extensions import db
from portal.kept import Kept
from portal.models_base import utcnow
from portal.pagination import bound_viewer, paged
from portal.rows import rows as plain_rows
from portal.students import services
from portal.students.models import (
    AssignmentKind,
    ClaimStatus,
    HardshipClaim,
    Intervention,
    MentorAssignment,
    Student,
    Visibility,
)


def no_contact_days() -> int:
    try:
        return max(1, int(settings.get("students.no_contact_days")))
    except (TypeError, ValueError):
        return 30


def claims_state(claims) -> str | None:
    """One word for a student's claims: something to check first, else confirmed, else nothing."""
    statuses = {c.status for c in claims}
    if ClaimStatus.NEEDS_MORE in statuses:
        return ClaimStatus.NEEDS_MORE
    if ClaimStatus.PENDING in statuses:
        return ClaimStatus.PENDING
    if ClaimStatus.VERIFIED in statuses:
        return ClaimStatus.VERIFIED
    if ClaimStatus.REJECTED in statuses:
        return ClaimStatus.REJECTED
    return None


@dataclass
class CaseloadFilters:
    q: str | None = None
    category: str | None = None
    status: str | None = None
    priority: str | None = None
    kind: str | None = None
    attention: str | None = None  # "no_contact" | "follow_up"
    sort: str = "priority"


@dataclass
class CaseloadRow:
    student: object  # a row of caseload_query
    kind: str | None
    claims: list = field(default_factory=list)
    # words and links ready for the list (see caseload_rows' labeller)
    profile_url: str = ""
    kind_label: str = ""
    priority_label: str = ""
    state_label: str = ""
    last_contact_day: str = ""
    state: str | None = None
    last_contact: datetime | None = None
    open_follow_ups: int = 0
    next_follow_up: date | None = None
    next_appointment: datetime | None = None
    outcome: str | None = None
    plan: tuple[int, int] | None = None  # open goals, overdue goals
    stale: bool = False
    overdue: bool = False
    html: str = ""  # the whole row, drawn by _row_html


@cache
def _last_contact(student_col):
    # built once per column: the same subquery serves every request (a statement's parts are immutable)
    return (
        select(func.max(Intervention.occurred_at))
        .where(Intervention.student_id == student_col)
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


def _assignments_loaded():
    """Each listed student's mentors, with just the names the lists show."""
    return [selectinload(Student.assignments).options(
        load_only(MentorAssignment.student_id, MentorAssignment.mentor_id, MentorAssignment.kind),
        joinedload(MentorAssignment.mentor).load_only(User.display_name),
    )]


PRIORITY_ORDER = case({"high": 0, "normal": 1, "low": 2}, value=Student.priority, else_=3)


def caseload_query(mentor, filters: CaseloadFilters, *, cutoff=None) -> Select:
    """The mentor's students, filtered and sorted, as plain rows: what the list shows of each student,
    and how this mentor supports them (whole ORM objects cost more to build, and to expire at the
    request's commit, than the queries that fetch them). `cutoff`: when contact counts as recent
    (no_contact_days() ago by default)."""
    last_contact = _last_contact(Student.id)
    stmt = (
        select(Student.id, Student.student_no, Student.class_name, Student.major, Student.priority,
               User.display_name.label("name"), MentorAssignment.kind.label("kind"))
        .join(MentorAssignment, and_(MentorAssignment.student_id == Student.id, MentorAssignment.mentor_id == mentor.id))
        .join(User, User.id == Student.user_id)
    )
    # (a filter's value may be a bound parameter: caseload_statements() builds this once per shape)
    if filters.q is not None:
        needle = filters.q.strip() if isinstance(filters.q, str) else filters.q
        stmt = stmt.where(or_(Student.student_no.startswith(needle), User.display_name.contains(needle),
                              Student.class_name.contains(needle)))
    if filters.kind is not None:
        stmt = stmt.where(MentorAssignment.kind == filters.kind)
    if filters.priority is not None:
        stmt = stmt.where(Student.priority == filters.priority)
    if filters.category is not None or filters.status is not None:
        claim = select(HardshipClaim.id).where(HardshipClaim.student_id == Student.id)
        if isinstance(filters.category, str) and filters.category == "none":
            stmt = stmt.where(~exists(claim))
        else:
            if filters.category is not None:
                claim = claim.where(HardshipClaim.category == filters.category)
            if filters.status is not None:
                claim = claim.where(HardshipClaim.status == filters.status)
            stmt = stmt.where(exists(claim))
    if filters.attention == "no_contact":
        if cutoff is None:
            cutoff = utcnow() - timedelta(days=no_contact_days())
        in_support = or_(
            exists(select(HardshipClaim.id).where(HardshipClaim.student_id == Student.id,
                                                  HardshipClaim.status != ClaimStatus.REJECTED)),
            Student.priority == "high",
            MentorAssignment.kind != AssignmentKind.PRIMARY,
        )
        stmt = stmt.where(in_support, or_(last_contact.is_(None), last_contact < cutoff))
    elif filters.attention == "follow_up":
        stmt = stmt.where(exists(select(Intervention.id).where(Intervention.student_id == Student.id, _open_follow_up(mentor))))
    orders = {
        "priority": (PRIORITY_ORDER, Student.student_no),
        "name": (User.display_name, Student.student_no),
        "student_no": (Student.student_no,),
        # never contacted first, then the longest without contact
        "last_contact": (last_contact.is_not(None), last_contact, Student.student_no),
        "class": (Student.class_name, Student.student_no),
    }
    return stmt.order_by(*orders.get(filters.sort, orders["priority"]))


_BOUND = ("q", "kind", "priority", "category", "status")


@lru_cache(maxsize=256)
def _caseload_statements(shape: tuple) -> tuple[Select, Select]:
    present, category_none, attention, sort = shape
    values = {name: bindparam(name) for name in present}
    if category_none:
        values["category"] = "none"
    stmt = caseload_query(bound_viewer(Role.MENTOR),
                          CaseloadFilters(**values, attention=attention, sort=sort), cutoff=bindparam("cutoff"))
    return paged(stmt), select(func.count()).select_from(stmt.order_by(None).subquery())


def caseload_statements(mentor, filters: CaseloadFilters) -> tuple[Select, Select, dict]:
    """caseload_query() cut to a page (pagination.paged) and its count, built once per shape of the
    filters (building them cost more than running them), with the values to run them with."""
    present = tuple(name for name in _BOUND if getattr(filters, name) and not (name == "category"
                                                                              and filters.category == "none"))
    values = {name: getattr(filters, name) for name in present}
    if "q" in values:
        values["q"] = values["q"].strip()
    values["viewer_id"] = mentor.id
    values["cutoff"] = utcnow() - timedelta(days=no_contact_days())
    rows, count = _caseload_statements((present, filters.category == "none", filters.attention, filters.sort))
    return rows, count, values


@dataclass
class CaseloadClaim:
    category: str
    level: str | None
    status: str
    text: str = ""  # the chip's words: short category and level
    status_label: str = ""


@cache
def _page_statements():
    """caseload_rows' two statements, built once: constructing them cost more than running them."""
    ids = bindparam("ids", expanding=True)
    claims = select(HardshipClaim.student_id, HardshipClaim.category, HardshipClaim.level, HardshipClaim.status).where(
        HardshipClaim.student_id.in_(ids))
    open_fu = and_(
        Intervention.follow_up_on.is_not(None),
        Intervention.follow_up_done.is_(False),
        or_(Intervention.visibility != Visibility.PRIVATE, Intervention.author_id == bindparam("mentor_id")),
    )  # as _open_follow_up, for any mentor
    contacts = (
        select(
            Intervention.student_id,
            func.max(Intervention.occurred_at),
            func.sum(case((open_fu, 1), else_=0)),
            func.min(case((open_fu, Intervention.follow_up_on), else_=None)),
        )
        .where(Intervention.student_id.in_(ids))
        .group_by(Intervention.student_id)
    )
    return claims, contacts


def caseload_rows(mentor, students: list, *, no_contact: int | None = None, labeller=None) -> list[CaseloadRow]:
    """Claims, contacts, follow-ups, appointments and outcomes of one page of students (rows of
    caseload_query): one query each.

    With a labeller (labels.Labeller), each row's words and link are made here for the list: a
    template's function call costs several microseconds, and a row made a dozen.
    """
    ids = [s.id for s in students]
    claims: dict[int, list[CaseloadClaim]] = {}
    contacts: dict[int, tuple] = {}
    if ids:
        claims_stmt, contacts_stmt = _page_statements()
        for student_id, category, level, status in plain_rows(claims_stmt, {"ids": ids}):
            claims.setdefault(student_id, []).append(CaseloadClaim(category, level, status))
        for student_id, last, n_open, next_fu in plain_rows(contacts_stmt, {"ids": ids, "mentor_id": mentor.id}):
            contacts[student_id] = (last, int(n_open or 0), next_fu)
    appointments = services.next_appointments(ids) if ids else {}
    outcomes = services.outcome_statuses(ids) if ids else {}
    plans = services.plan_progress(ids) if ids else {}
    cutoff = utcnow() - timedelta(days=no_contact if no_contact is not None else no_contact_days())
    today = services.local_today()
    rows = []
    for student in students:
        last, n_open, next_fu = contacts.get(student.id, (None, 0, None))
        if isinstance(next_fu, str):  # SQLite returns MIN() over dates as text
            next_fu = date.fromisoformat(next_fu)
        own = claims.get(student.id, [])
        # a class's primary mentor keeps in touch with the students who need support; a counselor
        # assigned to a student, with that student whatever the ledger says
        in_support = (any(c.status != ClaimStatus.REJECTED for c in own) or student.priority == "high"
                      or student.kind != AssignmentKind.PRIMARY)
        rows.append(CaseloadRow(
            student=student,
            kind=student.kind,
            claims=sorted(own, key=lambda c: c.category),
            state=claims_state(own),
            last_contact=last,
            open_follow_ups=n_open,
            next_follow_up=next_fu,
            next_appointment=appointments.get(student.id),
            outcome=outcomes.get(student.id),
            plan=plans.get(student.id),
            stale=in_support and (last is None or last < cutoff),
            overdue=next_fu is not None and next_fu < today,
        ))
    if labeller is not None:
        _label_rows(rows, labeller)
    return rows


def _label_rows(rows: list[CaseloadRow], labeller) -> None:
    from portal.i18n import datetime_filter, gettext
    from portal.students import labels
    from portal.templating import IdUrl

    profile_url, label, zone = IdUrl("students.profile", "student_id"), labeller.label, services.local_zone()
    # the words every row shares, translated once (Markup as Jinja's _() gives them: the numbers are escaped, not the text)
    words = {
        "never": Markup(gettext("never")), "stale": Markup(gettext("no recent contact")),
        "open": Markup(gettext("%(open)d open")), "overdue": Markup(gettext("%(n)d overdue")),
    }
    for row in rows:
        student = row.student
        row.profile_url = profile_url(student.id)
        row.kind_label = label(labels.ASSIGNMENT_KINDS, row.kind)
        row.priority_label = label(labels.PRIORITIES, student.priority)
        row.state_label = label(labels.STATUSES, row.state)
        row.last_contact_day = row.last_contact.astimezone(zone).strftime("%Y-%m-%d") if row.last_contact else ""
        for claim in row.claims:
            claim.text = labeller.category_label(claim.category, claim.level, short=True)
            claim.status_label = label(labels.STATUSES, claim.status)
        row.html = _row_html(row, words, datetime_filter)


def _row_html(row: CaseloadRow, words: dict, datetime_filter) -> Markup:
    """One row of students/_caseload_results.html, character for character as its Jinja loop drew it:
    a Jinja row of a dozen cells cost ~50 µs, half the page's own time."""
    s = row.student
    badge = (f'<br><span class="badge">{esc(row.kind_label)}</span>'
             if row.kind and row.kind != "primary" else "")
    chips = "".join(
        f'<span class="chip status-{esc(c.status)}" title="{esc(c.status_label)}">{esc(c.text)}'
        f'<span class="visually-hidden"> · {esc(c.status_label)}</span></span> '
        for c in row.claims
    ) or '<span class="muted">—</span>'
    state = f'<span class="state state-{esc(row.state)}">{esc(row.state_label)}</span>' if row.state else "—"
    contact = esc(row.last_contact_day) if row.last_contact else words["never"]
    stale = f'<br><span class="badge warn">{words["stale"]}</span>' if row.stale else ""
    if row.open_follow_ups:
        follow_up = (f'{row.open_follow_ups} · <span class="{"overdue" if row.overdue else ""}">'
                     f'{row.next_follow_up.isoformat() if row.next_follow_up else ""}</span>')
    else:
        follow_up = "—"
    appointment = esc(datetime_filter(row.next_appointment)) if row.next_appointment else "—"
    if row.plan:
        plan = words["open"] % {"open": row.plan[0]}
        if row.plan[1]:
            plan += Markup(' · <span class="overdue">') + words["overdue"] % {"n": row.plan[1]} + Markup("</span>")
    else:
        plan = "—"
    return Markup(
        f'\n        <tr class="{"stale" if row.stale else ""}" data-testid="caseload-row">\n'
        f'          <td><a href="{esc(row.profile_url)}">{esc(s.name)}</a>\n'
        f'            <br><span class="muted">{esc(s.student_no)} · {esc(s.class_name or s.major)}</span>\n'
        f'            {badge}</td>\n'
        f'          <td>{chips}</td>\n'
        f'          <td>{state}</td>\n'
        f'          <td><span class="priority priority-{esc(s.priority)}">{esc(row.priority_label)}</span></td>\n'
        f'          <td>{contact}\n'
        f'            {stale}</td>\n'
        f'          <td>{follow_up}</td>\n'
        f'          <td>{appointment}</td>\n'
        f'          <td>{plan}</td>\n'
        f'          <td>{esc(row.outcome or "—")}</td>\n'
        f'        </tr>\n      '
    )


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


_ACCOUNT = aliased(User, name="account")
# the name as a subquery: the search filter joins users itself
_STUDENT_NAME = (
    select(_ACCOUNT.display_name).where(_ACCOUNT.id == Student.user_id).correlate(Student).scalar_subquery().label("name")
)


def assignment_query(filters: AssignmentFilters) -> Select:
    """Students for the office's assignment page, as plain rows of what the list shows."""
    stmt = select(
        Student.id, Student.student_no, Student.college, Student.major, Student.degree_level, Student.graduation_year,
        Student.class_name, _STUDENT_NAME,
    )
    return _assignment_filters(stmt, filters).order_by(Student.student_no)


@dataclass
class ListedMentor:
    kind: str
    name: str


def mentors_of(student_ids: list[int]) -> dict[int, list[ListedMentor]]:
    """Each listed student's mentors (how they support them, and their name), in one query."""
    found: dict[int, list[ListedMentor]] = {}
    if student_ids:
        for student_id, kind, name in plain_rows(_MENTORS_OF, {"ids": list(student_ids)}):
            found.setdefault(student_id, []).append(ListedMentor(kind, name))
    return found


_MENTORS_OF = (
    select(MentorAssignment.student_id, MentorAssignment.kind, User.display_name)
    .join(User, User.id == MentorAssignment.mentor_id)
    .where(MentorAssignment.student_id.in_(bindparam("ids", expanding=True)))
    .order_by(MentorAssignment.student_id, MentorAssignment.mentor_id)
)


def assignment_rows_html(students: list, mentors: dict[int, list[ListedMentor]], labeller) -> list[Markup]:
    """The rows of students/_caseloads_results.html, character for character as its Jinja loop drew
    them: a Jinja row cost ~45 µs, most of the page's own time."""
    from portal.i18n import gettext
    from portal.students import labels
    from portal.templating import IdUrl

    profile_url, label = IdUrl("students.profile", "student_id"), labeller.label
    no_primary = f'<span class="badge warn">{Markup(gettext("no primary mentor"))}</span><br>'
    rows = []
    for s in students:
        own = mentors.get(s.id, ())
        primary = "".join(f"{esc(a.name)}<br>" for a in own if a.kind == "primary") or no_primary
        others = "".join(f'<span class="muted">{esc(a.name)} ({esc(label(labels.ASSIGNMENT_KINDS, a.kind))})</span><br>'
                         for a in own if a.kind != "primary")
        sid = esc(s.id)
        rows.append(Markup(
            f'\n        <tr>\n'
            f'          <td><input type="checkbox" name="student_ids" value="{sid}" form="bulk-assign" id="pick-{sid}"'
            f' aria-labelledby="name-{sid}"></td>\n'
            f'          <td><a id="name-{sid}" href="{esc(profile_url(s.id))}">{esc(s.name)}</a>'
            f'<br><span class="muted">{esc(s.student_no)}</span></td>\n'
            f'          <td>{esc(s.college)}<br><span class="muted">{esc(s.major)} · '
            f'{esc(label(labels.DEGREES, s.degree_level))} · {esc(s.graduation_year)}</span></td>\n'
            f'          <td>{esc(s.class_name or "—")}</td>\n'
            f'          <td>{primary}{others}</td>\n'
            f'        </tr>\n      '
        ))
    return rows


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
        stmt = stmt.where(exists(select(MentorAssignment.id).where(
            MentorAssignment.student_id == Student.id, MentorAssignment.mentor_id == filters.mentor_id)))
    if filters.unassigned:
        stmt = stmt.where(~exists(select(MentorAssignment.id).where(
            MentorAssignment.student_id == Student.id, MentorAssignment.kind == AssignmentKind.PRIMARY)))
    if filters.in_ledger:
        stmt = stmt.where(exists(select(HardshipClaim.id).where(HardshipClaim.student_id == Student.id)))
    return stmt


def matching_student_ids(filters: AssignmentFilters) -> list[int]:
    """Every student the filters select (for "assign all matching")."""
    return list(db.session.scalars(_assignment_filters(select(Student.id), filters)))


def active_mentors() -> list:
    """(id, username, display_name) of every active mentor: plain rows, cheap for 200 mentors."""
    return list(db.session.execute(
        select(User.id, User.username, User.display_name)
        .where(User.role == Role.MENTOR, User.active.is_(True)).order_by(User.username)
    ))


_MENTOR_LOADS = Kept("CASELOAD_LOADS_SECONDS", 10, lambda: (MentorAssignment,))
# the mentor lists of the assignment pages (caseload_routes._mentor_choices), per language
MENTOR_CHOICES = Kept("FILTER_LISTS_SECONDS", 10, lambda: (User, MentorAssignment))


def mentor_loads() -> dict[int, int]:
    """How many students each mentor has, for the assignment page.

    Counting 21,000 assignments took a millisecond or two, as long as the rest of the page's queries
    together, so each process keeps the answer for CASELOAD_LOADS_SECONDS (10 s; 0 in tests), as the
    administrators' home keeps its account counts; assignments made in this process drop it at once."""
    # count(*), not count(id): answered from the mentor index alone, a third faster over 20,000 rows
    return _MENTOR_LOADS.get((), lambda: dict(db.session.execute(
        select(MentorAssignment.mentor_id, func.count()).group_by(MentorAssignment.mentor_id)).all()))


def forget_mentor_loads() -> None:
    _MENTOR_LOADS.drop()


def class_names(college: str | None = None) -> list[str]:
    stmt = select(Student.class_name).where(Student.class_name.is_not(None)).distinct().order_by(Student.class_name)
    if college:
        stmt = stmt.where(Student.college == college)
    return list(db.session.scalars(stmt))
