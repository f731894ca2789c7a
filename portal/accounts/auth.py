"""Wires Flask-Login to server-side login sessions, so a cookie dies with its session row."""
from __future__ import annotations

from flask import Flask, flash, g, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from portal.accounts import services
from portal.accounts.models import User
from portal.extensions import login_manager
from portal.i18n import lazy_gettext as _l

SESSION_TOKEN_KEY = "sid"


def begin(user: User) -> None:
    """Sign the user in on this browser with a fresh session (the old cookie is dropped)."""
    session.clear()
    token = services.start_session(
        user, ip=request.remote_addr, user_agent=request.headers.get("User-Agent")
    )
    session[SESSION_TOKEN_KEY] = token
    session.permanent = True
    login_user(user)


def end() -> None:
    logout_user()
    session.clear()


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # the server-side session row is the protection

    @login_manager.user_loader
    def _load(user_id: str) -> User | None:
        check = services.check_session(session.get(SESSION_TOKEN_KEY))
        if check.user is None or str(check.user.id) != user_id:
            if check.expired:
                g.session_expired = True
            session.pop(SESSION_TOKEN_KEY, None)
            return None
        g.unread_notifications = check.unread_notifications
        return check.user

    @login_manager.unauthorized_handler
    def _unauthorized():
        if request.blueprint and request.path.startswith("/healthz"):
            return "", 401
        if getattr(g, "session_expired", False):
            flash(_l("Your session has ended. Please sign in again."), "info")
        else:
            flash(login_manager.login_message, "info")
        target = url_for("auth.login", next=request.full_path.rstrip("?") if request.method == "GET" else None)
        if request.headers.get("HX-Request") == "true":
            # htmx would swap the login page into a fragment; make the browser navigate instead
            return "", 401, {"HX-Redirect": target}
        return redirect(target)

    @app.before_request
    def _force_password_change():
        if (
            current_user.is_authenticated
            and current_user.must_change_password
            and request.endpoint not in {"auth.change_password", "auth.logout", "static", "main.set_language", "main.healthz"}
        ):
            flash(_l("Please choose a new password before you continue."), "warning")
            return redirect(url_for("auth.change_password"))
        return None
