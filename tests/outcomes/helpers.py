"""Shorthands for outcome tests: caseloads, verified hardship, destinations."""
from __future__ import annotations

from datetime import date

from portal.extensions import db
from portal.outcomes.models import Destination
from portal.students.models import HardshipClaim, MentorAssignment


def assign(app, mentor, student, kind: str = "primary") -> None:
    with app.app_context():
        db.session.add(MentorAssignment(student_id=student.id, mentor_id=mentor.id, kind=kind))
        db.session.commit()


def hardship(app, student, category: str = "poverty_alleviated", status: str = "verified") -> None:
    with app.app_context():
        db.session.add(HardshipClaim(student_id=student.id, category=category, source="government_list", status=status))
        db.session.commit()


def destination(app, student, category: str = "agreement", *, decided_on: date | None = date(2026, 5, 20),
                current: bool = True, **fields) -> int:
    """A destination row written directly (the services are tested on their own)."""
    values = dict(employer="遵义市第一人民医院" if category not in ("awaiting", "not_seeking_study", "not_seeking_other") else None,
                  source="mentor", verified=True)
    values.update(fields)
    with app.app_context():
        row = Destination(student_id=student.id, category=category, decided_on=decided_on, is_current=current, **values)
        db.session.add(row)
        db.session.commit()
        return row.id


def user_of(app, student):
    """The student's user account, loaded and detached, for signing in."""
    from portal.accounts.models import User

    with app.app_context():
        user = db.session.get(User, student.user_id)
        db.session.expunge(user)
        return user
