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

def _is_assigned_mentor(user, student) -> bool:
    # imported when asked: the students package's routes import this module
    from portal.students.access import is_assigned_mentor

    return is_assigned_mentor(user, student)


def _assigned(user, student) -> bool:
    return user.role == Role.MENTOR and student is not None and _is_assigned_mentor(user, student)


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


@rule("intervention.follow_up")
def _intervention_follow_up(user, intervention) -> bool:
    """Closing a follow-up: its author, or, for shared notes, the student's mentors and the office."""
    if intervention.author_id == user.id:
        return True
    if intervention.visibility == "private":
        return False
    return user.role == Role.ADMIN or _assigned(user, intervention.student)


# students: imports and discreet follow-up: list flags and spending signals (queries are scoped to the caseload)

@rule("signals.act")
def _signals_act(user, flag) -> bool:
    """Open a claim from, or dismiss, a list flag or a spending signal: admins and the student's mentors."""
    return user.role == Role.ADMIN or (flag is not None and _assigned(user, flag.student_id))


@rule("signals.configure")
def _signals_configure(user, obj) -> bool:
    return user.role == Role.ADMIN


# --- plans: questionnaires, interest inventory, support plans ---------------------------

@rule("plans.own")
def _plans_own(user, obj) -> bool:
    """A student's own questionnaire, interest test and plan."""
    return user.role == Role.STUDENT


@rule("plans.list", "subsidy.list")
def _plans_list(user, obj) -> bool:
    """Admins see every student in the ledger; mentors their caseload (the queries are scoped)."""
    return user.role in (Role.ADMIN, Role.MENTOR)


@rule("plans.manage", "plans.answer_for", "subsidy.apply", "subsidy.help")
def _plans_manage(user, student) -> bool:
    """A student's plan, answers recorded after a talk, subsidy and help: admins and their own mentors."""
    return user.role == Role.ADMIN or _assigned(user, student)


@rule("plans.view_answers", "plans.view_interests")
def _plans_view_answers(user, student) -> bool:
    """Questionnaire answers (psychological barriers among them) and interest results:
    the student, their mentors and admins only."""
    return user.role == Role.ADMIN or _is_own_student(user, student) or _assigned(user, student)


@rule("plans.goal_done")
def _plans_goal_done(user, goal) -> bool:
    """The student marks their own steps done; their mentors and admins any goal."""
    student = goal.plan.student
    if _is_own_student(user, student):
        return goal.owner == "student"
    return user.role == Role.ADMIN or _assigned(user, student)


@rule("questionnaires.manage", "subsidy.manage")
def _plans_office(user, obj) -> bool:
    """The questionnaire, rounds, rule table, subsidy steps, settings and the bureau's list."""
    return user.role == Role.ADMIN


# --- resumes -----------------------------------------------------------------------------
# A resume is seen by its owner, the owner's assigned mentors and admins; never by other students
# or alumni. Only the owner edits it; only assigned mentors comment and complete reviews.

def _resume_owner(user, resume) -> bool:
    return resume is not None and user.role == Role.STUDENT and resume.student.user_id == user.id


def _resume_mentor(user, resume) -> bool:
    return resume is not None and user.role == Role.MENTOR and _is_assigned_mentor(user, resume.student_id)


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

def _is_booking_student(user, booking) -> bool:
    return user.role == Role.STUDENT and booking.student.user_id == user.id


def _is_host(user, booking) -> bool:
    return booking.slot.host_id == user.id


@rule("appointments.browse")
def _appointments_browse(user, obj) -> bool:
    """Open slots: students book them; mentors and the office look at what is on offer."""
    return user.role in (Role.STUDENT, Role.MENTOR, Role.ADMIN)


@rule("slot.view")
def _slot_view(user, slot) -> bool:
    return user.role in (Role.STUDENT, Role.MENTOR, Role.ADMIN) or slot.host_id == user.id


@rule("appointments.book")
def _appointments_book(user, slot) -> bool:
    return user.role == Role.STUDENT


@rule("appointments.own")
def _appointments_own(user, obj) -> bool:
    return user.role == Role.STUDENT


@rule("appointments.host")
def _appointments_host(user, obj) -> bool:
    return user.role in (Role.MENTOR, Role.ALUMNI)


@rule("slot.manage")
def _slot_manage(user, slot) -> bool:
    return user.role in (Role.MENTOR, Role.ALUMNI) and slot.host_id == user.id


@rule("booking.view")
def _booking_view(user, booking) -> bool:
    """The student, the host, the office, and the student's mentors (for a psychological counseling
    they see only that it took place: the page shows no topic or notes to them)."""
    return (user.role == Role.ADMIN or _is_booking_student(user, booking) or _is_host(user, booking)
            or _assigned(user, booking.student))


@rule("booking.topic")
def _booking_topic(user, booking) -> bool:
    """What the student wrote when booking: for a psychological counseling, the counselor only."""
    if _is_booking_student(user, booking) or _is_host(user, booking):
        return True
    if booking.slot.kind == "psychological_counseling":
        return False
    return user.role == Role.ADMIN or _assigned(user, booking.student)


@rule("booking.change")
def _booking_change(user, booking) -> bool:
    return _is_booking_student(user, booking)


@rule("booking.calendar")
def _booking_calendar(user, booking) -> bool:
    return _is_booking_student(user, booking) or _is_host(user, booking)


@rule("booking.host")
def _booking_host(user, booking) -> bool:
    return user.role in (Role.MENTOR, Role.ALUMNI) and _is_host(user, booking)


@rule("booking.excuse")
def _booking_excuse(user, booking) -> bool:
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.MENTOR and (_is_host(user, booking) or _assigned(user, booking.student))


@rule("campaign.create")
def _campaign_create(user, obj) -> bool:
    return user.role == Role.MENTOR


@rule("campaign.manage")
def _campaign_manage(user, campaign) -> bool:
    return user.role == Role.MENTOR and campaign.mentor_id == user.id


@rule("appointments.admin")
def _appointments_admin(user, obj) -> bool:
    return user.role == Role.ADMIN



# --- group sessions ----------------------------------------------------------------------

def _hosts(user, session) -> bool:
    return session is not None and session.host_id == user.id


@rule("session.browse")
def _session_browse(user, obj) -> bool:
    """The programme of published sessions is open to everyone signed in."""
    return True


@rule("session.view")
def _session_view(user, session) -> bool:
    """Published and cancelled sessions: everyone signed in; proposals: their volunteer and admins."""
    if session.status in ("published", "cancelled"):
        return True
    return user.role == Role.ADMIN or _hosts(user, session)


@rule("session.create", "session.host_list")
def _session_host(user, obj) -> bool:
    """Staff publish sessions; alumni volunteers propose them."""
    return user.role in (Role.ADMIN, Role.MENTOR, Role.ALUMNI)


@rule("session.edit")
def _session_edit(user, session) -> bool:
    """Admins, and the host; a volunteer changes only a proposal (after approval, the office does)."""
    if user.role == Role.ADMIN:
        return True
    if not _hosts(user, session):
        return False
    if user.role == Role.ALUMNI:
        return session.status in ("proposed", "declined")
    return True


@rule("session.cancel", "session.roster", "session.check_in")
def _session_host_or_admin(user, session) -> bool:
    return user.role == Role.ADMIN or _hosts(user, session)


@rule("session.review", "sessions.manage", "alumni.directory")
def _sessions_office(user, obj) -> bool:
    return user.role == Role.ADMIN


@rule("session.register", "session.rate")
def _session_student(user, session) -> bool:
    """Students take part; whether they may now (window, seats, attendance) is the services' rule."""
    return user.role == Role.STUDENT


@rule("alumni.profile_own")
def _alumni_profile_own(user, obj) -> bool:
    return user.role == Role.ALUMNI



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
    from portal.students.access import student_of_user

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
