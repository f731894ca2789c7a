"""Measures and outcomes: which support went with better outcomes. Each kind of support a graduate
received (interventions, group sessions and one-to-one appointments attended, support plans) is a
provider of the students who had it; and group sessions' ratings in the feedback summary."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Select, case, func, or_, select

from portal.appointments.models import Booking, BookingStatus, Slot
from portal.extensions import db
from portal.i18n import lazy_gettext as _l
from portal.outcomes.feedback import INTERVENTION_TYPE_LABELS, FeedbackTarget, feedback_target
from portal.plans.models import GoalStatus, PlanGoal, SupportPlan
from portal.sessions.forms import KIND_LABELS as SESSION_KIND_LABELS
from portal.sessions.models import GroupSession, Registration
from portal.students.models import Intervention

# A provider takes a SELECT of the graduates' student ids (a subquery keeps it one statement with no
# parameter limit, however many graduates) and returns measure key -> ids of the students who had it.
MeasureProvider = Callable[[Select], dict[str, set[int]]]
MEASURE_PROVIDERS: list[MeasureProvider] = []
MEASURE_LABELS: dict[str, object] = {}


def measure_provider(fn: MeasureProvider) -> MeasureProvider:
    MEASURE_PROVIDERS.append(fn)
    return fn


def measure_label(key: str) -> str:
    return str(MEASURE_LABELS.get(key, key))


MEASURE_LABELS.update({f"intervention:{key}": label for key, label in INTERVENTION_TYPE_LABELS.items()})
MEASURE_LABELS.update({
    "session:any": _l("Attended a group session"),
    "booking:mock_interview": _l("Had a mock interview"),
    "booking:career_counseling": _l("Had career counseling"),
    "booking:resume_review": _l("Had a resume review appointment"),
    "plan:any": _l("Has a support plan"),
    "plan:goal_done": _l("Completed a plan goal"),
})


@measure_provider
def _intervention_measures(graduates: Select) -> dict[str, set[int]]:
    """Interventions by type. Follow-up calls come after graduation, so they are not measures here."""
    found: dict[str, set[int]] = {}
    rows = db.session.execute(
        select(Intervention.student_id, Intervention.type).distinct()
        .where(Intervention.student_id.in_(graduates), or_(Intervention.source.is_(None), Intervention.source != "follow_up"))
    )
    for student_id, kind in rows:
        found.setdefault(f"intervention:{kind}", set()).add(student_id)
    return found


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


# --- group sessions in the feedback summary ------------------------------------------------------
# Students rate a session on its own page after attending (sessions keep the rating with the
# registration); the office's "feedback per measure" table shows those ratings beside the others.

def _sessions_received(student_id: int) -> list:
    return []  # rated where the session is shown, not here


def _sessions_load(ids: list[int]) -> dict:
    return {}


def _sessions_summary(students: Select | None) -> list[tuple[str, str, int, float, int]]:
    stmt = (
        select(GroupSession.kind, func.count(Registration.id), func.avg(Registration.rating),
               func.sum(case((Registration.rating >= 4, 1), else_=0)))
        .join(GroupSession, GroupSession.id == Registration.session_id)
        .where(Registration.rating.is_not(None))
        .group_by(GroupSession.kind).order_by(func.count(Registration.id).desc())
    )
    if students is not None:
        stmt = stmt.where(Registration.student_id.in_(students))
    return [(kind, str(SESSION_KIND_LABELS.get(kind, kind)), n, float(mean or 0), int(good or 0))
            for kind, n, mean, good in db.session.execute(stmt)]


feedback_target(FeedbackTarget("session", _l("Group sessions"), _sessions_received, _sessions_load, _sessions_summary))
