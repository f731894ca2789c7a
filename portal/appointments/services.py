"""The appointments feature's operations for other packages (the archive, seeds, tests), so that
they need not know its modules: hosts, slots, booking, attendance, campaigns, calendar, reminders.
The feature's own code imports those modules directly."""
from __future__ import annotations

from portal.appointments.attendance import excuse_no_show, mark_attendance, record_outcome
from portal.appointments.booking import book, booking_pause, cancel_booking, next_appointments, no_show_counts, reschedule
from portal.appointments.calendar import booking_ics
from portal.appointments.campaigns import create_campaign, remind_campaign
from portal.appointments.hosts import host_kinds, set_counselor
from portal.appointments.outbox import link_for
from portal.appointments.reminders import send_reminders
from portal.appointments.slots import publish_slots, withdraw_slot

__all__ = [
    "book", "booking_ics", "booking_pause", "cancel_booking", "create_campaign", "excuse_no_show", "host_kinds",
    "link_for", "mark_attendance", "next_appointments", "no_show_counts", "publish_slots", "record_outcome",
    "remind_campaign", "reschedule", "send_reminders", "set_counselor", "withdraw_slot",
]
