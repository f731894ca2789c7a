"""Hosts of appointments: who may offer which kind, the psychological counselors the office marks,
and the host's lock row that keeps one host's slots from overlapping."""
from __future__ import annotations

from sqlalchemy import select, update

from portal import audit
from portal.accounts.models import Role, User
from portal.appointments.models import AppointmentKind, HostProfile
from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.models_base import utcnow

# alumni volunteers offer what mentors offer except psychological counseling (counselors only)
ALUMNI_KINDS = (AppointmentKind.MOCK_INTERVIEW, AppointmentKind.CAREER_COUNSELING, AppointmentKind.RESUME_REVIEW)
MENTOR_KINDS = (AppointmentKind.MOCK_INTERVIEW, AppointmentKind.CAREER_COUNSELING, AppointmentKind.RESUME_REVIEW)


def is_counselor(user) -> bool:
    return bool(db.session.scalar(
        select(HostProfile.psychological_counselor).where(HostProfile.user_id == user.id)
    ))


def host_kinds(user) -> list[str]:
    """The kinds of appointment this user may publish slots for."""
    if user.role == Role.ALUMNI:
        return list(ALUMNI_KINDS)
    if user.role == Role.MENTOR:
        kinds = list(MENTOR_KINDS)
        if is_counselor(user):
            kinds.insert(2, AppointmentKind.PSYCHOLOGICAL_COUNSELING)
        return kinds
    return []


def _upsert_host(user_id: int) -> None:
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(
        insert(HostProfile).values(user_id=user_id, psychological_counselor=False).on_conflict_do_nothing(
            index_elements=["user_id"]
        )
    )


def lock_host(user_id: int) -> None:
    """Take the host's lock row until the transaction ends.

    Every change to a host's slots first takes it with an UPDATE, then checks for overlaps. On
    PostgreSQL the UPDATE holds a row lock until commit, and under READ COMMITTED the overlap query
    that follows sees whatever the previous holder committed. On SQLite the UPDATE makes the
    transaction a writer, and SQLite admits one writer at a time, so the check and the insert run
    serialized (the same effect as BEGIN IMMEDIATE)."""
    _upsert_host(user_id)
    db.session.execute(
        update(HostProfile)
        .where(HostProfile.user_id == user_id)
        .values(psychological_counselor=HostProfile.psychological_counselor)
        .execution_options(synchronize_session=False)
    )


def set_counselor(user: User, counselor: bool, *, actor) -> HostProfile:
    """An administrator marks a mentor as a psychological counselor (or no longer one)."""
    if user.role != Role.MENTOR:
        raise RuleViolation(_("Only mentors can be psychological counselors."))
    _upsert_host(user.id)
    profile = db.session.get(HostProfile, user.id, populate_existing=True)
    profile.psychological_counselor = counselor
    profile.updated_at = utcnow()
    profile.updated_by_id = actor.id
    db.session.flush()
    audit.record(actor, "appointments.counselor_set", user, detail=f"counselor={counselor}")
    return profile


def mentors_with_profiles() -> list[tuple[User, bool]]:
    rows = db.session.execute(
        select(User, HostProfile.psychological_counselor)
        .outerjoin(HostProfile, HostProfile.user_id == User.id)
        .where(User.role == Role.MENTOR)
        .order_by(User.username)
    ).all()
    return [(user, bool(flag)) for user, flag in rows]
