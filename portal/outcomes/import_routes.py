"""Importing destinations from Excel: upload, preview with each row's errors, then all rows or none."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from portal import policy, spreadsheets
from portal.accounts.forms import EmptyForm
from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.outcomes import bp, imports
from portal.outcomes.forms import ImportForm
from portal.outcomes.models import DestinationImport
from portal.outcomes.routes import _field_error, labels


def get_import_or_404(import_id: int) -> DestinationImport:
    record = db.session.get(DestinationImport, import_id)
    if record is None:
        abort(404)
    return record


@bp.route("/destinations/import", methods=["GET", "POST"])
@login_required
def import_destinations():
    policy.require("destinations.import")
    form = ImportForm()
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            record = imports.preview(upload.read(), filename=upload.filename, actor=current_user,
                                     verified=form.verified.data)
            db.session.commit()
        except RuleViolation as error:
            db.session.rollback()
            _field_error(form, error)
            status = error.status
        else:
            return redirect(url_for("outcomes.import_preview", import_id=record.id))
    elif form.is_submitted():
        status = 400
    return render_template("outcomes/import.html", form=form), status


@bp.route("/destinations/import/<int:import_id>")
@login_required
def import_preview(import_id: int):
    policy.require("destinations.import")
    record = get_import_or_404(import_id)
    return _preview_page(record)


def _preview_page(record: DestinationImport, status: int = 200):
    return render_template("outcomes/import_preview.html", record=record, sample=imports.sample(record),
                           errors=record.errors[:500], button=EmptyForm(formdata=None), **labels()), status


@bp.post("/destinations/import/<int:import_id>/apply")
@login_required
def import_apply(import_id: int):
    policy.require("destinations.import")
    record = get_import_or_404(import_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        written = imports.apply(record, actor=current_user)
        db.session.commit()
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error), "error")
        return _preview_page(record, error.status)
    flash(_("%(n)d destinations imported.", n=written), "success")
    return redirect(url_for("outcomes.destinations"))


@bp.post("/destinations/import/<int:import_id>/discard")
@login_required
def import_discard(import_id: int):
    policy.require("destinations.import")
    record = get_import_or_404(import_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        imports.discard(record)
        db.session.commit()
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash(_("The import was discarded; nothing was written."), "success")
    return redirect(url_for("outcomes.import_destinations"))


@bp.route("/destinations/import/template.xlsx")
@login_required
def import_template():
    policy.require("destinations.import")
    return Response(imports.template_workbook(), mimetype=spreadsheets.XLSX_MIMETYPE,
                    headers={"Content-Disposition": "attachment; filename=destinations-template.xlsx"})
