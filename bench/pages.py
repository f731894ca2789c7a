"""What the benchmark visits and as whom: the demo accounts and the list of pages."""
from __future__ import annotations

from typing import NamedTuple

# every demo account shares this password (portal.demo.DEMO_PASSWORD)
PASSWORD = "demo-pass-123"

# one signed-in user per role; these accounts exist in any demo seed
ACCOUNTS = {
    "admin": "admin",
    "mentor": "mentor01",
    "student": "student0001",
    "alumni": "alumni01",
}


class Page(NamedTuple):
    name: str
    role: str | None  # None: requested without signing in
    path: str
    # DESIGN's throughput budget is for "a typical authenticated page": each role's home page, the
    # page every visit starts on. Every page is held to the median budget.
    typical: bool = False


# The yardstick every other page is compared with.
BASELINE = "healthz"

# A feature that adds a page adds a line here, with a role from ACCOUNTS.
PAGES: list[Page] = [
    Page("healthz", None, "/healthz"),
    Page("admin home", "admin", "/admin/", typical=True),
    Page("admin users list", "admin", "/admin/users"),
    Page("admin audit log", "admin", "/admin/audit/"),
    Page("student home", "student", "/student/", typical=True),
    Page("mentor home", "mentor", "/mentor/", typical=True),
    Page("alumni home", "alumni", "/alumni/", typical=True),
    Page("student job postings", "student", "/jobs/"),
    Page("student job recommendations", "student", "/jobs/recommendations"),
    Page("mentor jobs caseload", "mentor", "/jobs/caseload"),
    Page("admin job curation", "admin", "/jobs/manage"),
    Page("admin job match quality", "admin", "/jobs/manage/quality"),
    Page("my plan", "student", "/plans/me"),
    Page("questionnaire", "student", "/plans/me/questionnaire"),
    Page("support plans (mentor)", "mentor", "/plans/"),
    Page("support plans (admin)", "admin", "/plans/"),
    Page("subsidy list (admin)", "admin", "/plans/subsidy/"),
    Page("questionnaires (admin)", "admin", "/plans/admin/"),
    Page("student open slots", "student", "/appointments/"),
    Page("student bookings", "student", "/appointments/mine"),
    Page("mentor availability", "mentor", "/appointments/host"),
    Page("mentor campaigns", "mentor", "/appointments/campaigns"),
    Page("alumni slots", "alumni", "/appointments/host"),
    Page("student group sessions", "student", "/sessions/"),
    Page("student my sessions", "student", "/sessions/?show=mine"),
    Page("alumni hosted sessions", "alumni", "/sessions/hosting"),
    Page("admin group sessions", "admin", "/sessions/manage"),
    # students: profiles, ledger, caseloads, archive (student0001 is on mentor01's caseload, Student id 1)
    Page("student profile", "student", "/me/profile"),
    Page("student archive", "student", "/me/archive"),
    Page("mentor caseload", "mentor", "/caseload"),
    Page("mentor ledger", "mentor", "/ledger"),
    Page("mentor student record", "mentor", "/students/1"),
    Page("admin ledger", "admin", "/ledger"),
    Page("admin ledger filtered", "admin", "/ledger?category=financial_hardship&status=verified"),
    Page("admin caseloads", "admin", "/caseloads"),
    Page("admin student archive", "admin", "/students/1/archive"),
    Page("student resume editor", "student", "/resumes/1"),
    Page("student resume list", "student", "/resumes/"),
    Page("mentor resume review queue", "mentor", "/resumes/reviews"),
    Page("admin list flags", "admin", "/follow-up/lists"),
    Page("admin spending signals", "admin", "/follow-up/spending"),
    Page("admin imports", "admin", "/admin/imports/"),
    Page("admin outcomes dashboard", "admin", "/reports/"),
    Page("mentor outcomes dashboard", "mentor", "/reports/"),
    Page("admin destinations", "admin", "/outcomes/destinations"),
    Page("mentor follow-ups", "mentor", "/outcomes/follow-ups"),
    Page("admin feedback", "admin", "/outcomes/feedback"),
    Page("student outcomes", "student", "/outcomes/me"),
]


class Document(NamedTuple):
    """A generated file (PDF, workbook) timed one request at a time against its own budget."""

    name: str
    role: str
    path: str
    budget_s: float
    runs: int = 10  # timed requests after one that warms the worker up


# one request at a time, warm: CPU-bound documents are judged by their own time budgets
DOCUMENTS = [
    Document("resume PDF (two pages, Chinese)", "student", "/resumes/1/pdf", 0.5),
    # the demo's classes: 2027 (about 85 % of the students, the season under way) and 2026 (graduated)
    Document("cohort report PDF (class of 2027, Chinese)", "admin", "/reports/cohort.pdf?year=2027&lang=zh", 15.0, 3),
    Document("cohort report PDF (class of 2026, English)", "admin", "/reports/cohort.pdf?year=2026&lang=en", 15.0, 3),
    Document("cohort workbook (class of 2027)", "admin", "/reports/cohort.xlsx?year=2027&lang=zh", 15.0, 3),
]
