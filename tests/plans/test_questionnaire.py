"""The intake questionnaire: the default version, answering by round, answers recorded after a talk,
comparison between rounds, and who may read the answers."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditLog
from portal.extensions import db
from portal.errors import RuleViolation
from portal.plans import answers, questionnaires, services
from portal.plans.models import (
    PlanRule,
    Question,
    Questionnaire,
    QuestionnaireResponse,
    QuestionnaireRound,
)
from portal.students.models import Intervention, Student
from tests.plans.helpers import COMPLETE_ANSWERS, as_form, open_round

EN = {"Accept-Language": "en"}


def test_default_questionnaire_covers_the_topics_and_is_seeded_once(app_ctx):
    first, created = questionnaires.ensure_default_questionnaire()
    assert created and first.status == "published"
    keys = {q.key for q in first.questions}
    assert {"barrier_money", "barrier_skills", "barrier_confidence", "barrier_anxiety", "barrier_information",
            "barrier_family", "grassroots_attitude", "skill_gaps", "intended_path", "help_wanted"} <= keys
    skill_options = {o["key"] for q in first.questions if q.key == "skill_gaps" for o in q.options}
    assert {"clinical", "interview", "resume", "exam_guipei", "exam_bianzhi", "english"} <= skill_options
    assert {q.kind for q in first.questions} == {"single", "multiple", "scale", "text"}
    assert all(q.text_zh and q.text_en for q in first.questions)
    assert {q.key for q in first.questions if q.sensitive} >= {"barrier_confidence", "barrier_anxiety"}
    rules = db.session.scalar(select(func.count(PlanRule.id)))
    assert rules > 10

    again, created_again = questionnaires.ensure_default_questionnaire()
    assert not created_again and again.id == first.id
    assert db.session.scalar(select(func.count(Questionnaire.id))) == 1
    assert db.session.scalar(select(func.count(PlanRule.id))) == rules


def test_clean_answers_checks_options_scale_and_required(app_ctx):
    questionnaire, _ = questionnaires.ensure_default_questionnaire()
    questions = questionnaire.questions
    cleaned = answers.clean_answers(questions, {**COMPLETE_ANSWERS, "barrier_money": "5", "unknown": "x"}, complete=True)
    assert cleaned["barrier_money"] == 5 and "unknown" not in cleaned
    wrong = {"barrier_money": 7, "skill_gaps": ["flying"], "grassroots_attitude": "nope"}
    _answers, problems = answers.answer_problems(questions, wrong, complete=False)
    assert set(problems) == {"barrier_money", "skill_gaps", "grassroots_attitude"}
    with pytest.raises(RuleViolation):
        answers.clean_answers(questions, wrong, complete=False)
    _answers, problems = answers.answer_problems(questions, {"barrier_money": 3}, complete=True)
    assert "intended_path" in problems and "barrier_money" not in problems
    with pytest.raises(RuleViolation):
        answers.clean_answers(questions, {"barrier_money": 3}, complete=True)
    # a draft may be incomplete
    assert answers.clean_answers(questions, {"barrier_money": 3}, complete=False) == {"barrier_money": 3}


def test_student_saves_a_draft_then_submits(app, client_as, users, round_ids):
    client = client_as("student")
    page = client.get("/plans/me/questionnaire", headers=EN).get_data(as_text=True)
    assert "How much does the cost of applying" in page
    response = client.post("/plans/me/questionnaire", data={"q_barrier_money": "4", "save": "1"}, headers=EN)
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.scalar(select(QuestionnaireResponse))
        assert saved.status == "draft" and saved.answers == {"barrier_money": 4}
    # submitting with required answers missing: a message per question, nothing changes
    response = client.post("/plans/me/questionnaire", data={"q_barrier_money": "5", "submit": "1"}, headers=EN)
    assert response.status_code == 400
    assert "Please answer this question." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(QuestionnaireResponse)).answers == {"barrier_money": 4}
    response = client.post("/plans/me/questionnaire", data={**as_form(COMPLETE_ANSWERS), "submit": "1"})
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.scalar(select(QuestionnaireResponse))
        assert saved.status == "submitted" and saved.answers["skill_gaps"] == ["interview", "english"]
        assert not saved.on_behalf and saved.filled_by_id == users["student"].id


def test_a_closed_round_cannot_be_answered_by_the_student(app, client_as):
    with app.app_context():
        questionnaire, _ = questionnaires.ensure_default_questionnaire()
        today = services.today()
        db.session.add(QuestionnaireRound(code="2026-spring", name_zh="春", name_en="Spring", questionnaire_id=questionnaire.id,
                                          opens_on=today - timedelta(days=60), closes_on=today - timedelta(days=1)))
        db.session.commit()
    page = client_as("student").get("/plans/me/questionnaire", headers=EN).get_data(as_text=True)
    assert "No questionnaire round is open" in page


def test_service_refuses_a_closed_round(make_student, app_ctx):
    made = make_student()
    questionnaire, _ = questionnaires.ensure_default_questionnaire()
    today = services.today()
    closed = QuestionnaireRound(code="old", name_zh="旧", name_en="Old", questionnaire_id=questionnaire.id,
                                opens_on=today - timedelta(days=60), closes_on=today - timedelta(days=1))
    db.session.add(closed)
    db.session.flush()
    student = db.session.get(Student, made.id)
    with pytest.raises(RuleViolation) as error:
        answers.save_response(student, closed, COMPLETE_ANSWERS, actor=student.user, submit=True)
    assert error.value.status == 409


def test_mentor_records_answers_after_a_talk_and_it_is_logged(app, client_as, users, ledger_student, round_ids):
    client = client_as("mentor")
    url = f"/plans/students/{ledger_student.id}/questionnaire"
    assert client.get(url, headers=EN).status_code == 200
    data = {**as_form(COMPLETE_ANSWERS), "round_id": str(round_ids[1]), "channel": "phone_interview",
            "note": "电话访谈约30分钟", "submit": "1"}
    response = client.post(url, data=data)
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.scalar(select(QuestionnaireResponse))
        assert saved.on_behalf and saved.channel == "phone_interview" and saved.filled_by_id == users["mentor"].id
        intervention = db.session.get(Intervention, saved.intervention_id)
        assert intervention.type == "phone_interview" and intervention.channel == "phone"
        assert intervention.source == "plans.questionnaire" and intervention.source_id == saved.id
        assert intervention.author_id == users["mentor"].id and "电话访谈约30分钟" in intervention.notes


def test_answers_on_behalf_need_the_source_of_the_answers(app, client_as, ledger_student, round_ids):
    data = {**as_form(COMPLETE_ANSWERS), "round_id": str(round_ids[1]), "submit": "1"}
    response = client_as("mentor").post(f"/plans/students/{ledger_student.id}/questionnaire", data=data)
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(QuestionnaireResponse)) is None


def _two_rounds(app, student_id, user_id):
    """Answers in spring and autumn: confidence up from 2 to 4, anxiety down, interview no longer a gap."""
    with app.app_context():
        questionnaire, _ = questionnaires.ensure_default_questionnaire()
        today = services.today()
        spring = QuestionnaireRound(code="spring", name_zh="春季", name_en="Spring", questionnaire_id=questionnaire.id,
                                    opens_on=today - timedelta(days=200), closes_on=today - timedelta(days=120))
        autumn = QuestionnaireRound(code="autumn", name_zh="秋季", name_en="Autumn", questionnaire_id=questionnaire.id,
                                    opens_on=today - timedelta(days=10), closes_on=today + timedelta(days=30))
        db.session.add_all([spring, autumn])
        db.session.flush()
        later = {**COMPLETE_ANSWERS, "barrier_confidence": 4, "barrier_anxiety": 2, "skill_gaps": ["english"]}
        for round_, answers in ((spring, COMPLETE_ANSWERS), (autumn, later)):
            db.session.add(QuestionnaireResponse(student_id=student_id, round_id=round_.id, questionnaire_id=questionnaire.id,
                                                 answers=answers, status="submitted", filled_by_id=user_id))
        db.session.commit()
        return spring.id, autumn.id


def test_comparison_shows_what_changed_between_rounds(app, client_as, users, ledger_student):
    _two_rounds(app, ledger_student.id, users["student"].id)
    page = client_as("mentor").get(f"/plans/students/{ledger_student.id}/answers", headers=EN).get_data(as_text=True)
    assert "Spring" in page and "Autumn" in page
    assert "How confident are you" in page and "+2" in page and "-2" in page
    with app.app_context():
        responses = answers.responses_of(ledger_student.id)
        rows = {row["key"]: row for row in answers.comparison(responses[0], responses[1])}
        assert rows["barrier_confidence"]["delta"] == 2 and rows["barrier_confidence"]["changed"]
        assert rows["skill_gaps"]["before"] == "Interviews, English" or rows["skill_gaps"]["before"] == "面试、英语"
        assert not rows["barrier_money"]["changed"]


def test_staff_views_of_answers_are_audited_the_students_own_are_not(app, client_as, users, ledger_student):
    _two_rounds(app, ledger_student.id, users["student"].id)
    assert client_as("student").get(f"/plans/students/{ledger_student.id}/answers").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "plans.answers_viewed")) == 0
    assert client_as("admin").get(f"/plans/students/{ledger_student.id}/answers").status_code == 200
    with app.app_context():
        row = db.session.scalar(select(AuditLog).where(AuditLog.action == "plans.answers_viewed"))
        assert row.actor_id == users["admin"].id and row.target_id == str(ledger_student.id) and "sensitive" in row.detail


def test_answers_are_hidden_from_other_mentors_students_and_alumni(app, client_as, users, make_user, make_student, login,
                                                                   ledger_student):
    _two_rounds(app, ledger_student.id, users["student"].id)
    url = f"/plans/students/{ledger_student.id}/answers"
    assert client_as("alumni").get(url).status_code == 403
    other_mentor = login(app.test_client(), make_user("mentor"))
    assert other_mentor.get(url).status_code == 403
    assert other_mentor.get(f"/plans/students/{ledger_student.id}/questionnaire").status_code == 403
    other_student = make_student()
    other_client = login(app.test_client(), _user_of(app, other_student))
    assert other_client.get(url).status_code == 403
    # and the student cannot reach another student's answers by changing the id
    assert client_as("student").get(f"/plans/students/{other_student.id}/answers").status_code == 403
    assert client_as("student").get("/plans/students/999999/answers").status_code == 404


def _user_of(app, student):
    from portal.accounts.models import User

    with app.app_context():
        user = db.session.get(User, student.user_id)
        db.session.expunge(user)
        return user


# --- administering the questionnaire ------------------------------------------------------

def test_admin_adds_and_edits_questions_until_answers_exist(app, client_as, users, round_ids):
    client = client_as("admin")
    questionnaire_id = round_ids[0]
    response = client.post(f"/plans/admin/questionnaires/{questionnaire_id}/questions/new", data={
        "key": "internship_done", "section": "skills", "kind": "single",
        "text_zh": "你是否有过实习经历？", "text_en": "Have you done an internship?",
        "options": "yes | 有 | Yes\nno | 没有 | No",
    })
    assert response.status_code == 302
    with app.app_context():
        question = db.session.scalar(select(Question).where(Question.key == "internship_done"))
        assert [o["key"] for o in question.options] == ["yes", "no"]
        question_id = question.id
    bad = client.post(f"/plans/admin/questionnaires/{questionnaire_id}/questions/new", data={
        "key": "Bad Key", "section": "skills", "kind": "single", "text_zh": "x", "text_en": "x", "options": "a | b",
    }, headers=EN)
    assert bad.status_code == 400 and "lower-case" in bad.get_data(as_text=True)

    # once a student has answered, the type and the options' keys are fixed; texts may still be corrected
    with app.app_context():
        db.session.add(QuestionnaireResponse(student_id=users["student_record"].id, round_id=round_ids[1],
                                             questionnaire_id=questionnaire_id, answers={"internship_done": "yes"}))
        db.session.commit()
    refused = client.post(f"/plans/admin/questions/{question_id}", data={
        "key": "internship_done", "section": "skills", "kind": "multiple", "text_zh": "实习", "text_en": "Internship",
        "options": "yes | 有 | Yes\nno | 没有 | No",
    }, headers=EN)
    assert refused.status_code == 409 and "make a new version" in refused.get_data(as_text=True)
    fixed = client.post(f"/plans/admin/questions/{question_id}", data={
        "key": "internship_done", "section": "skills", "kind": "single", "text_zh": "你有过实习经历吗？",
        "text_en": "Have you had an internship?", "options": "yes | 有 | Yes\nno | 没有 | No\nplanned | 计划中 | Planned",
    })
    assert fixed.status_code == 302
    assert client.post(f"/plans/admin/questions/{question_id}/delete").status_code == 409

    # a new version copies the questions as a draft; publishing it retires the old one
    response = client.post(f"/plans/admin/questionnaires/{questionnaire_id}/copy")
    assert response.status_code == 302
    with app.app_context():
        draft = db.session.scalar(select(Questionnaire).where(Questionnaire.status == "draft"))
        assert {q.key for q in draft.questions} >= {"internship_done", "barrier_money"}
        draft_question = next(q for q in draft.questions if q.key == "internship_done")
        draft_id, draft_question_id = draft.id, draft_question.id
    assert client.post(f"/plans/admin/questions/{draft_question_id}/delete").status_code == 302
    assert client.post(f"/plans/admin/questionnaires/{draft_id}/publish").status_code == 302
    with app.app_context():
        assert db.session.get(Questionnaire, draft_id).status == "published"
        assert db.session.get(Questionnaire, questionnaire_id).status == "retired"


def test_admin_button_adds_the_default_questionnaire_once(app, client_as):
    client = client_as("admin")
    assert client.post("/plans/admin/default").status_code == 302
    assert client.post("/plans/admin/default").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(Questionnaire.id))) == 1


def test_admin_creates_a_round_with_checked_dates(app, client_as, round_ids):
    client = client_as("admin")
    data = {"code": "2027-spring", "name_zh": "2027年春季调研", "name_en": "Spring 2027", "opens_on": "2027-03-01",
            "closes_on": "2027-02-01", "questionnaire_id": str(round_ids[0])}
    response = client.post("/plans/admin/rounds/new", data=data, headers=EN)
    assert response.status_code == 400 and "closes on or after" in response.get_data(as_text=True)
    response = client.post("/plans/admin/rounds/new", data={**data, "closes_on": "2027-06-30"})
    assert response.status_code == 302
    duplicate = client.post("/plans/admin/rounds/new", data={**data, "closes_on": "2027-06-30"}, headers=EN)
    assert duplicate.status_code == 400 and "Another round" in duplicate.get_data(as_text=True)


def test_round_summary_counts_without_names(app, client_as, users, ledger_student):
    spring_id, _ = _two_rounds(app, ledger_student.id, users["student"].id)
    page = client_as("admin").get(f"/plans/admin/rounds/{spring_id}/summary", headers=EN).get_data(as_text=True)
    assert "1 submitted response" in page
    assert users["student"].display_name not in page


def test_admin_list_pages_use_a_fixed_number_of_queries(app, client_as, count_queries, make_student):
    questionnaire_id, round_id = open_round(app)
    client = client_as("admin")

    def measure(url):
        client.get(url)  # warm-up
        with count_queries() as counted:
            assert client.get(url).status_code == 200
        return counted.count

    few = measure("/plans/admin/"), measure("/plans/admin/rules")
    with app.app_context():
        for n in range(6):
            db.session.add(QuestionnaireRound(code=f"r{n}", name_zh=f"轮{n}", name_en=f"R{n}", questionnaire_id=questionnaire_id,
                                              opens_on=services.today(), closes_on=services.today()))
            db.session.add(PlanRule(name_zh="x", name_en="x", operator="interest_missing", goal_zh="g", goal_en="g"))
        db.session.commit()
    assert (measure("/plans/admin/"), measure("/plans/admin/rules")) == few
