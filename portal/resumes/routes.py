"""Resume pages: the student's list and editor, photo and PDF, the mentors' queue, versions and comments."""
from __future__ import annotations

from io import BytesIO

from flask import (
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_timedelta
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import defer, joinedload, selectinload

from portal import audit, policy
from portal.accounts.forms import EmptyForm
from portal.accounts.models import Role
from portal.errors import RuleViolation, render_error
from portal.extensions import db
from portal.formutil import choices
from portal.htmx import fragment_or_redirect, is_htmx, render
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models_base import utcnow
from portal.pagination import paginate
from portal.resumes import bp, documents, editing, photos, printing, review
from portal.resumes import sections as S
from portal.resumes.forms import (
    CommentForm,
    CompareForm,
    CompleteReviewForm,
    MoveForm,
    NewResumeForm,
    PhotoForm,
    ReplyForm,
    SettingsForm,
    SubmitForm,
    section_form,
    values_of,
)
from portal.resumes.models import (
    Resume,
    ResumeComment,
    ResumeItem,
    ResumePhoto,
    ResumeVersion,
    VersionStatus,
)
from portal.students.access import mentor_ids_of, signed_in_student
from portal.students.models import Student

RESUME_STATUS = {"draft": _l("Draft"), "waiting": _l("Waiting for review"), "reviewed": _l("Reviewed")}
VERSION_STATUS = {"waiting": _l("Waiting for review"), "reviewed": _l("Reviewed"),
                  "superseded": _l("Replaced by a newer version")}
LANGUAGE = {"zh": _l("Chinese"), "en": _l("English")}
TEMPLATE = {"chinese": _l("Chinese style"), "english": _l("English style")}


@bp.context_processor
def _labels() -> dict:
    return {
        "resume_status_labels": RESUME_STATUS,
        "version_status_labels": VERSION_STATUS,
        "resume_language_labels": LANGUAGE,
        "resume_template_labels": TEMPLATE,
        "resume_templates": S.TEMPLATES,
    }


# --- loaders: abort early ------------------------------------------------------------------

def get_resume_or_404(resume_id: int, *, with_items: bool = False) -> Resume:
    stmt = select(Resume).where(Resume.id == resume_id).options(joinedload(Resume.student).joinedload(Student.user))
    if with_items:
        stmt = stmt.options(selectinload(Resume.items))
    resume = db.session.scalar(stmt)
    if resume is None:
        abort(404)
    return resume


def get_item_or_404(item_id: int) -> ResumeItem:
    item = db.session.scalar(
        select(ResumeItem).where(ResumeItem.id == item_id)
        .options(joinedload(ResumeItem.resume).joinedload(Resume.student).joinedload(Student.user))
    )
    if item is None:
        abort(404)
    return item


def get_version_or_404(version_id: int) -> ResumeVersion:
    version = db.session.scalar(
        select(ResumeVersion).where(ResumeVersion.id == version_id)
        .options(joinedload(ResumeVersion.resume).joinedload(Resume.student).joinedload(Student.user),
                 joinedload(ResumeVersion.reviewed_by))
    )
    if version is None:
        abort(404)
    return version


def get_thread_or_404(comment_id: int) -> tuple[ResumeComment, Resume]:
    comment = db.session.scalar(
        select(ResumeComment).where(ResumeComment.id == comment_id)
        .options(joinedload(ResumeComment.author), selectinload(ResumeComment.replies).joinedload(ResumeComment.author),
                 joinedload(ResumeComment.version).load_only(ResumeVersion.id, ResumeVersion.number))
    )
    if comment is None or comment.parent_id is not None:
        abort(404)
    return comment, get_resume_or_404(comment.resume_id)


def _section_or_404(key: str, kind: str | None = None) -> S.Section:
    section = S.SECTIONS.get(key)
    if section is None or (kind is not None and section.kind != kind):
        abort(404)
    return section


# --- the student's list ----------------------------------------------------------------------

@bp.route("/")
@login_required
def index():
    if current_user.role in (Role.MENTOR, Role.ADMIN):
        return redirect(url_for("resumes.queue"))
    policy.require("resume.list_own")
    return _list_page(signed_in_student(), own=True)


@bp.route("/students/<int:student_id>")
@login_required
def student_resumes(student_id: int):
    student = db.session.scalar(select(Student).where(Student.id == student_id).options(joinedload(Student.user)))
    if student is None:
        abort(404)
    policy.require("student.view", student)
    return _list_page(student, own=student.user_id == current_user.id)


def _list_page(student: Student, *, own: bool):
    resumes = editing.resumes_of(student)
    archived = editing.resumes_of(student, archived=True)
    counts = editing.open_comment_counts([r.id for r in resumes + archived])
    return render_template("resumes/index.html", student=student, resumes=resumes, archived=archived,
                           open_counts=counts, own=own)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    policy.require("resume.create")
    student = signed_in_student()
    own = editing.resumes_of(student)
    form = NewResumeForm(language=request.args.get("language", "zh"))
    form.source.choices = choices([("profile", _("My profile (name, contact details, education)"))] + [
        (f"copy:{r.id}", _("A copy of “%(title)s”", title=r.title)) for r in own
    ])
    if request.method == "GET" and request.args.get("copy"):
        form.source.data = f"copy:{request.args.get('copy')}"
    status = 200
    if form.validate_on_submit():
        copy_of = None
        if form.source.data.startswith("copy:"):
            copy_of = next(r for r in own if f"copy:{r.id}" == form.source.data)
        try:
            resume = editing.create_resume(student, title=form.title.data, language=form.language.data,
                                           template=form.template.data, copy_of=copy_of)
        except RuleViolation as error:
            db.session.rollback()
            getattr(form, error.field or "title").errors.append(str(error))
            status = error.status if error.status != 404 else 400
        else:
            db.session.commit()
            flash(_("Resume created. Fill in each section, then submit it to your mentor."), "success")
            return redirect(url_for("resumes.edit", resume_id=resume.id))
    elif request.method == "POST":
        status = 400
    return render_template("resumes/new.html", form=form), status


# --- the editor --------------------------------------------------------------------------------

def _editor_context(resume: Resume, *, open_section: str | None = None, open_item: int | None = None,
                    form=None, mode: str | None = None) -> dict:
    """What the editor page and its section fragments show. A fixed number of queries."""
    can_edit = policy.may(current_user, "resume.edit", resume) and resume.archived_at is None
    can_discuss = policy.may(current_user, "resume.discuss", resume)
    threads = review.threads_of(resume)
    versions = list(db.session.scalars(
        select(ResumeVersion).where(ResumeVersion.resume_id == resume.id)
        .options(defer(ResumeVersion.content), joinedload(ResumeVersion.reviewed_by))
        .order_by(ResumeVersion.number.desc())
    ))
    view = documents.view_of(documents.document_of(resume))
    item_ids = {key: {e.id for e in entries} for key, entries in view.entries.items()}
    latest = versions[0] if versions else None
    return dict(
        resume=resume,
        student=resume.student,
        view=view,
        sections=S.SECTIONS,
        mode=mode or ("edit" if can_edit else "view"),
        can_edit=can_edit,
        can_discuss=can_discuss,
        can_comment=False,
        threads=review.group_threads(threads, item_ids),
        open_threads=sum(1 for t in threads if t.is_open),
        open_section=open_section,
        open_item=open_item,
        open_form=form,
        versions=versions,
        latest=latest,
        changed_since_submission=bool(latest and resume.updated_at > latest.submitted_at),
        last_reviewed=next((v for v in versions if v.status == VersionStatus.REVIEWED), None),
        photo_version=resume.updated_at.timestamp() if resume.has_photo else None,
    )


def _editor(resume: Resume, *, section: str | None = None, status: int = 200, **open_state):
    """The full editor page, or for htmx the one section that changed."""
    context = _editor_context(resume, open_section=section, **open_state)
    if is_htmx() and section is not None:
        template = "resumes/_section.html"
    else:
        template = "resumes/edit.html"
        context.update(
            settings_form=SettingsForm(formdata=None, obj=resume),
            photo_form=PhotoForm(formdata=None),
            submit_form=SubmitForm(formdata=None),
        )
    response = make_response(render_template(template, key=section, **context), status)
    response.vary.add("HX-Request")
    return response


def _saved(resume: Resume, section: str):
    """After a change: the section for htmx, a redirect to it otherwise."""
    context = _editor_context(resume, open_section=section) if is_htmx() else {}
    return fragment_or_redirect("resumes/_section.html",
                                url_for("resumes.edit", resume_id=resume.id, _anchor=f"section-{section}"),
                                redirect_code=302, key=section, **context)


@bp.route("/<int:resume_id>")
@login_required
def edit(resume_id: int):
    resume = get_resume_or_404(resume_id, with_items=True)
    policy.require("resume.view", resume)
    return _editor(resume)


@bp.route("/<int:resume_id>/sections/<section>", methods=["GET", "POST"])
@login_required
def section(resume_id: int, section: str):
    resume = get_resume_or_404(resume_id, with_items=True)
    policy.require("resume.view", resume)
    sect = _section_or_404(section)
    if request.method == "GET":
        if request.args.get("edit") and sect.kind == "single":
            policy.require("resume.edit", resume)
            return _editor(resume, section=section, form=section_form(section, data=_single_values(resume, section), formdata=False))
        return _editor(resume, section=section)
    policy.require("resume.edit", resume)
    _section_or_404(section, "single")
    form = section_form(section)
    if form.validate_on_submit():
        try:
            editing.update_single(resume, section, values_of(form, section))
        except RuleViolation as error:
            db.session.rollback()
            return _form_error(resume, section, form, error)
        db.session.commit()
        return _saved(resume, section)
    return _editor(resume, section=section, form=form, status=400)


def _single_values(resume: Resume, section: str) -> dict:
    if section == "basics":
        return dict(resume.basics or {})
    if section == "intention":
        return dict(resume.intention or {})
    return {"text": resume.self_evaluation or ""}


def _form_error(resume: Resume, section: str, form, error: RuleViolation, *, open_item: int | None = None):
    if error.status in (403, 404, 409) and not error.field:
        raise error
    target = form[error.field] if error.field and error.field in form else None
    if target is not None:
        target.errors = [*target.errors, str(error)] if isinstance(target.errors, list) else [str(error)]
    else:
        flash(str(error), "error")
    db.session.expire_all()
    resume = get_resume_or_404(resume.id, with_items=True)
    return _editor(resume, section=section, form=form, open_item=open_item, status=400)


@bp.route("/<int:resume_id>/sections/<section>/new", methods=["GET", "POST"])
@login_required
def item_new(resume_id: int, section: str):
    resume = get_resume_or_404(resume_id, with_items=True)
    policy.require("resume.edit", resume)
    _section_or_404(section, "list")
    if request.method == "GET":
        return _editor(resume, section=section, open_item=0, form=section_form(section, formdata=False))
    form = section_form(section)
    if form.validate_on_submit():
        try:
            editing.add_item(resume, section, values_of(form, section))
        except RuleViolation as error:
            db.session.rollback()
            return _form_error(resume, section, form, error, open_item=0)
        db.session.commit()
        return _saved(resume, section)
    return _editor(resume, section=section, open_item=0, form=form, status=400)


@bp.route("/items/<int:item_id>", methods=["GET", "POST"])
@login_required
def item_edit(item_id: int):
    item = get_item_or_404(item_id)
    resume = item.resume
    policy.require("resume.edit", resume)
    if request.method == "GET":
        return _editor(resume, section=item.section, open_item=item.id,
                       form=section_form(item.section, data=item.data, formdata=False))
    form = section_form(item.section)
    if form.validate_on_submit():
        try:
            editing.update_item(item, values_of(form, item.section))
        except RuleViolation as error:
            db.session.rollback()
            return _form_error(resume, item.section, form, error, open_item=item.id)
        db.session.commit()
        return _saved(resume, item.section)
    return _editor(resume, section=item.section, open_item=item.id, form=form, status=400)


@bp.post("/items/<int:item_id>/delete")
@login_required
def item_delete(item_id: int):
    item = get_item_or_404(item_id)
    resume, section_key = item.resume, item.section
    policy.require("resume.edit", resume)
    if not EmptyForm().validate_on_submit():
        abort(400)
    editing.remove_item(item)
    db.session.commit()
    return _saved(resume, section_key)


@bp.post("/items/<int:item_id>/move")
@login_required
def item_move(item_id: int):
    item = get_item_or_404(item_id)
    resume = item.resume
    policy.require("resume.edit", resume)
    form = MoveForm()
    if not form.validate_on_submit():
        return render_error(400, _("Move up or down."))
    editing.move_item(item, form.direction.data)
    db.session.commit()
    return _saved(resume, item.section)


@bp.post("/<int:resume_id>/settings")
@login_required
def settings(resume_id: int):
    resume = get_resume_or_404(resume_id, with_items=True)
    policy.require("resume.edit", resume)
    form = SettingsForm()
    if form.validate_on_submit():
        try:
            editing.update_settings(resume, title=form.title.data, language=form.language.data, template=form.template.data)
        except RuleViolation as error:
            if error.status == 409:
                raise
            db.session.rollback()
            form[error.field or "title"].errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("resumes.edit", resume_id=resume.id))
    resume = get_resume_or_404(resume_id, with_items=True)
    context = _editor_context(resume)
    context.update(settings_form=form, photo_form=PhotoForm(formdata=None), submit_form=SubmitForm(formdata=None),
                   settings_open=True)
    return render_template("resumes/edit.html", **context), 400


def _resume_action(resume_id: int, action, message: str, *, to_list: bool = False, rule: str = "resume.edit"):
    resume = get_resume_or_404(resume_id, with_items=True)
    policy.require(rule, resume)
    if not EmptyForm().validate_on_submit():
        abort(400)
    result = action(resume)
    db.session.commit()
    flash(message, "success")
    if isinstance(result, Resume):
        return redirect(url_for("resumes.edit", resume_id=result.id))
    return redirect(url_for("resumes.index") if to_list else url_for("resumes.edit", resume_id=resume.id))


@bp.post("/<int:resume_id>/copy")
@login_required
def copy(resume_id: int):
    return _resume_action(resume_id, editing.copy_resume, _("A copy was made; you are editing it now."))


@bp.post("/<int:resume_id>/archive")
@login_required
def archive(resume_id: int):
    return _resume_action(resume_id, editing.archive_resume, _("The resume was archived."), to_list=True)


@bp.post("/<int:resume_id>/restore")
@login_required
def restore(resume_id: int):
    return _resume_action(resume_id, editing.restore_resume, _("The resume was restored."))


@bp.post("/<int:resume_id>/delete")
@login_required
def delete(resume_id: int):
    return _resume_action(resume_id, editing.delete_resume, _("The resume was deleted."), to_list=True)


# --- photo -----------------------------------------------------------------------------------

@bp.route("/<int:resume_id>/photo")
@login_required
def photo(resume_id: int):
    resume = get_resume_or_404(resume_id)
    policy.require("resume.view", resume)
    picture = editing.photo_of(resume)
    if picture is None:
        abort(404)
    return _photo_response(picture)


def _photo_response(picture: ResumePhoto):
    response = make_response(picture.data)
    response.headers["Content-Type"] = picture.mime
    response.headers["Content-Disposition"] = "inline"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/<int:resume_id>/photo")
@login_required
def photo_upload(resume_id: int):
    resume = get_resume_or_404(resume_id, with_items=True)
    policy.require("resume.edit", resume)
    form = PhotoForm()
    if form.validate_on_submit():
        try:
            editing.set_photo(resume, form.photo.data.read(photos.MAX_UPLOAD_BYTES + 1))
        except RuleViolation as error:
            if error.status == 409:
                raise
            db.session.rollback()
            form.photo.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("Photo saved."), "success")
            return redirect(url_for("resumes.edit", resume_id=resume.id, _anchor="section-basics"))
    resume = get_resume_or_404(resume_id, with_items=True)
    context = _editor_context(resume)
    context.update(settings_form=SettingsForm(formdata=None, obj=resume), photo_form=form,
                   submit_form=SubmitForm(formdata=None))
    return render_template("resumes/edit.html", **context), 400


@bp.post("/<int:resume_id>/photo/delete")
@login_required
def photo_delete(resume_id: int):
    return _resume_action(resume_id, editing.remove_photo, _("Photo removed."))


# --- PDF -------------------------------------------------------------------------------------

def _pdf_response(doc: dict, resume: Resume, *, template: str | None, picture, name_suffix: str = ""):
    template = template if template in S.TEMPLATES else None
    data = printing.render(doc, template=template, photo=picture)
    if resume.student.user_id != current_user.id:
        audit.record(current_user, "resume.export", resume, detail=f"template={template or doc.get('template')}{name_suffix}")
        db.session.commit()
    name = f"{doc.get('basics', {}).get('full_name') or resume.student.user.display_name}-{doc.get('title') or ''}{name_suffix}.pdf"
    name = "".join(ch for ch in name if ch not in '/\\"\r\n')
    return send_file(BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name, max_age=0)


@bp.route("/<int:resume_id>/pdf")
@login_required
def pdf(resume_id: int):
    resume = get_resume_or_404(resume_id, with_items=True)
    policy.require("resume.export", resume)
    return _pdf_response(documents.document_of(resume), resume, template=request.args.get("template"),
                         picture=editing.photo_of(resume))


@bp.route("/versions/<int:version_id>/pdf")
@login_required
def version_pdf(version_id: int):
    version = get_version_or_404(version_id)
    policy.require("resume.export", version.resume)
    picture = editing.photo_of(version.resume) if version.content.get("has_photo") else None
    return _pdf_response(version.content, version.resume, template=request.args.get("template"), picture=picture,
                         name_suffix=f"-v{version.number}")


# --- review ----------------------------------------------------------------------------------

@bp.post("/<int:resume_id>/submit")
@login_required
def submit(resume_id: int):
    resume = get_resume_or_404(resume_id, with_items=True)
    policy.require("resume.submit", resume)
    form = SubmitForm()
    if not form.validate_on_submit():
        return render_error(400, " ".join(str(e) for errors in form.errors.values() for e in errors) or None)
    version = review.submit(resume, actor=current_user, note=form.note.data or "")
    db.session.commit()
    flash(_("Version %(n)d was submitted. Your mentor will see it in their review queue.", n=version.number), "success")
    if not mentor_ids_of(resume.student_id):
        flash(_("You have no assigned mentor yet: the employment office sees your resume and will assign one."), "warning")
    return redirect(url_for("resumes.edit", resume_id=resume.id))


@bp.route("/reviews")
@login_required
def queue():
    policy.require("resume.queue")
    page = paginate(review.review_queue(current_user), per_page=50)
    now = utcnow()
    waiting = {v.id: format_timedelta(now - v.waiting_since, threshold=0.9) for v in page.items}
    recent = review.recently_reviewed_by(current_user) if current_user.role == Role.MENTOR else []
    return render("resumes/queue.html", "resumes/_queue_rows.html", page=page, waiting=waiting, recent=recent)


def _version_context(version: ResumeVersion) -> dict:
    resume = version.resume
    can_comment = policy.may(current_user, "resume.comment", resume) and version.status != VersionStatus.SUPERSEDED
    threads = [t for t in review.threads_of(resume)
               if t.version_id == version.id or (t.is_open and t.version.number < version.number)]
    view = documents.view_of(version.content)
    item_ids = {key: {e.id for e in entries} for key, entries in view.entries.items()}
    numbers = db.session.execute(
        select(ResumeVersion.id, ResumeVersion.number, ResumeVersion.status).where(ResumeVersion.resume_id == resume.id)
    ).all()
    previous_id = max(((n, i) for i, n, status in numbers if status == VersionStatus.REVIEWED and n < version.number),
                      default=(None, None))[1]
    previous = db.session.get(ResumeVersion, previous_id) if previous_id else None
    diffs = documents.compare(previous.content, version.content) if previous else None
    return dict(
        version=version,
        resume=resume,
        student=resume.student,
        view=view,
        sections=S.SECTIONS,
        mode="review",
        can_edit=False,
        can_comment=can_comment,
        can_complete=can_comment and version.status == VersionStatus.WAITING,
        can_discuss=policy.may(current_user, "resume.discuss", resume),
        is_owner=resume.student.user_id == current_user.id,
        open_section=None, open_item=None, open_form=None,
        threads=review.group_threads(threads, item_ids),
        open_threads=sum(1 for t in threads if t.is_open),
        previous=previous,
        diffs=diffs,
        latest_number=max(n for _, n, _ in numbers),
        complete_form=CompleteReviewForm(formdata=None),
        photo_version=resume.updated_at.timestamp() if version.content.get("has_photo") and resume.has_photo else None,
    )


@bp.route("/versions/<int:version_id>")
@login_required
def version(version_id: int):
    version = get_version_or_404(version_id)
    policy.require("resume.view", version.resume)
    return render_template("resumes/version.html", **_version_context(version))


@bp.post("/versions/<int:version_id>/comments")
@login_required
def comment(version_id: int):
    version = get_version_or_404(version_id)
    policy.require("resume.comment", version.resume)
    form = CommentForm()
    anchor = (form.section.data or "", form.item_id.data)
    error_message = None
    if form.validate_on_submit():
        try:
            review.add_comment(version, author=current_user, section=form.section.data, item_id=form.item_id.data,
                               body=form.body.data)
        except RuleViolation as error:
            if error.status == 409:
                raise
            db.session.rollback()
            error_message = str(error)
        else:
            db.session.commit()
            url = url_for("resumes.version", version_id=version.id, _anchor=f"section-{form.section.data}")
            context = _version_context(get_version_or_404(version_id)) if is_htmx() else {}
            return fragment_or_redirect("resumes/_threads.html", url, redirect_code=302, anchor=anchor,
                                        anchor_threads=context.get("threads", {}).get(anchor, []),
                                        comment_form=None, comment_error=None, **context)
    else:
        if anchor[0] not in S.SECTIONS:
            return render_error(400, _("There is no such section."))
        error_message = " ".join(str(e) for errors in form.errors.values() for e in errors)
    context = _version_context(get_version_or_404(version_id))
    return render("resumes/version.html", "resumes/_threads.html", status=400, anchor=anchor,
                  anchor_threads=context["threads"].get(anchor, []), failed_anchor=anchor, comment_form=form,
                  comment_error=error_message, **context)


@bp.post("/versions/<int:version_id>/complete")
@login_required
def complete(version_id: int):
    version = get_version_or_404(version_id)
    policy.require("resume.complete_review", version.resume)
    form = CompleteReviewForm()
    if form.validate_on_submit():
        try:
            review.complete_review(version, mentor=current_user, summary=form.summary.data, minutes=form.minutes.data)
        except RuleViolation as error:
            if error.status != 400:
                raise
            db.session.rollback()
            form.summary.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("Review completed. The student has been notified and the coaching is in their record."), "success")
            return redirect(url_for("resumes.queue"))
    version = get_version_or_404(version_id)
    context = _version_context(version)
    context["complete_form"] = form
    return render_template("resumes/version.html", **context), 400


def _thread_action(comment_id: int, action, *, form_class=EmptyForm):
    thread, resume = get_thread_or_404(comment_id)
    policy.require("resume.discuss", resume)
    form = form_class()
    error_message = None
    if form.validate_on_submit():
        try:
            action(thread, form)
        except RuleViolation as error:
            if error.status != 400:
                raise
            db.session.rollback()
            error_message = str(error)
        else:
            db.session.commit()
    else:
        error_message = " ".join(str(e) for errors in form.errors.values() for e in errors) or _("Please check the form.")
    if error_message and not is_htmx():
        return render_error(400, error_message)
    if resume.student.user_id == current_user.id:
        url = url_for("resumes.edit", resume_id=resume.id, _anchor=f"thread-{thread.id}")
    else:
        url = url_for("resumes.version", version_id=thread.version_id, _anchor=f"thread-{thread.id}")
    if is_htmx():
        thread, resume = get_thread_or_404(comment_id)
    return fragment_or_redirect("resumes/_thread.html", url, redirect_code=302, status=400 if error_message else 200,
                                thread=thread, resume=resume, can_discuss=True, reply_error=error_message)


@bp.post("/comments/<int:comment_id>/reply")
@login_required
def reply(comment_id: int):
    return _thread_action(comment_id, lambda thread, form: review.reply(thread, author=current_user, body=form.body.data),
                          form_class=ReplyForm)


@bp.post("/comments/<int:comment_id>/resolve")
@login_required
def resolve(comment_id: int):
    return _thread_action(comment_id, lambda thread, form: review.resolve(thread, actor=current_user))


@bp.post("/comments/<int:comment_id>/reopen")
@login_required
def reopen(comment_id: int):
    return _thread_action(comment_id, lambda thread, form: review.reopen(thread, actor=current_user))


# --- comparing versions ---------------------------------------------------------------------

@bp.route("/<int:resume_id>/compare")
@login_required
def compare(resume_id: int):
    resume = get_resume_or_404(resume_id, with_items=True)
    policy.require("resume.view", resume)
    versions = list(db.session.scalars(
        select(ResumeVersion).where(ResumeVersion.resume_id == resume.id).order_by(ResumeVersion.number.desc())
    ))
    own = resume.student.user_id == current_user.id
    options = ([("current", _("Current working copy"))] if own or current_user.role == Role.ADMIN else []) + [
        (str(v.number), _("Version %(n)d (%(status)s)", n=v.number, status=_version_status(v.status))) for v in versions
    ]
    form = CompareForm(request.args)
    form.old.choices = choices(options)
    form.new.choices = choices(options)
    if not options or len(options) < 2:
        return render_template("resumes/compare.html", resume=resume, form=form, diffs=None, too_few=True)
    if not form.validate():
        abort(400)
    by_number = {str(v.number): v for v in versions}
    newest = options[0][0]
    new_key = form.new.data or newest
    default_old = next((str(v.number) for v in versions if v.status == VersionStatus.REVIEWED and str(v.number) != new_key
                        and (new_key == "current" or v.number < int(new_key))), None)
    old_key = form.old.data or default_old or options[1][0]
    form.old.data, form.new.data = old_key, new_key

    def doc_for(key: str) -> dict:
        return documents.document_of(resume) if key == "current" else by_number[key].content

    diffs = documents.compare(doc_for(old_key), doc_for(new_key))
    return render_template("resumes/compare.html", resume=resume, form=form, diffs=diffs, too_few=False,
                           old_key=old_key, new_key=new_key)


def _version_status(status: str) -> str:
    return {"waiting": _("waiting for review"), "reviewed": _("reviewed"), "superseded": _("replaced")}.get(status, status)
