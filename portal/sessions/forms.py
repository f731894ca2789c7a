"""Forms of group sessions: the session itself, reviews, ratings, attendance and alumni profiles."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from portal.formutil import choices
from portal.i18n import lazy_gettext as _l
from portal.sessions.models import SessionKind, SessionStatus

KIND_LABELS = {
    SessionKind.ALUMNI_SHARING: _l("Alumni sharing"),
    SessionKind.GROUP_COUNSELING: _l("Group counseling"),
    SessionKind.CAREER_LECTURE: _l("Career lecture"),
    SessionKind.SKILLS_TRAINING: _l("Skills training"),
}

STATUS_LABELS = {
    SessionStatus.PROPOSED: _l("Awaiting review"),
    SessionStatus.DECLINED: _l("Declined"),
    SessionStatus.PUBLISHED: _l("Published"),
    SessionStatus.CANCELLED: _l("Cancelled"),
}

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


from portal.clock import local_zone  # noqa: E402,F401  (people type times on the office's clock)


def kind_choices(kinds):
    return choices([(kind.value, KIND_LABELS[kind]) for kind in kinds])


class SessionForm(FlaskForm):
    kind = SelectField(_l("Kind"), validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=20000)],
        description=_l("What students will get from it, who speaks, what to bring. Blank lines start new paragraphs."),
    )
    starts_at = DateTimeLocalField(_l("Starts at"), format=DATETIME_FORMATS, tz=local_zone, validators=[InputRequired()])
    duration_minutes = IntegerField(
        _l("Duration (minutes)"), default=90, validators=[InputRequired(), NumberRange(min=15, max=600)]
    )
    place = StringField(
        _l("Place"), validators=[DataRequired(), Length(max=200)],
        description=_l("A room, or an online meeting and its number."),
    )
    capacity = IntegerField(_l("Seats"), default=30, validators=[InputRequired(), NumberRange(min=1, max=2000)])
    registration_opens_at = DateTimeLocalField(
        _l("Registration opens"), format=DATETIME_FORMATS, tz=local_zone, validators=[Optional()],
        description=_l("Leave empty to open registration at once."),
    )
    registration_closes_at = DateTimeLocalField(
        _l("Registration closes"), format=DATETIME_FORMATS, tz=local_zone, validators=[Optional()],
        description=_l("Leave empty to close registration when the session starts."),
    )
    submit = SubmitField(_l("Save"))


class ReasonForm(FlaskForm):
    """Declining a proposal or cancelling a session: the people affected are told why."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Confirm"))


class RatingForm(FlaskForm):
    score = RadioField(
        _l("Your rating"),
        choices=choices([(str(n), str(n)) for n in range(1, 6)]),
        validators=[DataRequired(message=_l("Choose from 1 (poor) to 5 (excellent)."))],
    )
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=1000)])
    submit = SubmitField(_l("Send rating"))


class AttendanceForm(FlaskForm):
    attended = HiddenField(validators=[AnyOf(["1", "0"])])


class SessionFilterForm(FlaskForm):
    class Meta:
        csrf = False

    show = SelectField(_l("Show"), validators=[Optional()])
    kind = SelectField(_l("Kind"), validators=[Optional()])


class ManageFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validators=[Optional()])
    kind = SelectField(_l("Kind"), validators=[Optional()])


class AlumniProfileForm(FlaskForm):
    graduation_year = IntegerField(_l("Year of graduation"), validators=[InputRequired(), NumberRange(min=1950, max=2100)])
    major = StringField(_l("Major"), validators=[Optional(), Length(max=100)])
    employer = StringField(_l("Employer"), validators=[DataRequired(), Length(max=200)])
    post = StringField(_l("Post"), validators=[DataRequired(), Length(max=100)])
    topics = TextAreaField(
        _l("Topics you can speak on"), validators=[Optional(), Length(max=2000)],
        description=_l("One per line, or separated by commas."),
    )
    bio = TextAreaField(_l("A few words about your path"), validators=[Optional(), Length(max=2000)])
    show_on_sessions = BooleanField(_l("Show my employer and post to students on the pages of my sessions"))
    submit = SubmitField(_l("Save profile"))
