"""Each role's navigation: the areas it works in, and those still being built."""
from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for

from portal.accounts.models import Role
from portal.cache import cached
from portal.i18n import lazy_gettext as _l


@dataclass(frozen=True)
class NavItem:
    label: object
    endpoint: str | None = None  # None: announced, not yet available
    description: object = ""


NAV: dict[str, list[NavItem]] = {
    Role.STUDENT: [
        NavItem(_l("Home"), "main.student_home"),
        NavItem(_l("Profile and intentions"), "students.my_profile", _l("Your details, job-search intentions and support you may ask for.")),
        NavItem(_l("Resumes"), "resumes.index", _l("Build resumes, get your mentor's comments, download PDFs.")),
        NavItem(_l("Appointments"), "appointments.slots", _l("Book mock interviews and counseling.")),
        NavItem(_l("Group sessions"), "sessions.index", _l("Alumni sharing, lectures and free skills training.")),
        NavItem(_l("Jobs"), "jobs.recommendations", _l("Curated postings matched to you.")),
        NavItem(_l("My plan"), "plans.my_plan", _l("Questionnaire, career-interest test and your personal plan.")),
        NavItem(_l("Destination and surveys"), "outcomes.me", _l("Report where you are going, answer anonymous surveys, rate the help you received.")),
        NavItem(_l("My archive"), "students.my_archive", _l("Everything the portal holds about you, to view and download.")),
    ],
    Role.MENTOR: [
        NavItem(_l("Home"), "main.mentor_home"),
        NavItem(_l("Caseload"), "students.caseload_page", _l("Your students, their needs and last contact.")),
        NavItem(_l("Ledger"), "students.ledger_page", _l("Verified hardship ledger of your caseload.")),
        NavItem(_l("Discreet checks"), "students.list_matches",
                _l("Students of your caseload found on certification lists or spending little at the canteen.")),
        NavItem(_l("Resume reviews"), "resumes.queue", _l("Resumes waiting for your comments.")),
        NavItem(_l("Availability"), "appointments.host_home", _l("Publish slots and see your bookings.")),
        NavItem(_l("Jobs"), "jobs.caseload", _l("Refer curated postings to your students.")),
        NavItem(_l("Support plans"), "plans.index", _l("One plan per student, reviewed on set dates.")),
        NavItem(_l("Follow-ups"), "outcomes.follow_ups", _l("Destinations and calls after graduation.")),
        NavItem(_l("Group sessions"), "sessions.hosting", _l("Host group counseling, lectures and training; check students in.")),
        NavItem(_l("Feedback"), "outcomes.feedback", _l("How your students rated the support they received.")),
        NavItem(_l("Reports"), "reports.dashboard", _l("Destination rates of your caseload and what helped.")),
    ],
    Role.ALUMNI: [
        NavItem(_l("Home"), "main.alumni_home"),
        NavItem(_l("My slots"), "appointments.host_home", _l("Offer mock interviews, career counseling and resume reviews to students.")),
        NavItem(_l("Sharing sessions"), "sessions.hosting", _l("Host a talk about your path after graduation.")),
    ],
    Role.ADMIN: [
        NavItem(_l("Dashboard"), "admin.home"),
        NavItem(_l("Users"), "admin.users", _l("Create accounts, change roles, reset passwords.")),
        NavItem(_l("Audit log"), "audit.index", _l("Who viewed or exported sensitive data, and when.")),
        NavItem(_l("Ledger and imports"), "students.ledger_page", _l("Rosters, certification lists and the verified ledger.")),
        NavItem(_l("Caseloads"), "students.caseloads", _l("Assign students to mentors.")),
        NavItem(_l("Job curation"), "jobs.manage", _l("Curate postings and tune the matching.")),
        NavItem(_l("Questionnaires"), "plans.admin_home", _l("Intake questionnaire and plan rules.")),
        NavItem(_l("Reports"), "reports.dashboard", _l("Destination rate and analysis reports.")),
        NavItem(_l("Group sessions"), "sessions.manage", _l("Review alumni proposals, see every session and the volunteers.")),
        NavItem(_l("Counselors and no-shows"), "appointments.admin_hosts",
                _l("Who may offer psychological counseling, and after how many missed appointments self-booking pauses.")),
    ],
}


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str | None
    endpoint: str | None
    description: str


def nav_for(user) -> list[NavItem]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return NAV.get(user.role, [])


def links_for(user) -> list[NavLink]:
    """The role's navigation in the reader's language, with its URLs: the same for everyone of the
    role, on every page they open, so it is built once and kept (it changes only with the code)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return cached("navigation", lambda: [
        NavLink(str(item.label), url_for(item.endpoint) if item.endpoint else None, item.endpoint, str(item.description))
        for item in NAV.get(user.role, [])
    ], tables=(), per_viewer=False, args=(str(user.role), request.script_root))
