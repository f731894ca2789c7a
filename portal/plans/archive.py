"""The plans feature's entries in the student's archive: plan changes, questionnaires answered,
interest results, subsidy steps and the student-loan record."""
from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from portal.i18n import gettext as _
from portal.plans.models import (
    InterestResult,
    PlanEvent,
    QuestionnaireResponse,
    QuestionnaireRound,
    ResponseStatus,
    StudentLoan,
    SubsidyApplication,
    SubsidyStep,
)
from portal.students import archive

EVENT_TITLES = {
    "created": lambda d: _("Support plan started"),
    "goal_added": lambda d: _("Goal added to the plan: %(title)s", title=d),
    "goal_accepted": lambda d: _("Goal accepted into the plan: %(title)s", title=d),
    "goal_edited": lambda d: _("Goal changed: %(title)s", title=d),
    "goal_done": lambda d: _("Goal done: %(title)s", title=d),
    "goal_dropped": lambda d: _("Goal dropped: %(title)s", title=d),
    "goal_reopened": lambda d: _("Goal open again: %(title)s", title=d),
    "reviewed": lambda d: _("Plan reviewed"),
    "suggested": lambda d: _("Goals suggested from the questionnaire and interest test"),
}


@archive.provider
def plan_entries(student, viewer, *, for_student: bool) -> list[archive.ArchiveEntry]:
    from portal.plans.services import localized
    from portal.plans.subsidy import STEP_LABELS

    entries: list[archive.ArchiveEntry] = []
    plan_link = url_for("plans.my_plan") if for_student else url_for("plans.student_plan", student_id=student.id)

    events = db.session.execute(
        select(PlanEvent.kind, PlanEvent.detail, PlanEvent.staff_only, PlanEvent.actor_id, PlanEvent.at,
               User.display_name.label("actor_name"))
        .outerjoin(User, User.id == PlanEvent.actor_id)
        .where(PlanEvent.student_id == student.id).order_by(PlanEvent.id)
    )
    for event in events:
        title = EVENT_TITLES.get(event.kind, lambda d: event.kind)(event.detail or "")
        detail = event.detail if event.kind in ("reviewed", "suggested") else ""
        entries.append(archive.ArchiveEntry(
            at=event.at, kind="plan", title=title, detail=detail or "",
            audience=archive.MENTORS if event.staff_only else archive.STUDENT,
            author_id=event.actor_id, link=plan_link,
            extra={"by": event.actor_name or ""},
        ))

    responses = db.session.execute(
        select(QuestionnaireResponse.on_behalf, QuestionnaireResponse.submitted_at, QuestionnaireResponse.updated_at,
               QuestionnaireResponse.filled_by_id, QuestionnaireResponse.round_id, QuestionnaireRound.name_zh,
               QuestionnaireRound.name_en)
        .join(QuestionnaireRound, QuestionnaireRound.id == QuestionnaireResponse.round_id)
        .where(QuestionnaireResponse.student_id == student.id, QuestionnaireResponse.status == ResponseStatus.SUBMITTED)
        .order_by(QuestionnaireResponse.id)
    )
    for response in responses:
        if response.on_behalf:
            title = _("Questionnaire %(round)s recorded by a mentor after a talk", round=localized(response, "name"))
        else:
            title = _("Questionnaire %(round)s answered", round=localized(response, "name"))
        entries.append(archive.ArchiveEntry(
            at=response.submitted_at or response.updated_at, kind="questionnaire", title=title,
            audience=archive.STUDENT, author_id=response.filled_by_id,
            link=url_for("plans.answers", student_id=student.id, b=response.round_id),
        ))

    results = db.session.execute(
        select(InterestResult.id, InterestResult.taken_at, InterestResult.code, InterestResult.taken_by_id)
        .where(InterestResult.student_id == student.id).order_by(InterestResult.id)
    )
    for result in results:
        entries.append(archive.ArchiveEntry(
            at=result.taken_at, kind="interest", title=_("Career-interest test: code %(code)s", code=result.code),
            audience=archive.STUDENT, author_id=result.taken_by_id,
            link=url_for("plans.interest_result", result_id=result.id),
        ))

    steps = db.session.execute(
        select(SubsidyStep.at, SubsidyStep.step, SubsidyStep.note, SubsidyStep.by_id, SubsidyApplication.year)
        .join(SubsidyApplication, SubsidyApplication.id == SubsidyStep.application_id)
        .where(SubsidyApplication.student_id == student.id).order_by(SubsidyStep.id)
    )
    for step in steps:
        entries.append(archive.ArchiveEntry(
            at=step.at, kind="subsidy",
            title=_("Job-seeking subsidy %(year)s: %(step)s", year=step.year, step=STEP_LABELS.get(step.step, step.step)),
            detail=step.note or "", audience=archive.STUDENT, author_id=step.by_id,
        ))

    loan = db.session.execute(
        select(StudentLoan.recorded_at, StudentLoan.recorded_by_id)
        .where(StudentLoan.student_id == student.id).order_by(StudentLoan.id).limit(1)
    ).first()
    if loan is not None:
        entries.append(archive.ArchiveEntry(
            at=loan.recorded_at, kind="student_loan", title=_("National student loan recorded"),
            audience=archive.MENTORS, author_id=loan.recorded_by_id,
        ))
    return entries
