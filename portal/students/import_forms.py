"""Forms of the import pages and of the discreet follow-up pages."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DecimalField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.formutil import fixed
from portal.i18n import lazy_gettext as _l
from portal.students.models import HardshipCategory
from portal.students.signals import CATEGORY_LABELS


def category_pairs():
    return [(c.value, CATEGORY_LABELS[c]) for c in HardshipCategory]


class UploadForm(FlaskForm):
    file = FileField(_l("File (.xlsx or .csv)"), validators=[FileRequired(message=_l("Choose a file to upload."))])
    submit = SubmitField(_l("Check the file"))


class ListUploadForm(UploadForm):
    category = SelectField(_l("Category the list certifies"), choices=fixed(category_pairs()),
                           validators=[DataRequired()])
    list_name = StringField(_l("Name of the list"), validators=[Optional(), Length(max=200)],
                            description=_l("For example 2026年城乡低保名单. The file name is used if you leave it empty."))


class DismissForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(message=_l("Say why.")), Length(max=180)])
    submit = SubmitField(_l("Dismiss"))


class SignalClaimForm(FlaskForm):
    category = SelectField(_l("Category"), choices=fixed(category_pairs()),
                           default=HardshipCategory.FINANCIAL_HARDSHIP.value, validators=[Optional()])
    submit = SubmitField(_l("Open a claim for verification"))


class ThresholdsForm(FlaskForm):
    min_meals = IntegerField(_l("At least this many canteen meals a month"),
                             validators=[DataRequired(), NumberRange(min=1, max=300)])
    max_amount = DecimalField(_l("And under this amount spent at the canteen a month (yuan)"), places=2,
                              validators=[DataRequired(), NumberRange(min=1, max=100000)])
    months = IntegerField(_l("For this many consecutive months of data"),
                          validators=[DataRequired(), NumberRange(min=1, max=12)])
    submit = SubmitField(_l("Save and recompute"))


class FollowUpFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(_l("Show"), validators=[Optional()])
    category = SelectField(_l("Category"), validators=[Optional()],
                           choices=fixed([("", _l("All categories"))] + category_pairs()))
    college = SelectField(_l("College"), validators=[Optional()])
