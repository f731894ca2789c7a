"""Opening one hardship claim or one intervention note leaves a row in the audit log, naming who
read what; the student reading their own note does not."""
from __future__ import annotations

from sqlalchemy import select

from portal.audit.models import AuditLog
from portal.extensions import db
from tests.students.ledger_helpers import assign, claim, intervention


def _rows(app, action):
    with app.app_context():
        return [(r.actor_id, r.target_type, r.target_id)
                for r in db.session.scalars(select(AuditLog).where(AuditLog.action == action))]


def test_reading_a_claim_or_a_note_is_recorded(app, client_as, users):
    student, mentor = users["student_record"], users["mentor"]
    assign(app, student, mentor)
    claim_id = claim(app, student, "orphan")
    note_id = intervention(app, student, mentor, visibility="student")
    client = client_as("mentor")
    assert client.get(f"/claims/{claim_id}").status_code == 200
    assert client.get(f"/interventions/{note_id}").status_code == 200
    assert _rows(app, "hardship_claim.viewed") == [(mentor.id, "HardshipClaim", str(claim_id))]
    assert _rows(app, "intervention.viewed") == [(mentor.id, "Intervention", str(note_id))]

    assert client_as("student").get(f"/interventions/{note_id}").status_code == 200
    assert len(_rows(app, "intervention.viewed")) == 1  # a student reading their own record is not a disclosure
