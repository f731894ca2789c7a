"""Measures beyond interventions for the "which support went with better outcomes" figures:
group sessions attended, one-to-one appointments attended, and support plans."""
from __future__ import annotations

from sqlalchemy import Select, select

from portal.appointments.models import Booking, BookingStatus, Slot
from portal.extensions import db
from portal.i18n import lazy_gettext as _l
from portal.outcomes.services import MEASURE_LABELS, measure_provider
from portal.plans.models import GoalStatus, PlanGoal, SupportPlan
from portal.sessions.models import Registration

MEASURE_LABELS.update({
    "session:any": _l("Attended a group session"),
    "booking:mock_interview": _l("Had a mock interview"),
    "booking:career_counseling": _l("Had career counseling"),
    "booking:resume_review": _l("Had a resume review appointment"),
    "plan:any": _l("Has a support plan"),
    "plan:goal_done": _l("Completed a plan goal"),
})


@measure_provider
def _session_measures(graduates: Select) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    for (student_id,) in db.session.execute(
        select(Registration.student_id).distinct()
        .where(Registration.student_id.in_(graduates), Registration.attended.is_(True))
    ):
        found.setdefault("session:any", set()).add(student_id)
    return found


@measure_provider
def _booking_measures(graduates: Select) -> dict[str, set[int]]:
    # psychological counseling is left out: whether a student saw a counselor is not a figure to report
    found: dict[str, set[int]] = {}
    for student_id, kind in db.session.execute(
        select(Booking.student_id, Slot.kind).distinct()
        .join(Slot, Slot.id == Booking.slot_id)
        .where(Booking.student_id.in_(graduates), Booking.status == BookingStatus.ATTENDED,
               Slot.kind != "psychological_counseling")
    ):
        found.setdefault(f"booking:{kind}", set()).add(student_id)
    return found


@measure_provider
def _plan_measures(graduates: Select) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    for student_id, status in db.session.execute(
        select(SupportPlan.student_id, PlanGoal.status).distinct()
        .outerjoin(PlanGoal, PlanGoal.plan_id == SupportPlan.id)
        .where(SupportPlan.student_id.in_(graduates))
    ):
        found.setdefault("plan:any", set()).add(student_id)
        if status == GoalStatus.DONE:
            found.setdefault("plan:goal_done", set()).add(student_id)
    return found
