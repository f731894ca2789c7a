"""Pages of the job-seeking subsidy: who is eligible, applications through their steps, the bureau's list, settings."""
from __future__ import annotations

import io
from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal import audit, policy
from portal.cache import cached
from portal.errors import RuleViolation
from portal.extensions import db
from portal.formutil import choices
from portal.htmx import fragment_or_redirect, is_htmx, render
from portal.i18n import gettext as _
from portal.pagination import paginate
from portal.plans import bp, subsidy
from portal.plans.forms import (
    ApplyForm,
    ExportForm,
    RejectForm,
    StepForm,
    SubsidyFilterForm,
    SubsidySettingsForm,
    show_error,
)
from portal.plans.models import SubsidyApplication, SubsidyStep
from portal.plans.routes import get_student_or_404
from portal.students.models import Student


def get_application_or_404(application_id: int) -> SubsidyApplication:
    application = db.session.scalar(
        select(SubsidyApplication).where(SubsidyApplication.id == application_id)
        .options(joinedload(SubsidyApplication.student).joinedload(Student.user),
                 selectinload(SubsidyApplication.steps).joinedload(SubsidyStep.by))
    )
    if application is None:
        abort(404)
    return application


@bp.route("/subsidy/")
@login_required
def subsidy_index():
    policy.require("subsidy.list")
    form = SubsidyFilterForm(request.args)
    if not form.validate():
        abort(400)
    year = form.year.data or subsidy.graduating_year()
    status, q = form.status.data or "", form.q.data
    categories = subsidy.eligible_categories()
    if q:
        total = subsidy.eligible_total(current_user, year=year, categories=categories, status=status, q=q)
    else:
        # counting the eligible class probes thousands of claims and loans on every visit: kept
        # until one of them, the class or an application changes
        total = cached("plans.subsidy_total", lambda: subsidy.eligible_total(
            current_user, year=year, categories=categories, status=status), args=(year, status, tuple(categories)),
            tables=("hardship_claims", "student_loans", "students", "mentor_assignments", "subsidy_applications"))
    page = paginate(subsidy.eligible_list(current_user, year=year, categories=categories, status=status, q=q),
                    total=total)
    ids = [row.id for row in page.items]
    response = render(
        "plans/subsidy_index.html", "plans/_subsidy_rows.html", form=form, page=page, year=year,
        basis=subsidy.eligibility_basis(ids, categories),
        # labels translated once per page, not once per row
        category_labels={key: str(label) for key, label in subsidy.CATEGORY_LABELS.items()},
        step_labels={key: str(label) for key, label in subsidy.STEP_LABELS.items()},
        export_form=ExportForm(formdata=None, year=year), can_manage=policy.may(current_user, "subsidy.manage"),
    )
    # the list shows hardship categories: the view is audited (after rendering, so the rows stay loaded)
    audit.record_view(current_user, "plans.subsidy_list_viewed", target_type="SubsidyList", target_id=year,
                      detail=f"page={page.page} rows={len(ids)}")
    return response


def _apply_form(student: Student, basis: list[str], formdata=True) -> ApplyForm:
    kwargs = {} if formdata else {"formdata": None, "province": subsidy.settings.get("plans.subsidy_province")}
    form = ApplyForm(**kwargs)
    form.category.choices = choices([(c, subsidy.CATEGORY_LABELS.get(c, c)) for c in basis])
    return form


@bp.route("/subsidy/students/<int:student_id>/apply", methods=["GET", "POST"])
@login_required
def subsidy_apply(student_id: int):
    student = get_student_or_404(student_id)
    policy.require("subsidy.apply", student)
    basis = subsidy.eligibility_basis([student.id])[student.id]
    form = _apply_form(student, basis, formdata=request.method == "POST")
    status = 200
    if form.validate_on_submit():
        try:
            application = subsidy.apply(student, actor=current_user, province=form.province.data,
                                        category=form.category.data, amount=form.amount.data, note=form.note.data)
        except RuleViolation as error:
            db.session.rollback()
            if not show_error(form, error):
                flash(str(error), "error")
            status = error.status
        else:
            db.session.commit()
            flash(_("Application recorded. The office checks it next."), "success")
            return redirect(url_for("plans.subsidy_view", application_id=application.id))
    elif request.method == "POST":
        status = 400
    amounts = subsidy.amounts_by_province()
    return render_template(
        "plans/subsidy_apply.html", student=student, form=form, basis=basis, amounts=amounts,
        default_amount=subsidy.default_amount(), category_labels=subsidy.CATEGORY_LABELS,
        existing=subsidy.application_of(student.id, student.graduation_year),
    ), status


def _view_context(application: SubsidyApplication) -> dict:
    next_step = subsidy.next_step(application.status)
    return dict(
        application=application, student=application.student, next_step=next_step,
        step_form=StepForm(formdata=None, expected=application.status),
        reject_form=RejectForm(formdata=None, expected=application.status),
        step_labels=subsidy.STEP_LABELS, category_labels=subsidy.CATEGORY_LABELS,
        can_manage=policy.may(current_user, "subsidy.manage"), steps=subsidy.SUBSIDY_STEPS,
        done_steps={s.step for s in application.steps},
    )


@bp.route("/subsidy/<int:application_id>")
@login_required
def subsidy_view(application_id: int):
    application = get_application_or_404(application_id)
    policy.require("subsidy.apply", application.student)
    response = render("plans/subsidy_view.html", "plans/_subsidy_steps.html", **_view_context(application))
    audit.record_view(current_user, "plans.subsidy_viewed", application.student)
    return response


def _step_answer(application_id: int, message: str, *, ok: bool, status: int = 200):
    """After a step: the steps (htmx) or the application's page; a refused step without htmx shows
    that page again with the message."""
    application = get_application_or_404(application_id)
    if not ok and not is_htmx():
        flash(message, "error")
        return render_template("plans/subsidy_view.html", **_view_context(application)), status
    return fragment_or_redirect("plans/_subsidy_steps.html", url_for("plans.subsidy_view", application_id=application_id),
                                message=message, ok=ok, status=status, redirect_code=302, **_view_context(application))


@bp.post("/subsidy/<int:application_id>/advance")
@login_required
def subsidy_advance(application_id: int):
    policy.require("subsidy.manage")
    application = get_application_or_404(application_id)
    form = StepForm()
    if not form.validate_on_submit():
        return _step_answer(application_id, _("Please reload the page and try again."), ok=False, status=400)
    try:
        subsidy.advance(application, actor=current_user, expected=form.expected.data, note=form.note.data)
    except RuleViolation as error:
        db.session.rollback()
        return _step_answer(application_id, str(error), ok=False, status=error.status)
    db.session.commit()
    return _step_answer(application_id, _("Step recorded: %(step)s.", step=subsidy.STEP_LABELS[application.status]), ok=True)


@bp.post("/subsidy/<int:application_id>/reject")
@login_required
def subsidy_reject(application_id: int):
    policy.require("subsidy.manage")
    application = get_application_or_404(application_id)
    form = RejectForm()
    if not form.validate_on_submit():
        return _step_answer(application_id, _("Give the reason, so the student can be told."), ok=False, status=400)
    try:
        subsidy.reject(application, actor=current_user, expected=form.expected.data, reason=form.reason.data)
    except RuleViolation as error:
        db.session.rollback()
        return _step_answer(application_id, str(error), ok=False, status=error.status)
    db.session.commit()
    return _step_answer(application_id, _("The refusal has been recorded."), ok=True)


@bp.route("/subsidy/export.xlsx")
@login_required
def subsidy_export():
    policy.require("subsidy.manage")
    form = ExportForm(request.args)
    if not form.validate():
        abort(400)
    year = form.year.data or subsidy.graduating_year()
    data, _rows = subsidy.bureau_workbook(year=year, status=form.status.data or "", actor=current_user)
    db.session.commit()
    return send_file(
        io.BytesIO(data), as_attachment=True, download_name=f"job-seeking-subsidy-{year}.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", max_age=0,
    )


@bp.route("/subsidy/settings", methods=["GET", "POST"])
@login_required
def subsidy_settings():
    policy.require("subsidy.manage")
    form = SubsidySettingsForm() if request.method == "POST" else SubsidySettingsForm(
        formdata=None, categories=subsidy.eligible_categories(), default_amount=subsidy.default_amount(),
        amounts="\n".join(f"{p} {a}" for p, a in subsidy.amounts_by_province().items()),
        province=subsidy.settings.get("plans.subsidy_province"),
    )
    form.categories.choices = choices(list(subsidy.CATEGORY_LABELS.items()))
    status = 200
    if form.validate_on_submit():
        try:
            subsidy.save_settings(categories=form.categories.data or [], default_amount_value=Decimal(form.default_amount.data),
                                  amounts_text=form.amounts.data, province=form.province.data, actor=current_user)
        except RuleViolation as error:
            db.session.rollback()
            show_error(form, error)
            status = error.status
        else:
            db.session.commit()
            flash(_("Settings saved."), "success")
            return redirect(url_for("plans.subsidy_settings"))
    elif request.method == "POST":
        status = 400
    return render_template("plans/subsidy_settings.html", form=form), status

