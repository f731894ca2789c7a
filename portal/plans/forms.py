"""Forms of the plans feature: questionnaires (built from their questions), the inventory, plans, rules, subsidy."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)
from wtforms.widgets import CheckboxInput, ListWidget

from portal.formutil import choices
from portal.i18n import lazy_gettext as _l
from portal.plans import riasec
from portal.plans.answers import answer_problems, must_complete
from portal.plans.models import (
    GoalOwner,
    QuestionKind,
    RuleOperator,
    Section,
    SubsidyStatus,
)
from portal.plans.services import option_label

SECTION_LABELS = {
    Section.BARRIERS.value: _l("Barriers"),
    Section.SKILLS.value: _l("Skill gaps"),
    Section.INTERESTS.value: _l("Interests and intentions"),
    Section.HELP.value: _l("Help wanted"),
    Section.OTHER.value: _l("Other"),
}
KIND_LABELS = {
    QuestionKind.SINGLE.value: _l("Single choice"),
    QuestionKind.MULTIPLE.value: _l("Multiple choice"),
    QuestionKind.SCALE.value: _l("Scale 1–5"),
    QuestionKind.TEXT.value: _l("Short text"),
}
OWNER_LABELS = {GoalOwner.STUDENT.value: _l("Student"), GoalOwner.MENTOR.value: _l("Mentor")}
OPERATOR_LABELS = {
    RuleOperator.ANY_OF.value: _l("answer includes any of (option keys)"),
    RuleOperator.AT_LEAST.value: _l("scale answer at least"),
    RuleOperator.AT_MOST.value: _l("scale answer at most"),
    RuleOperator.INTEREST_TOP.value: _l("interest code starts with one of (letters, first two)"),
    RuleOperator.INTEREST_MISSING.value: _l("no interest-test result yet"),
}
CHANNEL_LABELS = {"talk": _l("After a talk"), "phone_interview": _l("After a phone interview")}


class EmptyForm(FlaskForm):
    submit = SubmitField(_l("Confirm"))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# --- answering the questionnaire -----------------------------------------------------------

class _AnswersBase(FlaskForm):
    save = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Submit answers"))
    questions: list = []  # the round's questions, one field each (set by answers_form_class)
    response = None  # the student's response in the round so far, if any

    def answers(self) -> dict:
        """The answers as posted, by question key."""
        return {question.key: self[f"q_{question.key}"].data for question in self.questions}

    def validate(self, extra_validators=None) -> bool:
        """WTForms' checks, then the questionnaire's own (answers.answer_problems): a message under
        each answer that needs attention. Drafts may be incomplete; submitted answers may not."""
        valid = super().validate(extra_validators)
        complete = must_complete(self.response, submit=bool(self.submit.data))
        _answers, problems = answer_problems(self.questions, self.answers(), complete=complete)
        for key, message in problems.items():
            field = self[f"q_{key}"]
            if not field.errors:
                field.errors.append(message)
        return valid and not problems


def answers_form_class(questions, locale: str, *, response=None, on_behalf: bool = False):
    """A form class with one field per question (named q_<key>)."""
    def label(question):
        return question.text_zh if locale.startswith("zh") else question.text_en

    attrs = {"questions": list(questions), "response": response}
    for question in questions:
        name = f"q_{question.key}"
        pairs = [(o["key"], option_label(o, locale)) for o in question.options]
        if question.kind == QuestionKind.SINGLE:
            attrs[name] = RadioField(label(question), choices=choices(pairs), validators=[Optional()])
        elif question.kind == QuestionKind.MULTIPLE:
            attrs[name] = MultiCheckboxField(label(question), choices=choices(pairs), validators=[Optional()])
        elif question.kind == QuestionKind.SCALE:
            attrs[name] = RadioField(label(question), choices=choices([(str(n), str(n)) for n in range(1, 6)]),
                                     validators=[Optional()])
        else:
            attrs[name] = TextAreaField(label(question), validators=[Optional(), Length(max=500)])
    if on_behalf:
        attrs["round_id"] = HiddenField(validators=[DataRequired()])
        attrs["channel"] = RadioField(_l("Source of the answers"), choices=choices(list(CHANNEL_LABELS.items())),
                                      validators=[DataRequired()])
        attrs["note"] = TextAreaField(_l("Note for the intervention log (optional)"), validators=[Optional(), Length(max=2000)])
    return type("AnswersForm", (_AnswersBase,), attrs)


def form_data_from_answers(questions, answers: dict) -> dict:
    data = {}
    for question in questions:
        value = answers.get(question.key)
        if value is None:
            continue
        data[f"q_{question.key}"] = str(value) if question.kind == QuestionKind.SCALE else value
    return data


# --- the interest inventory ---------------------------------------------------------------

def inventory_form_class(locale: str):
    pairs = [(str(value), label) for value, label in riasec.RESPONSE_LABELS]
    attrs = {
        f"item_{item.id}": RadioField(item.text(locale), choices=choices(pairs),
                                      validators=[InputRequired(message=_l("Please choose how much you would enjoy this."))])
        for item in riasec.administration_order()
    }
    attrs["submit"] = SubmitField(_l("See my result"))
    return type("InventoryForm", (FlaskForm,), attrs)


# --- administering questionnaires, rounds and rules ------------------------------------------

class QuestionnaireForm(FlaskForm):
    title_zh = StringField(_l("Title (Chinese)"), validators=[DataRequired(), Length(max=200)])
    title_en = StringField(_l("Title (English)"), validators=[DataRequired(), Length(max=200)])
    intro_zh = TextAreaField(_l("Introduction (Chinese)"), validators=[Optional(), Length(max=4000)])
    intro_en = TextAreaField(_l("Introduction (English)"), validators=[Optional(), Length(max=4000)])
    submit = SubmitField(_l("Save"))


class QuestionForm(FlaskForm):
    key = StringField(_l("Key (stable across versions)"), validators=[DataRequired(), Length(max=48)])
    section = SelectField(_l("Section"), choices=lambda: choices(list(SECTION_LABELS.items())), validators=[DataRequired()])
    kind = SelectField(_l("Type"), choices=lambda: choices(list(KIND_LABELS.items())), validators=[DataRequired()])
    text_zh = TextAreaField(_l("Question (Chinese)"), validators=[DataRequired(), Length(max=1000)])
    text_en = TextAreaField(_l("Question (English)"), validators=[DataRequired(), Length(max=1000)])
    options = TextAreaField(
        _l("Options, one per line: key | 中文 | English (scale: low and high anchors)"),
        validators=[Optional(), Length(max=6000)],
    )
    required = BooleanField(_l("An answer is required"))
    sensitive = BooleanField(_l("About psychological barriers (sensitive; staff views are audited)"))
    submit = SubmitField(_l("Save question"))


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Move"))


class RoundForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=24)])
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=100)])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=100)])
    opens_on = DateField(_l("Opens on"), validators=[DataRequired()])
    closes_on = DateField(_l("Closes on"), validators=[DataRequired()])
    questionnaire_id = SelectField(_l("Questionnaire"), coerce=int, validators=[DataRequired()])
    submit = SubmitField(_l("Save round"))


class RuleForm(FlaskForm):
    name_zh = StringField(_l("Reason shown to mentors (Chinese)"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Reason shown to mentors (English)"), validators=[DataRequired(), Length(max=200)])
    question_key = StringField(_l("Question key"), validators=[Optional(), Length(max=48)])
    operator = SelectField(_l("Condition"), choices=lambda: choices(list(OPERATOR_LABELS.items())), validators=[DataRequired()])
    value = StringField(_l("Value"), validators=[Optional(), Length(max=200)])
    goal_zh = StringField(_l("Suggested goal (Chinese)"), validators=[DataRequired(), Length(max=200)])
    goal_en = StringField(_l("Suggested goal (English)"), validators=[DataRequired(), Length(max=200)])
    measures_zh = TextAreaField(_l("Measures (Chinese)"), validators=[Optional(), Length(max=2000)])
    measures_en = TextAreaField(_l("Measures (English)"), validators=[Optional(), Length(max=2000)])
    owner = SelectField(_l("Owner"), choices=lambda: choices(list(OWNER_LABELS.items())), validators=[DataRequired()])
    due_in_days = IntegerField(_l("Due in (days)"), default=30, validators=[InputRequired(), NumberRange(min=1, max=365)])
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save rule"))


# --- plans -------------------------------------------------------------------------------

class GoalForm(FlaskForm):
    title = StringField(_l("Goal"), validators=[DataRequired(), Length(max=200)])
    measures = TextAreaField(_l("Measures"), validators=[Optional(), Length(max=2000)])
    owner = SelectField(_l("Owner"), choices=lambda: choices(list(OWNER_LABELS.items())), validators=[DataRequired()])
    due_on = DateField(_l("Due on"), validators=[Optional()])
    submit = SubmitField(_l("Save goal"))


class ReviewForm(FlaskForm):
    note = TextAreaField(_l("Review note (the student sees it in their plan)"), validators=[Optional(), Length(max=2000)])
    next_review_on = DateField(_l("Next review on"), validators=[DataRequired()])
    submit = SubmitField(_l("Record the review"))


class PlanFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    show = SelectField(
        _l("Show"),
        choices=lambda: choices([
            ("", _l("All students in the ledger")), ("due", _l("Review due")),
            ("overdue", _l("With overdue goals")), ("none", _l("Without a plan")),
        ]),
        validators=[Optional()],
    )


# --- subsidy --------------------------------------------------------------------------------

def status_filter_pairs():
    from portal.plans.subsidy import STEP_LABELS

    return [("", _l("Any")), ("none", _l("Not applied"))] + list(STEP_LABELS.items())


class SubsidyFilterForm(FlaskForm):
    class Meta:
        csrf = False

    year = IntegerField(_l("Graduation year"), validators=[Optional(), NumberRange(min=2000, max=2100)])
    status = SelectField(_l("Application"), choices=lambda: choices(status_filter_pairs()), validators=[Optional()])
    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])


class ExportForm(FlaskForm):
    class Meta:
        csrf = False

    year = IntegerField(_l("Graduation year"), validators=[Optional(), NumberRange(min=2000, max=2100)])
    status = SelectField(
        _l("Step"),
        choices=lambda: choices([("", _l("All but refused"))] + [
            (s.value, label) for s, label in _step_pairs()
        ]),
        validators=[Optional()],
    )


def _step_pairs():
    from portal.plans.subsidy import STEP_LABELS

    return [(SubsidyStatus(k), v) for k, v in STEP_LABELS.items() if k != SubsidyStatus.REJECTED]


class ApplyForm(FlaskForm):
    category = SelectField(_l("Qualifying category"), validators=[DataRequired()])
    province = StringField(_l("Province of the paying bureau"), validators=[DataRequired(), Length(max=32)])
    amount = DecimalField(_l("Amount (yuan; empty: the province's amount)"), places=2,
                          validators=[Optional(), NumberRange(min=0, max=100000)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Record the application"))


class StepForm(FlaskForm):
    expected = HiddenField(validators=[DataRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Confirm this step"))


class RejectForm(FlaskForm):
    expected = HiddenField(validators=[DataRequired()])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=300)])
    submit = SubmitField(_l("Record refusal"))


class LoanForm(FlaskForm):
    kind = SelectField(_l("National student loan"), validators=[Optional()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Save"))


class HelpForm(FlaskForm):
    kind = SelectField(_l("Help given"), validators=[DataRequired()])
    amount = DecimalField(_l("Amount (yuan, optional)"), places=2, validators=[Optional(), NumberRange(min=0, max=100000)])
    given_on = DateField(_l("Given on"), validators=[DataRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Record help"))


class SubsidySettingsForm(FlaskForm):
    categories = MultiCheckboxField(_l("Qualifying categories"), validators=[Optional()])
    default_amount = DecimalField(_l("Default amount (yuan)"), places=2, validators=[InputRequired(), NumberRange(min=0, max=100000)])
    amounts = TextAreaField(_l("Amounts by province, one per line: province amount"), validators=[Optional(), Length(max=4000)])
    province = StringField(_l("Province of the school's bureau (proposed for new applications)"),
                           validators=[Optional(), Length(max=32)])
    submit = SubmitField(_l("Save settings"))


GOAL_STATUS_LABELS = {
    "suggested": _l("Suggested"),
    "open": _l("Open"),
    "done": _l("Done"),
    "dropped": _l("Dropped"),
}
QUESTIONNAIRE_STATUS_LABELS = {
    "draft": _l("Draft"),
    "published": _l("Published"),
    "retired": _l("Retired"),
}


def show_error(form, error, *, prefix: str = "") -> bool:
    """Put a broken rule's message under the field it concerns (RuleViolation.field, named with
    `prefix`); False when the form has no such field, for the caller to show it another way."""
    field = getattr(form, f"{prefix}{error.field}", None) if error.field else None
    if field is None:
        return False
    field.errors = [*field.errors, str(error)]
    return True
