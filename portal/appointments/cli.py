"""`flask reminders send`: the day-before reminders of appointments, for a scheduler to run."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.extensions import db

reminders_cli = AppGroup("reminders", help="Appointment reminders.")


@reminders_cli.command("send")
def reminders_send():
    """Remind students and hosts of tomorrow's appointments (portal and e-mail). Safe to run
    repeatedly: a booking is reminded once."""
    from portal.appointments import services

    count = services.send_reminders()
    db.session.commit()
    click.echo(f"Reminded {count} booking(s).")


commands = [reminders_cli]
