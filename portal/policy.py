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
# A resume is seen by its owner, the owner's assigned mentors and admins; never by other students
# or alumni. Only the owner edits it; only assigned mentors comment and complete reviews.

def _resume_owner(user, resume) -> bool:
    return resume is not None and user.role == Role.STUDENT and resume.student.user_id == user.id


def _resume_mentor(user, resume) -> bool:
    """Asked several times per page (view, comment, discuss): answered once per request."""
    from flask import g, has_request_context

    from portal.students.services import is_assigned_mentor

    if resume is None or user.role != Role.MENTOR:
        return False
    if not has_request_context():
        return is_assigned_mentor(user, resume.student_id)
    known = g.setdefault("resume_mentor_of", {})
    key = (user.id, resume.student_id)
    if key not in known:
        known[key] = is_assigned_mentor(user, resume.student_id)
    return known[key]


@rule("resume.create", "resume.list_own")
def _resume_create(user, obj) -> bool:
    return user.role == Role.STUDENT


@rule("resume.view", "resume.export")
def _resume_view(user, resume) -> bool:
    return user.role == Role.ADMIN or _resume_owner(user, resume) or _resume_mentor(user, resume)


@rule("resume.edit", "resume.submit")
def _resume_edit(user, resume) -> bool:
    return _resume_owner(user, resume)


@rule("resume.comment", "resume.complete_review")
def _resume_review(user, resume) -> bool:
    return _resume_mentor(user, resume)


@rule("resume.discuss")
def _resume_discuss(user, resume) -> bool:
    """Replying in a comment thread, resolving and reopening it: the owner and their mentors."""
    return _resume_owner(user, resume) or _resume_mentor(user, resume)


@rule("resume.queue")
def _resume_queue(user, obj) -> bool:
    return user.role in (Role.MENTOR, Role.ADMIN)



# --- appointments: slots and bookings ------------------------------------------------------


# --- group sessions ----------------------------------------------------------------------


# --- jobs: postings, recommendations, applications ---------------------------------------

@rule("jobs.browse")
def _jobs_browse(user, obj) -> bool:
    """Published postings are for everyone signed in."""
    return True


@rule("posting.view")
def _posting_view(user, posting) -> bool:
    """Drafts are seen only by those who curate."""
    return posting.status != "draft" or user.role in (Role.ADMIN, Role.MENTOR)


@rule("jobs.curate")
def _jobs_curate(user, obj) -> bool:
    return user.role in (Role.ADMIN, Role.MENTOR)


@rule("posting.edit")
def _posting_edit(user, posting) -> bool:
    """Admins edit every posting; a mentor edits the postings they created."""
    return user.role == Role.ADMIN or (user.role == Role.MENTOR and posting.created_by_id == user.id)


@rule("jobs.import", "jobs.tune")
def _jobs_office(user, obj) -> bool:
    return user.role == Role.ADMIN


@rule("jobs.own")
def _jobs_own(user, obj) -> bool:
    """A student's own saved postings, recommendations, licences and applications."""
    return user.role == Role.STUDENT


@rule("jobs.student_view")
def _jobs_student_view(user, student) -> bool:
    """Recommendations, reasons and applications: the student, their mentors and admins."""
    return user.role == Role.ADMIN or _is_own_student(user, student) or _assigned(user, student)


@rule("jobs.caseload")
def _jobs_caseload(user, obj) -> bool:
    return user.role in (Role.ADMIN, Role.MENTOR)


@rule("jobs.refer")
def _jobs_refer(user, student) -> bool:
    return user.role == Role.ADMIN or _assigned(user, student)


@rule("application.view")
def _application_view(user, application) -> bool:
    return _jobs_student_view(user, application.student)


@rule("application.edit")
def _application_edit(user, application) -> bool:
    return _is_own_student(user, application.student)


# --- outcomes: destinations, follow-ups, surveys, feedback -------------------------------


# --- reports -----------------------------------------------------------------------------
