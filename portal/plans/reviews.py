"""Reviews of support plans: recording one and setting the next date, and reminding mentors of
plans whose review is due."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import notifications
from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models_base import utcnow
from portal.plans.goals import record_event
from portal.plans.models import SupportPlan
from portal.plans.services import today
from portal.students.models import MentorAssignment, Student

notifications.kind("plans.reviewed", _l("Your mentor reviewed your support plan."))
notifications.kind("plans.review_due", _l("The support plan of %(name)s is due for review."))


def review_plan(plan: SupportPlan, *, actor, note: str | None, next_review_on: date) -> SupportPlan:
    """Record a review: the note (shown to the student as the plan's summary) and the next date."""
    if next_review_on <= today():
        raise RuleViolation(_("The next review is a date after today."), field="next_review_on")
    plan.last_reviewed_at = utcnow()
    plan.last_reviewed_by_id = actor.id
    plan.review_on = next_review_on
    note = (note or "").strip() or None
    if note:
        plan.summary = note
    record_event(plan, "reviewed", actor=actor, detail=note)
    notifications.notify(plan.student.user_id, "plans.reviewed", link="/plans/me")
    plan.updated_at = utcnow()
    db.session.flush()
    return plan


def plans_due_for_review(on: date | None = None) -> list[tuple[SupportPlan, list[int]]]:
    """Plans whose review date has come, with the ids of the student's mentors (for reminders)."""
    on = on or today()
    plans = list(db.session.scalars(
        select(SupportPlan).where(SupportPlan.review_on <= on)
        .options(joinedload(SupportPlan.student).joinedload(Student.user))
    ))
    mentors: dict[int, list[int]] = {}
    if plans:
        for student_id, mentor_id in db.session.execute(
            select(MentorAssignment.student_id, MentorAssignment.mentor_id)
            .where(MentorAssignment.student_id.in_([p.student_id for p in plans]))
        ):
            mentors.setdefault(student_id, []).append(mentor_id)
    return [(plan, mentors.get(plan.student_id, [])) for plan in plans]


def remind_reviews(on: date | None = None) -> int:
    """Leave each mentor a notification for every plan due for review (once per review date)."""
    sent = 0
    for plan, mentor_ids in plans_due_for_review(on):
        for mentor_id in mentor_ids:
            if notifications.notify(
                mentor_id, "plans.review_due", link=f"/plans/students/{plan.student_id}",
                dedupe_key=f"plans.review_due:{plan.id}:{plan.review_on.isoformat()}:{mentor_id}",
                name=plan.student.user.display_name,
            ) is not None:
                sent += 1
    db.session.flush()
    return sent
