"""Mail leaves through the SMTP server the environment names (with TLS and a login when set), and
is printed to the console when no server is set, as in development."""
from __future__ import annotations

import pytest

from portal import mail


class FakeSMTP:
    sent: list = []

    def __init__(self, host, port, timeout):
        self.calls = [("connect", host, port)]
        FakeSMTP.sent.append(self.calls)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.calls.append(("quit",))

    def starttls(self):
        self.calls.append(("starttls",))

    def login(self, user, password):
        self.calls.append(("login", user, password))

    def send_message(self, message):
        self.calls.append(("send", message["To"], message["Subject"], message.get_body(("plain",)).get_content().strip(),
                           [part.get_filename() for part in message.iter_attachments()]))


@pytest.fixture
def production_mail(app, monkeypatch):
    FakeSMTP.sent = []
    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    monkeypatch.setitem(app.config, "TESTING", False)  # tests otherwise keep mail in a list


def test_mail_goes_through_the_configured_server(app, production_mail, monkeypatch):
    for key, value in {"MAIL_SERVER": "smtp.example.edu.cn", "MAIL_PORT": 587, "MAIL_USE_TLS": True,
                       "MAIL_USERNAME": "medpath", "MAIL_PASSWORD": "s3cret"}.items():
        monkeypatch.setitem(app.config, key, value)
    with app.app_context():
        mail.send_mail("student@example.edu.cn", "预约提醒", "明天 9:00 模拟面试",
                       attachments=[("invite.ics", "text/calendar", b"BEGIN:VCALENDAR")])
    assert FakeSMTP.sent == [[("connect", "smtp.example.edu.cn", 587), ("starttls",), ("login", "medpath", "s3cret"),
                              ("send", "student@example.edu.cn", "预约提醒", "明天 9:00 模拟面试", ["invite.ics"]),
                              ("quit",)]]


def test_without_a_server_mail_is_printed(app, production_mail, monkeypatch, capsys):
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    with app.app_context():
        mail.send_mail("mentor@example.edu.cn", "Booking cancelled", "The student cancelled.")
    printed = capsys.readouterr().out
    assert "mail to mentor@example.edu.cn: Booking cancelled" in printed and "The student cancelled." in printed
    assert FakeSMTP.sent == []
