"""Students' and mentors' pages: my plan, the questionnaire, the interest test, plans and their goals."""
from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import audit, policy
from portal.cache import cached
from portal.errors import RuleViolation
from portal.extensions import db
from portal.formutil import choices
from portal.htmx import fragment_or_redirect, is_htmx, render
from portal.i18n import gettext as _
from portal.pagination import paginate
from portal.plans import answers, bp, goals, questionnaires, reviews, riasec, subsidy
from portal.plans.forms import (
    CHANNEL_LABELS,
    GOAL_STATUS_LABELS,
    KIND_LABELS,
    OWNER_LABELS,
    QUESTIONNAIRE_STATUS_LABELS,
    SECTION_LABELS,
    EmptyForm,
    GoalForm,
    HelpForm,
    LoanForm,
    PlanFilterForm,
    ReviewForm,
    answers_form_class,
    form_data_from_answers,
    inventory_form_class,
    show_error,
)
from portal.plans.models import GoalStatus, InterestResult, PlanGoal, ResponseStatus, SupportPlan
from portal.plans.services import is_in_ledger, locale_code, localized, today
from portal.students.access import signed_in_student
from portal.students.models import Student


@bp.context_processor
def _labels():
    return dict(
        loc=localized, goal_status_labels=GOAL_STATUS_LABELS, owner_labels=OWNER_LABELS,
        section_labels=SECTION_LABELS, kind_labels=KIND_LABELS, questionnaire_status_labels=QUESTIONNAIRE_STATUS_LABELS,
        channel_labels=CHANNEL_LABELS,
    )


NO_GOALS = (0, 0, 0, 0)


# --- loaders ----------------------------------------------------------------------------

def get_student_or_404(student_id: int) -> Student:
    student = db.session.scalar(select(Student).where(Student.id == student_id).options(joinedload(Student.user)))
    if student is None:
        abort(404)
    return student


def get_goal_or_404(goal_id: int) -> PlanGoal:
    goal = db.session.scalar(
        select(PlanGoal).where(PlanGoal.id == goal_id)
        .options(joinedload(PlanGoal.plan).joinedload(SupportPlan.student).joinedload(Student.user))
    )
    if goal is None:
        abort(404)
    return goal


def get_result_or_404(result_id: int) -> InterestResult:
    result = db.session.scalar(
        select(InterestResult).where(InterestResult.id == result_id)
        .options(joinedload(InterestResult.student).joinedload(Student.user))
    )
    if result is None:
        abort(404)
    return result


# --- the student's own pages ----------------------------------------------------------------

def _my_plan_context(student: Student) -> dict:
    plan = goals.get_plan(student.id)
    round_ = questionnaires.current_round()
    responses = answers.responses_of(student.id)
    # the current round's response is among the student's responses: no query of its own
    response = next((r for r in responses if r.round_id == round_.id), None) if round_ else None
    return dict(
        student=student, plan=plan, round=round_, response=response,
        goals=[g for g in plan.goals if g.status in (GoalStatus.OPEN, GoalStatus.DONE)] if plan else [],
        past_responses=[r for r in responses if r.status == ResponseStatus.SUBMITTED],
        interest=riasec.latest_interest(student.id),
        # the page shows the application's step, not its history
        application=subsidy.application_of(student.id, with_steps=False),
        button_form=EmptyForm(formdata=None), today=today(), staff=False,
        step_labels=subsidy.STEP_LABELS,
    )


@bp.route("/me")
@login_required
def my_plan():
    policy.require("plans.own")
    return render_template("plans/my_plan.html", **_my_plan_context(signed_in_student()))


@bp.route("/me/questionnaire", methods=["GET", "POST"])
@login_required
def my_questionnaire():
    policy.require("plans.own")
    student = signed_in_student()
    round_ = questionnaires.current_round()
    if round_ is None:
        return render_template("plans/questionnaire.html", round=None, student=student)
    questions = questionnaires.questions_of(round_.questionnaire_id)
    response = answers.get_response(student.id, round_.id)
    form_class = answers_form_class(questions, locale_code(), response=response)
    if request.method == "GET":
        form = form_class(formdata=None, data=form_data_from_answers(questions, response.answers if response else {}))
    else:
        form = form_class()
    status = 200
    if form.validate_on_submit():
        try:
            answers.save_response(student, round_, form.answers(), actor=current_user, submit=bool(form.submit.data))
        except RuleViolation as error:
            db.session.rollback()
            flash(str(error), "error")
            status = error.status
        else:
            db.session.commit()
            if form.submit.data or (response and response.status == ResponseStatus.SUBMITTED):
                flash(_("Thank you. Your answers have been sent to your mentor."), "success")
                return redirect(url_for("plans.my_plan"))
            flash(_("Draft saved. You can finish it later."), "success")
            return redirect(url_for("plans.my_questionnaire"))
    elif request.method == "POST":
        _flash_answer_problems(form)
        status = 400
    return render_template(
        "plans/questionnaire.html", round=round_, form=form, questions=questions, response=response,
        student=student, on_behalf=False, questionnaire=round_.questionnaire,
    ), status


def _flash_answer_problems(form) -> None:
    if any(form[f"q_{question.key}"].errors for question in form.questions):
        flash(_("Some answers need your attention."), "error")


@bp.route("/me/interests", methods=["GET", "POST"])
@login_required
def my_interests():
    policy.require("plans.own")
    student = signed_in_student()
    form = inventory_form_class(locale_code())()
    status = 200
    if form.validate_on_submit():
        scores = {item.id: int(getattr(form, f"item_{item.id}").data) for item in riasec.ITEMS}
        try:
            result = riasec.record_interest(student, scores, actor=current_user)
        except RuleViolation as error:
            db.session.rollback()
            flash(str(error), "error")
            status = error.status
        else:
            db.session.commit()
            return redirect(url_for("plans.interest_result", result_id=result.id))
    elif request.method == "POST":
        status = 400
        flash(_("Please answer every activity, from 1 to 5."), "error")
    return render_template("plans/inventory.html", form=form, items=riasec.administration_order(),
                           source=riasec.SOURCE, labels=riasec.RESPONSE_LABELS), status


@bp.route("/interests/<int:result_id>")
@login_required
def interest_result(result_id: int):
    result = get_result_or_404(result_id)
    policy.require("plans.view_interests", result.student)
    scores = result.scores
    return render_template(
        "plans/interest_result.html", result=result, student=result.student,
        ranked=sorted(riasec.LETTERS, key=lambda letter: (-scores[letter], riasec.LETTERS.index(letter))),
        types=riasec.TYPES, alternatives=riasec.alternative_codes(scores), flat=riasec.is_flat(scores),
        directions=riasec.directions_for(result.code), source=riasec.SOURCE,
        scale_min=riasec.SCALE_MIN, scale_max=riasec.SCALE_MAX,
        own=result.student.user_id == current_user.id,
    )


# --- goals: shared by the student's page and the mentor's ------------------------------------

def _goal_answer(goal: PlanGoal, *, ok: bool, message: str, status: int = 200):
    """After an action on a goal: its row (htmx), or back to the page it was on; a refused action
    without htmx shows that page again with the message."""
    student = goal.plan.student
    staff = student.user_id != current_user.id
    if not ok and not is_htmx():
        flash(message, "error")
        if staff:
            return _staff_page(student, status=status)
        return render_template("plans/my_plan.html", **_my_plan_context(student)), status
    page = url_for("plans.student_plan", student_id=student.id) if staff else url_for("plans.my_plan")
    return fragment_or_redirect(
        "plans/_goal.html", f"{page}#goal-{goal.id}", message=message, ok=ok, status=status, redirect_code=302,
        goal=goal, staff=staff, button_form=EmptyForm(formdata=None), today=today(),
    )


def _goal_action(goal_id: int, action: str, change, success: str):
    goal = get_goal_or_404(goal_id)
    policy.require(action, goal if action == "plans.goal_done" else goal.plan.student)
    if not EmptyForm().validate_on_submit():
        return _goal_answer(goal, ok=False, message=_("Please reload the page and try again."), status=400)
    try:
        change(goal, actor=current_user)
    except RuleViolation as error:
        db.session.rollback()
        return _goal_answer(get_goal_or_404(goal_id), ok=False, message=str(error), status=error.status)
    db.session.commit()
    return _goal_answer(goal, ok=True, message=success)


@bp.post("/goals/<int:goal_id>/done")
@login_required
def goal_done(goal_id: int):
    return _goal_action(goal_id, "plans.goal_done", goals.complete_goal, _("Marked as done. Well done!"))


@bp.post("/goals/<int:goal_id>/accept")
@login_required
def goal_accept(goal_id: int):
    return _goal_action(goal_id, "plans.manage", goals.accept_goal, _("Suggestion accepted into the plan."))


@bp.post("/goals/<int:goal_id>/drop")
@login_required
def goal_drop(goal_id: int):
    return _goal_action(goal_id, "plans.manage", goals.drop_goal, _("Goal dropped."))


@bp.post("/goals/<int:goal_id>/reopen")
@login_required
def goal_reopen(goal_id: int):
    return _goal_action(goal_id, "plans.manage", goals.reopen_goal, _("Goal open again."))


@bp.route("/goals/<int:goal_id>/edit", methods=["GET", "POST"])
@login_required
def goal_edit(goal_id: int):
    goal = get_goal_or_404(goal_id)
    policy.require("plans.manage", goal.plan.student)
    form = GoalForm(obj=goal) if request.method == "GET" else GoalForm()
    status = 200
    if form.validate_on_submit():
        try:
            goals.edit_goal(goal, title=form.title.data, measures=form.measures.data, owner=form.owner.data,
                            due_on=form.due_on.data, actor=current_user)
        except RuleViolation as error:
            db.session.rollback()
            goal = get_goal_or_404(goal_id)
            show_error(form, error)
            flash(str(error), "error")
            status = error.status
        else:
            db.session.commit()
            flash(_("Goal saved."), "success")
            return redirect(url_for("plans.student_plan", student_id=goal.plan.student_id) + f"#goal-{goal.id}")
    elif request.method == "POST":
        status = 400
    return render_template("plans/goal_edit.html", goal=goal, form=form, student=goal.plan.student), status


# --- mentors' and admins' pages ----------------------------------------------------------------

@bp.route("/")
@login_required
def index():
    policy.require("plans.list")
    form = PlanFilterForm(request.args)
    if not form.validate():
        abort(400)
    show, q = form.show.data or "", form.q.data
    if q:
        total = goals.plan_total(current_user, show=show, q=q)
    else:
        # counting the ledger reads thousands of claims on every visit: kept until one of them changes
        total = cached("plans.list_total", lambda: goals.plan_total(current_user, show=show), args=(show, today()),
                       tables=("hardship_claims", "mentor_assignments", "support_plans", "plan_goals"))
    page = paginate(goals.plan_list(current_user, show=show, q=q), total=total)
    ids = [row.id for row in page.items]
    round_ = questionnaires.current_round()
    progress = goals.goal_counts([row.plan_id for row in page.items if row.plan_id is not None])
    answered = answers.response_status(ids, round_.id if round_ else None)
    codes = riasec.latest_codes(ids)
    # each row with its goal counts, questionnaire status and interest code, looked up once here
    rows = [(row, progress.get(row.plan_id, NO_GOALS), answered.get(row.id), codes.get(row.id, ""))
            for row in page.items]
    return render(
        "plans/index.html", "plans/_plan_rows.html", form=form, page=page, rows=rows, round=round_, today=today(),
    )


def _staff_context(student: Student, **forms) -> dict:
    plan = goals.get_plan(student.id)
    plan_goals = plan.goals if plan else []
    loan = subsidy.loan_of(student.id)
    loan_form = LoanForm(formdata=None, kind=loan.kind if loan else "", note=loan.note if loan else "")
    loan_form.kind.choices = _loan_choices()
    help_form = HelpForm(formdata=None, given_on=today())
    help_form.kind.choices = _help_choices()
    context = dict(
        student=student, plan=plan,
        suggested=[g for g in plan_goals if g.status == GoalStatus.SUGGESTED],
        goals=[g for g in plan_goals if g.status in (GoalStatus.OPEN, GoalStatus.DONE)],
        dropped=[g for g in plan_goals if g.status == GoalStatus.DROPPED],
        in_ledger=is_in_ledger(student),
        responses=answers.responses_of(student.id),
        interest=riasec.latest_interest(student.id),
        application=subsidy.application_of(student.id, student.graduation_year),
        basis=subsidy.eligibility_basis([student.id])[student.id], loan=loan, help_rows=subsidy.help_of(student.id),
        goal_form=GoalForm(formdata=None, owner="student", due_on=today() + timedelta(days=30)),
        review_form=ReviewForm(formdata=None, next_review_on=today() + timedelta(days=goals.review_interval())),
        loan_form=loan_form, help_form=help_form,
        button_form=EmptyForm(formdata=None), today=today(), staff=True,
        category_labels=subsidy.CATEGORY_LABELS, step_labels=subsidy.STEP_LABELS, help_labels=subsidy.HELP_LABELS,
        loan_labels=subsidy.LOAN_KINDS,
    )
    context.update(forms)
    return context


def _loan_choices():
    return choices([("", _("No student loan"))] + list(subsidy.LOAN_KINDS.items()))


def _help_choices():
    return choices(list(subsidy.HELP_LABELS.items()))


def _staff_page(student: Student, *, status: int = 200, **forms):
    return render_template("plans/student_plan.html", **_staff_context(student, **forms)), status


@bp.route("/students/<int:student_id>")
@login_required
def student_plan(student_id: int):
    student = get_student_or_404(student_id)
    policy.require("plans.manage", student)
    page = _staff_page(student)
    # the page shows the student's qualifying hardship categories and loan
    audit.record_view(current_user, "plans.plan_viewed", student)
    return page


def _plan_action(student_id: int, change):
    """A button on the mentor's page: `change(student)` returns the message to show."""
    student = get_student_or_404(student_id)
    policy.require("plans.manage", student)
    if not EmptyForm().validate_on_submit():
        flash(_("Please reload the page and try again."), "error")
        return _staff_page(student, status=400)
    try:
        message = change(student)
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error), "error")
        return _staff_page(student, status=error.status)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("plans.student_plan", student_id=student.id))


@bp.post("/students/<int:student_id>/start")
@login_required
def plan_create(student_id: int):
    def start(student):
        goals.create_plan(student, actor=current_user)
        return _("The support plan has been started.")

    return _plan_action(student_id, start)


@bp.post("/students/<int:student_id>/suggest")
@login_required
def plan_suggest(student_id: int):
    def suggest(student):
        plan = goals.get_plan(student.id)
        if plan is None:
            raise RuleViolation(_("Start the plan first."), status=409)
        added = goals.suggest_goals(plan, actor=current_user)
        if not added:
            return _("No new suggestions: the rule table has nothing more for the latest answers and interest result.")
        return _("%(n)d suggestions added. Accept, edit or drop each one.", n=len(added))

    return _plan_action(student_id, suggest)


@bp.post("/students/<int:student_id>/goals")
@login_required
def goal_add(student_id: int):
    student = get_student_or_404(student_id)
    policy.require("plans.manage", student)
    plan = goals.get_plan(student.id)
    if plan is None:
        flash(_("Start the plan first."), "error")
        return _staff_page(student, status=409)
    form = GoalForm()
    if not form.validate_on_submit():
        return _staff_page(student, status=400, goal_form=form)
    try:
        goals.add_goal(plan, title=form.title.data, measures=form.measures.data, owner=form.owner.data,
                       due_on=form.due_on.data, actor=current_user)
    except RuleViolation as error:
        db.session.rollback()
        show_error(form, error)
        return _staff_page(student, status=error.status, goal_form=form)
    db.session.commit()
    flash(_("Goal added."), "success")
    return redirect(url_for("plans.student_plan", student_id=student.id))


@bp.post("/students/<int:student_id>/review")
@login_required
def plan_review(student_id: int):
    student = get_student_or_404(student_id)
    policy.require("plans.manage", student)
    plan = goals.get_plan(student.id)
    if plan is None:
        flash(_("Start the plan first."), "error")
        return _staff_page(student, status=409)
    form = ReviewForm()
    if not form.validate_on_submit():
        return _staff_page(student, status=400, review_form=form)
    try:
        reviews.review_plan(plan, actor=current_user, note=form.note.data, next_review_on=form.next_review_on.data)
    except RuleViolation as error:
        db.session.rollback()
        show_error(form, error)
        return _staff_page(student, status=error.status, review_form=form)
    db.session.commit()
    flash(_("Review recorded. Next review on %(date)s.", date=form.next_review_on.data.isoformat()), "success")
    return redirect(url_for("plans.student_plan", student_id=student.id))


@bp.post("/students/<int:student_id>/loan")
@login_required
def loan_flag(student_id: int):
    student = get_student_or_404(student_id)
    policy.require("plans.manage", student)
    form = LoanForm()
    form.kind.choices = _loan_choices()
    if not form.validate_on_submit():
        return _staff_page(student, status=400, loan_form=form)
    try:
        subsidy.set_loan(student, kind=form.kind.data or None, note=form.note.data, actor=current_user)
    except RuleViolation as error:
        db.session.rollback()
        show_error(form, error)
        return _staff_page(student, status=error.status, loan_form=form)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("plans.student_plan", student_id=student.id) + "#money")


@bp.post("/students/<int:student_id>/help")
@login_required
def help_add(student_id: int):
    student = get_student_or_404(student_id)
    policy.require("subsidy.help", student)
    form = HelpForm()
    form.kind.choices = _help_choices()
    if not form.validate_on_submit():
        return _staff_page(student, status=400, help_form=form)
    try:
        subsidy.record_help(student, kind=form.kind.data, amount=form.amount.data, given_on=form.given_on.data,
                            note=form.note.data, actor=current_user)
    except RuleViolation as error:
        db.session.rollback()
        show_error(form, error)
        return _staff_page(student, status=error.status, help_form=form)
    db.session.commit()
    flash(_("Help recorded and logged as an intervention."), "success")
    return redirect(url_for("plans.student_plan", student_id=student.id) + "#money")


# --- answers: the rounds side by side, and answering on the student's behalf -----------------------

@bp.route("/students/<int:student_id>/answers", endpoint="answers")
@login_required
def answers_page(student_id: int):
    student = get_student_or_404(student_id)
    policy.require("plans.view_answers", student)
    responses = answers.responses_of(student.id)
    by_round = {r.round_id: r for r in responses}
    later = by_round.get(request.args.get("b", type=int)) or (responses[-1] if responses else None)
    earlier_default = None
    if later is not None:
        before = responses[:responses.index(later)]
        earlier_default = before[-1] if before else None
    earlier = by_round.get(request.args.get("a", type=int)) or earlier_default
    if earlier is later:
        earlier = None
    rows = []
    if later is not None:
        if earlier is not None:
            rows = answers.comparison(earlier, later)
        else:
            rows = [dict(key=q.key, question=q, text=localized(q, "text"), before="",
                         after=answers.answer_text(q, (later.answers or {}).get(q.key)), changed=False, delta=None)
                    for q in questionnaires.questions_of(later.questionnaire_id)]
    own = student.user_id == current_user.id
    page = render_template("plans/answers.html", student=student, responses=responses, earlier=earlier, later=later,
                           rows=rows, own=own)
    if not own and responses:
        shown = [r for r in (earlier, later) if r is not None]
        sensitive = any(row["question"].sensitive and (row["before"] or row["after"]) for row in rows)
        audit.record_view(current_user, "plans.answers_viewed", student,
                          detail="rounds=" + ",".join(r.round.code for r in shown) + (" sensitive" if sensitive else ""))
    return page


@bp.route("/students/<int:student_id>/questionnaire", methods=["GET", "POST"])
@login_required
def answer_for(student_id: int):
    """A mentor records the student's answers after a talk or a phone interview."""
    student = get_student_or_404(student_id)
    policy.require("plans.answer_for", student)
    rounds = questionnaires.rounds_started()
    if not rounds:
        return render_template("plans/questionnaire.html", round=None, student=student, on_behalf=True)
    round_id = request.values.get("round_id", type=int)
    round_ = next((r for r in rounds if r.id == round_id), rounds[0])
    questions = questionnaires.questions_of(round_.questionnaire_id)
    response = answers.get_response(student.id, round_.id)
    form_class = answers_form_class(questions, locale_code(), response=response, on_behalf=True)
    if request.method == "GET":
        form = form_class(formdata=None, round_id=str(round_.id), channel="talk",
                          data=form_data_from_answers(questions, response.answers if response else {}))
    else:
        form = form_class()
    status = 200
    if form.validate_on_submit():
        try:
            answers.save_response(student, round_, form.answers(), actor=current_user, submit=bool(form.submit.data),
                                  on_behalf=True, channel=form.channel.data, note=form.note.data)
        except RuleViolation as error:
            db.session.rollback()
            show_error(form, error)
            flash(str(error), "error")
            status = error.status
        else:
            db.session.commit()
            flash(_("Answers saved for %(name)s.", name=student.name), "success")
            return redirect(url_for("plans.student_plan", student_id=student.id))
    elif request.method == "POST":
        _flash_answer_problems(form)
        status = 400
    return render_template(
        "plans/questionnaire.html", round=round_, rounds=rounds, form=form, questions=questions, response=response,
        student=student, on_behalf=True, questionnaire=round_.questionnaire,
    ), status
