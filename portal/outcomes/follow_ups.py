"""Follow-up calls after graduation: logging a call (and a changed destination with it), and the list
of a class's graduates to call."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import joinedload

from portal.accounts.models import User
from portal.clock import local_today
from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models_base import utcnow
from portal.outcomes.destinations import record_destination, text_or_none
from portal.outcomes.models import Destination, FollowUp
from portal.outcomes.rates import graduated_years, placed_categories
from portal.sanitize import plain_to_html
from portal.students.models import MentorAssignment, Student, Visibility
from portal.students.services import log_intervention

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
        raise RuleViolation(_("Choose what came of the call."), field="result")
    if channel not in FOLLOW_UP_CHANNEL_LABELS:
        raise RuleViolation(_("Choose how you reached the graduate."), field="channel")
    notes = text_or_none(notes)
    if notes and len(notes) > 2000:
        raise RuleViolation(_("Keep this under %(n)d characters.", n=2000), field="notes")
    occurred_at = occurred_at or utcnow()
    if occurred_at > utcnow() + timedelta(minutes=5):
        raise RuleViolation(_("A call cannot be logged in the future."), field="occurred_at")
    has_destination = bool(destination and text_or_none(destination.get("category")))
    if result == "status_changed" and not has_destination:
        raise RuleViolation(_("Enter the new destination below."), field="category")
    if result != "status_changed" and has_destination:
        raise RuleViolation(_("Choose \"destination changed\" to record a new destination."), field="result")
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
        # the result as the first paragraph, the notes below it
        notes=plain_to_html("\n\n".join(part for part in (str(FOLLOW_UP_RESULT_LABELS[result]), notes) if part)),
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
