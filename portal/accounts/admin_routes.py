"""The administrators' pages: the office dashboard and user management."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal import policy
from portal.accounts import admin_bp as bp
from portal.accounts import services
from portal.accounts.forms import (
    EmptyForm,
    ResetPasswordForm,
    RoleForm,
    UserCreateForm,
    UserEditForm,
    UserFilterForm,
)
from portal.accounts.models import User
from portal.errors import RuleViolation
from portal.extensions import db
from portal.htmx import fragment_or_redirect, is_htmx, render
from portal.i18n import gettext as _
from portal.pagination import paginate


def _row_labels() -> dict:
    """The words every user row shows, translated once per page rather than once per row."""
    return {"active": _("Active"), "deactivated": _("Deactivated"), "deactivate": _("Deactivate"),
            "reactivate": _("Reactivate")}


def get_user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/")
@login_required
def home():
    policy.require("admin.access")
    return render_template("home/admin.html", counts=services.active_role_counts())


@bp.route("/users")
@login_required
def users():
    policy.require("users.manage")
    form = UserFilterForm(request.args)
    if not form.validate():
        abort(400)
    active = {"active": True, "inactive": False}.get(form.status.data or "")
    stmt = services.search_users(form.q.data, form.role.data or None, active)
    page = paginate(stmt, per_page=50)
    return render("accounts/users.html", "accounts/_user_rows.html", form=form, page=page, labels=_row_labels())


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def user_new():
    policy.require("users.manage")
    form = UserCreateForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.create_user(
                actor=current_user,
                username=form.username.data,
                display_name=form.display_name.data,
                role=form.role.data,
                email=form.email.data,
                password=form.password.data,
            )
        except RuleViolation as error:
            db.session.rollback()
            getattr(form, error.field or "username").errors.append(str(error))
            status = 400
        else:
            db.session.commit()
            flash(_("User %(name)s created. They must choose their own password at first sign-in.", name=user.username), "success")
            return redirect(url_for("admin.user_edit", user_id=user.id))
    elif request.method == "POST":
        status = 400
    return render_template("accounts/user_new.html", form=form), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def user_edit(user_id: int):
    policy.require("users.manage")
    user = get_user_or_404(user_id)
    form = UserEditForm(obj=user)
    status = 200
    if form.validate_on_submit():
        services.update_profile(user, display_name=form.display_name.data, email=form.email.data, actor=current_user)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("admin.user_edit", user_id=user.id))
    elif request.method == "POST":
        status = 400
    return _edit_page(user, form, status=status)


def _edit_page(user: User, form: UserEditForm, *, status: int):
    return render_template(
        "accounts/user_edit.html",
        user=user,
        form=form,
        role_form=RoleForm(formdata=None, role=user.role),
        reset_form=ResetPasswordForm(formdata=None),
        button_form=EmptyForm(formdata=None),
    ), status


def _admin_action(user_id: int, action, success: str, form_class=EmptyForm):
    """Run one administrative change on a user; answer the list row (htmx) or the user's page."""
    policy.require("users.manage")
    user = get_user_or_404(user_id)
    form = form_class()
    if not form.validate_on_submit():
        message = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return _back(user, message or _("Please check the form."), ok=False)
    try:
        action(user, form)
    except RuleViolation as error:
        db.session.rollback()
        return _back(user, str(error), ok=False)
    db.session.commit()
    return _back(user, success, ok=True)


def _back(user: User, message: str, *, ok: bool):
    """The user's row with the message (htmx), or back to the user's page. A refusal outside htmx
    shows the user's page at once, with the status saying what happened."""
    if not ok and not is_htmx():
        flash(message, "error")
        return _edit_page(user, UserEditForm(obj=user), status=400)
    return fragment_or_redirect("accounts/_user_row.html", url_for("admin.user_edit", user_id=user.id),
                                message=message, ok=ok, status=200 if ok else 400, redirect_code=302, user=user,
                                labels=_row_labels())


@bp.post("/users/<int:user_id>/deactivate")
@login_required
def user_deactivate(user_id: int):
    return _admin_action(
        user_id,
        lambda user, form: services.deactivate(user, actor=current_user),
        _("The account has been deactivated and signed out everywhere."),
    )


@bp.post("/users/<int:user_id>/activate")
@login_required
def user_activate(user_id: int):
    return _admin_action(
        user_id,
        lambda user, form: services.activate(user, actor=current_user),
        _("The account is active again."),
    )


@bp.post("/users/<int:user_id>/role")
@login_required
def user_role(user_id: int):
    return _admin_action(
        user_id,
        lambda user, form: services.set_role(user, form.role.data, actor=current_user),
        _("The role has been changed; the user must sign in again."),
        form_class=RoleForm,
    )


@bp.post("/users/<int:user_id>/password")
@login_required
def user_password(user_id: int):
    return _admin_action(
        user_id,
        lambda user, form: services.reset_password(user, form.password.data, actor=current_user),
        _("The password has been reset. The user must choose a new one at next sign-in."),
        form_class=ResetPasswordForm,
    )
