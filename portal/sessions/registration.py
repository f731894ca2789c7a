"""Registering for a session in a fair order: a seat while there is one, otherwise the back of the
waitlist; a seat given up goes to the next student waiting. Every change takes the session's lock
(locking.lock_session), so positions and counters are handed out one transaction at a time."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import datetime_filter
from portal.i18n import gettext as _
from portal.models_base import utcnow
from portal.notifications import notify
from portal.sessions.locking import lock_session
from portal.sessions.models import GroupSession, Registration, RegistrationStatus, SessionStatus
from portal.sessions.notices import PROMOTED, session_path
from portal.students.models import Student


def registration_problem(gs: GroupSession, now: datetime) -> str | None:
    """Why a student cannot register now, or None when they can."""
    if gs.status == SessionStatus.CANCELLED:
        return _("This session has been cancelled.")
    if gs.status != SessionStatus.PUBLISHED:
        return _("This session is not open to students.")
    if now >= gs.starts_at:
        return _("This session has already started.")
    if now < gs.registration_opens_at:
        return _("Registration opens on %(when)s.", when=datetime_filter(gs.registration_opens_at))
    if now >= gs.registration_closes_at:
        return _("Registration closed on %(when)s.", when=datetime_filter(gs.registration_closes_at))
    return None


@dataclass(frozen=True)
class MyPlace:
    """A student's own registration and, on the waitlist, their place in the queue (1 = next)."""

    registration: Registration
    waitlist_rank: int | None

    @property
    def status(self) -> str:
        return self.registration.status


def places_of(student: Student, session_ids: list[int]) -> dict[int, MyPlace]:
    """The student's registrations for these sessions, with waitlist ranks, in one query."""
    if not session_ids:
        return {}
    ranks = (
        select(Registration.id, func.row_number().over(partition_by=Registration.session_id,
                                                        order_by=Registration.position).label("rank"))
        .where(Registration.session_id.in_(session_ids), Registration.status == RegistrationStatus.WAITLISTED)
        .subquery()
    )
    rows = db.session.execute(
        select(Registration, ranks.c.rank).outerjoin(ranks, ranks.c.id == Registration.id)
        .where(Registration.student_id == student.id, Registration.session_id.in_(session_ids))
    ).all()
    return {registration.session_id: MyPlace(registration, rank) for registration, rank in rows}


def place_of(student: Student, gs: GroupSession) -> MyPlace | None:
    return places_of(student, [gs.id]).get(gs.id)


def fill_seats(gs: GroupSession, *, now: datetime) -> list[Registration]:
    """Give free seats to the waitlist, first come first served, and tell each promoted student.
    Called with the session locked. Nobody is promoted once the session has started."""
    free = gs.capacity - gs.registered_count
    if gs.status != SessionStatus.PUBLISHED or now >= gs.starts_at or free <= 0 or gs.waitlisted_count <= 0:
        return []
    promoted = list(db.session.scalars(
        select(Registration)
        .options(joinedload(Registration.student))
        .where(Registration.session_id == gs.id, Registration.status == RegistrationStatus.WAITLISTED)
        .order_by(Registration.position)
        .limit(free)
    ))
    for registration in promoted:
        registration.status = RegistrationStatus.REGISTERED
        registration.promoted_at = now
        gs.registered_count += 1
        gs.waitlisted_count -= 1
        notify(registration.student.user_id, PROMOTED, link=session_path(gs.id), title=gs.title)
    db.session.flush()
    return promoted


def own_registration(session_id: int, student: Student) -> Registration | None:
    return db.session.scalar(
        select(Registration)
        .where(Registration.session_id == session_id, Registration.student_id == student.id)
        .execution_options(populate_existing=True)
    )


def register(session: GroupSession | int, student: Student, *, now: datetime | None = None) -> Registration:
    """Register the student: a seat while there is one, otherwise the back of the waitlist.

    Runs with the session's row locked (lock_session), so each registration takes the next
    arrival position and the counters never over- or under-count, on SQLite and PostgreSQL.
    A student holds at most one place per session (also a unique constraint). The time is read
    once the lock is held, so registration times follow arrival positions."""
    session_id = session if isinstance(session, int) else session.id
    gs = lock_session(session_id)
    if gs is None:
        raise RuleViolation(_("This session does not exist."), status=404)
    now = now or utcnow()
    problem = registration_problem(gs, now)
    if problem:
        raise RuleViolation(problem, status=409)
    existing = own_registration(gs.id, student)
    if existing is not None and existing.status == RegistrationStatus.REGISTERED:
        raise RuleViolation(_("You are already registered for this session."), status=409)
    if existing is not None and existing.status == RegistrationStatus.WAITLISTED:
        raise RuleViolation(_("You are already on the waitlist of this session."), status=409)
    # a seat left free while others wait goes to them first: nobody jumps the queue
    fill_seats(gs, now=now)
    gs.next_position += 1
    if gs.registered_count < gs.capacity:
        status = RegistrationStatus.REGISTERED
        gs.registered_count += 1
    else:
        status = RegistrationStatus.WAITLISTED
        gs.waitlisted_count += 1
    if existing is None:
        registration = Registration(session_id=gs.id, student_id=student.id)
        db.session.add(registration)
    else:
        registration = existing
    registration.status = status
    registration.position = gs.next_position
    registration.registered_at = now
    registration.promoted_at = None
    registration.cancelled_at = None
    registration.attended = False
    registration.checked_in_at = None
    registration.checked_in_by_id = None
    try:
        db.session.flush()
    except IntegrityError:
        # only reachable if the lock were bypassed: the constraints still keep one place per
        # student and one student per position, and nothing is written
        raise RuleViolation(_("Your registration could not be saved. Please try again."), status=409) from None
    return registration


def leave(session: GroupSession | int, student: Student, *, now: datetime | None = None) -> Registration:
    """The student gives up their seat or waitlist place before the start. A freed seat goes at
    once to the next student waiting, who is notified."""
    now = now or utcnow()
    session_id = session if isinstance(session, int) else session.id
    gs = lock_session(session_id)
    if gs is None:
        raise RuleViolation(_("This session does not exist."), status=404)
    registration = own_registration(gs.id, student)
    if registration is None or registration.status == RegistrationStatus.CANCELLED:
        raise RuleViolation(_("You are not registered for this session."), status=409)
    if gs.status == SessionStatus.CANCELLED:
        raise RuleViolation(_("This session has been cancelled."), status=409)
    if now >= gs.starts_at:
        raise RuleViolation(_("The session has started: a registration can be cancelled only before the start."),
                            status=409)
    if registration.status == RegistrationStatus.REGISTERED:
        gs.registered_count -= 1
    else:
        gs.waitlisted_count -= 1
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = now
    registration.attended = False
    registration.checked_in_at = None
    db.session.flush()
    fill_seats(gs, now=now)
    return registration
