"""The one place that decides whether a user may do an action, optionally on an object."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort
from flask_login import current_user

from portal.accounts.models import Role

Rule = Callable[[Any, Any], bool]
RULES: dict[str, Rule] = {}


def rule(*actions: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        for action in actions:
            if action in RULES:
                raise RuntimeError(f"policy rule {action!r} defined twice")
            RULES[action] = fn
        return fn

    return register


def may(user: Any, action: str, obj: Any = None) -> bool:
    """True when `user` may do `action` (on `obj`). Unknown actions are refused."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    check = RULES.get(action)
    if check is None:
        raise KeyError(f"no policy rule for {action!r}")
    return bool(check(user, obj))


def require(action: str, obj: Any = None, *, status: int = 403) -> None:
    """Abort the request unless the current user may do the action."""
    if not may(current_user, action, obj):
        abort(status)


def has_role(user: Any, *roles: str) -> bool:
    return user.role in roles


# --- accounts and administration -------------------------------------------------

@rule("admin.access", "users.manage", "audit.view")
def _admin_only(user, obj) -> bool:
    return user.role == Role.ADMIN


@rule("account.change_password", "notifications.own")
def _any_signed_in(user, obj) -> bool:
    return True


# --- home pages: each role has its own ---------------------------------------------

@rule("home.student")
def _home_student(user, obj) -> bool:
    return user.role == Role.STUDENT


@rule("home.mentor")
def _home_mentor(user, obj) -> bool:
    return user.role == Role.MENTOR


@rule("home.alumni")
def _home_alumni(user, obj) -> bool:
    return user.role == Role.ALUMNI


# --- students: profiles, ledger, caseloads, interventions, archive ---------------------

def _assigned(user, student) -> bool:
    from portal.students.services import is_assigned_mentor

    return user.role == Role.MENTOR and student is not None and is_assigned_mentor(user, student)


def _is_own_student(user, student) -> bool:
    return student is not None and user.role == Role.STUDENT and student.user_id == user.id


@rule("student.view")
def _student_view(user, student) -> bool:
    """The profile and the archive entries the viewer may see."""
    return user.role == Role.ADMIN or _is_own_student(user, student) or _assigned(user, student)


@rule("student.view_sensitive", "student.edit", "intervention.log", "ledger.verify")
def _student_sensitive(user, student) -> bool:
    """Categories, evidence, signals and mentors' notes: admins and the student's own mentors only."""
    return user.role == Role.ADMIN or _assigned(user, student)


@rule("student.edit_own")
def _student_edit_own(user, student) -> bool:
    return _is_own_student(user, student)


@rule("ledger.view", "ledger.export", "signals.view")
def _ledger(user, obj) -> bool:
    """Admins see everyone; mentors see their caseload (the queries are scoped)."""
    return user.role in (Role.ADMIN, Role.MENTOR)


@rule("caseload.view")
def _caseload(user, obj) -> bool:
    return user.role == Role.MENTOR


@rule("imports.manage", "caseload.assign", "ledger.configure")
def _office_only(user, obj) -> bool:
    return user.role == Role.ADMIN


@rule("intervention.view")
def _intervention_view(user, intervention) -> bool:
    if intervention.author_id == user.id:
        return True
    if intervention.visibility == "private":
        return False
    if intervention.visibility == "student" and _is_own_student(user, intervention.student):
        return True
    return user.role == Role.ADMIN or _assigned(user, intervention.student)


@rule("intervention.edit")
def _intervention_edit(user, intervention) -> bool:
    return intervention.author_id == user.id


# --- plans: questionnaires, interest inventory, support plans ---------------------------


# --- resumes -----------------------------------------------------------------------------


# --- appointments: slots and bookings ------------------------------------------------------


# --- group sessions ----------------------------------------------------------------------


# --- jobs: postings, recommendations, applications ---------------------------------------


# --- outcomes: destinations, follow-ups, surveys, feedback -------------------------------

@rule("destination.view")
def _destination_view(user, student) -> bool:
    """A student's destination and its history: the student, their mentors, the office."""
    return user.role == Role.ADMIN or _is_own_student(user, student) or _assigned(user, student)


@rule("destination.record", "followup.log")
def _destination_record(user, student) -> bool:
    return user.role == Role.ADMIN or _assigned(user, student)


@rule("destination.report_own", "outcomes.own")
def _destination_report_own(user, student) -> bool:
    return _is_own_student(user, student)


@rule("outcomes.student")
def _outcomes_student(user, obj) -> bool:
    """The student's own outcome pages (their record is loaded next, 404 if there is none)."""
    return user.role == Role.STUDENT


@rule("destination.verify")
def _destination_verify(user, destination) -> bool:
    return user.role == Role.ADMIN or _assigned(user, destination.student)


@rule("destinations.list", "followups.list", "feedback.view", "surveys.results")
def _outcomes_staff(user, obj) -> bool:
    """Admins see everyone; mentors their caseload (the queries are scoped)."""
    return user.role in (Role.ADMIN, Role.MENTOR)


@rule("destinations.import", "surveys.manage")
def _outcomes_office(user, obj) -> bool:
    return user.role == Role.ADMIN


@rule("survey.answer")
def _survey_answer(user, survey) -> bool:
    """Students answer the open surveys meant for them (the service checks the class and programme)."""
    return user.role == Role.STUDENT


@rule("feedback.give")
def _feedback_give(user, measure) -> bool:
    """A student rates only measures they received."""
    from portal.students.services import student_of_user

    if user.role != Role.STUDENT or measure is None:
        return False
    student = student_of_user(user)
    return student is not None and measure.student_id == student.id



# --- reports -----------------------------------------------------------------------------

@rule("reports.dashboard")
def _reports_dashboard(user, obj) -> bool:
    """The office sees every graduate; a mentor sees the figures of their caseload."""
    return user.role in (Role.ADMIN, Role.MENTOR)


@rule("reports.export", "reports.configure")
def _reports_office(user, obj) -> bool:
    return user.role == Role.ADMIN
