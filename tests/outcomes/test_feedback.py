"""The feedback channel: students rate and comment on the measures they received; mentors see
their caseload's feedback per measure, the office everyone's."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.outcomes.models import Feedback
from portal.students.services import log_intervention
from tests.outcomes.helpers import assign, user_of

EN = {"Accept-Language": "en"}


def _measure(app, student, author, *, type="mock_interview", visibility="student") -> int:
    with app.app_context():
        row = log_intervention(student.id, author=author, type=type, visibility=visibility)
        db.session.commit()
        return row.id


def test_a_student_rates_a_measure_and_may_change_the_rating(app, client_as, users):
    student = users["student_record"]
    measure = _measure(app, student, users["mentor"])
    c = client_as("student")
    page = c.get("/outcomes/me", headers=EN).get_data(as_text=True)
    assert "Mock interview" in page and f"/outcomes/feedback/intervention/{measure}" in page
    assert c.post(f"/outcomes/feedback/intervention/{measure}", data={"rating": "4", "comment": "很有帮助"}).status_code == 302
    assert c.post(f"/outcomes/feedback/intervention/{measure}", data={"rating": "5"}).status_code == 302
    with app.app_context():
        rows = list(db.session.scalars(select(Feedback)))
        assert [(r.rating, r.comment) for r in rows] == [(5, None)]
    refused = c.post(f"/outcomes/feedback/intervention/{measure}", data={"rating": "9"}, headers=EN)
    assert refused.status_code == 400


def test_nobody_rates_what_they_did_not_receive(app, client_as, users, make_student):
    other = make_student()
    theirs = _measure(app, other, users["mentor"])
    private = _measure(app, users["student_record"], users["mentor"], visibility="mentors")
    c = client_as("student")
    assert c.post(f"/outcomes/feedback/intervention/{theirs}", data={"rating": "1"}).status_code == 403
    assert c.get("/outcomes/feedback/intervention/999999").status_code == 404
    assert c.get("/outcomes/feedback/session/1").status_code == 404
    assert "Mock interview" not in c.get("/outcomes/me", headers=EN).get_data(as_text=True)
    assert private  # not offered for rating: the student does not see it
    with app.app_context():
        assert db.session.scalar(select(func.count(Feedback.id))) == 0


def test_mentors_see_their_caseloads_feedback_per_measure(app, login, users, make_student, make_user, client_as, page_queries):
    mentor, other_mentor = users["mentor"], make_user("mentor")
    mine, theirs = make_student(display_name="王小明"), make_student(display_name="李小红")
    assign(app, mentor, mine)
    assign(app, other_mentor, theirs)

    def rate(student, n, rating):
        c = login(app.test_client(), user_of(app, student))
        for _ in range(n):
            measure = _measure(app, student, mentor, type="resume_coaching")
            assert c.post(f"/outcomes/feedback/intervention/{measure}", data={"rating": rating, "comment": f"评{rating}"}).status_code == 302

    rate(mine, 2, "5")
    rate(theirs, 1, "2")
    page = client_as("mentor").get("/outcomes/feedback", headers=EN).get_data(as_text=True)
    assert "王小明" in page and "李小红" not in page
    assert "Resume coaching" in page and "5.0" in page
    office = client_as("admin").get("/outcomes/feedback", headers=EN).get_data(as_text=True)
    assert "李小红" in office and "4.0" in office  # (5 + 5 + 2) / 3
    admin = client_as("admin")
    few = page_queries(admin, "/outcomes/feedback")
    rate(theirs, 6, "3")
    assert page_queries(admin, "/outcomes/feedback") == few
    fragment = admin.get("/outcomes/feedback?rating=3", headers={**EN, "HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and "评3" in fragment and "评5" not in fragment
