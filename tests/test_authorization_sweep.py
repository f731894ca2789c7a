"""Every route of the app, tried by an anonymous visitor, by each role, and by outsiders.

Each feature states who may reach its routes in tests/<feature>/sweep.py (`EXPECTATIONS`, and
optionally `objects(app, users, other)` returning the ids its URL templates need). A route that no
file mentions fails the sweep: every new capability must say who may reach it.

A route that answers both GET and POST is tried with both: the POST (an empty form) is expected to
let through whoever the GET lets through and to refuse the others the same way, unless the feature
states otherwise in `POSTS` (e.g. a mentor may read a resume section but not save one).

Two worlds are built, each by every feature's `objects()`: the first student's (with their mentor)
and a second student's (with a mentor of their own, who is not the first student's). Every route
whose URL names an object is also tried by the two outsiders, the second student and the second
mentor: on the first student's objects they are refused with 403, on their own they get what their
role gets. A feature states in `FOREIGN` what an outsider gets instead: 404 where the route answers
as if another's object did not exist, or the role's answer where the object is not the student's
but open to every user of the role (a job posting, an open session).
"""
from __future__ import annotations

import importlib
import pkgutil
import string
from pathlib import Path

import pytest

import tests
from tests import factories
from tests.conftest import _wipe, sign_in
from tests.sweep import ALLOWED, LOGIN, OUTSIDERS, ROLES


def _sweep_modules():
    modules = []
    for info in pkgutil.iter_modules([str(Path(tests.__file__).parent)]):
        if info.ispkg and (Path(tests.__file__).parent / info.name / "sweep.py").exists():
            modules.append(importlib.import_module(f"tests.{info.name}.sweep"))
    return modules


MODULES = _sweep_modules()
EXPECTATIONS: dict[str, tuple[str, str, dict]] = {}
for _module in MODULES:
    for _endpoint in _module.EXPECTATIONS:
        assert _endpoint not in EXPECTATIONS, f"{_endpoint} expected twice"
    EXPECTATIONS.update(_module.EXPECTATIONS)


POSTS: dict[str, dict] = {}
FOREIGN: dict[str, dict] = {}
for _module in MODULES:
    POSTS.update(getattr(_module, "POSTS", {}))
    FOREIGN.update(getattr(_module, "FOREIGN", {}))


def _names_an_object(template: str) -> bool:
    return any(field for _, field, _, _ in string.Formatter().parse(template))


def test_every_route_has_an_expectation(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(EXPECTATIONS) == set(), "routes with no authorization expectation"
    assert set(EXPECTATIONS) - endpoints == set(), "expectations for routes that no longer exist"


def test_outsiders_exceptions_name_routes_with_objects():
    for endpoint, roles in FOREIGN.items():
        assert endpoint in EXPECTATIONS and _names_an_object(EXPECTATIONS[endpoint][1]), endpoint
        assert set(roles) <= set(OUTSIDERS.values()), endpoint


def _order(item):
    endpoint, (method, _, _) = item
    # signing out goes last: it ends the session the other requests need; other POSTs after GETs
    return (endpoint == "auth.logout", method != "GET", endpoint)


def _people(app, name: str) -> dict:
    """One active user of every role; the student has a student record."""
    made = {role: factories.make_user(app, role=role, username=f"{role}-{name}") for role in ROLES}
    made["student_record"] = factories.attach_student(app, made["student"])
    return made


def _ids(app, users) -> dict:
    other = factories.make_user(app, role="student")
    ids = {"other_user_id": other.id}
    for module in MODULES:
        if hasattr(module, "objects"):
            ids.update(module.objects(app, users, other))
    return ids


@pytest.fixture(scope="module")
def worlds(app):
    """The first student's world and the second's, committed once for the module: each test's own
    requests are rolled back with it, so every test starts from both worlds as built."""
    try:
        first, second = _people(app, "one"), _people(app, "two")
        yield {"first": (first, _ids(app, first)), "second": (second, _ids(app, second))}
    finally:
        _wipe(app)


def _answered(response, want) -> bool:
    if want == LOGIN:
        return response.status_code == 302 and response.location.startswith("/auth/login")
    if want == ALLOWED:  # let through: whatever the form says about an empty submission
        return response.status_code in (200, 302, 303, 400, 409, 422) and not (
            response.status_code == 302 and response.location.startswith("/auth/login"))
    return response.status_code == want


def _refused(want) -> bool:
    return want in (LOGIN, 401, 403, 404, 405)


def _for_an_outsider(endpoint: str, role: str, want, *, posts: bool):
    """What a user of `role` who has nothing to do with the first student gets on their object."""
    if role in FOREIGN.get(endpoint, {}):
        stated = FOREIGN[endpoint][role]
        return ALLOWED if posts and stated == 200 and endpoint not in POSTS else stated
    return want if _refused(want) else 403


def _tries(worlds, visitor: str, *, posts: bool):
    """(world, endpoint, method, template, want) for every request the visitor makes: an outsider
    tries their own objects first, then the first student's."""
    routes = {}
    for endpoint, (method, template, expected) in EXPECTATIONS.items():
        if posts:
            if endpoint in POSTS:
                routes[endpoint] = ("POST", template, POSTS[endpoint])
            else:
                routes[endpoint] = ("POST", template, {v: ALLOWED if got == 200 else got for v, got in expected.items()})
        else:
            routes[endpoint] = (method, template, expected)
    ordered = sorted(routes.items(), key=_order)
    role = OUTSIDERS.get(visitor)
    if role is None:
        return [("first", endpoint, method, template, expected[visitor])
                for endpoint, (method, template, expected) in ordered]
    with_objects = [(endpoint, method, template, expected) for endpoint, (method, template, expected) in ordered
                    if _names_an_object(template)]
    return [("second", endpoint, method, template, expected[role])
            for endpoint, method, template, expected in with_objects] + [
        ("first", endpoint, method, template, _for_an_outsider(endpoint, role, expected[role], posts=posts))
        for endpoint, method, template, expected in with_objects]


def _visit(app, worlds, visitor: str, *, posts: bool) -> list[str]:
    signed_in = {"anon": "first", **{v: "first" for v in ROLES}, **{v: "second" for v in OUTSIDERS}}[visitor]
    users = worlds[signed_in][0]
    client = app.test_client()
    if visitor != "anon":
        sign_in(app, client, users[OUTSIDERS.get(visitor, visitor)])
    both = {rule.endpoint for rule in app.url_map.iter_rules() if {"GET", "POST"} <= rule.methods}
    failures = []
    for world, endpoint, method, template, want in _tries(worlds, visitor, posts=posts):
        if posts and endpoint not in both:
            continue
        url = template.format(**worlds[world][1])
        response = client.post(url, data={}) if posts else client.open(url, method=method)
        response.close()
        if not _answered(response, want):
            whose = "" if visitor not in OUTSIDERS else f" ({world} student's)"
            failures.append(f"{visitor}: {endpoint} {method}{whose} {url}: got {response.status_code} "
                            f"{response.location or ''}, want {want}")
    return failures


VISITORS = ["anon", *ROLES, *OUTSIDERS]


def test_posts_to_a_page_with_a_form_are_guarded_like_the_page(app):
    """Every GET-and-POST route is listed for its POST, by derivation or in a feature's POSTS."""
    both = {rule.endpoint for rule in app.url_map.iter_rules() if {"GET", "POST"} <= rule.methods}
    assert set(POSTS) <= both, "POSTS lists routes that do not answer both GET and POST"
    assert both <= set(EXPECTATIONS)


@pytest.mark.parametrize("visitor", VISITORS)
def test_sweep_posts(app, worlds, visitor):
    failures = _visit(app, worlds, visitor, posts=True)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("visitor", VISITORS)
def test_sweep(app, worlds, visitor):
    failures = _visit(app, worlds, visitor, posts=False)
    assert not failures, "\n".join(failures)
