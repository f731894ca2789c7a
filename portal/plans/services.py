"""Rules of understanding and planning: ledger membership, questionnaires and rounds, answers, the
interest inventory, support plans and the suggestions drawn from the rule table."""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from functools import cache, lru_cache

from flask_babel import get_locale
from sqlalchemy import Date, Select, and_, bindparam, case, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from portal import notifications, settings
from portal.accounts.models import User
from portal.extensions import db
from portal.rows import rows as plain_rows
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models_base import utcnow
from portal.plans import defaults, riasec
from portal.plans.models import (
    GoalOwner,
    GoalStatus,
    InterestResult,
    PlanEvent,
    PlanGoal,
    PlanRule,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireResponse,
    QuestionnaireRound,
    QuestionnaireStatus,
    ResponseStatus,
    RuleOperator,
    Section,
    SupportPlan,
)
from portal.students.models import ClaimStatus, HardshipClaim, Student

settings.declare("plans.review_interval_days", 30)

notifications.kind("plans.updated", _l("Your support plan has new or changed goals."))
notifications.kind("plans.reviewed", _l("Your mentor reviewed your support plan."))
notifications.kind("plans.review_due", _l("The support plan of %(name)s is due for review."))

TEXT_ANSWER_MAX = 500
KEY_RULE = re.compile(r"^[a-z][a-z0-9_]{1,47}$")
ON_BEHALF_CHANNELS = {"talk": "in_person", "phone_interview": "phone"}


class PlansError(ValueError):
    """A rule was broken; the message is translated and safe to show."""

    def __init__(self, message: str, *, field: str | None = None, status: int = 400, errors: dict | None = None):
        super().__init__(message)
        self.field = field
        self.status = status
        self.errors = errors or {}


# today in the office's time zone: a goal due today is not overdue until tomorrow there
from portal.clock import local_today as today  # noqa: E402


def locale_code() -> str:
    return str(get_locale() or "zh")


def localized(obj, field: str, locale: str | None = None) -> str:
    """The zh or en variant of a bilingual field, falling back to the other when empty."""
    locale = locale or locale_code()
    first, second = ("zh", "en") if locale.startswith("zh") else ("en", "zh")
    return getattr(obj, f"{field}_{first}") or getattr(obj, f"{field}_{second}") or ""


def option_label(option: dict, locale: str | None = None) -> str:
    locale = locale or locale_code()
    first, second = ("zh", "en") if locale.startswith("zh") else ("en", "zh")
    return option.get(first) or option.get(second) or option.get("key", "")


# --- the ledger --------------------------------------------------------------------------

def ledger_ids():
    """The ids of the students in the ledger: those holding at least one verified hardship claim.

    The one definition of "in the ledger" for this feature, as a subquery for `Student.id.in_(…)`.
    """
    return select(HardshipClaim.student_id).where(HardshipClaim.status == ClaimStatus.VERIFIED)


def in_ledger(student_id_column):
    """SQL condition: the student is in the ledger."""
    return student_id_column.in_(ledger_ids())


def in_ledger_row(student_id_column):
    """SQL condition tested row by row (EXISTS): for lists that walk students in index order and stop
    after a page, where building the whole ledger set first would cost more."""
    return exists(ledger_ids().where(HardshipClaim.student_id == student_id_column))


def ledger_count(*id_filters) -> Select:
    """Counts the ledger's students meeting conditions on their id, from the claims alone."""
    return ledger_ids().with_only_columns(func.count(HardshipClaim.student_id.distinct())).where(
        *(f(HardshipClaim.student_id) for f in id_filters)
    )


def is_in_ledger(student: Student | int) -> bool:
    student_id = student if isinstance(student, int) else student.id
    return db.session.scalar(ledger_ids().where(HardshipClaim.student_id == student_id).limit(1)) is not None


# --- questionnaires (administrators) -------------------------------------------------------

def ensure_default_questionnaire(*, actor=None) -> tuple[Questionnaire, bool]:
    """Create the shipped questionnaire (published when none is) and the default rules, once."""
    existing = db.session.scalar(select(Questionnaire).where(Questionnaire.builtin_key == defaults.DEFAULT_KEY))
    if existing is not None:
        ensure_default_rules()
        return existing, False
    has_published = db.session.scalar(
        select(exists().where(Questionnaire.status == QuestionnaireStatus.PUBLISHED))
    )
    version = (db.session.scalar(select(func.max(Questionnaire.version))) or 0) + 1
    questionnaire = Questionnaire(
        builtin_key=defaults.DEFAULT_KEY,
        title_zh=defaults.TITLE[0],
        title_en=defaults.TITLE[1],
        intro_zh=defaults.INTRO[0],
        intro_en=defaults.INTRO[1],
        version=version,
        status=QuestionnaireStatus.DRAFT if has_published else QuestionnaireStatus.PUBLISHED,
        published_at=None if has_published else utcnow(),
        created_by_id=getattr(actor, "id", None),
    )
    for position, (key, section, kind, text_zh, text_en, options, required, sensitive) in enumerate(defaults.QUESTIONS):
        questionnaire.questions.append(Question(
            position=position, key=key, section=section, kind=kind, text_zh=text_zh, text_en=text_en,
            options=options, required=required, sensitive=sensitive,
        ))
    db.session.add(questionnaire)
    try:
        db.session.flush()
    except IntegrityError:
        # someone else created it at the same moment
        db.session.rollback()
        existing = db.session.scalar(select(Questionnaire).where(Questionnaire.builtin_key == defaults.DEFAULT_KEY))
        return existing, False
    ensure_default_rules()
    return questionnaire, True


def ensure_default_rules() -> int:
    """Fill an empty rule table with the shipped rules; an edited table is left alone."""
    if db.session.scalar(select(exists().where(PlanRule.id.is_not(None)))):
        return 0
    for position, row in enumerate(defaults.RULES):
        (name_zh, name_en, question_key, operator, value, goal_zh, goal_en, measures_zh, measures_en, owner, due) = row
        db.session.add(PlanRule(
            position=position, name_zh=name_zh, name_en=name_en, question_key=question_key, operator=operator,
            value=value, goal_zh=goal_zh, goal_en=goal_en, measures_zh=measures_zh, measures_en=measures_en,
            owner=owner, due_in_days=due,
        ))
    db.session.flush()
    return len(defaults.RULES)


def questionnaire_has_answers(questionnaire: Questionnaire | int) -> bool:
    qid = questionnaire if isinstance(questionnaire, int) else questionnaire.id
    return bool(db.session.scalar(select(exists().where(QuestionnaireResponse.questionnaire_id == qid))))


def questionnaires_with_answers(ids: Iterable[int]) -> set[int]:
    ids = list(ids)
    if not ids:
        return set()
    return set(db.session.scalars(
        select(QuestionnaireResponse.questionnaire_id).where(QuestionnaireResponse.questionnaire_id.in_(ids)).distinct()
    ))


def update_questionnaire(questionnaire: Questionnaire, *, title_zh: str, title_en: str,
                         intro_zh: str | None, intro_en: str | None) -> Questionnaire:
    questionnaire.title_zh = title_zh.strip()
    questionnaire.title_en = title_en.strip()
    questionnaire.intro_zh = (intro_zh or "").strip() or None
    questionnaire.intro_en = (intro_en or "").strip() or None
    db.session.flush()
    return questionnaire


def new_version(questionnaire: Questionnaire, *, actor) -> Questionnaire:
    """A draft copy of a questionnaire (same question keys), to change what already has answers."""
    version = (db.session.scalar(select(func.max(Questionnaire.version))) or 0) + 1
    copy = Questionnaire(
        title_zh=questionnaire.title_zh, title_en=questionnaire.title_en,
        intro_zh=questionnaire.intro_zh, intro_en=questionnaire.intro_en,
        version=version, status=QuestionnaireStatus.DRAFT, created_by_id=actor.id,
    )
    for question in questionnaire.questions:
        copy.questions.append(Question(
            position=question.position, key=question.key, section=question.section, kind=question.kind,
            text_zh=question.text_zh, text_en=question.text_en, options=[dict(o) for o in question.options],
            required=question.required, sensitive=question.sensitive,
        ))
    db.session.add(copy)
    db.session.flush()
    return copy


def publish(questionnaire: Questionnaire, *, actor) -> Questionnaire:
    """Publish a version for new rounds; the previously published one is retired (its rounds keep it)."""
    if questionnaire.status == QuestionnaireStatus.PUBLISHED:
        return questionnaire
    if not questionnaire.questions:
        raise PlansError(_("A questionnaire needs at least one question before it is published."), status=409)
    db.session.execute(
        update(Questionnaire)
        .where(Questionnaire.status == QuestionnaireStatus.PUBLISHED, Questionnaire.id != questionnaire.id)
        .values(status=QuestionnaireStatus.RETIRED)
    )
    questionnaire.status = QuestionnaireStatus.PUBLISHED
    questionnaire.published_at = utcnow()
    db.session.flush()
    return questionnaire


def parse_options(text: str | None, kind: str) -> list[dict]:
    """Options written one per line as `key | 中文 | English`. Scale anchors use the keys low and high."""
    options: list[dict] = []
    seen: set[str] = set()
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 3 or not all(parts):
            raise PlansError(_("Line %(n)d: write each option as key | 中文 | English.", n=number), field="options")
        key, zh, en = parts
        if not KEY_RULE.match(key) and not (kind == QuestionKind.SCALE and key in ("low", "high")):
            raise PlansError(
                _("Line %(n)d: an option key has 2–48 lower-case letters, digits or underscores, starting with a letter.", n=number),
                field="options",
            )
        if key in seen:
            raise PlansError(_("Line %(n)d: the key %(key)s is used twice.", n=number, key=key), field="options")
        if kind == QuestionKind.SCALE and key not in ("low", "high"):
            raise PlansError(_("A scale question only takes the anchors low and high."), field="options")
        seen.add(key)
        options.append({"key": key, "zh": zh[:200], "en": en[:200]})
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) and len(options) < 2:
        raise PlansError(_("A choice question needs at least two options."), field="options")
    if kind == QuestionKind.TEXT and options:
        raise PlansError(_("A short-text question has no options."), field="options")
    return options


def format_options(options: list[dict]) -> str:
    return "\n".join(f"{o['key']} | {o.get('zh', '')} | {o.get('en', '')}" for o in options)


def add_question(questionnaire: Questionnaire, *, key: str, section: str, kind: str, text_zh: str, text_en: str,
                 options_text: str | None, required: bool, sensitive: bool) -> Question:
    key = (key or "").strip()
    if not KEY_RULE.match(key):
        raise PlansError(_("A key has 2–48 lower-case letters, digits or underscores, starting with a letter."), field="key")
    if any(q.key == key for q in questionnaire.questions):
        raise PlansError(_("This questionnaire already has a question with the key %(key)s.", key=key), field="key")
    _check_kind_and_section(kind, section)
    question = Question(
        key=key, section=section, kind=kind, text_zh=text_zh.strip(), text_en=text_en.strip(),
        options=parse_options(options_text, kind), required=required, sensitive=sensitive,
        position=max((q.position for q in questionnaire.questions), default=-1) + 1,
    )
    questionnaire.questions.append(question)
    db.session.flush()
    return question


def _check_kind_and_section(kind: str, section: str) -> None:
    if kind not in set(QuestionKind):
        raise PlansError(_("Choose a question type."), field="kind")
    if section not in set(Section):
        raise PlansError(_("Choose a section."), field="section")


def update_question(question: Question, *, section: str, kind: str, text_zh: str, text_en: str,
                    options_text: str | None, required: bool, sensitive: bool) -> Question:
    """Texts may always be corrected; the type and the option keys only while nobody has answered."""
    _check_kind_and_section(kind, section)
    options = parse_options(options_text, kind)
    if questionnaire_has_answers(question.questionnaire_id):
        old_keys = [o["key"] for o in question.options]
        new_keys = [o["key"] for o in options]
        if kind != question.kind or (kind != QuestionKind.SCALE and not set(old_keys) <= set(new_keys)):
            raise PlansError(
                _("Students have already answered this questionnaire: you can correct texts and add options, "
                  "but to change a question's type or remove options, make a new version."),
                field="kind" if kind != question.kind else "options", status=409,
            )
    question.section = section
    question.kind = kind
    question.text_zh = text_zh.strip()
    question.text_en = text_en.strip()
    question.options = options
    question.required = required
    question.sensitive = sensitive
    db.session.flush()
    return question


def delete_question(question: Question) -> None:
    if questionnaire_has_answers(question.questionnaire_id):
        raise PlansError(
            _("Students have already answered this questionnaire; make a new version to remove a question."), status=409
        )
    db.session.delete(question)
    db.session.flush()


def move_question(question: Question, *, up: bool) -> None:
    siblings = sorted(question.questionnaire.questions, key=lambda q: (q.position, q.id))
    index = siblings.index(question)
    other = index - 1 if up else index + 1
    if 0 <= other < len(siblings):
        siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, q in enumerate(siblings):
        q.position = position
    db.session.flush()


# --- rounds -----------------------------------------------------------------------------

ROUND_CODE = re.compile(r"^[0-9a-z][0-9a-z-]{1,23}$")


def save_round(round_: QuestionnaireRound | None, *, code: str, name_zh: str, name_en: str, opens_on: date,
               closes_on: date, questionnaire: Questionnaire) -> QuestionnaireRound:
    code = (code or "").strip().lower()
    if not ROUND_CODE.match(code):
        raise PlansError(_("A round code has 2–24 lower-case letters, digits or dashes, e.g. 2026-autumn."), field="code")
    if closes_on < opens_on:
        raise PlansError(_("A round closes on or after the day it opens."), field="closes_on")
    if questionnaire.status == QuestionnaireStatus.DRAFT:
        raise PlansError(_("Publish the questionnaire before a round uses it."), field="questionnaire_id")
    clash = db.session.scalar(select(QuestionnaireRound.id).where(
        QuestionnaireRound.code == code, QuestionnaireRound.id != (round_.id if round_ else -1)
    ))
    if clash:
        raise PlansError(_("Another round has the code %(code)s.", code=code), field="code")
    if round_ is None:
        round_ = QuestionnaireRound(questionnaire_id=questionnaire.id)
        db.session.add(round_)
    elif round_.questionnaire_id != questionnaire.id:
        has_answers = db.session.scalar(select(exists().where(QuestionnaireResponse.round_id == round_.id)))
        if has_answers:
            raise PlansError(_("This round already has answers; its questionnaire cannot change."),
                             field="questionnaire_id", status=409)
        round_.questionnaire_id = questionnaire.id
    round_.code = code
    round_.name_zh = name_zh.strip()
    round_.name_en = name_en.strip()
    round_.opens_on = opens_on
    round_.closes_on = closes_on
    db.session.flush()
    return round_


def is_open(round_: QuestionnaireRound, on: date | None = None) -> bool:
    on = on or today()
    return round_.opens_on <= on <= round_.closes_on


def rounds_started(on: date | None = None) -> list[QuestionnaireRound]:
    """Rounds that have opened (newest first): mentors may record answers for any of them."""
    on = on or today()
    return list(db.session.scalars(
        select(QuestionnaireRound).where(QuestionnaireRound.opens_on <= on)
        .order_by(QuestionnaireRound.opens_on.desc(), QuestionnaireRound.id.desc())
    ))


@cache
def _current_round_stmt():
    # built once: most plan pages ask for it
    on = bindparam("on", type_=Date)
    return (
        select(QuestionnaireRound)
        .where(QuestionnaireRound.opens_on <= on, QuestionnaireRound.closes_on >= on)
        .order_by(QuestionnaireRound.opens_on.desc(), QuestionnaireRound.id.desc()).limit(1)
    )


def current_round(on: date | None = None) -> QuestionnaireRound | None:
    """The open round that opened last; students answer it."""
    return db.session.scalar(_current_round_stmt(), {"on": on or today()})


# --- answers ----------------------------------------------------------------------------

def questions_of(questionnaire_id: int) -> list[Question]:
    return list(db.session.scalars(
        select(Question).where(Question.questionnaire_id == questionnaire_id).order_by(Question.position, Question.id)
    ))


def clean_answers(questions: list[Question], raw: dict, *, complete: bool) -> dict:
    """Answers checked against the questions: option keys, 1–5, short texts. With complete=True every
    required question must be answered; the errors name the question keys."""
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
    if errors:
        raise PlansError(_("Some answers need your attention."), errors=errors)
    return answers


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
    from portal.students.services import log_intervention

    on = today()
    if on_behalf:
        if channel not in ON_BEHALF_CHANNELS:
            raise PlansError(_("Say whether the answers come from a talk or a phone interview."), field="channel")
        if round_.opens_on > on:
            raise PlansError(_("This round has not opened yet."), status=409)
    elif not is_open(round_, on):
        raise PlansError(_("This round is closed; your mentor can still record your answers after a talk."), status=409)

    existing = get_response(student.id, round_.id)
    if existing is not None and existing.status == ResponseStatus.SUBMITTED:
        submit = True  # a submitted response stays submitted; changes to it must stay complete
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
            raise PlansError(_("These answers were just saved from another window; reload the page to see them."),
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
            student, author=actor, type=channel, channel=ON_BEHALF_CHANNELS[channel], notes=text,
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


def has_sensitive_answers(questions: list[Question], *responses: QuestionnaireResponse) -> bool:
    sensitive = {q.key for q in questions if q.sensitive}
    return any(sensitive & set(r.answers or {}) for r in responses if r is not None)


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


# --- interest inventory -----------------------------------------------------------------

def record_interest(student: Student, answers: dict[str, int], *, actor) -> InterestResult:
    try:
        scores = riasec.score(answers)
    except riasec.InventoryError:
        raise PlansError(_("Please answer every activity, from 1 to 5.")) from None
    result = InterestResult(
        student_id=student.id,
        answers={item_id: answers[item_id] for item_id in riasec.ITEM_IDS},
        scores=scores,
        code=riasec.code(scores),
        taken_by_id=actor.id,
    )
    db.session.add(result)
    db.session.flush()
    return result


def latest_interest(student_id: int) -> InterestResult | None:
    return db.session.scalar(
        select(InterestResult).where(InterestResult.student_id == student_id)
        .order_by(InterestResult.taken_at.desc(), InterestResult.id.desc()).limit(1)
    )


@cache
def _latest_codes_stmt():
    # built once: constructing a statement costs more than running it on a page of 50 ids
    ids = bindparam("ids", expanding=True)
    newest = (
        select(InterestResult.student_id, func.max(InterestResult.id).label("id"))
        .where(InterestResult.student_id.in_(ids)).group_by(InterestResult.student_id).subquery()
    )
    return select(InterestResult.student_id, InterestResult.code).join(newest, newest.c.id == InterestResult.id)


def latest_codes(student_ids: list[int]) -> dict[int, str]:
    """The latest interest code of each student, in one query."""
    if not student_ids:
        return {}
    return dict(db.session.execute(_latest_codes_stmt(), {"ids": student_ids}).all())


# --- support plans ----------------------------------------------------------------------

def review_interval() -> int:
    return int(settings.get("plans.review_interval_days"))


def get_plan(student_id: int) -> SupportPlan | None:
    return db.session.scalar(
        select(SupportPlan).where(SupportPlan.student_id == student_id)
        .options(selectinload(SupportPlan.goals), joinedload(SupportPlan.last_reviewed_by))
    )


def _event(plan: SupportPlan, kind: str, *, actor, goal: PlanGoal | None = None, detail: str | None = None,
           staff_only: bool = False) -> PlanEvent:
    event = PlanEvent(plan_id=plan.id, student_id=plan.student_id, goal_id=goal.id if goal else None, kind=kind,
                      detail=detail, staff_only=staff_only, actor_id=getattr(actor, "id", None))
    db.session.add(event)
    return event


def create_plan(student: Student, *, actor) -> SupportPlan:
    """Start the student's plan; only students in the ledger have one. Starting it twice is harmless."""
    existing = get_plan(student.id)
    if existing is not None:
        return existing
    if not is_in_ledger(student):
        raise PlansError(_("Only students in the ledger (with a verified hardship category) have a support plan."), status=409)
    plan = SupportPlan(student_id=student.id, created_by_id=actor.id, review_on=today() + timedelta(days=review_interval()))
    db.session.add(plan)
    try:
        db.session.flush()
    except IntegrityError:
        # started by someone else at the same moment
        db.session.rollback()
        return get_plan(student.id)
    _event(plan, "created", actor=actor)
    db.session.flush()
    return plan


def create_missing_plans(*, actor=None) -> int:
    """A plan for every student in the ledger who has none (bulk: one insert)."""
    from sqlalchemy import insert

    missing = list(db.session.scalars(
        select(Student.id).where(in_ledger(Student.id), ~exists().where(SupportPlan.student_id == Student.id))
    ))
    if not missing:
        return 0
    now = utcnow()
    review_on = today() + timedelta(days=review_interval())
    rows = [dict(student_id=sid, created_by_id=getattr(actor, "id", None), review_on=review_on,
                 created_at=now, updated_at=now) for sid in missing]
    for start in range(0, len(rows), 2000):
        db.session.execute(insert(SupportPlan), rows[start:start + 2000])
    db.session.flush()
    return len(rows)


def _check_goal_fields(title: str, owner: str) -> str:
    title = (title or "").strip()
    if not title:
        raise PlansError(_("A goal needs a title."), field="title")
    if owner not in set(GoalOwner):
        raise PlansError(_("Choose who owns the goal."), field="owner")
    return title[:200]


def _touch(plan: SupportPlan, actor) -> None:
    plan.updated_at = utcnow()
    if getattr(actor, "id", None) != plan.student.user_id:
        notifications.notify(plan.student.user_id, "plans.updated", link="/plans/me",
                             dedupe_key=f"plans.updated:{plan.id}:{today().isoformat()}")


def add_goal(plan: SupportPlan, *, title: str, measures: str | None, owner: str, due_on: date | None, actor) -> PlanGoal:
    title = _check_goal_fields(title, owner)
    goal = PlanGoal(
        plan=plan, title=title, measures=(measures or "").strip() or None, owner=owner, due_on=due_on,
        status=GoalStatus.OPEN, created_by_id=actor.id,
        position=max((g.position for g in plan.goals), default=-1) + 1,
    )
    db.session.add(goal)
    db.session.flush()
    _event(plan, "goal_added", actor=actor, goal=goal, detail=goal.title)
    _touch(plan, actor)
    db.session.flush()
    return goal


def edit_goal(goal: PlanGoal, *, title: str, measures: str | None, owner: str, due_on: date | None, actor) -> PlanGoal:
    """Change a goal. Editing a suggestion accepts it."""
    title = _check_goal_fields(title, owner)
    if goal.status == GoalStatus.DROPPED:
        raise PlansError(_("This goal was dropped; add a new one instead."), status=409)
    accepted = goal.status == GoalStatus.SUGGESTED
    goal.title = title
    goal.measures = (measures or "").strip() or None
    goal.owner = owner
    goal.due_on = due_on
    if accepted:
        goal.status = GoalStatus.OPEN
    _event(goal.plan, "goal_accepted" if accepted else "goal_edited", actor=actor, goal=goal, detail=goal.title)
    _touch(goal.plan, actor)
    db.session.flush()
    return goal


def _set_status(goal: PlanGoal, *, allowed_from: tuple[str, ...], to: str) -> None:
    """Change the status only if it is still what the page showed (two mentors at once: one wins)."""
    result = db.session.execute(
        update(PlanGoal).where(PlanGoal.id == goal.id, PlanGoal.status.in_(allowed_from)).values(status=to)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(goal)
        raise PlansError(_("This goal has changed in the meantime; the page now shows it as it is."), status=409)
    db.session.refresh(goal)


def accept_goal(goal: PlanGoal, *, actor) -> PlanGoal:
    _set_status(goal, allowed_from=(GoalStatus.SUGGESTED,), to=GoalStatus.OPEN)
    _event(goal.plan, "goal_accepted", actor=actor, goal=goal, detail=goal.title)
    _touch(goal.plan, actor)
    db.session.flush()
    return goal


def drop_goal(goal: PlanGoal, *, actor) -> PlanGoal:
    was_suggestion = goal.status == GoalStatus.SUGGESTED
    _set_status(goal, allowed_from=(GoalStatus.SUGGESTED, GoalStatus.OPEN), to=GoalStatus.DROPPED)
    _event(goal.plan, "goal_dropped", actor=actor, goal=goal, detail=goal.title, staff_only=was_suggestion)
    if not was_suggestion:
        _touch(goal.plan, actor)
    db.session.flush()
    return goal


def complete_goal(goal: PlanGoal, *, actor) -> PlanGoal:
    _set_status(goal, allowed_from=(GoalStatus.OPEN,), to=GoalStatus.DONE)
    goal.completed_at = utcnow()
    goal.completed_by_id = actor.id
    _event(goal.plan, "goal_done", actor=actor, goal=goal, detail=goal.title)
    _touch(goal.plan, actor)
    db.session.flush()
    return goal


def reopen_goal(goal: PlanGoal, *, actor) -> PlanGoal:
    _set_status(goal, allowed_from=(GoalStatus.DONE,), to=GoalStatus.OPEN)
    goal.completed_at = None
    goal.completed_by_id = None
    _event(goal.plan, "goal_reopened", actor=actor, goal=goal, detail=goal.title)
    _touch(goal.plan, actor)
    db.session.flush()
    return goal


def review_plan(plan: SupportPlan, *, actor, note: str | None, next_review_on: date) -> SupportPlan:
    if next_review_on <= today():
        raise PlansError(_("The next review is a date after today."), field="next_review_on")
    plan.last_reviewed_at = utcnow()
    plan.last_reviewed_by_id = actor.id
    plan.review_on = next_review_on
    note = (note or "").strip() or None
    if note:
        plan.summary = note
    _event(plan, "reviewed", actor=actor, detail=note)
    notifications.notify(plan.student.user_id, "plans.reviewed", link="/plans/me")
    plan.updated_at = utcnow()
    db.session.flush()
    return plan


def goal_is_overdue(goal: PlanGoal, on: date | None = None) -> bool:
    return goal.status == GoalStatus.OPEN and goal.due_on is not None and goal.due_on < (on or today())


@cache
def _plan_progress_stmt():
    # built once (see _latest_codes_stmt)
    is_open_goal = PlanGoal.status == GoalStatus.OPEN
    return (
        select(
            SupportPlan.student_id,
            func.count(case((is_open_goal, 1))),
            func.count(case((and_(is_open_goal, PlanGoal.due_on < bindparam("on", type_=Date)), 1))),
        )
        .outerjoin(PlanGoal, PlanGoal.plan_id == SupportPlan.id)
        .where(SupportPlan.student_id.in_(bindparam("ids", expanding=True)))
        .group_by(SupportPlan.student_id)
    )


def plan_progress(student_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """For the caseload page: student id -> (open goals, overdue goals), in one query.

    Students without a plan are absent from the result; a plan with no open goal gives (0, 0).
    Overdue means open with a due date before today in the office's time zone.
    """
    ids = list(student_ids)
    if not ids:
        return {}
    found = plain_rows(_plan_progress_stmt(), {"ids": ids, "on": today()})
    return {student_id: (int(open_count), int(overdue)) for student_id, open_count, overdue in found}


@cache
def _goal_counts_stmt():
    # built once (see _latest_codes_stmt)
    is_open_goal = PlanGoal.status == GoalStatus.OPEN
    return (
        select(
            PlanGoal.plan_id,
            func.count(case((is_open_goal, 1))),
            func.count(case((and_(is_open_goal, PlanGoal.due_on < bindparam("on", type_=Date)), 1))),
            func.count(case((PlanGoal.status == GoalStatus.DONE, 1))),
            func.count(case((PlanGoal.status == GoalStatus.SUGGESTED, 1))),
        )
        .where(PlanGoal.plan_id.in_(bindparam("ids", expanding=True)))
        .group_by(PlanGoal.plan_id)
    )


def goal_counts(plan_ids: list[int]) -> dict[int, tuple[int, int, int, int]]:
    """Per plan on a page: (open, overdue, done, suggested) goals, in one query; plans without goals are left out."""
    if not plan_ids:
        return {}
    rows = db.session.execute(_goal_counts_stmt(), {"ids": plan_ids, "on": today()}).all()
    return {plan_id: (o, od, d, sg) for plan_id, o, od, d, sg in rows}


def plan_list(viewer, *, show: str = "", q: str | None = None):
    """Students in the ledger with their plans, for the plans list: a mentor's caseload, or everyone for admins.

    show: "" all, "due" review due, "overdue" with overdue goals, "none" without a plan.
    Returns (rows, count): rows give (id, student_no, major, display_name, plan_id, review_on) — plan_id
    None without a plan — in student-number order (review date for "due"); count counts them without
    the joins the rows need.
    """
    on = today()
    if q:
        return _plan_list_stmts(viewer.role, viewer.id, show, q, on)
    # unsearched: the same statements on every visit, built once (building costs as much as running)
    return _plan_list_stmts_kept(viewer.role, None if viewer.role == "admin" else viewer.id, show, on)


@lru_cache(maxsize=128)
def _plan_list_stmts_kept(role: str, viewer_id: int | None, show: str, on: date):
    return _plan_list_stmts(role, viewer_id, show, None, on)


def _plan_list_stmts(role: str, viewer_id: int | None, show: str, q: str | None, on: date):
    from types import SimpleNamespace

    from portal.students.services import caseload_student_ids

    viewer = SimpleNamespace(id=viewer_id, role=role)
    # Every filter but q is on the student id alone, so the count runs over the ledger's verified
    # claims and never reads the students table. The rows test the ledger per student (EXISTS): a
    # page walks the student-number index and stops after 50 rows instead of joining and sorting
    # the whole ledger first.
    id_filters = []
    if viewer.role != "admin":
        id_filters.append(lambda column: column.in_(caseload_student_ids(viewer)))
    if show == "due":
        id_filters.append(lambda column: column.in_(select(SupportPlan.student_id).where(SupportPlan.review_on <= on)))
    elif show == "overdue":
        id_filters.append(lambda column: column.in_(
            select(SupportPlan.student_id).join(PlanGoal, PlanGoal.plan_id == SupportPlan.id)
            .where(PlanGoal.status == GoalStatus.OPEN, PlanGoal.due_on < on)
        ))
    elif show == "none":
        id_filters.append(lambda column: column.not_in(select(SupportPlan.student_id)))
    where = [*(f(Student.id) for f in id_filters)]
    if q:
        like = f"%{q.strip()}%"
        where.append(or_(User.display_name.ilike(like), Student.student_no.ilike(like), Student.major.ilike(like)))
        count = select(func.count(Student.id)).join(User, User.id == Student.user_id).where(in_ledger(Student.id), *where)
    else:
        count = ledger_count(*id_filters)
    where.append(in_ledger_row(Student.id))
    # only the columns the list shows, as plain rows: no ORM objects to build for 150 entities a page
    rows = (
        select(Student.id, Student.student_no, Student.major, User.display_name,
               SupportPlan.id.label("plan_id"), SupportPlan.review_on)
        .join(User, User.id == Student.user_id)
        .outerjoin(SupportPlan, SupportPlan.student_id == Student.id)
        .where(*where)
    )
    rows = rows.order_by(SupportPlan.review_on, Student.student_no) if show == "due" else rows.order_by(Student.student_no)
    return rows, count


@cache
def _response_status_stmt():
    # built once (see _latest_codes_stmt)
    return select(QuestionnaireResponse.student_id, QuestionnaireResponse.status).where(
        QuestionnaireResponse.round_id == bindparam("round_id"),
        QuestionnaireResponse.student_id.in_(bindparam("ids", expanding=True)),
    )


def response_status(student_ids: list[int], round_id: int | None) -> dict[int, str]:
    if not student_ids or round_id is None:
        return {}
    return dict(db.session.execute(_response_status_stmt(), {"ids": student_ids, "round_id": round_id}).all())


# --- suggestions from the rule table ---------------------------------------------------------

def rule_matches(rule: PlanRule, answers: dict, interest_code: str | None) -> bool:
    values = [v.strip() for v in (rule.value or "").split(",") if v.strip()]
    if rule.operator == RuleOperator.INTEREST_MISSING:
        return interest_code is None
    if rule.operator == RuleOperator.INTEREST_TOP:
        return interest_code is not None and any(letter in interest_code[:2] for letter in values)
    answer = answers.get(rule.question_key) if rule.question_key else None
    if answer is None:
        return False
    if rule.operator == RuleOperator.ANY_OF:
        chosen = answer if isinstance(answer, list) else [answer]
        return any(str(v) in values for v in chosen)
    if rule.operator in (RuleOperator.AT_LEAST, RuleOperator.AT_MOST):
        try:
            threshold = int(values[0])
            value = int(answer)
        except (IndexError, TypeError, ValueError):
            return False
        return value >= threshold if rule.operator == RuleOperator.AT_LEAST else value <= threshold
    return False


def suggest_goals(plan: SupportPlan, *, actor) -> list[PlanGoal]:
    """Add the rule table's suggestions that fit the latest answers and interest code.

    A rule suggests once per plan: whatever the mentor did with its suggestion (accepted, edited,
    dropped) stands, and asking again only adds what newer answers call for.
    """
    response = latest_submitted(plan.student_id)
    interest = latest_interest(plan.student_id)
    answers = response.answers if response else {}
    interest_code = interest.code if interest else None
    already = {g.rule_id for g in plan.goals if g.rule_id is not None}
    rules = db.session.scalars(select(PlanRule).where(PlanRule.active.is_(True)).order_by(PlanRule.position, PlanRule.id))
    on = today()
    position = max((g.position for g in plan.goals), default=-1)
    added = []
    for rule in rules:
        if rule.id in already or not rule_matches(rule, answers, interest_code):
            continue
        position += 1
        goal = PlanGoal(
            plan=plan, title=localized(rule, "goal")[:200], measures=localized(rule, "measures") or None,
            owner=rule.owner, due_on=on + timedelta(days=rule.due_in_days), status=GoalStatus.SUGGESTED,
            rule_id=rule.id, reason=localized(rule, "name")[:300], created_by_id=actor.id, position=position,
        )
        db.session.add(goal)
        added.append(goal)
    if added:
        db.session.flush()
        _event(plan, "suggested", actor=actor, staff_only=True,
               detail=_("%(n)d suggestions", n=len(added)))
        db.session.flush()
    return added


def save_rule(rule: PlanRule | None, *, name_zh: str, name_en: str, question_key: str | None, operator: str,
              value: str | None, goal_zh: str, goal_en: str, measures_zh: str | None, measures_en: str | None,
              owner: str, due_in_days: int, active: bool) -> PlanRule:
    if operator not in set(RuleOperator):
        raise PlansError(_("Choose a condition."), field="operator")
    question_key = (question_key or "").strip() or None
    value = (value or "").strip() or None
    if operator in (RuleOperator.ANY_OF, RuleOperator.AT_LEAST, RuleOperator.AT_MOST) and not question_key:
        raise PlansError(_("This condition needs a question key."), field="question_key")
    if operator in (RuleOperator.AT_LEAST, RuleOperator.AT_MOST):
        if value is None or not value.isdigit() or not 1 <= int(value) <= 5:
            raise PlansError(_("Give a point from 1 to 5."), field="value")
    if operator == RuleOperator.ANY_OF and not value:
        raise PlansError(_("List the option keys, separated by commas."), field="value")
    if operator == RuleOperator.INTEREST_TOP:
        letters = [v.strip().upper() for v in (value or "").split(",") if v.strip()]
        if not letters or any(letter not in riasec.LETTERS for letter in letters):
            raise PlansError(_("List interest letters among R, I, A, S, E, C, separated by commas."), field="value")
        value = ",".join(letters)
        question_key = None
    if operator == RuleOperator.INTEREST_MISSING:
        question_key, value = None, None
    if owner not in set(GoalOwner):
        raise PlansError(_("Choose who owns the goal."), field="owner")
    if rule is None:
        rule = PlanRule(position=(db.session.scalar(select(func.max(PlanRule.position))) or 0) + 1)
        db.session.add(rule)
    rule.name_zh, rule.name_en = name_zh.strip(), name_en.strip()
    rule.question_key, rule.operator, rule.value = question_key, operator, value
    rule.goal_zh, rule.goal_en = goal_zh.strip(), goal_en.strip()
    rule.measures_zh = (measures_zh or "").strip() or None
    rule.measures_en = (measures_en or "").strip() or None
    rule.owner, rule.due_in_days, rule.active = owner, due_in_days, active
    db.session.flush()
    return rule


def known_question_keys() -> set[str]:
    return set(db.session.scalars(select(Question.key).distinct()))


def plans_due_for_review(on: date | None = None) -> list[tuple[SupportPlan, list[int]]]:
    """Plans whose review date has come, with the ids of the student's mentors (for reminders)."""
    from portal.students.models import MentorAssignment

    on = on or today()
    plans = list(db.session.scalars(
        select(SupportPlan).where(SupportPlan.review_on <= on)
        .options(joinedload(SupportPlan.student).joinedload(Student.user))
    ))
    mentors: dict[int, list[int]] = {}
    if plans:
        for student_id, mentor_id in db.session.execute(
            select(MentorAssignment.student_id, MentorAssignment.mentor_id)
            .where(MentorAssignment.student_id.in_([p.student_id for p in plans]))
        ):
            mentors.setdefault(student_id, []).append(mentor_id)
    return [(plan, mentors.get(plan.student_id, [])) for plan in plans]


def remind_reviews(on: date | None = None) -> int:
    """Leave each mentor a notification for every plan due for review (once per review date)."""
    sent = 0
    for plan, mentor_ids in plans_due_for_review(on):
        for mentor_id in mentor_ids:
            if notifications.notify(
                mentor_id, "plans.review_due", link=f"/plans/students/{plan.student_id}",
                dedupe_key=f"plans.review_due:{plan.id}:{plan.review_on.isoformat()}:{mentor_id}",
                name=plan.student.user.display_name,
            ) is not None:
                sent += 1
    db.session.flush()
    return sent


# the caseload page shows each student's open and overdue goals
from portal.students.services import PLAN_PROGRESS_PROVIDERS  # noqa: E402

PLAN_PROGRESS_PROVIDERS.append(plan_progress)
