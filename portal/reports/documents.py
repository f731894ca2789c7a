"""The cohort employment report as a PDF (WeasyPrint) and the workbook of the ledger and destinations
(openpyxl, write-only), in Chinese or English, with small groups suppressed in every aggregate."""
from __future__ import annotations

import time
from dataclasses import dataclass

from flask_babel import force_locale
from sqlalchemy import and_, select

from portal.accounts.models import User
from portal.extensions import db
from portal.i18n import gettext as _
from portal.models_base import utcnow
from portal.outcomes import categories as cat
from portal.outcomes import surveys as survey_service
from portal.outcomes.models import Destination, Survey
from portal.outcomes.rates import Scope
from portal.outcomes.feedback import feedback_summary
from portal.reports import present, stats
from portal.students.models import ClaimStatus, HardshipClaim, MentorAssignment, Student
from portal.templating import DEGREE_LABELS

LANGUAGES = ("zh", "en")


@dataclass
class Timing:
    figures_s: float = 0.0
    render_s: float = 0.0


def _survey_summaries(year: int, minimum: int) -> list[dict]:
    """Rating questions of this class's surveys (and surveys for every class), only when enough answered."""
    found = []
    for survey in db.session.scalars(
        select(Survey).where(Survey.status != "draft", (Survey.graduation_year == year) | Survey.graduation_year.is_(None))
        .order_by(Survey.opened_at)
    ):
        results = survey_service.results(survey)
        questions = [
            (r.question["text"], r.mean, r.answered) for r in results.questions
            if r.question["kind"] == "rating" and r.answered >= minimum
        ]
        found.append({"title": survey.title, "responses": results.responses, "shown": results.shown,
                      "questions": questions})
    return found


def cohort_context(year: int, *, scope: Scope | None = None) -> dict:
    """Everything the report shows, in the current language, suppressed for export."""
    scope = scope or Scope()
    figures = stats.compute(scope, year)
    fmt = present.Fmt(suppress=True)
    class_students = Scope(years=(year,), mentor_id=scope.mentor_id).student_ids_select()
    feedback = [(label, n, mean) for _type, _kind, label, n, mean, _good in feedback_summary(None, students=class_students)
                if n >= fmt.minimum]
    return {
        "year": year,
        "figures": figures,
        "fmt": fmt,
        "key_figures": present.key_figures(figures, fmt),
        "sections": present.sections(figures, fmt),
        "definitions": present.definitions(figures),
        "series": present.series_names(),
        "surveys": _survey_summaries(year, fmt.minimum),
        "feedback": feedback,
        "generated_at": utcnow(),
        "minimum": fmt.minimum,
    }


def cohort_pdf(year: int, *, lang: str = "zh", scope: Scope | None = None, timing: Timing | None = None) -> bytes:
    from portal.pdf import render_pdf

    with force_locale(lang):
        start = time.perf_counter()
        context = cohort_context(year, scope=scope)
        middle = time.perf_counter()
        pdf = render_pdf("pdf/report_cohort.html", lang=lang, **context)
        if timing is not None:
            timing.figures_s = middle - start
            timing.render_s = time.perf_counter() - middle
        return pdf


# --- the workbook ----------------------------------------------------------------------------------

def cohort_workbook(year: int, *, lang: str = "zh") -> bytes:
    """Summary (suppressed aggregates), one row per graduate of the class (their verified hardship
    categories and current destination), every destination record, and the list of codes."""
    from portal import spreadsheets

    with force_locale(lang):
        context = cohort_context(year)

        summary = [
            [_("Employment outcomes of the class of %(year)d", year=year)],
            [context["definitions"]],
            [_("Groups of fewer than %(n)d graduates are shown as <%(n)d.", n=context["minimum"])],
            [],
            ["", context["series"][0], context["series"][1]],
        ]
        for label, everyone, group in context["key_figures"]:
            summary.append([label, everyone, group])
        for section in context["sections"]:
            summary.append([])
            summary.append([section.title])
            summary.append(list(section.headers))
            summary += [list(row) for row in section.rows]

        headers = [
            _("Student number"), _("Name"), _("College"), _("Major"), _("Degree"), _("Class"), _("Home province"),
            _("Disadvantaged group"), _("Verified hardship categories"), _("Primary mentor"),
            _("Destination code"), _("Destination"), _("Employer or school"), _("Unit nature"), _("Industry"),
            _("Hospital level"), _("Post type"), _("Province"), _("City"), _("Country or region"), _("Grassroots post"),
            _("Relation to major"), _("Monthly salary"), _("Date settled"), _("Source"), _("Confirmed"),
        ]
        claims: dict[int, list[str]] = {}
        for student_id, category in db.session.execute(
            select(HardshipClaim.student_id, HardshipClaim.category)
            .join(Student, Student.id == HardshipClaim.student_id)
            .where(Student.graduation_year == year, HardshipClaim.status == ClaimStatus.VERIFIED)
        ):
            claims.setdefault(student_id, []).append(str(present.HARDSHIP_LABELS.get(category, category)))
        mentors = dict(db.session.execute(
            select(MentorAssignment.student_id, User.display_name).join(User, User.id == MentorAssignment.mentor_id)
            .join(Student, Student.id == MentorAssignment.student_id)
            .where(Student.graduation_year == year, MentorAssignment.kind == "primary")
        ).all())
        labels = {
            "category": {k: str(v) for k, v in cat.CATEGORY_LABELS.items()},
            "unit": {k: str(v) for k, v in cat.UNIT_NATURE_LABELS.items()},
            "industry": {k: str(v) for k, v in cat.INDUSTRY_LABELS.items()},
            "level": {k: str(v) for k, v in cat.HOSPITAL_LEVEL_LABELS.items()},
            "post": {k: str(v) for k, v in cat.POST_TYPE_LABELS.items()},
            "relation": {k: str(v) for k, v in cat.RELATION_LABELS.items()},
            "salary": {k: str(v) for k, v in cat.SALARY_LABELS.items()},
            "source": {k: str(v) for k, v in cat.SOURCE_LABELS.items()},
            "degree": {k: str(v) for k, v in DEGREE_LABELS.items()},
        }
        yes, no = _("yes"), _("no")
        residency_code = str(_residency_code())
        D = Destination
        rows = db.session.execute(
            select(Student.id, Student.student_no, User.display_name, Student.college, Student.major, Student.degree_level,
                   Student.graduation_year, Student.home_province, D.category, D.employer, D.unit_nature, D.industry,
                   D.hospital_level, D.post_type, D.province, D.city, D.country, D.grassroots, D.relation_to_major,
                   D.salary_band, D.decided_on, D.source, D.verified)
            .join(User, User.id == Student.user_id)
            .outerjoin(D, and_(D.student_id == Student.id, D.is_current == True))  # noqa: E712
            .where(Student.graduation_year == year)
            .order_by(Student.student_no)
        )
        graduates = []
        for r in rows:
            (sid, no_, name, college, major, degree, grad, home, category, employer, unit, industry, level, post,
             province, city, country, grassroots, relation, salary, decided, source, verified) = r
            code = (residency_code if category == "residency" else cat.BY_KEY[category].code) if category in cat.BY_KEY else ""
            graduates.append((
                no_, name, college, major, labels["degree"].get(degree, degree), grad, home,
                yes if sid in claims else no, "、".join(claims.get(sid, [])), mentors.get(sid, ""),
                code, labels["category"].get(category, category or ""), employer,
                labels["unit"].get(unit, unit), labels["industry"].get(industry, industry),
                labels["level"].get(level, level), labels["post"].get(post, post), province, city, country,
                (yes if grassroots else no) if category else "", labels["relation"].get(relation, relation),
                labels["salary"].get(salary, salary), decided.isoformat() if decided else "",
                labels["source"].get(source, source or ""), (yes if verified else no) if category else "",
            ))

        history = []
        for no_, recorded, category, employer, source, verified, current in db.session.execute(
            select(Student.student_no, D.recorded_at, D.category, D.employer, D.source, D.verified, D.is_current)
            .join(Student, Student.id == D.student_id).where(Student.graduation_year == year)
            .order_by(Student.student_no, D.recorded_at)
        ):
            code = (residency_code if category == "residency" else cat.BY_KEY[category].code) if category in cat.BY_KEY else ""
            history.append((
                no_, recorded.strftime("%Y-%m-%d %H:%M") + " UTC", code, labels["category"].get(category, category),
                employer, labels["source"].get(source, source), yes if verified else no, yes if current else no))

        placed = context["figures"].placed_categories
        codes = [(residency_code if c.key == "residency" else c.code, cat.CATEGORY_ZH[c.key], str(c.label),
                  yes if c.key in placed else no) for c in cat.CATEGORIES]
        return spreadsheets.workbook(
            spreadsheets.Sheet(_("Summary"), summary),
            spreadsheets.Sheet(_("Graduates"), graduates, header=headers),
            spreadsheets.Sheet(_("Destination records"), history, header=(
                _("Student number"), _("Recorded"), _("Destination code"), _("Destination"), _("Employer or school"),
                _("Source"), _("Confirmed"), _("Current"))),
            spreadsheets.Sheet(_("Destination codes"), codes,
                               header=(_("Code"), "毕业去向", _("Destination"), _("Counts towards the rate"))),
        )


def _residency_code() -> str:
    from portal import settings

    return settings.get("outcomes.residency_code")

