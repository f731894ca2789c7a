"""Every link in a role's navigation opens for that role."""
from __future__ import annotations

import pytest

from portal.navigation import NAV
from tests.sweep import ROLES


@pytest.mark.parametrize("role", ROLES)
def test_every_navigation_link_opens_for_its_role(app, client_as, users, role):
    client = client_as(role)
    page = client.get("/", follow_redirects=True, headers={"Accept-Language": "en"}).get_data(as_text=True)
    with app.test_request_context():
        from flask import url_for

        urls = [url_for(item.endpoint) for item in NAV[role] if item.endpoint]
    assert urls, f"{role} has no navigation"
    for url in urls:
        assert f'href="{url}"' in page, f"{url} is missing from the {role}'s navigation"
        response = client.get(url, headers={"Accept-Language": "en"})
        assert response.status_code == 200, f"{role}: {url} answered {response.status_code}"
