"""The programme of group sessions: what students, hosts and the office list; sessions published
by staff or proposed by alumni volunteers, reviewed, changed and called off."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from portal import audit
from portal.accounts.models import Role, User
from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.models_base import utcnow
from portal.notifications import notify
from portal.sanitize import plain_to_html
from portal.sessions.locking import lock_session
from portal.sessions.models import GroupSession, Registration, RegistrationStatus, SessionKind, SessionStatus
from portal.sessions.notices import APPROVED, CANCELLED, CHANGED, DECLINED, PROPOSED, session_path
from portal.sessions.registration import fill_seats
from portal.students.models import Student

# alumni volunteers may propose these; group counseling is the counselors' work
ALUMNI_KINDS = (SessionKind.ALUMNI_SHARING, SessionKind.CAREER_LECTURE, SessionKind.SKILLS_TRAINING)


# --- reading sessions -------------------------------------------------------------------

def phase(gs, now: datetime) -> str:
    """Where a session stands, for labels: proposed, declined, cancelled, upcoming (registration
    not yet open), open, full (open, new registrations join the waitlist), closed (registration
    over, not started), running or finished. Reads a session or a row of all_sessions()."""
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
    """Every session for the office's list, newest first, as rows of what the list shows (phase()
    reads them as it reads sessions), and their count."""
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


# --- creating, changing, reviewing and cancelling sessions ---------------------------------

def allowed_kinds(user: User) -> tuple[SessionKind, ...]:
    return ALUMNI_KINDS if user.role == Role.ALUMNI else tuple(SessionKind)


def _validated(actor: User, *, kind: str, title: str, place: str, starts_at: datetime, duration_minutes: int,
               capacity: int, registration_opens_at: datetime | None, registration_closes_at: datetime | None,
               now: datetime, opens_default: datetime) -> dict:
    if kind not in {k.value for k in allowed_kinds(actor)}:
        raise RuleViolation(_("Choose one of the kinds offered."), field="kind")
    title = (title or "").strip()
    place = (place or "").strip()
    if not title:
        raise RuleViolation(_("Give the session a title."), field="title")
    if not place:
        raise RuleViolation(_("Say where the session takes place."), field="place")
    if starts_at is None or starts_at.tzinfo is None:
        raise RuleViolation(_("Give the start time."), field="starts_at")
    if starts_at <= now:
        raise RuleViolation(_("The session must start in the future."), field="starts_at")
    if not duration_minutes or not 15 <= duration_minutes <= 600:
        raise RuleViolation(_("A session lasts from 15 minutes to 10 hours."), field="duration_minutes")
    if not capacity or not 1 <= capacity <= 2000:
        raise RuleViolation(_("A session has from 1 to 2000 seats."), field="capacity")
    opens = registration_opens_at or opens_default
    closes = registration_closes_at or starts_at
    if closes > starts_at:
        raise RuleViolation(_("Registration must close by the time the session starts."),
                            field="registration_closes_at")
    if opens >= closes:
        raise RuleViolation(_("Registration must open before it closes."), field="registration_opens_at")
    return dict(
        kind=kind, title=title[:200], place=place[:200], starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=duration_minutes), capacity=capacity,
        registration_opens_at=opens, registration_closes_at=closes,
    )


def _tell_admins_of_proposal(gs: GroupSession, actor: User) -> None:
    for admin_id in db.session.scalars(select(User.id).where(User.role == Role.ADMIN, User.active.is_(True))):
        notify(admin_id, PROPOSED, link=session_path(gs.id), host=actor.display_name, title=gs.title)


def create_session(*, actor: User, kind: str, title: str, description: str | None, starts_at: datetime,
                   duration_minutes: int, place: str, capacity: int, registration_opens_at: datetime | None = None,
                   registration_closes_at: datetime | None = None, now: datetime | None = None) -> GroupSession:
    """Administrators and mentors publish a session at once; an alumni volunteer's is a proposal
    that waits for an administrator. The creator hosts it. The description is typed as plain text."""
    now = now or utcnow()
    if actor.role not in (Role.ADMIN, Role.MENTOR, Role.ALUMNI):
        raise RuleViolation(_("Only staff and alumni volunteers can host sessions."), status=403)
    values = _validated(
        actor, kind=kind, title=title, place=place, starts_at=starts_at, duration_minutes=duration_minutes,
        capacity=capacity, registration_opens_at=registration_opens_at,
        registration_closes_at=registration_closes_at, now=now, opens_default=now,
    )
    proposed = actor.role == Role.ALUMNI
    gs = GroupSession(
        **values,
        description=plain_to_html(description or ""),
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
        raise RuleViolation(_("This session does not exist."), status=404)
    gs = locked
    if gs.status == SessionStatus.CANCELLED:
        raise RuleViolation(_("A cancelled session can no longer be changed."), status=409)
    if now >= gs.starts_at:
        raise RuleViolation(_("A session that has started can no longer be changed."), status=409)
    values = _validated(
        actor, kind=kind, title=title, place=place, starts_at=starts_at,
        duration_minutes=duration_minutes, capacity=capacity, registration_opens_at=registration_opens_at,
        registration_closes_at=registration_closes_at, now=now, opens_default=min(gs.registration_opens_at, now),
    )
    if values["capacity"] < gs.registered_count:
        raise RuleViolation(
            _("%(count)d students are already registered: the session needs at least that many seats.",
              count=gs.registered_count),
            field="capacity",
        )
    moved = values["starts_at"] != gs.starts_at or values["ends_at"] != gs.ends_at or values["place"] != gs.place
    for name, value in values.items():
        setattr(gs, name, value)
    gs.description = plain_to_html(description or "")
    if gs.status == SessionStatus.DECLINED and actor.id == gs.host_id:
        gs.status = SessionStatus.PROPOSED
        gs.review_note = None
        _tell_admins_of_proposal(gs, actor)
    db.session.flush()
    if gs.status == SessionStatus.PUBLISHED:
        if moved:
            for user_id in _registrant_user_ids(gs):
                notify(user_id, CHANGED, link=session_path(gs.id), title=gs.title)
        fill_seats(gs, now=now)
    return gs


def approve(gs: GroupSession, *, actor: User, now: datetime | None = None) -> GroupSession:
    """An administrator publishes a volunteer's proposal; the volunteer is told."""
    now = now or utcnow()
    if gs.status != SessionStatus.PROPOSED:
        raise RuleViolation(_("Only a proposal awaiting review can be approved."), status=409)
    if gs.starts_at <= now:
        raise RuleViolation(_("This proposal's time has passed. Decline it and ask for a new date."), status=409)
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
        raise RuleViolation(_("Give the volunteer a reason."), field="reason")
    if gs.status != SessionStatus.PROPOSED:
        raise RuleViolation(_("Only a proposal awaiting review can be declined."), status=409)
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
        raise RuleViolation(_("Give the students a reason."), field="reason")
    locked = lock_session(gs.id)
    if locked is None:
        raise RuleViolation(_("This session does not exist."), status=404)
    gs = locked
    if gs.status not in (SessionStatus.PUBLISHED, SessionStatus.PROPOSED):
        raise RuleViolation(_("This session cannot be cancelled any more."), status=409)
    if now >= gs.starts_at:
        raise RuleViolation(_("A session that has started can no longer be cancelled."), status=409)
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
