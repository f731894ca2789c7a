"""Profiles, the ledger, verification, caseloads, interventions and the archive."""
from __future__ import annotations

import functools
import json
from datetime import datetime

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
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from portal import audit, policy
from portal.extensions import db
from portal.htmx import is_htmx
from portal.i18n import gettext as _
from portal.students import archive, bp, labels, services
from portal.students.forms import (
    ClaimEvidenceForm,
    ClaimForm,
    ContactForm,
    EmptyForm,
    IntentionsForm,
    InterventionForm,
    RecordForm,
    SupportRequestForm,
    VerifyForm,
)
from portal.students.models import (
    HardshipClaim,
    Intervention,
    InterventionRevision,
    MentorAssignment,
    Student,
    Verification,
)
from portal.students.services import StudentError
from portal.widgets import check_items_html, select_html


@bp.context_processor
def _labels():
    from flask_babel import get_locale

    labeller = labels.Labeller(str(get_locale()))
    return {"labels": labels, "label": labeller.label, "category_label": labeller.category_label, "from_iso": _from_iso,
            "local_date": _local_date, "select_html": select_html,
            "check_items_html": check_items_html}


def _local_date(value) -> str:
    """The day in the office's zone, as the |date filter shows it, without Babel's per-call cost."""
    if value is None:
        return ""
    return value.astimezone(services.local_zone()).strftime("%Y-%m-%d")


def _from_iso(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


# --- loaders: 404 before anything else ------------------------------------------------------

@functools.cache
def _student_stmt():
    """Built once with the id as a parameter: deriving a new statement's cache key (options included)
    cost about as much as running it, on every student page."""
    return select(Student).where(Student.id == bindparam("student_id")).options(
        joinedload(Student.user), selectinload(Student.assignments).joinedload(MentorAssignment.mentor)
    )


@functools.cache
def _student_with_user_stmt():
    """The student and their account only, for pages that do not show the mentors (the archive)."""
    return select(Student).where(Student.id == bindparam("student_id")).options(joinedload(Student.user))


def get_student_or_404(student_id: int, *, with_mentors: bool = True) -> Student:
    stmt = _student_stmt() if with_mentors else _student_with_user_stmt()
    student = db.session.scalar(stmt, {"student_id": student_id})
    if student is None:
        abort(404)
    return student


def get_claim_or_404(claim_id: int) -> HardshipClaim:
    claim = db.session.scalar(
        select(HardshipClaim).where(HardshipClaim.id == claim_id).options(
            joinedload(HardshipClaim.student).joinedload(Student.user),
            joinedload(HardshipClaim.created_by),
            selectinload(HardshipClaim.verifications).joinedload(Verification.decided_by),
        )
    )
    if claim is None:
        abort(404)
    return claim


def get_intervention_or_404(intervention_id: int) -> Intervention:
    intervention = db.session.scalar(
        select(Intervention).where(Intervention.id == intervention_id).options(
            joinedload(Intervention.student).joinedload(Student.user),
            joinedload(Intervention.author),
            selectinload(Intervention.revisions).joinedload(InterventionRevision.edited_by),
        )
    )
    if intervention is None:
        abort(404)
    return intervention


def own_student() -> Student:
    """The signed-in student's own record; anyone else is refused."""
    student = services.student_of_user(current_user) if current_user.is_student else None
    policy.require("student.edit_own", student)
    return student


def form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def attach_error(form, error: StudentError, default: str) -> None:
    field = getattr(form, error.field or default, None) or getattr(form, default)
    field.errors = list(field.errors) + [str(error)]


def _recorded(page, action: str, target):
    """Write the audit row of a sensitive view once its page is rendered (committing earlier would
    expire what the page shows and load it again row by row)."""
    audit.record_view(current_user, action, target)
    return page


# --- the student's own profile and intentions -------------------------------------------------

def _visible_requests(student: Student) -> list[HardshipClaim]:
    claims = db.session.scalars(
        select(HardshipClaim).where(HardshipClaim.student_id == student.id).order_by(HardshipClaim.created_at)
    )
    return [c for c in claims if services.claim_visible_to_student(c)]


def _contact_form(student: Student) -> ContactForm:
    return ContactForm(formdata=None, phone=student.phone, email=student.user.email)


def _intentions_form(student: Student) -> IntentionsForm:
    return IntentionsForm(
        formdata=None,
        regions=student.intended_regions or [],
        hospital_levels=student.intended_hospital_levels or [],
        post_types=student.intended_post_types or [],
        grassroots_openness=student.grassroots_openness or "",
        further_study=student.further_study or "",
        standardized_training=student.standardized_training,
        note=student.intentions_note,
    )


def _my_profile_page(student: Student, *, contact_form=None, intentions_form=None, status: int = 200):
    return render_template(
        "students/my_profile.html",
        student=student,
        contact_form=contact_form or _contact_form(student),
        intentions_form=intentions_form or _intentions_form(student),
        mentors=sorted(student.assignments, key=lambda a: a.kind != "primary"),
    ), status


@bp.route("/me/profile")
@login_required
def my_profile():
    student = own_student()
    return _my_profile_page(student)


def _own_card(fragment: str, form_name: str, form, student: Student, *, saved: bool, status: int):
    if is_htmx():
        response = make_response(render_template(fragment, student=student, saved=saved, **{form_name: form}), status)
        response.vary.add("HX-Request")
        return response
    if saved:
        flash(_("Saved."), "success")
        return redirect(url_for("students.my_profile"))
    return _my_profile_page(student, status=status, **{form_name: form})


@bp.post("/me/profile/contact")
@login_required
def my_contact():
    student = own_student()
    form = ContactForm()
    if form.validate_on_submit():
        try:
            services.update_contact(student, actor=current_user, phone=form.phone.data, email=form.email.data)
        except StudentError as error:
            db.session.rollback()
            attach_error(form, error, "phone")
        else:
            db.session.commit()
            return _own_card("students/_contact.html", "contact_form", _contact_form(student), student, saved=True, status=200)
    return _own_card("students/_contact.html", "contact_form", form, student, saved=False, status=400)


@bp.post("/me/profile/intentions")
@login_required
def my_intentions():
    student = own_student()
    form = IntentionsForm()
    if form.validate_on_submit():
        try:
            services.update_intentions(
                student, actor=current_user, regions=form.regions.data or [],
                hospital_levels=form.hospital_levels.data or [], post_types=form.post_types.data or [],
                grassroots_openness=form.grassroots_openness.data, further_study=form.further_study.data,
                standardized_training=form.standardized_training.data, note=form.note.data,
            )
        except StudentError as error:
            db.session.rollback()
            attach_error(form, error, "regions")
        else:
            db.session.commit()
            return _own_card("students/_intentions.html", "intentions_form", _intentions_form(student), student, saved=True, status=200)
    return _own_card("students/_intentions.html", "intentions_form", form, student, saved=False, status=400)


@bp.route("/me/support", methods=["GET", "POST"])
@login_required
def my_support():
    """A private page where a student can tell the office about their situation."""
    student = own_student()
    form = SupportRequestForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.self_declare(student, category=form.category.data, note=form.note.data)
        except StudentError as error:
            db.session.rollback()
            attach_error(form, error, "category")
            status = 409 if isinstance(error, services.AlreadyExists) else 400
        except IntegrityError:
            db.session.rollback()
            form.category.errors = [_("You have already told us about this. Your mentor will be in touch; you can "
                                      "also contact them directly.")]
            status = 409
        else:
            db.session.commit()
            flash(_("Thank you for telling us. Only your mentors and the employment office can see this; "
                    "your mentor will get in touch privately."), "success")
            return redirect(url_for("students.my_support"))
    elif request.method == "POST":
        status = 400
    return render_template("students/my_support.html", student=student, form=form,
                           requests=_visible_requests(student)), status


@bp.route("/me/archive")
@login_required
def my_archive():
    student = own_student()
    return render_template("students/my_archive.html", student=student, entries=archive.timeline(student, current_user),
                           timeline_items=archive.timeline_items_html)


@bp.route("/me/archive/download")
@login_required
def my_archive_download():
    """Everything the portal holds about the student that they may see: PDF to read, JSON to keep."""
    from portal.students import exports

    student = own_student()
    fmt = request.args.get("format", "pdf")
    if fmt not in ("pdf", "json"):
        abort(400)
    data = exports.archive_data(student, current_user)
    audit.record(current_user, "archive.exported", student, detail=f"format={fmt}")
    db.session.commit()
    filename = f"archive-{student.student_no}.{fmt}"
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
        response = make_response(body)
        response.mimetype = "application/json"
    else:
        response = make_response(exports.archive_pdf(data))
        response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- staff: a student's record -----------------------------------------------------------------

@bp.route("/students/<int:student_id>")
@login_required
def profile(student_id: int):
    student = get_student_or_404(student_id)
    policy.require("student.view", student)
    if student.user_id == current_user.id:
        return redirect(url_for("students.my_profile"))
    policy.require("student.view_sensitive", student)
    return _recorded(_profile_page(student), "student.viewed", student)


@functools.cache
def _profile_stmts():
    """The record's ledger and its ten latest interventions (as services.visible_interventions selects them
    for staff): plain columns with the names joined, built once with the ids as parameters."""
    from sqlalchemy import or_
    from sqlalchemy.orm import aliased

    from portal.accounts.models import User
    from portal.students.models import Visibility

    decided_by, author = aliased(User), aliased(User)
    claims = (
        select(HardshipClaim.id, HardshipClaim.category, HardshipClaim.level, HardshipClaim.source,
               HardshipClaim.status, HardshipClaim.decided_at, decided_by.display_name.label("decided_by_name"))
        .outerjoin(decided_by, decided_by.id == HardshipClaim.decided_by_id)
        .where(HardshipClaim.student_id == bindparam("student_id")).order_by(HardshipClaim.category)
    )
    interventions = (
        select(Intervention.id, Intervention.type, Intervention.occurred_at, Intervention.channel,
               Intervention.visibility, Intervention.follow_up_on, Intervention.follow_up_done,
               author.display_name.label("author_name"))
        .outerjoin(author, author.id == Intervention.author_id)
        .where(Intervention.student_id == bindparam("student_id"),
               or_(Intervention.visibility != Visibility.PRIVATE, Intervention.author_id == bindparam("viewer_id")))
        .order_by(Intervention.occurred_at.desc(), Intervention.id.desc()).limit(10)
    )
    return claims, interventions


def _profile_page(student: Student, *, claim_form=None, status: int = 200):
    from portal.formutil import choices
    from portal.students.caseload import active_mentors
    from portal.students.forms import AssignForm

    claims_stmt, interventions_stmt = _profile_stmts()
    claims = db.session.execute(claims_stmt, {"student_id": student.id}).all()
    interventions = db.session.execute(
        interventions_stmt, {"student_id": student.id, "viewer_id": current_user.id}
    ).all()
    assign_form = None
    if policy.may(current_user, "caseload.assign"):
        assign_form = AssignForm(formdata=None)
        assign_form.mentor.choices = choices([(str(m.id), f"{m.display_name} ({m.username})") for m in active_mentors()])
    return render_template(
        "students/profile.html",
        student=student,
        claims=claims,
        interventions=interventions,
        claim_form=claim_form or ClaimForm(formdata=None),
        assign_form=assign_form,
        button_form=EmptyForm(formdata=None),
        mentors=sorted(student.assignments, key=lambda a: (a.kind != "primary", a.mentor.display_name)),
        last_contact=max((i.occurred_at for i in interventions), default=None),
        next_appointment=services.next_appointment(student),
        outcome=services.outcome_status(student),
    ), status


@bp.route("/students/<int:student_id>/edit", methods=["GET", "POST"])
@login_required
def edit(student_id: int):
    student = get_student_or_404(student_id)
    policy.require("student.edit", student)
    if request.method == "GET":
        form = RecordForm(formdata=None, obj=student, display_name=student.user.display_name)
        form.national_id.data = ""
        return render_template("students/edit.html", student=student, form=form)
    form = RecordForm()
    if form.validate_on_submit():
        try:
            services.update_record(
                student, actor=current_user, national_id=form.national_id.data or None,
                **{name: getattr(form, name).data for name in services.RECORD_FIELDS},
            )
        except StudentError as error:
            db.session.rollback()
            attach_error(form, error, "display_name")
        else:
            audit.record(current_user, "student.edited", student)
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("students.profile", student_id=student.id))
    return render_template("students/edit.html", student=student, form=form), 400


@bp.post("/students/<int:student_id>/claims")
@login_required
def claim_new(student_id: int):
    student = get_student_or_404(student_id)
    policy.require("ledger.verify", student)
    form = ClaimForm()
    if form.validate_on_submit():
        try:
            claim = services.add_claim(student, actor=current_user, category=form.category.data, source=form.source.data,
                                       level=form.level.data or None, evidence_notes=form.evidence_notes.data)
            db.session.commit()
        except StudentError as error:
            db.session.rollback()
            attach_error(form, error, "category")
            return _profile_page(student, claim_form=form, status=409 if isinstance(error, services.AlreadyExists) else 400)
        except IntegrityError:
            db.session.rollback()
            form.category.errors = [_("This student already has this category in the ledger; open it to verify or update it.")]
            return _profile_page(student, claim_form=form, status=409)
        flash(_("Added to the ledger. It now waits for verification."), "success")
        return redirect(url_for("students.claim", claim_id=claim.id))
    return _profile_page(student, claim_form=form, status=400)


# --- staff: one claim, its evidence and its verification ------------------------------------------

def _claim_page(claim: HardshipClaim, *, verify_form=None, evidence_form=None, status: int = 200):
    items = services.checklist_items(include_inactive=True)
    names = {item.key: services.checklist_label(item) for item in items}
    active = [item for item in items if item.active]
    if verify_form is None:
        verify_form = VerifyForm(formdata=None, level=claim.level or "")
    if evidence_form is None:
        evidence_form = ClaimEvidenceForm(formdata=None, level=claim.level or "", evidence_notes=claim.evidence_notes)
    verify_form.checked.choices = [(item.key, services.checklist_label(item)) for item in active]
    return render_template(
        "students/claim.html", claim=claim, student=claim.student, verify_form=verify_form,
        evidence_form=evidence_form, checklist_names=names,
        history=sorted(claim.verifications, key=lambda v: v.decided_at, reverse=True),
    ), status


@bp.route("/claims/<int:claim_id>")
@login_required
def claim(claim_id: int):
    claim = get_claim_or_404(claim_id)
    policy.require("student.view_sensitive", claim.student)
    return _recorded(_claim_page(claim), "hardship_claim.viewed", claim)


@bp.post("/claims/<int:claim_id>/verify")
@login_required
def claim_verify(claim_id: int):
    claim = get_claim_or_404(claim_id)
    policy.require("ledger.verify", claim.student)
    form = VerifyForm()
    form.checked.choices = [(item.key, item.key) for item in services.checklist_items(include_inactive=True)]
    if form.validate_on_submit():
        try:
            services.verify_claim(claim, actor=current_user, decision=form.decision.data, checked=form.checked.data or [],
                                  note=form.note.data, level=form.level.data or None)
        except StudentError as error:
            db.session.rollback()
            claim = get_claim_or_404(claim_id)
            attach_error(form, error, "decision")
            return _claim_page(claim, verify_form=form, status=400)
        db.session.commit()
        flash(_("Decision recorded."), "success")
        return redirect(url_for("students.claim", claim_id=claim.id))
    return _claim_page(claim, verify_form=form, status=400)


@bp.post("/claims/<int:claim_id>/evidence")
@login_required
def claim_evidence(claim_id: int):
    claim = get_claim_or_404(claim_id)
    policy.require("ledger.verify", claim.student)
    form = ClaimEvidenceForm()
    if form.validate_on_submit():
        try:
            services.update_claim(claim, actor=current_user, level=form.level.data or None, evidence_notes=form.evidence_notes.data)
        except StudentError as error:
            db.session.rollback()
            claim = get_claim_or_404(claim_id)
            attach_error(form, error, "level")
            return _claim_page(claim, evidence_form=form, status=400)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("students.claim", claim_id=claim.id))
    return _claim_page(claim, evidence_form=form, status=400)


# --- interventions ---------------------------------------------------------------------------------

def _intervention_values(form: InterventionForm) -> dict:
    return services.intervention_values(
        type=form.type.data,
        channel=form.channel.data,
        occurred_at=services.local_to_utc(form.occurred_on.data, form.occurred_time.data),
        duration_minutes=form.duration_minutes.data,
        notes=form.notes.data,
        follow_up_on=form.follow_up_on.data,
        visibility=form.visibility.data or None,
    )


@bp.route("/students/<int:student_id>/interventions/new", methods=["GET", "POST"])
@login_required
def intervention_new(student_id: int):
    student = get_student_or_404(student_id)
    policy.require("intervention.log", student)
    form = InterventionForm()
    status = 200
    if request.method == "GET":
        now = services.utcnow().astimezone(services.local_zone())
        form = InterventionForm(formdata=None, occurred_on=now.date(), occurred_time=now.time().replace(second=0, microsecond=0))
    elif form.validate_on_submit():
        try:
            values = _intervention_values(form)
            intervention = services.log_intervention(student, author=current_user, **values)
        except StudentError as error:
            db.session.rollback()
            attach_error(form, error, "type")
            status = 400
        else:
            audit.record(current_user, "intervention.logged", intervention, detail=f"student={student.student_no}")
            db.session.commit()
            flash(_("Intervention logged."), "success")
            return redirect(url_for("students.profile", student_id=student.id))
    else:
        status = 400
    return render_template("students/intervention_form.html", student=student, form=form, intervention=None), status


@bp.route("/interventions/<int:intervention_id>")
@login_required
def intervention(intervention_id: int):
    intervention = get_intervention_or_404(intervention_id)
    policy.require("intervention.view", intervention)
    page = render_template("students/intervention.html", intervention=intervention, student=intervention.student,
                           button_form=EmptyForm(formdata=None))
    if current_user.id == intervention.student.user_id:
        return page
    return _recorded(page, "intervention.viewed", intervention)


@bp.route("/interventions/<int:intervention_id>/edit", methods=["GET", "POST"])
@login_required
def intervention_edit(intervention_id: int):
    intervention = get_intervention_or_404(intervention_id)
    policy.require("intervention.edit", intervention)
    status = 200
    if request.method == "GET":
        local = intervention.occurred_at.astimezone(services.local_zone())
        form = InterventionForm(
            formdata=None, obj=intervention, occurred_on=local.date(), occurred_time=local.time().replace(second=0, microsecond=0),
        )
    else:
        form = InterventionForm()
        if form.validate_on_submit():
            try:
                values = _intervention_values(form)
                if values["visibility"] is None:
                    values["visibility"] = intervention.visibility
                services.edit_intervention(intervention, editor=current_user, **values)
            except StudentError as error:
                db.session.rollback()
                intervention = get_intervention_or_404(intervention_id)
                attach_error(form, error, "type")
                status = 400
            else:
                audit.record(current_user, "intervention.edited", intervention)
                db.session.commit()
                flash(_("Saved. The earlier version is kept in the history."), "success")
                return redirect(url_for("students.intervention", intervention_id=intervention.id))
        else:
            status = 400
    return render_template("students/intervention_form.html", student=intervention.student, form=form,
                           intervention=intervention), status


@bp.post("/interventions/<int:intervention_id>/follow-up-done")
@login_required
def intervention_done(intervention_id: int):
    intervention = get_intervention_or_404(intervention_id)
    policy.require("intervention.follow_up", intervention)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    services.complete_follow_up(intervention, actor=current_user)
    db.session.commit()
    if is_htmx():
        response = make_response(render_template("students/_follow_up.html", intervention=intervention, button_form=EmptyForm(formdata=None)))
        response.vary.add("HX-Request")
        return response
    flash(_("Follow-up marked as done."), "success")
    return redirect(url_for("students.intervention", intervention_id=intervention.id))


# --- the archive, as staff see it -------------------------------------------------------------------

@bp.route("/students/<int:student_id>/archive")
@login_required
def archive_view(student_id: int):
    student = get_student_or_404(student_id, with_mentors=False)
    policy.require("student.view", student)
    if student.user_id == current_user.id:
        return redirect(url_for("students.my_archive"))
    policy.require("student.view_sensitive", student)
    page = render_template("students/archive.html", student=student, entries=archive.timeline(student, current_user),
                           timeline_items=archive.timeline_items_html)
    return _recorded(page, "student.archive_viewed", student)


from portal.students import caseload_routes, ledger_routes  # noqa: E402,F401
