"""The day-before reminders of appointments, in the portal and by e-mail (run by `flask reminders send`)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from portal.appointments import outbox
from portal.appointments.calendar import ics_attachment
from portal.appointments.labels import kind_label
from portal.appointments.models import Booking, BookingStatus, Slot
from portal.appointments.outbox import booking_mail_body, link_for, neutral_when, when_text
from portal.appointments.slots import local_day_bounds
from portal.clock import local_zone
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models_base import utcnow
from portal.notifications import kind as notification_kind
from portal.notifications import notify
from portal.students.models import Student

REMINDER = notification_kind("appointments.reminder", _l("Reminder: appointment on %(when)s at %(place)s."))


def send_reminders(*, now: datetime | None = None) -> int:
    """Remind students and hosts of the appointments of the next day (and of today's that no
    reminder reached yet), in the portal and by e-mail. A booking is claimed by setting
    `reminded_at` with a conditional UPDATE, so a second run, even a concurrent one, sends nothing
    twice; the notifications carry a dedupe key as well. Returns how many bookings were reminded."""
    now = now or utcnow()
    tomorrow = now.astimezone(local_zone()).date() + timedelta(days=1)
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
                booking_mail_body(booking, slot, intro=_("A reminder of your appointment.")),
            ), attachments=[ics_attachment(booking)])
        sent += 1
    db.session.flush()
    return sent
