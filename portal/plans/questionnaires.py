"""The intake questionnaire as the office keeps it: versions and their questions, publishing, and
the survey rounds students answer."""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError

from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.models_base import utcnow
from portal.plans import defaults
from portal.plans.models import (
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireResponse,
    QuestionnaireRound,
    QuestionnaireStatus,
    Section,
)
from portal.plans.rules import ensure_default_rules
from portal.plans.services import today

KEY_RULE = re.compile(r"^[a-z][a-z0-9_]{1,47}$")
ROUND_CODE = re.compile(r"^[0-9a-z][0-9a-z-]{1,23}$")


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
        raise RuleViolation(_("A questionnaire needs at least one question before it is published."), status=409)
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
            raise RuleViolation(_("Line %(n)d: write each option as key | 中文 | English.", n=number), field="options")
        key, zh, en = parts
        if not KEY_RULE.match(key) and not (kind == QuestionKind.SCALE and key in ("low", "high")):
            raise RuleViolation(
                _("Line %(n)d: an option key has 2–48 lower-case letters, digits or underscores, starting with a letter.", n=number),
                field="options",
            )
        if key in seen:
            raise RuleViolation(_("Line %(n)d: the key %(key)s is used twice.", n=number, key=key), field="options")
        if kind == QuestionKind.SCALE and key not in ("low", "high"):
            raise RuleViolation(_("A scale question only takes the anchors low and high."), field="options")
        seen.add(key)
        options.append({"key": key, "zh": zh[:200], "en": en[:200]})
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) and len(options) < 2:
        raise RuleViolation(_("A choice question needs at least two options."), field="options")
    if kind == QuestionKind.TEXT and options:
        raise RuleViolation(_("A short-text question has no options."), field="options")
    return options


def format_options(options: list[dict]) -> str:
    return "\n".join(f"{o['key']} | {o.get('zh', '')} | {o.get('en', '')}" for o in options)


def add_question(questionnaire: Questionnaire, *, key: str, section: str, kind: str, text_zh: str, text_en: str,
                 options_text: str | None, required: bool, sensitive: bool) -> Question:
    key = (key or "").strip()
    if not KEY_RULE.match(key):
        raise RuleViolation(_("A key has 2–48 lower-case letters, digits or underscores, starting with a letter."), field="key")
    if any(q.key == key for q in questionnaire.questions):
        raise RuleViolation(_("This questionnaire already has a question with the key %(key)s.", key=key), field="key")
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
        raise RuleViolation(_("Choose a question type."), field="kind")
    if section not in set(Section):
        raise RuleViolation(_("Choose a section."), field="section")


def update_question(question: Question, *, section: str, kind: str, text_zh: str, text_en: str,
                    options_text: str | None, required: bool, sensitive: bool) -> Question:
    """Texts may always be corrected; the type and the option keys only while nobody has answered."""
    _check_kind_and_section(kind, section)
    options = parse_options(options_text, kind)
    if questionnaire_has_answers(question.questionnaire_id):
        old_keys = [o["key"] for o in question.options]
        new_keys = [o["key"] for o in options]
        if kind != question.kind or (kind != QuestionKind.SCALE and not set(old_keys) <= set(new_keys)):
            raise RuleViolation(
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
        raise RuleViolation(
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

def save_round(round_: QuestionnaireRound | None, *, code: str, name_zh: str, name_en: str, opens_on: date,
               closes_on: date, questionnaire: Questionnaire) -> QuestionnaireRound:
    code = (code or "").strip().lower()
    if not ROUND_CODE.match(code):
        raise RuleViolation(_("A round code has 2–24 lower-case letters, digits or dashes, e.g. 2026-autumn."), field="code")
    if closes_on < opens_on:
        raise RuleViolation(_("A round closes on or after the day it opens."), field="closes_on")
    if questionnaire.status == QuestionnaireStatus.DRAFT:
        raise RuleViolation(_("Publish the questionnaire before a round uses it."), field="questionnaire_id")
    clash = db.session.scalar(select(QuestionnaireRound.id).where(
        QuestionnaireRound.code == code, QuestionnaireRound.id != (round_.id if round_ else -1)
    ))
    if clash:
        raise RuleViolation(_("Another round has the code %(code)s.", code=code), field="code")
    if round_ is None:
        round_ = QuestionnaireRound(questionnaire_id=questionnaire.id)
        db.session.add(round_)
    elif round_.questionnaire_id != questionnaire.id:
        has_answers = db.session.scalar(select(exists().where(QuestionnaireResponse.round_id == round_.id)))
        if has_answers:
            raise RuleViolation(_("This round already has answers; its questionnaire cannot change."),
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


def current_round(on: date | None = None) -> QuestionnaireRound | None:
    """The open round that opened last; students answer it."""
    on = on or today()
    return db.session.scalar(
        select(QuestionnaireRound)
        .where(QuestionnaireRound.opens_on <= on, QuestionnaireRound.closes_on >= on)
        .order_by(QuestionnaireRound.opens_on.desc(), QuestionnaireRound.id.desc()).limit(1)
    )


def questions_of(questionnaire_id: int) -> list[Question]:
    return list(db.session.scalars(
        select(Question).where(Question.questionnaire_id == questionnaire_id).order_by(Question.position, Question.id)
    ))
