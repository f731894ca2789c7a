"""The student's bookings in their archive timeline: what was booked, attended, missed or cancelled,
and the feedback shown to the student. Counseling notes never appear here."""
from __future__ import annotations

from functools import cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from portal.appointments.labels import RUBRIC_LABELS, booking_status_label, kind_label
from portal.appointments.models import RUBRIC, AppointmentKind, Booking, Slot
from portal.appointments.services import link_for
from portal.extensions import db
from portal.i18n import gettext as _
from portal.students import archive


@cache
def _bookings_stmt():
    """Built once (see portal.students.archive)."""
    return (
        select(Booking)
        .options(joinedload(Booking.slot).joinedload(Slot.host), joinedload(Booking.outcome))
        .where(Booking.student_id == bindparam("student_id"))
    )


@archive.provider
def booking_entries(student, viewer, *, for_student: bool) -> list[archive.ArchiveEntry]:
    bookings = db.session.scalars(_bookings_stmt(), {"student_id": student.id}).unique().all()
    entries = []
    for booking in bookings:
        slot = booking.slot
        title = _("%(kind)s with %(host)s: %(status)s", kind=kind_label(slot.kind), host=slot.host.display_name,
                  status=booking_status_label(booking.status))
        detail = []
        outcome = booking.outcome
        # a psychological counseling shows only that it took place
        if outcome is not None and slot.kind != AppointmentKind.PSYCHOLOGICAL_COUNSELING:
            if outcome.has_scores:
                detail.append("; ".join(f"{RUBRIC_LABELS[name]} {getattr(outcome, name)}/5" for name in RUBRIC))
            if outcome.comments:
                detail.append(outcome.comments)
        if booking.cancel_reason:
            detail.append(_("Reason: %(reason)s", reason=booking.cancel_reason))
        entries.append(archive.ArchiveEntry(
            at=slot.starts_at,
            kind="booking",
            title=title,
            detail="\n".join(detail),
            audience=archive.STUDENT,
            author_id=slot.host_id,
            link=link_for("appointments.booking", booking_id=booking.id),
            extra={"booking_id": booking.id, "kind": slot.kind, "status": booking.status},
        ))
    return entries
