"""Objects the plans tests build on: students in the ledger with mentors, rounds, plans, applications."""
from __future__ import annotations

from datetime import timedelta

from portal.extensions import db
from portal.plans import services
from portal.plans.questionnaires import ensure_default_questionnaire
from portal.plans.models import QuestionnaireRound
from portal.students.models import HardshipClaim, MentorAssignment


def put_in_ledger(app, student, *, category="low_income_guarantee", status="verified", mentor=None):
    """Give the student a hardship claim (verified: in the ledger) and, optionally, a primary mentor."""
    with app.app_context():
        db.session.add(HardshipClaim(student_id=student.id, category=category, source="government_list", status=status))
        if mentor is not None:
            db.session.add(MentorAssignment(student_id=student.id, mentor_id=mentor.id, kind="primary"))
        db.session.commit()


def open_round(app, *, code="2026-autumn", days_before=10, days_after=30):
    """The default questionnaire (published) and a round open today; returns (questionnaire id, round id)."""
    with app.app_context():
        questionnaire, _ = ensure_default_questionnaire()
        today = services.today()
        round_ = QuestionnaireRound(
            code=code, name_zh="2026年秋季调研", name_en="Autumn 2026", questionnaire_id=questionnaire.id,
            opens_on=today - timedelta(days=days_before), closes_on=today + timedelta(days=days_after),
        )
        db.session.add(round_)
        db.session.commit()
        return questionnaire.id, round_.id


COMPLETE_ANSWERS = {
    "barrier_money": 5,
    "barrier_skills": 2,
    "barrier_confidence": 2,
    "barrier_anxiety": 4,
    "barrier_information": 3,
    "grassroots_attitude": "maybe",
    "skill_gaps": ["interview", "english"],
    "intended_path": "guipei",
    "interest_major_fit": 4,
    "help_wanted": ["mock_interview", "money"],
}


def as_form(answers: dict) -> dict:
    """The answers as the questionnaire form posts them."""
    data = {}
    for key, value in answers.items():
        data[f"q_{key}"] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return data
