"""The suggestion rules: which answers or interest codes call for which goal, as the office keeps them."""
from __future__ import annotations

from sqlalchemy import exists, func, select

from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.plans import defaults, riasec
from portal.plans.models import GoalOwner, PlanRule, Question, RuleOperator


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


def rule_matches(rule: PlanRule, answers: dict, interest_code: str | None) -> bool:
    """Whether the rule calls for its goal given a student's latest answers and interest code."""
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


def save_rule(rule: PlanRule | None, *, name_zh: str, name_en: str, question_key: str | None, operator: str,
              value: str | None, goal_zh: str, goal_en: str, measures_zh: str | None, measures_en: str | None,
              owner: str, due_in_days: int, active: bool) -> PlanRule:
    if operator not in set(RuleOperator):
        raise RuleViolation(_("Choose a condition."), field="operator")
    question_key = (question_key or "").strip() or None
    value = (value or "").strip() or None
    if operator in (RuleOperator.ANY_OF, RuleOperator.AT_LEAST, RuleOperator.AT_MOST) and not question_key:
        raise RuleViolation(_("This condition needs a question key."), field="question_key")
    if operator in (RuleOperator.AT_LEAST, RuleOperator.AT_MOST):
        if value is None or not value.isdigit() or not 1 <= int(value) <= 5:
            raise RuleViolation(_("Give a point from 1 to 5."), field="value")
    if operator == RuleOperator.ANY_OF and not value:
        raise RuleViolation(_("List the option keys, separated by commas."), field="value")
    if operator == RuleOperator.INTEREST_TOP:
        letters = [v.strip().upper() for v in (value or "").split(",") if v.strip()]
        if not letters or any(letter not in riasec.LETTERS for letter in letters):
            raise RuleViolation(_("List interest letters among R, I, A, S, E, C, separated by commas."), field="value")
        value = ",".join(letters)
        question_key = None
    if operator == RuleOperator.INTEREST_MISSING:
        question_key, value = None, None
    if owner not in set(GoalOwner):
        raise RuleViolation(_("Choose who owns the goal."), field="owner")
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
