"""The group-sessions feature's operations for other packages (the archive, seeds, reminders), so
that they need not know its modules: programme, registration, attendance, alumni, reminders.
The feature's own code imports those modules directly."""
from __future__ import annotations

from portal.sessions.alumni import profile_of, save_profile
from portal.sessions.attendance import rate, set_attendance
from portal.sessions.notices import PROPOSED, session_path
from portal.sessions.programme import approve, cancel_session, create_session, decline, update_session
from portal.sessions.registration import leave, register
from portal.sessions.reminders import due_session_reminders, send_session_reminders

__all__ = [
    "PROPOSED", "approve", "cancel_session", "create_session", "decline", "due_session_reminders", "leave",
    "profile_of", "rate", "register", "save_profile", "send_session_reminders", "session_path", "set_attendance",
    "update_session",
]
