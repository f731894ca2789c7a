"""Shortcuts for the appointment tests: publish slots and book them through the services."""
from __future__ import annotations

from datetime import datetime, timedelta

from portal.accounts.models import User
from portal.appointments import booking as booking_rules
from portal.appointments import slots as slot_rules
from portal.appointments.models import Booking, Slot
from portal.extensions import db
from portal.models_base import utcnow
from portal.students.models import Student


def at(hours: float, *, now: datetime | None = None) -> datetime:
    """A whole-minute UTC time `hours` from now."""
    value = (now or utcnow()) + timedelta(hours=hours)
    return value.replace(second=0, microsecond=0)


def publish(app, host, *, hours_ahead: float = 72, kind: str = "mock_interview", minutes: int = 60,
            weeks: int = 1, now: datetime | None = None, **options) -> list[int]:
    """Publish slots for a host (a detached User); returns the new slot ids, committed."""
    options.setdefault("location", "行政楼 302 就业指导室")
    with app.app_context():
        user = db.session.get(User, host.id)
        slots = slot_rules.publish_slots(user, kind=kind, starts_at=at(hours_ahead, now=now), duration_minutes=minutes,
                                       weeks=weeks, now=now, **options)
        db.session.commit()
        ids = [slot.id for slot in slots]
        db.session.remove()
    return ids


def publish_one(app, host, **kwargs) -> int:
    return publish(app, host, **kwargs)[0]


def book(app, slot_id: int, student, *, now: datetime | None = None, topic: str | None = None) -> int:
    """Book as the student (a detached Student); returns the booking id, committed."""
    with app.app_context():
        record = db.session.get(Student, student.id)
        booking = booking_rules.book(db.session.get(Slot, slot_id), record, by=db.session.get(User, record.user_id),
                                topic=topic, now=now)
        db.session.commit()
        booking_id = booking.id
        db.session.remove()
    return booking_id


def past_booking(app, host, student, *, days_ago: float = 2, kind: str = "mock_interview", **options) -> int:
    """A booking whose appointment began `days_ago` days ago (published and booked in the past)."""
    then = utcnow() - timedelta(days=days_ago + 5)
    slot_id = publish_one(app, host, hours_ahead=5 * 24, kind=kind, now=then, **options)
    return book(app, slot_id, student, now=then + timedelta(hours=1))


def booking_status(app, booking_id: int) -> str:
    with app.app_context():
        status = db.session.get(Booking, booking_id).status
        db.session.remove()
    return status


def outbox(app) -> list:
    return app.extensions.setdefault("mail_outbox", [])
