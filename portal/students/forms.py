"""Forms of the students feature, one per use case; the rules live in the sub-modules (claims, profiles…)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)
from wtforms.widgets import CheckboxInput, ListWidget

from portal.formutil import choices, fixed
from portal.i18n import lazy_gettext as _l
from portal.students import labels
from portal.students.models import HardshipCategory

PHONE_RULE = Regexp(
    r"^(\+?86[- ]?)?1[3-9]\d{9}$|^0\d{2,3}-?\d{7,8}$",
    message=_l("Enter a mobile number such as 13800138000, or a landline such as 0311-12345678."),
)


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes (works without JavaScript)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _pairs(mapping: dict, blank=None) -> list:
    pairs = [(str(k), v) for k, v in mapping.items()]
    return ([("", blank)] if blank is not None else []) + pairs


# --- the student's own pages -------------------------------------------------------------

class ContactForm(FlaskForm):
    phone = StringField(_l("Mobile phone"), validators=[Optional(), Length(max=32), PHONE_RULE])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    submit = SubmitField(_l("Save contact details"))


class IntentionsForm(FlaskForm):
    regions = MultiCheckboxField(_l("Where would you like to work?"), choices=fixed((p, p) for p in labels.PROVINCES))
    hospital_levels = MultiCheckboxField(_l("Which kinds of hospital or unit?"), choices=fixed(_pairs(labels.HOSPITAL_LEVELS)))
    post_types = MultiCheckboxField(_l("Which kinds of post?"), choices=fixed(_pairs(labels.POST_TYPES)))
    grassroots_openness = SelectField(
        _l("Would you work at the grassroots (township, village, community)?"),
        choices=fixed(_pairs(labels.GRASSROOTS, blank=_l("Not decided yet"))), validators=[Optional()],
    )
    further_study = SelectField(
        _l("Are you planning further study?"),
        choices=fixed(_pairs(labels.FURTHER_STUDY, blank=_l("Not decided yet"))), validators=[Optional()],
    )
    standardized_training = BooleanField(_l("I plan to apply for standardised residency training (规培)"))
    note = TextAreaField(_l("Anything else about your job search"), validators=[Optional(), Length(max=1000)])
    submit = SubmitField(_l("Save intentions"))


def self_declare_choices():
    return choices(_pairs(labels.CATEGORIES, blank=_l("Choose what fits best")))


class SupportRequestForm(FlaskForm):
    category = SelectField(_l("What describes your situation?"), choices=self_declare_choices, validators=[DataRequired()])
    note = TextAreaField(
        _l("Anything you would like your mentor to know (optional)"), validators=[Optional(), Length(max=2000)]
    )
    submit = SubmitField(_l("Send privately"))


# --- staff: the student's record ----------------------------------------------------------

class RecordForm(FlaskForm):
    display_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=100)])
    gender = SelectField(_l("Gender"), choices=fixed(_pairs(labels.GENDERS, blank=_l("Not recorded"))), validators=[Optional()])
    college = StringField(_l("College"), validators=[DataRequired(), Length(max=100)])
    major = StringField(_l("Major"), validators=[DataRequired(), Length(max=100)])
    degree_level = SelectField(_l("Degree"), choices=fixed(_pairs(labels.DEGREES)), validators=[DataRequired()])
    cohort = IntegerField(_l("Year of entry"), validators=[Optional(), NumberRange(1990, 2100)])
    graduation_year = IntegerField(_l("Graduation year"), validators=[InputRequired(), NumberRange(1990, 2100)])
    class_name = StringField(_l("Class"), validators=[Optional(), Length(max=100)])
    home_province = SelectField(
        _l("Home province"), choices=fixed([("", _l("Not recorded"))] + [(p, p) for p in labels.PROVINCES]),
        validators=[Optional()],
    )
    origin = SelectField(_l("Urban or rural origin"), choices=fixed(_pairs(labels.ORIGINS, blank=_l("Not recorded"))), validators=[Optional()])
    academic_standing = SelectField(_l("Academic standing"), choices=fixed(_pairs(labels.STANDINGS)), validators=[DataRequired()])
    priority = SelectField(_l("Support priority"), choices=fixed(_pairs(labels.PRIORITIES)), validators=[DataRequired()])
    national_id = StringField(
        _l("National ID number"),
        description=_l("Leave empty to keep the number on record. Only a masked form is ever shown."),
        validators=[Optional(), Length(max=24)],
        render_kw={"autocomplete": "off"},
    )
    submit = SubmitField(_l("Save"))


def level_choices():
    return choices(_pairs(labels.LEVELS, blank=_l("No level")))


class ClaimForm(FlaskForm):
    category = SelectField(_l("Category"), choices=fixed(_pairs(labels.CATEGORIES, blank=_l("Choose a category"))), validators=[DataRequired()])
    level = SelectField(_l("Level (family financial hardship only)"), choices=level_choices, validators=[Optional()])
    source = SelectField(_l("Source"), choices=fixed(_pairs(labels.SOURCES)), validators=[DataRequired()])
    evidence_notes = TextAreaField(_l("Evidence notes"), validators=[Optional(), Length(max=20000)])
    submit = SubmitField(_l("Add to the ledger"))


class ClaimEvidenceForm(FlaskForm):
    level = SelectField(_l("Level (family financial hardship only)"), choices=level_choices, validators=[Optional()])
    evidence_notes = TextAreaField(_l("Evidence notes"), validators=[Optional(), Length(max=20000)])
    submit = SubmitField(_l("Save evidence"))


class VerifyForm(FlaskForm):
    checked = MultiCheckboxField(_l("Checks made"), choices=[], validate_choice=False)
    decision = SelectField(
        _l("Decision"), choices=fixed(_pairs(labels.DECISIONS, blank=_l("Choose a decision"))), validators=[DataRequired()]
    )
    level = SelectField(_l("Level (family financial hardship only)"), choices=level_choices, validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=4000)])
    submit = SubmitField(_l("Record the decision"))


# --- interventions ------------------------------------------------------------------------

class InterventionForm(FlaskForm):
    type = SelectField(_l("Kind of support"), choices=fixed(_pairs(labels.INTERVENTION_TYPES)), validators=[DataRequired()])
    channel = SelectField(_l("How"), choices=fixed(_pairs(labels.CHANNELS)), validators=[DataRequired()])
    occurred_on = DateField(_l("Date"), validators=[InputRequired()])
    occurred_time = TimeField(_l("Time"), validators=[Optional()])
    duration_minutes = IntegerField(_l("Duration (minutes)"), validators=[Optional(), NumberRange(1, 1440)])
    notes = TextAreaField(
        _l("Notes"), description=_l("Plain text, or simple formatting: bold, lists, links."),
        validators=[Optional(), Length(max=20000)],
    )
    follow_up_on = DateField(_l("Follow up on"), validators=[Optional()])
    visibility = SelectField(
        _l("Who may read the notes"),
        choices=fixed(
            [("", _l("The usual: only me for psychological counseling, the student's mentors otherwise"))]
            + _pairs(labels.VISIBILITIES)
        ),
        validators=[Optional()],
    )
    submit = SubmitField(_l("Save"))


class EmptyForm(FlaskForm):
    submit = SubmitField(_l("Confirm"))


# --- the office: checklist, assignment, settings -------------------------------------------

class ChecklistItemForm(FlaskForm):
    label_zh = StringField(_l("Name in Chinese"), validators=[DataRequired(), Length(max=200)])
    label_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Save"))


def kind_choices():
    return choices(_pairs(labels.ASSIGNMENT_KINDS))


class AssignForm(FlaskForm):
    mentor = SelectField(_l("Mentor"), choices=[], validators=[DataRequired()], coerce=str)
    kind = SelectField(_l("As"), choices=kind_choices, validators=[DataRequired()])
    submit = SubmitField(_l("Assign"))


class BulkAssignForm(FlaskForm):
    mentor = SelectField(_l("Mentor"), choices=[], validators=[DataRequired()], coerce=str)
    kind = SelectField(_l("As"), choices=kind_choices, validators=[DataRequired()])
    target = SelectField(
        _l("Students"),
        choices=fixed([("selected", _l("The students ticked below")), ("filtered", _l("Every student matching the filters"))]),
        validators=[DataRequired()],
    )
    # ticked rows of the list; the list's filters come along as hidden inputs for "every student matching"
    student_ids = SelectMultipleField(_l("Selected students"), choices=[], validate_choice=False, coerce=str)
    submit = SubmitField(_l("Assign"))


class CaseloadSettingsForm(FlaskForm):
    no_contact_days = IntegerField(
        _l("Highlight students with no contact for more than (days)"), validators=[InputRequired(), NumberRange(1, 365)]
    )
    submit = SubmitField(_l("Save"))


# --- filters (GET forms, no CSRF) -----------------------------------------------------------

class LedgerFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    category = SelectField(_l("Category"), choices=fixed(_pairs(labels.CATEGORIES, blank=_l("All categories"))), validators=[Optional()])
    status = SelectField(_l("Verification"), choices=fixed(_pairs(labels.STATUSES, blank=_l("Any state"))), validators=[Optional()])
    source = SelectField(_l("Source"), choices=fixed(_pairs(labels.SOURCES, blank=_l("Any source"))), validators=[Optional()])
    college = SelectField(_l("College"), choices=[], validators=[Optional()], validate_choice=False)
    major = SelectField(_l("Major"), choices=[], validators=[Optional()], validate_choice=False)
    cohort = IntegerField(_l("Year of entry"), validators=[Optional(), NumberRange(1990, 2100)])
    graduation_year = IntegerField(_l("Graduation year"), validators=[Optional(), NumberRange(1990, 2100)])
    sort = SelectField(
        _l("Sort by"),
        choices=fixed([("student_no", _l("Student number")), ("name", _l("Full name")), ("category", _l("Category")),
                                 ("recent", _l("Most recently changed"))]),
        validators=[Optional()],
    )


class CaseloadFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    category = SelectField(
        _l("Category"),
        choices=fixed([("", _l("All students")), ("none", _l("No category"))] + _pairs(labels.CATEGORY_SHORT)),
        validators=[Optional()],
    )
    status = SelectField(_l("Verification"), choices=fixed(_pairs(labels.STATUSES, blank=_l("Any state"))), validators=[Optional()])
    priority = SelectField(_l("Priority"), choices=fixed(_pairs(labels.PRIORITIES, blank=_l("Any priority"))), validators=[Optional()])
    kind = SelectField(_l("My role"), choices=fixed(_pairs(labels.ASSIGNMENT_KINDS, blank=_l("Any role"))), validators=[Optional()])
    attention = SelectField(
        _l("Needs attention"),
        choices=fixed([("", _l("Everyone")), ("no_contact", _l("No recent contact")),
                                 ("follow_up", _l("Open follow-ups"))]),
        validators=[Optional()],
    )
    sort = SelectField(
        _l("Sort by"),
        choices=fixed([("priority", _l("Priority")), ("last_contact", _l("Longest without contact")),
                                 ("name", _l("Full name")), ("student_no", _l("Student number")), ("class", _l("Class"))]),
        validators=[Optional()],
    )


class AssignmentFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    college = SelectField(_l("College"), choices=[], validators=[Optional()], validate_choice=False)
    major = SelectField(_l("Major"), choices=[], validators=[Optional()], validate_choice=False)
    class_name = StringField(_l("Class"), validators=[Optional(), Length(max=100)])
    graduation_year = IntegerField(_l("Graduation year"), validators=[Optional(), NumberRange(1990, 2100)])
    degree_level = SelectField(_l("Degree"), choices=fixed(_pairs(labels.DEGREES, blank=_l("Any degree"))), validators=[Optional()])
    mentor_filter = SelectField(_l("Mentor"), choices=[], validators=[Optional()], validate_choice=False)
    unassigned = BooleanField(_l("Only students without a primary mentor"))
    in_ledger = BooleanField(_l("Only students in the ledger"))


CATEGORY_VALUES = [c.value for c in HardshipCategory]
