"""Every route of the app, tried by an anonymous visitor and by each role.

A route missing from EXPECTATIONS fails the sweep: each new capability must say who may reach it.
"""
from __future__ import annotations

import pytest

from tests.conftest import ROLES

LOGIN = "login"  # redirected to the sign-in page
ANYONE = {"anon": 200, "student": 200, "mentor": 200, "alumni": 200, "admin": 200}


def only(role: str, ok: int = 200, anon=LOGIN) -> dict:
    expected = {r: 403 for r in ROLES}
    expected[role] = ok
    expected["anon"] = anon
    return expected


def signed_in(ok: int = 200) -> dict:
    return {"anon": LOGIN, **{r: ok for r in ROLES}}


# endpoint -> (method, url template, expected outcome per visitor)
EXPECTATIONS: dict[str, tuple[str, str, dict]] = {
    "static": ("GET", "/static/css/portal.css", ANYONE),
    "main.healthz": ("GET", "/healthz", ANYONE),
    "main.index": ("GET", "/", {"anon": LOGIN, **{r: 302 for r in ROLES}}),
    "main.set_language": ("POST", "/language?lang=en", {"anon": 400, **{r: 400 for r in ROLES}}),
    "main.student_home": ("GET", "/student/", only("student")),
    "main.mentor_home": ("GET", "/mentor/", only("mentor")),
    "main.alumni_home": ("GET", "/alumni/", only("alumni")),
    "auth.login": ("GET", "/auth/login", {"anon": 200, **{r: 302 for r in ROLES}}),
    "auth.logout": ("POST", "/auth/logout", signed_in(302)),
    "auth.change_password": ("GET", "/auth/password", signed_in()),
    "admin.home": ("GET", "/admin/", only("admin")),
    "admin.users": ("GET", "/admin/users", only("admin")),
    "admin.user_new": ("GET", "/admin/users/new", only("admin")),
    "admin.user_edit": ("GET", "/admin/users/{other_id}", only("admin")),
    "admin.user_deactivate": ("POST", "/admin/users/{other_id}/deactivate", only("admin", 302)),
    "admin.user_activate": ("POST", "/admin/users/{other_id}/activate", only("admin", 302)),
    "admin.user_role": ("POST", "/admin/users/{other_id}/role", only("admin", 400)),
    "admin.user_password": ("POST", "/admin/users/{other_id}/password", only("admin", 400)),
    "audit.index": ("GET", "/admin/audit/", only("admin")),
}


def test_every_route_has_an_expectation(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(EXPECTATIONS) == set(), "routes with no authorization expectation"
    assert set(EXPECTATIONS) - endpoints == set(), "expectations for routes that no longer exist"


@pytest.mark.parametrize("visitor", ["anon", *ROLES])
def test_sweep(app, users, make_user, login, visitor):
    other = make_user("student")
    client = app.test_client()
    if visitor != "anon":
        login(client, users[visitor])
    failures = []
    # signing out goes last: it ends the session the other requests need
    for endpoint, (method, template, expected) in sorted(EXPECTATIONS.items(), key=lambda kv: (kv[0] == "auth.logout", kv[0])):
        url = template.format(other_id=other.id)
        response = client.open(url, method=method)
        response.close()
        want = expected[visitor]
        if want == LOGIN:
            ok = response.status_code == 302 and response.location.startswith("/auth/login")
        else:
            ok = response.status_code == want
        if not ok:
            failures.append(f"{endpoint} {method} {url}: got {response.status_code}, want {want}")
    assert not failures, "\n".join(failures)
