"""Health check, language switch, and the home pages of students, mentors and alumni."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import jsonify, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import text

from portal import policy
from portal.accounts.models import Role
from portal.accounts.routes import _safe_next
from portal.errors import render_error
from portal.extensions import db, limiter
from portal.i18n import LANG_COOKIE, LANG_COOKIE_MAX_AGE
from portal.i18n import gettext as _
from portal.main import bp
from portal.main.forms import LanguageForm
from portal.students.access import student_of_user

HOME_ENDPOINTS = {
    Role.STUDENT: "main.student_home",
    Role.MENTOR: "main.mentor_home",
    Role.ALUMNI: "main.alumni_home",
    Role.ADMIN: "admin.home",
}


@bp.route("/healthz")
@limiter.exempt
def healthz():
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(HOME_ENDPOINTS[Role(current_user.role)]))


@bp.post("/language")
def set_language():
    form = LanguageForm()
    if not form.validate_on_submit():
        return render_error(400, _("This language is not available. Choose 中文 or English."))
    code = form.lang.data
    if current_user.is_authenticated:
        current_user.locale = code
        db.session.commit()
    target = _safe_next(form.next.data) or _safe_next(request.referrer and _path_of(request.referrer)) or url_for("main.index")
    response = make_response(redirect(target))
    response.set_cookie(LANG_COOKIE, code, max_age=LANG_COOKIE_MAX_AGE, samesite="Lax", httponly=True)
    return response


def _path_of(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


@bp.route("/student/")
@login_required
def student_home():
    policy.require("home.student")
    student = student_of_user(current_user)
    return render_template("home/student.html", student=student)


@bp.route("/mentor/")
@login_required
def mentor_home():
    policy.require("home.mentor")
    return render_template("home/mentor.html")


@bp.route("/alumni/")
@login_required
def alumni_home():
    policy.require("home.alumni")
    return render_template("home/alumni.html")
