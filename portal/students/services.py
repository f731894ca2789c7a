"""Rules about students: who their mentors are, national ID hashing, and logging interventions."""
from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date, datetime

from flask import current_app
from sqlalchemy import exists, select

from portal.extensions import db
from portal.models_base import utcnow
from portal.sanitize import clean_html
from portal.students.models import (
    AssignmentKind,
    Intervention,
    InterventionRevision,
    MentorAssignment,
    Student,
    Visibility,
)

NATIONAL_ID = re.compile(r"^\d{17}[\dX]$")


class StudentError(ValueError):
    """A rule was broken; the message is translated and safe to show."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- mentors and caseloads ------------------------------------------------------------

def is_assigned_mentor(user, student: Student | int) -> bool:
    """True when the user is one of the student's assigned mentors."""
    student_id = student if isinstance(student, int) else student.id
    return bool(db.session.scalar(
        select(exists().where(MentorAssignment.student_id == student_id, MentorAssignment.mentor_id == user.id))
    ))


def mentor_ids_of(student: Student | int) -> list[int]:
    student_id = student if isinstance(student, int) else student.id
    return list(db.session.scalars(select(MentorAssignment.mentor_id).where(MentorAssignment.student_id == student_id)))


def caseload_student_ids(mentor) -> select:
    """A subquery of the ids of the students on the mentor's caseload (for scoping list queries)."""
    return select(MentorAssignment.student_id).where(MentorAssignment.mentor_id == mentor.id)


def student_of_user(user) -> Student | None:
    return db.session.scalar(select(Student).where(Student.user_id == user.id))


def assign(student: Student, mentor, *, kind: str = AssignmentKind.PRIMARY, actor=None) -> MentorAssignment:
    """Put the student on the mentor's caseload. A new primary mentor replaces the old primary."""
    from portal import audit

    existing = db.session.scalar(
        select(MentorAssignment).where(MentorAssignment.student_id == student.id, MentorAssignment.mentor_id == mentor.id)
    )
    if kind == AssignmentKind.PRIMARY:
        old_primary = db.session.scalar(
            select(MentorAssignment).where(
                MentorAssignment.student_id == student.id, MentorAssignment.kind == AssignmentKind.PRIMARY
            )
        )
        if old_primary is not None and old_primary is not existing:
            db.session.delete(old_primary)
            db.session.flush()
    if existing is not None:
        existing.kind = kind
        assignment = existing
    else:
        assignment = MentorAssignment(student_id=student.id, mentor_id=mentor.id, kind=kind,
                                      created_by_id=getattr(actor, "id", None))
        db.session.add(assignment)
    db.session.flush()
    audit.record(actor, "caseload.assigned", student, detail=f"mentor={mentor.username} kind={kind}")
    return assignment


def unassign(student: Student, mentor, *, actor=None) -> None:
    from portal import audit

    row = db.session.scalar(
        select(MentorAssignment).where(MentorAssignment.student_id == student.id, MentorAssignment.mentor_id == mentor.id)
    )
    if row is not None:
        db.session.delete(row)
        audit.record(actor, "caseload.unassigned", student, detail=f"mentor={mentor.username}")


# --- national ID numbers ---------------------------------------------------------------

def normalize_national_id(value: str) -> str | None:
    value = (value or "").strip().upper().replace(" ", "")
    return value if NATIONAL_ID.match(value) else None


def national_id_hash(value: str) -> str:
    """Keyed hash of a national ID number: lists can be matched, the number cannot be read back."""
    key = current_app.config["ID_HASH_KEY"].encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def mask_national_id(value: str) -> str:
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def set_national_id(student: Student, value: str) -> None:
    from flask_babel import gettext as _

    normalized = normalize_national_id(value)
    if normalized is None:
        raise StudentError(_("A national ID number has 18 characters: 17 digits and a digit or X."), field="national_id")
    student.national_id_hash = national_id_hash(normalized)
    student.national_id_masked = mask_national_id(normalized)


# --- interventions --------------------------------------------------------------------

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


EDITABLE_FIELDS = ("type", "channel", "occurred_at", "duration_minutes", "notes", "follow_up_on", "follow_up_done", "visibility")


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
