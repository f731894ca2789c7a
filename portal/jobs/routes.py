"""Pages for students and mentors: postings, recommendations, saved postings, licences, applications, referrals."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from portal import policy
from portal.clock import local_today
from portal.errors import RuleViolation
from portal.extensions import db
from portal.formutil import choices
from portal.htmx import fragment_or_redirect, render
from portal.i18n import gettext as _
from portal.jobs import bp, feedback, matching, mentoring, search, tracking, vocab
from portal.jobs.forms import (
    ApplyForm,
    CaseloadFilterForm,
    DismissForm,
    EmptyForm,
    LicenceForm,
    OutsideApplicationForm,
    PostingFilterForm,
    ReferForm,
    StageForm,
)
from portal.jobs.models import Application, JobPosting, StudentLicence
from portal.jobs.postings import is_open
from portal.pagination import paginate
from portal.students.access import signed_in_student, student_of_user
from portal.students.models import Student

# --- loaders: abort early ---------------------------------------------------------------------

def get_posting_or_404(posting_id: int) -> JobPosting:
    posting = db.session.get(JobPosting, posting_id)
    if posting is None:
        abort(404)
    return posting


def get_student_or_404(student_id: int) -> Student:
    student = db.session.get(Student, student_id)
    if student is None:
        abort(404)
    return student


def get_application_or_404(application_id: int) -> Application:
    application = db.session.get(Application, application_id)
    if application is None:
        abort(404)
    return application


def _back(default: str) -> str:
    """A same-site path to return to after a plain form POST."""
    target = request.form.get("next") or ""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc and not parts.scheme:
        return target
    return default


def _refused(error: RuleViolation, url: str):
    """A refused action: the message with its status for htmx; otherwise flashed, back to `url`."""
    db.session.rollback()
    return fragment_or_redirect("jobs/_message.html", url, message=str(error), ok=False, status=error.status)


# --- postings -------------------------------------------------------------------------------------

@bp.route("/")
@login_required
def postings():
    policy.require("jobs.browse")
    form = PostingFilterForm(request.args)
    form.major.choices = choices([("", _("All majors"))] + [(m, m) for m in search.known_majors()])
    if not form.validate():
        abort(400)
    stmt = search.search_postings(
        q=form.q.data, major=form.major.data or None, province=form.province.data or None,
        level=form.level.data or None, grassroots=form.grassroots.data or None, post_type=form.post_type.data or None,
        deadline_within=int(form.deadline.data) if form.deadline.data else None, columns=search.LIST_COLUMNS,
    )
    if current_user.role == "student":
        page = paginate(stmt.add_columns(search.saved_by_user(current_user.id)), per_page=20,
                        count=select(func.count()).select_from(stmt.order_by(None).subquery()))
        saved = {p.id for p in page.items if p.saved}
    else:
        page, saved = paginate(stmt, per_page=20), set()
    return render("jobs/postings.html", "jobs/_results.html", form=form, page=page, saved=saved,
                  majors=search.major_names([p.id for p in page.items]), today=local_today())


@bp.route("/<int:posting_id>")
@login_required
def posting(posting_id: int):
    posting = get_posting_or_404(posting_id)
    policy.require("posting.view", posting)
    student = student_of_user(current_user) if current_user.role == "student" else None
    context = {"saved": False, "application": None, "referrals": [], "refer_form": None, "apply_form": None}
    if student is not None:
        feedback.record_viewed(student, posting)
        db.session.commit()
        context["saved"] = bool(tracking.saved_ids(student, [posting.id]))
        context["application"] = tracking.applied_ids(student).get(posting.id)
        context["referrals"] = [r for r in mentoring.referrals_for(student) if r.posting_id == posting.id]
        context["apply_form"] = ApplyForm(formdata=None, on=local_today())
    if current_user.role == "mentor" and is_open(posting):
        form = ReferForm(formdata=None)
        form.student_id.choices = choices([(s.id, f"{s.user.display_name} · {s.student_no} · {s.major}")
                                           for s in mentoring.mentors_students_for_referral(current_user)])
        context["refer_form"] = form
    return render_template("jobs/posting.html", posting=posting, student=student, is_open=is_open(posting),
                           today=local_today(), **context)


def _saved_toggle(posting: JobPosting, saved: bool, message: str):
    return fragment_or_redirect("jobs/_save_button.html", _back(url_for("jobs.posting", posting_id=posting.id)),
                                message=message, posting=posting, saved=saved)


@bp.post("/<int:posting_id>/save")
@login_required
def save(posting_id: int):
    posting = get_posting_or_404(posting_id)
    policy.require("posting.view", posting)
    policy.require("jobs.own")
    student = signed_in_student()
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        tracking.save(student, posting)
    except RuleViolation as error:
        return _refused(error, url_for("jobs.posting", posting_id=posting.id))
    db.session.commit()
    return _saved_toggle(posting, True, _("Saved. You will be reminded before it closes."))


@bp.post("/<int:posting_id>/unsave")
@login_required
def unsave(posting_id: int):
    posting = get_posting_or_404(posting_id)
    policy.require("posting.view", posting)
    policy.require("jobs.own")
    student = signed_in_student()
    if not EmptyForm().validate_on_submit():
        abort(400)
    tracking.unsave(student, posting)
    db.session.commit()
    return _saved_toggle(posting, False, _("Removed from your saved postings."))


@bp.route("/saved")
@login_required
def saved():
    policy.require("jobs.own")
    student = signed_in_student()
    return render_template("jobs/saved.html", items=tracking.saved_postings(student), today=local_today(),
                           applied=tracking.applied_ids(student))


# --- recommendations ----------------------------------------------------------------------------

def _recommendation_context(student: Student, *, viewer_is_student: bool) -> dict:
    recommendations = feedback.recommendations_for(student, with_saved=viewer_is_student)
    return {
        "student": student,
        "all_shown": viewer_is_student and all(r.shown for r in recommendations),
        "items": [(r, matching.explain(r.reason_bits, r, student)) for r in recommendations],
        "saved": {r.id for r in recommendations if viewer_is_student and r.saved},
        "computed_at": recommendations[0].computed_at if recommendations else None,
        "viewer_is_student": viewer_is_student,
        "today": local_today(),
    }


@bp.route("/recommendations")
@login_required
def recommendations():
    policy.require("jobs.own")
    student = signed_in_student()
    context = _recommendation_context(student, viewer_is_student=True)
    # the "not interested" choices, translated once for all the cards of the page
    reasons = [(code, str(label)) for code, label in vocab.DISMISS_REASONS.items()]
    page = render_template("jobs/recommendations.html", **context, referrals=mentoring.referrals_for(student),
                           licences=feedback.licences_of(student), dismiss_reasons=reasons)
    # counted as shown once the page is written (a commit before would expire the student and the user
    # the page reads, and load them again), and only when one was not counted yet
    if not context["all_shown"]:
        feedback.record_shown(student)
        db.session.commit()
    return page


@bp.post("/recommendations/refresh")
@login_required
def refresh():
    policy.require("jobs.own")
    student = signed_in_student()
    if not EmptyForm().validate_on_submit():
        abort(400)
    feedback.refresh_student(student)
    db.session.commit()
    flash(_("Your recommendations are up to date."), "success")
    return redirect(url_for("jobs.recommendations"), code=303)


@bp.post("/recommendations/<int:posting_id>/dismiss")
@login_required
def dismiss(posting_id: int):
    posting = get_posting_or_404(posting_id)
    policy.require("posting.view", posting)
    policy.require("jobs.own")
    student = signed_in_student()
    form = DismissForm()
    back = url_for("jobs.recommendations")
    if not form.validate_on_submit():
        return _refused(RuleViolation(_("Choose why this post does not interest you."), field="reason"), back)
    try:
        feedback.dismiss(student, posting, reason=form.reason.data, note=form.note.data or "")
    except RuleViolation as error:
        return _refused(error, back)
    db.session.commit()
    return fragment_or_redirect("jobs/_message.html", back, message=_(
        "Thank you. %(title)s will not be recommended to you again.", title=posting.title))


# --- licences -------------------------------------------------------------------------------------

@bp.route("/licences", methods=["GET", "POST"])
@login_required
def licences():
    policy.require("jobs.own")
    student = signed_in_student()
    form = LicenceForm()
    status = 200
    if form.validate_on_submit():
        try:
            feedback.add_licence(student, form.licence.data, obtained_on=form.obtained_on.data)
        except RuleViolation as error:
            db.session.rollback()
            getattr(form, error.field or "licence").errors.append(str(error))
            status = error.status
        else:
            db.session.commit()
            flash(_("Licence recorded. It counts from your next recommendations."), "success")
            return redirect(url_for("jobs.licences"), code=303)
    elif request.method == "POST":
        status = 400
    return render_template("jobs/licences.html", form=form, items=feedback.licences_of(student),
                           button_form=EmptyForm(formdata=None)), status


@bp.post("/licences/<int:licence_id>/delete")
@login_required
def licence_delete(licence_id: int):
    policy.require("jobs.own")
    student = signed_in_student()
    licence = db.session.get(StudentLicence, licence_id)
    if licence is None or licence.student_id != student.id:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    feedback.remove_licence(licence)
    db.session.commit()
    flash(_("Licence removed."), "success")
    return redirect(url_for("jobs.licences"), code=303)


# --- applications ---------------------------------------------------------------------------------

@bp.route("/applications")
@login_required
def applications():
    policy.require("jobs.own")
    student = signed_in_student()
    form = OutsideApplicationForm(formdata=None, on=local_today())
    return render_template("jobs/applications.html", student=student, items=tracking.applications_for(student),
                           form=form)


@bp.post("/applications")
@login_required
def application_new():
    policy.require("jobs.own")
    student = signed_in_student()
    form = OutsideApplicationForm()
    status = 400
    if form.validate_on_submit():
        try:
            application = tracking.apply(student, employer=form.employer.data, title=form.title.data,
                                     source_url=form.source_url.data or "", on=form.on.data,
                                     notes=form.notes.data or "", actor=current_user)
        except RuleViolation as error:
            db.session.rollback()
            getattr(form, error.field or "title", form.title).errors.append(str(error))
            status = error.status
        else:
            db.session.commit()
            flash(_("Application added. Record each stage as it comes."), "success")
            return redirect(url_for("jobs.application", application_id=application.id), code=303)
    return render_template("jobs/applications.html", student=student, items=tracking.applications_for(student),
                           form=form), status


@bp.post("/<int:posting_id>/apply")
@login_required
def apply(posting_id: int):
    posting = get_posting_or_404(posting_id)
    policy.require("posting.view", posting)
    policy.require("jobs.own")
    student = signed_in_student()
    form = ApplyForm()
    back = url_for("jobs.posting", posting_id=posting.id)
    if not form.validate_on_submit():
        return _refused(RuleViolation(_("Enter the date you applied."), field="on"), back)
    try:
        application = tracking.apply(student, posting=posting, on=form.on.data, notes=form.notes.data or "",
                                 actor=current_user)
    except RuleViolation as error:
        return _refused(error, back)
    db.session.commit()
    flash(_("Application tracked. Record each stage as it comes."), "success")
    return redirect(url_for("jobs.application", application_id=application.id), code=303)


def _application_page(application: Application, form: StageForm | None, status: int = 200):
    return render_template("jobs/application.html", application=application, form=form, events=application.events,
                           may_edit=policy.may(current_user, "application.edit", application)), status


def _stage_form(application: Application, formdata=None) -> StageForm:
    form = StageForm(formdata=formdata, on=local_today()) if formdata is None else StageForm()
    form.stage.choices = choices([(s, vocab.label(vocab.APPLICATION_STAGES, s)) for s in tracking.allowed_stages(application)])
    return form


@bp.route("/applications/<int:application_id>")
@login_required
def application(application_id: int):
    application = get_application_or_404(application_id)
    policy.require("application.view", application)
    form = _stage_form(application) if policy.may(current_user, "application.edit", application) else None
    return _application_page(application, form)


@bp.post("/applications/<int:application_id>/stage")
@login_required
def application_stage(application_id: int):
    application = get_application_or_404(application_id)
    policy.require("application.edit", application)
    form = _stage_form(application, formdata=request.form)
    if not form.validate_on_submit():
        return _application_page(application, form, 400)
    try:
        tracking.advance(application, stage=form.stage.data, on=form.on.data, note=form.note.data or "",
                     actor=current_user)
    except RuleViolation as error:
        db.session.rollback()
        application = get_application_or_404(application_id)
        form = _stage_form(application, formdata=request.form)
        form.validate()
        target = form.on if error.field == "on" else form.stage
        target.errors = [*target.errors, str(error)]
        return _application_page(application, form, error.status)
    db.session.commit()
    flash(_("Stage recorded."), "success")
    return redirect(url_for("jobs.application", application_id=application.id), code=303)


# --- mentors and the office: caseload, one student's job search, referrals ------------------------

@bp.route("/caseload")
@login_required
def caseload():
    policy.require("jobs.caseload")
    form = CaseloadFilterForm(request.args)
    if not form.validate():
        abort(400)
    students = mentoring.caseload_students(current_user, q=form.q.data)
    page = paginate(mentoring.with_job_search_counts(students), per_page=50,
                    count=select(func.count()).select_from(students.order_by(None).subquery()))
    return render("jobs/caseload.html", "jobs/_caseload_rows.html", form=form, page=page)


@bp.route("/students/<int:student_id>")
@login_required
def student(student_id: int):
    student = get_student_or_404(student_id)
    policy.require("jobs.student_view", student)
    context = _recommendation_context(student, viewer_is_student=False)  # a read-only view, even for the student
    return render_template(
        "jobs/student.html", **context, applications=tracking.applications_for(student),
        saved_items=tracking.saved_postings(student), dismissed=feedback.dismissed_for(student),
        referrals=mentoring.referrals_for(student), licences=feedback.licences_of(student),
        may_refer=policy.may(current_user, "jobs.refer", student), refer_form=ReferForm(formdata=None),
    )


@bp.post("/<int:posting_id>/refer")
@login_required
def refer(posting_id: int):
    posting = get_posting_or_404(posting_id)
    policy.require("posting.view", posting)
    policy.require("jobs.caseload")
    form = ReferForm()
    student_id = request.form.get("student_id", type=int)
    if student_id is None:
        abort(400)
    student = get_student_or_404(student_id)
    policy.require("jobs.refer", student)
    back = _back(url_for("jobs.student", student_id=student.id))
    if not form.validate_on_submit():
        return _refused(RuleViolation(_("At most %(n)d characters.", n=1000), field="note"), back)
    try:
        mentoring.refer(posting, student, mentor=current_user, note=form.note.data or "")
    except RuleViolation as error:
        return _refused(error, back)
    db.session.commit()
    return fragment_or_redirect("jobs/_message.html", back, message=_(
        "%(title)s was referred to %(name)s, who has been notified.", title=posting.title, name=student.name))


# labels of the vocabularies' codes, in the reader's language: {{ posting.post_type|job_label("post_type") }}
LABELS = {
    "level": vocab.HOSPITAL_LEVELS, "nature": vocab.UNIT_NATURES, "grassroots": vocab.GRASSROOTS_TYPES,
    "post_type": vocab.POST_TYPES, "degree": vocab.DEGREES, "licence": vocab.LICENCES,
    "emerging": vocab.EMERGING_FIELDS, "status": vocab.STATUSES, "stage": vocab.APPLICATION_STAGES,
    "reason": vocab.DISMISS_REASONS,
}


@bp.app_template_filter("job_label")
def job_label(code, kind: str) -> str:
    return vocab.label(LABELS[kind], code)


@bp.app_template_filter("salary")
def salary(posting) -> str:
    low, high = posting.salary_min, posting.salary_max
    if low is None and high is None:
        return _("Not stated")
    if low is not None and high is not None:
        return _("%(low)d–%(high)d yuan a month", low=low, high=high)
    if low is not None:
        return _("from %(low)d yuan a month", low=low)
    return _("up to %(high)d yuan a month", high=high)
