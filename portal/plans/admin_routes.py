"""The office's pages: questionnaire versions and their questions, survey rounds, and the suggestion rules."""
from __future__ import annotations

from collections import Counter

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal import policy
from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.plans import bp, questionnaires, rules
from portal.plans.forms import (
    KIND_LABELS,
    OPERATOR_LABELS,
    OWNER_LABELS,
    SECTION_LABELS,
    EmptyForm,
    MoveForm,
    QuestionForm,
    QuestionnaireForm,
    RoundForm,
    RuleForm,
    show_error,
)
from portal.plans.models import (
    PlanRule,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireResponse,
    QuestionnaireRound,
    QuestionnaireStatus,
    ResponseStatus,
)
from portal.plans.services import localized, option_label, today


def get_questionnaire_or_404(questionnaire_id: int) -> Questionnaire:
    questionnaire = db.session.scalar(
        select(Questionnaire).where(Questionnaire.id == questionnaire_id).options(selectinload(Questionnaire.questions))
    )
    if questionnaire is None:
        abort(404)
    return questionnaire


def get_question_or_404(question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None:
        abort(404)
    return question


def get_round_or_404(round_id: int) -> QuestionnaireRound:
    round_ = db.session.get(QuestionnaireRound, round_id)
    if round_ is None:
        abort(404)
    return round_


def get_rule_or_404(rule_id: int) -> PlanRule:
    rule = db.session.get(PlanRule, rule_id)
    if rule is None:
        abort(404)
    return rule


def _apply_error(form, error: RuleViolation) -> None:
    if not show_error(form, error):
        flash(str(error), "error")


@bp.route("/admin/")
@login_required
def admin_home():
    policy.require("questionnaires.manage")
    versions = list(db.session.scalars(select(Questionnaire).order_by(Questionnaire.version.desc())))
    question_counts = dict(db.session.execute(
        select(Question.questionnaire_id, func.count(Question.id)).group_by(Question.questionnaire_id)
    ).all())
    rounds = list(db.session.scalars(
        select(QuestionnaireRound).order_by(QuestionnaireRound.opens_on.desc(), QuestionnaireRound.id.desc())
    ))
    response_counts: dict[int, Counter] = {}
    for round_id, status, count in db.session.execute(
        select(QuestionnaireResponse.round_id, QuestionnaireResponse.status, func.count(QuestionnaireResponse.id))
        .group_by(QuestionnaireResponse.round_id, QuestionnaireResponse.status)
    ):
        response_counts.setdefault(round_id, Counter())[status] = count
    rule_count = db.session.scalar(select(func.count(PlanRule.id)))
    titles = {q.id: f"{localized(q, 'title')} · v{q.version}" for q in versions}
    return render_template(
        "plans/admin_home.html", questionnaires=versions, question_counts=question_counts, rounds=rounds,
        response_counts=response_counts, rule_count=rule_count, titles=titles,
        answered=questionnaires.questionnaires_with_answers([q.id for q in versions]),
        button_form=EmptyForm(formdata=None), today=today(),
    )


@bp.post("/admin/default")
@login_required
def admin_ensure_default():
    policy.require("questionnaires.manage")
    if not EmptyForm().validate_on_submit():
        abort(400)
    questionnaire, created = questionnaires.ensure_default_questionnaire(actor=current_user)
    db.session.commit()
    if created:
        flash(_("The default questionnaire and suggestion rules have been added."), "success")
    else:
        flash(_("The default questionnaire is already there; nothing was changed."), "success")
    return redirect(url_for("plans.admin_questionnaire", questionnaire_id=questionnaire.id))


def _questionnaire_page(questionnaire: Questionnaire, form: QuestionnaireForm, *, status: int = 200):
    return render_template(
        "plans/admin_questionnaire.html", questionnaire=questionnaire, form=form,
        has_answers=questionnaires.questionnaire_has_answers(questionnaire), button_form=EmptyForm(formdata=None),
        move_form=MoveForm(formdata=None), section_labels=SECTION_LABELS, kind_labels=KIND_LABELS,
    ), status


@bp.route("/admin/questionnaires/<int:questionnaire_id>", methods=["GET", "POST"])
@login_required
def admin_questionnaire(questionnaire_id: int):
    policy.require("questionnaires.manage")
    questionnaire = get_questionnaire_or_404(questionnaire_id)
    form = QuestionnaireForm(obj=questionnaire) if request.method == "GET" else QuestionnaireForm()
    if form.validate_on_submit():
        questionnaires.update_questionnaire(questionnaire, title_zh=form.title_zh.data, title_en=form.title_en.data,
                                      intro_zh=form.intro_zh.data, intro_en=form.intro_en.data)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("plans.admin_questionnaire", questionnaire_id=questionnaire.id))
    return _questionnaire_page(questionnaire, form, status=400 if request.method == "POST" else 200)


@bp.post("/admin/questionnaires/<int:questionnaire_id>/copy")
@login_required
def admin_questionnaire_copy(questionnaire_id: int):
    policy.require("questionnaires.manage")
    questionnaire = get_questionnaire_or_404(questionnaire_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    copy = questionnaires.new_version(questionnaire, actor=current_user)
    db.session.commit()
    flash(_("Version %(v)d created as a draft. Edit it, then publish it for the next round.", v=copy.version), "success")
    return redirect(url_for("plans.admin_questionnaire", questionnaire_id=copy.id))


@bp.post("/admin/questionnaires/<int:questionnaire_id>/publish")
@login_required
def admin_questionnaire_publish(questionnaire_id: int):
    policy.require("questionnaires.manage")
    questionnaire = get_questionnaire_or_404(questionnaire_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        questionnaires.publish(questionnaire, actor=current_user)
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error), "error")
        return _questionnaire_page(get_questionnaire_or_404(questionnaire_id),
                                   QuestionnaireForm(formdata=None, obj=questionnaire), status=error.status)
    db.session.commit()
    flash(_("Published. New rounds can use this version."), "success")
    return redirect(url_for("plans.admin_questionnaire", questionnaire_id=questionnaire.id))


def _question_page(questionnaire: Questionnaire, form: QuestionForm, question: Question | None, *, status: int = 200):
    return render_template(
        "plans/admin_question.html", questionnaire=questionnaire, form=form, question=question,
        has_answers=questionnaires.questionnaire_has_answers(questionnaire),
    ), status


@bp.route("/admin/questionnaires/<int:questionnaire_id>/questions/new", methods=["GET", "POST"])
@login_required
def admin_question_new(questionnaire_id: int):
    policy.require("questionnaires.manage")
    questionnaire = get_questionnaire_or_404(questionnaire_id)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            questionnaires.add_question(
                questionnaire, key=form.key.data, section=form.section.data, kind=form.kind.data,
                text_zh=form.text_zh.data, text_en=form.text_en.data, options_text=form.options.data,
                required=form.required.data, sensitive=form.sensitive.data,
            )
        except RuleViolation as error:
            db.session.rollback()
            _apply_error(form, error)
            return _question_page(get_questionnaire_or_404(questionnaire_id), form, None, status=error.status)
        db.session.commit()
        flash(_("Question added."), "success")
        return redirect(url_for("plans.admin_questionnaire", questionnaire_id=questionnaire.id))
    return _question_page(questionnaire, form, None, status=400 if request.method == "POST" else 200)


@bp.route("/admin/questions/<int:question_id>", methods=["GET", "POST"])
@login_required
def admin_question_edit(question_id: int):
    policy.require("questionnaires.manage")
    question = get_question_or_404(question_id)
    if request.method == "GET":
        form = QuestionForm(obj=question)
        form.options.data = questionnaires.format_options(question.options)
    else:
        form = QuestionForm()
        form.key.data = question.key  # the key never changes: answers of other rounds are matched by it
    if form.validate_on_submit():
        try:
            questionnaires.update_question(
                question, section=form.section.data, kind=form.kind.data, text_zh=form.text_zh.data,
                text_en=form.text_en.data, options_text=form.options.data, required=form.required.data,
                sensitive=form.sensitive.data,
            )
        except RuleViolation as error:
            db.session.rollback()
            question = get_question_or_404(question_id)
            _apply_error(form, error)
            return _question_page(question.questionnaire, form, question, status=error.status)
        db.session.commit()
        flash(_("Question saved."), "success")
        return redirect(url_for("plans.admin_questionnaire", questionnaire_id=question.questionnaire_id))
    return _question_page(question.questionnaire, form, question, status=400 if request.method == "POST" else 200)


@bp.post("/admin/questions/<int:question_id>/delete")
@login_required
def admin_question_delete(question_id: int):
    policy.require("questionnaires.manage")
    question = get_question_or_404(question_id)
    questionnaire_id = question.questionnaire_id
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        questionnaires.delete_question(question)
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error), "error")
        questionnaire = get_questionnaire_or_404(questionnaire_id)
        return _questionnaire_page(questionnaire, QuestionnaireForm(formdata=None, obj=questionnaire), status=error.status)
    db.session.commit()
    flash(_("Question removed."), "success")
    return redirect(url_for("plans.admin_questionnaire", questionnaire_id=questionnaire_id))


@bp.post("/admin/questions/<int:question_id>/move")
@login_required
def admin_question_move(question_id: int):
    policy.require("questionnaires.manage")
    question = get_question_or_404(question_id)
    form = MoveForm()
    if not form.validate_on_submit() or form.direction.data not in ("up", "down"):
        abort(400)
    questionnaires.move_question(question, up=form.direction.data == "up")
    db.session.commit()
    return redirect(url_for("plans.admin_questionnaire", questionnaire_id=question.questionnaire_id) + f"#question-{question.id}")


# --- rounds ------------------------------------------------------------------------------------

def _round_form(round_: QuestionnaireRound | None) -> RoundForm:
    form = RoundForm(obj=round_) if request.method == "GET" and round_ else RoundForm()
    usable = list(db.session.scalars(
        select(Questionnaire).where(Questionnaire.status != QuestionnaireStatus.DRAFT).order_by(Questionnaire.version.desc())
    ))
    form.questionnaire_id.choices = [(q.id, f"{localized(q, 'title')} · v{q.version}") for q in usable]
    if request.method == "GET" and round_ is None and usable:
        form.questionnaire_id.data = usable[0].id
    return form


def _save_round(round_: QuestionnaireRound | None):
    policy.require("questionnaires.manage")
    form = _round_form(round_)
    status = 200
    if form.validate_on_submit():
        questionnaire = db.session.get(Questionnaire, form.questionnaire_id.data)
        if questionnaire is None:
            abort(400)
        try:
            round_ = questionnaires.save_round(
                round_, code=form.code.data, name_zh=form.name_zh.data, name_en=form.name_en.data,
                opens_on=form.opens_on.data, closes_on=form.closes_on.data, questionnaire=questionnaire,
            )
        except RuleViolation as error:
            db.session.rollback()
            _apply_error(form, error)
            status = error.status
        else:
            db.session.commit()
            flash(_("Round saved."), "success")
            return redirect(url_for("plans.admin_home"))
    elif request.method == "POST":
        status = 400
    return render_template("plans/admin_round.html", form=form, round=round_), status


@bp.route("/admin/rounds/new", methods=["GET", "POST"])
@login_required
def admin_round_new():
    return _save_round(None)


@bp.route("/admin/rounds/<int:round_id>", methods=["GET", "POST"])
@login_required
def admin_round_edit(round_id: int):
    policy.require("questionnaires.manage")
    return _save_round(get_round_or_404(round_id))


@bp.route("/admin/rounds/<int:round_id>/summary")
@login_required
def admin_round_summary(round_id: int):
    """How the round's submitted answers are spread, question by question (no names)."""
    policy.require("questionnaires.manage")
    round_ = get_round_or_404(round_id)
    questions = questionnaires.questions_of(round_.questionnaire_id)
    answers = list(db.session.scalars(
        select(QuestionnaireResponse.answers)
        .where(QuestionnaireResponse.round_id == round_.id, QuestionnaireResponse.status == ResponseStatus.SUBMITTED)
    ))
    summary = []
    for question in questions:
        counts: Counter = Counter()
        answered = 0
        for row in answers:
            value = (row or {}).get(question.key)
            if value is None:
                continue
            answered += 1
            if question.kind == QuestionKind.MULTIPLE:
                counts.update(value)
            elif question.kind in (QuestionKind.SINGLE, QuestionKind.SCALE):
                counts[str(value)] += 1
        if question.kind == QuestionKind.SCALE:
            bars = [(str(n), str(n), counts.get(str(n), 0)) for n in range(1, 6)]
        elif question.kind == QuestionKind.TEXT:
            bars = []
        else:
            bars = [(o["key"], option_label(o), counts.get(o["key"], 0)) for o in question.options]
        summary.append(dict(question=question, text=localized(question, "text"), answered=answered, bars=bars))
    return render_template("plans/admin_round_summary.html", round=round_, summary=summary, total=len(answers))


# --- the suggestion rules --------------------------------------------------------------------

@bp.route("/admin/rules")
@login_required
def admin_rules():
    policy.require("questionnaires.manage")
    table = list(db.session.scalars(select(PlanRule).order_by(PlanRule.position, PlanRule.id)))
    return render_template(
        "plans/admin_rules.html", rules=table, operator_labels=OPERATOR_LABELS, owner_labels=OWNER_LABELS,
        known_keys=rules.known_question_keys(), button_form=EmptyForm(formdata=None),
    )


def _save_rule(rule: PlanRule | None):
    form = RuleForm(obj=rule) if request.method == "GET" and rule else RuleForm()
    status = 200
    if form.validate_on_submit():
        try:
            rules.save_rule(
                rule, name_zh=form.name_zh.data, name_en=form.name_en.data, question_key=form.question_key.data,
                operator=form.operator.data, value=form.value.data, goal_zh=form.goal_zh.data, goal_en=form.goal_en.data,
                measures_zh=form.measures_zh.data, measures_en=form.measures_en.data, owner=form.owner.data,
                due_in_days=form.due_in_days.data, active=form.active.data,
            )
        except RuleViolation as error:
            db.session.rollback()
            _apply_error(form, error)
            status = error.status
        else:
            db.session.commit()
            flash(_("Rule saved."), "success")
            return redirect(url_for("plans.admin_rules"))
    elif request.method == "POST":
        status = 400
    return render_template("plans/admin_rule.html", form=form, rule=rule,
                           known_keys=sorted(rules.known_question_keys())), status


@bp.route("/admin/rules/new", methods=["GET", "POST"])
@login_required
def admin_rule_new():
    policy.require("questionnaires.manage")
    return _save_rule(None)


@bp.route("/admin/rules/<int:rule_id>", methods=["GET", "POST"])
@login_required
def admin_rule_edit(rule_id: int):
    policy.require("questionnaires.manage")
    return _save_rule(get_rule_or_404(rule_id))


@bp.post("/admin/rules/<int:rule_id>/delete")
@login_required
def admin_rule_delete(rule_id: int):
    policy.require("questionnaires.manage")
    rule = get_rule_or_404(rule_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    db.session.delete(rule)
    db.session.commit()
    flash(_("Rule removed. Goals it suggested stay in their plans."), "success")
    return redirect(url_for("plans.admin_rules"))
