"""Pages of group sessions: the programme, a session, registering, hosting, rosters and reviews."""
from __future__ import annotations

import html
import re
from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import policy
from portal.accounts.forms import EmptyForm
from portal.accounts.models import Role
from portal.errors import RuleViolation
from portal.extensions import db
from portal.formutil import choices
from portal.htmx import fragment_or_redirect, is_htmx, render
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models_base import utcnow
from portal.pagination import paginate
from portal.sessions import alumni as alumni_rules
from portal.sessions import attendance as attendance_rules
from portal.sessions import bp, programme
from portal.sessions import registration as registration_rules
from portal.sessions.forms import (
    KIND_LABELS,
    STATUS_LABELS,
    AlumniProfileForm,
    AttendanceForm,
    ManageFilterForm,
    RatingForm,
    ReasonForm,
    SessionFilterForm,
    SessionForm,
    kind_choices,
)
from portal.sessions.locking import commit_with_retries
from portal.sessions.models import GroupSession, Registration, RegistrationStatus, SessionKind, SessionStatus
from portal.students.access import signed_in_student, student_of_user
from portal.students.models import Student

PHASE_LABELS = {
    "upcoming": _l("Registration not open yet"),
    "open": _l("Open for registration"),
    "full": _l("Full: waitlist open"),
    "closed": _l("Registration closed"),
    "running": _l("In progress"),
    "finished": _l("Finished"),
    **STATUS_LABELS,
}
PER_PAGE = 20


# --- loaders --------------------------------------------------------------------------------

def get_session_or_404(session_id: int) -> GroupSession:
    gs = db.session.scalar(
        select(GroupSession).options(joinedload(GroupSession.host)).where(GroupSession.id == session_id)
    )
    if gs is None:
        abort(404)
    return gs


def _labels() -> dict:
    return {"kind_labels": KIND_LABELS, "phase_labels": PHASE_LABELS, "status_labels": STATUS_LABELS}


# --- the programme --------------------------------------------------------------------------

@bp.route("/")
@login_required
def index():
    policy.require("session.browse")
    is_student = current_user.role == Role.STUDENT
    form = SessionFilterForm(request.args)
    shows = [("upcoming", _l("Coming up")), ("past", _l("Past"))]
    if is_student:
        shows.insert(1, ("mine", _l("My sessions")))
    form.show.choices = choices(shows)
    form.kind.choices = choices([("", _l("All kinds"))] + [(k.value, KIND_LABELS[k]) for k in SessionKind])
    if not form.validate():
        abort(400)
    student = student_of_user(current_user) if is_student else None
    now = utcnow()
    page = paginate(
        programme.session_list(show=form.show.data or "upcoming", kind=form.kind.data or None, student=student,
                               now=now),
        per_page=PER_PAGE,
    )
    places = registration_rules.places_of(student, [gs.id for gs in page.items]) if student is not None else {}
    return render("sessions/index.html", "sessions/_list.html", form=form, page=page, places=places, now=now,
                  phase=programme.phase, **_labels())


def _host_profile(gs: GroupSession):
    """The volunteer's employer and post, shown beside their name if they agreed (admins always see it)."""
    if gs.host.role != Role.ALUMNI:
        return None
    profile = alumni_rules.profile_of(gs.host_id)
    if profile is None or not (profile.show_on_sessions or current_user.role == Role.ADMIN):
        return None
    return profile


def _detail_context(gs: GroupSession, **extra) -> dict:
    now = utcnow()
    student = student_of_user(current_user) if current_user.role == Role.STUDENT else None
    manages = policy.may(current_user, "session.roster", gs)
    context = dict(
        gs=gs,
        now=now,
        phase=programme.phase(gs, now),
        problem=registration_rules.registration_problem(gs, now),
        place=registration_rules.place_of(student, gs) if student is not None else None,
        is_student=student is not None,
        host_profile=_host_profile(gs),
        manages=manages,
        figures=attendance_rules.figures_of([gs.id]).get(gs.id) if manages else None,
        button_form=EmptyForm(formdata=None),
        rating_form=extra.pop("rating_form", None) or RatingForm(formdata=None),
        reason_form=extra.pop("reason_form", None) or ReasonForm(formdata=None),
        decline_form=extra.pop("decline_form", None) or ReasonForm(formdata=None, prefix="decline"),
        **_labels(),
    )
    if context["place"] is not None and context["place"].registration.rating:
        reg = context["place"].registration
        context["rating_form"] = RatingForm(formdata=None, score=str(reg.rating), comment=reg.rating_comment)
    context.update(extra)
    return context


@bp.route("/<int:session_id>")
@login_required
def detail(session_id: int):
    gs = get_session_or_404(session_id)
    policy.require("session.view", gs)
    return render_template("sessions/detail.html", **_detail_context(gs))


def _box(gs: GroupSession, message: str, *, ok: bool, status: int = 200, **extra):
    """Answer a student's action: the registration box for htmx; otherwise the session page, after a
    redirect when the action succeeded and at once (with the refusal and its status) when not."""
    if not ok and not is_htmx():
        flash(message, "error")
        return render_template("sessions/detail.html", **_detail_context(gs, **extra)), status
    return fragment_or_redirect("sessions/_registration.html", url_for("sessions.detail", session_id=gs.id),
                                message=message, ok=ok, status=status, redirect_code=302,
                                **_detail_context(gs, **extra))


def _student_action(session_id: int, action: str):
    gs = get_session_or_404(session_id)
    policy.require("session.view", gs)
    policy.require(action, gs)
    return gs, signed_in_student()


@bp.post("/<int:session_id>/register")
@login_required
def register(session_id: int):
    gs, student = _student_action(session_id, "session.register")
    if not EmptyForm().validate_on_submit():
        return _box(gs, _("Please reload the page and try again."), ok=False, status=400)
    try:
        registration = commit_with_retries(lambda: registration_rules.register(session_id, student))
    except RuleViolation as error:
        return _box(gs, str(error), ok=False, status=error.status)
    if registration.status == RegistrationStatus.REGISTERED:
        message = _("You are registered. See you there!")
    else:
        message = _("The session is full: you are on the waitlist. If a seat becomes free it is yours in turn, and you will be notified.")
    return _box(gs, message, ok=True)


@bp.post("/<int:session_id>/leave")
@login_required
def leave(session_id: int):
    gs, student = _student_action(session_id, "session.register")
    if not EmptyForm().validate_on_submit():
        return _box(gs, _("Please reload the page and try again."), ok=False, status=400)
    try:
        commit_with_retries(lambda: registration_rules.leave(session_id, student))
    except RuleViolation as error:
        return _box(gs, str(error), ok=False, status=error.status)
    return _box(gs, _("Your registration is cancelled."), ok=True)


@bp.post("/<int:session_id>/rating")
@login_required
def rate(session_id: int):
    gs, student = _student_action(session_id, "session.rate")
    form = RatingForm()
    if not form.validate_on_submit():
        return _box(gs, _("Please choose a rating from 1 to 5."), ok=False, status=400, rating_form=form)
    try:
        attendance_rules.rate(gs, student, score=int(form.score.data), comment=form.comment.data)
    except RuleViolation as error:
        db.session.rollback()
        return _box(gs, str(error), ok=False, status=error.status, rating_form=form)
    db.session.commit()
    return _box(gs, _("Thank you for your rating."), ok=True)


# --- hosting: creating, editing, cancelling -------------------------------------------------------

def _editable_text(stored_html: str | None) -> str:
    """A stored description as its author typed it: paragraphs as blank lines, line breaks as
    newlines, links (made from the addresses typed) as those addresses."""
    text = re.sub(r"</p>\s*<p>", "\n\n", stored_html or "")
    text = re.sub(r"<br\s*/?>", "\n", text)
    return html.unescape(re.sub(r"<[^>]*>", "", text)).strip()


def _form_values(form: SessionForm) -> dict:
    return dict(
        kind=form.kind.data,
        title=form.title.data,
        description=form.description.data,
        starts_at=form.starts_at.data,
        duration_minutes=form.duration_minutes.data,
        place=form.place.data,
        capacity=form.capacity.data,
        registration_opens_at=form.registration_opens_at.data,
        registration_closes_at=form.registration_closes_at.data,
    )


def _session_form_page(form: SessionForm, gs: GroupSession | None, status: int):
    return render_template("sessions/form.html", form=form, gs=gs, **_labels()), status


def _apply_error(form, error: RuleViolation) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error)]
    else:
        flash(str(error), "error")


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    policy.require("session.create")
    form = SessionForm()
    form.kind.choices = kind_choices(programme.allowed_kinds(current_user))
    if current_user.role == Role.ALUMNI and request.method == "GET":
        form.kind.data = SessionKind.ALUMNI_SHARING.value
    status = 200
    if form.validate_on_submit():
        try:
            gs = programme.create_session(actor=current_user, **_form_values(form))
        except RuleViolation as error:
            db.session.rollback()
            _apply_error(form, error)
            status = error.status
        else:
            db.session.commit()
            if gs.status == SessionStatus.PROPOSED:
                flash(_("Thank you! Your proposal was sent to the employment office; you will be notified of their decision."), "success")
            else:
                flash(_("The session is published."), "success")
            return redirect(url_for("sessions.detail", session_id=gs.id))
    elif request.method == "POST":
        status = 400
    return _session_form_page(form, None, status)


@bp.route("/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def edit(session_id: int):
    gs = get_session_or_404(session_id)
    policy.require("session.edit", gs)
    if request.method == "GET":
        form = SessionForm(
            formdata=None, obj=gs, duration_minutes=int((gs.ends_at - gs.starts_at) / timedelta(minutes=1)),
        )
        form.description.data = _editable_text(gs.description)
    else:
        form = SessionForm()
    form.kind.choices = kind_choices(
        dict.fromkeys([*programme.allowed_kinds(current_user), SessionKind(gs.kind)])
    )
    status = 200
    if form.validate_on_submit():
        try:
            commit_with_retries(lambda: programme.update_session(gs, actor=current_user, **_form_values(form)))
        except RuleViolation as error:
            _apply_error(form, error)
            status = error.status
            gs = get_session_or_404(session_id)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("sessions.detail", session_id=session_id))
    elif request.method == "POST":
        status = 400
    return _session_form_page(form, gs, status)


@bp.post("/<int:session_id>/cancel")
@login_required
def cancel(session_id: int):
    gs = get_session_or_404(session_id)
    policy.require("session.cancel", gs)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Please give a reason: the students are told."), "error")
        return render_template("sessions/detail.html", **_detail_context(gs, reason_form=form)), 400
    try:
        commit_with_retries(lambda: programme.cancel_session(gs, actor=current_user, reason=form.reason.data))
    except RuleViolation as error:
        flash(str(error), "error")
        gs = get_session_or_404(session_id)
        return render_template("sessions/detail.html", **_detail_context(gs, reason_form=form)), error.status
    flash(_("The session is cancelled; everyone registered or waiting has been notified."), "success")
    return redirect(url_for("sessions.detail", session_id=session_id))


@bp.route("/hosting")
@login_required
def hosting():
    policy.require("session.host_list")
    page = paginate(programme.hosted_sessions(current_user), per_page=PER_PAGE)
    figures = attendance_rules.figures_of([gs.id for gs in page.items])
    profile = alumni_rules.profile_of(current_user) if current_user.role == Role.ALUMNI else None
    return render_template("sessions/hosting.html", page=page, figures=figures, profile=profile, now=utcnow(),
                           phase=programme.phase, **_labels())


# --- rosters and check-in -----------------------------------------------------------------------

@bp.route("/<int:session_id>/roster")
@login_required
def roster(session_id: int):
    gs = get_session_or_404(session_id)
    policy.require("session.roster", gs)
    return _roster_page(gs)


def _roster_page(gs: GroupSession, *, status: int = 200):
    registered, waitlist = attendance_rules.roster(gs)
    now = utcnow()
    return render_template(
        "sessions/roster.html", gs=gs, registered=registered, waitlist=waitlist,
        ratings=attendance_rules.rating_summary(gs), now=now, phase=programme.phase(gs, now),
        check_in_from=gs.starts_at - attendance_rules.CHECK_IN_OPENS_BEFORE, **_labels(),
    ), status


@bp.post("/<int:session_id>/roster/<int:registration_id>/attendance")
@login_required
def attendance(session_id: int, registration_id: int):
    gs = get_session_or_404(session_id)
    policy.require("session.check_in", gs)
    registration = db.session.scalar(
        select(Registration)
        .options(joinedload(Registration.student).joinedload(Student.user))
        .where(Registration.id == registration_id, Registration.session_id == gs.id)
    )
    if registration is None:
        abort(404)
    form = AttendanceForm()
    status, message, ok = 200, None, True
    if not form.validate_on_submit():
        status, message, ok = 400, _("Please reload the page and try again."), False
    else:
        try:
            attendance_rules.set_attendance(registration, attended=form.attended.data == "1", actor=current_user)
        except RuleViolation as error:
            db.session.rollback()
            status, message, ok = error.status, str(error), False
        else:
            db.session.commit()
    if not ok and not is_htmx():
        flash(message, "error")
        return _roster_page(gs, status=status)
    return fragment_or_redirect("sessions/_roster_row.html", url_for("sessions.roster", session_id=gs.id),
                                message=message, ok=ok, status=status, redirect_code=302,
                                gs=gs, line=attendance_rules.roster_line(registration))


# --- the office: proposals, all sessions, alumni --------------------------------------------------

@bp.route("/manage")
@login_required
def manage():
    policy.require("sessions.manage")
    form = ManageFilterForm(request.args)
    form.status.choices = choices([("", _l("Any status"))] + [(s.value, STATUS_LABELS[s]) for s in SessionStatus])
    form.kind.choices = choices([("", _l("All kinds"))] + [(k.value, KIND_LABELS[k]) for k in SessionKind])
    if not form.validate():
        abort(400)
    rows, count = programme.all_sessions(status=form.status.data or None, kind=form.kind.data or None)
    page = paginate(rows, count=count, per_page=PER_PAGE)
    figures = attendance_rules.figures_of([gs.id for gs in page.items])
    return render("sessions/manage.html", "sessions/_manage_rows.html", form=form, page=page, figures=figures,
                  proposals=programme.pending_proposals(), now=utcnow(), phase=programme.phase,
                  button_form=EmptyForm(formdata=None), **_labels())


@bp.post("/<int:session_id>/approve")
@login_required
def approve(session_id: int):
    gs = get_session_or_404(session_id)
    policy.require("session.review", gs)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        programme.approve(gs, actor=current_user)
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error), "error")
        return render_template("sessions/detail.html", **_detail_context(gs)), error.status
    db.session.commit()
    flash(_("Approved: %(title)s is published and its host notified.", title=gs.title), "success")
    return redirect(url_for("sessions.manage"))


@bp.post("/<int:session_id>/decline")
@login_required
def decline(session_id: int):
    gs = get_session_or_404(session_id)
    policy.require("session.review", gs)
    form = ReasonForm(prefix="decline")
    if not form.validate_on_submit():
        flash(_("Please give the volunteer a reason."), "error")
        return render_template("sessions/detail.html", **_detail_context(gs, decline_form=form)), 400
    try:
        programme.decline(gs, actor=current_user, reason=form.reason.data)
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error), "error")
        return render_template("sessions/detail.html", **_detail_context(gs, decline_form=form)), error.status
    db.session.commit()
    flash(_("Declined; the volunteer has been told why."), "success")
    return redirect(url_for("sessions.manage"))


@bp.route("/alumni")
@login_required
def alumni():
    policy.require("alumni.directory")
    q = (request.args.get("q") or "").strip()[:100]
    page = paginate(alumni_rules.alumni_directory(q=q or None), per_page=50)
    details = alumni_rules.directory_details([user.id for user in page.items])
    return render("sessions/alumni.html", "sessions/_alumni_rows.html", page=page, details=details, q=q)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    policy.require("alumni.profile_own")
    existing = alumni_rules.profile_of(current_user)
    if request.method == "GET":
        form = AlumniProfileForm(formdata=None, obj=existing)
        if existing is not None:
            form.topics.data = "\n".join(existing.topics or [])
        else:
            form.show_on_sessions.data = True
    else:
        form = AlumniProfileForm()
    status = 200
    if form.validate_on_submit():
        try:
            alumni_rules.save_profile(
                current_user, graduation_year=form.graduation_year.data, major=form.major.data,
                employer=form.employer.data, post=form.post.data, topics=form.topics.data, bio=form.bio.data,
                show_on_sessions=form.show_on_sessions.data,
            )
        except RuleViolation as error:
            db.session.rollback()
            _apply_error(form, error)
            status = error.status
        else:
            db.session.commit()
            flash(_("Your volunteer profile is saved."), "success")
            return redirect(url_for("sessions.profile"))
    elif request.method == "POST":
        status = 400
    return render_template("sessions/profile.html", form=form, profile=existing), status
