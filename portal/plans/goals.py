"""One student, one plan: starting a support plan, its goals through their states, suggestions from
the rule table, the plan's history, and the figures the plans list and the caseload show."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import Select, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from portal import notifications, settings
from portal.accounts.models import User
from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models_base import utcnow
from portal.plans.answers import latest_submitted
from portal.plans.models import GoalOwner, GoalStatus, PlanEvent, PlanGoal, PlanRule, SupportPlan
from portal.plans.riasec import latest_interest
from portal.plans.rules import rule_matches
from portal.plans.services import in_ledger, in_ledger_row, is_in_ledger, ledger_count, localized, today
from portal.students.access import caseload_student_ids
from portal.students.models import Student

settings.declare("plans.review_interval_days", 30)

notifications.kind("plans.updated", _l("Your support plan has new or changed goals."))


def review_interval() -> int:
    """Days from a plan's start (or review) to its next review, as the office set it."""
    return int(settings.get("plans.review_interval_days"))


def get_plan(student_id: int) -> SupportPlan | None:
    return db.session.scalar(
        select(SupportPlan).where(SupportPlan.student_id == student_id)
        .options(selectinload(SupportPlan.goals), joinedload(SupportPlan.last_reviewed_by))
    )


def record_event(plan: SupportPlan, kind: str, *, actor, goal: PlanGoal | None = None, detail: str | None = None,
                 staff_only: bool = False) -> PlanEvent:
    """A line of the plan's history (the student's archive shows those not marked staff_only)."""
    event = PlanEvent(plan_id=plan.id, student_id=plan.student_id, goal_id=goal.id if goal else None, kind=kind,
                      detail=detail, staff_only=staff_only, actor_id=getattr(actor, "id", None))
    db.session.add(event)
    return event


def create_plan(student: Student, *, actor) -> SupportPlan:
    """Start the student's plan; only students in the ledger have one. Starting it twice is harmless."""
    existing = get_plan(student.id)
    if existing is not None:
        return existing
    if not is_in_ledger(student):
        raise RuleViolation(_("Only students in the ledger (with a verified hardship category) have a support plan."), status=409)
    plan = SupportPlan(student_id=student.id, created_by_id=actor.id, review_on=today() + timedelta(days=review_interval()))
    db.session.add(plan)
    try:
        db.session.flush()
    except IntegrityError:
        # started by someone else at the same moment
        db.session.rollback()
        return get_plan(student.id)
    record_event(plan, "created", actor=actor)
    db.session.flush()
    return plan


def create_missing_plans(*, actor=None) -> int:
    """A plan for every student in the ledger who has none (bulk: one insert)."""
    missing = list(db.session.scalars(
        select(Student.id).where(in_ledger(Student.id), ~exists().where(SupportPlan.student_id == Student.id))
    ))
    if not missing:
        return 0
    now = utcnow()
    review_on = today() + timedelta(days=review_interval())
    rows = [dict(student_id=sid, created_by_id=getattr(actor, "id", None), review_on=review_on,
                 created_at=now, updated_at=now) for sid in missing]
    for start in range(0, len(rows), 2000):
        db.session.execute(insert(SupportPlan), rows[start:start + 2000])
    db.session.flush()
    return len(rows)


def _check_goal_fields(title: str, owner: str) -> str:
    title = (title or "").strip()
    if not title:
        raise RuleViolation(_("A goal needs a title."), field="title")
    if owner not in set(GoalOwner):
        raise RuleViolation(_("Choose who owns the goal."), field="owner")
    return title[:200]


def _touch(plan: SupportPlan, actor) -> None:
    plan.updated_at = utcnow()
    if getattr(actor, "id", None) != plan.student.user_id:
        notifications.notify(plan.student.user_id, "plans.updated", link="/plans/me",
                             dedupe_key=f"plans.updated:{plan.id}:{today().isoformat()}")


def add_goal(plan: SupportPlan, *, title: str, measures: str | None, owner: str, due_on: date | None, actor) -> PlanGoal:
    title = _check_goal_fields(title, owner)
    goal = PlanGoal(
        plan=plan, title=title, measures=(measures or "").strip() or None, owner=owner, due_on=due_on,
        status=GoalStatus.OPEN, created_by_id=actor.id,
        position=max((g.position for g in plan.goals), default=-1) + 1,
    )
    db.session.add(goal)
    db.session.flush()
    record_event(plan, "goal_added", actor=actor, goal=goal, detail=goal.title)
    _touch(plan, actor)
    db.session.flush()
    return goal


def edit_goal(goal: PlanGoal, *, title: str, measures: str | None, owner: str, due_on: date | None, actor) -> PlanGoal:
    """Change a goal. Editing a suggestion accepts it."""
    title = _check_goal_fields(title, owner)
    if goal.status == GoalStatus.DROPPED:
        raise RuleViolation(_("This goal was dropped; add a new one instead."), status=409)
    accepted = goal.status == GoalStatus.SUGGESTED
    goal.title = title
    goal.measures = (measures or "").strip() or None
    goal.owner = owner
    goal.due_on = due_on
    if accepted:
        goal.status = GoalStatus.OPEN
    record_event(goal.plan, "goal_accepted" if accepted else "goal_edited", actor=actor, goal=goal, detail=goal.title)
    _touch(goal.plan, actor)
    db.session.flush()
    return goal


def _set_status(goal: PlanGoal, *, allowed_from: tuple[str, ...], to: str) -> None:
    """Change the status only if it is still what the page showed (two mentors at once: one wins)."""
    result = db.session.execute(
        update(PlanGoal).where(PlanGoal.id == goal.id, PlanGoal.status.in_(allowed_from)).values(status=to)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(goal)
        raise RuleViolation(_("This goal has changed in the meantime; the page now shows it as it is."), status=409)
    db.session.refresh(goal)


def accept_goal(goal: PlanGoal, *, actor) -> PlanGoal:
    _set_status(goal, allowed_from=(GoalStatus.SUGGESTED,), to=GoalStatus.OPEN)
    record_event(goal.plan, "goal_accepted", actor=actor, goal=goal, detail=goal.title)
    _touch(goal.plan, actor)
    db.session.flush()
    return goal


def drop_goal(goal: PlanGoal, *, actor) -> PlanGoal:
    was_suggestion = goal.status == GoalStatus.SUGGESTED
    _set_status(goal, allowed_from=(GoalStatus.SUGGESTED, GoalStatus.OPEN), to=GoalStatus.DROPPED)
    record_event(goal.plan, "goal_dropped", actor=actor, goal=goal, detail=goal.title, staff_only=was_suggestion)
    if not was_suggestion:
        _touch(goal.plan, actor)
    db.session.flush()
    return goal


def complete_goal(goal: PlanGoal, *, actor) -> PlanGoal:
    _set_status(goal, allowed_from=(GoalStatus.OPEN,), to=GoalStatus.DONE)
    goal.completed_at = utcnow()
    goal.completed_by_id = actor.id
    record_event(goal.plan, "goal_done", actor=actor, goal=goal, detail=goal.title)
    _touch(goal.plan, actor)
    db.session.flush()
    return goal


def reopen_goal(goal: PlanGoal, *, actor) -> PlanGoal:
    _set_status(goal, allowed_from=(GoalStatus.DONE,), to=GoalStatus.OPEN)
    goal.completed_at = None
    goal.completed_by_id = None
    record_event(goal.plan, "goal_reopened", actor=actor, goal=goal, detail=goal.title)
    _touch(goal.plan, actor)
    db.session.flush()
    return goal


# --- suggestions from the rule table ---------------------------------------------------------

def suggest_goals(plan: SupportPlan, *, actor) -> list[PlanGoal]:
    """Add the rule table's suggestions that fit the latest answers and interest code.

    A rule suggests once per plan: whatever the mentor did with its suggestion (accepted, edited,
    dropped) stands, and asking again only adds what newer answers call for.
    """
    response = latest_submitted(plan.student_id)
    interest = latest_interest(plan.student_id)
    answers = response.answers if response else {}
    interest_code = interest.code if interest else None
    already = {g.rule_id for g in plan.goals if g.rule_id is not None}
    rules = db.session.scalars(select(PlanRule).where(PlanRule.active.is_(True)).order_by(PlanRule.position, PlanRule.id))
    on = today()
    position = max((g.position for g in plan.goals), default=-1)
    added = []
    for rule in rules:
        if rule.id in already or not rule_matches(rule, answers, interest_code):
            continue
        position += 1
        goal = PlanGoal(
            plan=plan, title=localized(rule, "goal")[:200], measures=localized(rule, "measures") or None,
            owner=rule.owner, due_on=on + timedelta(days=rule.due_in_days), status=GoalStatus.SUGGESTED,
            rule_id=rule.id, reason=localized(rule, "name")[:300], created_by_id=actor.id, position=position,
        )
        db.session.add(goal)
        added.append(goal)
    if added:
        db.session.flush()
        record_event(plan, "suggested", actor=actor, staff_only=True,
                     detail=_("%(n)d suggestions", n=len(added)))
        db.session.flush()
    return added


# --- figures of the plans list and the caseload ----------------------------------------------

def plan_progress(student_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """For the caseload page: student id -> (open goals, overdue goals), in one query.

    Students without a plan are absent from the result; a plan with no open goal gives (0, 0).
    Overdue means open with a due date before today in the office's time zone.
    """
    ids = list(student_ids)
    if not ids:
        return {}
    on = today()
    progress: dict[int, tuple[int, int]] = {}
    for student_id, status, due_on in db.session.execute(
        select(SupportPlan.student_id, PlanGoal.status, PlanGoal.due_on)
        .outerjoin(PlanGoal, (PlanGoal.plan_id == SupportPlan.id) & (PlanGoal.status == GoalStatus.OPEN))
        .where(SupportPlan.student_id.in_(ids))
    ):
        open_count, overdue = progress.get(student_id, (0, 0))
        if status is not None:
            open_count += 1
            overdue += due_on is not None and due_on < on
        progress[student_id] = (open_count, overdue)
    return progress


def goal_counts(plan_ids: list[int]) -> dict[int, tuple[int, int, int, int]]:
    """Per plan on a page: (open, overdue, done, suggested) goals, in one query; plans without goals are left out."""
    if not plan_ids:
        return {}
    on = today()
    counts: dict[int, list[int]] = {}
    for plan_id, status, due_on in db.session.execute(
        select(PlanGoal.plan_id, PlanGoal.status, PlanGoal.due_on).where(PlanGoal.plan_id.in_(plan_ids))
    ):
        found = counts.setdefault(plan_id, [0, 0, 0, 0])
        if status == GoalStatus.OPEN:
            found[0] += 1
            found[1] += due_on is not None and due_on < on
        elif status == GoalStatus.DONE:
            found[2] += 1
        elif status == GoalStatus.SUGGESTED:
            found[3] += 1
    return {plan_id: tuple(found) for plan_id, found in counts.items()}


def _plan_filters(viewer, show: str) -> list:
    """The list's filters as conditions on a student id column: a mentor's caseload, and `show`
    ("" all, "due" review due, "overdue" with overdue goals, "none" without a plan)."""
    on = today()
    filters = []
    if viewer.role != "admin":
        filters.append(lambda column: column.in_(caseload_student_ids(viewer)))
    if show == "due":
        filters.append(lambda column: column.in_(select(SupportPlan.student_id).where(SupportPlan.review_on <= on)))
    elif show == "overdue":
        filters.append(lambda column: column.in_(
            select(SupportPlan.student_id).join(PlanGoal, PlanGoal.plan_id == SupportPlan.id)
            .where(PlanGoal.status == GoalStatus.OPEN, PlanGoal.due_on < on)
        ))
    elif show == "none":
        filters.append(lambda column: column.not_in(select(SupportPlan.student_id)))
    return filters


def _search(q: str):
    like = f"%{q.strip()}%"
    return or_(User.display_name.ilike(like), Student.student_no.ilike(like), Student.major.ilike(like))


def plan_list(viewer, *, show: str = "", q: str | None = None) -> Select:
    """Students in the ledger with their plans, for the plans list: a mentor's caseload, or everyone
    for admins. Rows give (id, student_no, major, display_name, plan_id, review_on) — plan_id None
    without a plan — in student-number order (review date for "due")."""
    where = [condition(Student.id) for condition in _plan_filters(viewer, show)]
    if q:
        where.append(_search(q))
    # The rows test the ledger per student (EXISTS): a page walks the student-number index and
    # stops after 50 rows instead of joining and sorting the whole ledger first.
    rows = (
        select(Student.id, Student.student_no, Student.major, User.display_name,
               SupportPlan.id.label("plan_id"), SupportPlan.review_on)
        .join(User, User.id == Student.user_id)
        .outerjoin(SupportPlan, SupportPlan.student_id == Student.id)
        .where(in_ledger_row(Student.id), *where)
    )
    order = (SupportPlan.review_on, Student.student_no) if show == "due" else (Student.student_no,)
    return rows.order_by(*order)


def plan_total(viewer, *, show: str = "", q: str | None = None) -> int:
    """How many students plan_list() lists."""
    filters = _plan_filters(viewer, show)
    if q:
        return db.session.scalar(
            select(func.count(Student.id)).join(User, User.id == Student.user_id)
            .where(in_ledger(Student.id), _search(q), *(condition(Student.id) for condition in filters))
        )
    # every filter but q is on the student id alone: counted from the ledger's verified claims,
    # without reading the students table
    return db.session.scalar(ledger_count(*filters))


# the caseload page shows each student's open and overdue goals
from portal.students.services import PLAN_PROGRESS_PROVIDERS  # noqa: E402

PLAN_PROGRESS_PROVIDERS.append(plan_progress)
