"""Anonymous surveys: the office writes, opens and closes them; students answer once; results as aggregates."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal import policy
from portal.accounts.forms import EmptyForm
from portal.errors import RuleViolation
from portal.extensions import db
from portal.formutil import choices
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.outcomes import bp, surveys
from portal.outcomes.forms import SurveyForm
from portal.outcomes.models import Survey
from portal.outcomes.routes import _field_error
from portal.students.access import signed_in_student

RATING_CHOICES = [("1", "1"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5")]


def get_survey_or_404(survey_id: int) -> Survey:
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        abort(404)
    return survey


def answer_form(survey: Survey) -> FlaskForm:
    """A form with one field per question of this survey."""

    class AnswerForm(FlaskForm):
        pass

    required = InputRequired(message=_l("Please answer this question."))
    for q in survey.questions:
        if q["kind"] == "rating":
            field = RadioField(q["text"], choices=choices(RATING_CHOICES), validators=[required])
        elif q["kind"] == "choice":
            field = RadioField(q["text"], choices=choices([(str(i), o) for i, o in enumerate(q["options"])]),
                               validators=[required])
        else:
            field = TextAreaField(q["text"], validators=[Optional(), Length(max=surveys.MAX_ANSWER_TEXT)])
        setattr(AnswerForm, q["key"], field)
    AnswerForm.submit = SubmitField(_l("Send my answers"))
    return AnswerForm()


@bp.route("/surveys/<int:survey_id>/answer", methods=["GET", "POST"])
@login_required
def answer_survey(survey_id: int):
    survey = get_survey_or_404(survey_id)
    policy.require("survey.answer", survey)
    student = signed_in_student()
    if not surveys.eligible(survey, student):
        abort(404)
    if surveys.has_answered(survey, student):
        return render_template("outcomes/survey_answer.html", survey=survey, form=None, answered=True)
    form = answer_form(survey)
    status = 200
    if form.validate_on_submit():
        try:
            surveys.submit(survey, student, {q["key"]: getattr(form, q["key"]).data for q in survey.questions})
            db.session.commit()
        except RuleViolation as error:
            db.session.rollback()
            if error.status == 409:
                return render_template("outcomes/survey_answer.html", survey=survey, form=None, answered=True), 409
            _field_error(form, error)
            status = error.status
        else:
            flash(_("Thank you. Your answers were recorded anonymously."), "success")
            return redirect(url_for("outcomes.me"))
    elif request.method == "POST":
        status = 400
    return render_template("outcomes/survey_answer.html", survey=survey, form=form, answered=False), status


def _index_page(status: int = 200):
    return render_template("outcomes/surveys.html", rows=surveys.survey_list(), button=EmptyForm(formdata=None),
                           status_labels={k: str(v) for k, v in surveys.STATUS_LABELS.items()},
                           standard={k: str(v[0]) for k, v in surveys.STANDARD_SURVEYS.items()}), status


@bp.route("/surveys")
@login_required
def surveys_index():
    policy.require("surveys.manage")
    return _index_page()


@bp.route("/surveys/new", methods=["GET", "POST"])
@login_required
def survey_new():
    policy.require("surveys.manage")
    form = SurveyForm()
    template = request.args.get("template")
    if request.method == "GET" and template in surveys.STANDARD_SURVEYS:
        title, questions = surveys.STANDARD_SURVEYS[template]
        form.title.data = str(title)
        form.questions.data = questions
    status = 200
    if form.validate_on_submit():
        try:
            survey = surveys.create_survey(
                actor=current_user, title=form.title.data, intro=form.intro.data,
                graduation_year=form.graduation_year.data, programme_only=form.programme_only.data,
                questions=form.questions.data,
            )
            db.session.commit()
        except RuleViolation as error:
            db.session.rollback()
            _field_error(form, error)
            status = error.status
        else:
            flash(_("Survey saved as a draft. Open it when it is ready."), "success")
            return redirect(url_for("outcomes.survey_edit", survey_id=survey.id))
    elif request.method == "POST":
        status = 400
    return render_template("outcomes/survey_form.html", form=form, survey=None,
                           kinds={k: str(v) for k, v in surveys.QUESTION_KINDS.items()}), status


@bp.route("/surveys/<int:survey_id>/edit", methods=["GET", "POST"])
@login_required
def survey_edit(survey_id: int):
    policy.require("surveys.manage")
    survey = get_survey_or_404(survey_id)
    if request.method == "GET":
        form = SurveyForm(formdata=None, obj=survey)
        form.questions.data = surveys.questions_text(survey.questions)
    else:
        form = SurveyForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                surveys.update_survey(
                    survey, title=form.title.data, intro=form.intro.data, graduation_year=form.graduation_year.data,
                    programme_only=form.programme_only.data, questions=form.questions.data,
                )
                db.session.commit()
            except RuleViolation as error:
                db.session.rollback()
                _field_error(form, error)
                status = error.status
            else:
                flash(_("Survey saved."), "success")
                return redirect(url_for("outcomes.survey_edit", survey_id=survey.id))
        else:
            status = 400
    return render_template("outcomes/survey_form.html", form=form, survey=survey, button=EmptyForm(formdata=None),
                           kinds={k: str(v) for k, v in surveys.QUESTION_KINDS.items()}), status


def _survey_action(survey_id: int, action, success: str):
    policy.require("surveys.manage")
    survey = get_survey_or_404(survey_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        action(survey)
        db.session.commit()
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error), "error")
        return _index_page(error.status)
    flash(success, "success")
    return redirect(url_for("outcomes.surveys_index"))


@bp.post("/surveys/<int:survey_id>/open")
@login_required
def survey_open(survey_id: int):
    return _survey_action(survey_id, surveys.open_survey, _("The survey is open: the students it is meant for can answer it now."))


@bp.post("/surveys/<int:survey_id>/close")
@login_required
def survey_close(survey_id: int):
    return _survey_action(survey_id, surveys.close_survey, _("The survey is closed and every answer is counted."))


@bp.route("/surveys/<int:survey_id>/results")
@login_required
def survey_results(survey_id: int):
    policy.require("surveys.results")
    survey = get_survey_or_404(survey_id)
    if survey.status == "draft":
        abort(404)
    from portal.reports.charts import bar_chart

    results = surveys.results(survey)
    drawn = {
        r.question["key"]: bar_chart(r.question["text"], [(label, [n / r.answered]) for label, n in r.counts],
                                     series=[_("Share")], full_scale=False, width=520, label_width=130)
        for r in results.questions if r.counts and r.answered
    }
    return render_template("outcomes/survey_results.html", results=results, charts=drawn,
                           status_labels={k: str(v) for k, v in surveys.STATUS_LABELS.items()})
