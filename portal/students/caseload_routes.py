"""A mentor's caseload page, and the office's pages for assigning students to mentors."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from portal import audit, policy, settings
from portal.accounts.models import User
from portal.errors import RuleViolation
from portal.extensions import db
from portal.formutil import choices
from portal.htmx import render
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.pagination import paginate
from portal.students import assignments, bp, caseload, ledger
from portal.students.forms import (
    AssignmentFilterForm,
    BulkAssignForm,
    CaseloadFilterForm,
    CaseloadSettingsForm,
)
from portal.students.loaders import form_errors


@bp.route("/caseload")
@login_required
def caseload_page():
    policy.require("caseload.view")
    form = CaseloadFilterForm(request.args)
    valid = form.validate()
    filters = caseload.CaseloadFilters()
    if valid:
        filters = caseload.CaseloadFilters(
            q=form.q.data or None, category=form.category.data or None, status=form.status.data or None,
            priority=form.priority.data or None, kind=form.kind.data or None, attention=form.attention.data or None,
            sort=form.sort.data or "priority",
        )
    page = paginate(caseload.caseload_query(current_user, filters))
    days = caseload.no_contact_days()
    response = render(
        "students/caseload.html", "students/_caseload_results.html", status=200 if valid else 400,
        form=form, page=page, rows=caseload.caseload_rows(current_user, page.items, no_contact=days),
        no_contact_days=days,
    )
    audit.record_view(current_user, "caseload.viewed", target_type="Caseload", detail=f"page={page.page}")
    return response


# --- the office: assigning students to mentors ----------------------------------------------------

def _mentor_choices(blank: str | None = None) -> list:
    """Every active mentor with the size of their caseload, after a blank "any"/"choose" option."""
    # translated once, filled in for each of the 200 mentors
    pattern = _("%(name)s (%(username)s, %(n)d students)")
    pairs = [(str(mentor_id), pattern % {"name": name, "username": username, "n": n})
             for mentor_id, username, name, n in caseload.mentor_loads()]
    first = {"any": [("", _l("Any mentor"))], "choose": [("", _l("Choose a mentor"))]}.get(blank, [])
    return choices(first + pairs)


def _assignment_filters(source) -> tuple[AssignmentFilterForm, caseload.AssignmentFilters, bool]:
    form = AssignmentFilterForm(source)
    options = ledger.filter_choices()
    form.college.choices, form.major.choices = options["colleges"], options["majors"]
    form.mentor_filter.choices = choices([("", _l("Any mentor"))])
    valid = form.validate()
    mentor_id = None
    if valid and form.mentor_filter.data:
        try:
            mentor_id = int(form.mentor_filter.data)
        except ValueError:
            valid = False
    if not valid:
        return form, caseload.AssignmentFilters(), False
    return form, caseload.AssignmentFilters(
        q=form.q.data or None, college=form.college.data or None, major=form.major.data or None,
        class_name=form.class_name.data or None, graduation_year=form.graduation_year.data,
        degree_level=form.degree_level.data or None, mentor_id=mentor_id, unassigned=bool(form.unassigned.data),
        in_ledger=bool(form.in_ledger.data),
    ), True


def _caseloads_page(*, bulk_form=None, settings_form=None, status: int = 200):
    form, filters, valid = _assignment_filters(request.args)
    form.mentor_filter.choices = _mentor_choices("any")
    page = paginate(caseload.assignment_query(filters))
    if bulk_form is None:
        bulk_form = BulkAssignForm(formdata=None)
    bulk_form.mentor.choices = _mentor_choices("choose")
    if settings_form is None:
        settings_form = CaseloadSettingsForm(formdata=None, no_contact_days=caseload.no_contact_days())
    return render(
        "students/caseloads.html", "students/_caseloads_results.html", status=status if valid else 400,
        form=form, page=page, bulk_form=bulk_form, rows=caseload.assignment_rows(page.items),
        settings_form=settings_form,
        # a college's classes to pick from (the whole university's would be hundreds)
        class_names=caseload.class_names(filters.college) if filters.college else [],
    )


@bp.route("/caseloads")
@login_required
def caseloads():
    policy.require("caseload.assign")
    return _caseloads_page()


@bp.post("/caseloads/assign")
@login_required
def caseloads_assign():
    """Assign the ticked students, or every student the filters select, to one mentor."""
    policy.require("caseload.assign")
    form = BulkAssignForm()
    form.mentor.choices = _mentor_choices("choose")
    if not form.validate_on_submit():
        flash(_("Please check the form.") + " " + form_errors(form), "error")
        return _caseloads_page(bulk_form=form, status=400)
    mentor = db.session.get(User, int(form.mentor.data))
    if form.target.data == "filtered":
        filter_form, filters, valid = _assignment_filters(request.form)
        if not valid:
            abort(400)
        if filters == caseload.AssignmentFilters():
            # one click must not hand the whole university to one mentor
            flash(_("Filter the list first (a college, a class…): every student at once cannot be assigned."), "error")
            return _caseloads_page(bulk_form=form, status=400)
        student_ids = caseload.matching_student_ids(filters)
    else:
        try:
            student_ids = [int(i) for i in form.student_ids.data or []]
        except ValueError:
            abort(400)
    try:
        n = assignments.bulk_assign(mentor, student_ids, kind=form.kind.data, actor=current_user)
        db.session.commit()
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error), "error")
        return _caseloads_page(bulk_form=form, status=400)
    except IntegrityError:
        db.session.rollback()
        flash(_("Someone else changed these assignments at the same moment. Nothing was saved; please try again."), "error")
        return _caseloads_page(bulk_form=form, status=409)
    flash(_("%(n)d students assigned to %(name)s.", n=n, name=mentor.display_name), "success")
    keep = {k: v for k, v in request.form.items()
            if k in ("q", "college", "major", "class_name", "graduation_year", "degree_level", "mentor_filter",
                     "unassigned", "in_ledger") and v}
    return redirect(url_for("students.caseloads", **keep))


@bp.post("/caseloads/settings")
@login_required
def caseload_settings():
    policy.require("caseload.assign")
    form = CaseloadSettingsForm()
    if not form.validate_on_submit():
        return _caseloads_page(settings_form=form, status=400)
    settings.put("students.no_contact_days", form.no_contact_days.data, actor=current_user)
    audit.record(current_user, "settings.changed", target_type="Setting", target_id="students.no_contact_days",
                 detail=str(form.no_contact_days.data))
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("students.caseloads"))
