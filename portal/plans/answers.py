"""Students' answers to the intake questionnaire, round by round: checking, saving (also on a
student's behalf after a talk), reading them back and comparing two rounds."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.models_base import utcnow
from portal.plans.models import (
    Question,
    QuestionKind,
    QuestionnaireResponse,
    QuestionnaireRound,
    ResponseStatus,
)
from portal.plans.questionnaires import is_open, questions_of
from portal.plans.services import locale_code, localized, option_label, today
from portal.sanitize import plain_to_html
from portal.students.models import Student
from portal.students.services import log_intervention

TEXT_ANSWER_MAX = 500
# who recorded answers on a student's behalf, and the channel of the intervention it is logged as
ON_BEHALF_CHANNELS = {"talk": "in_person", "phone_interview": "phone"}


def answer_problems(questions: list[Question], raw: dict, *, complete: bool) -> tuple[dict, dict[str, str]]:
    """Answers checked against the questions (option keys, 1–5, short texts): the clean answers, and
    a message per question key that needs the answerer's attention. With complete=True every
    required question must be answered."""
    answers: dict = {}
    errors: dict[str, str] = {}
    for question in questions:
        value = raw.get(question.key)
        keys = [o["key"] for o in question.options]
        if question.kind == QuestionKind.SINGLE:
            if value in (None, ""):
                value = None
            elif value not in keys:
                errors[question.key] = _("Choose one of the options.")
                continue
        elif question.kind == QuestionKind.MULTIPLE:
            chosen = value if isinstance(value, (list, tuple)) else ([] if value in (None, "") else [value])
            if any(v not in keys for v in chosen):
                errors[question.key] = _("Choose among the options.")
                continue
            value = [k for k in keys if k in chosen] or None
        elif question.kind == QuestionKind.SCALE:
            if value in (None, ""):
                value = None
            else:
                try:
                    value = int(value)
                except (TypeError, ValueError):
                    value = 0
                if not 1 <= value <= 5:
                    errors[question.key] = _("Choose a point from 1 to 5.")
                    continue
        else:
            value = (value or "").strip() if isinstance(value, str) else None
            if value and len(value) > TEXT_ANSWER_MAX:
                errors[question.key] = _("At most %(n)d characters.", n=TEXT_ANSWER_MAX)
                continue
            value = value or None
        if value is None:
            if complete and question.required:
                errors[question.key] = _("Please answer this question.")
            continue
        answers[question.key] = value
    return answers, errors


def clean_answers(questions: list[Question], raw: dict, *, complete: bool) -> dict:
    """The clean answers, or RuleViolation when any needs attention (see answer_problems)."""
    answers, problems = answer_problems(questions, raw, complete=complete)
    if problems:
        raise RuleViolation(_("Some answers need your attention."))
    return answers


def must_complete(response: QuestionnaireResponse | None, *, submit: bool) -> bool:
    """Answers must be complete when submitted, and a submitted response stays submitted: changes to
    it must stay complete too."""
    return submit or (response is not None and response.status == ResponseStatus.SUBMITTED)


def get_response(student_id: int, round_id: int) -> QuestionnaireResponse | None:
    return db.session.scalar(select(QuestionnaireResponse).where(
        QuestionnaireResponse.student_id == student_id, QuestionnaireResponse.round_id == round_id
    ))


def save_response(student: Student, round_: QuestionnaireRound, raw: dict, *, actor, submit: bool,
                  on_behalf: bool = False, channel: str | None = None, note: str | None = None) -> QuestionnaireResponse:
    """Save a student's answers for a round, as a draft or submitted.

    The student answers while the round is open. A mentor (or admin) answering on the student's
    behalf after a talk or phone interview may do so for any round that has opened; the response
    says so, and each submission on behalf is logged as an intervention.
    """
    on = today()
    if on_behalf:
        if channel not in ON_BEHALF_CHANNELS:
            raise RuleViolation(_("Say whether the answers come from a talk or a phone interview."), field="channel")
        if round_.opens_on > on:
            raise RuleViolation(_("This round has not opened yet."), status=409)
    elif not is_open(round_, on):
        raise RuleViolation(_("This round is closed; your mentor can still record your answers after a talk."), status=409)

    existing = get_response(student.id, round_.id)
    submit = must_complete(existing, submit=submit)
    answers = clean_answers(questions_of(round_.questionnaire_id), raw, complete=submit)

    response = existing
    if response is None:
        response = QuestionnaireResponse(student_id=student.id, round_id=round_.id, questionnaire_id=round_.questionnaire_id)
        db.session.add(response)
        try:
            db.session.flush()
        except IntegrityError:
            # the same student's answers were saved in another tab at that very moment
            db.session.rollback()
            raise RuleViolation(_("These answers were just saved from another window; reload the page to see them."),
                                status=409) from None
    response.answers = answers
    response.filled_by_id = actor.id
    response.on_behalf = on_behalf
    response.channel = channel if on_behalf else None
    if submit:
        if response.status != ResponseStatus.SUBMITTED:
            response.submitted_at = utcnow()
        response.status = ResponseStatus.SUBMITTED
    response.updated_at = utcnow()
    db.session.flush()
    if on_behalf and submit:
        text = _("Intake questionnaire (%(round)s) filled in with the student.", round=localized(round_, "name"))
        if note:
            text += "\n" + note.strip()
        intervention = log_intervention(
            student, author=actor, type=channel, channel=ON_BEHALF_CHANNELS[channel], notes=plain_to_html(text),
            source="plans.questionnaire", source_id=response.id,
        )
        response.intervention_id = intervention.id
        db.session.flush()
    return response


def responses_of(student_id: int) -> list[QuestionnaireResponse]:
    """A student's responses, oldest round first, with their rounds and who filled them."""
    return list(db.session.scalars(
        select(QuestionnaireResponse)
        .join(QuestionnaireRound, QuestionnaireRound.id == QuestionnaireResponse.round_id)
        .where(QuestionnaireResponse.student_id == student_id)
        .options(joinedload(QuestionnaireResponse.round), joinedload(QuestionnaireResponse.filled_by))
        .order_by(QuestionnaireRound.opens_on, QuestionnaireRound.id)
    ))


def answer_text(question: Question, value, locale: str | None = None) -> str:
    """An answer as the reader sees it: option labels, n / 5, or the text."""
    if value is None or value == [] or value == "":
        return ""
    labels = {o["key"]: option_label(o, locale) for o in question.options}
    if question.kind == QuestionKind.SINGLE:
        return labels.get(value, str(value))
    if question.kind == QuestionKind.MULTIPLE:
        return "、".join(labels.get(v, str(v)) for v in value) if (locale or locale_code()).startswith("zh") \
            else ", ".join(labels.get(v, str(v)) for v in value)
    if question.kind == QuestionKind.SCALE:
        return f"{value} / 5"
    return str(value)


def comparison(earlier: QuestionnaireResponse, later: QuestionnaireResponse) -> list[dict]:
    """Answers of two rounds side by side, matched by question key; the later round's wording wins."""
    later_questions = questions_of(later.questionnaire_id)
    earlier_questions = questions_of(earlier.questionnaire_id) if earlier.questionnaire_id != later.questionnaire_id else later_questions
    by_key = {q.key: q for q in earlier_questions}
    by_key.update({q.key: q for q in later_questions})
    order = [q.key for q in later_questions] + [q.key for q in earlier_questions if q.key not in {x.key for x in later_questions}]
    rows = []
    for key in order:
        question = by_key[key]
        a = (earlier.answers or {}).get(key)
        b = (later.answers or {}).get(key)
        rows.append(dict(
            key=key, question=question, text=localized(question, "text"),
            before=answer_text(question, a), after=answer_text(question, b),
            changed=a != b, delta=(b - a) if question.kind == QuestionKind.SCALE and isinstance(a, int) and isinstance(b, int) else None,
        ))
    return rows


def latest_submitted(student_id: int) -> QuestionnaireResponse | None:
    return db.session.scalar(
        select(QuestionnaireResponse)
        .join(QuestionnaireRound, QuestionnaireRound.id == QuestionnaireResponse.round_id)
        .where(QuestionnaireResponse.student_id == student_id, QuestionnaireResponse.status == ResponseStatus.SUBMITTED)
        .order_by(QuestionnaireRound.opens_on.desc(), QuestionnaireRound.id.desc()).limit(1)
    )


def response_status(student_ids: list[int], round_id: int | None) -> dict[int, str]:
    """Each student's response status (draft or submitted) in the round; students without one are left out."""
    if not student_ids or round_id is None:
        return {}
    return dict(db.session.execute(
        select(QuestionnaireResponse.student_id, QuestionnaireResponse.status).where(
            QuestionnaireResponse.round_id == round_id, QuestionnaireResponse.student_id.in_(student_ids))
    ).all())
