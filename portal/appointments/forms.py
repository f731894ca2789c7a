"""Forms of the appointment pages, one per use case."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
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
    InputRequired,
    Length,
    NumberRange,
    Optional,
)
from wtforms.widgets import CheckboxInput, ListWidget

from portal.appointments.labels import KIND_LABELS, RUBRIC_LABELS
from portal.appointments.models import RUBRIC
from portal.appointments.slots import DURATIONS, MAX_WEEKS
from portal.formutil import choices, readable
from portal.i18n import lazy_gettext as _l


def kind_choices(kinds, *, blank=None):
    pairs = [("", blank)] if blank is not None else []
    return choices(pairs + [(kind, KIND_LABELS[kind]) for kind in kinds])


class SlotFilterForm(FlaskForm):
    class Meta:
        csrf = False

    kind = SelectField(_l("Kind"), validators=[Optional()])
    # one of the hosts with open slots, which the page lists (and checks) itself: a few hundred
    host = IntegerField(_l("Host"), validators=[Optional()])
    day = DateField(_l("Date"), validators=[Optional()])


class PublishForm(FlaskForm):
    kind = SelectField(_l("Kind of appointment"), validators=[DataRequired()])
    start_date = DateField(_l("Date"), validators=[InputRequired(message=_l("Give the date."))])
    start_time = TimeField(_l("Start time (Beijing time, UTC+8)"), validators=[InputRequired(message=_l("Give the start time."))])
    duration = SelectField(
        _l("Duration"),
        choices=lambda: choices([(str(m), _l("%(num)d minutes", num=m)) for m in DURATIONS]),
        default="60", validators=[DataRequired()],
    )
    weeks = IntegerField(
        _l("Repeat weekly for how many weeks (1 = a single slot)"), default=1,
        validators=[InputRequired(), NumberRange(1, MAX_WEEKS)],
    )
    location = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    online_link = StringField(_l("Online meeting link"), validators=[Optional(), Length(max=300)])
    note = StringField(_l("Note for students"), validators=[Optional(), Length(max=500)])
    min_notice_hours = IntegerField(_l("Bookings close this many hours before"), default=24,
                                    validators=[InputRequired(), NumberRange(0, 336)])
    cancel_deadline_hours = IntegerField(_l("Students may cancel until this many hours before"), default=12,
                                         validators=[InputRequired(), NumberRange(0, 336)])
    max_active_per_student = IntegerField(_l("Upcoming bookings of this kind a student may hold"), default=1,
                                          validators=[InputRequired(), NumberRange(1, 5)])
    submit = SubmitField(_l("Publish"))


class BookForm(FlaskForm):
    topic = StringField(_l("What would you like to work on? (optional)"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Book this slot"))


class RescheduleForm(FlaskForm):
    slot_id = IntegerField(_l("New slot"), validators=[InputRequired(message=_l("Choose a new slot."))])
    submit = SubmitField(_l("Move my booking here"))


class ReasonForm(FlaskForm):
    reason = StringField(_l("Reason (the student receives it)"),
                         validators=[DataRequired(message=_l("Tell the student why you cancel.")), Length(max=300)])
    submit = SubmitField(_l("Cancel the appointment"))


class WithdrawForm(FlaskForm):
    reason = StringField(_l("Reason (sent to the student if the slot is booked)"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Withdraw slot"))


class AttendanceForm(FlaskForm):
    attended = SelectField(
        _l("Attendance"),
        choices=lambda: choices([("yes", _l("Attended")), ("no", _l("Did not come"))]),
        validators=[DataRequired(message=_l("Say whether the student came."))],
    )
    submit = SubmitField(_l("Save"))


def _score_field(name):
    return SelectField(
        RUBRIC_LABELS[name],
        choices=lambda: choices([("", "—")] + [(str(i), str(i)) for i in range(1, 6)]),
        validators=[Optional()],
    )


class OutcomeForm(FlaskForm):
    professional_knowledge = _score_field("professional_knowledge")
    clinical_reasoning = _score_field("clinical_reasoning")
    communication = _score_field("communication")
    composure = _score_field("composure")
    presentation = _score_field("presentation")
    comments = TextAreaField(_l("Comments for the student"), validators=[Optional(), Length(max=5000)])
    notes = TextAreaField(_l("Notes for the student's mentors"), validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Save feedback"))

    def scores(self) -> dict[str, int | None]:
        return {name: (int(getattr(self, name).data) if getattr(self, name).data else None) for name in RUBRIC}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CampaignForm(FlaskForm):
    kind = SelectField(_l("Kind of appointment"), validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(message=_l("Give the campaign a title.")), Length(max=120)])
    message = TextAreaField(_l("Message to the students"), validators=[Optional(), Length(max=2000)])
    students = MultiCheckboxField(_l("Students"), coerce=int,
                                  validators=[DataRequired(message=_l("Choose at least one student."))])
    submit = SubmitField(_l("Send invitations"))


class CounselorForm(FlaskForm):
    counselor = SelectField(
        _l("Psychological counselor"),
        choices=lambda: choices([("yes", _l("Yes")), ("no", _l("No"))]),
        validators=[DataRequired()],
    )
    submit = SubmitField(_l("Save"))


class NoShowLimitForm(FlaskForm):
    limit = IntegerField(
        _l("Missed appointments before self-booking pauses"),
        validators=[readable, InputRequired(), NumberRange(min=0, max=20)],
        description=_l("0 means booking is never paused. A mentor lifts a pause by excusing a missed appointment."),
    )
    submit = SubmitField(_l("Save"))
