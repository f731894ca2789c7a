"""The dashboard's filters, the export choices and the office's settings for the figures."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from portal.formutil import choices
from portal.i18n import lazy_gettext as _l
from portal.outcomes import categories as cat

LANGUAGE_CHOICES = [("zh", "中文"), ("en", "English")]


class DashboardFilterForm(FlaskForm):
    class Meta:
        csrf = False

    year = SelectField(_l("Class"), coerce=int, validators=[Optional()], validate_choice=False)
    college = SelectField(_l("College"), validators=[Optional()], validate_choice=False)
    mentor = SelectField(_l("Mentor's caseload"), validators=[Optional()], validate_choice=False)


class ExportForm(FlaskForm):
    class Meta:
        csrf = False

    year = IntegerField(_l("Class"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])
    lang = SelectField(_l("Language"), choices=lambda: choices(LANGUAGE_CHOICES), default="zh")


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class FigureSettingsForm(FlaskForm):
    placed_categories = CheckboxesField(
        _l("Destinations that count towards the destination rate"),
        choices=lambda: choices([(c.key, c.label) for c in cat.CATEGORIES]),
    )
    residency_code = StringField(_l("Ministry code under which residency training (规培) is exported"),
                                 validators=[DataRequired(), Regexp(r"^\d{2}$", message=_l("Two digits, e.g. 12."))])
    min_group_size = IntegerField(_l("Smallest group shown in exports and to students"),
                                  validators=[DataRequired(), NumberRange(min=2, max=50)])
    survey_batch = IntegerField(_l("Survey answers mixed together before they are counted"),
                                validators=[DataRequired(), NumberRange(min=2, max=50)])
    submit = SubmitField(_l("Save settings"))
