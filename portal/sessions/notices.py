"""What the group-sessions feature tells people: its notification kinds, and the session page's
path they link to."""
from __future__ import annotations

from portal.i18n import lazy_gettext as _l
from portal.notifications import kind as notification_kind

PROMOTED = notification_kind(
    "sessions.promoted", _l("A seat opened up: you are now registered for %(title)s.")
)
PROPOSED = notification_kind(
    "sessions.proposed", _l("%(host)s proposed a session for your review: %(title)s.")
)
APPROVED = notification_kind(
    "sessions.approved", _l("Your proposed session %(title)s was approved and is open to students.")
)
DECLINED = notification_kind(
    "sessions.declined", _l("Your proposed session %(title)s was declined: %(reason)s")
)
CANCELLED = notification_kind(
    "sessions.cancelled", _l("The session %(title)s was cancelled: %(reason)s")
)
CHANGED = notification_kind(
    "sessions.changed", _l("The time or place of %(title)s has changed. Please check the session page.")
)
REMINDER = notification_kind(
    "sessions.reminder", _l("Reminder: %(title)s starts within a day, at %(place)s.")
)


def session_path(session_id: int) -> str:
    """The session page's path, for notifications (also written outside any request)."""
    return f"/sessions/{session_id}"
