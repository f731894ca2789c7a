"""Who came and what they thought: the host's roster and check-in, students' ratings once the
session is over, and the figures the office's and hosts' lists show."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.models_base import utcnow
from portal.sessions.models import GroupSession, Registration, RegistrationStatus, SessionStatus
from portal.sessions.registration import own_registration
from portal.students.models import Student

# Hosts may check students in from this long before the start (people arrive early).
CHECK_IN_OPENS_BEFORE = timedelta(hours=1)


@dataclass(frozen=True)
class RosterLine:
    """One line of a roster: the student's name and their place, nothing else."""

    registration_id: int
    name: str
    status: str
    position: int
    attended: bool
    checked_in_at: datetime | None


def roster(gs: GroupSession) -> tuple[list[RosterLine], list[RosterLine]]:
    """Registered students (by name) and the waitlist (in order). Names only: a roster never shows
    a student number, a category or anything else about the student."""
    rows = db.session.execute(
        select(Registration.id, User.display_name, Registration.status, Registration.position,
               Registration.attended, Registration.checked_in_at)
        .join(Student, Student.id == Registration.student_id)
        .join(User, User.id == Student.user_id)
        .where(Registration.session_id == gs.id, Registration.status != RegistrationStatus.CANCELLED)
        .order_by(Registration.position)
    ).all()
    lines = [RosterLine(*row) for row in rows]
    registered = sorted((line for line in lines if line.status == RegistrationStatus.REGISTERED), key=lambda l: l.name)
    waitlist = [line for line in lines if line.status == RegistrationStatus.WAITLISTED]
    return registered, waitlist


def roster_line(registration: Registration) -> RosterLine:
    return RosterLine(
        registration.id, registration.student.user.display_name, registration.status, registration.position,
        registration.attended, registration.checked_in_at,
    )


def set_attendance(registration: Registration, *, attended: bool, actor: User,
                   now: datetime | None = None) -> Registration:
    """The host checks a registered student in (or undoes it) from the roster."""
    now = now or utcnow()
    gs = registration.session
    if gs.status != SessionStatus.PUBLISHED:
        raise RuleViolation(_("Attendance is taken only for a published session."), status=409)
    if registration.status != RegistrationStatus.REGISTERED:
        raise RuleViolation(_("Only registered students can be checked in."), status=409)
    if now < gs.starts_at - CHECK_IN_OPENS_BEFORE:
        raise RuleViolation(_("Check-in opens one hour before the start."), status=409)
    registration.attended = attended
    registration.checked_in_at = now if attended else None
    registration.checked_in_by_id = actor.id if attended else None
    db.session.flush()
    return registration


def rate(gs: GroupSession, student: Student, *, score: int, comment: str | None = None,
         now: datetime | None = None) -> Registration:
    """A student who attended rates the session once it is over (and may change the rating)."""
    now = now or utcnow()
    registration = own_registration(gs.id, student)
    if registration is None or registration.status != RegistrationStatus.REGISTERED or not registration.attended:
        raise RuleViolation(_("Only students who attended can rate this session."), status=409)
    if now < gs.ends_at:
        raise RuleViolation(_("You can rate the session once it has ended."), status=409)
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise RuleViolation(_("Choose from 1 (poor) to 5 (excellent)."), field="score")
    registration.rating = score
    registration.rating_comment = (comment or "").strip()[:1000] or None
    registration.rated_at = now
    db.session.flush()
    return registration


@dataclass(frozen=True)
class SessionFigures:
    attended: int
    ratings: int
    average: float | None


def figures_of(session_ids: list[int]) -> dict[int, SessionFigures]:
    """Attendance and ratings of several sessions in one grouped query."""
    if not session_ids:
        return {}
    rows = db.session.execute(
        select(
            Registration.session_id,
            func.count(Registration.id).filter(Registration.attended.is_(True)),
            func.count(Registration.rating),
            func.avg(Registration.rating),
        )
        .where(Registration.session_id.in_(session_ids), Registration.status == RegistrationStatus.REGISTERED)
        .group_by(Registration.session_id)
    ).all()
    return {
        sid: SessionFigures(int(attended or 0), int(ratings or 0), float(avg) if avg is not None else None)
        for sid, attended, ratings, avg in rows
    }


@dataclass(frozen=True)
class RatingSummary:
    count: int
    average: float | None
    distribution: dict[int, int]
    comments: list[tuple[int, str]]  # (score, comment), newest first, without names


def rating_summary(gs: GroupSession) -> RatingSummary:
    rows = db.session.execute(
        select(Registration.rating, Registration.rating_comment)
        .where(Registration.session_id == gs.id, Registration.rating.is_not(None))
        .order_by(Registration.rated_at.desc(), Registration.id.desc())
    ).all()
    distribution = {n: 0 for n in range(1, 6)}
    for score, _comment in rows:
        distribution[score] += 1
    average = sum(score for score, _c in rows) / len(rows) if rows else None
    comments = [(score, comment) for score, comment in rows if comment]
    return RatingSummary(len(rows), average, distribution, comments)
