"""Profiles, the student's own pages, a student's record, claims, interventions and the archive."""
from __future__ import annotations

import json
from datetime import datetime

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from portal import audit, policy
from portal.accounts.models import User
from portal.clock import local_to_utc, local_zone
from portal.errors import RuleViolation
from portal.extensions import db
from portal.formutil import choices
from portal.htmx import is_htmx, render
from portal.i18n import gettext as _
from portal.models_base import utcnow
from portal.students import (
    archive,
    assignments,
    bp,
    caseload,
    claims,
    hooks,
    interventions,
    labels,
    profiles,
)
from portal.students.access import signed_in_student
from portal.students.forms import (
    AssignForm,
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
from portal.students.loaders import (
    attach_error,
    get_claim_or_404,
    get_intervention_or_404,
    get_student_or_404,
)
from portal.students.models import HardshipClaim, Intervention, Student, Visibility


@bp.context_processor
def _labels():
    return {"labels": labels, "label": labels.label, "category_label": labels.category_label, "from_iso": _from_iso}


def _from_iso(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def _recorded(page, action: str, target):
    """Write the audit row of a sensitive view once its page is rendered (committing earlier would
    expire what the page shows and load it again row by row)."""
    audit.record_view(current_user, action, target)
    return page


# --- the student's own profile and intentions -------------------------------------------------

def _visible_requests(student: Student) -> list[HardshipClaim]:
    found = db.session.scalars(
        select(HardshipClaim).where(HardshipClaim.student_id == student.id).order_by(HardshipClaim.created_at)
    )
    return [claim for claim in found if claims.claim_visible_to_student(claim)]


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
    student = signed_in_student()
    return _my_profile_page(student)


def _own_card(fragment: str, form_name: str, form, student: Student, *, saved: bool, status: int):
    """After saving a card of the student's own profile: the card alone for htmx (saved, or with the
    form's errors); otherwise back to the profile (302, as the route sweep expects), or the profile
    again with the errors."""
    if is_htmx():
        return render(fragment, fragment, status=status, student=student, saved=saved, **{form_name: form})
    if saved:
        flash(_("Saved."), "success")
        return redirect(url_for("students.my_profile"))
    return _my_profile_page(student, status=status, **{form_name: form})


@bp.post("/me/profile/contact")
@login_required
def my_contact():
    student = signed_in_student()
    form = ContactForm()
    if form.validate_on_submit():
        try:
            profiles.update_contact(student, actor=current_user, phone=form.phone.data, email=form.email.data)
        except RuleViolation as error:
            db.session.rollback()
            attach_error(form, error, "phone")
        else:
            db.session.commit()
            return _own_card("students/_contact.html", "contact_form", _contact_form(student), student, saved=True, status=200)
    return _own_card("students/_contact.html", "contact_form", form, student, saved=False, status=400)


@bp.post("/me/profile/intentions")
@login_required
def my_intentions():
    student = signed_in_student()
    form = IntentionsForm()
    if form.validate_on_submit():
        try:
            profiles.update_intentions(
                student, actor=current_user, regions=form.regions.data or [],
                hospital_levels=form.hospital_levels.data or [], post_types=form.post_types.data or [],
                grassroots_openness=form.grassroots_openness.data, further_study=form.further_study.data,
                standardized_training=form.standardized_training.data, note=form.note.data,
            )
        except RuleViolation as error:
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
    student = signed_in_student()
    form = SupportRequestForm()
    status = 200
    if form.validate_on_submit():
        try:
            claims.self_declare(student, category=form.category.data, note=form.note.data)
        except RuleViolation as error:
            db.session.rollback()
            attach_error(form, error, "category")
            status = error.status
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
    student = signed_in_student()
    return render_template("students/my_archive.html", student=student, entries=archive.timeline(student, current_user))


@bp.route("/me/archive/download")
@login_required
def my_archive_download():
    """Everything the portal holds about the student that they may see: PDF to read, JSON to keep."""
    from portal.students import exports

    student = signed_in_student()
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


def _mentor_choices() -> list:
    """Every active mentor, for assigning one to a student."""
    return choices([(str(m.id), f"{m.display_name} ({m.username})") for m in caseload.active_mentors()])


def _profile_page(student: Student, *, claim_form=None, status: int = 200):
    ledger_rows = db.session.execute(
        select(HardshipClaim.id, HardshipClaim.category, HardshipClaim.level, HardshipClaim.source,
               HardshipClaim.status, HardshipClaim.decided_at, User.display_name.label("decided_by_name"))
        .outerjoin(User, User.id == HardshipClaim.decided_by_id)
        .where(HardshipClaim.student_id == student.id).order_by(HardshipClaim.category)
    ).all()
    # the ten latest interventions, as interventions.visible_interventions selects them for staff
    latest = db.session.execute(
        select(Intervention.id, Intervention.type, Intervention.occurred_at, Intervention.channel,
               Intervention.visibility, Intervention.follow_up_on, Intervention.follow_up_done,
               User.display_name.label("author_name"))
        .outerjoin(User, User.id == Intervention.author_id)
        .where(Intervention.student_id == student.id,
               or_(Intervention.visibility != Visibility.PRIVATE, Intervention.author_id == current_user.id))
        .order_by(Intervention.occurred_at.desc(), Intervention.id.desc()).limit(10)
    ).all()
    assign_form = None
    if policy.may(current_user, "caseload.assign"):
        assign_form = AssignForm(formdata=None)
        assign_form.mentor.choices = _mentor_choices()
    return render_template(
        "students/profile.html",
        student=student,
        claims=ledger_rows,
        interventions=latest,
        claim_form=claim_form or ClaimForm(formdata=None),
        assign_form=assign_form,
        button_form=EmptyForm(formdata=None),
        mentors=sorted(student.assignments, key=lambda a: (a.kind != "primary", a.mentor.display_name)),
        last_contact=max((i.occurred_at for i in latest), default=None),
        next_appointment=hooks.next_appointment(student),
        outcome=hooks.outcome_status(student),
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
            profiles.update_record(
                student, actor=current_user, national_id=form.national_id.data or None,
                **{name: getattr(form, name).data for name in profiles.RECORD_FIELDS},
            )
        except RuleViolation as error:
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
            claim = claims.add_claim(student, actor=current_user, category=form.category.data, source=form.source.data,
                                     level=form.level.data or None, evidence_notes=form.evidence_notes.data)
            db.session.commit()
        except RuleViolation as error:
            db.session.rollback()
            attach_error(form, error, "category")
            return _profile_page(student, claim_form=form, status=error.status)
        except IntegrityError:
            db.session.rollback()
            form.category.errors = [_("This student already has this category in the ledger; open it to verify or update it.")]
            return _profile_page(student, claim_form=form, status=409)
        flash(_("Added to the ledger. It now waits for verification."), "success")
        return redirect(url_for("students.claim", claim_id=claim.id))
    return _profile_page(student, claim_form=form, status=400)


# --- the office: a student's mentors ----------------------------------------------------------------

@bp.post("/students/<int:student_id>/mentors")
@login_required
def assign_one(student_id: int):
    student = get_student_or_404(student_id)
    policy.require("caseload.assign")
    form = AssignForm()
    form.mentor.choices = _mentor_choices()
    if not form.validate_on_submit():
        flash(_("Choose a mentor and how they support the student."), "error")
        return _profile_page(student, status=400)
    mentor = db.session.get(User, int(form.mentor.data))
    try:
        assignments.assign_mentor(student, mentor, kind=form.kind.data, actor=current_user)
        db.session.commit()
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("students.profile", student_id=student.id))
    except IntegrityError:
        db.session.rollback()
        flash(_("Someone else changed these assignments at the same moment. Nothing was saved; please try again."), "error")
        return redirect(url_for("students.profile", student_id=student.id)), 409
    flash(_("%(name)s now supports this student.", name=mentor.display_name), "success")
    return redirect(url_for("students.profile", student_id=student.id))


@bp.post("/students/<int:student_id>/mentors/<int:mentor_id>/remove")
@login_required
def unassign_one(student_id: int, mentor_id: int):
    student = get_student_or_404(student_id)
    policy.require("caseload.assign")
    mentor = db.session.get(User, mentor_id)
    if mentor is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    assignments.unassign(student, mentor, actor=current_user)
    db.session.commit()
    flash(_("%(name)s no longer has this student on their caseload.", name=mentor.display_name), "success")
    return redirect(url_for("students.profile", student_id=student.id))


# --- staff: one claim, its evidence and its verification ------------------------------------------

def _claim_page(claim: HardshipClaim, *, verify_form=None, evidence_form=None, status: int = 200):
    items = claims.checklist_items(include_inactive=True)
    names = {item.key: claims.checklist_label(item) for item in items}
    active = [item for item in items if item.active]
    if verify_form is None:
        verify_form = VerifyForm(formdata=None, level=claim.level or "")
    if evidence_form is None:
        evidence_form = ClaimEvidenceForm(formdata=None, level=claim.level or "", evidence_notes=claim.evidence_notes)
    verify_form.checked.choices = [(item.key, names[item.key]) for item in active]
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
    form.checked.choices = [(item.key, item.key) for item in claims.checklist_items(include_inactive=True)]
    if form.validate_on_submit():
        try:
            claims.verify_claim(claim, actor=current_user, decision=form.decision.data, checked=form.checked.data or [],
                                note=form.note.data, level=form.level.data or None)
        except RuleViolation as error:
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
            claims.update_claim(claim, actor=current_user, level=form.level.data or None,
                                evidence_notes=form.evidence_notes.data)
        except RuleViolation as error:
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
    return interventions.intervention_values(
        type=form.type.data,
        channel=form.channel.data,
        occurred_at=local_to_utc(form.occurred_on.data, form.occurred_time.data),
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
        now = utcnow().astimezone(local_zone())
        form = InterventionForm(formdata=None, occurred_on=now.date(), occurred_time=now.time().replace(second=0, microsecond=0))
    elif form.validate_on_submit():
        try:
            values = _intervention_values(form)
            intervention = interventions.log_intervention(student, author=current_user, **values)
        except RuleViolation as error:
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
        local = intervention.occurred_at.astimezone(local_zone())
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
                interventions.edit_intervention(intervention, editor=current_user, **values)
            except RuleViolation as error:
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
    if not EmptyForm().validate_on_submit():
        abort(400)
    interventions.complete_follow_up(intervention, actor=current_user)
    db.session.commit()
    if is_htmx():
        return render("students/_follow_up.html", "students/_follow_up.html", intervention=intervention,
                      button_form=EmptyForm(formdata=None))
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
    page = render_template("students/archive.html", student=student, entries=archive.timeline(student, current_user))
    return _recorded(page, "student.archive_viewed", student)
