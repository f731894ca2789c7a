"""The rules of outcomes: recording and confirming destinations, follow-up calls, feedback on
measures, the caseload's outcome status and the registry of measures for the analysis."""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from datetime import date, datetime, timedelta, timezone

from markupsafe import escape
from sqlalchemy import Select, and_, bindparam, case, func, or_, select, update
from sqlalchemy.orm import joinedload

from portal.accounts.models import User
from portal.clock import local_today
from portal.extensions import db
from portal.rows import rows as plain_rows
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models_base import utcnow
from portal.notifications import services as notifications
from portal.outcomes import categories as cat
from portal.outcomes.models import Destination, Feedback, FollowUp
from portal.outcomes.rates import classify, graduated_years, placed_categories
from portal.students import archive
from portal.students.models import Intervention, MentorAssignment, Student, Visibility
from portal.students.services import log_intervention, mentor_ids_of


class OutcomeError(ValueError):
    """A rule was broken; the message is translated and safe to show."""

    def __init__(self, message: str, *, field: str | None = None, status: int = 400):
        super().__init__(message)
        self.field = field
        self.status = status


REPORTED = notifications.kind(
    "outcomes.destination_reported", _l("%(student)s reported a destination (%(category)s). Please confirm it.")
)
CONFIRMED = notifications.kind("outcomes.destination_confirmed", _l("Your mentor confirmed your destination (%(category)s)."))

INTERVENTION_TYPE_LABELS = {
    "talk": _l("Talk"),
    "phone_interview": _l("Phone interview"),
    "home_visit": _l("Home visit"),
    "resume_coaching": _l("Resume coaching"),
    "mock_interview": _l("Mock interview"),
    "career_counseling": _l("Career counseling"),
    "psychological_counseling": _l("Psychological counseling"),
    "job_referral": _l("Job referral"),
    "skills_training_referral": _l("Skills training referral"),
    "financial_help": _l("Financial help"),
    "other": _l("Other support"),
}


# --- destinations -----------------------------------------------------------------------------

DESTINATION_FIELDS = (
    "category", "employer", "unit_nature", "industry", "hospital_level", "post_type", "province", "city",
    "country", "grassroots", "relation_to_major", "salary_band", "decided_on", "note",
)
# who must name the unit or school
NEEDS_EMPLOYER = frozenset({
    "agreement", "labour_contract", "research_assistant", "national_grassroots", "local_grassroots",
    "residency", "domestic_study", "study_abroad",
})
_CHOICES = {
    "unit_nature": cat.UNIT_NATURE_LABELS,
    "industry": cat.INDUSTRY_LABELS,
    "hospital_level": cat.HOSPITAL_LEVEL_LABELS,
    "post_type": cat.POST_TYPE_LABELS,
    "relation_to_major": cat.RELATION_LABELS,
    "salary_band": cat.SALARY_LABELS,
}
_LENGTHS = {"employer": 200, "city": 50, "country": 50, "note": 2000}


def _text(value) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def clean_destination(fields: dict, *, today: date | None = None) -> dict:
    """Check and normalise a destination's fields; raises OutcomeError naming the field."""
    today = today or local_today()
    values = {name: _text(fields.get(name)) for name in DESTINATION_FIELDS if name not in ("grassroots", "decided_on")}
    category = values["category"]
    if category not in cat.BY_KEY:
        raise OutcomeError(_("Choose a destination category."), field="category")
    for name, limit in _LENGTHS.items():
        if values[name] and len(values[name]) > limit:
            raise OutcomeError(_("Keep this under %(n)d characters.", n=limit), field=name)
    for name, allowed in _CHOICES.items():
        if values[name] and values[name] not in allowed:
            raise OutcomeError(_("Choose one of the listed values."), field=name)
    decided_on = fields.get("decided_on")
    if isinstance(decided_on, datetime):
        decided_on = decided_on.date()
    if decided_on is not None and not isinstance(decided_on, date):
        raise OutcomeError(_("Enter the date as YYYY-MM-DD."), field="decided_on")
    group = cat.BY_KEY[category].group
    if group == "unplaced":
        # nothing about a unit belongs to "not yet employed"
        note = values["note"]
        return {**{name: None for name in values}, "category": category, "note": note,
                "grassroots": False, "decided_on": decided_on}
    if decided_on is None:
        raise OutcomeError(_("Enter the date of the offer, contract or admission."), field="decided_on")
    if decided_on.year < 2000 or decided_on > today + timedelta(days=366):
        raise OutcomeError(_("This date is not plausible."), field="decided_on")
    if category in NEEDS_EMPLOYER and not values["employer"]:
        message = (_("Name the school or university.") if group == "study"
                   else _("Name the employer or training base."))
        raise OutcomeError(message, field="employer")
    if values["province"] and values["province"] not in cat.PROVINCES:
        raise OutcomeError(_("Choose a province from the list."), field="province")
    if category == "study_abroad":
        if not values["country"]:
            raise OutcomeError(_("Name the country or region of study."), field="country")
        values["province"] = values["city"] = None
    if values["hospital_level"] and not values["unit_nature"]:
        values["unit_nature"] = "healthcare"
    if values["unit_nature"] != "healthcare":
        values["hospital_level"] = None
    if category == "residency" and not values["post_type"]:
        values["post_type"] = "residency"
    grassroots = bool(fields.get("grassroots")) or (
        values["hospital_level"] in cat.GRASSROOTS_LEVELS
        or category in ("national_grassroots", "local_grassroots")
        or values["unit_nature"] == "village"
    )
    return {**values, "grassroots": grassroots, "decided_on": decided_on}


def _link(endpoint: str, **values) -> str | None:
    """A link for a notification, when there is a request to build it from (not in the demo seed)."""
    from flask import has_request_context, url_for

    return url_for(endpoint, **values) if has_request_context() else None


def current_destination(student: Student | int) -> Destination | None:
    student_id = student if isinstance(student, int) else student.id
    return db.session.scalar(
        select(Destination).where(Destination.student_id == student_id, Destination.is_current == True)  # noqa: E712
    )


def destination_history(student: Student | int) -> list[Destination]:
    student_id = student if isinstance(student, int) else student.id
    return list(db.session.scalars(
        select(Destination).options(joinedload(Destination.recorded_by), joinedload(Destination.verified_by))
        .where(Destination.student_id == student_id).order_by(Destination.recorded_at.desc(), Destination.id.desc())
    ))


def record_destination(student: Student, *, actor, source: str, verified: bool = False, **fields) -> Destination:
    """Record where the student is going; the new record becomes the current one, the old one stays
    in the history. Students' own reports wait for a mentor to confirm them."""
    values = clean_destination(fields)
    if source not in cat.SOURCE_LABELS:
        raise OutcomeError(_("Unknown source."), field="source")
    if source == "student":
        verified = False
    now = utcnow()
    db.session.execute(
        update(Destination)
        .where(Destination.student_id == student.id, Destination.is_current == True)  # noqa: E712
        .values(is_current=False, superseded_at=now, updated_at=now)
        .execution_options(synchronize_session="fetch")
    )
    destination = Destination(
        student_id=student.id, source=source, recorded_by_id=getattr(actor, "id", None), recorded_at=now,
        is_current=True, verified=verified, updated_at=now, **values,
    )
    if verified:
        destination.verified_by_id = getattr(actor, "id", None)
        destination.verified_at = now
    db.session.add(destination)
    db.session.flush()
    if source == "student":
        label = cat.category_label(destination.category)
        for mentor_id in mentor_ids_of(student):
            notifications.notify(mentor_id, REPORTED, student=student.name, category=label,
                                 link=_link("outcomes.student_destination", student_id=student.id))
    return destination


def verify_destination(destination: Destination, *, actor) -> Destination:
    """A mentor or the office confirms the current record (they have seen the agreement, contract or admission)."""
    if not destination.is_current:
        raise OutcomeError(_("Only the current record can be confirmed; this one has been replaced."), status=409)
    if destination.verified:
        return destination
    destination.verified = True
    destination.verified_by_id = actor.id
    destination.verified_at = utcnow()
    db.session.flush()
    if destination.source == "student":
        notifications.notify(destination.student.user_id, CONFIRMED, category=cat.category_label(destination.category),
                             link=_link("outcomes.me"), dedupe_key=f"destination-confirmed-{destination.id}")
    return destination


# --- the caseload's outcome status ----------------------------------------------------------

OUTCOME_STATUS_LABELS = {
    "placed": _l("Destination settled"),
    "seeking": _l("Not yet employed"),
    "not_seeking": _l("Not seeking work"),
    "not_counted": _l("Other destination"),
    "unknown": _l("No destination recorded"),
}


@cache
def _current_categories_stmt():
    # built once: constructing the statement cost more than running it on a page of 50 ids
    return select(Destination.student_id, Destination.category).where(
        Destination.student_id.in_(bindparam("ids", expanding=True)), Destination.is_current == True)  # noqa: E712


def outcome_status(student_ids: Iterable[int]) -> dict[int, str]:
    """Each student's outcome status (a key of OUTCOME_STATUS_LABELS), by the same rule as the
    destination rate. For caseload pages: one query per 500 students."""
    ids = list(dict.fromkeys(student_ids))
    placed = placed_categories()
    status = {student_id: "unknown" for student_id in ids}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for student_id, category in plain_rows(_current_categories_stmt(), {"ids": chunk}):
            status[student_id] = classify(category, placed)
    return status


# --- follow-ups after graduation -----------------------------------------------------------------

FOLLOW_UP_RESULTS = (
    ("reached", _l("Reached, nothing changed")),
    ("not_reached", _l("Not reached")),
    ("status_changed", _l("Reached, destination changed")),
    ("needs_help", _l("Reached, needs help")),
)
FOLLOW_UP_RESULT_LABELS = dict(FOLLOW_UP_RESULTS)
FOLLOW_UP_CHANNELS = (
    ("phone", _l("Phone")),
    ("visit", _l("Visit")),
    ("message", _l("Message")),
    ("online", _l("Video call")),
)
FOLLOW_UP_CHANNEL_LABELS = dict(FOLLOW_UP_CHANNELS)
_INTERVENTION_CHANNEL = {"phone": "phone", "visit": "home_visit", "message": "message", "online": "online"}
NEEDS_HELP_DAYS = 7


def log_follow_up(
    student: Student,
    *,
    author,
    result: str,
    channel: str = "phone",
    notes: str | None = None,
    occurred_at: datetime | None = None,
    destination: dict | None = None,
    verified: bool = False,
) -> FollowUp:
    """Log a follow-up call. "Destination changed" records the new destination in the same step;
    every call is also logged as an intervention, and "needs help" sets a follow-up date on it."""
    if result not in FOLLOW_UP_RESULT_LABELS:
        raise OutcomeError(_("Choose what came of the call."), field="result")
    if channel not in FOLLOW_UP_CHANNEL_LABELS:
        raise OutcomeError(_("Choose how you reached the graduate."), field="channel")
    notes = _text(notes)
    if notes and len(notes) > 2000:
        raise OutcomeError(_("Keep this under %(n)d characters.", n=2000), field="notes")
    occurred_at = occurred_at or utcnow()
    if occurred_at > utcnow() + timedelta(minutes=5):
        raise OutcomeError(_("A call cannot be logged in the future."), field="occurred_at")
    has_destination = bool(destination and _text(destination.get("category")))
    if result == "status_changed" and not has_destination:
        raise OutcomeError(_("Enter the new destination below."), field="category")
    if result != "status_changed" and has_destination:
        raise OutcomeError(_("Choose \"destination changed\" to record a new destination."), field="result")
    new_destination = None
    if has_destination:
        new_destination = record_destination(student, actor=author, source="follow_up", verified=verified, **destination)
    follow_up = FollowUp(
        student_id=student.id, author_id=author.id, occurred_at=occurred_at, channel=channel, result=result,
        notes=notes, destination_id=new_destination.id if new_destination else None,
    )
    db.session.add(follow_up)
    db.session.flush()
    intervention = log_intervention(
        student,
        author=author,
        type="home_visit" if channel == "visit" else "phone_interview",
        channel=_INTERVENTION_CHANNEL[channel],
        occurred_at=occurred_at,
        notes=f"<p>{escape(str(FOLLOW_UP_RESULT_LABELS[result]))}</p>" + (f"<p>{escape(notes)}</p>" if notes else ""),
        follow_up_on=local_today() + timedelta(days=NEEDS_HELP_DAYS) if result == "needs_help" else None,
        visibility=Visibility.MENTORS,
        source="follow_up",
        source_id=follow_up.id,
    )
    follow_up.intervention_id = intervention.id
    db.session.flush()
    return follow_up


def follow_up_query(*, viewer, year: int, group: str = "not_employed", mentor_id: int | None = None) -> Select:
    """Graduates of a class for follow-up calls, those not yet employed or those employed."""
    placed = placed_categories()
    stmt = (
        select(Student)
        .options(joinedload(Student.user))
        .outerjoin(Destination, and_(Destination.student_id == Student.id, Destination.is_current == True))  # noqa: E712
        .where(Student.graduation_year == year)
    )
    mentor = viewer.id if viewer.role == "mentor" else mentor_id
    if mentor is not None:
        stmt = stmt.where(Student.id.in_(select(MentorAssignment.student_id).where(MentorAssignment.mentor_id == mentor)))
    if group == "employed":
        stmt = stmt.where(Destination.category.in_(placed))
    elif group == "not_employed":
        stmt = stmt.where(or_(Destination.id.is_(None), Destination.category.not_in(placed)))
    return stmt.order_by(Student.student_no)


@dataclass
class FollowUpRow:
    student: Student
    destination: Destination | None
    last: FollowUp | None
    mentor: str | None


def follow_up_rows(students: list[Student]) -> list[FollowUpRow]:
    """The page's current destinations, latest calls and primary mentors, in three queries."""
    ids = [s.id for s in students]
    if not ids:
        return []
    destinations = {d.student_id: d for d in db.session.scalars(
        select(Destination).where(Destination.student_id.in_(ids), Destination.is_current == True))}  # noqa: E712
    latest = select(func.max(FollowUp.id)).where(FollowUp.student_id.in_(ids)).group_by(FollowUp.student_id)
    last = {f.student_id: f for f in db.session.scalars(select(FollowUp).where(FollowUp.id.in_(latest)))}
    mentors = dict(db.session.execute(
        select(MentorAssignment.student_id, User.display_name).join(User, User.id == MentorAssignment.mentor_id)
        .where(MentorAssignment.student_id.in_(ids), MentorAssignment.kind == "primary")
    ).all())
    return [FollowUpRow(s, destinations.get(s.id), last.get(s.id), mentors.get(s.id)) for s in students]


def follow_ups_of(student: Student) -> list[FollowUp]:
    return list(db.session.scalars(
        select(FollowUp).options(joinedload(FollowUp.author), joinedload(FollowUp.destination))
        .where(FollowUp.student_id == student.id).order_by(FollowUp.occurred_at.desc(), FollowUp.id.desc())
    ))


def is_graduated(student: Student) -> bool:
    return student.graduation_year <= graduated_years()


# --- feedback on the measures a student received -----------------------------------------------

@dataclass
class Measure:
    """One support measure a student received, as the feedback channel names it."""

    measure_type: str
    measure_id: int
    student_id: int
    kind: str
    kind_label: str
    occurred_at: datetime | None
    by: str | None = None


@dataclass
class FeedbackTarget:
    """A kind of measure students can rate. Sessions and bookings register their own at merge."""

    key: str
    label: object
    received: Callable[[int], list[Measure]]  # student id -> the measures they may rate, newest first
    load: Callable[[list[int]], dict[int, Measure]]  # ids -> measures
    summary: Callable[[Select], list[tuple[str, str, int, float, int]]]  # students -> (kind, label, n, mean, n rated 4-5)


FEEDBACK_TARGETS: dict[str, FeedbackTarget] = {}


def feedback_target(target: FeedbackTarget) -> FeedbackTarget:
    FEEDBACK_TARGETS[target.key] = target
    return target


def _intervention_measure(row: Intervention, author: str | None) -> Measure:
    return Measure("intervention", row.id, row.student_id, row.type,
                   str(INTERVENTION_TYPE_LABELS.get(row.type, row.type)), row.occurred_at, author)


# Support a student took part in is theirs to rate even when its notes are for mentors only: an
# appointment they attended (career counseling logs a mentors-only note) and help they were given.
# Never a private record (psychological counseling), and never a mentor's note about them.
RATED_SOURCES = ("booking", "plans.help")


def _rateable():
    return or_(Intervention.visibility == Visibility.STUDENT,
               and_(Intervention.source.in_(RATED_SOURCES), Intervention.visibility == Visibility.MENTORS))


def _interventions_received(student_id: int) -> list[Measure]:
    rows = db.session.execute(
        select(Intervention, User.display_name).outerjoin(User, User.id == Intervention.author_id)
        .where(Intervention.student_id == student_id, _rateable())
        .order_by(Intervention.occurred_at.desc()).limit(200)
    )
    return [_intervention_measure(row, author) for row, author in rows]


def _interventions_load(ids: list[int]) -> dict[int, Measure]:
    if not ids:
        return {}
    rows = db.session.execute(_interventions_load_stmt(), {"ids": ids})
    return {row.id: _intervention_measure(row, row.display_name) for row in rows}


@lru_cache(maxsize=1)
def _interventions_load_stmt():
    # the columns a measure names, not whole interventions (their notes can be long); built once
    return (
        select(Intervention.id, Intervention.student_id, Intervention.type, Intervention.occurred_at, User.display_name)
        .outerjoin(User, User.id == Intervention.author_id)
        .where(Intervention.id.in_(bindparam("ids", expanding=True)), _rateable())
    )


def _interventions_summary(students: Select | None) -> list[tuple[str, str, int, float, int]]:
    stmt = (
        select(Intervention.type, func.count(Feedback.id), func.avg(Feedback.rating),
               func.sum(case((Feedback.rating >= 4, 1), else_=0)))
        .join(Intervention, and_(Feedback.measure_type == "intervention", Feedback.measure_id == Intervention.id))
        .group_by(Intervention.type).order_by(func.count(Feedback.id).desc())
    )
    if students is not None:
        stmt = stmt.where(Feedback.student_id.in_(students))
    rows = db.session.execute(stmt)
    return [(kind, str(INTERVENTION_TYPE_LABELS.get(kind, kind)), n, float(mean or 0), int(good or 0))
            for kind, n, mean, good in rows]


feedback_target(FeedbackTarget("intervention", _l("Support from your mentor"), _interventions_received,
                               _interventions_load, _interventions_summary))


def measures_received(student: Student) -> list[Measure]:
    """Every measure the student may rate, newest first: one query per kind of measure."""
    found = [m for target in FEEDBACK_TARGETS.values() for m in target.received(student.id)]
    return sorted(found, key=lambda m: m.occurred_at or datetime.min.replace(tzinfo=timezone.utc), reverse=True)


def load_measure(measure_type: str, measure_id: int) -> Measure | None:
    target = FEEDBACK_TARGETS.get(measure_type)
    if target is None:
        return None
    return target.load([measure_id]).get(measure_id)


def give_feedback(student: Student, measure: Measure, *, rating, comment: str | None = None) -> Feedback:
    """Rate (1–5) and comment on a measure the student received; a second rating replaces the first."""
    if measure.student_id != student.id:
        raise OutcomeError(_("You can only rate support you received."), status=403)
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise OutcomeError(_("Choose a rating from 1 to 5."), field="rating")
    comment = _text(comment)
    if comment and len(comment) > 2000:
        raise OutcomeError(_("Keep this under %(n)d characters.", n=2000), field="comment")
    feedback = db.session.scalar(select(Feedback).where(
        Feedback.student_id == student.id, Feedback.measure_type == measure.measure_type,
        Feedback.measure_id == measure.measure_id))
    if feedback is None:
        feedback = Feedback(student_id=student.id, measure_type=measure.measure_type, measure_id=measure.measure_id)
        db.session.add(feedback)
    feedback.rating = rating
    feedback.comment = comment
    feedback.updated_at = utcnow()
    db.session.flush()
    return feedback


def feedback_of(student: Student) -> dict[tuple[str, int], Feedback]:
    return {(f.measure_type, f.measure_id): f for f in db.session.scalars(
        select(Feedback).where(Feedback.student_id == student.id))}


def feedback_scope(viewer) -> Select | None:
    """The students whose feedback the viewer sees: the caseload for a mentor, everyone (None) for the office."""
    if viewer is not None and viewer.role == "mentor":
        return select(MentorAssignment.student_id).where(MentorAssignment.mentor_id == viewer.id)
    return None


def feedback_summary(viewer, *, students: Select | None = None) -> list[tuple[str, str, str, int, float, int]]:
    """Per kind of measure: (measure type, kind, label, ratings, mean, rated 4 or 5), one query per target."""
    students = students if students is not None else feedback_scope(viewer)
    rows = []
    for target in FEEDBACK_TARGETS.values():
        rows += [(target.key, *row) for row in target.summary(students)]
    return rows


def feedback_query(viewer, *, measure_type: str | None = None, rating: int | None = None) -> tuple[Select, Select]:
    """(rows, count): the list's columns as plain rows (no ORM objects: the list shows the student's name
    only), newest first, and the count of the same feedback over its own table."""
    mentor_id = viewer.id if viewer is not None and viewer.role == "mentor" else None
    return _feedback_stmts(mentor_id, measure_type or None, rating or None)


@lru_cache(maxsize=256)
def _feedback_stmts(mentor_id: int | None, measure_type: str | None, rating: int | None) -> tuple[Select, Select]:
    # built once per scope and filter: building the statements cost about as much as running them
    stmt = (
        select(Feedback.id, Feedback.student_id, Feedback.measure_type, Feedback.measure_id, Feedback.rating,
               Feedback.comment, Feedback.updated_at, User.display_name)
        .join(Student, Student.id == Feedback.student_id).join(User, User.id == Student.user_id)
    )
    where = []
    if mentor_id is not None:
        where.append(Feedback.student_id.in_(select(MentorAssignment.student_id).where(MentorAssignment.mentor_id == mentor_id)))
    if measure_type:
        where.append(Feedback.measure_type == measure_type)
    if rating:
        where.append(Feedback.rating == rating)
    count = select(func.count(Feedback.id)).where(*where)
    return stmt.where(*where).order_by(Feedback.updated_at.desc(), Feedback.id.desc()), count


def measures_of(feedback: list[Feedback]) -> dict[tuple[str, int], Measure]:
    """The measures a page of feedback is about: one query per kind of measure."""
    wanted: dict[str, list[int]] = {}
    for row in feedback:
        wanted.setdefault(row.measure_type, []).append(row.measure_id)
    found = {}
    for measure_type, ids in wanted.items():
        target = FEEDBACK_TARGETS.get(measure_type)
        if target is not None:
            found.update({(measure_type, k): v for k, v in target.load(ids).items()})
    return found


# --- measures and outcomes: which support went with better outcomes ---------------------------------

# A provider takes a SELECT of the graduates' student ids (a subquery keeps it one statement with no
# parameter limit, however many graduates) and returns measure key -> ids of the students who had it.
# Interventions are here; the lead wires group sessions, support plans and bookings at merge.
MeasureProvider = Callable[[Select], dict[str, set[int]]]
MEASURE_PROVIDERS: list[MeasureProvider] = []
MEASURE_LABELS: dict[str, object] = {}


def measure_provider(fn: MeasureProvider) -> MeasureProvider:
    MEASURE_PROVIDERS.append(fn)
    return fn


MEASURE_LABELS.update({f"intervention:{key}": label for key, label in INTERVENTION_TYPE_LABELS.items()})


@measure_provider
def _intervention_measures(graduates: Select) -> dict[str, set[int]]:
    """Interventions by type. Follow-up calls come after graduation, so they are not measures here."""
    found: dict[str, set[int]] = {}
    rows = db.session.execute(
        select(Intervention.student_id, Intervention.type).distinct()
        .where(Intervention.student_id.in_(graduates), or_(Intervention.source.is_(None), Intervention.source != "follow_up"))
    )
    for student_id, kind in rows:
        found.setdefault(f"intervention:{kind}", set()).add(student_id)
    return found


def measure_label(key: str) -> str:
    return str(MEASURE_LABELS.get(key, key))


# --- the student's archive ----------------------------------------------------------------------------

@functools.cache
def _archive_statements():
    """The provider's queries, built once with the student's id as a parameter, selecting only the columns
    an entry shows (see portal.students.archive)."""
    from sqlalchemy import bindparam

    student_id = bindparam("student_id")
    return (
        select(Destination.recorded_at, Destination.category, Destination.employer, Destination.province,
               Destination.city, Destination.country, Destination.recorded_by_id)
        .where(Destination.student_id == student_id).order_by(Destination.id),
        select(FollowUp.occurred_at, FollowUp.result, FollowUp.notes, FollowUp.author_id)
        .where(FollowUp.student_id == student_id).order_by(FollowUp.id),
        select(Feedback.updated_at, Feedback.rating, Feedback.comment)
        .where(Feedback.student_id == student_id).order_by(Feedback.id),
    )


@archive.provider
def _archive_entries(student, viewer, *, for_student: bool) -> list[archive.ArchiveEntry]:
    entries = []
    destinations, follow_ups, feedback = _archive_statements()
    params = {"student_id": student.id}
    link = _link("outcomes.student_destination", student_id=student.id)
    for row in plain_rows(destinations, params):
        detail = " · ".join(x for x in (row.employer, row.province, row.city, row.country) if x)
        entries.append(archive.ArchiveEntry(
            at=row.recorded_at, kind="destination",
            title=_("Destination recorded: %(category)s", category=cat.category_label(row.category)),
            detail=detail, audience=archive.STUDENT, author_id=row.recorded_by_id,
            link=link,
        ))
    if not for_student:
        for row in plain_rows(follow_ups, params):
            entries.append(archive.ArchiveEntry(
                at=row.occurred_at, kind="follow_up",
                title=_("Follow-up: %(result)s", result=FOLLOW_UP_RESULT_LABELS.get(row.result, row.result)),
                detail=row.notes or "", audience=archive.MENTORS, author_id=row.author_id,
            ))
    for row in plain_rows(feedback, params):
        entries.append(archive.ArchiveEntry(
            at=row.updated_at, kind="feedback",
            title=_("Feedback given: %(rating)d of 5", rating=row.rating),
            detail=row.comment or "", audience=archive.STUDENT,
        ))
    return entries


def _outcome_labels(student_ids) -> dict[int, str]:
    return {sid: str(OUTCOME_STATUS_LABELS.get(status, status)) for sid, status in outcome_status(student_ids).items()}


# the caseload page shows each student's outcome status, in the reader's language
from portal.students.services import OUTCOME_STATUS_PROVIDERS  # noqa: E402

OUTCOME_STATUS_PROVIDERS.append(_outcome_labels)
