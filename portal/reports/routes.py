"""The analysis dashboard, the report downloads and the settings that define the figures."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from portal import audit, policy, settings
from portal.accounts.models import Role
from portal.cache import cached
from portal.extensions import db
from portal.htmx import render
from portal.i18n import gettext as _
from portal.outcomes import categories as cat
from portal.outcomes.rates import Scope, season_year
from portal.reports import bp, documents, present, stats
from portal.reports.forms import DashboardFilterForm, ExportForm, FigureSettingsForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _scope_and_form():
    form = DashboardFilterForm(request.args)
    is_admin = current_user.role == Role.ADMIN
    mentor_id = None if is_admin else current_user.id
    years, colleges, mentors = stats.filter_choices(mentor_id)
    form.year.choices = [(y, _("Class of %(year)d", year=y)) for y in years]
    if is_admin:
        form.college.choices = [("", _("All colleges"))] + [(c, c) for c in colleges]
        form.mentor.choices = [("", _("Every graduate"))] + [(str(i), n) for i, n in mentors]
    if not form.validate():
        abort(400)
    year = form.year.data or (season_year() if season_year() in years or not years else years[0])
    form.year.data = year
    college = (form.college.data or None) if is_admin else None
    if is_admin and (form.mentor.data or "").isdigit():
        mentor_id = int(form.mentor.data)
    return Scope(mentor_id=mentor_id, college=college), year, form


@bp.route("/")
@login_required
def dashboard():
    policy.require("reports.dashboard")
    scope, year, form = _scope_and_form()
    return render("reports/dashboard.html", "reports/_dashboard_body.html", form=form,
                  caseload=current_user.role == Role.MENTOR, body=_figures(scope, year))


def _figures(scope: Scope, year: int) -> Markup:
    """The figures' sections, charts and tables in the reader's language. Computing them reads every
    graduate of the class some twenty times and drawing the charts is most of the rest of the page,
    so the rendered figures are kept until the data they come from changes."""
    def build() -> str:
        figures = stats.compute(scope, year)
        fmt = present.Fmt(suppress=False)
        return render_template(
            "reports/_figures.html", year=figures.year, key_figures=present.key_figures(figures, fmt),
            sections=present.sections(figures, fmt), definitions=present.definitions(figures),
            series=present.series_names(), computed_at=figures.computed_at,
        )
    return Markup(cached("reports.figures", build, tables=stats.FIGURE_TABLES, args=(scope, year)))


@bp.route("/exports", methods=["GET", "POST"])
@login_required
def exports():
    policy.require("reports.export")
    form = FigureSettingsForm()
    status = 200
    if request.method == "POST":
        policy.require("reports.configure")
        if form.validate_on_submit():
            settings.put("outcomes.placed_categories", list(form.placed_categories.data or []), actor=current_user)
            settings.put("outcomes.residency_code", form.residency_code.data, actor=current_user)
            settings.put("outcomes.min_group_size", form.min_group_size.data, actor=current_user)
            settings.put("outcomes.survey_batch", form.survey_batch.data, actor=current_user)
            audit.record(current_user, "reports.settings_changed", target_type="Setting",
                         detail="placed=" + ",".join(form.placed_categories.data or []))
            db.session.commit()
            flash(_("Settings saved. Every figure now uses them."), "success")
            return redirect(url_for("reports.exports"))
        status = 400
    else:
        form.placed_categories.data = list(settings.get("outcomes.placed_categories"))
        form.residency_code.data = settings.get("outcomes.residency_code")
        form.min_group_size.data = settings.get("outcomes.min_group_size")
        form.survey_batch.data = settings.get("outcomes.survey_batch")
    years = stats.filter_choices(None)[0]
    return render_template("reports/exports.html", form=form, years=years, default_year=season_year() - 1,
                           codes=[(c.code, c.label) for c in cat.CATEGORIES]), status


def _export_args() -> tuple[int, str]:
    form = ExportForm(request.args)
    if not form.validate():
        abort(400)
    return form.year.data, form.lang.data


@bp.route("/cohort.pdf")
@login_required
def cohort_pdf():
    policy.require("reports.export")
    year, lang = _export_args()
    pdf = documents.cohort_pdf(year, lang=lang)
    audit.record(current_user, "report.cohort_pdf", target_type="Cohort", target_id=year, detail=f"lang={lang}")
    db.session.commit()
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename=cohort-{year}-{lang}.pdf"})


@bp.route("/cohort.xlsx")
@login_required
def cohort_xlsx():
    policy.require("reports.export")
    year, lang = _export_args()
    data = documents.cohort_workbook(year, lang=lang)
    audit.record(current_user, "report.cohort_xlsx", target_type="Cohort", target_id=year,
                 detail=f"lang={lang}: every graduate's verified hardship categories and destination")
    db.session.commit()
    return Response(data, mimetype=XLSX,
                    headers={"Content-Disposition": f"attachment; filename=cohort-{year}-{lang}.xlsx"})
