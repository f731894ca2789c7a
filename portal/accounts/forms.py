"""Forms for signing in, changing passwords and administering users."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp

from portal.accounts.models import Role
from portal.formutil import choices
from portal.i18n import lazy_gettext as _l

ROLE_PAIRS = [
    (Role.STUDENT.value, _l("Student")),
    (Role.MENTOR.value, _l("Mentor")),
    (Role.ALUMNI.value, _l("Alumni volunteer")),
    (Role.ADMIN.value, _l("Administrator")),
]


def role_choices():
    return choices(ROLE_PAIRS)


class EmptyForm(FlaskForm):
    """For buttons that only POST."""

    submit = SubmitField(_l("Confirm"))


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Sign in"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two new passwords do not match."))],
    )
    submit = SubmitField(_l("Change password"))


USERNAME_RULE = Regexp(
    r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{1,63}$",
    message=_l("Use 2–64 letters, digits, dots, dashes or underscores, starting with a letter or digit."),
)


class UserCreateForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), USERNAME_RULE])
    display_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=100)])
    role = SelectField(_l("Role"), choices=role_choices, validators=[DataRequired()])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    password = PasswordField(_l("Temporary password"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Create user"))


class UserEditForm(FlaskForm):
    display_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=100)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    submit = SubmitField(_l("Save"))


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=role_choices, validators=[DataRequired()])
    submit = SubmitField(_l("Change role"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New temporary password"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Reset password"))


class UserFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    # (defaults among the choices: "no choice" would be invalid to WTForms before Optional() lets it through)
    role = SelectField(_l("Role"), choices=lambda: choices([("", _l("All roles"))] + ROLE_PAIRS), validators=[Optional()],
                       default="")
    status = SelectField(
        _l("Status"),
        choices=lambda: choices([("", _l("Any status")), ("active", _l("Active")), ("inactive", _l("Deactivated"))]),
        validators=[Optional()], default="",
    )


