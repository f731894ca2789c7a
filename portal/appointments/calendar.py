"""Calendar files (iCalendar) of bookings: downloaded from the booking page, attached to mails."""
from __future__ import annotations

from datetime import timezone

from icalendar import Calendar, Event

from portal.appointments.labels import kind_label
from portal.appointments.models import Booking, BookingStatus


def booking_ics(booking: Booking, *, cancelled: bool | None = None) -> bytes:
    """An iCalendar file for one booking. Times are in UTC (no floating times); the UID is the
    booking's, so re-importing updates the same calendar entry; a cancellation carries STATUS:CANCELLED."""
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


def ics_attachment(booking: Booking, *, cancelled: bool = False) -> tuple[str, str, bytes]:
    """The booking's calendar file as a mail attachment (name, type, content)."""
    return ics_filename(booking), "text/calendar", booking_ics(booking, cancelled=cancelled)
