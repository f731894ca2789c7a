"""One form per use case: destinations, follow-up calls, feedback, surveys and imports."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
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

from portal.clock import local_today
from portal.formutil import choices
from portal.i18n import lazy_gettext as _l
from portal.outcomes import categories as cat
from portal.outcomes.follow_ups import FOLLOW_UP_CHANNELS, FOLLOW_UP_RESULTS

EMPTY = ("", _l("— choose —"))
NOT_RECORDED = ("", _l("— not recorded —"))


def _category_choices():
    return choices([EMPTY] + [(c.key, c.label) for c in cat.CATEGORIES])


def _optional(pairs):
    return lambda: choices([NOT_RECORDED, *pairs])


class DestinationFields(FlaskForm):
    """The fields of a destination; the service checks which are needed for which category."""

    category = SelectField(_l("Destination"), choices=_category_choices, default="")
    decided_on = DateField(_l("Date settled (offer signed, contract, admission)"), validators=[Optional()])
    employer = StringField(_l("Employer, training base or school"), validators=[Optional(), Length(max=200)])
    unit_nature = SelectField(_l("Unit nature"), choices=_optional(cat.UNIT_NATURES), default="")
    industry = SelectField(_l("Industry"), choices=_optional(cat.INDUSTRIES), default="")
    hospital_level = SelectField(_l("Hospital level"), choices=_optional(cat.HOSPITAL_LEVELS), default="")
    post_type = SelectField(_l("Post type"), choices=_optional(cat.POST_TYPES), default="")
    province = SelectField(_l("Province"), choices=_optional([(p, p) for p in cat.PROVINCES]), default="")
    city = StringField(_l("City"), validators=[Optional(), Length(max=50)])
    country = StringField(_l("Country or region (study or work abroad)"), validators=[Optional(), Length(max=50)])
    grassroots = BooleanField(_l("Grassroots post (community, township or village level)"))
    relation_to_major = SelectField(_l("Relation to major"), choices=_optional(cat.RELATIONS), default="")
    salary_band = SelectField(_l("Monthly salary before tax (yuan)"), choices=_optional(cat.SALARY_BANDS), default="")
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])

    def destination_values(self) -> dict:
        return {name: getattr(self, name).data for name in (
            "category", "decided_on", "employer", "unit_nature", "industry", "hospital_level", "post_type",
            "province", "city", "country", "grassroots", "relation_to_major", "salary_band", "note")}


class StudentDestinationForm(DestinationFields):
    submit = SubmitField(_l("Send to my mentor"))


class DestinationForm(DestinationFields):
    verified = BooleanField(_l("I have seen the agreement, contract or admission letter (confirmed)"))
    submit = SubmitField(_l("Record destination"))


class FollowUpForm(DestinationFields):
    result = SelectField(_l("Result of the call"), choices=lambda: choices([EMPTY, *FOLLOW_UP_RESULTS]),
                         validators=[DataRequired()])
    channel = SelectField(_l("How"), choices=lambda: choices(FOLLOW_UP_CHANNELS), default="phone")
    occurred_on = DateField(_l("Date of the call"), validators=[Optional()], default=local_today)
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])
    verified = BooleanField(_l("I have seen proof of the new destination (confirmed)"))
    submit = SubmitField(_l("Log follow-up"))


class FeedbackForm(FlaskForm):
    rating = RadioField(_l("Your rating"), choices=lambda: choices([
        ("5", _l("5 — very helpful")), ("4", _l("4 — helpful")), ("3", _l("3 — somewhat helpful")),
        ("2", _l("2 — of little help")), ("1", _l("1 — not helpful")),
    ]), validators=[InputRequired(message=_l("Choose a rating from 1 to 5."))])
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Send feedback"))


class SurveyForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    intro = TextAreaField(_l("Introduction shown to students"), validators=[Optional(), Length(max=2000)])
    graduation_year = IntegerField(_l("Class (graduation year); empty for every class"),
                                   validators=[Optional(), NumberRange(min=2000, max=2100)])
    programme_only = BooleanField(_l("Only students in the support programme"))
    questions = TextAreaField(
        _l("Questions, one a line: \"rating: …\", \"choice: … | option | option\" or \"text: …\""),
        validators=[DataRequired()],
    )
    submit = SubmitField(_l("Save survey"))


class ImportForm(FlaskForm):
    file = FileField(_l("Workbook (.xlsx)"), validators=[
        FileRequired(message=_l("Choose a file to upload.")),
        FileAllowed(["xlsx"], message=_l("Upload an Excel workbook (.xlsx).")),
    ])
    verified = BooleanField(_l("These destinations are verified (e.g. exported from the Ministry's monitoring system)"), default=True)
    submit = SubmitField(_l("Check the file"))


class DestinationFilterForm(FlaskForm):
    class Meta:
        csrf = False

    year = IntegerField(_l("Class"), validators=[Optional(), NumberRange(min=2000, max=2100)])
    college = SelectField(_l("College"), validators=[Optional()], validate_choice=False)
    # (each filter's default is one of its choices: WTForms would otherwise find "no choice" invalid
    # and load its catalogue to say so, before Optional() lets it through)
    category = SelectField(_l("Destination"), validators=[Optional()], default="",
                           choices=lambda: [("", _l("All destinations")), ("none", _l("No destination recorded")),
                                            *[(c.key, c.label) for c in cat.CATEGORIES]])
    verified = SelectField(_l("Confirmation"), validators=[Optional()], default="", choices=lambda: [
        ("", _l("All")), ("pending", _l("Waiting for confirmation")), ("verified", _l("Confirmed"))])
    q = StringField(_l("Name or student number"), validators=[Optional(), Length(max=64)])


class FollowUpFilterForm(FlaskForm):
    class Meta:
        csrf = False

    year = IntegerField(_l("Class"), validators=[Optional(), NumberRange(min=2000, max=2100)])
    group = SelectField(_l("Graduates"), validators=[Optional()], default="not_employed", choices=lambda: [
        ("not_employed", _l("Not yet employed or unknown")), ("employed", _l("Destination settled")), ("all", _l("All"))])
    mentor = SelectField(_l("Mentor"), validators=[Optional()], validate_choice=False)


class FeedbackFilterForm(FlaskForm):
    class Meta:
        csrf = False

    rating = SelectField(_l("Rating"), validators=[Optional()], default="", choices=lambda: choices(
        [("", _l("All ratings"))] + [(str(n), str(n)) for n in range(5, 0, -1)]))
