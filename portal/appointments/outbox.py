"""What the appointments feature tells people: e-mail queued by the rules and sent only once the
commit succeeded, and the links and times that notifications and mails carry."""
from __future__ import annotations

import os
from datetime import datetime

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale, format_datetime
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.appointments.labels import kind_label
from portal.clock import local_zone
from portal.extensions import db
from portal.i18n import gettext as _
from portal.mail import send_mail

KEY = "appointments.outbox"


def recipient_locale(user) -> str:
    return getattr(user, "locale", None) or current_app.config["BABEL_DEFAULT_LOCALE"]


def queue(user, compose, *, attachments=None) -> None:
    """Queue a message to a user. `compose()` returns (subject, body) and is called in the
    recipient's language; nothing is sent if the transaction rolls back."""
    if user is None or not getattr(user, "email", None):
        return
    with force_locale(recipient_locale(user)):
        subject, body = compose()
        subject, body = str(subject), str(body)
    db.session.info.setdefault(KEY, []).append((user.email, subject, body, attachments or []))


@event.listens_for(Session, "after_commit")
def _send_queued(session) -> None:
    pending = session.info.pop(KEY, None)
    for to, subject, body, attachments in pending or ():
        try:
            send_mail(to, subject, body, attachments=attachments)
        except Exception:  # the data is committed; a mail server hiccup must not turn it into an error page
            current_app.logger.exception("could not send appointment mail to %s", to)


@event.listens_for(Session, "after_rollback")
def _drop_queued(session) -> None:
    session.info.pop(KEY, None)


def link_for(endpoint: str, **values) -> str:
    """A link for a notification, a mail or the archive; outside a request (the CLI) the path is enough."""
    if has_request_context():
        return url_for(endpoint, **values)
    external = values.pop("_external", False)
    with current_app.test_request_context():
        path = url_for(endpoint, **values)
    base = current_app.config.get("PORTAL_URL") or os.environ.get("PORTAL_URL", "")
    return base.rstrip("/") + path if external else path


def neutral_when(value: datetime) -> str:
    """A time for texts stored once and read in any language: local wall time and the zone's name."""
    zone = local_zone()
    return f"{value.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})"


def when_text(value: datetime) -> str:
    """A time in the current language with its zone, as the |datetime filter shows it."""
    return format_datetime(value, "yyyy-MM-dd HH:mm zzzz")


def booking_mail_body(booking, slot, *, intro: str) -> str:
    """The body of the mails about one booking (confirmation, reminder), in the current language."""
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
