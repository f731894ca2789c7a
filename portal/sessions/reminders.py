"""Reminders of group sessions starting within a day, in the portal and by e-mail (sent by the
`flask reminders send` command with the appointments' own)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, select

from portal.accounts.models import User
from portal.extensions import db
from portal.i18n import datetime_filter
from portal.i18n import gettext as _
from portal.models_base import utcnow
from portal.notifications import notify
from portal.notifications.models import Notification
from portal.sessions.models import GroupSession, Registration, RegistrationStatus, SessionStatus
from portal.sessions.notices import REMINDER, session_path
from portal.students.models import Student


@dataclass(frozen=True)
class SessionReminder:
    user_id: int
    email: str | None
    session_id: int
    title: str
    place: str
    starts_at: datetime
    dedupe_key: str

    @property
    def link(self) -> str:
        return session_path(self.session_id)


def due_session_reminders(*, now: datetime | None = None, within: timedelta = timedelta(hours=24)) -> list[SessionReminder]:
    """Reminders owed to registered students of published sessions starting within `within`, not
    yet sent. The dedupe key holds the start time: a session moved to a new time is reminded again."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Registration.id, Student.user_id, User.email, GroupSession.id, GroupSession.title,
               GroupSession.place, GroupSession.starts_at)
        .join(GroupSession, GroupSession.id == Registration.session_id)
        .join(Student, Student.id == Registration.student_id)
        .join(User, User.id == Student.user_id)
        .where(
            Registration.status == RegistrationStatus.REGISTERED,
            GroupSession.status == SessionStatus.PUBLISHED,
            and_(GroupSession.starts_at > now, GroupSession.starts_at <= now + within),
            User.active.is_(True),
        )
        .order_by(GroupSession.starts_at, Registration.id)
    ).all()
    due = [
        SessionReminder(user_id, email, session_id, title, place, starts_at,
                        f"sessions.reminder:{registration_id}:{starts_at:%Y%m%dT%H%M}")
        for registration_id, user_id, email, session_id, title, place, starts_at in rows
    ]
    if not due:
        return []
    sent = set(db.session.scalars(
        select(Notification.dedupe_key).where(Notification.dedupe_key.in_([r.dedupe_key for r in due]))
    ))
    return [r for r in due if r.dedupe_key not in sent]


def send_session_reminders(*, now: datetime | None = None) -> int:
    """Leave each due reminder in the portal and e-mail it; the caller commits. Sending twice
    sends nothing twice (the notification's dedupe key)."""
    from portal.mail import send_mail

    count = 0
    for reminder in due_session_reminders(now=now):
        if notify(reminder.user_id, REMINDER, link=reminder.link, dedupe_key=reminder.dedupe_key,
                  title=reminder.title, place=reminder.place) is None:
            continue
        db.session.flush()
        count += 1
        if reminder.email:
            send_mail(
                reminder.email,
                _("Reminder: %(title)s", title=reminder.title),
                _("Your group session %(title)s starts at %(when)s, at %(place)s.\n"
                  "If you cannot come, please cancel on the session page so that someone waiting can take your seat.",
                  title=reminder.title, when=datetime_filter(reminder.starts_at), place=reminder.place),
            )
    return count
