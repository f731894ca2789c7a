"""Money for the job search: eligibility for the one-off job-seeking subsidy (一次性求职创业补贴),
applications through their steps, the bureau's list, student loans, and other help given."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from decimal import Decimal, InvalidOperation

from sqlalchemy import Select, false, func, literal, or_, select, union, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from portal import audit, notifications, settings
from portal.accounts.models import User
from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models_base import utcnow
from portal.plans.models import (
    SUBSIDY_STEPS,
    HelpGiven,
    HelpKind,
    StudentLoan,
    SubsidyApplication,
    SubsidyStatus,
    SubsidyStep,
)
from portal.plans.services import today
from portal.sanitize import plain_to_html
from portal.students.access import caseload_student_ids
from portal.students.models import ClaimStatus, HardshipCategory, HardshipClaim, Student
from portal.students.services import log_intervention

STUDENT_LOAN = "student_loan"

settings.declare("plans.subsidy_categories", [
    HardshipCategory.LOW_INCOME_GUARANTEE.value,
    HardshipCategory.POVERTY_ALLEVIATED.value,
    HardshipCategory.EXTREME_POVERTY_SUPPORT.value,
    HardshipCategory.DISABLED.value,
    HardshipCategory.ORPHAN.value,
    STUDENT_LOAN,
])
# yuan per province where the application is made; provinces not listed get the default amount
settings.declare("plans.subsidy_amounts", {})
settings.declare("plans.subsidy_default_amount", "1000")
# the province of the school's local bureau, proposed for new applications
settings.declare("plans.subsidy_province", "")

notifications.kind("plans.subsidy_step", _l("Your job-seeking subsidy application has moved to a new step."))

CATEGORY_LABELS = {
    HardshipCategory.POVERTY_ALLEVIATED.value: _l("Family lifted out of poverty (formerly registered poor)"),
    HardshipCategory.LOW_INCOME_GUARANTEE.value: _l("Minimum living allowance (低保)"),
    HardshipCategory.ZERO_EMPLOYMENT_FAMILY.value: _l("Zero-employment family"),
    HardshipCategory.DISABLED.value: _l("Disability"),
    HardshipCategory.ORPHAN.value: _l("Orphan or without de-facto guardian"),
    HardshipCategory.EXTREME_POVERTY_SUPPORT.value: _l("Extreme-poverty support (特困供养)"),
    HardshipCategory.LOW_INCOME_FAMILY.value: _l("Low-income family"),
    HardshipCategory.FINANCIAL_HARDSHIP.value: _l("Family financial hardship"),
    HardshipCategory.OTHER.value: _l("Other hardship"),
    STUDENT_LOAN: _l("National student loan holder"),
}

STEP_LABELS = {
    SubsidyStatus.APPLIED.value: _l("Applied"),
    SubsidyStatus.SCHOOL_CHECKED.value: _l("Checked by the school"),
    SubsidyStatus.PUBLICLY_LISTED.value: _l("Publicly listed"),
    SubsidyStatus.APPROVED.value: _l("Approved by the local bureau"),
    SubsidyStatus.PAID.value: _l("Paid"),
    SubsidyStatus.REJECTED.value: _l("Not granted"),
}

LOAN_KINDS = {
    "campus": _l("Campus-based national student loan"),
    "home": _l("Home-town credit student loan"),
}

HELP_LABELS = {
    HelpKind.TRAVEL.value: _l("Travel and lodging for interviews"),
    HelpKind.PRINTING.value: _l("Free printing"),
    HelpKind.CLOTHING.value: _l("Interview clothing"),
    HelpKind.OTHER.value: _l("Other help"),
}


# --- settings ------------------------------------------------------------------------------

def eligible_categories() -> list[str]:
    return list(settings.get("plans.subsidy_categories"))


def amounts_by_province() -> dict[str, str]:
    return dict(settings.get("plans.subsidy_amounts"))


def default_amount() -> Decimal:
    return Decimal(str(settings.get("plans.subsidy_default_amount")))


def amount_for(province: str) -> Decimal:
    value = amounts_by_province().get(province)
    return Decimal(str(value)) if value is not None else default_amount()


def graduating_year(on: date | None = None) -> int:
    """The class the office is placing now: this year's until August, next year's from September."""
    on = on or today()
    return on.year if on.month <= 8 else on.year + 1


def parse_amounts(text: str | None) -> dict[str, str]:
    """`province amount` per line, e.g. `湖北 1500`."""
    amounts: dict[str, str] = {}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip().replace("\t", " ")
        if not line:
            continue
        parts = line.rsplit(None, 1)
        if len(parts) != 2:
            raise RuleViolation(_("Line %(n)d: write the province, a space and the amount in yuan.", n=number), field="amounts")
        province, amount = parts[0].strip(), parts[1]
        try:
            value = Decimal(amount)
        except InvalidOperation:
            value = Decimal(-1)
        if value < 0 or value > 100000 or value != value.quantize(Decimal("0.01")):
            raise RuleViolation(_("Line %(n)d: the amount must be a number of yuan.", n=number), field="amounts")
        amounts[province[:32]] = str(value.quantize(Decimal("1")) if value == value.to_integral() else value)
    return amounts


def save_settings(*, categories: list[str], default_amount_value: Decimal, amounts_text: str | None,
                  province: str | None, actor) -> None:
    known = set(CATEGORY_LABELS)
    if any(c not in known for c in categories):
        raise RuleViolation(_("Choose among the listed categories."), field="categories")
    amounts = parse_amounts(amounts_text)
    settings.put("plans.subsidy_categories", list(categories), actor=actor)
    settings.put("plans.subsidy_amounts", amounts, actor=actor)
    settings.put("plans.subsidy_default_amount", str(default_amount_value), actor=actor)
    settings.put("plans.subsidy_province", (province or "").strip(), actor=actor)
    audit.record(actor, "plans.subsidy_settings_changed", detail=f"categories={','.join(categories)}")
    db.session.flush()


# --- eligibility ---------------------------------------------------------------------------

def eligibility_basis(student_ids: list[int], categories: list[str] | None = None) -> dict[int, list[str]]:
    """Each student's eligible bases, in the order of the settings (one query)."""
    categories = eligible_categories() if categories is None else categories
    basis: dict[int, list[str]] = {sid: [] for sid in student_ids}
    if not student_ids:
        return basis
    hardship = [c for c in categories if c != STUDENT_LOAN]
    parts = []
    if hardship:
        parts.append(select(HardshipClaim.student_id, HardshipClaim.category).where(
            HardshipClaim.student_id.in_(student_ids), HardshipClaim.status == ClaimStatus.VERIFIED,
            HardshipClaim.category.in_(hardship)))
    if STUDENT_LOAN in categories:
        parts.append(select(StudentLoan.student_id, literal(STUDENT_LOAN)).where(StudentLoan.student_id.in_(student_ids)))
    if not parts:
        return basis
    # both bases in one statement, for the usual settings that count claims and loans alike
    for sid, category in db.session.execute(parts[0] if len(parts) == 1 else union_all(*parts)):
        basis[sid].append(category)
    order = {c: i for i, c in enumerate(categories)}
    for found in basis.values():
        found.sort(key=lambda c: order.get(c, 99))
    return basis


def eligible_ids(categories: list[str]):
    """The ids of the students with an eligible basis, as a subquery (for counting)."""
    hardship = [c for c in categories if c != STUDENT_LOAN]
    parts = []
    if hardship:
        parts.append(select(HardshipClaim.student_id).where(
            HardshipClaim.status == ClaimStatus.VERIFIED, HardshipClaim.category.in_(hardship)))
    if STUDENT_LOAN in categories:
        parts.append(select(StudentLoan.student_id))
    if not parts:
        return select(Student.id).where(Student.id.is_(None))
    return parts[0] if len(parts) == 1 else union(*parts)


def eligible_row(categories: list[str], student_id_column):
    """SQL condition tested row by row (EXISTS): the student has an eligible basis. For lists that walk
    students in student-number order and stop after a page."""
    hardship = [c for c in categories if c != STUDENT_LOAN]
    parts = []
    if hardship:
        # naming the column (not SELECT *) lets SQLite answer from the index alone
        parts.append(select(HardshipClaim.student_id).where(
            HardshipClaim.student_id == student_id_column, HardshipClaim.status == ClaimStatus.VERIFIED,
            HardshipClaim.category.in_(hardship)).exists())
    if STUDENT_LOAN in categories:
        parts.append(select(StudentLoan.student_id).where(StudentLoan.student_id == student_id_column).exists())
    return or_(*parts) if parts else false()


def _list_filters(viewer, *, year: int, status: str, q: str | None) -> list:
    where = []
    if viewer.role != "admin":
        where.append(Student.id.in_(caseload_student_ids(viewer)))
    applied = select(SubsidyApplication.student_id).where(SubsidyApplication.year == year)
    if status == "none":
        where.append(Student.id.not_in(applied))
    elif status:
        where.append(Student.id.in_(applied.where(SubsidyApplication.status == status)))
    if q:
        like = f"%{q.strip()}%"
        where.append(or_(User.display_name.ilike(like), Student.student_no.ilike(like)))
    return where


def eligible_list(viewer, *, year: int, categories: list[str], status: str = "", q: str | None = None) -> Select:
    """Graduating students eligible for the subsidy with their application (if any) of that year.

    status: "" all, "none" not applied, or an application status. Mentors see their caseload.
    Rows give (id, student_no, college, major, display_name, application_id, status, amount) — the
    last three None without an application — in student-number order.
    """
    # The rows walk the class in student-number order (index on graduation_year, student_no), test
    # eligibility per student (EXISTS, index probes only) and stop after a page.
    return (
        select(Student.id, Student.student_no, Student.college, Student.major, User.display_name,
               SubsidyApplication.id.label("application_id"), SubsidyApplication.status, SubsidyApplication.amount)
        .join(User, User.id == Student.user_id)
        .outerjoin(SubsidyApplication, (SubsidyApplication.student_id == Student.id) & (SubsidyApplication.year == year))
        .where(eligible_row(categories, Student.id), Student.graduation_year == year,
               *_list_filters(viewer, year=year, status=status, q=q))
        .order_by(Student.student_no)
    )


def eligible_total(viewer, *, year: int, categories: list[str], status: str = "", q: str | None = None) -> int:
    """How many students eligible_list() lists."""
    # the eligible set is built once and the year checked in the graduation-year index
    count = select(func.count(Student.id)).where(
        Student.graduation_year == year, Student.id.in_(eligible_ids(categories)),
        *_list_filters(viewer, year=year, status=status, q=q))
    if q:
        count = count.join(User, User.id == Student.user_id)
    return db.session.scalar(count)


# --- applications --------------------------------------------------------------------------

def application_of(student_id: int, year: int | None = None, *, with_steps: bool = True) -> SubsidyApplication | None:
    """The student's latest application (of that year); with_steps=False when only its status is shown."""
    stmt = select(SubsidyApplication).where(SubsidyApplication.student_id == student_id)
    if year is not None:
        stmt = stmt.where(SubsidyApplication.year == year)
    if with_steps:
        stmt = stmt.options(selectinload(SubsidyApplication.steps).joinedload(SubsidyStep.by))
    return db.session.scalar(stmt.order_by(SubsidyApplication.year.desc()).limit(1))


def apply(student: Student, *, actor, province: str, category: str | None = None,
          amount: Decimal | None = None, note: str | None = None) -> SubsidyApplication:
    """Record the student's application (the school collects the paper form). One per graduation year."""
    year = student.graduation_year
    basis = eligibility_basis([student.id])[student.id]
    if not basis:
        raise RuleViolation(_("This student holds none of the categories that qualify for the subsidy."), status=409)
    if category is None:
        category = basis[0]
    elif category not in basis:
        raise RuleViolation(_("Choose one of the student's qualifying categories."), field="category")
    province = (province or "").strip()
    if not province:
        raise RuleViolation(_("Give the province whose bureau pays the subsidy."), field="province")
    if amount is None:
        amount = amount_for(province)
    if amount < 0:
        raise RuleViolation(_("The amount cannot be negative."), field="amount")
    application = SubsidyApplication(
        student_id=student.id, year=year, category=category, province=province[:32], amount=amount,
        status=SubsidyStatus.APPLIED, created_by_id=actor.id, updated_at=utcnow(),
    )
    if application_of(student.id, year) is not None:
        raise RuleViolation(_("This student has already applied for the subsidy this year."), status=409)
    db.session.add(application)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise RuleViolation(_("This student has already applied for the subsidy this year."), status=409) from None
    db.session.add(SubsidyStep(application_id=application.id, step=SubsidyStatus.APPLIED, note=(note or "").strip()[:300] or None,
                               by_id=actor.id))
    audit.record(actor, "plans.subsidy_applied", student, detail=f"year={year} category={category} province={province}")
    db.session.flush()
    return application


def next_step(status: str) -> str | None:
    steps = [s.value for s in SUBSIDY_STEPS]
    if status not in steps or status == steps[-1]:
        return None
    return steps[steps.index(status) + 1]


def advance(application: SubsidyApplication, *, actor, expected: str, note: str | None = None) -> SubsidyApplication:
    """Move the application to its next step, if nobody has moved it since the page was shown."""
    target = next_step(expected)
    if target is None:
        raise RuleViolation(_("This application has no further step."), status=409)
    _move(application, expected=expected, to=target)
    db.session.add(SubsidyStep(application_id=application.id, step=target, note=(note or "").strip()[:300] or None,
                               by_id=actor.id))
    audit.record(actor, "plans.subsidy_step", application, detail=f"{expected}->{target}")
    notifications.notify(application.student.user_id, "plans.subsidy_step", link="/plans/me")
    db.session.flush()
    return application


def reject(application: SubsidyApplication, *, actor, expected: str, reason: str) -> SubsidyApplication:
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(_("Give the reason, so the student can be told."), field="reason")
    if expected in (SubsidyStatus.PAID, SubsidyStatus.REJECTED):
        raise RuleViolation(_("A paid or refused application cannot be refused."), status=409)
    _move(application, expected=expected, to=SubsidyStatus.REJECTED)
    application.rejected_reason = reason[:300]
    db.session.add(SubsidyStep(application_id=application.id, step=SubsidyStatus.REJECTED, note=reason[:300], by_id=actor.id))
    audit.record(actor, "plans.subsidy_step", application, detail=f"{expected}->rejected")
    notifications.notify(application.student.user_id, "plans.subsidy_step", link="/plans/me")
    db.session.flush()
    return application


def _move(application: SubsidyApplication, *, expected: str, to: str) -> None:
    result = db.session.execute(
        update(SubsidyApplication)
        .where(SubsidyApplication.id == application.id, SubsidyApplication.status == expected)
        .values(status=to, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(application)
        raise RuleViolation(_("Someone else has moved this application on in the meantime; the page now shows where it is."),
                            status=409)
    db.session.refresh(application)


# --- the bureau's list ----------------------------------------------------------------------

def export_rows(*, year: int, status: str = ""):
    stmt = (
        select(SubsidyApplication)
        .join(Student, Student.id == SubsidyApplication.student_id)
        .where(SubsidyApplication.year == year)
        .options(joinedload(SubsidyApplication.student).joinedload(Student.user))
        .order_by(Student.college, Student.student_no)
    )
    if status:
        stmt = stmt.where(SubsidyApplication.status == status)
    else:
        stmt = stmt.where(SubsidyApplication.status != SubsidyStatus.REJECTED)
    return list(db.session.scalars(stmt))


def bureau_workbook(*, year: int, status: str = "", actor) -> tuple[bytes, int]:
    """The list the local bureau asks for, as an Excel workbook; the export is audited."""
    from portal import spreadsheets
    from portal.templating import DEGREE_LABELS

    applications = export_rows(year=year, status=status)
    headers = [
        _("No."), _("Name"), _("Gender"), _("Student number"), _("National ID (masked)"), _("College"), _("Major"),
        _("Degree"), _("Graduation year"), _("Qualifying category"), _("Province"), _("Amount (yuan)"),
        _("Step"), _("Phone"),
    ]
    genders = {"female": _("Female"), "male": _("Male")}
    rows = []
    for number, application in enumerate(applications, start=1):
        student = application.student
        rows.append([
            number, student.user.display_name, str(genders.get(student.gender, "")), student.student_no,
            student.national_id_masked or "", student.college, student.major,
            str(DEGREE_LABELS.get(student.degree_level, student.degree_level)), student.graduation_year,
            str(CATEGORY_LABELS.get(application.category, application.category)), application.province,
            float(application.amount), str(STEP_LABELS.get(application.status, application.status)), student.phone or "",
        ])
    content = spreadsheets.workbook(spreadsheets.Sheet(
        _("Job-seeking subsidy"), rows, header=headers,
        widths=(6, 10, 6, 14, 22, 16, 14, 8, 10, 26, 10, 12, 18, 14),
    ))
    audit.record(actor, "plans.subsidy_exported", target_type="SubsidyList", target_id=year,
                 detail=f"year={year} status={status or 'all'} rows={len(applications)}")
    return content, len(applications)


# --- student loans and other help -----------------------------------------------------------

def loan_of(student_id: int) -> StudentLoan | None:
    return db.session.scalar(select(StudentLoan).where(StudentLoan.student_id == student_id))


def set_loan(student: Student, *, kind: str | None, note: str | None, actor) -> StudentLoan | None:
    """Record (or, with kind None, remove) the student's national student loan."""
    loan = loan_of(student.id)
    if not kind:
        if loan is not None:
            db.session.delete(loan)
            audit.record(actor, "plans.student_loan_removed", student)
        db.session.flush()
        return None
    if kind not in LOAN_KINDS:
        raise RuleViolation(_("Choose the kind of loan."), field="kind")
    if loan is None:
        loan = StudentLoan(student_id=student.id, kind=kind)
        db.session.add(loan)
    loan.kind = kind
    loan.note = (note or "").strip()[:300] or None
    loan.recorded_by_id = actor.id
    loan.recorded_at = utcnow()
    audit.record(actor, "plans.student_loan_recorded", student, detail=f"kind={kind}")
    db.session.flush()
    return loan


def record_help(student: Student, *, kind: str, amount: Decimal | None, given_on: date, note: str | None,
                actor) -> HelpGiven:
    """Record help for the job search and log it as a financial_help intervention."""
    if kind not in HELP_LABELS:
        raise RuleViolation(_("Choose the kind of help."), field="kind")
    if amount is not None and amount < 0:
        raise RuleViolation(_("The amount cannot be negative."), field="amount")
    if given_on > today():
        raise RuleViolation(_("Help is recorded once it has been given."), field="given_on")
    note = (note or "").strip()[:300] or None
    help_row = HelpGiven(student_id=student.id, kind=kind, amount=amount, given_on=given_on, note=note,
                         recorded_by_id=actor.id)
    db.session.add(help_row)
    db.session.flush()
    text = str(HELP_LABELS[kind])
    if amount is not None:
        text += " · " + _("%(amount)s yuan", amount=f"{amount:.2f}")
    if note:
        text += "\n" + note
    intervention = log_intervention(
        student, author=actor, type="financial_help", channel="in_person", notes=plain_to_html(text),
        occurred_at=datetime.combine(given_on, time(4, 0), tzinfo=timezone.utc),  # noon in Shanghai
        source="plans.help", source_id=help_row.id,
    )
    help_row.intervention_id = intervention.id
    db.session.flush()
    return help_row


def help_of(student_id: int) -> list[HelpGiven]:
    return list(db.session.scalars(
        select(HelpGiven).where(HelpGiven.student_id == student_id)
        .options(joinedload(HelpGiven.recorded_by)).order_by(HelpGiven.given_on.desc(), HelpGiven.id.desc())
    ))

