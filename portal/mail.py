"""Sending e-mail: SMTP when MAIL_SERVER is set, the console otherwise, a list in tests."""
from __future__ import annotations

import smtplib
import sys
from email.message import EmailMessage

from flask import current_app


def send_mail(to: str, subject: str, body: str, *, attachments: list[tuple[str, str, bytes]] | None = None) -> None:
    """Send one plain-text message; attachments are (filename, mime type, bytes)."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    for filename, mime, data in attachments or []:
        maintype, _, subtype = mime.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)

    if config.get("TESTING"):
        current_app.extensions.setdefault("mail_outbox", []).append(message)
        return
    if not config.get("MAIL_SERVER"):
        print(f"--- mail to {to}: {subject}\n{body}\n---", file=sys.stdout, flush=True)
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)
