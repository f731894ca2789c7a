"""Caseloads: putting students on a mentor's caseload, one at a time or many at once."""
from __future__ import annotations

from sqlalchemy import delete, insert, select, update

from portal import audit
from portal.accounts.models import Role
from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.models_base import utcnow
from portal.students.models import AssignmentKind, MentorAssignment, Student


def assign(student: Student, mentor, *, kind: str = AssignmentKind.PRIMARY, actor=None) -> MentorAssignment:
    """Put the student on the mentor's caseload. A new primary mentor replaces the old primary."""
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
    row = db.session.scalar(
        select(MentorAssignment).where(MentorAssignment.student_id == student.id, MentorAssignment.mentor_id == mentor.id)
    )
    if row is not None:
        db.session.delete(row)
        audit.record(actor, "caseload.unassigned", student, detail=f"mentor={mentor.username}")


def _check_mentor(mentor, kind: str) -> None:
    if mentor is None or mentor.role != Role.MENTOR or not mentor.active:
        raise RuleViolation(_("Choose an active mentor."), field="mentor")
    if kind not in set(AssignmentKind):
        raise RuleViolation(_("Choose the kind of assignment."), field="kind")


def assign_mentor(student: Student, mentor, *, kind: str, actor) -> MentorAssignment:
    """Assign one student, checking the mentor is an active mentor and the kind is known."""
    _check_mentor(mentor, kind)
    return assign(student, mentor, kind=kind, actor=actor)


def bulk_assign(mentor, student_ids, *, kind: str = AssignmentKind.PRIMARY, actor=None) -> int:
    """Put many students on a mentor's caseload in a few statements; a new primary replaces the old one."""
    _check_mentor(mentor, kind)
    ids = sorted(set(int(i) for i in student_ids))
    if not ids:
        raise RuleViolation(_("No student was selected."), field="target")
    now = utcnow()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        if kind == AssignmentKind.PRIMARY:
            db.session.execute(
                delete(MentorAssignment)
                .where(MentorAssignment.student_id.in_(chunk), MentorAssignment.kind == AssignmentKind.PRIMARY,
                       MentorAssignment.mentor_id != mentor.id)
                .execution_options(synchronize_session=False)
            )
        db.session.execute(
            update(MentorAssignment)
            .where(MentorAssignment.student_id.in_(chunk), MentorAssignment.mentor_id == mentor.id)
            .values(kind=kind)
            .execution_options(synchronize_session=False)
        )
        existing = set(db.session.scalars(
            select(MentorAssignment.student_id).where(MentorAssignment.student_id.in_(chunk),
                                                      MentorAssignment.mentor_id == mentor.id)
        ))
        rows = [dict(student_id=sid, mentor_id=mentor.id, kind=kind, created_at=now, created_by_id=getattr(actor, "id", None))
                for sid in chunk if sid not in existing]
        if rows:
            db.session.execute(insert(MentorAssignment), rows)
    db.session.expire_all()
    audit.record(actor, "caseload.bulk_assigned", mentor, detail=f"mentor={mentor.username} kind={kind} students={len(ids)}")
    return len(ids)
