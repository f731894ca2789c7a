"""After the appointment: the host marks attendance, a mentor may excuse a no-show, and the host's
feedback closes the appointment and is logged in the student's record."""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import Select, select

from portal import audit
from portal.accounts.models import User
from portal.appointments.labels import RUBRIC_LABELS
from portal.appointments.models import RUBRIC, AppointmentKind, Booking, BookingStatus, Outcome, Slot
from portal.appointments.outbox import link_for, neutral_when
from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models_base import utcnow
from portal.notifications import kind as notification_kind
from portal.notifications import notify
from portal.sanitize import plain_to_html
from portal.students.models import Student, Visibility
from portal.students.services import log_intervention

NO_SHOW = notification_kind(
    "appointments.no_show", _l("You were marked as not attending the appointment on %(when)s.")
)
FEEDBACK = notification_kind("appointments.feedback", _l("%(host)s left feedback on your appointment of %(when)s."))

INTERVENTION_TYPES = {
    AppointmentKind.MOCK_INTERVIEW: ("mock_interview", Visibility.STUDENT),
    AppointmentKind.CAREER_COUNSELING: ("career_counseling", Visibility.MENTORS),
    AppointmentKind.RESUME_REVIEW: ("resume_coaching", Visibility.STUDENT),
    AppointmentKind.PSYCHOLOGICAL_COUNSELING: ("psychological_counseling", Visibility.PRIVATE),
}


def _close_rows() -> Select:
    return (
        select(Booking.id, Booking.status, Booking.student_id, Slot.kind, Slot.starts_at,
               User.display_name.label("student_name"))
        .join(Slot, Slot.id == Booking.slot_id)
        .join(Student, Student.id == Booking.student_id)
        .join(User, User.id == Student.user_id)
    )


def to_close(host: User, *, now: datetime | None = None) -> list:
    """The host's appointments that have begun and wait for attendance or feedback, latest first
    (at most 50), as rows of what the host's page shows."""
    return db.session.execute(
        _close_rows()
        .where(Slot.host_id == host.id, Slot.starts_at <= (now or utcnow()),
               Booking.status.in_((BookingStatus.BOOKED, BookingStatus.ATTENDED)),
               # implied by the line above, but spelt as the one-booking-per-slot index's condition:
               # SQLite then finds each slot's booking by that index instead of scanning all bookings
               Booking.status != BookingStatus.CANCELLED,
               ~Booking.outcome.has())
        .order_by(Slot.starts_at.desc()).limit(50)
    ).all()


def close_row(booking_id: int):
    """One appointment as a row of the host's list of those to close (after a change to it)."""
    return db.session.execute(_close_rows().where(Booking.id == booking_id)).one()


def mark_attendance(booking: Booking, *, by: User, attended: bool, now: datetime | None = None) -> Booking:
    now = now or utcnow()
    slot = booking.slot
    if booking.status == BookingStatus.CANCELLED:
        raise RuleViolation(_("This booking was cancelled."), status=409)
    if booking.outcome is not None:
        raise RuleViolation(_("Feedback is recorded; attendance can no longer change."), status=409)
    if now < slot.starts_at:
        raise RuleViolation(_("You can mark attendance once the appointment has begun."), status=409)
    booking.status = BookingStatus.ATTENDED if attended else BookingStatus.NO_SHOW
    booking.attendance_marked_at = now
    if not attended:
        booking.no_show_excused = False
        notify(booking.student.user_id, NO_SHOW, link=link_for("appointments.mine"),
               dedupe_key=f"appointments.no_show:{booking.id}", when=neutral_when(slot.starts_at))
    db.session.flush()
    return booking


def excuse_no_show(booking: Booking, *, by: User) -> Booking:
    """A no-show with a good reason no longer counts towards the booking pause."""
    if booking.status != BookingStatus.NO_SHOW:
        raise RuleViolation(_("Only a missed appointment can be excused."), status=409)
    booking.no_show_excused = True
    db.session.flush()
    audit.record(by, "appointments.no_show_excused", booking)
    return booking


def intervention_notes(scores: dict[str, int] | None, texts: list[str]) -> str | None:
    """The rich text an appointment's intervention keeps: the rubric's scores (of a mock interview),
    then what the host wrote as plain text, in the current language."""
    if not scores and not texts:
        return None
    rubric = [(str(RUBRIC_LABELS[name]), scores[name]) for name in RUBRIC] if scores else []
    # (the template itself, not render_template(): a record may be closed outside any request)
    template = current_app.jinja_env.get_template("appointments/intervention_notes.html")
    return template.render(rubric=rubric, paragraphs=[plain_to_html(text) for text in texts]).strip()


def record_outcome(booking: Booking, *, by: User, scores: dict[str, int | None] | None = None,
                   comments: str | None = None, notes: str | None = None, now: datetime | None = None) -> Outcome:
    """Close an attended appointment.

    - mock interview: the five rubric scores (1-5) and comments, shown to the student;
    - career counseling and resume review: comments for the student, notes for the mentors;
    - psychological counseling: only that it took place is visible; the notes go to an intervention
      that is private to the counselor, and nowhere else.
    Every kind logs an intervention (source "booking") in the student's record.
    """
    now = now or utcnow()
    slot = booking.slot
    comments = (comments or "").strip() or None
    notes = (notes or "").strip() or None
    if booking.outcome is not None:
        raise RuleViolation(_("Feedback for this appointment was already recorded."), status=409)
    if booking.status == BookingStatus.BOOKED and now >= slot.starts_at:
        mark_attendance(booking, by=by, attended=True, now=now)
    if booking.status != BookingStatus.ATTENDED:
        raise RuleViolation(_("Feedback is recorded for appointments the student attended."), status=409)
    scores = {name: (scores or {}).get(name) for name in RUBRIC}
    psychological = slot.kind == AppointmentKind.PSYCHOLOGICAL_COUNSELING
    mock_interview = slot.kind == AppointmentKind.MOCK_INTERVIEW
    if mock_interview:
        for name, value in scores.items():
            if value is None or not 1 <= int(value) <= 5:
                raise RuleViolation(_("Give every rubric criterion a score from 1 to 5."), field=name)
    else:
        scores = {name: None for name in RUBRIC}
    if comments and len(comments) > 5000:
        raise RuleViolation(_("Comments are limited to 5,000 characters."), field="comments")
    if psychological:
        comments = None  # nothing a counselor writes is kept where anyone else could read it

    type_, visibility = INTERVENTION_TYPES[slot.kind]
    body = intervention_notes(scores if mock_interview else None, [text for text in (comments, notes) if text])
    intervention = log_intervention(
        booking.student_id, author=by, type=type_, channel="online" if slot.online_link else "in_person",
        occurred_at=slot.starts_at, duration_minutes=slot.duration_minutes, notes=body, visibility=visibility,
        source="booking", source_id=booking.id,
    )
    outcome = Outcome(booking_id=booking.id, author_id=by.id, comments=comments, intervention_id=intervention.id,
                      created_at=now, **{name: (int(v) if v is not None else None) for name, v in scores.items()})
    db.session.add(outcome)
    db.session.flush()
    booking.outcome = outcome
    if not psychological:
        notify(booking.student.user_id, FEEDBACK, link=link_for("appointments.booking", booking_id=booking.id),
               host=by.display_name, when=neutral_when(slot.starts_at))
    return outcome
