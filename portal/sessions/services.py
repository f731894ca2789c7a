"""The rules of group sessions: proposing and publishing, registering in a fair order with a
waitlist, attendance, ratings, alumni profiles and the reminders another feature sends."""
from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import TypeVar

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import aliased, joinedload

from portal import audit
from portal.accounts.models import Role, User
from portal.extensions import db
from portal.i18n import datetime_filter
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models_base import utcnow
from portal.notifications import kind as notification_kind
from portal.notifications import notify
from portal.notifications.models import Notification
from portal.sanitize import clean_html
from portal.sessions.models import (
    AlumniProfile,
    GroupSession,
    Registration,
    RegistrationStatus,
    SessionKind,
    SessionStatus,
)
from portal.students.models import Student

T = TypeVar("T")

# Hosts may check students in from this long before the start (people arrive early).
CHECK_IN_OPENS_BEFORE = timedelta(hours=1)
MAX_TOPICS = 20
MAX_TOPIC_LENGTH = 40
# alumni volunteers may propose these; group counseling is the counselors' work
ALUMNI_KINDS = (SessionKind.ALUMNI_SHARING, SessionKind.CAREER_LECTURE, SessionKind.SKILLS_TRAINING)

PROMOTED = notification_kind(
    "sessions.promoted", _l("A seat opened up: you are now registered for %(title)s.")
)
PROPOSED = notification_kind(
    "sessions.proposed", _l("%(host)s proposed a session for your review: %(title)s.")
)
APPROVED = notification_kind(
    "sessions.approved", _l("Your proposed session %(title)s was approved and is open to students.")
)
DECLINED = notification_kind(
    "sessions.declined", _l("Your proposed session %(title)s was declined: %(reason)s")
)
CANCELLED = notification_kind(
    "sessions.cancelled", _l("The session %(title)s was cancelled: %(reason)s")
)
CHANGED = notification_kind(
    "sessions.changed", _l("The time or place of %(title)s has changed. Please check the session page.")
)
REMINDER = notification_kind(
    "sessions.reminder", _l("Reminder: %(title)s starts within a day, at %(place)s.")
)


class SessionError(ValueError):
    """A rule was broken; the message is translated and safe to show. `status` is the HTTP answer."""

    def __init__(self, message: str, *, field: str | None = None, status: int = 409):
        super().__init__(message)
        self.field = field
        self.status = status


def session_path(session_id: int) -> str:
    """The session page's path, for notifications (also written outside any request)."""
    return f"/sessions/{session_id}"


# --- transactions that take the session's lock ------------------------------------------

def lock_session(session_id: int) -> GroupSession | None:
    """Lock the session's row until the transaction ends, and return it freshly read.

    PostgreSQL: SELECT … FOR UPDATE; other transactions wait for the row. SQLite has no row locks
    but serialises writers: an UPDATE of the row (changing nothing) as the first write of the
    transaction takes the database's write lock, so the reads that follow see the latest
    committed counters and nobody else can write until we commit. Counters and positions are
    therefore handed out one transaction at a time, in the order the lock was obtained.
    """
    stmt = (
        select(GroupSession)
        .where(GroupSession.id == session_id)
        .execution_options(populate_existing=True)
    )
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    else:
        db.session.execute(
            update(GroupSession)
            .where(GroupSession.id == session_id)
            .values(next_position=GroupSession.next_position)
            .execution_options(synchronize_session=False)
        )
    return db.session.scalar(stmt)


def _retryable(error: OperationalError) -> bool:
    text = str(getattr(error, "orig", error)).lower()
    return "database is locked" in text or "deadlock detected" in text or "could not serialize" in text


def commit_with_retries(work: Callable[[], T], *, attempts: int = 10) -> T:
    """Run work() and commit it as one transaction, for the routes whose writes take the session's
    lock. When SQLite answers "database is locked" (a writer held it longer than the busy timeout)
    the transaction is rolled back and run again from the start; any other error is re-raised
    after the rollback, so nothing is ever half-written."""
    for attempt in range(1, attempts + 1):
        try:
            result = work()
            db.session.commit()
            return result
        except OperationalError as error:
            db.session.rollback()
            if attempt == attempts or not _retryable(error):
                raise
            time.sleep(random.uniform(0.01, 0.05) * attempt)
        except BaseException:
            db.session.rollback()
            raise
    raise AssertionError("unreachable")


# --- reading sessions -------------------------------------------------------------------

def phase(gs: GroupSession, now: datetime) -> str:
    """Where a session stands, for labels: proposed, declined, cancelled, upcoming (registration
    not yet open), open, full (open, new registrations join the waitlist), closed (registration
    over, not started), running or finished."""
    if gs.status != SessionStatus.PUBLISHED:
        return gs.status
    if now >= gs.ends_at:
        return "finished"
    if now >= gs.starts_at:
        return "running"
    if now < gs.registration_opens_at:
        return "upcoming"
    if now >= gs.registration_closes_at:
        return "closed"
    return "full" if gs.is_full else "open"


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


def session_list(*, show: str = "upcoming", kind: str | None = None, student: Student | None = None,
                 now: datetime | None = None) -> Select:
    """The programme as students see it: published sessions still to come (or running), past
    ones, or (for a student) the ones they registered for. The host is loaded in the same query."""
    now = now or utcnow()
    stmt = select(GroupSession).options(joinedload(GroupSession.host))
    if show == "mine" and student is not None:
        stmt = (
            stmt.join(Registration, Registration.session_id == GroupSession.id)
            .where(
                Registration.student_id == student.id,
                Registration.status != RegistrationStatus.CANCELLED,
                GroupSession.status.in_([SessionStatus.PUBLISHED, SessionStatus.CANCELLED]),
            )
            .order_by(GroupSession.starts_at.desc(), GroupSession.id.desc())
        )
    elif show == "past":
        stmt = stmt.where(GroupSession.status == SessionStatus.PUBLISHED, GroupSession.ends_at <= now).order_by(
            GroupSession.starts_at.desc(), GroupSession.id.desc()
        )
    else:
        stmt = stmt.where(GroupSession.status == SessionStatus.PUBLISHED, GroupSession.ends_at > now).order_by(
            GroupSession.starts_at, GroupSession.id
        )
    if kind:
        stmt = stmt.where(GroupSession.kind == kind)
    return stmt


def hosted_sessions(user: User) -> Select:
    """The sessions a mentor or volunteer hosts, proposals included; those to come first."""
    return (
        select(GroupSession)
        .where(GroupSession.host_id == user.id)
        .order_by(GroupSession.starts_at.desc(), GroupSession.id.desc())
    )


def all_sessions(*, status: str | None = None, kind: str | None = None) -> tuple[Select, Select]:
    """Every session for the office's list, newest first, as plain rows of what the list shows
    (phase() reads them as it reads sessions), and their count."""
    g = GroupSession
    stmt = (
        select(g.id, g.title, g.kind, g.status, g.starts_at, g.ends_at, g.registration_opens_at,
               g.registration_closes_at, g.place, g.capacity, g.registered_count, g.waitlisted_count,
               (g.registered_count >= g.capacity).label("is_full"), User.display_name.label("host_name"))
        .join(User, User.id == g.host_id)
        .order_by(g.starts_at.desc(), g.id.desc())
    )
    count = select(func.count()).select_from(g)
    if status:
        stmt, count = stmt.where(g.status == status), count.where(g.status == status)
    if kind:
        stmt, count = stmt.where(g.kind == kind), count.where(g.kind == kind)
    return stmt, count


def pending_proposals() -> list[GroupSession]:
    return list(db.session.scalars(
        select(GroupSession).options(joinedload(GroupSession.host))
        .where(GroupSession.status == SessionStatus.PROPOSED)
        .order_by(GroupSession.created_at, GroupSession.id)
    ))


@dataclass(frozen=True)
class MyPlace:
    """A student's own registration and, on the waitlist, their place in the queue (1 = next)."""

    registration: Registration
    waitlist_rank: int | None

    @property
    def status(self) -> str:
        return self.registration.status


@cache
def _waitlist_rank():
    """A registration's place in its session's waitlist, as a correlated subquery. Built once: a fresh
    alias per request costs SQLAlchemy about a millisecond to adapt, more than the query itself."""
    ahead = aliased(Registration)
    return (
        select(func.count(ahead.id))
        .where(
            ahead.session_id == Registration.session_id,
            ahead.status == RegistrationStatus.WAITLISTED,
            ahead.position <= Registration.position,
        )
        .correlate(Registration)
        .scalar_subquery()
    )


def places_of(student: Student, session_ids: list[int]) -> dict[int, MyPlace]:
    """The student's registrations for these sessions, with waitlist ranks, in one query."""
    if not session_ids:
        return {}
    rows = db.session.execute(
        select(Registration, _waitlist_rank()).where(Registration.student_id == student.id, Registration.session_id.in_(session_ids))
    ).all()
    return {
        reg.session_id: MyPlace(reg, rank_value if reg.status == RegistrationStatus.WAITLISTED else None)
        for reg, rank_value in rows
    }


def place_of(student: Student, gs: GroupSession) -> MyPlace | None:
    return places_of(student, [gs.id]).get(gs.id)


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


# --- creating, changing, reviewing and cancelling sessions ---------------------------------

BLOCK_TAGS = re.compile(r"<(p|ul|ol|li|h3|h4|blockquote|pre|br)\b", re.IGNORECASE)


def _rich_text(text: str | None) -> str:
    """Sanitised HTML from what the author typed. Text without paragraphs of its own (typed in a
    plain text box) keeps its blank-line paragraphs and line breaks."""
    cleaned = clean_html((text or "").strip())
    if not cleaned or BLOCK_TAGS.search(cleaned):
        return cleaned
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", cleaned.replace("\r\n", "\n")) if p.strip()]
    return clean_html("".join("<p>" + p.replace("\n", "<br>") + "</p>" for p in paragraphs))


def allowed_kinds(user: User) -> tuple[SessionKind, ...]:
    return ALUMNI_KINDS if user.role == Role.ALUMNI else tuple(SessionKind)


def _validated(actor: User, *, kind: str, title: str, place: str, starts_at: datetime, duration_minutes: int,
               capacity: int, registration_opens_at: datetime | None, registration_closes_at: datetime | None,
               now: datetime, opens_default: datetime) -> dict:
    if kind not in {k.value for k in allowed_kinds(actor)}:
        raise SessionError(_("Choose one of the kinds offered."), field="kind", status=400)
    title = (title or "").strip()
    place = (place or "").strip()
    if not title:
        raise SessionError(_("Give the session a title."), field="title", status=400)
    if not place:
        raise SessionError(_("Say where the session takes place."), field="place", status=400)
    if starts_at is None or starts_at.tzinfo is None:
        raise SessionError(_("Give the start time."), field="starts_at", status=400)
    if starts_at <= now:
        raise SessionError(_("The session must start in the future."), field="starts_at", status=400)
    if not duration_minutes or not 15 <= duration_minutes <= 600:
        raise SessionError(_("A session lasts from 15 minutes to 10 hours."), field="duration_minutes", status=400)
    if not capacity or not 1 <= capacity <= 2000:
        raise SessionError(_("A session has from 1 to 2000 seats."), field="capacity", status=400)
    opens = registration_opens_at or opens_default
    closes = registration_closes_at or starts_at
    if closes > starts_at:
        raise SessionError(_("Registration must close by the time the session starts."),
                           field="registration_closes_at", status=400)
    if opens >= closes:
        raise SessionError(_("Registration must open before it closes."), field="registration_opens_at", status=400)
    return dict(
        kind=kind, title=title[:200], place=place[:200], starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=duration_minutes), capacity=capacity,
        registration_opens_at=opens, registration_closes_at=closes,
    )


def _admin_ids() -> list[int]:
    return list(db.session.scalars(select(User.id).where(User.role == Role.ADMIN, User.active.is_(True))))


def _tell_admins_of_proposal(gs: GroupSession, actor: User) -> None:
    for admin_id in _admin_ids():
        notify(admin_id, PROPOSED, link=session_path(gs.id), host=actor.display_name, title=gs.title)


def create_session(*, actor: User, kind: str, title: str, description: str | None, starts_at: datetime,
                   duration_minutes: int, place: str, capacity: int, registration_opens_at: datetime | None = None,
                   registration_closes_at: datetime | None = None, now: datetime | None = None) -> GroupSession:
    """Administrators and mentors publish a session at once; an alumni volunteer's is a proposal
    that waits for an administrator. The creator hosts it."""
    now = now or utcnow()
    if actor.role not in (Role.ADMIN, Role.MENTOR, Role.ALUMNI):
        raise SessionError(_("Only staff and alumni volunteers can host sessions."), status=403)
    values = _validated(
        actor, kind=kind, title=title, place=place, starts_at=starts_at, duration_minutes=duration_minutes,
        capacity=capacity, registration_opens_at=registration_opens_at,
        registration_closes_at=registration_closes_at, now=now, opens_default=now,
    )
    proposed = actor.role == Role.ALUMNI
    gs = GroupSession(
        **values,
        description=_rich_text(description),
        host_id=actor.id,
        created_by_id=actor.id,
        status=SessionStatus.PROPOSED if proposed else SessionStatus.PUBLISHED,
        registered_count=0,
        waitlisted_count=0,
        next_position=0,
        created_at=now,
    )
    db.session.add(gs)
    db.session.flush()
    if proposed:
        _tell_admins_of_proposal(gs, actor)
    return gs


def _registrant_user_ids(gs: GroupSession) -> list[int]:
    return list(db.session.scalars(
        select(Student.user_id)
        .join(Registration, Registration.student_id == Student.id)
        .where(Registration.session_id == gs.id, Registration.status != RegistrationStatus.CANCELLED)
    ))


def update_session(gs: GroupSession, *, actor: User, kind: str, title: str, description: str | None,
                   starts_at: datetime, duration_minutes: int, place: str, capacity: int,
                   registration_opens_at: datetime | None = None, registration_closes_at: datetime | None = None,
                   now: datetime | None = None) -> GroupSession:
    """Change a session before it starts. Fewer seats than students already registered is refused;
    more seats go to the waitlist in order. Registered and waitlisted students are told when the
    time or place changes. A declined proposal that its volunteer edits goes back for review."""
    now = now or utcnow()
    locked = lock_session(gs.id)
    if locked is None:
        raise SessionError(_("This session does not exist."), status=404)
    gs = locked
    if gs.status == SessionStatus.CANCELLED:
        raise SessionError(_("A cancelled session can no longer be changed."))
    if now >= gs.starts_at:
        raise SessionError(_("A session that has started can no longer be changed."))
    values = _validated(
        actor, kind=kind, title=title, place=place, starts_at=starts_at,
        duration_minutes=duration_minutes, capacity=capacity, registration_opens_at=registration_opens_at,
        registration_closes_at=registration_closes_at, now=now, opens_default=min(gs.registration_opens_at, now),
    )
    if values["capacity"] < gs.registered_count:
        raise SessionError(
            _("%(count)d students are already registered: the session needs at least that many seats.",
              count=gs.registered_count),
            field="capacity", status=400,
        )
    moved = values["starts_at"] != gs.starts_at or values["ends_at"] != gs.ends_at or values["place"] != gs.place
    for name, value in values.items():
        setattr(gs, name, value)
    gs.description = _rich_text(description)
    if gs.status == SessionStatus.DECLINED and actor.id == gs.host_id:
        gs.status = SessionStatus.PROPOSED
        gs.review_note = None
        _tell_admins_of_proposal(gs, actor)
    db.session.flush()
    if gs.status == SessionStatus.PUBLISHED:
        if moved:
            for user_id in _registrant_user_ids(gs):
                notify(user_id, CHANGED, link=session_path(gs.id), title=gs.title)
        _fill_seats(gs, now=now)
    return gs


def approve(gs: GroupSession, *, actor: User, now: datetime | None = None) -> GroupSession:
    """An administrator publishes a volunteer's proposal; the volunteer is told."""
    now = now or utcnow()
    if gs.status != SessionStatus.PROPOSED:
        raise SessionError(_("Only a proposal awaiting review can be approved."))
    if gs.starts_at <= now:
        raise SessionError(_("This proposal's time has passed. Decline it and ask for a new date."))
    gs.status = SessionStatus.PUBLISHED
    gs.reviewed_by_id = actor.id
    gs.reviewed_at = now
    gs.review_note = None
    notify(gs.host_id, APPROVED, link=session_path(gs.id), title=gs.title)
    audit.record(actor, "session.approved", gs)
    db.session.flush()
    return gs


def decline(gs: GroupSession, *, actor: User, reason: str, now: datetime | None = None) -> GroupSession:
    """An administrator declines a proposal with a reason, which the volunteer reads."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if not reason:
        raise SessionError(_("Give the volunteer a reason."), field="reason", status=400)
    if gs.status != SessionStatus.PROPOSED:
        raise SessionError(_("Only a proposal awaiting review can be declined."))
    gs.status = SessionStatus.DECLINED
    gs.review_note = reason[:500]
    gs.reviewed_by_id = actor.id
    gs.reviewed_at = now
    notify(gs.host_id, DECLINED, link=session_path(gs.id), title=gs.title, reason=gs.review_note)
    audit.record(actor, "session.declined", gs, detail=gs.review_note)
    db.session.flush()
    return gs


def cancel_session(gs: GroupSession, *, actor: User, reason: str, now: datetime | None = None) -> GroupSession:
    """Call a session off before it starts; everyone registered or waiting is told why.
    Their registrations stay, so each student's archive still shows what happened."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if not reason:
        raise SessionError(_("Give the students a reason."), field="reason", status=400)
    locked = lock_session(gs.id)
    if locked is None:
        raise SessionError(_("This session does not exist."), status=404)
    gs = locked
    if gs.status not in (SessionStatus.PUBLISHED, SessionStatus.PROPOSED):
        raise SessionError(_("This session cannot be cancelled any more."))
    if now >= gs.starts_at:
        raise SessionError(_("A session that has started can no longer be cancelled."))
    was_published = gs.status == SessionStatus.PUBLISHED
    gs.status = SessionStatus.CANCELLED
    gs.cancel_reason = reason[:500]
    gs.cancelled_at = now
    if was_published:
        for user_id in _registrant_user_ids(gs):
            notify(user_id, CANCELLED, link=session_path(gs.id), title=gs.title, reason=gs.cancel_reason)
    audit.record(actor, "session.cancelled", gs, detail=gs.cancel_reason)
    db.session.flush()
    return gs


# --- registrations, the waitlist and promotion ------------------------------------------------

def _fill_seats(gs: GroupSession, *, now: datetime) -> list[Registration]:
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


def _own_registration(session_id: int, student: Student) -> Registration | None:
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
        raise SessionError(_("This session does not exist."), status=404)
    now = now or utcnow()
    problem = registration_problem(gs, now)
    if problem:
        raise SessionError(problem)
    existing = _own_registration(gs.id, student)
    if existing is not None and existing.status == RegistrationStatus.REGISTERED:
        raise SessionError(_("You are already registered for this session."))
    if existing is not None and existing.status == RegistrationStatus.WAITLISTED:
        raise SessionError(_("You are already on the waitlist of this session."))
    # a seat left free while others wait goes to them first: nobody jumps the queue
    _fill_seats(gs, now=now)
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
        raise SessionError(_("Your registration could not be saved. Please try again.")) from None
    return registration


def leave(session: GroupSession | int, student: Student, *, now: datetime | None = None) -> Registration:
    """The student gives up their seat or waitlist place before the start. A freed seat goes at
    once to the next student waiting, who is notified."""
    now = now or utcnow()
    session_id = session if isinstance(session, int) else session.id
    gs = lock_session(session_id)
    if gs is None:
        raise SessionError(_("This session does not exist."), status=404)
    registration = _own_registration(gs.id, student)
    if registration is None or registration.status == RegistrationStatus.CANCELLED:
        raise SessionError(_("You are not registered for this session."))
    if gs.status == SessionStatus.CANCELLED:
        raise SessionError(_("This session has been cancelled."))
    if now >= gs.starts_at:
        raise SessionError(_("The session has started: a registration can be cancelled only before the start."))
    if registration.status == RegistrationStatus.REGISTERED:
        gs.registered_count -= 1
    else:
        gs.waitlisted_count -= 1
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = now
    registration.attended = False
    registration.checked_in_at = None
    db.session.flush()
    _fill_seats(gs, now=now)
    return registration


def set_attendance(registration: Registration, *, attended: bool, actor: User,
                   now: datetime | None = None) -> Registration:
    """The host checks a registered student in (or undoes it) from the roster."""
    now = now or utcnow()
    gs = registration.session
    if gs.status != SessionStatus.PUBLISHED:
        raise SessionError(_("Attendance is taken only for a published session."))
    if registration.status != RegistrationStatus.REGISTERED:
        raise SessionError(_("Only registered students can be checked in."))
    if now < gs.starts_at - CHECK_IN_OPENS_BEFORE:
        raise SessionError(_("Check-in opens one hour before the start."))
    registration.attended = attended
    registration.checked_in_at = now if attended else None
    registration.checked_in_by_id = actor.id if attended else None
    db.session.flush()
    return registration


def rate(gs: GroupSession, student: Student, *, score: int, comment: str | None = None,
         now: datetime | None = None) -> Registration:
    """A student who attended rates the session once it is over (and may change the rating)."""
    now = now or utcnow()
    registration = _own_registration(gs.id, student)
    if registration is None or registration.status != RegistrationStatus.REGISTERED or not registration.attended:
        raise SessionError(_("Only students who attended can rate this session."))
    if now < gs.ends_at:
        raise SessionError(_("You can rate the session once it has ended."))
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise SessionError(_("Choose from 1 (poor) to 5 (excellent)."), field="score", status=400)
    registration.rating = score
    registration.rating_comment = (comment or "").strip()[:1000] or None
    registration.rated_at = now
    db.session.flush()
    return registration


# --- alumni volunteers' profiles ---------------------------------------------------------

def parse_topics(text: str | None) -> list[str]:
    """Topics typed one per line or separated by commas (either script), without repeats."""
    topics: list[str] = []
    for part in re.split(r"[\n,，、;；]+", text or ""):
        part = part.strip()[:MAX_TOPIC_LENGTH]
        if part and part not in topics:
            topics.append(part)
    return topics[:MAX_TOPICS]


def profile_of(user: User | int) -> AlumniProfile | None:
    user_id = user if isinstance(user, int) else user.id
    return db.session.scalar(select(AlumniProfile).where(AlumniProfile.user_id == user_id))


def save_profile(user: User, *, graduation_year: int, employer: str, post: str, major: str | None = None,
                 topics: list[str] | str | None = None, bio: str | None = None, show_on_sessions: bool = True,
                 now: datetime | None = None) -> AlumniProfile:
    """A volunteer keeps their own profile; administrators read it."""
    now = now or utcnow()
    if user.role != Role.ALUMNI:
        raise SessionError(_("Only alumni volunteers have a volunteer profile."), status=403)
    if not graduation_year or not 1950 <= graduation_year <= now.year + 1:
        raise SessionError(_("Give the year you graduated."), field="graduation_year", status=400)
    employer = (employer or "").strip()
    post = (post or "").strip()
    if not employer:
        raise SessionError(_("Give your employer."), field="employer", status=400)
    if not post:
        raise SessionError(_("Give your post."), field="post", status=400)
    if isinstance(topics, str) or topics is None:
        topics = parse_topics(topics)
    profile = profile_of(user)
    if profile is None:
        profile = AlumniProfile(user_id=user.id)
        db.session.add(profile)
    profile.graduation_year = graduation_year
    profile.major = (major or "").strip()[:100] or None
    profile.employer = employer[:200]
    profile.post = post[:100]
    profile.topics = list(topics)
    profile.bio = (bio or "").strip()[:2000] or None
    profile.show_on_sessions = bool(show_on_sessions)
    profile.updated_at = now
    db.session.flush()
    return profile


def alumni_directory(*, q: str | None = None) -> Select:
    """Every alumni account (with or without a profile yet), by username; searchable by name,
    employer or post. directory_details() loads the rest for a page of them."""
    stmt = (
        select(User)
        .outerjoin(AlumniProfile, AlumniProfile.user_id == User.id)
        .where(User.role == Role.ALUMNI)
        .order_by(User.username)
    )
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(User.display_name.ilike(like), AlumniProfile.employer.ilike(like),
                              AlumniProfile.post.ilike(like)))
    return stmt


def directory_details(user_ids: list[int]) -> dict[int, tuple[AlumniProfile | None, int]]:
    """Profiles and the number of published sessions hosted, for these volunteers, in two queries."""
    if not user_ids:
        return {}
    profiles = {p.user_id: p for p in db.session.scalars(select(AlumniProfile).where(AlumniProfile.user_id.in_(user_ids)))}
    hosted = dict(db.session.execute(
        select(GroupSession.host_id, func.count(GroupSession.id))
        .where(GroupSession.host_id.in_(user_ids), GroupSession.status == SessionStatus.PUBLISHED)
        .group_by(GroupSession.host_id)
    ).all())
    return {uid: (profiles.get(uid), int(hosted.get(uid, 0))) for uid in user_ids}


# --- reminders (sent by the reminders command of the appointments feature) -----------------

@dataclass(frozen=True)
class SessionReminder:
    user_id: int
    email: str | None
    session_id: int
    title: str
    place: str
    starts_at: datetime
    dedupe_key: str

    @property
    def link(self) -> str:
        return session_path(self.session_id)


def due_session_reminders(*, now: datetime | None = None, within: timedelta = timedelta(hours=24)) -> list[SessionReminder]:
    """Reminders owed to registered students of published sessions starting within `within`, not
    yet sent. The dedupe key holds the start time: a session moved to a new time is reminded again."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Registration.id, Student.user_id, User.email, GroupSession.id, GroupSession.title,
               GroupSession.place, GroupSession.starts_at)
        .join(GroupSession, GroupSession.id == Registration.session_id)
        .join(Student, Student.id == Registration.student_id)
        .join(User, User.id == Student.user_id)
        .where(
            Registration.status == RegistrationStatus.REGISTERED,
            GroupSession.status == SessionStatus.PUBLISHED,
            and_(GroupSession.starts_at > now, GroupSession.starts_at <= now + within),
            User.active.is_(True),
        )
        .order_by(GroupSession.starts_at, Registration.id)
    ).all()
    due = [
        SessionReminder(user_id, email, session_id, title, place, starts_at,
                        f"sessions.reminder:{registration_id}:{starts_at:%Y%m%dT%H%M}")
        for registration_id, user_id, email, session_id, title, place, starts_at in rows
    ]
    if not due:
        return []
    sent = set(db.session.scalars(
        select(Notification.dedupe_key).where(Notification.dedupe_key.in_([r.dedupe_key for r in due]))
    ))
    return [r for r in due if r.dedupe_key not in sent]


def send_session_reminders(*, now: datetime | None = None) -> int:
    """Leave each due reminder in the portal and e-mail it; the caller commits. Sending twice
    sends nothing twice (the notification's dedupe key)."""
    from portal.mail import send_mail

    count = 0
    for reminder in due_session_reminders(now=now):
        if notify(reminder.user_id, REMINDER, link=reminder.link, dedupe_key=reminder.dedupe_key,
                  title=reminder.title, place=reminder.place) is None:
            continue
        db.session.flush()
        count += 1
        if reminder.email:
            send_mail(
                reminder.email,
                _("Reminder: %(title)s", title=reminder.title),
                _("Your group session %(title)s starts at %(when)s, at %(place)s.\n"
                  "If you cannot come, please cancel on the session page so that someone waiting can take your seat.",
                  title=reminder.title, when=datetime_filter(reminder.starts_at), place=reminder.place),
            )
    return count
