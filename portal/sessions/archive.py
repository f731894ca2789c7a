"""The group sessions a student registered for, waited for and attended, in their archive."""
from __future__ import annotations

from sqlalchemy import select

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


def _entry(row, now) -> archive.ArchiveEntry:
    """One registration (`row`: its columns and its session's, see _registrations_stmt)."""
    title = row.title
    at = row.registered_at
    if row.session_status == SessionStatus.CANCELLED and row.status != RegistrationStatus.CANCELLED:
        heading = _("Session cancelled by its host: %(title)s", title=title)
        at = row.session_cancelled_at or at
    elif row.status == RegistrationStatus.CANCELLED:
        heading = _("Cancelled a registration: %(title)s", title=title)
        at = row.cancelled_at or at
    elif row.status == RegistrationStatus.WAITLISTED:
        if now >= row.starts_at:
            heading = _("Waitlisted, no seat became free: %(title)s", title=title)
        else:
            heading = _("On the waitlist: %(title)s", title=title)
    elif now >= row.starts_at:
        at = row.starts_at
        heading = (_("Attended a group session: %(title)s", title=title) if row.attended
                   else _("Registered but did not attend: %(title)s", title=title))
    else:
        heading = _("Registered for a group session: %(title)s", title=title)
    detail = [str(KIND_LABELS.get(row.kind, row.kind)), row.place]
    if row.promoted_at:
        detail.append(_("got a seat from the waitlist"))
    if row.rating:
        detail.append(_("rated it %(score)d of 5", score=row.rating))
    return archive.ArchiveEntry(
        at=at,
        kind="group_session",
        title=heading,
        detail=" · ".join(detail),
        audience=archive.STUDENT,
        link=session_path(row.session_id),
        extra={"session_id": row.session_id, "status": row.status, "attended": row.attended,
               "starts_at": row.starts_at.isoformat()},
    )


def _registrations_stmt(student_id: int):
    """Plain columns of the student's registrations and their sessions."""
    return (
        select(Registration.registered_at, Registration.status, Registration.cancelled_at, Registration.attended,
               Registration.promoted_at, Registration.rating, GroupSession.id.label("session_id"),
               GroupSession.title, GroupSession.status.label("session_status"),
               GroupSession.cancelled_at.label("session_cancelled_at"), GroupSession.starts_at, GroupSession.kind,
               GroupSession.place)
        .join(GroupSession, GroupSession.id == Registration.session_id)
        .where(Registration.student_id == student_id).order_by(Registration.id)
    )


@archive.provider
def session_entries(student, viewer, *, for_student: bool) -> list[archive.ArchiveEntry]:
    """One entry per session the student registered for; one query. The student, their mentors and
    admins may see them (nothing in them is sensitive; the rating comment stays with the host)."""
    rows = db.session.execute(_registrations_stmt(student.id))
    now = utcnow()
    return [_entry(row, now) for row in rows]
