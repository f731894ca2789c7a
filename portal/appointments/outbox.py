"""E-mail that waits for the transaction: queued by services, sent only once the commit succeeded."""
from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.extensions import db
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
