"""Curation pages: postings, imports and exports, and the match-quality page with the weights."""
from __future__ import annotations

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

from portal import audit, policy
from portal.clock import local_today
from portal.errors import RuleViolation
from portal.extensions import db
from portal.htmx import render
from portal.i18n import gettext as _
from portal.jobs import bp, feedback, imports, matching, postings, search, vocab
from portal.jobs.forms import (
    EmptyForm,
    ImportForm,
    ManageFilterForm,
    PostingForm,
    StatusForm,
    WeightsForm,
)
from portal.jobs.models import JobPosting, PostingImport
from portal.jobs.routes import get_posting_or_404
from portal.pagination import paginate

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# what a row of the curation list shows, and what policy "posting.edit" reads
MANAGE_COLUMNS = (
    JobPosting.id, JobPosting.title, JobPosting.employer, JobPosting.province, JobPosting.city, JobPosting.post_type,
    JobPosting.deadline, JobPosting.status, JobPosting.created_by_id,
)


def _manage_stmt(form: ManageFilterForm, columns=None):
    statuses = (form.status.data,) if form.status.data else tuple(vocab.STATUSES)
    return search.search_postings(q=form.q.data, statuses=statuses, columns=columns)


@bp.route("/manage")
@login_required
def manage():
    policy.require("jobs.curate")
    form = ManageFilterForm(request.args)
    if not form.validate():
        abort(400)
    page = paginate(_manage_stmt(form, MANAGE_COLUMNS), per_page=50)
    return render("jobs/manage.html", "jobs/_manage_rows.html", form=form, page=page, today=local_today())


def _posting_form_page(form: PostingForm, posting: JobPosting | None, status: int = 200):
    return render_template("jobs/posting_form.html", form=form, posting=posting), status


def _save(form: PostingForm, posting: JobPosting | None):
    try:
        saved = postings.save_posting(posting, form.data_for_service(), actor=current_user)
    except RuleViolation as error:
        db.session.rollback()
        field = getattr(form, error.field, None) if error.field else None
        (field or form.title).errors = [*((field or form.title).errors or []), str(error)]
        return None
    audit.record(current_user, "jobs.posting_saved", saved, detail=saved.status)
    db.session.commit()
    return saved


@bp.route("/manage/new", methods=["GET", "POST"])
@login_required
def posting_new():
    policy.require("jobs.curate")
    form = PostingForm()
    if request.method == "GET":
        form.status.data = "draft"
        form.min_degree.data = "bachelor"
        form.openings.data = 1
    if form.validate_on_submit():
        posting = _save(form, None)
        if posting is not None:
            flash(_("Posting saved."), "success")
            return redirect(url_for("jobs.posting", posting_id=posting.id), code=303)
        return _posting_form_page(form, None, 400)
    if request.method == "POST":
        return _posting_form_page(form, None, 400)
    return _posting_form_page(form, None)


@bp.route("/manage/<int:posting_id>/edit", methods=["GET", "POST"])
@login_required
def posting_edit(posting_id: int):
    posting = get_posting_or_404(posting_id)
    policy.require("posting.edit", posting)
    form = PostingForm(obj=posting) if request.method == "GET" else PostingForm()
    if request.method == "GET":
        form.majors.data = "、".join(posting.major_names)
    if form.validate_on_submit():
        saved = _save(form, posting)
        if saved is not None:
            flash(_("Posting saved."), "success")
            return redirect(url_for("jobs.posting", posting_id=saved.id), code=303)
        return _posting_form_page(form, get_posting_or_404(posting_id), 400)
    if request.method == "POST":
        return _posting_form_page(form, posting, 400)
    return _posting_form_page(form, posting)


@bp.post("/manage/<int:posting_id>/status")
@login_required
def posting_status(posting_id: int):
    posting = get_posting_or_404(posting_id)
    policy.require("posting.edit", posting)
    form = StatusForm()
    if not form.validate_on_submit():
        flash(_("Choose one of the listed values."), "error")
        return redirect(url_for("jobs.posting", posting_id=posting.id), code=303)
    try:
        postings.set_status(posting, form.status.data, actor=current_user)
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("jobs.posting", posting_id=posting.id), code=303)
    db.session.commit()
    flash(_("The posting is now: %(status)s.", status=vocab.label(vocab.STATUSES, posting.status)), "success")
    return redirect(request.form.get("next") == "manage" and url_for("jobs.manage") or
                    url_for("jobs.posting", posting_id=posting.id), code=303)


# --- import and export ------------------------------------------------------------------------------

@bp.route("/manage/import", methods=["GET", "POST"])
@login_required
def import_upload():
    policy.require("jobs.import")
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            staged, preview = imports.stage(upload.read(), upload.filename, actor=current_user)
        except RuleViolation as error:
            db.session.rollback()
            form.file.errors = [str(error)]
            return render_template("jobs/import.html", form=form), 400
        db.session.commit()
        return render_template("jobs/import_preview.html", upload=staged, preview=preview,
                               button_form=EmptyForm(formdata=None)), (200 if preview.ok else 422)
    status = 400 if request.method == "POST" else 200
    return render_template("jobs/import.html", form=form), status


@bp.post("/manage/import/<int:import_id>/confirm")
@login_required
def import_confirm(import_id: int):
    policy.require("jobs.import")
    upload = db.session.get(PostingImport, import_id)
    if upload is None or upload.uploaded_by_id != current_user.id:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        count = imports.confirm(upload, actor=current_user)
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("jobs.import_upload"), code=303)
    db.session.commit()
    flash(_("%(n)d postings imported.", n=count), "success")
    return redirect(url_for("jobs.manage"), code=303)


def _xlsx(content: bytes, filename: str):
    response = make_response(content)
    response.headers["Content-Type"] = XLSX
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    return response


@bp.route("/manage/template.xlsx")
@login_required
def import_template():
    policy.require("jobs.import")
    return _xlsx(imports.template(), "postings-template.xlsx")


@bp.route("/manage/export.xlsx")
@login_required
def export():
    policy.require("jobs.curate")
    form = ManageFilterForm(request.args)
    if not form.validate():
        abort(400)
    chosen = db.session.scalars(_manage_stmt(form).limit(20000)).all()
    audit.record(current_user, "jobs.postings_exported", None, target_type="JobPosting", detail=f"{len(chosen)} rows")
    db.session.commit()
    return _xlsx(imports.export(chosen), "postings.xlsx")


# --- match quality and weights ---------------------------------------------------------------------

@bp.route("/manage/quality", methods=["GET", "POST"])
@login_required
def quality():
    policy.require("jobs.tune")
    form = WeightsForm()
    status = 200
    if form.validate_on_submit():
        values = {key: getattr(form, f"w_{key}").data for key in matching.DEFAULT_WEIGHTS}
        try:
            feedback.set_weights(values, per_student=form.per_student.data, discovery_slots=form.discovery_slots.data,
                                 actor=current_user)
        except RuleViolation as error:
            db.session.rollback()
            field = getattr(form, f"w_{error.field}", None) or getattr(form, error.field or "", None) or form.per_student
            field.errors = [*field.errors, str(error)]
            status = 400
        else:
            db.session.commit()
            flash(_("Weights saved. They apply from the next run of the recommendations."), "success")
            return redirect(url_for("jobs.quality"), code=303)
    elif request.method == "POST":
        status = 400
    else:
        tuning = matching.tuning()
        for key, value in matching.weights(tuning["jobs.weights"] or {}).items():
            getattr(form, f"w_{key}").data = value
        form.per_student.data = tuning["jobs.per_student"]
        form.discovery_slots.data = tuning["jobs.discovery_slots"]
    by = "college" if request.args.get("by") == "college" else "major"
    return render_template("jobs/quality.html", form=form, stats=feedback.match_quality(by=by), by=by,
                           weight_fields=[getattr(form, f"w_{k}") for k in matching.DEFAULT_WEIGHTS],
                           reasons=vocab.DISMISS_REASONS), status
