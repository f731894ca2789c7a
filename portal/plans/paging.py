"""Paging of list pages whose rows hold several entities (a student, their user, their plan…)."""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from flask import current_app, request
from sqlalchemy import Select, event, func, select
from sqlalchemy.orm import Session

from portal.extensions import db


@dataclass
class RowPage:
    """What the `pager` macro reads, like Flask-SQLAlchemy's Pagination."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def paginate_rows(stmt: Select, *, count: Select | None = None, per_page: int = 50, total: int | None = None) -> RowPage:
    """One page of rows in one query, the total in another (`count`, when a leaner query can count them;
    `total` when the caller already knows it)."""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    if total is None:
        if count is None:
            count = select(func.count()).select_from(stmt.order_by(None).subquery())
        total = db.session.scalar(count) or 0
    items = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return RowPage(items=list(items), page=page, per_page=per_page, total=total)


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
    from portal.plans.models import PlanGoal, StudentLoan, SubsidyApplication, SubsidyStep, SupportPlan
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
