"""One student, one plan: starting it, suggestions from the rule table, goals through their states,
reviews, progress for the caseload page, the archive, and who may do what."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.notifications.models import Notification
from portal.plans import goals, rules, services
from portal.plans.models import PlanEvent, PlanGoal, PlanRule, QuestionnaireResponse, SupportPlan
from portal.students import archive
from portal.students.models import Student
from tests.plans.helpers import COMPLETE_ANSWERS, put_in_ledger

EN = {"Accept-Language": "en"}
HX = {"HX-Request": "true", "Accept-Language": "en"}


def _plan_with_goals(app, student, mentor, goals):
    """goals: (title, owner, status, due in days) → ids."""
    with app.app_context():
        plan = SupportPlan(student_id=student.id, created_by_id=mentor.id, review_on=services.today() + timedelta(days=20))
        db.session.add(plan)
        db.session.flush()
        ids = []
        for title, owner, status, due in goals:
            goal = PlanGoal(plan_id=plan.id, title=title, owner=owner, status=status,
                            due_on=None if due is None else services.today() + timedelta(days=due))
            db.session.add(goal)
            db.session.flush()
            ids.append(goal.id)
        db.session.commit()
        return plan.id, ids


def test_only_students_in_the_ledger_get_a_plan(app, client_as, users, make_student, login):
    student = users["student_record"]
    put_in_ledger(app, student, status="pending", mentor=users["mentor"])
    client = client_as("mentor")
    response = client.post(f"/plans/students/{student.id}/start", headers=EN)
    assert response.status_code == 409 and "Only students in the ledger" in response.get_data(as_text=True)
    put_in_ledger(app, student, category="disabled")
    assert client.post(f"/plans/students/{student.id}/start").status_code == 302
    assert client.post(f"/plans/students/{student.id}/start").status_code == 302  # twice is harmless
    with app.app_context():
        assert db.session.scalar(select(func.count(SupportPlan.id))) == 1
        plan = db.session.scalar(select(SupportPlan))
        assert plan.review_on == services.today() + timedelta(days=30)


def test_suggestions_follow_the_rule_table_and_come_once(app, client_as, users, ledger_student, round_ids):
    with app.app_context():
        db.session.add(QuestionnaireResponse(student_id=ledger_student.id, round_id=round_ids[1], questionnaire_id=round_ids[0],
                                             answers=COMPLETE_ANSWERS, status="submitted"))
        db.session.commit()
    client = client_as("mentor")
    client.post(f"/plans/students/{ledger_student.id}/start")
    response = client.post(f"/plans/students/{ledger_student.id}/suggest", headers=EN)
    assert response.status_code == 302
    with app.app_context():
        goals = list(db.session.scalars(select(PlanGoal)))
        assert len(goals) == 7 and all(g.status == "suggested" for g in goals)
        # interview and English gaps, cost of applying 5 ≥ 4, confidence 2 ≤ 2, anxiety 4 ≥ 4, unsure about
        # grassroots posts, and no interest-test result yet
        rule_names = set(db.session.scalars(
            select(PlanRule.name_en).join(PlanGoal, PlanGoal.rule_id == PlanRule.id)
        ))
        assert rule_names == {"Skill gap: interviews", "Skill gap: English", "Barrier: cost of applying",
                              "Barrier: low confidence", "Barrier: anxiety", "Attitude: unsure about grassroots posts",
                              "No career-interest result yet"}
    # asking again adds nothing
    response = client.post(f"/plans/students/{ledger_student.id}/suggest", headers=EN)
    with app.app_context():
        assert db.session.scalar(select(func.count(PlanGoal.id))) == 7
    # the student does not see suggestions until the mentor accepts them
    page = client_as("student").get("/plans/me", headers=EN).get_data(as_text=True)
    assert "Pass a mock interview" not in page


def test_rule_conditions(app_ctx):
    def rule(**kw):
        return PlanRule(name_zh="x", name_en="x", goal_zh="g", goal_en="g", **kw)

    answers = {"skill_gaps": ["interview"], "barrier_money": 4, "grassroots_attitude": "maybe"}
    assert rules.rule_matches(rule(question_key="skill_gaps", operator="any_of", value="resume,interview"), answers, None)
    assert not rules.rule_matches(rule(question_key="skill_gaps", operator="any_of", value="english"), answers, None)
    assert rules.rule_matches(rule(question_key="grassroots_attitude", operator="any_of", value="maybe"), answers, None)
    assert rules.rule_matches(rule(question_key="barrier_money", operator="at_least", value="4"), answers, None)
    assert not rules.rule_matches(rule(question_key="barrier_money", operator="at_most", value="3"), answers, None)
    assert not rules.rule_matches(rule(question_key="missing", operator="at_least", value="1"), answers, None)
    assert rules.rule_matches(rule(operator="interest_top", value="S"), answers, "ISC")
    assert not rules.rule_matches(rule(operator="interest_top", value="C"), answers, "ISC")
    assert rules.rule_matches(rule(operator="interest_missing"), answers, None)
    assert not rules.rule_matches(rule(operator="interest_missing"), answers, "ISC")


def test_admin_edits_the_rule_table(app, client_as):
    client = client_as("admin")
    data = {"name_zh": "技能短板：计算机", "name_en": "Skill gap: computer", "question_key": "skill_gaps",
            "operator": "at_least", "value": "computer", "goal_zh": "完成办公软件培训", "goal_en": "Finish office-software training",
            "owner": "student", "due_in_days": "30", "active": "y"}
    response = client.post("/plans/admin/rules/new", data=data, headers=EN)
    assert response.status_code == 400 and "from 1 to 5" in response.get_data(as_text=True)
    assert client.post("/plans/admin/rules/new", data={**data, "operator": "any_of"}).status_code == 302
    with app.app_context():
        rule = db.session.scalar(select(PlanRule).where(PlanRule.name_en == "Skill gap: computer"))
        assert rule.value == "computer" and rule.active
        rule_id = rule.id
    assert client.post(f"/plans/admin/rules/{rule_id}", data={**data, "operator": "any_of", "active": ""}).status_code == 302
    with app.app_context():
        assert not db.session.get(PlanRule, rule_id).active
    assert client.post(f"/plans/admin/rules/{rule_id}/delete").status_code == 302
    with app.app_context():
        assert db.session.get(PlanRule, rule_id) is None


def test_mentor_accepts_edits_and_drops_suggestions(app, client_as, users, ledger_student):
    _, (a, b, c) = _plan_with_goals(app, ledger_student, users["mentor"], [
        ("通过一次模拟面试", "student", "suggested", 30), ("提升英语", "student", "suggested", 60), ("心理辅导", "mentor", "suggested", 7),
    ])
    client = client_as("mentor")
    assert client.post(f"/plans/goals/{a}/accept").status_code == 302
    response = client.post(f"/plans/goals/{b}/edit", data={"title": "完成英文自我介绍", "owner": "student", "due_on": "2030-01-31"})
    assert response.status_code == 302
    assert client.post(f"/plans/goals/{c}/drop").status_code == 302
    with app.app_context():
        goals = {g.id: g for g in db.session.scalars(select(PlanGoal))}
        assert goals[a].status == "open"
        assert goals[b].status == "open" and goals[b].title == "完成英文自我介绍" and str(goals[b].due_on) == "2030-01-31"
        assert goals[c].status == "dropped"
        kinds = list(db.session.scalars(select(PlanEvent.kind).order_by(PlanEvent.id)))
        assert kinds == ["goal_accepted", "goal_accepted", "goal_dropped"]
        # the student hears that the plan changed (once a day, not once per goal)
        assert db.session.scalar(select(func.count(Notification.id)).where(
            Notification.user_id == users["student"].id, Notification.kind == "plans.updated")) == 1
    # accepting twice: the second sees the goal already moved on
    response = client.post(f"/plans/goals/{a}/accept", headers=EN)
    assert response.status_code == 409 and "changed in the meantime" in response.get_data(as_text=True)


def test_student_marks_own_steps_done_but_not_the_mentors(app, client_as, users, ledger_student):
    _, (own, mentors, suggested) = _plan_with_goals(app, ledger_student, users["mentor"], [
        ("投递三个基层岗位", "student", "open", 10), ("申请求职补贴", "mentor", "open", 10), ("模拟面试", "student", "suggested", 10),
    ])
    client = client_as("student")
    page = client.get("/plans/me", headers=EN).get_data(as_text=True)
    assert "投递三个基层岗位" in page and "申请求职补贴" in page and "模拟面试" not in page
    assert client.post(f"/plans/goals/{mentors}/done").status_code == 403
    # the student's own suggestion is not a step yet: the mentor has not accepted it
    assert client.post(f"/plans/goals/{suggested}/done").status_code == 409
    assert client.post(f"/plans/goals/{suggested}/accept").status_code == 403
    assert client.post(f"/plans/goals/{own}/drop").status_code == 403
    response = client.post(f"/plans/goals/{own}/done")
    assert response.status_code == 302 and response.location.startswith("/plans/me")
    with app.app_context():
        goal = db.session.get(PlanGoal, own)
        assert goal.status == "done" and goal.completed_by_id == users["student"].id
        # no notification to the student for their own step
        assert db.session.scalar(select(func.count(Notification.id)).where(Notification.kind == "plans.updated")) == 0


def test_goal_done_over_htmx_returns_the_row(app, client_as, users, ledger_student):
    _, (goal_id,) = _plan_with_goals(app, ledger_student, users["mentor"], [("完成OSCE训练", "student", "open", -3)])
    client = client_as("student")
    page = client.get("/plans/me", headers=EN).get_data(as_text=True)
    assert "Overdue" in page
    response = client.post(f"/plans/goals/{goal_id}/done", headers=HX)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith("<li") and f'id="goal-{goal_id}"' in body and "Marked as done" in body
    assert "<html" not in body
    again = client.post(f"/plans/goals/{goal_id}/done", headers=HX)
    assert again.status_code == 409 and "<li" in again.get_data(as_text=True)


def test_mentor_reviews_the_plan_and_sets_the_next_date(app, client_as, users, ledger_student):
    plan_id, _ = _plan_with_goals(app, ledger_student, users["mentor"], [])
    client = client_as("mentor")
    today = services.today()
    response = client.post(f"/plans/students/{ledger_student.id}/review",
                           data={"note": "简历已完成，下一步模拟面试", "next_review_on": today.isoformat()}, headers=EN)
    assert response.status_code == 400 and "after today" in response.get_data(as_text=True)
    next_date = today + timedelta(days=14)
    response = client.post(f"/plans/students/{ledger_student.id}/review",
                           data={"note": "简历已完成，下一步模拟面试", "next_review_on": next_date.isoformat()})
    assert response.status_code == 302
    with app.app_context():
        plan = db.session.get(SupportPlan, plan_id)
        assert plan.review_on == next_date and plan.last_reviewed_by_id == users["mentor"].id
        assert plan.summary == "简历已完成，下一步模拟面试"
    assert "简历已完成，下一步模拟面试" in client_as("student").get("/plans/me").get_data(as_text=True)


def test_plans_due_for_review_are_listed_and_reminded(app, client_as, users, ledger_student, runner):
    plan_id, _ = _plan_with_goals(app, ledger_student, users["mentor"], [])
    with app.app_context():
        db.session.get(SupportPlan, plan_id).review_on = services.today() - timedelta(days=1)
        db.session.commit()
    page = client_as("mentor").get("/plans/?show=due", headers=EN).get_data(as_text=True)
    assert users["student"].display_name in page
    assert "1 reminders left" in runner.invoke(args=["plans", "remind-reviews"]).output
    assert "0 reminders left" in runner.invoke(args=["plans", "remind-reviews"]).output
    with app.app_context():
        note = db.session.scalar(select(Notification).where(Notification.kind == "plans.review_due"))
        assert note.user_id == users["mentor"].id and note.params["name"] == users["student"].display_name


def test_plan_progress_counts_open_and_overdue(app, users, ledger_student, make_student):
    _plan_with_goals(app, ledger_student, users["mentor"], [
        ("a", "student", "open", 5), ("b", "student", "open", -1), ("c", "mentor", "open", -10),
        ("d", "student", "done", -20), ("e", "student", "suggested", -5), ("f", "student", "dropped", -5),
        ("g", "student", "open", None), ("h", "student", "open", 0),
    ])
    bare = make_student()
    put_in_ledger(app, bare)
    with app.app_context():
        db.session.add(SupportPlan(student_id=bare.id))
        db.session.commit()
        progress = goals.plan_progress([ledger_student.id, bare.id, 999999])
    # open: a, b, c, g, h = 5; overdue: b and c (due before today; h is due today)
    assert progress == {ledger_student.id: (5, 2), bare.id: (0, 0)}


def test_plan_list_is_scoped_and_uses_a_fixed_number_of_queries(app, client_as, users, count_queries, make_student,
                                                               ledger_student, round_ids):
    stranger = make_student(display_name="不在名单的同学")
    put_in_ledger(app, stranger)  # in the ledger, but on no caseload of this mentor
    _plan_with_goals(app, ledger_student, users["mentor"], [("a", "student", "open", 3)])
    client = client_as("mentor")

    def measure():
        client.get("/plans/")
        with count_queries() as counted:
            response = client.get("/plans/", headers=EN)
        assert response.status_code == 200
        return counted.count, response.get_data(as_text=True)

    few, page = measure()
    assert users["student"].display_name in page and "不在名单的同学" not in page
    for n in range(8):
        student = make_student()
        put_in_ledger(app, student, mentor=users["mentor"])
        _plan_with_goals(app, student, users["mentor"], [("a", "student", "open", -1), ("b", "student", "done", 3)])
        with app.app_context():
            db.session.add(QuestionnaireResponse(student_id=student.id, round_id=round_ids[1], questionnaire_id=round_ids[0],
                                                 answers={}, status="submitted"))
            db.session.commit()
    many, page = measure()
    assert many == few
    assert "9 students" in page
    admin_page = client_as("admin").get("/plans/", headers=EN).get_data(as_text=True)
    assert "10 students" in admin_page and "不在名单的同学" in admin_page


def test_plan_list_filters_over_htmx(app, client_as, users, ledger_student):
    response = client_as("mentor").get("/plans/?show=none", headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<div id="plan-results">')
    assert "No plan yet" in body and "HX-Request" in response.headers["Vary"]
    full = client_as("mentor").get("/plans/?show=none", headers=EN).get_data(as_text=True)
    assert "<html" in full and "No plan yet" in full


def test_plan_changes_enter_the_archive(app, client_as, users, ledger_student):
    _, (a, b) = _plan_with_goals(app, ledger_student, users["mentor"], [("模拟面试", "student", "suggested", 10),
                                                                         ("英语", "student", "suggested", 10)])
    client = client_as("mentor")
    client.post(f"/plans/goals/{a}/accept")
    client.post(f"/plans/goals/{b}/drop")
    client_as("student").post(f"/plans/goals/{a}/done")
    with app.test_request_context():
        student = db.session.get(Student, ledger_student.id)
        from portal.accounts.models import User

        mentor_view = [e.title for e in archive.timeline(student, db.session.get(User, users["mentor"].id))]
        student_view = [e.title for e in archive.timeline(student, db.session.get(User, users["student"].id))]
    assert any("Goal done" in t or "完成目标" in t or "模拟面试" in t for t in student_view)
    assert len([t for t in mentor_view if "模拟面试" in t]) == 2  # accepted, done
    # a suggestion dropped before it was ever accepted stays with the staff
    assert any("英语" in t for t in mentor_view) and not any("英语" in t for t in student_view)


def test_id_tampering_on_plans(app, client_as, users, make_user, make_student, login, ledger_student):
    _, (goal_id,) = _plan_with_goals(app, ledger_student, users["mentor"], [("a", "student", "open", 5)])
    other = make_student()
    put_in_ledger(app, other, mentor=make_user("mentor"))
    _, (other_goal,) = _plan_with_goals(app, other, users["mentor"], [("b", "student", "open", 5)])
    mentor = client_as("mentor")
    # another mentor's student: their plan, goals and forms are out of reach
    assert mentor.get(f"/plans/students/{other.id}").status_code == 403
    assert mentor.post(f"/plans/goals/{other_goal}/done").status_code == 403
    assert mentor.get(f"/plans/goals/{other_goal}/edit").status_code == 403
    assert mentor.post(f"/plans/students/{other.id}/goals", data={"title": "x", "owner": "student"}).status_code == 403
    assert mentor.post(f"/plans/students/{other.id}/review").status_code == 403
    # a student cannot mark another student's goal, nor open the staff page of their own plan
    student = client_as("student")
    assert student.post(f"/plans/goals/{other_goal}/done").status_code == 403
    assert student.get(f"/plans/students/{ledger_student.id}").status_code == 403
    assert mentor.post("/plans/goals/999999/done").status_code == 404
    with app.app_context():
        assert db.session.get(PlanGoal, other_goal).status == "open"


def test_a_student_account_without_a_record_is_refused_the_students_pages(app, login, make_user):
    # the office has not imported this student's record yet: nothing to show (403, where it was 404)
    client = login(app.test_client(), make_user("student"))
    for url in ("/plans/me", "/plans/me/questionnaire", "/plans/me/interests"):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("visitor", ["student", "alumni"])
def test_staff_pages_refuse_students_and_alumni(client_as, visitor, ledger_student):
    client = client_as(visitor)
    assert client.get("/plans/").status_code == 403
    assert client.get("/plans/subsidy/").status_code == 403


def test_demo_seed_fills_the_plans_pages(app, runner):
    result = runner.invoke(args=["demo", "seed", "--students", "120", "--seed", "5"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(SupportPlan.id))) > 10
        statuses = set(db.session.scalars(select(PlanGoal.status).distinct()))
        assert statuses == {"suggested", "open", "done", "dropped"}
        rounds = set(db.session.scalars(select(QuestionnaireResponse.round_id).distinct()))
        assert len(rounds) == 2
    client = app.test_client()
    client.post("/auth/login", data={"username": "student0001", "password": "demo-pass-123"})
    page = client.get("/plans/me", headers=EN).get_data(as_text=True)
    assert "My support plan" in page and "Your interest code" in page


def test_cli_adds_the_default_questionnaire_and_starts_missing_plans(app, runner, users, ledger_student, make_student):
    assert "created" in runner.invoke(args=["plans", "default-questionnaire"]).output
    assert "already present" in runner.invoke(args=["plans", "default-questionnaire"]).output
    outside = make_student()  # not in the ledger: no plan
    put_in_ledger(app, outside, status="rejected")
    assert "1 plans started" in runner.invoke(args=["plans", "create-plans"]).output
    assert "0 plans started" in runner.invoke(args=["plans", "create-plans"]).output
    with app.app_context():
        assert list(db.session.scalars(select(SupportPlan.student_id))) == [ledger_student.id]


def test_plan_list_counts_each_ledger_student_once_whatever_the_filter(app, client_as, users, make_student, ledger_student):
    # the count is taken from the claims, not from the rows: a student with two verified claims
    # is one student, a pending claim alone does not put a student in the ledger
    twice = make_student(display_name="两项认定同学")
    put_in_ledger(app, twice, mentor=users["mentor"])
    put_in_ledger(app, twice, category="disabled")
    pending = make_student(display_name="待认定同学")
    put_in_ledger(app, pending, status="pending", mentor=users["mentor"])
    _plan_with_goals(app, twice, users["mentor"], [("a", "student", "open", -1)])
    for role in ("mentor", "admin"):
        client = client_as(role)
        for show, expected in (("", 2), ("overdue", 1), ("none", 1), ("due", 0)):
            body = client.get(f"/plans/?show={show}", headers=EN).get_data(as_text=True)
            rows = body.count('data-testid="plan-row"')
            assert rows == expected and f"{expected} student" in body, (role, show)
            assert "待认定同学" not in body
        found = client.get("/plans/?q=两项", headers=EN).get_data(as_text=True)
        assert found.count('data-testid="plan-row"') == 1 and "1 student" in found


def test_kept_plan_count_follows_the_ledger_and_plans_at_once(app, client_as, users, make_student):
    """The list's total is kept between visits; a claim or plan changed since shows in the total on
    the next visit all the same."""
    admin = client_as("admin")

    def counted(query=""):
        page = admin.get(f"/plans/{query}", headers=EN).get_data(as_text=True)
        return int(page.split('data-testid="plan-count">')[1].split(" ")[0])

    before, without_plan = counted(), counted("?show=none")
    student = make_student(display_name="台账新生")
    put_in_ledger(app, student)
    assert counted() == before + 1 and counted("?show=none") == without_plan + 1
    with app.app_context():
        db.session.add(SupportPlan(student_id=student.id, created_by_id=users["admin"].id,
                                   review_on=services.today() + timedelta(days=20)))
        db.session.commit()
    assert counted("?show=none") == without_plan
