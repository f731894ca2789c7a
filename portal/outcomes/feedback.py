"""The feedback channel: the support measures a student received, their ratings of them, and the
staff's view of those ratings per kind of measure. Other features register their own measures
(group sessions, appointments) as feedback targets."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Select, and_, case, func, or_, select

from portal.accounts.models import User
from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models_base import utcnow
from portal.outcomes.destinations import text_or_none
from portal.outcomes.models import Feedback
from portal.students.models import Intervention, MentorAssignment, Student, Visibility

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
    """A kind of measure students can rate. Sessions and bookings register their own."""

    key: str
    label: object
    received: Callable[[int], list[Measure]]  # student id -> the measures they may rate, newest first
    load: Callable[[list[int]], dict[int, Measure]]  # ids -> measures
    summary: Callable[[Select], list[tuple[str, str, int, float, int]]]  # students -> (kind, label, n, mean, n rated 4-5)


FEEDBACK_TARGETS: dict[str, FeedbackTarget] = {}


def feedback_target(target: FeedbackTarget) -> FeedbackTarget:
    FEEDBACK_TARGETS[target.key] = target
    return target


# --- interventions as measures ---------------------------------------------------------------------

def _intervention_measure(row, author: str | None) -> Measure:
    return Measure("intervention", row.id, row.student_id, row.type,
                   str(INTERVENTION_TYPE_LABELS.get(row.type, row.type)), row.occurred_at, author)


# Support a student took part in is theirs to rate even when its notes are for mentors only: an
# appointment they attended (career counseling logs a mentors-only note) and help they were given.
# Never a private record (psychological counseling), and never a mentor's note about them.
RATED_SOURCES = ("booking", "plans.help")


def _rateable():
    return or_(Intervention.visibility == Visibility.STUDENT,
               and_(Intervention.source.in_(RATED_SOURCES), Intervention.visibility == Visibility.MENTORS))


def _measure_columns():
    # the columns a measure names, not whole interventions (their notes can be long)
    return (select(Intervention.id, Intervention.student_id, Intervention.type, Intervention.occurred_at,
                   User.display_name)
            .outerjoin(User, User.id == Intervention.author_id))


def _interventions_received(student_id: int) -> list[Measure]:
    rows = db.session.execute(
        _measure_columns().where(Intervention.student_id == student_id, _rateable())
        .order_by(Intervention.occurred_at.desc()).limit(200)
    )
    return [_intervention_measure(row, row.display_name) for row in rows]


def _interventions_load(ids: list[int]) -> dict[int, Measure]:
    if not ids:
        return {}
    rows = db.session.execute(_measure_columns().where(Intervention.id.in_(ids), _rateable()))
    return {row.id: _intervention_measure(row, row.display_name) for row in rows}


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


# --- a student's ratings ---------------------------------------------------------------------------

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
        raise RuleViolation(_("You can only rate support you received."), status=403)
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise RuleViolation(_("Choose a rating from 1 to 5."), field="rating")
    comment = text_or_none(comment)
    if comment and len(comment) > 2000:
        raise RuleViolation(_("Keep this under %(n)d characters.", n=2000), field="comment")
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


# --- the staff's view ------------------------------------------------------------------------------

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
    """(rows, count): the list's columns (the list shows the student's name only, so no ORM objects),
    newest first, and the count of the same feedback over its own table."""
    stmt = (
        select(Feedback.id, Feedback.student_id, Feedback.measure_type, Feedback.measure_id, Feedback.rating,
               Feedback.comment, Feedback.updated_at, User.display_name)
        .join(Student, Student.id == Feedback.student_id).join(User, User.id == Student.user_id)
    )
    where = []
    scope = feedback_scope(viewer)
    if scope is not None:
        where.append(Feedback.student_id.in_(scope))
    if measure_type:
        where.append(Feedback.measure_type == measure_type)
    if rating:
        where.append(Feedback.rating == rating)
    count = select(func.count(Feedback.id)).where(*where)
    return stmt.where(*where).order_by(Feedback.updated_at.desc(), Feedback.id.desc()), count


def measures_of(feedback: list) -> dict[tuple[str, int], Measure]:
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
