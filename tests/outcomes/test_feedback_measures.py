"""Students rate every kind of support they took part in: appointments they attended (whose notes
are for mentors only) and help they were given, never a private counseling record or a mentor's
note about them; group-session ratings join the office's table per measure."""
from __future__ import annotations

from datetime import timedelta

from portal.extensions import db
from portal.students.services import log_intervention
from tests.sessions.helpers import make_session, seat

EN = {"Accept-Language": "en"}


def _logged(app, student, author, **fields) -> int:
    with app.app_context():
        row = log_intervention(student.id, author=author, **fields)
        db.session.commit()
        return row.id


def test_appointments_and_help_are_rated_private_records_are_not(app, client_as, users):
    student, mentor = users["student_record"], users["mentor"]
    counseling = _logged(app, student, mentor, type="career_counseling", visibility="mentors",
                         source="booking", source_id=1)
    help_given = _logged(app, student, mentor, type="financial_help", visibility="mentors",
                         source="plans.help", source_id=1)
    psychological = _logged(app, student, mentor, type="psychological_counseling", visibility="private",
                            source="booking", source_id=2)
    note = _logged(app, student, mentor, type="talk", visibility="mentors")
    client = client_as("student")
    page = client.get("/outcomes/me", headers=EN).get_data(as_text=True)
    for offered in (counseling, help_given):
        assert f"/outcomes/feedback/intervention/{offered}" in page
        assert client.post(f"/outcomes/feedback/intervention/{offered}", data={"rating": "5"}).status_code == 302
    for kept in (psychological, note):
        assert f"/outcomes/feedback/intervention/{kept}" not in page
        assert client.post(f"/outcomes/feedback/intervention/{kept}", data={"rating": "1"}).status_code == 404
    summary = client_as("admin").get("/outcomes/feedback", headers=EN).get_data(as_text=True)
    assert "<td>Career counseling</td><td>1</td><td>5.0</td>" in summary and "<td>Financial help</td><td>1</td>" in summary


def test_group_session_ratings_appear_per_kind_of_session(app, client_as, users, make_student):
    talk = make_session(app, users["mentor"], starts_in=-timedelta(days=3), kind="alumni_sharing")
    for rating in (5, 4, 2):
        seat(app, talk, make_student(), attended=True, rating=rating)
    seat(app, talk, make_student(), attended=True)  # did not rate
    summary = client_as("admin").get("/outcomes/feedback", headers=EN).get_data(as_text=True)
    assert "<tr><td>Alumni sharing</td><td>3</td><td>3.7</td><td>67%</td></tr>" in summary
