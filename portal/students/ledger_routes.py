"""The ledger page, its Excel export, and the office's verification checklist."""
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
from portal.cache import cached
from portal.clock import local_zone
from portal.errors import RuleViolation
from portal.extensions import db
from portal.htmx import render
from portal.i18n import gettext as _
from portal.models_base import utcnow
from portal.students import bp, claims, ledger
from portal.students.forms import ChecklistItemForm, EmptyForm, LedgerFilterForm
from portal.students.loaders import attach_error
from portal.students.models import ChecklistItem


def _filters() -> tuple[LedgerFilterForm, ledger.LedgerFilters, bool]:
    form = LedgerFilterForm(request.args)
    options = ledger.filter_choices()
    form.college.choices, form.major.choices = options["colleges"], options["majors"]
    valid = form.validate()
    if not valid:
        return form, ledger.LedgerFilters(), False
    filters = ledger.LedgerFilters(
        category=form.category.data or None, status=form.status.data or None, source=form.source.data or None,
        college=form.college.data or None, major=form.major.data or None, cohort=form.cohort.data,
        graduation_year=form.graduation_year.data, q=form.q.data or None, sort=form.sort.data or "student_no",
    )
    return form, filters, True


@bp.route("/ledger")
@login_required
def ledger_page():
    policy.require("ledger.view")
    form, filters, valid = _filters()
    page = ledger.ledger_page(current_user, filters, page=request.args.get("page", 1, type=int) or 1)
    # a few figures drawn from every claim in scope, on every view: kept until the ledger changes
    counts = cached("ledger.category_counts", lambda: ledger.category_counts(current_user, filters),
                    tables=ledger.COUNTED_TABLES, args=filters.student_filters())
    rows = ledger.labelled(page.items)
    export_args = {k: v for k, v in request.args.items() if k != "page" and v}
    response = render(
        "students/ledger.html", "students/_ledger_results.html", status=200 if valid else 400,
        form=form, page=page, rows=rows, counts=counts, export_args=export_args,
        may_configure=policy.may(current_user, "ledger.configure"),
    )
    # recorded once the page is rendered: committing earlier would expire the rows it shows
    audit.record_view(current_user, "ledger.viewed", target_type="Ledger",
                      detail=f"{filters.describe()} page={page.page}".strip())
    return response


@bp.route("/ledger/export")
@login_required
def ledger_export():
    policy.require("ledger.export")
    form, filters, valid = _filters()
    if not valid:
        abort(400)
    data, count = ledger.export_ledger(current_user, filters)
    audit.record(current_user, "ledger.exported", target_type="Ledger", detail=f"{filters.describe()} rows={count}".strip())
    db.session.commit()
    response = make_response(data)
    response.mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    stamp = utcnow().astimezone(local_zone()).strftime("%Y%m%d-%H%M")
    response.headers["Content-Disposition"] = f'attachment; filename="ledger-{stamp}.xlsx"'
    return response


# --- the verification checklist --------------------------------------------------------------------

def get_item_or_404(item_id: int) -> ChecklistItem:
    item = db.session.get(ChecklistItem, item_id)
    if item is None:
        abort(404)
    return item


def _checklist_page(*, add_form=None, edit_forms=None, status: int = 200):
    if claims.ensure_default_checklist():
        db.session.commit()
    items = claims.checklist_items(include_inactive=True)
    forms = {item.id: ChecklistItemForm(formdata=None, prefix=f"item{item.id}", obj=item) for item in items}
    forms.update(edit_forms or {})
    return render_template(
        "students/checklist.html", items=items, forms=forms, add_form=add_form or ChecklistItemForm(formdata=None, prefix="new"),
        button_form=EmptyForm(formdata=None),
    ), status


@bp.route("/ledger/checklist")
@login_required
def checklist():
    policy.require("ledger.configure")
    return _checklist_page()


@bp.post("/ledger/checklist")
@login_required
def checklist_add():
    policy.require("ledger.configure")
    form = ChecklistItemForm(prefix="new")
    if form.validate_on_submit():
        try:
            claims.add_checklist_item(label_zh=form.label_zh.data, label_en=form.label_en.data, actor=current_user)
        except RuleViolation as error:
            db.session.rollback()
            attach_error(form, error, "label_zh")
            return _checklist_page(add_form=form, status=400)
        db.session.commit()
        flash(_("Checklist item added."), "success")
        return redirect(url_for("students.checklist"))
    return _checklist_page(add_form=form, status=400)


@bp.post("/ledger/checklist/<int:item_id>")
@login_required
def checklist_update(item_id: int):
    policy.require("ledger.configure")
    item = get_item_or_404(item_id)
    form = ChecklistItemForm(prefix=f"item{item.id}")
    if form.validate_on_submit():
        try:
            claims.rename_checklist_item(item, label_zh=form.label_zh.data, label_en=form.label_en.data, actor=current_user)
        except RuleViolation as error:
            db.session.rollback()
            attach_error(form, error, "label_zh")
            return _checklist_page(edit_forms={item_id: form}, status=400)
        db.session.commit()
        flash(_("Checklist item renamed."), "success")
        return redirect(url_for("students.checklist"))
    return _checklist_page(edit_forms={item_id: form}, status=400)


@bp.post("/ledger/checklist/<int:item_id>/toggle")
@login_required
def checklist_toggle(item_id: int):
    policy.require("ledger.configure")
    item = get_item_or_404(item_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    claims.set_checklist_item_active(item, not item.active, actor=current_user)
    db.session.commit()
    flash(_("The item is in use again.") if item.active else _("The item is no longer offered; past checks keep it."), "success")
    return redirect(url_for("students.checklist"))


@bp.post("/ledger/checklist/<int:item_id>/move")
@login_required
def checklist_move(item_id: int):
    policy.require("ledger.configure")
    item = get_item_or_404(item_id)
    direction = request.args.get("direction") or request.form.get("direction")
    if direction not in ("up", "down") or not EmptyForm().validate_on_submit():
        abort(400)
    claims.move_checklist_item(item, direction)
    db.session.commit()
    return redirect(url_for("students.checklist"))

