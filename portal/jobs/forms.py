"""One form per use of the jobs pages."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    IntegerField,
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

from portal.formutil import choices
from portal.i18n import lazy_gettext as _l
from portal.jobs import matching, vocab


def _pairs(vocabulary: dict, blank=None):
    pairs = list(vocabulary.items())
    return choices([("", blank)] + pairs if blank is not None else pairs)


class PostingFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    major = SelectField(_l("Major"), validators=[Optional()], validate_choice=False)
    province = SelectField(_l("Region"), validators=[Optional()],
                           choices=choices([("", _l("All regions"))] + [(p, p) for p in vocab.PROVINCES]))
    level = SelectField(_l("Hospital level"), validators=[Optional()],
                        choices=_pairs(vocab.HOSPITAL_LEVELS, _l("Any level")))
    grassroots = SelectField(_l("Grassroots"), validators=[Optional()], choices=choices([
        ("", _l("Grassroots or not")), ("yes", _l("Grassroots units only")), ("no", _l("Not grassroots"))]))
    post_type = SelectField(_l("Post type"), validators=[Optional()],
                            choices=_pairs(vocab.POST_TYPES, _l("Any post type")))
    deadline = SelectField(_l("Deadline"), validators=[Optional()], choices=choices([
        ("", _l("Any deadline")), ("7", _l("Closing within 7 days")), ("30", _l("Closing within 30 days"))]))


class PostingForm(FlaskForm):
    title = StringField(_l("Post title"), validators=[DataRequired(), Length(max=200)])
    employer = StringField(_l("Employer"), validators=[DataRequired(), Length(max=200)])
    unit_nature = SelectField(_l("Nature of the unit"), choices=_pairs(vocab.UNIT_NATURES))
    hospital_level = SelectField(_l("Hospital level"), choices=_pairs(vocab.HOSPITAL_LEVELS, _l("Not a graded hospital")))
    grassroots_type = SelectField(_l("Grassroots unit"), choices=_pairs(vocab.GRASSROOTS_TYPES, _l("Not a grassroots unit")))
    emerging_field = SelectField(_l("Emerging field"), choices=_pairs(vocab.EMERGING_FIELDS, _l("None")))
    province = SelectField(_l("Province"), choices=choices([(p, p) for p in vocab.PROVINCES]))
    city = StringField(_l("City or county"), validators=[Optional(), Length(max=64)])
    post_type = SelectField(_l("Post type"), choices=_pairs(vocab.POST_TYPES))
    majors = StringField(_l("Majors accepted (separated by 、 or commas; empty for any major)"),
                         validators=[Optional(), Length(max=2000)])
    min_degree = SelectField(_l("Minimum degree"), choices=_pairs(vocab.DEGREES))
    licence_required = SelectField(_l("Licence required"), choices=_pairs(vocab.LICENCES, _l("None")))
    openings = IntegerField(_l("Openings"), default=1, validators=[Optional()])
    salary_min = IntegerField(_l("Monthly salary from (yuan)"), validators=[Optional()])
    salary_max = IntegerField(_l("Monthly salary to (yuan)"), validators=[Optional()])
    deadline = DateField(_l("Application deadline"), validators=[Optional()])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])
    source_url = StringField(_l("Source link"), validators=[Optional(), Length(max=500)])
    status = SelectField(_l("Status"), choices=_pairs(vocab.STATUSES))
    submit = SubmitField(_l("Save posting"))

    def data_for_service(self) -> dict:
        return {name: getattr(self, name).data for name in (
            "title", "employer", "unit_nature", "hospital_level", "grassroots_type", "emerging_field", "province",
            "city", "post_type", "majors", "min_degree", "licence_required", "openings", "salary_min", "salary_max",
            "deadline", "description", "source_url", "status")}


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=_pairs(vocab.STATUSES))
    submit = SubmitField(_l("Change status"))


class ManageFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    status = SelectField(_l("Status"), validators=[Optional()],
                         choices=_pairs(vocab.STATUSES, _l("Any status")))


class DismissForm(FlaskForm):
    """What a recommendation card's "not interested" form sends (the cards write it out in
    jobs/_recommendation.html, one per card, with the same labels)."""

    reason = SelectField(_l("Why not?"), choices=_pairs(vocab.DISMISS_REASONS), validators=[DataRequired()])
    note = StringField(_l("Anything else (optional)"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Not interested"))


class EmptyForm(FlaskForm):
    submit = SubmitField(_l("Confirm"))


class ReferForm(FlaskForm):
    student_id = SelectField(_l("Student"), coerce=int, validate_choice=False, validators=[InputRequired()])
    note = TextAreaField(_l("Why this post suits them (optional)"), validators=[Optional(), Length(max=1000)])
    submit = SubmitField(_l("Refer personally"))


class ApplyForm(FlaskForm):
    on = DateField(_l("Applied on"), validators=[DataRequired()])
    notes = TextAreaField(_l("Notes (optional)"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Track my application"))


class OutsideApplicationForm(FlaskForm):
    employer = StringField(_l("Employer"), validators=[DataRequired(), Length(max=200)])
    title = StringField(_l("Post title"), validators=[DataRequired(), Length(max=200)])
    source_url = StringField(_l("Link (optional)"), validators=[Optional(), Length(max=500)])
    on = DateField(_l("Applied on"), validators=[DataRequired()])
    notes = TextAreaField(_l("Notes (optional)"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Track this application"))


class StageForm(FlaskForm):
    stage = SelectField(_l("New stage"), validators=[DataRequired()], validate_choice=False)
    on = DateField(_l("Date"), validators=[DataRequired()])
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=1000)])
    submit = SubmitField(_l("Record the stage"))


class LicenceForm(FlaskForm):
    licence = SelectField(_l("Licence"), choices=_pairs(vocab.LICENCES))
    obtained_on = DateField(_l("Obtained on (optional)"), validators=[Optional()])
    submit = SubmitField(_l("Add licence"))


class ImportForm(FlaskForm):
    file = FileField(_l("Spreadsheet (.xlsx)"), validators=[FileRequired()])
    submit = SubmitField(_l("Preview"))


class CaseloadFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])


WEIGHT_LABELS = {
    "major": _l("Major listed by the posting"),
    "any_major": _l("Posting open to any major"),
    "degree": _l("Degree as asked (half when above)"),
    "licence": _l("Licence held (minus when missing)"),
    "region": _l("Preferred region"),
    "home": _l("Home province"),
    "level": _l("Hospital level asked for"),
    "realism": _l("Hospital level realistic for the degree"),
    "grassroots": _l("Grassroots unit, for students open to it"),
    "post_type": _l("Post type asked for"),
    "residency": _l("规培 base, for students planning it"),
    "emerging": _l("Emerging field"),
    "declined": _l("Penalty for posts like those declined"),
}


class WeightsForm(FlaskForm):
    per_student = IntegerField(_l("Recommendations per student"), validators=[InputRequired(), NumberRange(1, 50)])
    discovery_slots = IntegerField(_l("Of which at least, grassroots or emerging-field posts"),
                                   validators=[InputRequired(), NumberRange(0, 25)])
    submit = SubmitField(_l("Save weights"))


for _key in matching.DEFAULT_WEIGHTS:
    setattr(WeightsForm, f"w_{_key}", IntegerField(WEIGHT_LABELS[_key], validators=[
        InputRequired(), NumberRange(0, matching.WEIGHT_MAX)]))
