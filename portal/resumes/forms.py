"""Forms of the resume builder and of the review: one per use case, section forms built from the schema."""
from __future__ import annotations

from functools import cache

from flask_babel import get_locale
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.formutil import choices
from portal.i18n import lazy_gettext as _l
from portal.resumes import sections as S


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _option_choices(options: tuple[str, ...]):
    def make():
        lang = "zh" if str(get_locale()) == "zh" else "en"
        return choices([(key, S.option_label(key, lang) if key else "—") for key in options])
    return make


def _month(form, field):
    if field.data and not S.MONTH.match(field.data):
        raise ValidationError(_l("Enter a year and month such as 2024-09."))


def _url(form, field):
    if field.data and not S.safe_url(field.data):
        raise ValidationError(_l("Enter a web address starting with http:// or https://."))


def _build_field(f: S.Field):
    validators = [DataRequired()] if f.required else [Optional()]
    validators.append(Length(max=f.max_length))
    render_kw = {"maxlength": f.max_length}
    if f.suggestions:
        render_kw["list"] = f"suggest-{f.key}"
    if f.kind == "select":
        return SelectField(f.label, choices=_option_choices(f.options), validators=[Optional()], validate_choice=True)
    if f.kind == "textarea":
        return TextAreaField(f.label, validators=validators, filters=[_strip], render_kw={**render_kw, "rows": 4})
    if f.kind == "month":
        validators.append(_month)
        return StringField(f.label, validators=validators, filters=[_strip],
                           render_kw={**render_kw, "type": "month", "placeholder": "2024-09", "pattern": r"\d{4}-\d{2}"})
    if f.kind == "url":
        validators.append(_url)
        return StringField(f.label, validators=validators, filters=[_strip], render_kw={**render_kw, "type": "url"})
    return StringField(f.label, validators=validators, filters=[_strip], render_kw=render_kw)


def _validate_end(form, field):
    start = getattr(form, "start", None)
    if field.data and start is not None and start.data and field.data < start.data:
        raise ValidationError(_l("The end comes before the start."))


@cache
def section_form_class(section_key: str) -> type[FlaskForm]:
    """The form of one section, its fields taken from sections.SECTIONS."""
    section = S.SECTIONS[section_key]
    attrs = {f.key: _build_field(f) for f in section.fields}
    if "end" in attrs:
        attrs["validate_end"] = _validate_end
    attrs["submit"] = SubmitField(_l("Save"))
    return type(f"{section_key.title().replace('_', '')}Form", (FlaskForm,), attrs)


def section_form(section_key: str, *, data: dict | None = None, formdata=True) -> FlaskForm:
    cls = section_form_class(section_key)
    if formdata is True:
        return cls(data=data or {})
    return cls(formdata=None, data=data or {})


def values_of(form: FlaskForm, section_key: str) -> dict:
    return {f.key: form[f.key].data for f in S.SECTIONS[section_key].fields}


LANGUAGE_PAIRS = [("zh", _l("Chinese")), ("en", _l("English"))]
TEMPLATE_PAIRS = [("chinese", _l("Chinese style (photo, personal details table)")),
                  ("english", _l("English style (clean, one column)"))]


class NewResumeForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=100)], filters=[_strip],
                        render_kw={"placeholder": _l("e.g. Residency application, Provincial People's Hospital")})
    language = SelectField(_l("Language of the resume"), choices=lambda: choices(LANGUAGE_PAIRS), validators=[DataRequired()])
    template = SelectField(_l("Layout of the PDF"), choices=lambda: choices(TEMPLATE_PAIRS), validators=[DataRequired()])
    source = SelectField(_l("Start from"), validators=[DataRequired()], validate_choice=True)
    submit = SubmitField(_l("Create resume"))


class SettingsForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=100)], filters=[_strip])
    language = SelectField(_l("Language of the resume"), choices=lambda: choices(LANGUAGE_PAIRS), validators=[DataRequired()])
    template = SelectField(_l("Layout of the PDF"), choices=lambda: choices(TEMPLATE_PAIRS), validators=[DataRequired()])
    submit = SubmitField(_l("Save"))


class PhotoForm(FlaskForm):
    photo = FileField(_l("Photo (JPEG or PNG, at most 5 MB)"), validators=[FileRequired(_l("Choose a photo to upload."))],
                      render_kw={"accept": "image/jpeg,image/png"})
    submit = SubmitField(_l("Upload photo"))


class SubmitForm(FlaskForm):
    note = TextAreaField(_l("A note for your mentor (optional)"), validators=[Optional(), Length(max=1000)],
                         render_kw={"rows": 2, "maxlength": 1000})
    submit = SubmitField(_l("Submit for review"))


class MoveForm(FlaskForm):
    direction = SelectField(choices=lambda: choices([("up", _l("Up")), ("down", _l("Down"))]), validators=[DataRequired()])


class CommentForm(FlaskForm):
    section = HiddenField(validators=[DataRequired()])
    item_id = IntegerField(validators=[Optional()], widget=HiddenField.widget)
    body = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=5000)],
                         render_kw={"rows": 3, "maxlength": 5000})
    submit = SubmitField(_l("Add comment"))


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Reply"), validators=[DataRequired(), Length(max=5000)], render_kw={"rows": 2, "maxlength": 5000})
    submit = SubmitField(_l("Reply"))


class CompleteReviewForm(FlaskForm):
    summary = TextAreaField(_l("Overall advice"), validators=[DataRequired(), Length(max=5000)],
                            render_kw={"rows": 4, "maxlength": 5000})
    minutes = IntegerField(_l("Time spent (minutes, optional)"), validators=[Optional(), NumberRange(min=1, max=600)])
    submit = SubmitField(_l("Complete the review"))


class CompareForm(FlaskForm):
    class Meta:
        csrf = False

    old = SelectField(_l("From"), validators=[Optional()], validate_choice=True)
    new = SelectField(_l("To"), validators=[Optional()], validate_choice=True)
