"""Pages of group sessions: the programme, a session, registering, hosting, rosters and reviews."""
from __future__ import annotations

import html
import re
from datetime import timedelta

from flask import (
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import policy
from portal.accounts.forms import EmptyForm
from portal.accounts.models import Role
from portal.extensions import db
from portal.formutil import choices
from portal.htmx import is_htmx, render
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models_base import utcnow
from portal.pagination import paginate, paginate_rows
from portal.sessions import bp, services
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
from portal.sessions.models import (
    GroupSession,
    Registration,
    RegistrationStatus,
    SessionKind,
    SessionStatus,
)
from portal.students.models import Student
from portal.students.services import student_of_user

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


def own_student_or_403() -> Student:
    student = student_of_user(current_user)
    if student is None:
        abort(403)
    return student


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
        services.session_list(show=form.show.data or "upcoming", kind=form.kind.data or None, student=student, now=now),
        per_page=PER_PAGE,
    )
    places = services.places_of(student, [gs.id for gs in page.items]) if student is not None else {}
    return render("sessions/index.html", "sessions/_list.html", form=form, page=page, places=places, now=now,
                  phase=services.phase, list_labels=_list_labels(), **_labels())


def _list_labels() -> dict:
    """The labels of list rows, translated once per page rather than once per row. Markup, as the
    lazy labels and the templates' own _() are: a translation is written out as it is."""
    return {
        "kinds": {kind: Markup(label) for kind, label in KIND_LABELS.items()},
        "phases": {stage: Markup(label) for stage, label in PHASE_LABELS.items()},
        "taken": Markup(_("%(taken)d of %(capacity)d taken")),
    }


def _host_profile(gs: GroupSession):
    """The volunteer's employer and post, shown beside their name if they agreed (admins always see it)."""
    if gs.host.role != Role.ALUMNI:
        return None
    profile = services.profile_of(gs.host_id)
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
        phase=services.phase(gs, now),
        problem=services.registration_problem(gs, now),
        place=services.place_of(student, gs) if student is not None else None,
        is_student=student is not None,
        host_profile=_host_profile(gs),
        manages=manages,
        figures=services.figures_of([gs.id]).get(gs.id) if manages else None,
        button_form=EmptyForm(formdata=None),
        rating_form=extra.pop("rating_form", None) or RatingForm(formdata=None),
        reason_form=extra.pop("reason_form", None) or ReasonForm(formdata=None),
        decline_form=extra.pop("decline_form", None) or ReasonForm(formdata=None, prefix="decline"),
        box_message=None,
        box_ok=True,
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
    """Answer a student's action: the registration box for htmx, the session page otherwise."""
    if is_htmx():
        response = make_response(render_template(
            "sessions/_registration.html", **_detail_context(gs, box_message=message, box_ok=ok, **extra)
        ), status)
        response.vary.add("HX-Request")
        return response
    flash(message, "success" if ok else "error")
    if ok:
        return redirect(url_for("sessions.detail", session_id=gs.id))
    return render_template("sessions/detail.html", **_detail_context(gs, **extra)), status


def _student_action(session_id: int, action: str):
    gs = get_session_or_404(session_id)
    policy.require("session.view", gs)
    policy.require(action, gs)
    return gs, own_student_or_403()


@bp.post("/<int:session_id>/register")
@login_required
def register(session_id: int):
    gs, student = _student_action(session_id, "session.register")
    if not EmptyForm().validate_on_submit():
        return _box(gs, _("Please reload the page and try again."), ok=False, status=400)
    try:
        registration = services.commit_with_retries(lambda: services.register(session_id, student))
    except services.SessionError as error:
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
        services.commit_with_retries(lambda: services.leave(session_id, student))
    except services.SessionError as error:
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
        services.rate(gs, student, score=int(form.score.data), comment=form.comment.data)
    except services.SessionError as error:
        db.session.rollback()
        return _box(gs, str(error), ok=False, status=error.status, rating_form=form)
    db.session.commit()
    return _box(gs, _("Thank you for your rating."), ok=True)


# --- hosting: creating, editing, cancelling -------------------------------------------------------

def _editable_text(stored_html: str) -> str:
    """Stored description as the author typed it when it holds only paragraphs and line breaks."""
    if re.search(r"<(?!/?p>|br>)", stored_html or ""):
        return stored_html
    text = re.sub(r"</p>\s*<p>", "\n\n", stored_html or "")
    text = re.sub(r"<br>", "\n", text)
    text = re.sub(r"</?p>", "", text)
    return html.unescape(text)


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


def _apply_error(form: SessionForm, error: services.SessionError) -> None:
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
    form.kind.choices = kind_choices(services.allowed_kinds(current_user))
    if current_user.role == Role.ALUMNI and request.method == "GET":
        form.kind.data = SessionKind.ALUMNI_SHARING.value
    status = 200
    if form.validate_on_submit():
        try:
            gs = services.create_session(actor=current_user, **_form_values(form))
        except services.SessionError as error:
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
        dict.fromkeys([*services.allowed_kinds(current_user), SessionKind(gs.kind)])
    )
    status = 200
    if form.validate_on_submit():
        try:
            services.commit_with_retries(lambda: services.update_session(gs, actor=current_user, **_form_values(form)))
        except services.SessionError as error:
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
        services.commit_with_retries(lambda: services.cancel_session(gs, actor=current_user, reason=form.reason.data))
    except services.SessionError as error:
        flash(str(error), "error")
        gs = get_session_or_404(session_id)
        return render_template("sessions/detail.html", **_detail_context(gs, reason_form=form)), error.status
    flash(_("The session is cancelled; everyone registered or waiting has been notified."), "success")
    return redirect(url_for("sessions.detail", session_id=session_id))


@bp.route("/hosting")
@login_required
def hosting():
    policy.require("session.host_list")
    page = paginate(services.hosted_sessions(current_user), per_page=PER_PAGE)
    figures = services.figures_of([gs.id for gs in page.items])
    profile = services.profile_of(current_user) if current_user.role == Role.ALUMNI else None
    return render_template("sessions/hosting.html", page=page, figures=figures, profile=profile, now=utcnow(),
                           phase=services.phase, **_labels())


# --- rosters and check-in -----------------------------------------------------------------------

@bp.route("/<int:session_id>/roster")
@login_required
def roster(session_id: int):
    gs = get_session_or_404(session_id)
    policy.require("session.roster", gs)
    return _roster_page(gs)


def _roster_page(gs: GroupSession, *, status: int = 200):
    registered, waitlist = services.roster(gs)
    now = utcnow()
    return render_template(
        "sessions/roster.html", gs=gs, registered=registered, waitlist=waitlist,
        ratings=services.rating_summary(gs), now=now, phase=services.phase(gs, now),
        check_in_from=gs.starts_at - services.CHECK_IN_OPENS_BEFORE, **_labels(),
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
            services.set_attendance(registration, attended=form.attended.data == "1", actor=current_user)
        except services.SessionError as error:
            db.session.rollback()
            status, message, ok = error.status, str(error), False
        else:
            db.session.commit()
    if is_htmx():
        response = make_response(render_template(
            "sessions/_roster_row.html", gs=gs, line=services.roster_line(registration),
            row_message=message, row_ok=ok,
        ), status)
        response.vary.add("HX-Request")
        return response
    if message:
        flash(message, "error")
        return _roster_page(gs, status=status)
    return redirect(url_for("sessions.roster", session_id=gs.id))


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
    rows, count = services.all_sessions(status=form.status.data or None, kind=form.kind.data or None)
    page = paginate_rows(rows, count=count, per_page=PER_PAGE)
    figures = services.figures_of([gs.id for gs in page.items])
    return render("sessions/manage.html", "sessions/_manage_rows.html", form=form, page=page, figures=figures,
                  proposals=services.pending_proposals(), now=utcnow(), phase=services.phase,
                  button_form=EmptyForm(formdata=None), list_labels=_list_labels(), **_labels())


@bp.post("/<int:session_id>/approve")
@login_required
def approve(session_id: int):
    gs = get_session_or_404(session_id)
    policy.require("session.review", gs)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.approve(gs, actor=current_user)
    except services.SessionError as error:
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
        services.decline(gs, actor=current_user, reason=form.reason.data)
    except services.SessionError as error:
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
    page = paginate(services.alumni_directory(q=q or None), per_page=50)
    details = services.directory_details([user.id for user in page.items])
    return render("sessions/alumni.html", "sessions/_alumni_rows.html", page=page, details=details, q=q)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    policy.require("alumni.profile_own")
    existing = services.profile_of(current_user)
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
            services.save_profile(
                current_user, graduation_year=form.graduation_year.data, major=form.major.data,
                employer=form.employer.data, post=form.post.data, topics=form.topics.data, bio=form.bio.data,
                show_on_sessions=form.show_on_sessions.data,
            )
        except services.SessionError as error:
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
