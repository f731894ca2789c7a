"""Every route of the app, tried by an anonymous visitor and by each role.

Each feature states who may reach its routes in tests/<feature>/sweep.py (`EXPECTATIONS`, and
optionally `objects(app, users, other)` returning the ids its URL templates need). A route that no
file mentions fails the sweep: every new capability must say who may reach it.

A route that answers both GET and POST is tried with both: the POST (an empty form) is expected to
let through whoever the GET lets through and to refuse the others the same way, unless the feature
states otherwise in `POSTS` (e.g. a mentor may read a resume section but not save one).
"""
from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

import tests
from tests.sweep import ALLOWED, LOGIN, ROLES


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
for _module in MODULES:
    POSTS.update(getattr(_module, "POSTS", {}))


def test_every_route_has_an_expectation(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(EXPECTATIONS) == set(), "routes with no authorization expectation"
    assert set(EXPECTATIONS) - endpoints == set(), "expectations for routes that no longer exist"


def _order(item):
    endpoint, (method, _, _) = item
    # signing out goes last: it ends the session the other requests need; other POSTs after GETs
    return (endpoint == "auth.logout", method != "GET", endpoint)


def _ids(app, users, make_user) -> dict:
    other = make_user("student")
    ids = {"other_user_id": other.id}
    for module in MODULES:
        if hasattr(module, "objects"):
            ids.update(module.objects(app, users, other))
    return ids


def _answered(response, want) -> bool:
    if want == LOGIN:
        return response.status_code == 302 and response.location.startswith("/auth/login")
    if want == ALLOWED:  # let through: whatever the form says about an empty submission
        return response.status_code in (200, 302, 303, 400, 409, 422) and not (
            response.status_code == 302 and response.location.startswith("/auth/login"))
    return response.status_code == want


def test_posts_to_a_page_with_a_form_are_guarded_like_the_page(app, users, make_user, login):
    """Every GET-and-POST route is listed for its POST, by derivation or in a feature's POSTS."""
    both = {rule.endpoint for rule in app.url_map.iter_rules() if {"GET", "POST"} <= rule.methods}
    assert set(POSTS) <= both, "POSTS lists routes that do not answer both GET and POST"
    assert both <= set(EXPECTATIONS)


@pytest.mark.parametrize("visitor", ["anon", *ROLES])
def test_sweep_posts(app, users, make_user, login, visitor):
    both = {rule.endpoint for rule in app.url_map.iter_rules() if {"GET", "POST"} <= rule.methods}
    ids = _ids(app, users, make_user)
    client = app.test_client()
    if visitor != "anon":
        login(client, users[visitor])
    failures = []
    for endpoint in sorted(both):
        method, template, expected = EXPECTATIONS[endpoint]
        if endpoint in POSTS:
            want = POSTS[endpoint][visitor]
        else:
            got = expected[visitor]
            want = ALLOWED if got == 200 else got
        url = template.format(**ids)
        response = client.post(url, data={})
        response.close()
        if not _answered(response, want):
            failures.append(f"{endpoint} POST {url}: got {response.status_code} {response.location or ''}, want {want}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("visitor", ["anon", *ROLES])
def test_sweep(app, users, make_user, login, visitor):
    ids = _ids(app, users, make_user)
    client = app.test_client()
    if visitor != "anon":
        login(client, users[visitor])
    failures = []
    for endpoint, (method, template, expected) in sorted(EXPECTATIONS.items(), key=_order):
        url = template.format(**ids)
        response = client.open(url, method=method)
        response.close()
        want = expected[visitor]
        if not _answered(response, want):
            failures.append(f"{endpoint} {method} {url}: got {response.status_code}, want {want}")
    assert not failures, "\n".join(failures)
