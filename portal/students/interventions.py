"""Interventions: each act of support logged for a student, its edits, and its follow-up."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import or_, select

from portal.clock import local_zone
from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.models_base import utcnow
from portal.sanitize import clean_html, plain_to_html
from portal.students.models import (
    Channel,
    Intervention,
    InterventionRevision,
    InterventionType,
    Student,
    Visibility,
)

def notes_html(text: str | None) -> str | None:
    """Notes as stored (an intervention's, a claim's evidence): rich text sanitised; plain text with
    line breaks becomes paragraphs first."""
    text = (text or "").strip()
    if not text:
        return None
    return (clean_html(text) if "<" in text else plain_to_html(text)) or None


EDITABLE_FIELDS = ("type", "channel", "occurred_at", "duration_minutes", "notes", "follow_up_on", "follow_up_done", "visibility")


def log_intervention(
    student: Student | int,
    *,
    author,
    type: str,
    channel: str = "in_person",
    occurred_at: datetime | None = None,
    duration_minutes: int | None = None,
    notes: str | None = None,
    follow_up_on: date | None = None,
    visibility: str | None = None,
    source: str | None = None,
    source_id: int | None = None,
) -> Intervention:
    """Record one act of support. Other features call this (resume coaching, mock interviews…).

    Psychological counseling is private to its author unless said otherwise.
    """
    if visibility is None:
        visibility = Visibility.PRIVATE if type == "psychological_counseling" else Visibility.MENTORS
    intervention = Intervention(
        student_id=student if isinstance(student, int) else student.id,
        author_id=getattr(author, "id", author),
        type=type,
        channel=channel,
        occurred_at=occurred_at or utcnow(),
        duration_minutes=duration_minutes,
        notes=clean_html(notes) if notes else None,
        follow_up_on=follow_up_on,
        visibility=visibility,
        source=source,
        source_id=source_id,
    )
    db.session.add(intervention)
    db.session.flush()
    return intervention


def edit_intervention(intervention: Intervention, *, editor, **changes) -> Intervention:
    """Change an intervention, keeping the fields as they were in a revision."""
    before = {}
    for name in EDITABLE_FIELDS:
        value = getattr(intervention, name)
        before[name] = value.isoformat() if isinstance(value, (date, datetime)) else value
    if "notes" in changes and changes["notes"]:
        changes["notes"] = clean_html(changes["notes"])
    changed = False
    for name, value in changes.items():
        if name not in EDITABLE_FIELDS:
            raise KeyError(name)
        if getattr(intervention, name) != value:
            setattr(intervention, name, value)
            changed = True
    if changed:
        db.session.add(InterventionRevision(intervention=intervention, edited_by_id=editor.id, before=before))
        db.session.flush()
    return intervention


def visible_interventions(student: Student | int, viewer, *, for_student: bool = False):
    """A select of the student's interventions this viewer may read, newest first.

    Private notes reach nobody but their author, administrators included.
    """
    student_id = student if isinstance(student, int) else student.id
    stmt = select(Intervention).where(Intervention.student_id == student_id)
    if for_student:
        stmt = stmt.where(Intervention.visibility == Visibility.STUDENT)
    else:
        stmt = stmt.where(or_(Intervention.visibility != Visibility.PRIVATE, Intervention.author_id == viewer.id))
    return stmt.order_by(Intervention.occurred_at.desc(), Intervention.id.desc())


def intervention_values(
    *,
    type: str,
    channel: str,
    occurred_at: datetime,
    duration_minutes: int | None,
    notes: str | None,
    follow_up_on: date | None,
    visibility: str | None,
) -> dict:
    """Check an intervention's fields; returns them ready to store."""
    if type not in set(InterventionType):
        raise RuleViolation(_("Choose the kind of support."), field="type")
    if channel not in set(Channel):
        raise RuleViolation(_("Choose how you were in touch."), field="channel")
    if visibility not in (None, "") and visibility not in set(Visibility):
        raise RuleViolation(_("Choose who may read the notes."), field="visibility")
    if occurred_at > utcnow() + timedelta(days=1):
        raise RuleViolation(_("An intervention is logged once it has happened; the date is in the future."),
                            field="occurred_on")
    if duration_minutes is not None and not 0 < duration_minutes <= 24 * 60:
        raise RuleViolation(_("Give the duration in minutes, between 1 and 1440."), field="duration_minutes")
    if follow_up_on is not None and follow_up_on < occurred_at.astimezone(local_zone()).date():
        raise RuleViolation(_("The follow-up date is before the intervention."), field="follow_up_on")
    return dict(type=type, channel=channel, occurred_at=occurred_at, duration_minutes=duration_minutes,
                notes=notes_html(notes), follow_up_on=follow_up_on, visibility=visibility or None)


def complete_follow_up(intervention: Intervention, *, actor) -> Intervention:
    """Mark the follow-up done; kept as an edit so the history shows who closed it and when."""
    if not intervention.follow_up_done:
        edit_intervention(intervention, editor=actor, follow_up_done=True)
    return intervention
