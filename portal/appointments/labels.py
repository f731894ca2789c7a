"""Translatable names of appointment kinds, statuses and rubric criteria."""
from __future__ import annotations

from portal.appointments.models import AppointmentKind, BookingStatus, SlotStatus
from portal.i18n import lazy_gettext as _l

KIND_LABELS = {
    AppointmentKind.MOCK_INTERVIEW: _l("Mock interview"),
    AppointmentKind.CAREER_COUNSELING: _l("Career counseling"),
    AppointmentKind.PSYCHOLOGICAL_COUNSELING: _l("Psychological counseling"),
    AppointmentKind.RESUME_REVIEW: _l("Resume review"),
}

BOOKING_STATUS_LABELS = {
    BookingStatus.BOOKED: _l("Booked"),
    BookingStatus.ATTENDED: _l("Attended"),
    BookingStatus.NO_SHOW: _l("Did not come"),
    BookingStatus.CANCELLED: _l("Cancelled"),
}

SLOT_STATUS_LABELS = {
    SlotStatus.OPEN: _l("Open"),
    SlotStatus.WITHDRAWN: _l("Withdrawn"),
}

RUBRIC_LABELS = {
    "professional_knowledge": _l("Professional knowledge"),
    "clinical_reasoning": _l("Clinical reasoning"),
    "communication": _l("Communication"),
    "composure": _l("Composure"),
    "presentation": _l("Presentation"),
}


def kind_label(kind: str):
    return KIND_LABELS.get(kind, kind)


def booking_status_label(status: str):
    return BOOKING_STATUS_LABELS.get(status, status)
