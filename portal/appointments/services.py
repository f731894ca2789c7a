"""The rules of one-to-one appointments: publishing slots, booking, cancelling, rescheduling,
attendance, outcomes, reminders and campaigns.

Two guarantees come from the database, not from Python checks alone:

- A slot never holds two bookings: a partial unique index on the slot's booking
  `WHERE status <> 'cancelled'` (SQLite and PostgreSQL) refuses the second insert.
- A host never has overlapping slots: every change to a host's slots first takes the host's
  lock row (`appointment_hosts`) with an UPDATE, then checks for overlaps. On PostgreSQL the
  UPDATE holds a row lock until commit, and under READ COMMITTED the overlap query that follows
  sees whatever the previous holder committed. On SQLite the UPDATE makes the transaction a
  writer, and SQLite admits one writer at a time, so the check and the insert run serialized
  (the same effect as BEGIN IMMEDIATE).
"""
from __future__ import annotations

import functools
import os
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for
from flask_babel import format_datetime
from markupsafe import escape
from sqlalchemy import and_, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from portal import audit, settings
from portal.accounts.models import Role, User
from portal.appointments import outbox
from portal.appointments.labels import RUBRIC_LABELS, kind_label
from portal.appointments.models import (
    RUBRIC,
    AppointmentKind,
    Booking,
    BookingStatus,
    Campaign,
    CampaignInvite,
    HostProfile,
    Outcome,
    Slot,
    SlotStatus,
)
from portal.extensions import db
from portal.rows import rows as plain_rows
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.i18n import ngettext
from portal.models_base import utcnow
from portal.notifications import kind as notification_kind
from portal.notifications import notify
from portal.students.models import Student, Visibility
from portal.students.services import caseload_student_ids, log_intervention

# A student with this many unexcused no-shows can no longer book by themselves (0: never paused).
settings.declare("appointments.no_show_limit", 3)

BOOKED = notification_kind("appointments.booked", _l("%(student)s booked your slot on %(when)s."))
CANCELLED_BY_STUDENT = notification_kind(
    "appointments.cancelled_by_student", _l("%(student)s cancelled the appointment on %(when)s.")
)
CANCELLED_BY_HOST = notification_kind(
    "appointments.cancelled_by_host", _l("%(host)s cancelled your appointment on %(when)s. Reason: %(reason)s")
)
NO_SHOW = notification_kind(
    "appointments.no_show", _l("You were marked as not attending the appointment on %(when)s.")
)
FEEDBACK = notification_kind("appointments.feedback", _l("%(host)s left feedback on your appointment of %(when)s."))
REMINDER = notification_kind("appointments.reminder", _l("Reminder: appointment on %(when)s at %(place)s."))
CAMPAIGN_INVITE = notification_kind("appointments.campaign_invite", _l("%(mentor)s invites you to book: %(title)s"))
CAMPAIGN_REMINDER = notification_kind(
    "appointments.campaign_reminder", _l("Reminder from %(mentor)s: you have not booked yet for %(title)s")
)

# alumni volunteers offer what mentors offer except psychological counseling (counselors only)
ALUMNI_KINDS = (AppointmentKind.MOCK_INTERVIEW, AppointmentKind.CAREER_COUNSELING, AppointmentKind.RESUME_REVIEW)
MENTOR_KINDS = (AppointmentKind.MOCK_INTERVIEW, AppointmentKind.CAREER_COUNSELING, AppointmentKind.RESUME_REVIEW)
MAX_WEEKS = 26
DURATIONS = (15, 20, 30, 45, 60, 90, 120)


class AppointmentError(ValueError):
    """A rule was broken; the message is translated and safe to show."""

    def __init__(self, message: str, *, status: int = 400, field: str | None = None):
        super().__init__(message)
        self.status = status
        self.field = field


# --- time -------------------------------------------------------------------------------

from portal.clock import local_to_utc  # noqa: E402,F401
from portal.clock import local_zone as zone  # noqa: E402


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=zone())
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone())
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def neutral_when(value: datetime) -> str:
    """A time for texts stored once and read in any language: local wall time and the zone's name."""
    local = value.astimezone(zone())
    return f"{local:%Y-%m-%d %H:%M} ({zone().key})"


def when_text(value: datetime) -> str:
    """A time in the current language with its zone, as the |datetime filter shows it."""
    return format_datetime(value, "yyyy-MM-dd HH:mm zzzz")


# --- hosts ------------------------------------------------------------------------------

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
    """Take the host's lock row until the transaction ends (see the module's docstring)."""
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
        raise AppointmentError(_("Only mentors can be psychological counselors."))
    _upsert_host(user.id)
    profile = db.session.get(HostProfile, user.id, populate_existing=True)
    profile.psychological_counselor = counselor
    profile.updated_at = utcnow()
    profile.updated_by_id = actor.id
    db.session.flush()
    audit.record(actor, "appointments.counselor_set", user, detail=f"counselor={counselor}")
    return profile


def no_show_limit() -> int:
    return int(settings.get("appointments.no_show_limit") or 0)


def set_no_show_limit(limit: int, *, actor) -> None:
    """The office sets how many missed appointments pause a student's self-booking (0: never)."""
    if not 0 <= limit <= 20:
        raise AppointmentError(_("Choose a number from 0 to 20."))
    before = no_show_limit()
    settings.put("appointments.no_show_limit", limit, actor=actor)
    audit.record(actor, "appointments.no_show_limit_set", target_type="Setting", target_id="appointments.no_show_limit",
                 detail=f"{before} -> {limit}")


def mentors_with_profiles() -> list[tuple[User, bool]]:
    rows = db.session.execute(
        select(User, HostProfile.psychological_counselor)
        .outerjoin(HostProfile, HostProfile.user_id == User.id)
        .where(User.role == Role.MENTOR)
        .order_by(User.username)
    ).all()
    return [(user, bool(flag)) for user, flag in rows]


# --- publishing slots -------------------------------------------------------------------

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
            raise AppointmentError(
                _("Only mentors the office has marked as psychological counselors offer psychological counseling."),
                field="kind", status=403,
            )
        raise AppointmentError(_("You cannot offer this kind of appointment."), field="kind")
    if starts_at.tzinfo is None:
        raise AppointmentError(_("The start time needs a time zone."), field="start_time")
    if starts_at <= now:
        raise AppointmentError(_("The slot must start in the future."), field="start_date")
    if duration_minutes not in DURATIONS:
        raise AppointmentError(_("Choose one of the offered durations."), field="duration")
    if not 1 <= weeks <= MAX_WEEKS:
        raise AppointmentError(_("Repeat for 1 to %(max)d weeks.", max=MAX_WEEKS), field="weeks")
    if not location and not online_link:
        raise AppointmentError(_("Give a place or an online meeting link."), field="location")
    if online_link and not _valid_link(online_link):
        raise AppointmentError(_("The online link must start with http:// or https://."), field="online_link")
    if not 0 <= min_notice_hours <= 14 * 24:
        raise AppointmentError(_("The booking notice must be between 0 and 336 hours."), field="min_notice_hours")
    if not 0 <= cancel_deadline_hours <= 14 * 24:
        raise AppointmentError(_("The cancellation deadline must be between 0 and 336 hours."), field="cancel_deadline_hours")
    if not 1 <= max_active_per_student <= 5:
        raise AppointmentError(_("A student may hold 1 to 5 bookings of a kind at once."), field="max_active_per_student")

    local_start = starts_at.astimezone(zone()).replace(tzinfo=None)
    duration = timedelta(minutes=duration_minutes)
    times = []
    for week in range(weeks):
        start = (local_start + timedelta(weeks=week)).replace(tzinfo=zone()).astimezone(timezone.utc)
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
                raise AppointmentError(
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


def withdraw_slot(slot: Slot, *, by: User, reason: str | None = None, now: datetime | None = None) -> Slot:
    """The host takes a slot back. A booking on it is cancelled, with a reason the student receives."""
    now = now or utcnow()
    reason = (reason or "").strip() or None
    lock_host(slot.host_id)
    _lock_slot(slot.id)
    slot = db.session.scalar(select(Slot).where(Slot.id == slot.id).execution_options(populate_existing=True))
    if slot.status != SlotStatus.OPEN:
        raise AppointmentError(_("This slot was already withdrawn."), status=409)
    booking = _holding_booking(slot.id)
    if booking is not None and booking.status != BookingStatus.BOOKED:
        raise AppointmentError(_("This appointment has taken place; it cannot be withdrawn."), status=409)
    if booking is not None:
        if slot.starts_at <= now:
            raise AppointmentError(_("This appointment has begun: mark attendance instead."), status=409)
        if not reason:
            raise AppointmentError(_("Tell the student why you cancel."), field="reason")
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = now
        booking.cancelled_by_id = by.id
        booking.cancel_reason = reason[:300]
        student_user = booking.student.user
        when = neutral_when(slot.starts_at)
        notify(student_user.id, CANCELLED_BY_HOST, link=link_for("appointments.slots", kind=slot.kind),
               host=by.display_name, when=when, reason=reason[:300])
        outbox.queue(student_user, lambda: (
            _("Your appointment on %(when)s was cancelled", when=when_text(slot.starts_at)),
            _("%(host)s cancelled your %(kind)s on %(when)s.\n\nReason: %(reason)s\n\n"
              "You can book another time in MedPath: %(link)s",
              host=by.display_name, kind=kind_label(slot.kind), when=when_text(slot.starts_at), reason=reason,
              link=link_for("appointments.slots", kind=slot.kind, _external=True)),
        ), attachments=[_ics_attachment(booking, cancelled=True)])
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


# --- finding slots ------------------------------------------------------------------------

def _holding_exists():
    return select(Booking.id).where(Booking.slot_id == Slot.id, Booking.status != BookingStatus.CANCELLED).exists()


def open_slots_stmt(*, now: datetime | None = None, kind: str | None = None, host_id: int | None = None,
                    day: date | None = None, exclude_slot_id: int | None = None):
    """Slots a student can book now, soonest first, with their hosts loaded."""
    now = now or utcnow()
    stmt = (
        select(Slot)
        .options(joinedload(Slot.host))
        # starts_at > now is implied by bookable_until > now; it lets the index give the order
        .where(Slot.status == SlotStatus.OPEN, Slot.starts_at > now, Slot.bookable_until > now, ~_holding_exists())
        .order_by(Slot.starts_at, Slot.id)
    )
    if kind:
        stmt = stmt.where(Slot.kind == kind)
    if host_id:
        stmt = stmt.where(Slot.host_id == host_id)
    if day:
        start, end = local_day_bounds(day)
        stmt = stmt.where(Slot.starts_at >= start, Slot.starts_at < end)
    if exclude_slot_id:
        stmt = stmt.where(Slot.id != exclude_slot_id)
    return stmt


@functools.cache
def _open_slot_list_stmts(kind: bool, host: bool, day: bool):
    """The open-slot list's page and count statements for one combination of filters, built once:
    building them cost about as much as running them. Values are bound at execution (now, kind,
    host_id, day_start, day_end, limit, offset)."""
    now = bindparam("now")
    conditions = [Slot.status == SlotStatus.OPEN, Slot.starts_at > now, Slot.bookable_until > now,
                  ~_holding_exists()]
    if kind:
        conditions.append(Slot.kind == bindparam("kind"))
    if host:
        conditions.append(Slot.host_id == bindparam("host_id"))
    if day:
        conditions += [Slot.starts_at >= bindparam("day_start"), Slot.starts_at < bindparam("day_end")]
    rows = (
        select(Slot.id, Slot.kind, Slot.starts_at, Slot.ends_at, Slot.location, Slot.online_link,
               User.display_name.label("host_name"))
        .join(User, User.id == Slot.host_id)
        .where(*conditions)
        .order_by(Slot.starts_at, Slot.id)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
    count = select(func.count()).select_from(Slot).where(*conditions)
    return rows, count


def open_slot_list(*, kind: str | None = None, host_id: int | None = None, day: date | None = None,
                   limit: int, offset: int, now: datetime | None = None):
    """One page of open slots as plain rows (id, kind, starts_at, ends_at, location, online_link,
    host_name), the same slots as open_slots_stmt() in the same order, and their total."""
    rows, count = _open_slot_list_stmts(bool(kind), bool(host_id), bool(day))
    params = {"now": now or utcnow()}
    if kind:
        params["kind"] = kind
    if host_id:
        params["host_id"] = host_id
    if day:
        params["day_start"], params["day_end"] = local_day_bounds(day)
    items = db.session.execute(rows, {**params, "limit": limit, "offset": offset}).all()
    total = db.session.execute(count, params).scalar_one()
    return items, total


@functools.cache
def _hosts_with_open_slots_stmt():
    now = bindparam("now")
    return select(User.id, User.display_name).where(
        User.id.in_(select(Slot.host_id).where(Slot.status == SlotStatus.OPEN, Slot.starts_at > now,
                                               Slot.bookable_until > now))
    ).order_by(User.display_name)


def hosts_with_open_slots(*, now: datetime | None = None) -> list[tuple[int, str]]:
    """(id, name) of the hosts with a bookable slot, for the host filter."""
    return list(db.session.execute(_hosts_with_open_slots_stmt(), {"now": now or utcnow()}).all())


# --- booking ------------------------------------------------------------------------------

def _lock_slot(slot_id: int) -> None:
    """Serialise changes to one slot's bookings (a row lock on PostgreSQL, the writer lock on SQLite)."""
    db.session.execute(
        update(Slot).where(Slot.id == slot_id).values(status=Slot.status).execution_options(synchronize_session=False)
    )


def _lock_student(student_id: int) -> None:
    """On PostgreSQL, one student's bookings change one request at a time (per-kind limits hold under
    double clicks); FOR NO KEY UPDATE does not block rows that merely reference the student. SQLite
    serialises all writers anyway."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Student.id).where(Student.id == student_id).with_for_update(key_share=True))


def _holding_booking(slot_id: int) -> Booking | None:
    return db.session.scalar(
        select(Booking).where(Booking.slot_id == slot_id, Booking.status != BookingStatus.CANCELLED)
        .execution_options(populate_existing=True)
    )


def no_show_counts(student_ids) -> dict[int, int]:
    """Unexcused no-shows per student, in one query."""
    ids = list(student_ids)
    if not ids:
        return {}
    return dict(db.session.execute(_no_show_counts_stmt(), {"ids": ids}).all())


@functools.cache
def _no_show_counts_stmt():
    # built once: building it cost about as much as running it, on every page that shows a pause
    return (
        select(Booking.student_id, func.count(Booking.id))
        .where(Booking.student_id.in_(bindparam("ids", expanding=True)), Booking.status == BookingStatus.NO_SHOW,
               Booking.no_show_excused.is_(False))
        .group_by(Booking.student_id)
    )


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


def booking_pause(student: Student) -> Pause:
    return booking_pause_of(student.id)


def booking_pause_of(student_id: int) -> Pause:
    limit = no_show_limit()
    count = no_show_counts([student_id]).get(student_id, 0)
    return Pause(paused=bool(limit) and count >= limit, count=count, limit=limit)


def student_id_of_user(user_id: int) -> int | None:
    """The id of the user's student record (the open-slot list needs no more of it)."""
    return db.session.scalar(_student_id_stmt(), {"user_id": user_id})


@functools.cache
def _student_id_stmt():
    return select(Student.id).where(Student.user_id == bindparam("user_id"))


def book(slot: Slot, student: Student, *, by: User, topic: str | None = None, now: datetime | None = None,
         replacing: Booking | None = None) -> Booking:
    """Book a slot for a student. Refused when the slot is taken, closed, withdrawn, clashes with
    another of the student's appointments, or the student reached the host's limit for the kind."""
    now = now or utcnow()
    topic = (topic or "").strip()[:300] or None
    _lock_student(student.id)
    _lock_slot(slot.id)
    slot = db.session.scalar(
        select(Slot).options(joinedload(Slot.host)).where(Slot.id == slot.id).execution_options(populate_existing=True)
    )
    if slot.status != SlotStatus.OPEN:
        raise AppointmentError(_("The host has withdrawn this slot. Please choose another."), status=409)
    if slot.bookable_until <= now:
        raise AppointmentError(
            ngettext("Bookings for this slot closed %(num)d hour before it starts.",
                     "Bookings for this slot closed %(num)d hours before it starts.", slot.min_notice_hours)
            if slot.starts_at > now else _("This slot has already begun."),
            status=409,
        )
    if by.id == student.user_id:
        pause = booking_pause(student)
        if pause.paused:
            raise AppointmentError(pause.message, status=403)
    if _holding_booking(slot.id) is not None:
        raise AppointmentError(_("Someone has just booked this slot. Please choose another."), status=409)
    active = (
        select(func.count(Booking.id)).join(Slot, Booking.slot_id == Slot.id)
        .where(Booking.student_id == student.id, Booking.status == BookingStatus.BOOKED,
               Slot.kind == slot.kind, Slot.starts_at > now)
    )
    if replacing is not None:
        active = active.where(Booking.id != replacing.id)
    count = db.session.scalar(active) or 0
    if count >= slot.max_active_per_student:
        raise AppointmentError(
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
        raise AppointmentError(
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
        raise AppointmentError(taken, status=409) from None
    booking.slot = slot
    student_user = db.session.get(User, student.user_id)
    notify(slot.host_id, BOOKED, link=link_for("appointments.booking", booking_id=booking.id),
           student=student_user.display_name, when=neutral_when(slot.starts_at))
    outbox.queue(student_user, lambda: (
        _("Booked: %(kind)s on %(when)s", kind=kind_label(slot.kind), when=when_text(slot.starts_at)),
        _booking_mail_body(booking, slot, intro=_("Your booking is confirmed.")),
    ), attachments=[_ics_attachment(booking)])
    return booking


def _booking_mail_body(booking: Booking, slot: Slot, *, intro: str) -> str:
    place = slot.location or ""
    if slot.online_link:
        place = (place + "\n" if place else "") + slot.online_link
    return _(
        "%(intro)s\n\n%(kind)s with %(host)s\nWhen: %(when)s (%(minutes)d minutes)\nWhere: %(place)s\n\n"
        "Cancel before %(deadline)s if you cannot come: %(link)s\n"
        "The attached calendar file adds it to your calendar.",
        intro=intro, kind=kind_label(slot.kind), host=slot.host.display_name, when=when_text(slot.starts_at),
        minutes=slot.duration_minutes, place=place, deadline=when_text(slot.cancellable_until),
        link=link_for("appointments.booking", booking_id=booking.id, _external=True),
    )


def link_for(endpoint: str, **values) -> str:
    """A link for a notification, a mail or the archive; outside a request (the CLI) the path is enough."""
    if has_request_context():
        return url_for(endpoint, **values)
    external = values.pop("_external", False)
    with current_app.test_request_context():
        path = url_for(endpoint, **values)
    base = current_app.config.get("PORTAL_URL") or os.environ.get("PORTAL_URL", "")
    return base.rstrip("/") + path if external else path


def can_cancel(booking: Booking, *, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return booking.status == BookingStatus.BOOKED and now < booking.slot.cancellable_until


def cancel_booking(booking: Booking, *, by: User, now: datetime | None = None, notify_host: bool = True) -> Booking:
    """The student cancels, before the host's cancellation deadline."""
    now = now or utcnow()
    _lock_student(booking.student_id)
    _lock_slot(booking.slot_id)
    db.session.refresh(booking)
    slot = booking.slot
    if booking.status != BookingStatus.BOOKED:
        raise AppointmentError(_("This booking is no longer active."), status=409)
    if now >= slot.cancellable_until:
        raise AppointmentError(
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
        raise AppointmentError(_("Choose a different slot."), field="slot_id")
    if new_slot.kind != booking.slot.kind:
        raise AppointmentError(_("You can only move a booking to a slot of the same kind."), field="slot_id")
    old_slot = booking.slot
    cancel_booking(booking, by=by, now=now, notify_host=False)
    new_booking = book(new_slot, booking.student, by=by, topic=booking.topic, now=now, replacing=booking)
    booking.rescheduled_to_id = new_booking.id
    db.session.flush()
    _tell_host_of_cancellation(booking, old_slot)
    return new_booking


# --- after the appointment -------------------------------------------------------------------

def mark_attendance(booking: Booking, *, by: User, attended: bool, now: datetime | None = None) -> Booking:
    now = now or utcnow()
    slot = booking.slot
    if booking.status == BookingStatus.CANCELLED:
        raise AppointmentError(_("This booking was cancelled."), status=409)
    if booking.outcome is not None:
        raise AppointmentError(_("Feedback is recorded; attendance can no longer change."), status=409)
    if now < slot.starts_at:
        raise AppointmentError(_("You can mark attendance once the appointment has begun."), status=409)
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
        raise AppointmentError(_("Only a missed appointment can be excused."), status=409)
    booking.no_show_excused = True
    db.session.flush()
    audit.record(by, "appointments.no_show_excused", booking)
    return booking


INTERVENTION_TYPES = {
    AppointmentKind.MOCK_INTERVIEW: ("mock_interview", Visibility.STUDENT),
    AppointmentKind.CAREER_COUNSELING: ("career_counseling", Visibility.MENTORS),
    AppointmentKind.RESUME_REVIEW: ("resume_coaching", Visibility.STUDENT),
    AppointmentKind.PSYCHOLOGICAL_COUNSELING: ("psychological_counseling", Visibility.PRIVATE),
}


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
        raise AppointmentError(_("Feedback for this appointment was already recorded."), status=409)
    if booking.status == BookingStatus.BOOKED and now >= slot.starts_at:
        mark_attendance(booking, by=by, attended=True, now=now)
    if booking.status != BookingStatus.ATTENDED:
        raise AppointmentError(_("Feedback is recorded for appointments the student attended."), status=409)
    scores = {name: (scores or {}).get(name) for name in RUBRIC}
    psychological = slot.kind == AppointmentKind.PSYCHOLOGICAL_COUNSELING
    if slot.kind == AppointmentKind.MOCK_INTERVIEW:
        for name, value in scores.items():
            if value is None or not 1 <= int(value) <= 5:
                raise AppointmentError(_("Give every rubric criterion a score from 1 to 5."), field=name)
    else:
        scores = {name: None for name in RUBRIC}
    if comments and len(comments) > 5000:
        raise AppointmentError(_("Comments are limited to 5,000 characters."), field="comments")
    if psychological:
        comments = None  # nothing a counselor writes is kept where anyone else could read it

    type_, visibility = INTERVENTION_TYPES[slot.kind]
    if slot.kind == AppointmentKind.MOCK_INTERVIEW:
        lines = "".join(f"<li>{escape(str(RUBRIC_LABELS[n]))}: {scores[n]}/5</li>" for n in RUBRIC)
        body = f"<ul>{lines}</ul>" + (f"<p>{escape(comments)}</p>" if comments else "")
        if notes:
            body += f"<p>{escape(notes)}</p>"
    elif psychological:
        body = f"<p>{escape(notes)}</p>" if notes else None
    else:
        parts = [p for p in (comments, notes) if p]
        body = "".join(f"<p>{escape(p)}</p>" for p in parts) or None
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


# --- calendar files ---------------------------------------------------------------------

def booking_ics(booking: Booking, *, cancelled: bool | None = None) -> bytes:
    """An iCalendar file for one booking. Times are in UTC (no floating times); the UID is the
    booking's, so re-importing updates the same calendar entry; a cancellation carries STATUS:CANCELLED."""
    from icalendar import Calendar, Event

    slot = booking.slot
    if cancelled is None:
        cancelled = booking.status == BookingStatus.CANCELLED
    calendar = Calendar()
    calendar.add("prodid", "-//MedPath//Appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", f"booking-{booking.id}@medpath")
    event.add("dtstamp", booking.cancelled_at if cancelled and booking.cancelled_at else booking.booked_at)
    event.add("dtstart", slot.starts_at.astimezone(timezone.utc))
    event.add("dtend", slot.ends_at.astimezone(timezone.utc))
    event.add("summary", f"{kind_label(slot.kind)} · {slot.host.display_name}")
    if slot.location:
        event.add("location", slot.location)
    if slot.online_link:
        event.add("url", slot.online_link)
    description = [str(kind_label(slot.kind)), slot.host.display_name]
    if slot.online_link:
        description.append(slot.online_link)
    if slot.note:
        description.append(slot.note)
    event.add("description", "\n".join(description))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("sequence", 1 if cancelled else 0)
    calendar.add_component(event)
    return calendar.to_ical()


def ics_filename(booking: Booking) -> str:
    return f"medpath-booking-{booking.id}.ics"


def _ics_attachment(booking: Booking, *, cancelled: bool = False) -> tuple[str, str, bytes]:
    return ics_filename(booking), "text/calendar", booking_ics(booking, cancelled=cancelled)


# --- reminders ------------------------------------------------------------------------------

def send_reminders(*, now: datetime | None = None) -> int:
    """Remind students and hosts of the appointments of the next day (and of today's that no
    reminder reached yet), in the portal and by e-mail. A booking is claimed by setting
    `reminded_at` with a conditional UPDATE, so a second run, even a concurrent one, sends nothing
    twice; the notifications carry a dedupe key as well. Returns how many bookings were reminded."""
    now = now or utcnow()
    tomorrow = now.astimezone(zone()).date() + timedelta(days=1)
    until = local_day_bounds(tomorrow)[1]
    ids = db.session.scalars(
        select(Booking.id).join(Slot, Booking.slot_id == Slot.id).where(
            Booking.status == BookingStatus.BOOKED, Booking.reminded_at.is_(None),
            Slot.starts_at > now, Slot.starts_at < until,
        ).order_by(Slot.starts_at)
    ).all()
    sent = 0
    for booking_id in ids:
        claimed = db.session.execute(
            update(Booking).where(Booking.id == booking_id, Booking.reminded_at.is_(None))
            .values(reminded_at=now).execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            continue
        booking = db.session.scalar(
            select(Booking).options(
                joinedload(Booking.slot).joinedload(Slot.host), joinedload(Booking.student).joinedload(Student.user)
            ).where(Booking.id == booking_id)
        )
        slot = booking.slot
        place = slot.location or slot.online_link or ""
        for user in (booking.student.user, slot.host):
            notification = notify(
                user.id, REMINDER, link=link_for("appointments.booking", booking_id=booking.id),
                dedupe_key=f"appointments.reminder:{booking.id}:{user.id}",
                when=neutral_when(slot.starts_at), place=place,
            )
            if notification is None:
                continue
            outbox.queue(user, lambda: (
                _("Reminder: %(kind)s on %(when)s", kind=kind_label(slot.kind), when=when_text(slot.starts_at)),
                _booking_mail_body(booking, slot, intro=_("A reminder of your appointment.")),
            ), attachments=[_ics_attachment(booking)])
        sent += 1
    db.session.flush()
    return sent


# --- campaigns ------------------------------------------------------------------------------

GROUP_ALL = "all"
GROUP_WITHOUT = "without"  # no attended or upcoming booking of the kind yet


def caseload(mentor: User) -> list[Student]:
    return list(db.session.scalars(
        select(Student).options(joinedload(Student.user))
        .where(Student.id.in_(caseload_student_ids(mentor))).order_by(Student.student_no)
    ))


def students_with_kind(student_ids, kind: str) -> set[int]:
    """Those who attended, or hold an upcoming booking of, this kind."""
    ids = list(student_ids)
    if not ids:
        return set()
    return set(db.session.scalars(
        select(Booking.student_id).join(Slot, Booking.slot_id == Slot.id).where(
            Booking.student_id.in_(ids), Slot.kind == kind,
            Booking.status.in_((BookingStatus.BOOKED, BookingStatus.ATTENDED)),
        ).distinct()
    ))


def create_campaign(mentor: User, *, kind: str, title: str, message: str | None, student_ids, now: datetime | None = None) -> Campaign:
    now = now or utcnow()
    title = (title or "").strip()
    message = (message or "").strip() or None
    if kind not in {k.value for k in AppointmentKind}:
        raise AppointmentError(_("Choose a kind of appointment."), field="kind")
    if not title:
        raise AppointmentError(_("Give the campaign a title."), field="title")
    chosen = {int(i) for i in student_ids}
    if not chosen:
        raise AppointmentError(_("Choose at least one student."), field="students")
    mine = set(db.session.scalars(caseload_student_ids(mentor)))
    if not chosen <= mine:
        raise AppointmentError(_("Only students on your caseload can be invited."), field="students", status=403)
    campaign = Campaign(mentor_id=mentor.id, kind=kind, title=title[:120], message=message, created_at=now)
    db.session.add(campaign)
    db.session.flush()
    db.session.add_all(CampaignInvite(campaign_id=campaign.id, student_id=sid, invited_at=now) for sid in sorted(chosen))
    users = db.session.execute(
        select(User).join(Student, Student.user_id == User.id).where(Student.id.in_(chosen))
    ).scalars().all()
    link = link_for("appointments.slots", kind=kind)
    for user in users:
        notify(user.id, CAMPAIGN_INVITE, link=link, mentor=mentor.display_name, title=campaign.title)
        outbox.queue(user, lambda: (
            _("%(mentor)s invites you to book: %(title)s", mentor=mentor.display_name, title=campaign.title),
            _campaign_body(campaign, mentor),
        ))
    db.session.flush()
    return campaign


def _campaign_body(campaign: Campaign, mentor: User) -> str:
    text = _("%(mentor)s invites you to book a %(kind)s.", mentor=mentor.display_name, kind=kind_label(campaign.kind))
    if campaign.message:
        text += "\n\n" + campaign.message
    return text + "\n\n" + _("Open slots: %(link)s", link=link_for("appointments.slots", kind=campaign.kind, _external=True))


@dataclass
class InviteRow:
    invite: CampaignInvite
    student: Student
    booking: Booking | None
    no_shows: int


def campaign_rows(campaign: Campaign) -> list[InviteRow]:
    """Every invited student with the booking made since the invitation, if any (fixed queries)."""
    invites = db.session.scalars(
        select(CampaignInvite).options(joinedload(CampaignInvite.student).joinedload(Student.user))
        .where(CampaignInvite.campaign_id == campaign.id)
    ).all()
    ids = [invite.student_id for invite in invites]
    bookings: dict[int, Booking] = {}
    if ids:
        for booking in db.session.scalars(
            select(Booking).join(Slot, Booking.slot_id == Slot.id).options(joinedload(Booking.slot).joinedload(Slot.host))
            .where(Booking.student_id.in_(ids), Slot.kind == campaign.kind, Booking.booked_at >= campaign.created_at,
                   Booking.status != BookingStatus.CANCELLED)
            .order_by(Slot.starts_at)
        ):
            bookings.setdefault(booking.student_id, booking)
    no_shows = no_show_counts(ids)
    rows = [InviteRow(invite, invite.student, bookings.get(invite.student_id), no_shows.get(invite.student_id, 0))
            for invite in invites]
    rows.sort(key=lambda row: (row.booking is not None, row.student.student_no))
    return rows


def remind_campaign(campaign: Campaign, *, by: User, now: datetime | None = None) -> int:
    """Remind the invited students who have not booked; at most once a day each. Returns how many."""
    now = now or utcnow()
    today = now.astimezone(zone()).date().isoformat()
    link = link_for("appointments.slots", kind=campaign.kind)
    reminded = 0
    for row in campaign_rows(campaign):
        if row.booking is not None:
            continue
        user = row.student.user
        notification = notify(user.id, CAMPAIGN_REMINDER, link=link,
                              dedupe_key=f"appointments.campaign:{campaign.id}:{row.student.id}:{today}",
                              mentor=by.display_name, title=campaign.title)
        if notification is None:
            continue
        row.invite.reminded_at = now
        row.invite.reminder_count += 1
        outbox.queue(user, lambda: (
            _("Reminder from %(mentor)s: %(title)s", mentor=by.display_name, title=campaign.title),
            _campaign_body(campaign, by),
        ))
        reminded += 1
    campaign.last_reminded_at = now
    db.session.flush()
    return reminded


def campaigns_of(mentor: User) -> list[tuple[Campaign, int, int]]:
    """The mentor's campaigns with invited and booked counts (three queries, whatever their number)."""
    campaigns = db.session.scalars(
        select(Campaign).where(Campaign.mentor_id == mentor.id).order_by(Campaign.created_at.desc())
    ).all()
    if not campaigns:
        return []
    ids = [c.id for c in campaigns]
    invited = dict(db.session.execute(
        select(CampaignInvite.campaign_id, func.count(CampaignInvite.id))
        .where(CampaignInvite.campaign_id.in_(ids)).group_by(CampaignInvite.campaign_id)
    ).all())
    booked = dict(db.session.execute(
        select(CampaignInvite.campaign_id, func.count(func.distinct(CampaignInvite.student_id)))
        .join(Campaign, Campaign.id == CampaignInvite.campaign_id)
        .join(Booking, Booking.student_id == CampaignInvite.student_id)
        .join(Slot, and_(Slot.id == Booking.slot_id, Slot.kind == Campaign.kind))
        .where(CampaignInvite.campaign_id.in_(ids), Booking.booked_at >= Campaign.created_at,
               Booking.status != BookingStatus.CANCELLED)
        .group_by(CampaignInvite.campaign_id)
    ).all())
    return [(c, invited.get(c.id, 0), booked.get(c.id, 0)) for c in campaigns]


# --- what other features read -------------------------------------------------------------

@cache
def _next_appointments_stmt():
    # built once: constructing the statement cost more than running it on a page of 50 ids
    return (
        select(Booking.student_id, func.min(Slot.starts_at)).join(Slot, Booking.slot_id == Slot.id)
        .where(Booking.student_id.in_(bindparam("ids", expanding=True)), Booking.status == BookingStatus.BOOKED,
               Slot.starts_at > bindparam("now", type_=Slot.starts_at.type))
        .group_by(Booking.student_id)
    )


def next_appointments(student_ids, *, now: datetime | None = None) -> dict[int, datetime]:
    """Each student's next booked appointment (for the caseload page), in one query."""
    ids = list(student_ids)
    if not ids:
        return {}
    return dict(plain_rows(_next_appointments_stmt(), {"ids": ids, "now": now or utcnow()}))


@functools.cache
def _caseload_no_show_stmts():
    # built once: building them cost about as much as running them, on every mentor's host page
    counting = (
        select(Booking.student_id, func.count(Booking.id))
        .where(Booking.student_id.in_(caseload_student_ids(_MentorParam)), Booking.status == BookingStatus.NO_SHOW,
               Booking.no_show_excused.is_(False))
        .group_by(Booking.student_id)
    )
    loading = select(Student).options(joinedload(Student.user)).where(
        Student.id.in_(bindparam("ids", expanding=True)))
    return counting, loading


class _MentorParam:
    """Stands in for a mentor in caseload_student_ids(): its id is bound when the statement runs."""
    id = bindparam("mentor_id")


def caseload_no_shows(mentor: User) -> list[tuple[Student, int]]:
    """Caseload students with unexcused no-shows, most first."""
    counting, loading = _caseload_no_show_stmts()
    counts = dict(db.session.execute(counting, {"mentor_id": mentor.id}).all())
    if not counts:
        return []
    students = db.session.scalars(loading, {"ids": list(counts)}).all()
    return sorted(((s, counts[s.id]) for s in students), key=lambda pair: (-pair[1], pair[0].student_no))


# the caseload page shows each student's next appointment
from portal.students.services import NEXT_APPOINTMENT_PROVIDERS  # noqa: E402

NEXT_APPOINTMENT_PROVIDERS.append(next_appointments)
