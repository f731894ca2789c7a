"""What a person sees in a real browser: signing in, language, htmx pages, CSP and signing out."""
from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from tests import factories

# role → (home path, heading, areas its navigation shows, an area of another role it must not show)
HOMES = {
    "student": ("/student/", "Welcome, Li Hua", ["Home", "Resumes", "My plan"], "Users"),
    "mentor": ("/mentor/", "Welcome, Li Hua", ["Home", "Caseload", "Resume reviews"], "My plan"),
    "alumni": ("/alumni/", "Welcome, Li Hua", ["Home", "My slots", "Sharing sessions"], "Caseload"),
    "admin": ("/admin/", "Employment office dashboard", ["Dashboard", "Users", "Audit log"], "Resumes"),
}


def sign_in(page, username: str, password: str = factories.PASSWORD) -> None:
    page.goto("/auth/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("main form button[type=submit]").click()


def path_is(path: str) -> re.Pattern:
    return re.compile(rf"^[^?#]*://[^/]+{re.escape(path)}(\?.*)?$")


def csp_violations(messages: list[str]) -> list[str]:
    return [m for m in messages if "Content Security Policy" in m or "Refused to" in m]


def user_rows(page):
    return page.locator("#user-results tbody tr")


@pytest.mark.parametrize("role", list(HOMES))
def test_each_role_signs_in_to_its_own_home(app, page, role):
    user = factories.make_user(app, role=role, display_name="Li Hua")
    if role == "student":
        factories.attach_student(app, user)
    path, heading, areas, foreign_area = HOMES[role]

    sign_in(page, user.username)

    expect(page).to_have_url(path_is(path))
    expect(page.get_by_test_id("home-heading")).to_have_text(heading)
    nav = page.get_by_role("navigation", name="Main navigation")
    expect(nav.get_by_role("link", name=areas[0], exact=True)).to_have_attribute("aria-current", "page")
    for area in areas[1:]:
        expect(nav).to_contain_text(area)
    expect(nav).not_to_contain_text(foreign_area)


def test_language_choice_sticks_to_the_browser_then_to_the_account(app, new_page):
    user = factories.make_user(app, role="mentor", display_name="Li Hua")
    page = new_page(locale="en-US")
    html = page.locator("html")

    page.goto("/auth/login")
    expect(html).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Sign in to MedPath")).to_be_visible()

    page.get_by_role("button", name="中文", exact=True).click()
    expect(page).to_have_url(path_is("/auth/login"))
    expect(html).to_have_attribute("lang", "zh-CN")
    expect(page.locator("main")).not_to_contain_text("Sign in to MedPath")

    page.reload()
    expect(html).to_have_attribute("lang", "zh-CN")
    expect(page.locator("main")).not_to_contain_text("Sign in to MedPath")

    sign_in(page, user.username)
    expect(page).to_have_url(path_is("/mentor/"))
    expect(html).to_have_attribute("lang", "zh-CN")
    page.get_by_role("button", name="English", exact=True).click()
    expect(page).to_have_url(path_is("/mentor/"))
    expect(html).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("home-heading")).to_have_text("Welcome, Li Hua")

    # a browser that asks for Chinese and has no language cookie: the account's choice wins
    other = new_page(locale="zh-CN")
    other.goto("/auth/login")
    expect(other.locator("html")).to_have_attribute("lang", "zh-CN")
    sign_in(other, user.username)
    expect(other).to_have_url(path_is("/mentor/"))
    expect(other.locator("html")).to_have_attribute("lang", "en")
    expect(other.get_by_test_id("home-heading")).to_have_text("Welcome, Li Hua")


def test_user_search_filters_the_table_without_reloading(app, page):
    admin = factories.make_user(app, role="admin", username="office-admin")
    factories.make_user(app, role="student", username="wang-fang", display_name="Wang Fang")
    factories.make_user(app, role="mentor", username="zhao-lei", display_name="Zhao Lei")
    sign_in(page, admin.username)
    page.goto("/admin/users")
    expect(page.get_by_test_id("user-count")).to_have_text("3 users")
    page.evaluate("window.__marker = 1")

    page.get_by_test_id("user-search").fill("wang")

    expect(page.get_by_test_id("user-count")).to_have_text("1 user")
    expect(user_rows(page)).to_have_count(1)
    expect(user_rows(page)).to_contain_text("wang-fang")
    assert page.evaluate("window.__marker") == 1
    expect(page).to_have_url(re.compile(r"/admin/users\?(.*&)?q=wang(&|$)"))


def test_row_action_sends_the_csrf_header_and_swaps_the_row(app, page):
    admin = factories.make_user(app, role="admin", username="office-admin")
    factories.make_user(app, role="mentor", username="zhao-lei")
    csrf_was_enabled = app.config["WTF_CSRF_ENABLED"]
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        sign_in(page, admin.username)
        expect(page).to_have_url(path_is("/admin/"))
        page.goto("/admin/users")
        page.evaluate("window.__marker = 1")
        body_token = json.loads(page.locator("body").get_attribute("hx-headers"))["X-CSRFToken"]
        # the row's form carries the token as a field too, which the server would read first;
        # without it only the header htmx adds from <body hx-headers> can pass the check
        page.locator("#user-results form:has([data-testid=deactivate-zhao-lei]) input[name=csrf_token]").evaluate(
            "field => field.remove()"
        )

        with page.expect_request(lambda request: request.method == "POST" and "/deactivate" in request.url) as sent:
            page.get_by_test_id("deactivate-zhao-lei").click()

        assert sent.value.headers.get("x-csrftoken") == body_token
        row = user_rows(page).filter(has_text="zhao-lei")
        expect(row.get_by_test_id("activate-zhao-lei")).to_have_text("Reactivate")
        expect(row).to_contain_text("Deactivated")
        assert page.evaluate("window.__marker") == 1
    finally:
        app.config["WTF_CSRF_ENABLED"] = csrf_was_enabled

    with app.app_context():
        assert db.session.scalar(select(User.active).where(User.username == "zhao-lei")) is False
        db.session.remove()


def test_pages_break_no_content_security_policy_rule(app, new_page, console_messages):
    pages = {}
    for role, (path, _heading, _areas, _foreign) in HOMES.items():
        user = factories.make_user(app, role=role, username=f"{role}-csp")
        pages[role] = new_page()
        sign_in(pages[role], user.username)
        expect(pages[role]).to_have_url(path_is(path))
        expect(pages[role].get_by_test_id("home-heading")).to_be_visible()
    admin_page = pages["admin"]
    admin_page.goto("/admin/users")
    admin_page.get_by_test_id("user-search").fill("mentor")
    expect(admin_page.get_by_test_id("user-count")).to_have_text("1 user")
    admin_page.get_by_test_id("deactivate-mentor-csp").click()
    expect(admin_page.get_by_test_id("activate-mentor-csp")).to_be_visible()

    assert csp_violations(console_messages) == []


def test_sign_out_ends_access_to_private_pages(app, page):
    admin = factories.make_user(app, role="admin")
    sign_in(page, admin.username)
    expect(page).to_have_url(path_is("/admin/"))

    page.get_by_test_id("logout").click()

    expect(page).to_have_url(path_is("/auth/login"))
    expect(page.get_by_role("heading", name="Sign in to MedPath")).to_be_visible()
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/auth/login\?next="))
    expect(page.locator("input[name=password]")).to_be_visible()
