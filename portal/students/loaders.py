"""What the students pages share: loaders that answer 404 before anything else, and form errors."""
from __future__ import annotations

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.errors import RuleViolation
from portal.extensions import db
from portal.students.models import (
    HardshipClaim,
    Intervention,
    InterventionRevision,
    MentorAssignment,
    Student,
    Verification,
)


def get_student_or_404(student_id: int, *, with_mentors: bool = True) -> Student:
    """The student and their account; with their mentors unless the page does not show them."""
    stmt = select(Student).where(Student.id == student_id).options(joinedload(Student.user))
    if with_mentors:
        stmt = stmt.options(selectinload(Student.assignments).joinedload(MentorAssignment.mentor))
    student = db.session.scalar(stmt)
    if student is None:
        abort(404)
    return student


def get_claim_or_404(claim_id: int) -> HardshipClaim:
    claim = db.session.scalar(
        select(HardshipClaim).where(HardshipClaim.id == claim_id).options(
            joinedload(HardshipClaim.student).joinedload(Student.user),
            joinedload(HardshipClaim.created_by),
            selectinload(HardshipClaim.verifications).joinedload(Verification.decided_by),
        )
    )
    if claim is None:
        abort(404)
    return claim


def get_intervention_or_404(intervention_id: int) -> Intervention:
    intervention = db.session.scalar(
        select(Intervention).where(Intervention.id == intervention_id).options(
            joinedload(Intervention.student).joinedload(Student.user),
            joinedload(Intervention.author),
            selectinload(Intervention.revisions).joinedload(InterventionRevision.edited_by),
        )
    )
    if intervention is None:
        abort(404)
    return intervention


def form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def attach_error(form, error: RuleViolation, default: str) -> None:
    """Show a broken rule's message under the field it concerns (or under `default`)."""
    field = getattr(form, error.field or default, None) or getattr(form, default)
    field.errors = list(field.errors) + [str(error)]
