"""Anonymous surveys: questions, who may answer, answering once, and results only as aggregates.

Threat model. Nobody who can read the portal's tables — an administrator through the portal, a
database console, a dump or a backup — can tell which student gave which answers:

* An answer row (survey_responses, survey_answers) holds a random UUID key, the survey and the
  answers: no user, student, IP address, time, or counter. Who has answered is a separate table
  (survey_participations: survey and student, nothing else) that the one-answer rule needs.
* Storage order: on SQLite these tables are WITHOUT ROWID, so rows are stored by their random key
  (participations by student id), not in the order they came. On PostgreSQL every row carries the
  id of the transaction that wrote it (xmin) and a place in the table file, both of which follow
  the order of writing. So an answer is not written when it is sent: it is sealed (AES-GCM, with a
  key derived from the server's SECRET_KEY, which the database does not hold) and kept with the
  other waiting answers; when `outcomes.survey_batch` answers are waiting, they are opened and
  written together, in random order, in one transaction. At most one can then tell that an answer
  belongs to one of the students who answered in that batch, which is as much as the minimum group
  size allows anyway. Closing a survey rewrites all its answers at once, in random order and with
  new keys, so no order of any kind survives.
* Nothing else is written when a student answers: no audit row, no notification, no log line.
* Results are shown only as aggregates, and only once at least `outcomes.min_group_size` answers
  have been counted; free-text answers are shown sorted, under the same rule.

Out of scope: someone who watches the server while students answer (traffic, memory, a statement
log) or who holds both the database and the SECRET_KEY while answers are still waiting, and the
database's own write-ahead log or not-yet-vacuumed old row versions, which a superuser with
forensic tools could read before they are recycled. Students are told not to write their name.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import random
import uuid
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import delete, exists, func, select
from sqlalchemy.exc import IntegrityError

from portal import settings
from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models_base import utcnow
from portal.outcomes.models import (
    Survey,
    SurveyAnswer,
    SurveyParticipation,
    SurveyResponse,
    SurveySealedAnswer,
)
from portal.outcomes.rates import min_group_size
from portal.students.models import ClaimStatus, HardshipClaim, Student

# How many answers are mixed together before any of them is written in the clear.
settings.declare("outcomes.survey_batch", 5)

QUESTION_KINDS = {
    "rating": _l("Rating from 1 to 5"),
    "choice": _l("One choice"),
    "text": _l("Free text"),
}
# prefixes accepted in the question editor, in either language
_PREFIXES = {"rating": "rating", "评分": "rating", "choice": "choice", "单选": "choice", "text": "text", "文字": "text"}
MAX_QUESTIONS = 30
MAX_ANSWER_TEXT = 1000

STATUS_LABELS = {"draft": _l("Draft"), "open": _l("Open"), "closed": _l("Closed")}


def parse_questions(text: str) -> list[dict]:
    """One question a line: `rating: …`, `choice: … | option | option`, `text: …`."""
    questions = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        prefix, sep, rest = line.replace("：", ":", 1).partition(":")
        kind = _PREFIXES.get(prefix.strip().lower())
        if not sep or kind is None:
            raise RuleViolation(_("Line %(n)d: start with rating:, choice: or text:.", n=number), field="questions")
        parts = [p.strip() for p in rest.split("|")]
        wording, options = parts[0], [p for p in parts[1:] if p]
        if not wording or len(wording) > 300:
            raise RuleViolation(_("Line %(n)d: write the question (at most 300 characters).", n=number), field="questions")
        if kind == "choice" and not 2 <= len(options) <= 10:
            raise RuleViolation(_("Line %(n)d: give 2 to 10 options separated by |.", n=number), field="questions")
        if kind != "choice" and options:
            raise RuleViolation(_("Line %(n)d: only choice questions have options.", n=number), field="questions")
        if any(len(o) > 100 for o in options):
            raise RuleViolation(_("Line %(n)d: keep each option under 100 characters.", n=number), field="questions")
        questions.append({"key": f"q{len(questions) + 1}", "kind": kind, "text": wording, "options": options})
    if not questions:
        raise RuleViolation(_("Write at least one question."), field="questions")
    if len(questions) > MAX_QUESTIONS:
        raise RuleViolation(_("A survey has at most %(n)d questions.", n=MAX_QUESTIONS), field="questions")
    return questions


def questions_text(questions: list[dict]) -> str:
    return "\n".join(
        f"{q['kind']}: {q['text']}" + "".join(f" | {o}" for o in q.get("options", [])) for q in questions
    )


def _check_details(title: str, graduation_year) -> str:
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise RuleViolation(_("Give the survey a title (at most 200 characters)."), field="title")
    if graduation_year is not None and not 2000 <= int(graduation_year) <= 2100:
        raise RuleViolation(_("This year is not plausible."), field="graduation_year")
    return title


def create_survey(*, actor, title: str, intro: str | None, graduation_year: int | None, programme_only: bool,
                  questions: str) -> Survey:
    survey = Survey(
        title=_check_details(title, graduation_year), intro=(intro or "").strip() or None,
        graduation_year=graduation_year, programme_only=programme_only, questions=parse_questions(questions),
        status="draft", created_by_id=actor.id,
    )
    db.session.add(survey)
    db.session.flush()
    return survey


def update_survey(survey: Survey, *, title: str, intro: str | None, graduation_year: int | None,
                  programme_only: bool, questions: str) -> Survey:
    if survey.status != "draft":
        raise RuleViolation(_("An opened survey can no longer be changed: its answers would not match."), status=409)
    survey.title = _check_details(title, graduation_year)
    survey.intro = (intro or "").strip() or None
    survey.graduation_year = graduation_year
    survey.programme_only = programme_only
    survey.questions = parse_questions(questions)
    db.session.flush()
    return survey


def open_survey(survey: Survey) -> Survey:
    if survey.status != "draft":
        raise RuleViolation(_("Only a draft can be opened."), status=409)
    survey.status = "open"
    survey.opened_at = utcnow()
    db.session.flush()
    return survey


def close_survey(survey: Survey) -> Survey:
    """Close the survey: the waiting answers are counted and every answer is rewritten in random order."""
    if survey.status != "open":
        raise RuleViolation(_("Only an open survey can be closed."), status=409)
    _lock(survey)
    waiting = _open_sealed(survey)
    kept = _answers_of(survey)
    db.session.execute(delete(SurveyAnswer).where(SurveyAnswer.survey_id == survey.id))
    db.session.execute(delete(SurveyResponse).where(SurveyResponse.survey_id == survey.id))
    _write_mixed(survey, kept + waiting)
    survey.status = "closed"
    survey.closed_at = utcnow()
    db.session.flush()
    return survey


# --- who may answer -------------------------------------------------------------------------------

def eligible(survey: Survey, student: Student | None) -> bool:
    if student is None or survey.status != "open":
        return False
    if survey.graduation_year is not None and student.graduation_year != survey.graduation_year:
        return False
    if survey.programme_only:
        return bool(db.session.scalar(select(exists().where(
            HardshipClaim.student_id == student.id, HardshipClaim.status == ClaimStatus.VERIFIED))))
    return True


def has_answered(survey: Survey, student: Student) -> bool:
    return bool(db.session.scalar(select(exists().where(
        SurveyParticipation.survey_id == survey.id, SurveyParticipation.student_id == student.id))))


def surveys_for(student: Student | None) -> list[tuple[Survey, bool]]:
    """Open surveys this student may answer, each with whether they already have (two queries)."""
    if student is None:
        return []
    in_programme = db.session.scalar(select(exists().where(
        HardshipClaim.student_id == student.id, HardshipClaim.status == ClaimStatus.VERIFIED)))
    surveys = [
        s for s in db.session.scalars(select(Survey).where(Survey.status == "open").order_by(Survey.opened_at.desc()))
        if (s.graduation_year is None or s.graduation_year == student.graduation_year)
        and (not s.programme_only or in_programme)
    ]
    answered = set(db.session.scalars(select(SurveyParticipation.survey_id).where(
        SurveyParticipation.student_id == student.id)))
    return [(s, s.id in answered) for s in surveys]


# --- answering --------------------------------------------------------------------------------------

def clean_answers(survey: Survey, raw: dict) -> dict[str, int | str]:
    """Rating and choice questions must be answered; free text may be left empty."""
    answers: dict[str, int | str] = {}
    for q in survey.questions:
        value = raw.get(q["key"])
        value = "" if value is None else str(value).strip()
        if q["kind"] == "text":
            if len(value) > MAX_ANSWER_TEXT:
                raise RuleViolation(_("Keep this under %(n)d characters.", n=MAX_ANSWER_TEXT), field=q["key"])
            if value:
                answers[q["key"]] = value
            continue
        upper = 5 if q["kind"] == "rating" else len(q["options"])
        low = 1 if q["kind"] == "rating" else 0
        if not value.isdigit() or not low <= int(value) <= (upper if q["kind"] == "rating" else upper - 1):
            raise RuleViolation(_("Please answer this question."), field=q["key"])
        answers[q["key"]] = int(value)
    return answers


def submit(survey: Survey, student: Student, raw: dict) -> None:
    """Record that the student answered, and their answers, without anything that links the two."""
    if not eligible(survey, student):
        raise RuleViolation(_("This survey is not open to you."), status=403)
    answers = clean_answers(survey, raw)
    _lock(survey)
    already = RuleViolation(_("You have already answered this survey. Thank you!"), status=409)
    if has_answered(survey, student):
        raise already
    db.session.add(SurveyParticipation(survey_id=survey.id, student_id=student.id))
    try:
        db.session.flush()
    except IntegrityError:  # the same student, at the same moment, in another request
        raise already from None
    waiting = _open_sealed(survey)
    if len(waiting) + 1 >= batch_size():
        _write_mixed(survey, waiting + [answers])
    else:
        _reseal(survey, waiting + [answers])
    db.session.flush()


def batch_size() -> int:
    return max(1, int(settings.get("outcomes.survey_batch") or 1))


def _lock(survey: Survey) -> None:
    """One submission at a time per survey (PostgreSQL row lock; SQLite writes are serialised anyway)."""
    db.session.execute(select(Survey.id).where(Survey.id == survey.id).with_for_update())


def _key() -> bytes:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"medpath survey answers sealed v1", hashlib.sha256).digest()


def _seal(survey_id: int, answers: dict) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    return nonce + AESGCM(_key()).encrypt(nonce, json.dumps(answers).encode(), str(survey_id).encode())


def _unseal(survey_id: int, blob: bytes) -> dict:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return json.loads(AESGCM(_key()).decrypt(blob[:12], blob[12:], str(survey_id).encode()))


def _open_sealed(survey: Survey) -> list[dict]:
    rows = list(db.session.scalars(select(SurveySealedAnswer).where(SurveySealedAnswer.survey_id == survey.id)))
    opened = [_unseal(survey.id, row.sealed) for row in rows]
    if rows:
        db.session.execute(delete(SurveySealedAnswer).where(SurveySealedAnswer.survey_id == survey.id))
    return opened


def _reseal(survey: Survey, waiting: list[dict]) -> None:
    """Every waiting answer is sealed again with a new key and nonce, so none stands out as the newest."""
    random.SystemRandom().shuffle(waiting)
    for answers in waiting:
        db.session.add(SurveySealedAnswer(id=uuid.uuid4(), survey_id=survey.id, sealed=_seal(survey.id, answers)))


def _write_mixed(survey: Survey, batch: list[dict]) -> None:
    random.SystemRandom().shuffle(batch)
    responses, answers = [], []
    for given in batch:
        response_id = uuid.uuid4()
        responses.append({"id": response_id, "survey_id": survey.id})
        for key, value in given.items():
            answers.append({
                "id": uuid.uuid4(), "response_id": response_id, "survey_id": survey.id, "question_key": key,
                "value_int": value if isinstance(value, int) else None,
                "value_text": value if isinstance(value, str) else None,
            })
    if responses:
        db.session.execute(SurveyResponse.__table__.insert(), responses)
    if answers:
        db.session.execute(SurveyAnswer.__table__.insert(), answers)


def _answers_of(survey: Survey) -> list[dict]:
    by_response: dict = {}
    for response_id in db.session.scalars(select(SurveyResponse.id).where(SurveyResponse.survey_id == survey.id)):
        by_response[response_id] = {}
    for response_id, key, value_int, value_text in db.session.execute(
        select(SurveyAnswer.response_id, SurveyAnswer.question_key, SurveyAnswer.value_int, SurveyAnswer.value_text)
        .where(SurveyAnswer.survey_id == survey.id)
    ):
        by_response.setdefault(response_id, {})[key] = value_int if value_int is not None else value_text
    return list(by_response.values())


# --- results -----------------------------------------------------------------------------------------

@dataclass
class QuestionResult:
    question: dict
    counts: list[tuple[str, int]] = field(default_factory=list)  # (option or rating, answers)
    answered: int = 0
    mean: float | None = None
    texts: list[str] = field(default_factory=list)


@dataclass
class SurveyResults:
    survey: Survey
    responses: int
    waiting: int
    participants: int
    shown: bool  # enough answers to show anything
    minimum: int
    questions: list[QuestionResult] = field(default_factory=list)


def counts(survey: Survey) -> tuple[int, int, int]:
    """(answers counted, answers waiting to be mixed in, students who answered)."""
    responses = db.session.scalar(select(func.count()).select_from(SurveyResponse).where(SurveyResponse.survey_id == survey.id))
    waiting = db.session.scalar(select(func.count()).select_from(SurveySealedAnswer).where(SurveySealedAnswer.survey_id == survey.id))
    participants = db.session.scalar(select(func.count()).select_from(SurveyParticipation).where(SurveyParticipation.survey_id == survey.id))
    return int(responses or 0), int(waiting or 0), int(participants or 0)


def results(survey: Survey) -> SurveyResults:
    """Aggregates per question, in a fixed number of queries; nothing when too few answered."""
    responses, waiting, participants = counts(survey)
    minimum = min_group_size()
    out = SurveyResults(survey, responses, waiting, participants, shown=responses >= minimum, minimum=minimum)
    if not out.shown:
        return out
    tallies: dict[str, dict[int, int]] = {}
    for key, value, n in db.session.execute(
        select(SurveyAnswer.question_key, SurveyAnswer.value_int, func.count())
        .where(SurveyAnswer.survey_id == survey.id, SurveyAnswer.value_int.is_not(None))
        .group_by(SurveyAnswer.question_key, SurveyAnswer.value_int)
    ):
        tallies.setdefault(key, {})[int(value)] = int(n)
    texts: dict[str, list[str]] = {}
    if any(q["kind"] == "text" for q in survey.questions):
        for key, value in db.session.execute(
            select(SurveyAnswer.question_key, SurveyAnswer.value_text)
            .where(SurveyAnswer.survey_id == survey.id, SurveyAnswer.value_text.is_not(None))
        ):
            texts.setdefault(key, []).append(value)
    for q in survey.questions:
        result = QuestionResult(q)
        tally = tallies.get(q["key"], {})
        if q["kind"] == "rating":
            result.counts = [(str(v), tally.get(v, 0)) for v in range(1, 6)]
            result.answered = sum(tally.values())
            if result.answered:
                result.mean = sum(v * n for v, n in tally.items()) / result.answered
        elif q["kind"] == "choice":
            result.counts = [(option, tally.get(i, 0)) for i, option in enumerate(q["options"])]
            result.answered = sum(tally.values())
        else:
            result.texts = sorted(texts.get(q["key"], []))  # sorted: no order of arrival
            result.answered = len(result.texts)
        out.questions.append(result)
    return out


def survey_list() -> list[tuple[Survey, int, int]]:
    """Every survey with its counted answers and participants, in two queries."""
    surveys = list(db.session.scalars(select(Survey).order_by(Survey.created_at.desc(), Survey.id.desc())))
    answered = dict(db.session.execute(
        select(SurveyParticipation.survey_id, func.count()).group_by(SurveyParticipation.survey_id)).all())
    counted = dict(db.session.execute(
        select(SurveyResponse.survey_id, func.count()).group_by(SurveyResponse.survey_id)).all())
    return [(s, int(counted.get(s.id, 0)), int(answered.get(s.id, 0))) for s in surveys]


STANDARD_SURVEYS = {
    "support": (
        _l("Satisfaction with the employment support"),
        "rating: 总体而言，你对学校提供的就业帮扶是否满意？\n"
        "rating: 导师的一对一指导对你求职有多大帮助？\n"
        "rating: 简历修改与模拟面试对你有多大帮助？\n"
        "choice: 对你帮助最大的措施是？ | 一对一指导 | 简历修改 | 模拟面试 | 岗位推荐 | 团体活动与讲座 | 经济资助\n"
        "rating: 帮扶过程中，你的隐私和自尊是否得到了尊重？\n"
        "text: 你对今后的帮扶工作有什么建议？",
    ),
    "job": (
        _l("Satisfaction with the first job"),
        "rating: 你对目前的工作（或学习）总体是否满意？\n"
        "rating: 目前的工作与所学专业相关程度如何？\n"
        "choice: 你目前的月收入大致在哪个区间？ | 3000元以下 | 3000–4999元 | 5000–6999元 | 7000–9999元 | 10000元及以上\n"
        "rating: 你对工作单位的发展前景是否满意？\n"
        "text: 还有什么想告诉学校的？",
    ),
}
