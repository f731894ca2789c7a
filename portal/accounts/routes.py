"""Signing in and out, and changing one's own password."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal import audit, policy
from portal.accounts import auth, bp, services
from portal.accounts.forms import ChangePasswordForm, EmptyForm, LoginForm
from portal.errors import RuleViolation
from portal.extensions import db, limiter, login_username_key
from portal.i18n import gettext as _


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: an attacker's link must not bounce users to another site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


def _failed(response) -> bool:
    # only failed sign-ins count against the per-account limit
    return request.method == "POST" and response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_USERNAME"],
    key_func=login_username_key,
    methods=["POST"],
    deduct_when=_failed,
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.username.data, form.password.data)
        if user is None or not user.active:
            inactive = user is not None
            audit.record(
                None,
                "auth.login_failed",
                target_type="User",
                target_id=user.id if user else None,
                detail=services.normalize_username(form.username.data)[:64],
            )
            db.session.commit()
            message = (
                _("This account has been deactivated. Please contact the employment office.")
                if inactive
                else _("Wrong username or password.")
            )
            form.password.errors.append(message)
            return render_template("auth/login.html", form=form), 401 if not inactive else 403
        auth.begin(user)
        audit.record(user, "auth.login", user)
        db.session.commit()
        next_url = _safe_next(request.args.get("next"))
        return redirect(next_url or url_for("main.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = EmptyForm()
    if not form.validate_on_submit():
        return redirect(url_for("main.index"))
    user = current_user._get_current_object()
    # every cookie this user holds stops working, not only this browser's
    services.end_sessions(user)
    audit.record(user, "auth.logout", user)
    db.session.commit()
    auth.end()
    flash(_("You have signed out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    policy.require("account.change_password")
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, form.current_password.data, form.new_password.data)
        except RuleViolation as error:
            db.session.rollback()
            field = {"password": "new_password"}.get(error.field or "", error.field) or "new_password"
            getattr(form, field).errors.append(str(error))
            status = 400
        else:
            db.session.commit()
            # the old sessions are gone; this browser carries on with a fresh one
            auth.begin(user)
            db.session.commit()
            flash(_("Your password has been changed. Other devices have been signed out."), "success")
            return redirect(url_for("main.index"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/change_password.html", form=form), status
