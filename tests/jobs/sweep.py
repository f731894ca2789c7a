"""Who may reach the jobs pages: postings for everyone signed in; recommendations, reasons and
applications for the student, their mentors and admins; curation for mentors and admins."""
from portal.clock import local_today
from tests.sweep import only, per_role, signed_in

EXPECTATIONS = {
    "jobs.postings": ("GET", "/jobs/", signed_in()),
    "jobs.posting": ("GET", "/jobs/{posting_id}", signed_in()),
    "jobs.save": ("POST", "/jobs/{posting_id}/save", only("student", ok=303)),
    "jobs.unsave": ("POST", "/jobs/{posting_id}/unsave", only("student", ok=303)),
    "jobs.saved": ("GET", "/jobs/saved", only("student")),
    "jobs.recommendations": ("GET", "/jobs/recommendations", only("student")),
    "jobs.refresh": ("POST", "/jobs/recommendations/refresh", only("student", ok=303)),
    # an empty form lacks the reason: the student is sent back with the message
    "jobs.dismiss": ("POST", "/jobs/recommendations/{posting_id}/dismiss", only("student", ok=303)),
    "jobs.licences": ("GET", "/jobs/licences", only("student")),
    "jobs.licence_delete": ("POST", "/jobs/licences/{licence_id}/delete", only("student", ok=303)),
    "jobs.applications": ("GET", "/jobs/applications", only("student")),
    "jobs.application_new": ("POST", "/jobs/applications", only("student", ok=400)),
    "jobs.apply": ("POST", "/jobs/{posting_id}/apply", only("student", ok=303)),
    "jobs.application": ("GET", "/jobs/applications/{application_id}",
                         per_role(student=200, mentor=200, alumni=403, admin=200)),
    "jobs.application_stage": ("POST", "/jobs/applications/{application_id}/stage", only("student", ok=400)),
    "jobs.caseload": ("GET", "/jobs/caseload", only("mentor", "admin")),
    "jobs.student": ("GET", "/jobs/students/{student_id}", per_role(student=200, mentor=200, alumni=403, admin=200)),
    # an empty form names no student
    "jobs.refer": ("POST", "/jobs/{posting_id}/refer", per_role(student=403, mentor=400, alumni=403, admin=400)),
    "jobs.manage": ("GET", "/jobs/manage", only("mentor", "admin")),
    "jobs.posting_new": ("GET", "/jobs/manage/new", only("mentor", "admin")),
    "jobs.posting_edit": ("GET", "/jobs/manage/{draft_posting_id}/edit", only("admin")),
    "jobs.posting_status": ("POST", "/jobs/manage/{draft_posting_id}/status", only("admin", ok=303)),
    "jobs.import_upload": ("GET", "/jobs/manage/import", only("admin")),
    "jobs.import_confirm": ("POST", "/jobs/manage/import/{import_id}/confirm", only("admin", ok=303)),
    "jobs.import_template": ("GET", "/jobs/manage/template.xlsx", only("admin")),
    "jobs.export": ("GET", "/jobs/manage/export.xlsx", only("mentor", "admin")),
    "jobs.quality": ("GET", "/jobs/manage/quality", only("admin")),
}


def objects(app, users, other):
    from datetime import timedelta

    from portal.extensions import db
    from portal.jobs import imports, postings, tracking
    from portal.jobs.models import PostingImport, StudentLicence
    from portal.students.models import Student
    from tests.sweep import assign_mentor

    with app.test_request_context():
        admin = db.session.merge(users["admin"])
        student = db.session.get(Student, users["student_record"].id)
        assign_mentor(student.id, users["mentor"].id)
        base = dict(employer="示例医院", unit_nature="public_health", province="河南", post_type="contract",
                    min_degree="bachelor", majors="临床医学", deadline=local_today() + timedelta(days=30))
        posting = postings.save_posting(None, {**base, "title": "住院医师", "status": "published"}, actor=admin)
        draft = postings.save_posting(None, {**base, "title": "草稿岗位", "status": "draft"}, actor=admin)
        application = tracking.apply(student, posting=posting, on=local_today())
        licence = StudentLicence(student_id=student.id, licence="nurse")
        upload = PostingImport(uploaded_by_id=admin.id, filename="t.xlsx", content=imports.template())
        db.session.add_all([licence, upload])
        db.session.commit()
        ids = dict(posting_id=posting.id, draft_posting_id=draft.id, application_id=application.id,
                   student_id=student.id, licence_id=licence.id, import_id=upload.id)
        db.session.remove()
    return ids
