"""Who may reach profiles, the ledger, caseloads, interventions and archives.

The sweep's student (users["student"]) has users["mentor"] as primary mentor, one claim and one
intervention logged by that mentor and shared with mentors.
"""
from tests.sweep import only, per_role

STAFF = ("mentor", "admin")

EXPECTATIONS = {
    # the student's own pages
    "students.my_profile": ("GET", "/me/profile", only("student")),
    "students.my_contact": ("POST", "/me/profile/contact", only("student", ok=302)),
    "students.my_intentions": ("POST", "/me/profile/intentions", only("student", ok=302)),
    "students.my_support": ("GET", "/me/support", only("student")),
    "students.my_archive": ("GET", "/me/archive", only("student")),
    "students.my_archive_download": ("GET", "/me/archive/download?format=json", only("student")),
    # a student's record: the student is sent to their own page, staff see it, nobody else
    "students.profile": ("GET", "/students/{student_id}", per_role(student=302, mentor=200, alumni=403, admin=200)),
    "students.archive_view": ("GET", "/students/{student_id}/archive", per_role(student=302, mentor=200, alumni=403, admin=200)),
    "students.edit": ("GET", "/students/{student_id}/edit", only(*STAFF)),
    # empty forms are refused by the form check for those the policy lets through
    "students.claim_new": ("POST", "/students/{student_id}/claims", only(*STAFF, ok=400)),
    "students.claim": ("GET", "/claims/{claim_id}", only(*STAFF)),
    "students.claim_verify": ("POST", "/claims/{claim_id}/verify", only(*STAFF, ok=400)),
    "students.claim_evidence": ("POST", "/claims/{claim_id}/evidence", only(*STAFF, ok=302)),
    "students.intervention_new": ("GET", "/students/{student_id}/interventions/new", only(*STAFF)),
    # shared with mentors: the author and the office read it, the student does not
    "students.intervention": ("GET", "/interventions/{intervention_id}", only(*STAFF)),
    # only the author edits
    "students.intervention_edit": ("GET", "/interventions/{intervention_id}/edit", only("mentor")),
    "students.intervention_done": ("POST", "/interventions/{intervention_id}/follow-up-done", only(*STAFF, ok=302)),
    # lists
    "students.ledger_page": ("GET", "/ledger", only(*STAFF)),
    "students.ledger_export": ("GET", "/ledger/export", only(*STAFF)),
    "students.caseload_page": ("GET", "/caseload", only("mentor")),
    "students.caseloads": ("GET", "/caseloads", only("admin")),
    "students.caseloads_assign": ("POST", "/caseloads/assign", only("admin", ok=400)),
    "students.caseload_settings": ("POST", "/caseloads/settings", only("admin", ok=400)),
    "students.assign_one": ("POST", "/students/{student_id}/mentors", only("admin", ok=400)),
    "students.unassign_one": ("POST", "/students/{student_id}/mentors/{mentor_id}/remove", only("admin", ok=302)),
    # the office's checklist
    "students.checklist": ("GET", "/ledger/checklist", only("admin")),
    "students.checklist_add": ("POST", "/ledger/checklist", only("admin", ok=400)),
    "students.checklist_update": ("POST", "/ledger/checklist/{checklist_item_id}", only("admin", ok=400)),
    "students.checklist_toggle": ("POST", "/ledger/checklist/{checklist_item_id}/toggle", only("admin", ok=302)),
    "students.checklist_move": ("POST", "/ledger/checklist/{checklist_item_id}/move?direction=down", only("admin", ok=302)),
}


def objects(app, users, other) -> dict:
    from portal.accounts.models import User
    from portal.extensions import db
    from portal.students import assignments, claims, interventions
    from portal.students.models import ChecklistItem, HardshipClaim, Student

    with app.test_request_context():
        student = db.session.get(Student, users["student_record"].id)
        mentor = db.session.get(User, users["mentor"].id)
        assignments.assign(student, mentor, actor=None)
        claim = HardshipClaim(student_id=student.id, category="low_income_guarantee", source="government_list")
        db.session.add(claim)
        from datetime import date

        intervention = interventions.log_intervention(student, author=mentor, type="talk", visibility="mentors",
                                                      notes="<p>谈话</p>", follow_up_on=date(2030, 1, 1))
        claims.ensure_default_checklist()
        db.session.flush()
        item = db.session.scalar(db.select(ChecklistItem).order_by(ChecklistItem.position))
        ids = {
            "student_id": student.id,
            "claim_id": claim.id,
            "intervention_id": intervention.id,
            "mentor_id": mentor.id,
            "checklist_item_id": item.id,
        }
        db.session.commit()
    return ids


from tests.students import sweep_imports as _imports  # noqa: E402

EXPECTATIONS.update(_imports.EXPECTATIONS)
_ledger_objects = objects


def objects(app, users, other):  # noqa: F811  (the ledger's objects, then the imports')
    return {**_ledger_objects(app, users, other), **_imports.objects(app, users, other)}
