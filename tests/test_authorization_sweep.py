"""Every route of the app, tried by an anonymous visitor and by each role.

Each feature states who may reach its routes in tests/<feature>/sweep.py (`EXPECTATIONS`, and
optionally `objects(app, users, other)` returning the ids its URL templates need). A route that no
file mentions fails the sweep: every new capability must say who may reach it.
"""
from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

import tests
from tests.sweep import LOGIN, ROLES


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


def test_every_route_has_an_expectation(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(EXPECTATIONS) == set(), "routes with no authorization expectation"
    assert set(EXPECTATIONS) - endpoints == set(), "expectations for routes that no longer exist"


def _order(item):
    endpoint, (method, _, _) = item
    # signing out goes last: it ends the session the other requests need; other POSTs after GETs
    return (endpoint == "auth.logout", method != "GET", endpoint)


@pytest.mark.parametrize("visitor", ["anon", *ROLES])
def test_sweep(app, users, make_user, login, visitor):
    other = make_user("student")
    ids = {"other_user_id": other.id}
    for module in MODULES:
        if hasattr(module, "objects"):
            ids.update(module.objects(app, users, other))
    client = app.test_client()
    if visitor != "anon":
        login(client, users[visitor])
    failures = []
    for endpoint, (method, template, expected) in sorted(EXPECTATIONS.items(), key=_order):
        url = template.format(**ids)
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
