"""Who may reach the questionnaire, interest-test, plan and subsidy pages.

The sweep's student is in the ledger with the sweep's mentor as their mentor, so "mentor" below
means the student's own mentor; other mentors are refused in the id-tampering tests.
"""
from datetime import timedelta

from tests.sweep import only, per_role

STAFF = ("mentor", "admin")
OWN_OR_STAFF = per_role(student=200, mentor=200, alumni=403, admin=200)

EXPECTATIONS = {
    # the student's own pages
    "plans.my_plan": ("GET", "/plans/me", only("student")),
    "plans.my_questionnaire": ("GET", "/plans/me/questionnaire", only("student")),
    "plans.my_interests": ("GET", "/plans/me/interests", only("student")),
    "plans.interest_result": ("GET", "/plans/interests/{interest_result_id}", OWN_OR_STAFF),
    "plans.answers": ("GET", "/plans/students/{plans_student_id}/answers", OWN_OR_STAFF),
    # the student marks their own step done; their mentors and admins any goal
    "plans.goal_done": ("POST", "/plans/goals/{goal_student_open_id}/done",
                        per_role(student=302, mentor=302, alumni=403, admin=302)),
    # mentors' and admins' pages
    "plans.index": ("GET", "/plans/", only(*STAFF)),
    "plans.student_plan": ("GET", "/plans/students/{plans_student_id}", only(*STAFF)),
    "plans.answer_for": ("GET", "/plans/students/{plans_student_id}/questionnaire", only(*STAFF)),
    "plans.plan_create": ("POST", "/plans/students/{plans_student_id}/start", only(*STAFF, ok=302)),
    "plans.plan_suggest": ("POST", "/plans/students/{plans_student_id}/suggest", only(*STAFF, ok=302)),
    # empty forms are refused by the form check once the policy has let the user through
    "plans.goal_add": ("POST", "/plans/students/{plans_student_id}/goals", only(*STAFF, ok=400)),
    "plans.plan_review": ("POST", "/plans/students/{plans_student_id}/review", only(*STAFF, ok=400)),
    "plans.help_add": ("POST", "/plans/students/{plans_student_id}/help", only(*STAFF, ok=400)),
    "plans.loan_flag": ("POST", "/plans/students/{plans_student_id}/loan", only(*STAFF, ok=302)),
    "plans.goal_edit": ("GET", "/plans/goals/{goal_edit_id}/edit", only(*STAFF)),
    "plans.goal_accept": ("POST", "/plans/goals/{goal_suggested_id}/accept", only(*STAFF, ok=302)),
    "plans.goal_drop": ("POST", "/plans/goals/{goal_drop_id}/drop", only(*STAFF, ok=302)),
    "plans.goal_reopen": ("POST", "/plans/goals/{goal_done_id}/reopen", only(*STAFF, ok=302)),
    # the job-seeking subsidy
    "plans.subsidy_index": ("GET", "/plans/subsidy/", only(*STAFF)),
    "plans.subsidy_apply": ("GET", "/plans/subsidy/students/{plans_student_id}/apply", only(*STAFF)),
    "plans.subsidy_view": ("GET", "/plans/subsidy/{subsidy_application_id}", only(*STAFF)),
    "plans.subsidy_advance": ("POST", "/plans/subsidy/{subsidy_application_id}/advance", only("admin", ok=400)),
    "plans.subsidy_reject": ("POST", "/plans/subsidy/{subsidy_application_id}/reject", only("admin", ok=400)),
    "plans.subsidy_export": ("GET", "/plans/subsidy/export.xlsx", only("admin")),
    "plans.subsidy_settings": ("GET", "/plans/subsidy/settings", only("admin")),
    # the office: questionnaires, rounds, rules
    "plans.admin_home": ("GET", "/plans/admin/", only("admin")),
    "plans.admin_ensure_default": ("POST", "/plans/admin/default", only("admin", ok=302)),
    "plans.admin_questionnaire": ("GET", "/plans/admin/questionnaires/{draft_questionnaire_id}", only("admin")),
    "plans.admin_questionnaire_copy": ("POST", "/plans/admin/questionnaires/{draft_questionnaire_id}/copy",
                                       only("admin", ok=302)),
    "plans.admin_questionnaire_publish": ("POST", "/plans/admin/questionnaires/{draft_questionnaire_id}/publish",
                                          only("admin", ok=302)),
    "plans.admin_question_new": ("GET", "/plans/admin/questionnaires/{draft_questionnaire_id}/questions/new", only("admin")),
    "plans.admin_question_edit": ("GET", "/plans/admin/questions/{draft_question_id}", only("admin")),
    # deleting runs before moving: they work on different questions
    "plans.admin_question_delete": ("POST", "/plans/admin/questions/{draft_question_id}/delete", only("admin", ok=302)),
    "plans.admin_question_move": ("POST", "/plans/admin/questions/{move_question_id}/move", only("admin", ok=400)),
    "plans.admin_round_new": ("GET", "/plans/admin/rounds/new", only("admin")),
    "plans.admin_round_edit": ("GET", "/plans/admin/rounds/{round_id}", only("admin")),
    "plans.admin_round_summary": ("GET", "/plans/admin/rounds/{round_id}/summary", only("admin")),
    "plans.admin_rules": ("GET", "/plans/admin/rules", only("admin")),
    "plans.admin_rule_new": ("GET", "/plans/admin/rules/new", only("admin")),
    "plans.admin_rule_edit": ("GET", "/plans/admin/rules/{rule_id}", only("admin")),
    "plans.admin_rule_delete": ("POST", "/plans/admin/rules/{rule_id}/delete", only("admin", ok=302)),
}


def objects(app, users, other):
    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.extensions import db
    from portal.plans import questionnaires, riasec, services, subsidy
    from portal.plans.models import InterestResult, PlanGoal, PlanRule, QuestionnaireResponse, QuestionnaireRound, SupportPlan
    from portal.students.models import HardshipClaim, Student
    from tests.sweep import assign_mentor

    with app.app_context():
        student = db.session.get(Student, users["student_record"].id)
        mentor = db.session.get(User, users["mentor"].id)
        admin = db.session.get(User, users["admin"].id)
        db.session.add(HardshipClaim(student_id=student.id, category="orphan", source="government_list",
                                     status="verified"))
        assign_mentor(student.id, mentor.id)
        questionnaire, _ = questionnaires.ensure_default_questionnaire()
        today = services.today()
        round_ = QuestionnaireRound(code="sweep", name_zh="调研", name_en="Survey", questionnaire_id=questionnaire.id,
                                    opens_on=today - timedelta(days=5), closes_on=today + timedelta(days=5))
        db.session.add(round_)
        db.session.flush()
        db.session.add(QuestionnaireResponse(student_id=student.id, round_id=round_.id, questionnaire_id=questionnaire.id,
                                             answers={"barrier_money": 5, "barrier_anxiety": 4}, status="submitted"))
        scores = riasec.score({item_id: 3 for item_id in riasec.ITEM_IDS})
        result = InterestResult(student_id=student.id, answers={i: 3 for i in riasec.ITEM_IDS}, scores=scores,
                                code=riasec.code(scores))
        db.session.add(result)
        plan = SupportPlan(student_id=student.id, review_on=today)
        db.session.add(plan)
        db.session.flush()
        goals = {}
        for name, status in (("open", "open"), ("edit", "open"), ("suggested", "suggested"), ("drop", "suggested"),
                             ("done", "done")):
            goal = PlanGoal(plan_id=plan.id, title=name, owner="student", status=status, due_on=today)
            db.session.add(goal)
            db.session.flush()
            goals[name] = goal.id
        draft = questionnaires.new_version(questionnaire, actor=admin)
        application = subsidy.apply(student, actor=admin, province="湖北")
        rule = db.session.scalar(select(PlanRule).order_by(PlanRule.id).limit(1))
        db.session.commit()
        return {
            "plans_student_id": student.id,
            "interest_result_id": result.id,
            "goal_student_open_id": goals["open"],
            "goal_edit_id": goals["edit"],
            "goal_suggested_id": goals["suggested"],
            "goal_drop_id": goals["drop"],
            "goal_done_id": goals["done"],
            "subsidy_application_id": application.id,
            "draft_questionnaire_id": draft.id,
            "draft_question_id": draft.questions[-1].id,
            "move_question_id": draft.questions[0].id,
            "round_id": round_.id,
            "rule_id": rule.id,
        }
