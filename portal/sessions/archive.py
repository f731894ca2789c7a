"""The group sessions a student registered for, waited for and attended, in their archive."""
from __future__ import annotations

from functools import cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.i18n import gettext as _
from portal.models_base import utcnow
from portal.sessions.forms import KIND_LABELS
from portal.sessions.models import (
    GroupSession,
    Registration,
    RegistrationStatus,
    SessionStatus,
)
from portal.sessions.services import session_path
from portal.students import archive


def _entry(registration: Registration, now) -> archive.ArchiveEntry:
    gs: GroupSession = registration.session
    title = gs.title
    at = registration.registered_at
    if gs.status == SessionStatus.CANCELLED and registration.status != RegistrationStatus.CANCELLED:
        heading = _("Session cancelled by its host: %(title)s", title=title)
        at = gs.cancelled_at or at
    elif registration.status == RegistrationStatus.CANCELLED:
        heading = _("Cancelled a registration: %(title)s", title=title)
        at = registration.cancelled_at or at
    elif registration.status == RegistrationStatus.WAITLISTED:
        if now >= gs.starts_at:
            heading = _("Waitlisted, no seat became free: %(title)s", title=title)
        else:
            heading = _("On the waitlist: %(title)s", title=title)
    elif now >= gs.starts_at:
        at = gs.starts_at
        heading = (_("Attended a group session: %(title)s", title=title) if registration.attended
                   else _("Registered but did not attend: %(title)s", title=title))
    else:
        heading = _("Registered for a group session: %(title)s", title=title)
    detail = [str(KIND_LABELS.get(gs.kind, gs.kind)), gs.place]
    if registration.promoted_at:
        detail.append(_("got a seat from the waitlist"))
    if registration.rating:
        detail.append(_("rated it %(score)d of 5", score=registration.rating))
    return archive.ArchiveEntry(
        at=at,
        kind="group_session",
        title=heading,
        detail=" · ".join(detail),
        audience=archive.STUDENT,
        link=session_path(gs.id),
        extra={"session_id": gs.id, "status": registration.status, "attended": registration.attended,
               "starts_at": gs.starts_at.isoformat()},
    )


@cache
def _registrations_stmt():
    """Built once (see portal.students.archive)."""
    return select(Registration).options(joinedload(Registration.session)).where(
        Registration.student_id == bindparam("student_id"))


@archive.provider
def session_entries(student, viewer, *, for_student: bool) -> list[archive.ArchiveEntry]:
    """One entry per session the student registered for; one query. The student, their mentors and
    admins may see them (nothing in them is sensitive; the rating comment stays with the host)."""
    registrations = db.session.scalars(_registrations_stmt(), {"student_id": student.id}).all()
    now = utcnow()
    return [_entry(registration, now) for registration in registrations]
