"""List totals of the plans and outcomes lists, kept for a few seconds."""
from __future__ import annotations

from sqlalchemy import Select

from portal.extensions import db
from portal.kept import Kept
from portal.pagination import paginate_rows  # noqa: E402,F401  (the plans and outcomes lists use it from here)

# --- totals kept for a few seconds ------------------------------------------------------------

def _counted() -> tuple[type, ...]:
    from portal.plans.models import (
        PlanGoal,
        StudentLoan,
        SubsidyApplication,
        SubsidyStep,
        SupportPlan,
    )
    from portal.students.models import HardshipClaim, MentorAssignment, Student

    return HardshipClaim, StudentLoan, Student, MentorAssignment, SupportPlan, PlanGoal, SubsidyApplication, SubsidyStep


_TOTALS = Kept("PLANS_COUNT_SECONDS", 10, _counted)


def kept_total(key: tuple, count: Select) -> int:
    """`count`'s answer, kept per process for PLANS_COUNT_SECONDS (10 s; 0 in tests): the plans and
    subsidy lists count the ledger or the eligible class (thousands of claims) on every page, while
    their rows come from an index that stops after 50. A change this process makes to what they count
    (claims, loans, students, caseloads, plans, goals, applications) drops every kept total at once;
    one made by another process shows within that time."""
    return _TOTALS.get(key, lambda: db.session.scalar(count) or 0)


def drop_totals() -> None:
    _TOTALS.drop()
