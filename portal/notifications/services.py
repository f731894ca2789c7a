"""Leaving notifications for users; each kind's text is registered by the feature that sends it."""
from __future__ import annotations

from flask import g, has_app_context
from sqlalchemy import func, select, update

from portal.extensions import db
from portal.models_base import utcnow
from portal.notifications.models import Notification

# kind -> lazily translated message with %(name)s placeholders
KINDS: dict[str, object] = {}


def kind(key: str, message) -> str:
    """Register a kind of notification with its (lazy) message; returns the key."""
    KINDS[key] = message
    return key


def notify(user_id: int, kind_key: str, *, link: str | None = None, dedupe_key: str | None = None, **params) -> Notification | None:
    """Leave a notification for a user. With a dedupe_key, the same notification is never left twice."""
    if kind_key not in KINDS:
        raise KeyError(f"unregistered notification kind {kind_key!r}")
    if dedupe_key is not None and db.session.scalar(select(Notification.id).where(Notification.dedupe_key == dedupe_key)):
        return None
    notification = Notification(user_id=user_id, kind=kind_key, params=params, link=link, dedupe_key=dedupe_key)
    if has_app_context():
        g.pop("unread_notifications", None)  # the reader's own badge may have changed
    db.session.add(notification)
    return notification


def text_of(notification: Notification) -> str:
    """The message in the reader's language."""
    message = KINDS.get(notification.kind)
    if message is None:
        return notification.kind
    try:
        return str(message) % notification.params  # str() of a lazy string translates it now
    except (KeyError, TypeError, ValueError):
        return str(message)


def unread_count_of(user_id):
    """The unread count as a column (user_id may be a column too): the sign-in check reads it in the
    same statement as the session, so no page spends a query on the navigation's badge."""
    return (select(func.count(Notification.id))
            .where(Notification.user_id == user_id, Notification.read_at.is_(None)).scalar_subquery())


def unread_count(user_id: int) -> int:
    return db.session.scalar(select(unread_count_of(user_id))) or 0


def recent(user_id: int, limit: int = 50) -> list[Notification]:
    return list(db.session.scalars(
        select(Notification).where(Notification.user_id == user_id).order_by(Notification.id.desc()).limit(limit)
    ))


def mark_all_read(user_id: int) -> int:
    g.pop("unread_notifications", None)  # the count read with the session is no longer true
    result = db.session.execute(
        update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None)).values(read_at=utcnow())
    )
    return result.rowcount or 0
