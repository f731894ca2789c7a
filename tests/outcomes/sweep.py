"""Who may reach destinations, follow-ups, surveys, feedback and the destination import."""
from tests.sweep import ALLOWED, assign_mentor, only, per_role


def objects(app, users, other):
    """The sweep student's destination, a measure they received, surveys and an import."""
    from portal.extensions import db
    from portal.outcomes.models import Destination, DestinationImport, Survey
    from portal.students.services import log_intervention

    student = users["student_record"]
    with app.app_context():
        assign_mentor(student.id, users["mentor"].id)
        destination = Destination(student_id=student.id, category="awaiting", source="student", is_current=True)
        intervention = log_intervention(student.id, author=users["mentor"], type="mock_interview", visibility="student")
        questions = [{"key": "q1", "kind": "rating", "text": "满意吗？", "options": []}]
        open_survey = Survey(title="满意度", questions=questions, status="open")
        draft = Survey(title="草稿", questions=questions, status="draft")
        record = DestinationImport(filename="d.xlsx", sha256="0" * 64, rows=[], errors=[], row_count=0)
        db.session.add_all([destination, open_survey, draft, record])
        db.session.commit()
        return {
            "student_id": student.id, "destination_id": destination.id, "measure_id": intervention.id,
            "survey_id": open_survey.id, "draft_survey_id": draft.id, "import_id": record.id,
        }


STAFF = only("mentor", "admin")
ADMIN = only("admin")

# a student reads the destination on their record, and reports it from their own page
POSTS = {
    "outcomes.student_destination": per_role(student=403, mentor=ALLOWED, alumni=403, admin=ALLOWED),
}

EXPECTATIONS = {
    "outcomes.me": ("GET", "/outcomes/me", only("student")),
    "outcomes.report_destination": ("GET", "/outcomes/me/destination", only("student")),
    "outcomes.give_feedback": ("GET", "/outcomes/feedback/intervention/{measure_id}", only("student")),
    "outcomes.answer_survey": ("GET", "/outcomes/surveys/{survey_id}/answer", only("student")),
    "outcomes.student_destination": ("GET", "/outcomes/students/{student_id}/destination",
                                     per_role(student=200, mentor=200, alumni=403, admin=200)),
    "outcomes.verify_destination": ("POST", "/outcomes/destinations/{destination_id}/verify", only("mentor", "admin", ok=302)),
    "outcomes.destinations": ("GET", "/outcomes/destinations", STAFF),
    "outcomes.follow_ups": ("GET", "/outcomes/follow-ups", STAFF),
    "outcomes.log_follow_up": ("GET", "/outcomes/follow-ups/{student_id}", STAFF),
    "outcomes.feedback": ("GET", "/outcomes/feedback", STAFF),
    "outcomes.surveys_index": ("GET", "/outcomes/surveys", ADMIN),
    "outcomes.survey_new": ("GET", "/outcomes/surveys/new", ADMIN),
    "outcomes.survey_edit": ("GET", "/outcomes/surveys/{draft_survey_id}/edit", ADMIN),
    "outcomes.survey_open": ("POST", "/outcomes/surveys/{draft_survey_id}/open", only("admin", ok=302)),
    "outcomes.survey_close": ("POST", "/outcomes/surveys/{survey_id}/close", only("admin", ok=302)),
    "outcomes.survey_results": ("GET", "/outcomes/surveys/{survey_id}/results", STAFF),
    "outcomes.import_destinations": ("GET", "/outcomes/destinations/import", ADMIN),
    "outcomes.import_preview": ("GET", "/outcomes/destinations/import/{import_id}", ADMIN),
    "outcomes.import_template": ("GET", "/outcomes/destinations/import/template.xlsx", ADMIN),
    "outcomes.import_apply": ("POST", "/outcomes/destinations/import/{import_id}/apply", only("admin", ok=302)),
    # applied just before, so the office is told it cannot be discarded any more (and sent back)
    "outcomes.import_discard": ("POST", "/outcomes/destinations/import/{import_id}/discard", only("admin", ok=302)),
}

# a survey is the office's: every student answers it, every mentor reads its results
FOREIGN = {
    "outcomes.answer_survey": {"student": 200},
    "outcomes.survey_results": {"mentor": 200},
}
