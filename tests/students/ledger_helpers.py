"""Small builders for the students feature's tests: assignments, claims and interventions as committed rows."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from portal.accounts.models import User
from portal.extensions import db
from portal.students.assignments import assign as assign_mentor
from portal.students.interventions import log_intervention
from portal.students.models import HardshipClaim, Student, Verification

EN = {"Accept-Language": "en"}
HX = {"HX-Request": "true", "Accept-Language": "en"}


def assign(app, student, mentor, kind="primary"):
    with app.test_request_context():
        assign_mentor(db.session.get(Student, student.id), db.session.get(User, mentor.id), kind=kind)
        db.session.commit()


def claim(app, student, category="low_income_guarantee", *, source="government_list", status="pending", level=None,
          evidence="<p>低保证明</p>", decided_by=None) -> int:
    with app.test_request_context():
        row = HardshipClaim(student_id=student.id, category=category, source=source, status=status, level=level,
                            evidence_notes=evidence)
        db.session.add(row)
        db.session.flush()
        if status != "pending" and decided_by is not None:
            now = datetime.now(timezone.utc)
            db.session.add(Verification(claim_id=row.id, checklist={"documents_checked": True}, decision=status,
                                        decided_by_id=decided_by.id, decided_at=now))
            row.decided_by_id, row.decided_at = decided_by.id, now
        db.session.commit()
        return row.id


def intervention(app, student, author, *, type="talk", visibility="mentors", notes="<p>谈话记录</p>", days_ago=1,
                 follow_up_on=None) -> int:
    with app.test_request_context():
        row = log_intervention(
            student.id, author=author.id, type=type, visibility=visibility, notes=notes,
            occurred_at=datetime.now(timezone.utc) - timedelta(days=days_ago), follow_up_on=follow_up_on,
        )
        db.session.commit()
        return row.id


def audit_actions(app) -> list[str]:
    from portal.audit.models import AuditLog

    with app.app_context():
        return list(db.session.scalars(db.select(AuditLog.action).order_by(AuditLog.id)))
