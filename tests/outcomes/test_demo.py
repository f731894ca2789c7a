"""The demo has outcomes to show: the graduated class's destinations, the next class's first offers,
follow-up calls, surveys with anonymous answers and feedback."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.extensions import db
from portal.outcomes.models import Destination, Feedback, FollowUp, Survey, SurveyParticipation, SurveyResponse
from portal.students.models import Intervention, Student


def test_the_demo_seeds_outcomes_for_every_demo_account(app, runner, login):
    result = runner.invoke(args=["demo", "seed", "--students", "300", "--seed", "5"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        def count(model, *where):
            return db.session.scalar(select(func.count()).select_from(model).where(*where))

        graduated = count(Student, Student.graduation_year == 2026)
        current_2026 = count(Destination, Destination.is_current == True, Destination.student_id.in_(  # noqa: E712
            select(Student.id).where(Student.graduation_year == 2026)))
        assert current_2026 >= 0.9 * graduated
        assert count(Destination, Destination.category == "residency") > 0
        assert count(Destination, Destination.is_current == False) > 0  # noqa: E712  (histories)
        assert count(FollowUp) > 0 and count(Intervention, Intervention.source == "follow_up") == count(FollowUp)
        assert count(Survey) == 3 and count(SurveyResponse) == count(SurveyParticipation) > 0
        assert count(Feedback) > 0
        users = {u.username: u for u in db.session.scalars(select(User).where(
            User.username.in_(["admin", "mentor01", "student0001"])))}
        for user in users.values():
            db.session.expunge(user)
    admin = login(app.test_client(), users["admin"])
    assert admin.get("/reports/").status_code == 200 and admin.get("/outcomes/surveys").status_code == 200
    mentor = login(app.test_client(), users["mentor01"])
    page = mentor.get("/outcomes/follow-ups?year=2026&group=all", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Log a call" in page
    student = login(app.test_client(), users["student0001"])
    me = student.get("/outcomes/me", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Answer" in me and "Rate" in me
