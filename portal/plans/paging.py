"""List totals of the plans and outcomes lists, kept for a few seconds."""
from __future__ import annotations

import threading
import time

from flask import current_app
from sqlalchemy import Select, event
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.pagination import paginate_rows  # noqa: E402,F401  (the plans and outcomes lists use it from here)

# --- totals kept for a few seconds ------------------------------------------------------------

_TOTALS: dict[tuple, tuple[float, int]] = {}
_TOTALS_LOCK = threading.Lock()


def kept_total(key: tuple, count: Select) -> int:
    """`count`'s answer, kept per process for PLANS_COUNT_SECONDS (10 s; 0 in tests): the plans and
    subsidy lists count the ledger or the eligible class (thousands of claims) on every page, while
    their rows come from an index that stops after 50. A change this process makes through the ORM
    to what they count (claims, loans, students, caseloads, plans, goals, applications) drops every
    kept total at once; one made by another process, or by a bulk statement, shows within that time."""
    seconds = float(current_app.config.get("PLANS_COUNT_SECONDS", 0 if current_app.testing else 10))
    if seconds <= 0:
        return db.session.scalar(count) or 0
    key = (db.engine.url.render_as_string(), *key)
    now = time.monotonic()
    kept = _TOTALS.get(key)
    if kept is not None and now - kept[0] < seconds:
        return kept[1]
    total = db.session.scalar(count) or 0
    with _TOTALS_LOCK:
        if len(_TOTALS) > 256:
            _TOTALS.clear()
        _TOTALS[key] = (now, total)
    return total


def drop_totals() -> None:
    with _TOTALS_LOCK:
        _TOTALS.clear()


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


@event.listens_for(Session, "after_flush")
def _drop_totals_on_change(session, flush_context) -> None:
    if not _TOTALS:
        return
    counted = _counted()
    if any(isinstance(o, counted) for o in (*session.new, *session.dirty, *session.deleted)):
        drop_totals()
        session.info["plans_totals_changed"] = True


@event.listens_for(Session, "after_commit")
def _drop_totals_on_commit(session) -> None:
    # again once committed: a total counted by another request between the flush and the commit is old
    if session.info.pop("plans_totals_changed", False):
        drop_totals()
