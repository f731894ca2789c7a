"""The mentor's caseload shows each student's plan progress: goals still open, and how many of them
are past their date on the office's calendar."""
from __future__ import annotations

from datetime import timedelta

from portal.clock import local_today
from portal.extensions import db
from portal.plans.models import PlanGoal, SupportPlan
from tests.plans.helpers import put_in_ledger


def test_the_caseload_shows_open_and_overdue_goals(app, client_as, users):
    student = users["student_record"]
    put_in_ledger(app, student, mentor=users["mentor"])
    today = local_today()
    with app.app_context():
        plan = SupportPlan(student_id=student.id)
        db.session.add(plan)
        db.session.flush()
        db.session.add_all([
            PlanGoal(plan_id=plan.id, title="完成简历", status="done", due_on=today - timedelta(days=30)),
            PlanGoal(plan_id=plan.id, title="参加模拟面试", status="open", due_on=today - timedelta(days=1)),
            PlanGoal(plan_id=plan.id, title="报名规培考试", status="open", due_on=today),  # due today: not late yet
        ])
        db.session.commit()
    page = client_as("mentor").get("/caseload", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '2 open · <span class="overdue">1 overdue</span>' in page
