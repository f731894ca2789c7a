"""Students' and mentors' pages: my plan, the questionnaire, the interest test, plans and their goals."""
from __future__ import annotations

from datetime import timedelta

from flask import (
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import audit, policy
from portal.extensions import db
from portal.htmx import is_htmx, render
from portal.i18n import gettext as _
from portal.plans import bp, riasec, services, subsidy
from portal.plans.forms import (
    CHANNEL_LABELS,
    EmptyForm,
    GoalForm,
    HelpForm,
    LoanForm,
    PlanFilterForm,
    ReviewForm,
    answers_form_class,
    answers_from_form,
    form_data_from_answers,
    inventory_form_class,
)
from portal.plans.models import (
    GoalStatus,
    InterestResult,
    PlanGoal,
    ResponseStatus,
    SupportPlan,
)
from portal.plans.paging import kept_total, paginate_rows
from portal.students.models import Student
from portal.students.services import student_of_user
from portal.widgets import choice_list_html


@bp.context_processor
def _helpers():
    from portal.plans.forms import (
        GOAL_STATUS_LABELS,
        KIND_LABELS,
        OWNER_LABELS,
        QUESTIONNAIRE_STATUS_LABELS,
        SECTION_LABELS,
    )

    return dict(
        loc=services.localized, goal_status_labels=GOAL_STATUS_LABELS, owner_labels=OWNER_LABELS,
        section_labels=SECTION_LABELS, kind_labels=KIND_LABELS, questionnaire_status_labels=QUESTIONNAIRE_STATUS_LABELS,
        channel_labels=CHANNEL_LABELS, choice_list=choice_list_html,
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


def own_student_or_404() -> Student:
    student = student_of_user(current_user)
    if student is None:
        abort(404)
    return student


def _field_errors(form, error: services.PlansError, prefix: str = "") -> None:
    for key, message in error.errors.items():
        field = getattr(form, f"{prefix}{key}", None)
        if field is not None:
            field.errors = list(field.errors or []) + [message]
    if error.field:
        field = getattr(form, f"{prefix}{error.field}", None)
        if field is not None:
            field.errors = list(field.errors or []) + [str(error)]


# --- the student's own pages ----------------------------------------------------------------

def _my_plan_context(student: Student) -> dict:
    plan = services.get_plan(student.id)
    round_ = services.current_round()
    responses = services.responses_of(student.id)
    # the current round's response is among the student's responses: no query of its own
    response = next((r for r in responses if r.round_id == round_.id), None) if round_ else None
    goals = [g for g in plan.goals if g.status in (GoalStatus.OPEN, GoalStatus.DONE)] if plan else []
    return dict(
        student=student, plan=plan, goals=goals, round=round_, response=response,
        past_responses=[r for r in responses if r.status == ResponseStatus.SUBMITTED],
        interest=services.latest_interest(student.id),
        # the page shows the application's step, not its history
        application=subsidy.application_of(student.id, with_steps=False),
        button_form=EmptyForm(formdata=None), today=services.today(), staff=False,
        step_labels=subsidy.STEP_LABELS,
    )


@bp.route("/me")
@login_required
def my_plan():
    policy.require("plans.own")
    student = own_student_or_404()
    return render_template("plans/my_plan.html", **_my_plan_context(student))


@bp.route("/me/questionnaire", methods=["GET", "POST"])
@login_required
def my_questionnaire():
    policy.require("plans.own")
    student = own_student_or_404()
    round_ = services.current_round()
    if round_ is None:
        return render_template("plans/questionnaire.html", round=None, student=student)
    questions = services.questions_of(round_.questionnaire_id)
    response = services.get_response(student.id, round_.id)
    form_class = answers_form_class(questions, services.locale_code())
    if request.method == "GET":
        form = form_class(formdata=None, data=form_data_from_answers(questions, response.answers if response else {}))
    else:
        form = form_class()
    status = 200
    if form.validate_on_submit():
        try:
            services.save_response(student, round_, answers_from_form(form, questions), actor=current_user,
                                   submit=bool(form.submit.data))
        except services.PlansError as error:
            db.session.rollback()
            _field_errors(form, error, prefix="q_")
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
        status = 400
    return render_template(
        "plans/questionnaire.html", round=round_, form=form, questions=questions, response=response,
        student=student, on_behalf=False, questionnaire=round_.questionnaire,
    ), status


@bp.route("/me/interests", methods=["GET", "POST"])
@login_required
def my_interests():
    policy.require("plans.own")
    student = own_student_or_404()
    form = inventory_form_class(services.locale_code())()
    status = 200
    if form.validate_on_submit():
        answers = {item.id: int(getattr(form, f"item_{item.id}").data) for item in riasec.ITEMS}
        try:
            result = services.record_interest(student, answers, actor=current_user)
        except services.PlansError as error:
            db.session.rollback()
            flash(str(error), "error")
            status = 400
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

def _goal_response(goal: PlanGoal, *, ok: bool, message: str, status: int = 200):
    """After an action on a goal: its row (htmx), or back to the page it was on."""
    staff = goal.plan.student.user_id != current_user.id
    if is_htmx():
        response = make_response(render_template(
            "plans/_goal.html", goal=goal, staff=staff, button_form=EmptyForm(formdata=None),
            today=services.today(), row_message=message, row_ok=ok,
        ), status)
        response.vary.add("HX-Request")
        return response
    flash(message, "success" if ok else "error")
    if not ok:
        if staff:
            return render_template("plans/student_plan.html", **_staff_context(goal.plan.student)), status
        return render_template("plans/my_plan.html", **_my_plan_context(goal.plan.student)), status
    if staff:
        return redirect(url_for("plans.student_plan", student_id=goal.plan.student_id) + f"#goal-{goal.id}")
    return redirect(url_for("plans.my_plan") + f"#goal-{goal.id}")


def _goal_action(goal_id: int, action: str, fn, success: str):
    goal = get_goal_or_404(goal_id)
    policy.require(action, goal if action == "plans.goal_done" else goal.plan.student)
    form = EmptyForm()
    if not form.validate_on_submit():
        return _goal_response(goal, ok=False, message=_("Please reload the page and try again."), status=400)
    try:
        fn(goal, actor=current_user)
    except services.PlansError as error:
        db.session.rollback()
        goal = get_goal_or_404(goal_id)
        return _goal_response(goal, ok=False, message=str(error), status=error.status)
    db.session.commit()
    return _goal_response(goal, ok=True, message=success)


@bp.post("/goals/<int:goal_id>/done")
@login_required
def goal_done(goal_id: int):
    return _goal_action(goal_id, "plans.goal_done", services.complete_goal, _("Marked as done. Well done!"))


@bp.post("/goals/<int:goal_id>/accept")
@login_required
def goal_accept(goal_id: int):
    return _goal_action(goal_id, "plans.manage", services.accept_goal, _("Suggestion accepted into the plan."))


@bp.post("/goals/<int:goal_id>/drop")
@login_required
def goal_drop(goal_id: int):
    return _goal_action(goal_id, "plans.manage", services.drop_goal, _("Goal dropped."))


@bp.post("/goals/<int:goal_id>/reopen")
@login_required
def goal_reopen(goal_id: int):
    return _goal_action(goal_id, "plans.manage", services.reopen_goal, _("Goal open again."))


@bp.route("/goals/<int:goal_id>/edit", methods=["GET", "POST"])
@login_required
def goal_edit(goal_id: int):
    goal = get_goal_or_404(goal_id)
    policy.require("plans.manage", goal.plan.student)
    form = GoalForm(obj=goal) if request.method == "GET" else GoalForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.edit_goal(goal, title=form.title.data, measures=form.measures.data, owner=form.owner.data,
                               due_on=form.due_on.data, actor=current_user)
        except services.PlansError as error:
            db.session.rollback()
            goal = get_goal_or_404(goal_id)
            _field_errors(form, error)
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
    show = form.show.data or ""
    rows, count = services.plan_list(current_user, show=show, q=form.q.data)
    # an unsearched total is kept a few seconds: counting the ledger reads thousands of claims
    total = None if form.q.data else kept_total(
        ("plans", show, services.today(), None if current_user.role == "admin" else current_user.id), count)
    page = paginate_rows(rows, count=count, total=total, per_page=50)
    ids = [row.id for row in page.items]
    round_ = services.current_round()
    progress = services.goal_counts([row.plan_id for row in page.items if row.plan_id is not None])
    answered = services.response_status(ids, round_.id if round_ else None)
    codes = services.latest_codes(ids)
    # each row with its goal counts, questionnaire status and interest code: the template unpacks
    # them instead of making three lookups per row
    rows = [(row, progress.get(row.plan_id, NO_GOALS), answered.get(row.id), codes.get(row.id, ""))
            for row in page.items]
    return render(
        "plans/index.html", "plans/_plan_rows.html", form=form, page=page, rows=rows, round=round_,
        today=services.today(),
    )


def _staff_context(student: Student, **extra) -> dict:
    plan = services.get_plan(student.id)
    year = student.graduation_year
    basis = subsidy.eligibility_basis([student.id])[student.id]
    loan = subsidy.loan_of(student.id)
    goals = plan.goals if plan else []
    loan_form = LoanForm(formdata=None, kind=loan.kind if loan else "", note=loan.note if loan else "")
    loan_form.kind.choices = _loan_choices()
    help_form = HelpForm(formdata=None, given_on=services.today())
    help_form.kind.choices = _help_choices()
    context = dict(
        student=student, plan=plan,
        suggested=[g for g in goals if g.status == GoalStatus.SUGGESTED],
        goals=[g for g in goals if g.status in (GoalStatus.OPEN, GoalStatus.DONE)],
        dropped=[g for g in goals if g.status == GoalStatus.DROPPED],
        in_ledger=services.is_in_ledger(student),
        responses=services.responses_of(student.id),
        interest=services.latest_interest(student.id),
        application=subsidy.application_of(student.id, year),
        basis=basis, loan=loan, help_rows=subsidy.help_of(student.id),
        goal_form=GoalForm(formdata=None, owner="student", due_on=services.today() + timedelta(days=30)),
        review_form=ReviewForm(formdata=None, next_review_on=services.today() + timedelta(days=services.review_interval())),
        loan_form=loan_form, help_form=help_form,
        button_form=EmptyForm(formdata=None), today=services.today(), staff=True,
        category_labels=subsidy.CATEGORY_LABELS, step_labels=subsidy.STEP_LABELS, help_labels=subsidy.HELP_LABELS,
        loan_labels=subsidy.LOAN_KINDS,
    )
    context.update(extra)
    return context


def _loan_choices():
    from portal.formutil import choices

    return choices([("", _("No student loan"))] + list(subsidy.LOAN_KINDS.items()))


def _help_choices():
    from portal.formutil import choices

    return choices(list(subsidy.HELP_LABELS.items()))


def _staff_page(student: Student, *, status: int = 200, **extra):
    return render_template("plans/student_plan.html", **_staff_context(student, **extra)), status


@bp.route("/students/<int:student_id>")
@login_required
def student_plan(student_id: int):
    student = get_student_or_404(student_id)
    policy.require("plans.manage", student)
    page = _staff_page(student)
    # the page shows the student's qualifying hardship categories and loan
    audit.record_view(current_user, "plans.plan_viewed", student)
    return page


def _plan_action(student_id: int, fn, success: str):
    student = get_student_or_404(student_id)
    policy.require("plans.manage", student)
    form = EmptyForm()
    if not form.validate_on_submit():
        flash(_("Please reload the page and try again."), "error")
        return _staff_page(student, status=400)
    try:
        message = fn(student) or success
    except services.PlansError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _staff_page(student, status=error.status)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("plans.student_plan", student_id=student.id))


@bp.post("/students/<int:student_id>/start")
@login_required
def plan_create(student_id: int):
    return _plan_action(student_id, lambda s: services.create_plan(s, actor=current_user) and None,
                        _("The support plan has been started."))


@bp.post("/students/<int:student_id>/suggest")
@login_required
def plan_suggest(student_id: int):
    def suggest(student):
        plan = services.get_plan(student.id)
        if plan is None:
            raise services.PlansError(_("Start the plan first."), status=409)
        added = services.suggest_goals(plan, actor=current_user)
        if not added:
            return _("No new suggestions: the rule table has nothing more for the latest answers and interest result.")
        return _("%(n)d suggestions added. Accept, edit or drop each one.", n=len(added))

    return _plan_action(student_id, suggest, "")


@bp.post("/students/<int:student_id>/goals")
@login_required
def goal_add(student_id: int):
    student = get_student_or_404(student_id)
    policy.require("plans.manage", student)
    plan = services.get_plan(student.id)
    if plan is None:
        flash(_("Start the plan first."), "error")
        return _staff_page(student, status=409)
    form = GoalForm()
    if not form.validate_on_submit():
        return _staff_page(student, status=400, goal_form=form)
    try:
        services.add_goal(plan, title=form.title.data, measures=form.measures.data, owner=form.owner.data,
                          due_on=form.due_on.data, actor=current_user)
    except services.PlansError as error:
        db.session.rollback()
        _field_errors(form, error)
        return _staff_page(student, status=error.status, goal_form=form)
    db.session.commit()
    flash(_("Goal added."), "success")
    return redirect(url_for("plans.student_plan", student_id=student.id))


@bp.post("/students/<int:student_id>/review")
@login_required
def plan_review(student_id: int):
    student = get_student_or_404(student_id)
    policy.require("plans.manage", student)
    plan = services.get_plan(student.id)
    if plan is None:
        flash(_("Start the plan first."), "error")
        return _staff_page(student, status=409)
    form = ReviewForm()
    if not form.validate_on_submit():
        return _staff_page(student, status=400, review_form=form)
    try:
        services.review_plan(plan, actor=current_user, note=form.note.data, next_review_on=form.next_review_on.data)
    except services.PlansError as error:
        db.session.rollback()
        _field_errors(form, error)
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
    except services.PlansError as error:
        db.session.rollback()
        _field_errors(form, error)
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
    except services.PlansError as error:
        db.session.rollback()
        _field_errors(form, error)
        return _staff_page(student, status=error.status, help_form=form)
    db.session.commit()
    flash(_("Help recorded and logged as an intervention."), "success")
    return redirect(url_for("plans.student_plan", student_id=student.id) + "#money")


# --- answers: the rounds side by side, and answering on the student's behalf -----------------------

@bp.route("/students/<int:student_id>/answers")
@login_required
def answers(student_id: int):
    student = get_student_or_404(student_id)
    policy.require("plans.view_answers", student)
    responses = [r for r in services.responses_of(student.id)]
    by_round = {r.round_id: r for r in responses}
    later = by_round.get(request.args.get("b", type=int)) or (responses[-1] if responses else None)
    earlier_default = None
    if later is not None:
        before = [r for r in responses if r is not later and responses.index(r) < responses.index(later)]
        earlier_default = before[-1] if before else None
    earlier = by_round.get(request.args.get("a", type=int)) or earlier_default
    if earlier is later:
        earlier = None
    rows = []
    questions = []
    if later is not None:
        if earlier is not None:
            rows = services.comparison(earlier, later)
        else:
            questions = services.questions_of(later.questionnaire_id)
            rows = [dict(key=q.key, question=q, text=services.localized(q, "text"), before="",
                         after=services.answer_text(q, (later.answers or {}).get(q.key)), changed=False, delta=None)
                    for q in questions]
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
    rounds = services.rounds_started()
    if not rounds:
        return render_template("plans/questionnaire.html", round=None, student=student, on_behalf=True)
    round_id = request.values.get("round_id", type=int)
    round_ = next((r for r in rounds if r.id == round_id), rounds[0])
    questions = services.questions_of(round_.questionnaire_id)
    response = services.get_response(student.id, round_.id)
    form_class = answers_form_class(questions, services.locale_code(), on_behalf=True)
    if request.method == "GET":
        form = form_class(formdata=None, round_id=str(round_.id), channel="talk",
                          data=form_data_from_answers(questions, response.answers if response else {}))
    else:
        form = form_class()
    status = 200
    if form.validate_on_submit():
        try:
            services.save_response(student, round_, answers_from_form(form, questions), actor=current_user,
                                   submit=bool(form.submit.data), on_behalf=True, channel=form.channel.data,
                                   note=form.note.data)
        except services.PlansError as error:
            db.session.rollback()
            _field_errors(form, error, prefix="q_")
            if error.field == "channel":
                form.channel.errors = list(form.channel.errors or []) + [str(error)]
            flash(str(error), "error")
            status = error.status
        else:
            db.session.commit()
            flash(_("Answers saved for %(name)s.", name=student.name), "success")
            return redirect(url_for("plans.student_plan", student_id=student.id))
    elif request.method == "POST":
        status = 400
    return render_template(
        "plans/questionnaire.html", round=round_, rounds=rounds, form=form, questions=questions, response=response,
        student=student, on_behalf=True, questionnaire=round_.questionnaire,
    ), status

