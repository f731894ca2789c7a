"""Roster, certification-list and campus-card imports, and the discreet follow-up pages
(students found on certification lists, hidden-hardship signals from campus-card spending)."""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import quote

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
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal import audit, imports, policy, spreadsheets
from portal.accounts.forms import EmptyForm
from portal.errors import RuleViolation
from portal.extensions import db
from portal.formutil import choices
from portal.htmx import is_htmx, render
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.pagination import paginate
from portal.students import bp, ledger, signals
from portal.students.import_forms import (
    DismissForm,
    FollowUpFilterForm,
    ListUploadForm,
    SignalClaimForm,
    ThresholdsForm,
    UploadForm,
    category_pairs,
)
from portal.students.import_services import KINDS, commit, template_bytes
from portal.students.models import (
    HardshipCategory,
    ImportBatch,
    ListMatch,
    SignalStatus,
    SpendingSignal,
    Student,
)

ACTION_LABELS = {
    "create": _l("New student and account"),
    "update": _l("Updated"),
    "flagged": _l("Flagged for a discreet check"),
    "already_flagged": _l("Already flagged from this list"),
    "in_ledger": _l("Already in the ledger"),
    "pending": _l("Has a claim awaiting verification"),
}
VALUE_LABELS = {
    "male": _l("Male"), "female": _l("Female"), "urban": _l("Urban"), "rural": _l("Rural"),
    "bachelor": _l("Bachelor"), "master": _l("Master"), "doctor": _l("Doctorate"),
}
PROBLEMS_SHOWN = 200  # per kind of problem on a preview page; the CSV has them all
KIND_PATTERN = "<any(roster, list, spending):kind>"


# --- the imports page -------------------------------------------------------------------------------


def _upload_forms(submitted: str | None = None) -> dict:
    """One form per kind; only the submitted one reads the request."""
    def make(kind, form_class):
        if kind == submitted:
            return form_class(prefix=kind)
        return form_class(formdata=None, prefix=kind)

    return {"roster": make("roster", UploadForm), "list": make("list", ListUploadForm),
            "spending": make("spending", UploadForm)}


def _index_page(forms: dict | None = None, *, status: int = 200):
    batches = db.session.scalars(
        select(ImportBatch).options(joinedload(ImportBatch.imported_by))
        .order_by(ImportBatch.imported_at.desc(), ImportBatch.id.desc()).limit(20)
    ).all()
    return render_template(
        "students/imports/index.html", forms=forms or _upload_forms(), kinds=KINDS, batches=batches,
        limits=signals.thresholds(), category_label=signals.category_label,
        open_flags=signals.open_list_match_count(current_user), open_signals=signals.open_signal_count(current_user),
    ), status


@bp.get("/admin/imports/")
@login_required
def imports_index():
    policy.require("imports.manage")
    return _index_page()


@bp.get(f"/admin/imports/{KIND_PATTERN}/template.xlsx")
@login_required
def import_template(kind: str):
    policy.require("imports.manage")
    import_kind = KINDS[kind]
    return send_file(
        io.BytesIO(template_bytes(import_kind)), as_attachment=True,
        download_name=_("%(kind)s template", kind=import_kind.label) + ".xlsx",
        mimetype=spreadsheets.XLSX_MIMETYPE,
    )


@bp.post(f"/admin/imports/{KIND_PATTERN}")
@login_required
def import_upload(kind: str):
    policy.require("imports.manage")
    import_kind = KINDS[kind]
    forms = _upload_forms(submitted=kind)
    form = forms[kind]
    if not form.validate_on_submit():
        return _index_page(forms, status=400)
    upload = form.file.data
    data = upload.read()
    filename = imports.safe_filename(upload.filename)
    options: dict = {}
    if kind == "list":
        options = {"category": form.category.data,
                   "list_name": (form.list_name.data or "").strip() or PurePath(filename).stem[:200]}
    try:
        rows, plan = imports.preview(import_kind, data, options=options)
    except RuleViolation as error:
        db.session.rollback()
        form.file.errors = [*form.file.errors, str(error)]
        audit.record(current_user, "import.refused", target_type="ImportFile",
                     detail=f"kind={kind} file={filename} reason={error}")
        db.session.commit()
        return _index_page(forms, status=400)
    digest = imports.sha256(data)
    staged = imports.stage(
        kind=kind, user_id=current_user.id, filename=filename, sha256=digest, options=options, rows=rows,
        problems=plan.problems, summary={"counts": plan.counts, "details": plan.details},
    )
    audit.record(current_user, "import.previewed", target_type="ImportFile",
                 detail=f"kind={kind} file={filename} sha256={digest[:16]} rows={len(rows)} errors={len(plan.errors)} "
                        + " ".join(f"{k}={v}" for k, v in plan.counts.items()))
    db.session.commit()
    return redirect(url_for("students.import_preview", token=staged.token), 303)


# --- preview, confirm, cancel --------------------------------------------------------------------------


def _staged_or_404(token: str) -> imports.Staged:
    staged = imports.load_staged(token, user_id=current_user.id)
    if staged is None:
        abort(404)
    return staged


def _preview_page(staged: imports.Staged, *, problems: list[imports.Problem] | None = None,
                  counts: dict | None = None, status: int = 200):
    kind = KINDS[staged.kind]
    problems = staged.problem_objects() if problems is None else problems
    counts = staged.summary.get("counts", {}) if counts is None else counts
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    unmatched = [p for p in problems if p.severity == "unmatched"]
    return render_template(
        "students/imports/preview.html", staged=staged, kind=kind, counts=counts,
        summary=kind.describe(counts), errors=errors[:PROBLEMS_SHOWN], error_count=len(errors),
        warnings=warnings[:PROBLEMS_SHOWN], warning_count=len(warnings), unmatched=unmatched[:PROBLEMS_SHOWN],
        unmatched_count=len(unmatched), details=staged.summary.get("details", []),
        can_import=not errors and kind.imported_anything(counts), button_form=EmptyForm(),
        category_label=signals.category_label, action_labels=ACTION_LABELS, value_labels=VALUE_LABELS,
        field_labels={**{c.key: c.label for c in kind.spec.columns}, "name": _l("Name")},
    ), status


@bp.get("/admin/imports/preview/<token>")
@login_required
def import_preview(token: str):
    policy.require("imports.manage")
    return _preview_page(_staged_or_404(token))


@bp.post("/admin/imports/preview/<token>/confirm")
@login_required
def import_confirm(token: str):
    policy.require("imports.manage")
    staged = _staged_or_404(token)
    kind = KINDS[staged.kind]
    if not EmptyForm().validate_on_submit():
        abort(400)
    if staged.has_errors:
        flash(_("The file has errors, so nothing was imported. Correct them and upload the file again."), "error")
        return _preview_page(staged, status=400)
    if not kind.imported_anything(staged.summary.get("counts", {})):
        flash(_("There is nothing to import in this file."), "error")
        return _preview_page(staged, status=400)
    if imports.claim_staged(token, user_id=current_user.id) is None:  # confirmed twice at once: one wins
        abort(404)
    try:
        batch = commit(kind, staged.rows, options=staged.options, actor=current_user,
                       filename=staged.filename, file_sha256=staged.sha256, via="web")
        db.session.commit()
    except imports.RowsRejected as rejected:
        db.session.rollback()
        imports.release(token)
        flash(str(rejected), "error")
        return _preview_page(staged, problems=rejected.plan.problems, counts=rejected.plan.counts, status=409)
    except IntegrityError:
        db.session.rollback()
        imports.release(token)
        flash(_("Someone changed the same records at the same moment; nothing was imported. Please confirm again."), "error")
        return _preview_page(staged, status=409)
    except Exception:
        db.session.rollback()
        imports.release(token)
        raise
    imports.discard(token)
    flash(_("Imported %(file)s: %(summary)s.", file=staged.filename, summary=kind.describe(batch.counts)), "success")
    return redirect(url_for("students.imports_index"), 303)


@bp.post("/admin/imports/preview/<token>/cancel")
@login_required
def import_cancel(token: str):
    policy.require("imports.manage")
    staged = _staged_or_404(token)
    if not EmptyForm().validate_on_submit():
        abort(400)
    imports.discard(staged.token)
    flash(_("The preview was discarded; nothing was imported."), "success")
    return redirect(url_for("students.imports_index"), 303)


@bp.get("/admin/imports/preview/<token>/problems.csv")
@login_required
def import_problems(token: str):
    policy.require("imports.manage")
    staged = _staged_or_404(token)
    labels = {"error": _("Error"), "warning": _("Warning"), "unmatched": _("No match")}
    rows = [(p.row or "", p.column or "", labels.get(p.severity, p.severity), p.message) for p in staged.problem_objects()]
    audit.record(current_user, "import.problems_exported", target_type="ImportFile",
                 detail=f"kind={staged.kind} file={staged.filename} rows={len(rows)}")
    db.session.commit()
    body = spreadsheets.csv_bytes([_("Row"), _("Column"), _("Kind"), _("Problem")], rows)
    response = make_response(body)
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    stem = PurePath(staged.filename).stem
    response.headers["Content-Disposition"] = _attachment(f"{stem}-problems.csv")
    return response


def _attachment(name: str) -> str:
    return f"attachment; filename=\"problems.csv\"; filename*=UTF-8''{quote(name)}"


# --- thresholds of the hidden-hardship signals -------------------------------------------------------


@bp.route("/admin/imports/signal-thresholds", methods=["GET", "POST"])
@login_required
def signal_thresholds():
    policy.require("signals.configure")
    limits = signals.thresholds()
    form = ThresholdsForm(data={"min_meals": limits.min_meals, "max_amount": limits.max_amount, "months": limits.months})
    if form.validate_on_submit():
        result = signals.set_thresholds(min_meals=form.min_meals.data, max_amount=form.max_amount.data,
                                        months=form.months.data, actor=current_user)
        db.session.commit()
        flash(_("Thresholds saved. %(active)d students now meet them; %(new)d new signals.", active=result.active,
                new=result.new), "success")
        return redirect(url_for("students.signal_thresholds"), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("students/imports/thresholds.html", form=form, limits=limits,
                           months=signals.reference_months(limits.months)), status


# --- discreet follow-up: students found on certification lists, and hidden-hardship signals ---------
# The two lists have one shape: filters, a page of rows each offering "open a claim" and "dismiss",
# and the one row htmx swaps in after an action. What differs is described by a FollowUpList.


@dataclass(frozen=True)
class FollowUpList:
    endpoint: str
    statuses: tuple  # the status filter's choices
    default_status: str
    with_category: bool  # the flags can also be filtered by category
    page_template: str
    results_template: str
    row_template: str
    row_name: str  # what the row template calls its row
    audit_action: str
    target_type: str


FLAGS = FollowUpList(
    endpoint="students.list_matches", statuses=tuple(choices([("open", _l("Open flags")), ("resolved", _l("Dealt with"))])),
    default_status="open", with_category=True, page_template="students/imports/list_matches.html",
    results_template="students/imports/_list_matches.html", row_template="students/imports/_match_row.html",
    row_name="match", audit_action="signals.list_matches_viewed", target_type="ListMatch",
)
SIGNALS = FollowUpList(
    endpoint="students.spending_signals",
    statuses=tuple(choices([(SignalStatus.OPEN.value, _l("Open signals")), (SignalStatus.DISMISSED.value, _l("Dismissed"))])),
    default_status=SignalStatus.OPEN.value, with_category=False,
    page_template="students/imports/spending_signals.html", results_template="students/imports/_signals.html",
    row_template="students/imports/_signal_row.html", row_name="signal", audit_action="signals.spending_viewed",
    target_type="SpendingSignal",
)


def _filter_form(statuses) -> FollowUpFilterForm:
    form = FollowUpFilterForm(request.args)
    form.status.choices = statuses
    form.college.choices = ledger.filter_choices()["colleges"]
    if not form.validate():
        abort(400)
    return form


def _row_labels(kind: FollowUpList) -> dict:
    """The words the rows look up, translated once per response rather than once per row."""
    if kind is FLAGS:
        return {
            "category_labels": {category.value: signals.category_label(category) for category in HardshipCategory},
            "matched_by_labels": {key: str(label) for key, label in signals.MATCHED_BY_LABELS.items()},
            "resolution_label": signals.resolution_label,
        }
    return {"category_choices": [(value, str(label)) for value, label in category_pairs()],
            "default_category": HardshipCategory.FINANCIAL_HARDSHIP.value}


PER_PAGE = 50


def _page_number() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def _follow_up_tabs(kind: FollowUpList, shown: dict, total: int) -> dict:
    """The tabs' counts of open rows; a list showing all its open rows has just counted them."""
    all_open = shown["status"] == kind.default_status and not any(v for k, v in shown.items() if k != "status")
    return {
        "open_flags": total if all_open and kind is FLAGS else signals.open_list_match_count(current_user),
        "open_signals": total if all_open and kind is SIGNALS else signals.open_signal_count(current_user),
    }


def _follow_up_page(kind: FollowUpList, *, status_code: int = 200):
    form = _filter_form(kind.statuses)
    status = form.status.data or kind.default_status
    category = (form.category.data or None) if kind.with_category else None
    college = form.college.data or None
    if kind is FLAGS:
        shown = {"status": status, "category": category, "college": college}
        page = paginate(signals.list_matches_stmt(current_user, **shown), per_page=PER_PAGE,
                        count=signals.list_match_count_stmt(current_user, **shown))
        extra = {}
    else:
        shown = {"status": status, "college": college}
        page = paginate(signals.signals_stmt(current_user, **shown, upto=_page_number() * PER_PAGE), per_page=PER_PAGE,
                        count=signals.signal_count_stmt(current_user, **shown))
        limits = signals.thresholds()
        extra = {"limits": limits, "months": signals.reference_months(limits.months)}
    shown_filters = f"category={category or ''} " if kind.with_category else ""
    response = render(kind.page_template, kind.results_template, status=status_code, form=form, page=page,
                      shown_status=status, **extra, **_row_labels(kind), **_follow_up_tabs(kind, shown, page.total))
    audit.record_view(current_user, kind.audit_action, target_type=kind.target_type,
                      detail=f"status={status} {shown_filters}college={college or ''} page={page.page} "
                             f"shown={len(page.items)} total={page.total}")
    return response


def _row_answer(kind: FollowUpList, row_id: int, message: str, *, ok: bool, status: int = 200):
    """After an action: the row alone for htmx, else the list again (with the message flashed)."""
    if is_htmx():
        row = signals.list_match_row(row_id) if kind is FLAGS else signals.signal_row(row_id)
        if row is None:
            abort(404)
        response = make_response(render_template(
            kind.row_template, row_message=message, row_ok=ok, **{kind.row_name: row}, **_row_labels(kind),
        ), status)
        response.vary.add("HX-Request")
        return response
    flash(message, "success" if ok else "error")
    if ok:
        return redirect(url_for(kind.endpoint), 303)
    return _follow_up_page(kind, status_code=status)


def _claim_answer(kind: FollowUpList, row_id: int, form, open_claim):
    """Open a claim for verification from a row (open_claim() does it), and answer with the row."""
    if not form.validate_on_submit():
        return _row_answer(kind, row_id, _("Please reload the page and try again."), ok=False, status=400)
    try:
        open_claim()
        db.session.commit()
    except RuleViolation as error:
        db.session.rollback()
        return _row_answer(kind, row_id, str(error), ok=False, status=error.status)
    except IntegrityError:
        db.session.rollback()
        return _row_answer(kind, row_id, _("The student already has this category in the ledger."), ok=False,
                           status=409)
    return _row_answer(kind, row_id, _("A claim was opened; it waits for verification in the ledger."), ok=True)


def _dismiss_answer(kind: FollowUpList, row_id: int, dismiss):
    """Dismiss a row with the reason given (dismiss(reason) does it), and answer with the row."""
    form = DismissForm()
    if not form.validate_on_submit():
        message = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return _row_answer(kind, row_id, message or _("Say why."), ok=False, status=400)
    try:
        dismiss(form.reason.data)
        db.session.commit()
    except RuleViolation as error:
        db.session.rollback()
        return _row_answer(kind, row_id, str(error), ok=False, status=error.status)
    return _row_answer(kind, row_id, _("Saved."), ok=True)


def _followed_up_or_404(model, row_id: int):
    """A list flag or a spending signal, with its student and their account (the policy looks at both)."""
    row = db.session.scalar(
        select(model).where(model.id == row_id).options(joinedload(model.student).joinedload(Student.user))
    )
    if row is None:
        abort(404)
    return row


@bp.get("/follow-up/lists")
@login_required
def list_matches():
    policy.require("signals.view")
    return _follow_up_page(FLAGS)


@bp.post("/follow-up/lists/<int:match_id>/claim")
@login_required
def list_match_claim(match_id: int):
    match = _followed_up_or_404(ListMatch, match_id)
    policy.require("signals.act", match)
    return _claim_answer(FLAGS, match_id, EmptyForm(),
                         lambda: signals.open_claim_from_list_match(match, actor=current_user))


@bp.post("/follow-up/lists/<int:match_id>/dismiss")
@login_required
def list_match_dismiss(match_id: int):
    match = _followed_up_or_404(ListMatch, match_id)
    policy.require("signals.act", match)
    return _dismiss_answer(FLAGS, match_id,
                           lambda reason: signals.dismiss_list_match(match, actor=current_user, reason=reason))


@bp.get("/follow-up/spending")
@login_required
def spending_signals():
    policy.require("signals.view")
    return _follow_up_page(SIGNALS)


@bp.post("/follow-up/spending/<int:signal_id>/claim")
@login_required
def spending_signal_claim(signal_id: int):
    signal = _followed_up_or_404(SpendingSignal, signal_id)
    policy.require("signals.act", signal)
    form = SignalClaimForm()
    category = form.category.data or HardshipCategory.FINANCIAL_HARDSHIP.value
    return _claim_answer(SIGNALS, signal_id, form,
                         lambda: signals.open_claim_from_signal(signal, actor=current_user, category=category))


@bp.post("/follow-up/spending/<int:signal_id>/dismiss")
@login_required
def spending_signal_dismiss(signal_id: int):
    signal = _followed_up_or_404(SpendingSignal, signal_id)
    policy.require("signals.act", signal)
    return _dismiss_answer(SIGNALS, signal_id,
                           lambda reason: signals.dismiss_signal(signal, actor=current_user, reason=reason))
