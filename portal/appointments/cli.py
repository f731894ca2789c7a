"""`flask reminders send`: the day-before reminders of appointments, for a scheduler to run."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.extensions import db

reminders_cli = AppGroup("reminders", help="Reminders of appointments and group sessions.")


@reminders_cli.command("send")
def reminders_send():
    """Remind students and hosts of tomorrow's appointments, and registered students of group
    sessions starting within a day (portal and e-mail). Safe to run repeatedly: each is reminded once."""
    from portal.appointments.reminders import send_reminders
    from portal.sessions.reminders import send_session_reminders

    count = send_reminders()
    db.session.commit()
    sessions = send_session_reminders()
    db.session.commit()
    click.echo(f"Reminded {count} booking(s) and {sessions} group-session registration(s).")


commands = [reminders_cli]
