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


# The yardstick every other page is compared with.
BASELINE = "healthz"

# A feature that adds a page adds a line here, with a role from ACCOUNTS.
PAGES: list[Page] = [
    Page("healthz", None, "/healthz"),
    Page("admin home", "admin", "/admin/"),
    Page("admin users list", "admin", "/admin/users"),
    Page("admin audit log", "admin", "/admin/audit/"),
    Page("student home", "student", "/student/"),
    Page("mentor home", "mentor", "/mentor/"),
    Page("alumni home", "alumni", "/alumni/"),
    Page("admin outcomes dashboard", "admin", "/reports/"),
    Page("mentor outcomes dashboard", "mentor", "/reports/"),
    Page("admin destinations", "admin", "/outcomes/destinations"),
    Page("mentor follow-ups", "mentor", "/outcomes/follow-ups"),
    Page("admin feedback", "admin", "/outcomes/feedback"),
    Page("student outcomes", "student", "/outcomes/me"),
]
