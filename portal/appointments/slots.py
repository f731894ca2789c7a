"""Slots: hosts publish them (one, or weekly) and take them back; students find the open ones.

A host never has overlapping slots: every change to a host's slots first takes the host's lock row
(hosts.lock_host), then checks for overlaps. Changes to one slot's booking take the slot's own row
(lock_slot)."""
from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import urlsplit

from sqlalchemy import Select, and_, func, select, update
from sqlalchemy.orm import joinedload, selectinload

from portal.accounts.models import User
from portal.appointments import outbox
from portal.appointments.calendar import ics_attachment
from portal.appointments.hosts import host_kinds, lock_host
from portal.appointments.labels import kind_label
from portal.appointments.models import AppointmentKind, Booking, BookingStatus, Slot, SlotStatus
from portal.appointments.outbox import link_for, neutral_when, when_text
from portal.clock import local_zone
from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models_base import utcnow
from portal.notifications import kind as notification_kind
from portal.notifications import notify
from portal.students.models import Student

CANCELLED_BY_HOST = notification_kind(
    "appointments.cancelled_by_host", _l("%(host)s cancelled your appointment on %(when)s. Reason: %(reason)s")
)

MAX_WEEKS = 26
DURATIONS = (15, 20, 30, 45, 60, 90, 120)


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """A day on the office's clock as a UTC interval [start, end)."""
    zone = local_zone()
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


# --- publishing and withdrawing -----------------------------------------------------------------

def _valid_link(link: str) -> bool:
    parts = urlsplit(link)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def publish_slots(
    host: User,
    *,
    kind: str,
    starts_at: datetime,
    duration_minutes: int,
    weeks: int = 1,
    location: str | None = None,
    online_link: str | None = None,
    note: str | None = None,
    min_notice_hours: int = 24,
    cancel_deadline_hours: int = 12,
    max_active_per_student: int = 1,
    now: datetime | None = None,
) -> list[Slot]:
    """Publish one slot, or the same weekday and time for `weeks` weeks. All or nothing."""
    now = now or utcnow()
    location = (location or "").strip() or None
    online_link = (online_link or "").strip() or None
    note = (note or "").strip() or None
    if kind not in host_kinds(host):
        if kind == AppointmentKind.PSYCHOLOGICAL_COUNSELING:
            raise RuleViolation(
                _("Only mentors the office has marked as psychological counselors offer psychological counseling."),
                field="kind", status=403,
            )
        raise RuleViolation(_("You cannot offer this kind of appointment."), field="kind")
    if starts_at.tzinfo is None:
        raise RuleViolation(_("The start time needs a time zone."), field="start_time")
    if starts_at <= now:
        raise RuleViolation(_("The slot must start in the future."), field="start_date")
    if duration_minutes not in DURATIONS:
        raise RuleViolation(_("Choose one of the offered durations."), field="duration")
    if not 1 <= weeks <= MAX_WEEKS:
        raise RuleViolation(_("Repeat for 1 to %(max)d weeks.", max=MAX_WEEKS), field="weeks")
    if not location and not online_link:
        raise RuleViolation(_("Give a place or an online meeting link."), field="location")
    if online_link and not _valid_link(online_link):
        raise RuleViolation(_("The online link must start with http:// or https://."), field="online_link")
    if not 0 <= min_notice_hours <= 14 * 24:
        raise RuleViolation(_("The booking notice must be between 0 and 336 hours."), field="min_notice_hours")
    if not 0 <= cancel_deadline_hours <= 14 * 24:
        raise RuleViolation(_("The cancellation deadline must be between 0 and 336 hours."),
                            field="cancel_deadline_hours")
    if not 1 <= max_active_per_student <= 5:
        raise RuleViolation(_("A student may hold 1 to 5 bookings of a kind at once."),
                            field="max_active_per_student")

    zone = local_zone()
    local_start = starts_at.astimezone(zone).replace(tzinfo=None)
    duration = timedelta(minutes=duration_minutes)
    times = []
    for week in range(weeks):
        start = (local_start + timedelta(weeks=week)).replace(tzinfo=zone).astimezone(timezone.utc)
        times.append((start, start + duration))

    lock_host(host.id)
    clashes = db.session.scalars(
        select(Slot).where(
            Slot.host_id == host.id,
            Slot.status == SlotStatus.OPEN,
            Slot.starts_at < times[-1][1],
            Slot.ends_at > times[0][0],
        )
    ).all()
    for start, end in times:
        for other in clashes:
            if other.starts_at < end and other.ends_at > start:
                raise RuleViolation(
                    _("This overlaps your slot on %(when)s. A host cannot have two slots at the same time.",
                      when=when_text(other.starts_at)),
                    field="start_time", status=409,
                )
    series_key = secrets.token_hex(8) if weeks > 1 else None
    slots = [
        Slot(
            host_id=host.id, kind=kind, starts_at=start, ends_at=end, location=location, online_link=online_link,
            note=note, min_notice_hours=min_notice_hours, cancel_deadline_hours=cancel_deadline_hours,
            max_active_per_student=max_active_per_student,
            bookable_until=start - timedelta(hours=min_notice_hours),
            cancellable_until=start - timedelta(hours=cancel_deadline_hours),
            status=SlotStatus.OPEN, series_key=series_key, created_at=now,
        )
        for start, end in times
    ]
    db.session.add_all(slots)
    db.session.flush()
    return slots


def lock_slot(slot_id: int) -> None:
    """Serialise changes to one slot's bookings (a row lock on PostgreSQL, the writer lock on SQLite)."""
    db.session.execute(
        update(Slot).where(Slot.id == slot_id).values(status=Slot.status).execution_options(synchronize_session=False)
    )


def holding_booking(slot_id: int) -> Booking | None:
    """The booking that holds the slot (any but a cancelled one), read afresh."""
    return db.session.scalar(
        select(Booking).where(Booking.slot_id == slot_id, Booking.status != BookingStatus.CANCELLED)
        .execution_options(populate_existing=True)
    )


def withdraw_slot(slot: Slot, *, by: User, reason: str | None = None, now: datetime | None = None) -> Slot:
    """The host takes a slot back. A booking on it is cancelled, with a reason the student receives."""
    now = now or utcnow()
    reason = (reason or "").strip() or None
    lock_host(slot.host_id)
    lock_slot(slot.id)
    slot = db.session.scalar(select(Slot).where(Slot.id == slot.id).execution_options(populate_existing=True))
    if slot.status != SlotStatus.OPEN:
        raise RuleViolation(_("This slot was already withdrawn."), status=409)
    booking = holding_booking(slot.id)
    if booking is not None and booking.status != BookingStatus.BOOKED:
        raise RuleViolation(_("This appointment has taken place; it cannot be withdrawn."), status=409)
    if booking is not None:
        if slot.starts_at <= now:
            raise RuleViolation(_("This appointment has begun: mark attendance instead."), status=409)
        if not reason:
            raise RuleViolation(_("Tell the student why you cancel."), field="reason")
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = now
        booking.cancelled_by_id = by.id
        booking.cancel_reason = reason[:300]
        student_user = booking.student.user
        notify(student_user.id, CANCELLED_BY_HOST, link=link_for("appointments.slots", kind=slot.kind),
               host=by.display_name, when=neutral_when(slot.starts_at), reason=reason[:300])
        outbox.queue(student_user, lambda: (
            _("Your appointment on %(when)s was cancelled", when=when_text(slot.starts_at)),
            _("%(host)s cancelled your %(kind)s on %(when)s.\n\nReason: %(reason)s\n\n"
              "You can book another time in MedPath: %(link)s",
              host=by.display_name, kind=kind_label(slot.kind), when=when_text(slot.starts_at), reason=reason,
              link=link_for("appointments.slots", kind=slot.kind, _external=True)),
        ), attachments=[ics_attachment(booking, cancelled=True)])
    slot.status = SlotStatus.WITHDRAWN
    slot.withdrawn_at = now
    slot.withdraw_reason = reason and reason[:300]
    db.session.flush()
    return slot


def withdraw_series(host: User, series_key: str, *, now: datetime | None = None) -> tuple[int, int]:
    """Withdraw the future unbooked slots of a weekly series; booked ones stay. Returns (withdrawn, kept)."""
    now = now or utcnow()
    lock_host(host.id)
    slots = db.session.scalars(
        select(Slot).options(selectinload(Slot.active_booking)).where(
            Slot.host_id == host.id, Slot.series_key == series_key, Slot.status == SlotStatus.OPEN,
            Slot.starts_at > now,
        )
    ).all()
    withdrawn = kept = 0
    for slot in slots:
        if slot.active_booking is not None:
            kept += 1
            continue
        slot.status = SlotStatus.WITHDRAWN
        slot.withdrawn_at = now
        withdrawn += 1
    db.session.flush()
    return withdrawn, kept


# --- finding open slots ----------------------------------------------------------------------------

def _open(now: datetime) -> list:
    """The conditions of a slot a student can book now."""
    held = select(Booking.id).where(Booking.slot_id == Slot.id, Booking.status != BookingStatus.CANCELLED).exists()
    # starts_at > now is implied by bookable_until > now; it lets the index give the order
    return [Slot.status == SlotStatus.OPEN, Slot.starts_at > now, Slot.bookable_until > now, ~held]


def _filters(*, kind: str | None, host_id: int | None, day: date | None) -> list:
    conditions = []
    if kind:
        conditions.append(Slot.kind == kind)
    if host_id:
        conditions.append(Slot.host_id == host_id)
    if day:
        start, end = local_day_bounds(day)
        conditions += [Slot.starts_at >= start, Slot.starts_at < end]
    return conditions


def open_slots_stmt(*, now: datetime | None = None, kind: str | None = None, host_id: int | None = None,
                    day: date | None = None, exclude_slot_id: int | None = None) -> Select:
    """Slots a student can book now, soonest first, with their hosts loaded."""
    conditions = _open(now or utcnow()) + _filters(kind=kind, host_id=host_id, day=day)
    if exclude_slot_id:
        conditions.append(Slot.id != exclude_slot_id)
    return select(Slot).options(joinedload(Slot.host)).where(*conditions).order_by(Slot.starts_at, Slot.id)


def open_slot_rows(*, kind: str | None = None, host_id: int | None = None, day: date | None = None,
                   now: datetime | None = None) -> tuple[Select, Select]:
    """The open-slot list: the same slots as open_slots_stmt() in the same order, as rows of what the
    list shows (id, kind, starts_at, ends_at, location, online_link, host_name), and their count."""
    conditions = _open(now or utcnow()) + _filters(kind=kind, host_id=host_id, day=day)
    rows = (
        select(Slot.id, Slot.kind, Slot.starts_at, Slot.ends_at, Slot.location, Slot.online_link,
               User.display_name.label("host_name"))
        .join(User, User.id == Slot.host_id)
        .where(*conditions)
        .order_by(Slot.starts_at, Slot.id)
    )
    return rows, select(func.count()).select_from(Slot).where(*conditions)


def upcoming_of(host: User, *, now: datetime | None = None) -> tuple[Select, Select]:
    """The host's open slots still to come, soonest first, as rows of what the host's page shows
    (the booking holding a slot, if any, and its student's name), and their count."""
    now = now or utcnow()
    upcoming = (Slot.host_id == host.id, Slot.status == SlotStatus.OPEN, Slot.ends_at > now)
    rows = (
        select(Slot.id, Slot.kind, Slot.starts_at, Slot.ends_at, Slot.location, Slot.online_link, Slot.series_key,
               Booking.id.label("booking_id"), Booking.student_id, User.display_name.label("student_name"))
        # a slot holds at most one booking that is not cancelled (a unique index says so)
        .outerjoin(Booking, and_(Booking.slot_id == Slot.id, Booking.status != BookingStatus.CANCELLED))
        .outerjoin(Student, Student.id == Booking.student_id)
        .outerjoin(User, User.id == Student.user_id)
        .where(*upcoming)
        .order_by(Slot.starts_at)
    )
    return rows, select(func.count()).select_from(Slot).where(*upcoming)


def hosts_with_open_slots(*, now: datetime | None = None) -> list[tuple[int, str]]:
    """(id, name) of the hosts with a bookable slot, by name, for the host filter."""
    now = now or utcnow()
    hosting = select(Slot.host_id).where(Slot.status == SlotStatus.OPEN, Slot.starts_at > now, Slot.bookable_until > now)
    return [tuple(row) for row in db.session.execute(
        select(User.id, User.display_name).where(User.id.in_(hosting)).order_by(User.display_name)
    )]
