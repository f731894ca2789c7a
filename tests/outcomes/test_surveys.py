"""Anonymous surveys: each student answers once, the answers cannot be linked to anyone — not by a
column, not by the order or transaction they were written in — and results appear only as
aggregates of enough answers."""
from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import func, inspect, select, text

from portal import settings
from portal.audit.models import AuditLog
from portal.extensions import db
from portal.notifications.models import Notification
from portal.outcomes import surveys
from portal.outcomes.models import Survey, SurveyAnswer, SurveyParticipation, SurveyResponse, SurveySealedAnswer
from portal.errors import RuleViolation
from tests.outcomes.helpers import hardship, user_of

EN = {"Accept-Language": "en"}
QUESTIONS = "rating: 你对帮扶是否满意？\nchoice: 帮助最大的是？ | 简历 | 面试\ntext: 建议"


def _survey(app, *, year=None, programme_only=False, status="open") -> int:
    with app.app_context():
        survey = Survey(title="帮扶满意度", questions=surveys.parse_questions(QUESTIONS), status=status,
                        graduation_year=year, programme_only=programme_only)
        db.session.add(survey)
        db.session.commit()
        return survey.id


def _answer(app, login, student, survey_id, rating="4", text="希望多一些基层岗位"):
    c = login(app.test_client(), user_of(app, student))
    return c.post(f"/outcomes/surveys/{survey_id}/answer", data={"q1": rating, "q2": "1", "q3": text}, headers=EN)


def test_questions_are_written_one_a_line(app_ctx):
    questions = surveys.parse_questions("评分：满意吗？\nchoice: 哪个？ | 甲 | 乙\ntext: 建议")
    assert [q["kind"] for q in questions] == ["rating", "choice", "text"]
    assert surveys.questions_text(questions).splitlines()[1] == "choice: 哪个？ | 甲 | 乙"
    for bad in ("满意吗？", "choice: 只有一个 | 甲", "rating: 满意吗 | 甲 | 乙", ""):
        with pytest.raises(RuleViolation):
            surveys.parse_questions(bad)


def test_a_student_answers_once(app, login, make_student):
    student = make_student()
    survey_id = _survey(app)
    assert _answer(app, login, student, survey_id).status_code == 302
    again = _answer(app, login, student, survey_id)
    assert again.status_code in (200, 409) and "already answered" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SurveyParticipation)) == 1


def test_only_the_students_it_is_meant_for(app, login, make_student):
    survey_id = _survey(app, year=2026, programme_only=True)
    outsider = make_student(graduation_year=2026)
    wrong_year = make_student(graduation_year=2027)
    member = make_student(graduation_year=2026)
    hardship(app, member)
    hardship(app, wrong_year)
    assert _answer(app, login, outsider, survey_id).status_code == 404
    assert _answer(app, login, wrong_year, survey_id).status_code == 404
    assert _answer(app, login, member, survey_id).status_code == 302
    draft = _survey(app, status="draft")
    assert _answer(app, login, member, draft).status_code == 404


def test_unanswered_questions_are_refused(app, login, make_student):
    survey_id = _survey(app)
    c = login(app.test_client(), user_of(app, make_student()))
    response = c.post(f"/outcomes/surveys/{survey_id}/answer", data={"q3": "只写了建议"}, headers=EN)
    assert response.status_code == 400 and "Please answer this question." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SurveyParticipation)) == 0


def test_answer_rows_hold_nothing_that_points_to_a_student(app, login, make_student):
    survey_id = _survey(app)
    students = [make_student() for _ in range(5)]
    for i, s in enumerate(students):
        assert _answer(app, login, s, survey_id, rating=str(i % 5 + 1)).status_code == 302
    with app.app_context():
        columns = {t: {c["name"] for c in inspect(db.engine).get_columns(t)}
                   for t in ("survey_responses", "survey_answers", "survey_participations", "survey_sealed_answers")}
        assert columns["survey_responses"] == {"id", "survey_id"}
        assert columns["survey_answers"] == {"id", "response_id", "survey_id", "question_key", "value_int", "value_text"}
        assert columns["survey_participations"] == {"survey_id", "student_id"}
        assert columns["survey_sealed_answers"] == {"id", "survey_id", "sealed"}
        ids = list(db.session.scalars(select(SurveyResponse.id)))
        assert len(ids) == 5 and all(isinstance(i, uuid.UUID) and i.version == 4 for i in ids)
        student_ids = {s.id for s in students}
        values = db.session.execute(select(SurveyAnswer.value_int, SurveyAnswer.value_text)).all()
        assert not any(v in student_ids for v, _ in values if v and v > 5)
        # answering wrote no audit row and no notification, which would carry the time and the user
        assert db.session.scalar(select(func.count()).select_from(AuditLog)) == 0
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_answers_wait_sealed_until_a_batch_is_complete(app, login, make_student):
    survey_id = _survey(app)
    students = [make_student() for _ in range(7)]
    for s in students[:4]:
        _answer(app, login, s, survey_id, text="独一无二的建议文字")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 0
        sealed = list(db.session.scalars(select(SurveySealedAnswer.sealed)))
        assert len(sealed) == 4
        assert not any("独一无二".encode() in blob or b"q3" in blob for blob in sealed)  # unreadable while waiting
    _answer(app, login, students[4], survey_id)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 5
        assert db.session.scalar(select(func.count()).select_from(SurveySealedAnswer)) == 0
    for s in students[5:]:
        _answer(app, login, s, survey_id)
    with app.app_context():
        assert surveys.counts(db.session.get(Survey, survey_id)) == (5, 2, 7)


def test_stored_rows_do_not_reveal_the_order_of_arrival(app, login, make_student):
    """Each database hides arrival order its own way; the test checks the one in use."""
    with app.app_context():
        dialect = db.engine.dialect.name
    if dialect == "sqlite":
        _sqlite_rows_are_stored_by_their_random_key_not_by_arrival(app)
    else:
        _postgresql_a_transaction_id_points_to_a_whole_batch_at_least(app, login, make_student)


def _sqlite_rows_are_stored_by_their_random_key_not_by_arrival(app):
    with app.app_context():
        for table in ("survey_responses", "survey_answers", "survey_participations", "survey_sealed_answers"):
            sql = db.session.scalar(text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table})
            assert "WITHOUT ROWID" in sql, table
            with pytest.raises(Exception):
                db.session.execute(text(f"SELECT rowid FROM {table}"))
            db.session.rollback()


def _postgresql_a_transaction_id_points_to_a_whole_batch_at_least(app, login, make_student):
    survey_id = _survey(app)
    students = [make_student() for _ in range(12)]
    for s in students:
        _answer(app, login, s, survey_id)
    with app.app_context():
        batch = settings.get("outcomes.survey_batch")
        rows = db.session.execute(text(
            "SELECT xmin::text AS x, count(*) AS n FROM survey_responses GROUP BY xmin::text")).all()
        assert sum(n for _, n in rows) == 10 and all(n >= batch for _, n in rows)
        waiting = db.session.execute(text("SELECT count(DISTINCT xmin::text) FROM survey_sealed_answers")).scalar()
        assert waiting == 1  # the two waiting answers were sealed again together: neither is the newer


def test_closing_counts_every_answer_and_rewrites_them_with_new_keys(app, login, make_student):
    survey_id = _survey(app)
    for s in [make_student() for _ in range(7)]:
        _answer(app, login, s, survey_id)
    with app.app_context():
        before = set(db.session.scalars(select(SurveyResponse.id)))
        surveys.close_survey(db.session.get(Survey, survey_id))
        db.session.commit()
        after = set(db.session.scalars(select(SurveyResponse.id)))
        assert len(after) == 7 and not before & after
        assert db.session.scalar(select(func.count()).select_from(SurveySealedAnswer)) == 0
        result = surveys.results(db.session.get(Survey, survey_id))
        assert result.shown and result.questions[0].answered == 7


def test_results_only_once_enough_have_answered(app, login, make_student, client_as):
    survey_id = _survey(app)
    students = [make_student() for _ in range(5)]
    for s in students[:4]:
        _answer(app, login, s, survey_id, rating="5")
    admin = client_as("admin")
    page = admin.get(f"/outcomes/surveys/{survey_id}/results", headers=EN).get_data(as_text=True)
    assert "Results are shown once at least 5 answers are counted" in page and "希望多一些" not in page
    _answer(app, login, students[4], survey_id, rating="3", text="另一条建议")
    page = client_as("mentor").get(f"/outcomes/surveys/{survey_id}/results", headers=EN).get_data(as_text=True)
    assert "Average 4.60 of 5 from 5 answers." in page
    assert page.index("另一条建议") < page.index("希望多一些基层岗位")  # sorted, not in order of arrival


def test_the_office_writes_opens_and_closes_a_survey(app, client_as):
    admin = client_as("admin")
    response = admin.post("/outcomes/surveys/new", data={"title": "首份工作满意度", "graduation_year": "2026",
                                                          "questions": QUESTIONS})
    assert response.status_code == 302
    with app.app_context():
        survey_id = db.session.scalar(select(Survey.id))
    bad = admin.post(f"/outcomes/surveys/{survey_id}/edit", data={"title": "x", "questions": "无前缀的问题"}, headers=EN)
    assert bad.status_code == 400 and "Line 1: start with rating:, choice: or text:." in bad.get_data(as_text=True)
    assert admin.post(f"/outcomes/surveys/{survey_id}/open").status_code == 302
    locked = admin.post(f"/outcomes/surveys/{survey_id}/edit", data={"title": "改名", "questions": QUESTIONS})
    assert locked.status_code == 409
    assert admin.post(f"/outcomes/surveys/{survey_id}/open").status_code == 409
    assert admin.post(f"/outcomes/surveys/{survey_id}/close").status_code == 302
    template = admin.get("/outcomes/surveys/new?template=job", headers=EN).get_data(as_text=True)
    assert "你对目前的工作" in template


def test_two_answers_at_once_from_one_student_count_once(app, login, make_student):
    student = make_student()
    survey_id = _survey(app)
    clients = [login(app.test_client(), user_of(app, student)) for _ in range(2)]
    barrier = threading.Barrier(2)
    statuses = []

    def post(c):
        barrier.wait()
        statuses.append(c.post(f"/outcomes/surveys/{survey_id}/answer", data={"q1": "4", "q2": "0"}).status_code)

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 302 in statuses
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SurveyParticipation)) == 1
        assert db.session.scalar(select(func.count()).select_from(SurveySealedAnswer)) == 1
