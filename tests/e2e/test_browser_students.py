"""The caseload, the ledger and the archive in a real browser: filters swap the list without reloading,
and the pages break no Content Security Policy rule."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests import factories
from tests.e2e.test_browser import csp_violations, path_is, sign_in
from tests.students.ledger_helpers import assign, claim, intervention


def test_caseload_filter_swaps_the_list_without_reloading(app, page, console_messages):
    mentor = factories.make_user(app, role="mentor", username="caseload-mentor")
    in_ledger = factories.make_student(app, display_name="Sun Qi")
    plain = factories.make_student(app, display_name="Zhou Ba")
    assign(app, in_ledger, mentor)
    assign(app, plain, mentor, kind="psychological")
    claim(app, in_ledger, "orphan")
    sign_in(page, mentor.username)
    expect(page).to_have_url(path_is("/mentor/"))
    page.goto("/caseload")
    rows = page.get_by_test_id("caseload-row")
    expect(rows).to_have_count(2)
    page.evaluate("window.__marker = 1")

    page.locator("#category").select_option("none")

    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Zhou Ba")
    expect(rows).to_contain_text("Psychological counselor")
    expect(page.get_by_test_id("caseload-total")).to_have_text("1 student")
    assert page.evaluate("window.__marker") == 1
    expect(page).to_have_url(re.compile(r"/caseload\?(.*&)?category=none(&|$)"))
    rows.get_by_role("link", name="Zhou Ba").click()
    expect(page).to_have_url(path_is(f"/students/{plain.id}"))
    assert csp_violations(console_messages) == []


def test_ledger_filter_and_archive_in_the_browser(app, page, console_messages):
    admin = factories.make_user(app, role="admin", username="ledger-admin")
    nursing = factories.make_student(app, display_name="Wu Shi", college="护理学院")
    pharmacy = factories.make_student(app, display_name="Zheng Yi", college="药学院")
    claim(app, nursing, "disabled")
    claim(app, pharmacy, "orphan", status="verified", decided_by=admin)
    mentor = factories.make_user(app, role="mentor")
    assign(app, nursing, mentor)
    intervention(app, nursing, mentor, notes="<p>Talked about <strong>county hospitals</strong>.</p>")
    sign_in(page, admin.username)
    expect(page).to_have_url(path_is("/admin/"))
    page.goto("/ledger")
    expect(page.get_by_test_id("ledger-total")).to_have_text("2 claims match")
    page.evaluate("window.__marker = 1")

    page.locator("#college").select_option("护理学院")

    expect(page.get_by_test_id("ledger-total")).to_have_text("1 claim matches")
    expect(page.locator("#ledger-results table:not(.counts) tbody")).to_contain_text("Wu Shi")
    expect(page.locator("#ledger-results table:not(.counts) tbody")).not_to_contain_text("Zheng Yi")
    assert page.evaluate("window.__marker") == 1

    page.goto(f"/students/{nursing.id}/archive")
    timeline = page.get_by_test_id("timeline")
    expect(timeline.locator(".notes strong")).to_have_text("county hospitals")
    expect(timeline).to_contain_text("Added to the ledger: Disability")
    assert csp_violations(console_messages) == []
