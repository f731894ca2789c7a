"""Command-line jobs: the recommendations batch and the deadline reminders."""
from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup

from portal.extensions import db

jobs_cli = AppGroup("jobs", help="Job postings: recommendations and reminders.")


@jobs_cli.command("recommend")
@click.option("--student", "student_nos", multiple=True, help="Only this student number (repeatable).")
def recommend(student_nos: tuple[str, ...]):
    """Recompute every student's recommendations against the open postings."""
    from sqlalchemy import select

    from portal.clock import local_today
    from portal.jobs import matching
    from portal.students.models import Student

    student_ids = None
    if student_nos:
        student_ids = list(db.session.scalars(select(Student.id).where(Student.student_no.in_(student_nos))))
        if len(student_ids) != len(set(student_nos)):
            raise click.ClickException("Unknown student number.")
    clock = time.perf_counter()
    result = matching.compute(student_ids=student_ids, today=local_today())
    db.session.commit()
    parts = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in result.seconds.items())
    click.echo(f"{result.recommendations} recommendations for {result.students} students "
               f"from {result.postings} open postings in {time.perf_counter() - clock:.2f} s ({parts}).")


@jobs_cli.command("remind-deadlines")
@click.option("--days", default=3, show_default=True, type=click.IntRange(0, 60),
              help="Remind of saved postings closing within this many days.")
def remind_deadlines(days: int):
    """Notify students of saved postings about to close (once per posting and student)."""
    from portal.jobs import tracking

    with current_app.test_request_context("/"):
        count = tracking.remind_deadlines(days=days)
        db.session.commit()
    click.echo(f"{count} deadline reminders sent.")


commands = [jobs_cli]
