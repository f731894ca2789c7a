"""The student's bookings in their archive timeline: what was booked, attended, missed or cancelled,
and the feedback shown to the student. Counseling notes never appear here."""
from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import User
from portal.appointments.labels import RUBRIC_LABELS, booking_status_label, kind_label
from portal.appointments.models import RUBRIC, AppointmentKind, Booking, Outcome, Slot
from portal.appointments.services import link_for
from portal.extensions import db
from portal.i18n import gettext as _
from portal.students import archive


@archive.provider
def booking_entries(student, viewer, *, for_student: bool) -> list[archive.ArchiveEntry]:
    """One query: the student's bookings with their slot, the host's name and the outcome (outcome_id
    is None when there is none)."""
    rows = db.session.execute(
        select(Booking.id, Booking.status, Booking.cancel_reason, Slot.kind, Slot.starts_at, Slot.host_id,
               User.display_name.label("host_name"), Outcome.id.label("outcome_id"), Outcome.comments,
               *(getattr(Outcome, name) for name in RUBRIC))
        .join(Slot, Slot.id == Booking.slot_id)
        .join(User, User.id == Slot.host_id)
        .outerjoin(Outcome, Outcome.booking_id == Booking.id)
        .where(Booking.student_id == student.id).order_by(Booking.id)
    )
    entries = []
    for row in rows:
        title = _("%(kind)s with %(host)s: %(status)s", kind=kind_label(row.kind), host=row.host_name,
                  status=booking_status_label(row.status))
        detail = []
        # a psychological counseling shows only that it took place
        if row.outcome_id is not None and row.kind != AppointmentKind.PSYCHOLOGICAL_COUNSELING:
            if any(getattr(row, name) is not None for name in RUBRIC):
                detail.append("; ".join(f"{RUBRIC_LABELS[name]} {getattr(row, name)}/5" for name in RUBRIC))
            if row.comments:
                detail.append(row.comments)
        if row.cancel_reason:
            detail.append(_("Reason: %(reason)s", reason=row.cancel_reason))
        entries.append(archive.ArchiveEntry(
            at=row.starts_at,
            kind="booking",
            title=title,
            detail="\n".join(detail),
            audience=archive.STUDENT,
            author_id=row.host_id,
            link=link_for("appointments.booking", booking_id=row.id),
            extra={"booking_id": row.id, "kind": row.kind, "status": row.status},
        ))
    return entries
