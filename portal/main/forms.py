"""The language switch."""
from __future__ import annotations

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from portal.i18n import lazy_gettext as _l


class LanguageForm(FlaskForm):
    lang = StringField(_l("Language"), validators=[DataRequired(), Length(max=8)])
    next = HiddenField()

    def validate_lang(self, field):
        if field.data not in current_app.config["LANGUAGES"]:
            raise ValidationError(_l("This language is not available."))
