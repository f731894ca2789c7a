"""The imports in a real browser: a roster checked, previewed and confirmed through the pages, and a
flag found on a certification list dismissed in place on the follow-up list."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import func, select

from portal.extensions import db
from portal.students.models import ListMatch, MentorAssignment, Student
from tests import factories
from tests.e2e.test_browser import csp_violations, path_is, sign_in
from tests.fixtures import import_files as files


def test_an_administrator_imports_a_roster_after_its_preview(app, page, console_messages, tmp_path):
    admin = factories.make_user(app, role="admin")
    roster = tmp_path / "roster.xlsx"
    roster.write_bytes(files.xlsx(files.ROSTER_HEADERS_ZH, files.roster(3, start=7001)))
    staging = app.config.get("IMPORT_STAGING_DIR")
    app.config["IMPORT_STAGING_DIR"] = str(tmp_path / "staged")
    try:
        sign_in(page, admin.username)
        page.goto("/admin/imports/")
        card = page.get_by_test_id("import-roster")
        card.locator("input[type=file]").set_input_files(str(roster))
        card.get_by_role("button", name="Check the file").click()

        expect(page.get_by_test_id("import-ready")).to_be_visible()
        expect(page.get_by_test_id("import-summary")).to_have_text("3 created, 0 updated, 0 unchanged")
        page.get_by_test_id("confirm-import").click()

        expect(page).to_have_url(path_is("/admin/imports/"))
        expect(page.get_by_text("Imported roster.xlsx: 3 created, 0 updated, 0 unchanged.")).to_be_visible()
        expect(page.get_by_test_id("import-history")).to_contain_text("roster.xlsx")
    finally:
        app.config["IMPORT_STAGING_DIR"] = staging
    with app.app_context():
        assert db.session.scalar(select(func.count(Student.id)).where(Student.student_no.like("202690700%"))) == 3
        db.session.remove()
    assert csp_violations(console_messages) == []


def test_a_file_that_is_not_a_spreadsheet_is_refused_beside_the_upload_field(app, page, tmp_path):
    admin = factories.make_user(app, role="admin")
    fake = tmp_path / "roster.xlsx"
    fake.write_bytes(b"%PDF-1.7 not a sheet")
    sign_in(page, admin.username)
    page.goto("/admin/imports/")
    card = page.get_by_test_id("import-roster")
    card.locator("input[type=file]").set_input_files(str(fake))
    card.get_by_role("button", name="Check the file").click()

    expect(page.get_by_test_id("import-roster").get_by_test_id("file-error")).to_contain_text("not a spreadsheet")


def test_a_mentor_dismisses_a_flag_in_place(app, page, console_messages):
    mentor = factories.make_user(app, role="mentor")
    student = factories.make_student(app, display_name="钱七")
    with app.app_context():
        db.session.add(MentorAssignment(student_id=student.id, mentor_id=mentor.id))
        match = ListMatch(student_id=student.id, category="low_income_guarantee", list_name="低保名单",
                          matched_by="student_no")
        db.session.add(match)
        db.session.commit()
        match_id = match.id
        db.session.remove()
    csrf_was_enabled = app.config["WTF_CSRF_ENABLED"]
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        sign_in(page, mentor.username)
        page.goto("/follow-up/lists")
        row = page.locator(f"#flag-{match_id}")
        expect(row).to_contain_text("钱七")
        page.evaluate("window.__marker = 1")
        row.locator("input[name=reason]").fill("已核实家庭情况好转")
        row.get_by_role("button", name="Dismiss").click()

        expect(page.locator(f"#flag-{match_id}")).to_contain_text("Dismissed: 已核实家庭情况好转")
        assert page.evaluate("window.__marker") == 1  # the row was swapped, the page not reloaded
    finally:
        app.config["WTF_CSRF_ENABLED"] = csrf_was_enabled
    with app.app_context():
        assert db.session.get(ListMatch, match_id).resolution == "dismissed: 已核实家庭情况好转"
        db.session.remove()
    assert csp_violations(console_messages) == []
