"""Booking a slot, cancelling and rescheduling, and the pause of self-booking after missed
appointments.

A slot never holds two bookings: besides the checks here, a partial unique index on the slot's
booking `WHERE status <> 'cancelled'` (SQLite and PostgreSQL) refuses the second insert. Changes to
a slot's booking take the slot's row (slots.lock_slot) and, on PostgreSQL, the student's row, so
per-kind limits hold under double clicks too."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal import audit, settings
from portal.accounts.models import User
from portal.appointments import outbox
from portal.appointments.calendar import ics_attachment
from portal.appointments.labels import kind_label
from portal.appointments.models import Booking, BookingStatus, Slot, SlotStatus
from portal.appointments.outbox import booking_mail_body, link_for, neutral_when, when_text
from portal.appointments.slots import holding_booking, lock_slot
from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.i18n import ngettext
from portal.models_base import utcnow
from portal.notifications import kind as notification_kind
from portal.notifications import notify
from portal.students.access import caseload_student_ids
from portal.students.models import Student
from portal.students.services import NEXT_APPOINTMENT_PROVIDERS

# A student with this many unexcused no-shows can no longer book by themselves (0: never paused).
settings.declare("appointments.no_show_limit", 3)

BOOKED = notification_kind("appointments.booked", _l("%(student)s booked your slot on %(when)s."))
CANCELLED_BY_STUDENT = notification_kind(
    "appointments.cancelled_by_student", _l("%(student)s cancelled the appointment on %(when)s.")
)


def lock_student(student_id: int) -> None:
    """On PostgreSQL, one student's bookings change one request at a time (per-kind limits hold under
    double clicks); FOR NO KEY UPDATE does not block rows that merely reference the student. SQLite
    serialises all writers anyway."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Student.id).where(Student.id == student_id).with_for_update(key_share=True))


# --- missed appointments and the pause they bring ------------------------------------------------

def no_show_limit() -> int:
    return int(settings.get("appointments.no_show_limit") or 0)


def set_no_show_limit(limit: int, *, actor) -> None:
    """The office sets how many missed appointments pause a student's self-booking (0: never)."""
    if not 0 <= limit <= 20:
        raise RuleViolation(_("Choose a number from 0 to 20."))
    before = no_show_limit()
    settings.put("appointments.no_show_limit", limit, actor=actor)
    audit.record(actor, "appointments.no_show_limit_set", target_type="Setting", target_id="appointments.no_show_limit",
                 detail=f"{before} -> {limit}")


def _unexcused_no_shows():
    return (Booking.status == BookingStatus.NO_SHOW, Booking.no_show_excused.is_(False))


def no_show_counts(student_ids) -> dict[int, int]:
    """Unexcused no-shows per student, in one query."""
    ids = list(student_ids)
    if not ids:
        return {}
    return dict(db.session.execute(
        select(Booking.student_id, func.count(Booking.id))
        .where(Booking.student_id.in_(ids), *_unexcused_no_shows())
        .group_by(Booking.student_id)
    ).all())


def caseload_no_shows(mentor: User) -> list:
    """Caseload students with unexcused no-shows, most first, as rows (name, student_no, missed)."""
    missed = func.count(Booking.id).label("missed")
    return db.session.execute(
        select(User.display_name.label("name"), Student.student_no, missed)
        .join(Student, Student.id == Booking.student_id)
        .join(User, User.id == Student.user_id)
        .where(Booking.student_id.in_(caseload_student_ids(mentor)), *_unexcused_no_shows())
        .group_by(Student.id, User.display_name, Student.student_no)
        .order_by(missed.desc(), Student.student_no)
    ).all()


@dataclass(frozen=True)
class Pause:
    paused: bool
    count: int
    limit: int

    @property
    def message(self) -> str:
        return ngettext(
            "You missed %(num)d appointment without cancelling, so booking by yourself is paused. "
            "Please talk to your mentor, who can lift the pause.",
            "You missed %(num)d appointments without cancelling, so booking by yourself is paused. "
            "Please talk to your mentor, who can lift the pause.",
            self.count,
        )


def _pause(count: int) -> Pause:
    limit = no_show_limit()
    return Pause(paused=bool(limit) and count >= limit, count=count, limit=limit)


def booking_pause(student: Student | int) -> Pause:
    """Whether the student's self-booking is paused, with their count of missed appointments."""
    student_id = student if isinstance(student, int) else student.id
    return _pause(no_show_counts([student_id]).get(student_id, 0))


def booking_pause_of_user(user: User) -> Pause:
    """The same for a student's account, counted through their student record in one query (a
    student account without a record has missed nothing)."""
    return _pause(db.session.scalar(
        select(func.count(Booking.id)).join(Student, Student.id == Booking.student_id)
        .where(Student.user_id == user.id, *_unexcused_no_shows())
    ) or 0)


# --- booking, cancelling, rescheduling ------------------------------------------------------------

def book(slot: Slot, student: Student, *, by: User, topic: str | None = None, now: datetime | None = None,
         replacing: Booking | None = None) -> Booking:
    """Book a slot for a student. Refused when the slot is taken, closed, withdrawn, clashes with
    another of the student's appointments, or the student reached the host's limit for the kind."""
    now = now or utcnow()
    topic = (topic or "").strip()[:300] or None
    lock_student(student.id)
    lock_slot(slot.id)
    slot = db.session.scalar(
        select(Slot).options(joinedload(Slot.host)).where(Slot.id == slot.id).execution_options(populate_existing=True)
    )
    if slot.status != SlotStatus.OPEN:
        raise RuleViolation(_("The host has withdrawn this slot. Please choose another."), status=409)
    if slot.bookable_until <= now:
        raise RuleViolation(
            ngettext("Bookings for this slot closed %(num)d hour before it starts.",
                     "Bookings for this slot closed %(num)d hours before it starts.", slot.min_notice_hours)
            if slot.starts_at > now else _("This slot has already begun."),
            status=409,
        )
    if by.id == student.user_id:
        pause = booking_pause(student)
        if pause.paused:
            raise RuleViolation(pause.message, status=403)
    if holding_booking(slot.id) is not None:
        raise RuleViolation(_("Someone has just booked this slot. Please choose another."), status=409)
    active = (
        select(func.count(Booking.id)).join(Slot, Booking.slot_id == Slot.id)
        .where(Booking.student_id == student.id, Booking.status == BookingStatus.BOOKED,
               Slot.kind == slot.kind, Slot.starts_at > now)
    )
    if replacing is not None:
        active = active.where(Booking.id != replacing.id)
    count = db.session.scalar(active) or 0
    if count >= slot.max_active_per_student:
        raise RuleViolation(
            ngettext("You already have %(num)d upcoming booking of this kind, the most this host allows at once. "
                     "Cancel it or wait until it has taken place.",
                     "You already have %(num)d upcoming bookings of this kind, the most this host allows at once. "
                     "Cancel one or wait until they have taken place.", count),
            status=409,
        )
    clash = db.session.scalar(
        select(Slot.starts_at).join(Booking, Booking.slot_id == Slot.id).where(
            Booking.student_id == student.id, Booking.status == BookingStatus.BOOKED,
            Slot.starts_at < slot.ends_at, Slot.ends_at > slot.starts_at,
            *([Booking.id != replacing.id] if replacing is not None else []),
        ).limit(1)
    )
    if clash is not None:
        raise RuleViolation(
            _("You already have an appointment at %(when)s, which overlaps this slot.", when=when_text(clash)),
            status=409,
        )
    booking = Booking(slot_id=slot.id, student_id=student.id, status=BookingStatus.BOOKED, topic=topic,
                      booked_at=now, booked_by_id=by.id)
    db.session.add(booking)
    # worded before the insert: after a refused insert the transaction is dead until the caller rolls back
    taken = _("Someone has just booked this slot. Please choose another.")
    try:
        db.session.flush()
    except IntegrityError:
        # the unique index: another request booked the slot between our check and our insert
        raise RuleViolation(taken, status=409) from None
    booking.slot = slot
    student_user = db.session.get(User, student.user_id)
    notify(slot.host_id, BOOKED, link=link_for("appointments.booking", booking_id=booking.id),
           student=student_user.display_name, when=neutral_when(slot.starts_at))
    outbox.queue(student_user, lambda: (
        _("Booked: %(kind)s on %(when)s", kind=kind_label(slot.kind), when=when_text(slot.starts_at)),
        booking_mail_body(booking, slot, intro=_("Your booking is confirmed.")),
    ), attachments=[ics_attachment(booking)])
    return booking


def can_cancel(booking: Booking, *, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return booking.status == BookingStatus.BOOKED and now < booking.slot.cancellable_until


def cancel_booking(booking: Booking, *, by: User, now: datetime | None = None, notify_host: bool = True) -> Booking:
    """The student cancels, before the host's cancellation deadline."""
    now = now or utcnow()
    lock_student(booking.student_id)
    lock_slot(booking.slot_id)
    db.session.refresh(booking)
    slot = booking.slot
    if booking.status != BookingStatus.BOOKED:
        raise RuleViolation(_("This booking is no longer active."), status=409)
    if now >= slot.cancellable_until:
        raise RuleViolation(
            _("The cancellation deadline passed at %(when)s. Please contact %(host)s directly.",
              when=when_text(slot.cancellable_until), host=slot.host.display_name),
            status=409,
        )
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now
    booking.cancelled_by_id = by.id
    db.session.flush()
    if notify_host:
        _tell_host_of_cancellation(booking, slot)
    return booking


def _tell_host_of_cancellation(booking: Booking, slot: Slot) -> None:
    student_user = booking.student.user
    notify(slot.host_id, CANCELLED_BY_STUDENT, link=link_for("appointments.host_home"),
           student=student_user.display_name, when=neutral_when(slot.starts_at))
    outbox.queue(slot.host, lambda: (
        _("Cancelled: %(kind)s on %(when)s", kind=kind_label(slot.kind), when=when_text(slot.starts_at)),
        _("%(student)s cancelled the %(kind)s on %(when)s. The slot is open again for other students.",
          student=student_user.display_name, kind=kind_label(slot.kind), when=when_text(slot.starts_at)),
    ))


def reschedule(booking: Booking, new_slot: Slot, *, by: User, now: datetime | None = None) -> Booking:
    """Move a booking to another slot of the same kind: the new booking and the cancellation of the
    old one happen together or not at all (the caller rolls back on an error)."""
    now = now or utcnow()
    if new_slot.id == booking.slot_id:
        raise RuleViolation(_("Choose a different slot."), field="slot_id")
    if new_slot.kind != booking.slot.kind:
        raise RuleViolation(_("You can only move a booking to a slot of the same kind."), field="slot_id")
    old_slot = booking.slot
    cancel_booking(booking, by=by, now=now, notify_host=False)
    new_booking = book(new_slot, booking.student, by=by, topic=booking.topic, now=now, replacing=booking)
    booking.rescheduled_to_id = new_booking.id
    db.session.flush()
    _tell_host_of_cancellation(booking, old_slot)
    return new_booking


# --- what other features read -------------------------------------------------------------------

def next_appointments(student_ids, *, now: datetime | None = None) -> dict[int, datetime]:
    """Each student's next booked appointment (for the caseload page), in one query."""
    ids = list(student_ids)
    if not ids:
        return {}
    return dict(db.session.execute(
        select(Booking.student_id, func.min(Slot.starts_at)).join(Slot, Booking.slot_id == Slot.id)
        .where(Booking.student_id.in_(ids), Booking.status == BookingStatus.BOOKED, Slot.starts_at > (now or utcnow()))
        .group_by(Booking.student_id)
    ).all())


# the caseload page shows each student's next appointment
NEXT_APPOINTMENT_PROVIDERS.append(next_appointments)
