"""What the office and a student see in a real browser around appointments: the no-show limit that
pauses self-booking, and rating an attended appointment on the feedback channel."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from portal.accounts.models import User
from portal.appointments import services as appointments
from portal.appointments.models import Booking
from portal.extensions import db
from tests import factories
from tests.appointments.helpers import past_booking, publish_one
from tests.e2e.test_browser import path_is, sign_in

LIMIT_LABEL = "Missed appointments before self-booking pauses"
PAUSED = "so booking by yourself is paused"


def _student(app, display_name: str = "Li Hua"):
    user = factories.make_user(app, role="student", display_name=display_name)
    return user, factories.attach_student(app, user)


def _missed(app, mentor, student, *, days_ago: float) -> None:
    """An appointment the student booked and the mentor marked as not attended."""
    booking_id = past_booking(app, mentor, student, days_ago=days_ago)
    with app.app_context():
        appointments.mark_attendance(db.session.get(Booking, booking_id), by=db.session.get(User, mentor.id),
                                     attended=False)
        db.session.commit()
        db.session.remove()


def _attended_and_closed(app, mentor, student, *, kind: str) -> None:
    """An appointment the student attended, marked so and closed by the host with comments and notes."""
    booking_id = past_booking(app, mentor, student, kind=kind)
    with app.app_context():
        booking = db.session.get(Booking, booking_id)
        host = db.session.get(User, mentor.id)
        appointments.mark_attendance(booking, by=host, attended=True)
        appointments.record_outcome(booking, by=host, comments="Prepare for the residency exam first.",
                                    notes="Worried about the cost of further study.")
        db.session.commit()
        db.session.remove()


def _limit_field(page):
    return page.locator("#no-show-limit").get_by_label(LIMIT_LABEL)


def _save_limit(page, value: str) -> None:
    _limit_field(page).fill(value)
    page.locator("#no-show-limit").get_by_role("button", name="Save", exact=True).click()


def test_the_office_sets_the_no_show_limit_and_a_student_who_reached_it_cannot_book(app, new_page):
    admin = factories.make_user(app, role="admin", username="office-admin")
    mentor = factories.make_user(app, role="mentor", display_name="Wang Min")
    student_user, student = _student(app)
    _missed(app, mentor, student, days_ago=3)
    _missed(app, mentor, student, days_ago=2)
    publish_one(app, mentor, location="Admin building 302")

    # under the default limit (3) two missed appointments only earn a warning
    learner = new_page()
    sign_in(learner, student_user.username)
    expect(learner).to_have_url(path_is("/student/"))
    learner.goto("/appointments/mine")
    expect(learner.locator("main")).to_contain_text(
        "You missed 2 appointments without cancelling. Booking by yourself pauses at 3.")
    expect(learner.get_by_test_id("booking-paused")).to_have_count(0)

    office = new_page()
    sign_in(office, admin.username)
    expect(office).to_have_url(path_is("/admin/"))
    office.goto("/appointments/")
    office.get_by_role("link", name="Psychological counselors", exact=True).click()
    expect(office).to_have_url(path_is("/appointments/admin/hosts"))
    section = office.locator("#no-show-limit")
    expect(section.get_by_role("heading", name="Missed appointments")).to_be_visible()
    expect(section).to_contain_text("0 means booking is never paused.")
    expect(_limit_field(office)).to_have_value("3")

    # (a number field: Chromium lets nobody type letters into it, but a fraction or nothing gets through)
    for bad, message in (("21", "Number must be between 0 and 20."), ("2.5", "Not a valid integer value."),
                         ("", "This field is required.")):
        _save_limit(office, bad)
        expect(office).to_have_url(path_is("/appointments/admin/no-show-limit"))
        expect(section.locator(".error")).to_have_text(message)
        expect(_limit_field(office)).to_have_attribute("aria-invalid", "true")
        expect(office.locator(".flash-success")).to_have_count(0)
    # the same refusal, in the language of an office worker who reads Chinese
    chinese = new_page(locale="zh-CN")
    sign_in(chinese, admin.username)
    expect(chinese).to_have_url(path_is("/admin/"))
    chinese.goto("/appointments/admin/hosts")
    expect(chinese.locator("html")).to_have_attribute("lang", "zh-CN")
    chinese.locator("#no-show-limit input[name=limit]").fill("21")
    chinese.locator("#no-show-limit button[type=submit]").click()
    expect(chinese.locator("#no-show-limit .error")).to_have_text("数值大小必须介于 0 到 20 之间。")
    office.goto("/appointments/admin/hosts")
    expect(_limit_field(office)).to_have_value("3")  # nothing was saved

    _save_limit(office, "2")
    expect(office).to_have_url(path_is("/appointments/admin/hosts"))
    expect(office.locator(".flash-success")).to_have_text("Saved.")
    expect(_limit_field(office)).to_have_value("2")
    office.reload()
    expect(_limit_field(office)).to_have_value("2")
    expect(office.locator(".flash-success")).to_have_count(0)

    # the student who missed two appointments is now told, on the list and on the slot itself
    learner.goto("/student/")
    learner.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Appointments").click()
    expect(learner).to_have_url(path_is("/appointments/"))
    expect(learner.get_by_test_id("booking-paused")).to_contain_text(
        "You missed 2 appointments without cancelling, so booking by yourself is paused. "
        "Please talk to your mentor, who can lift the pause.")
    row = learner.get_by_test_id("slot-row").filter(has_text="Wang Min")
    row.get_by_role("link", name="Book", exact=True).click()
    expect(learner).to_have_url(re.compile(r"/appointments/slots/\d+$"))
    expect(learner.get_by_test_id("booking-paused")).to_contain_text(PAUSED)
    expect(learner.get_by_test_id("book")).to_have_count(0)
    learner.goto("/appointments/mine")
    expect(learner.get_by_test_id("booking-paused")).to_contain_text(PAUSED)
    expect(learner.get_by_test_id("upcoming")).to_contain_text("No upcoming appointment.")


def test_a_student_rates_an_attended_appointment_once_and_can_only_change_that_rating(app, new_page):
    mentor = factories.make_user(app, role="mentor", display_name="Wang Min")
    student_user, student = _student(app)
    # career counseling: the notes are for mentors only, the appointment is still the student's to rate
    _attended_and_closed(app, mentor, student, kind="career_counseling")
    admin = factories.make_user(app, role="admin")

    page = new_page()
    sign_in(page, student_user.username)
    expect(page).to_have_url(path_is("/student/"))
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Destination and surveys").click()
    expect(page).to_have_url(path_is("/outcomes/me"))
    feedback = page.locator("section", has=page.get_by_role("heading", name="Feedback on the support you received"))
    rows = feedback.locator("tbody tr")
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row).to_contain_text("Career counseling")
    expect(row).to_contain_text("Wang Min")
    expect(row).to_contain_text("—")
    expect(page.locator("main")).not_to_contain_text("Worried about the cost")  # the mentors' notes stay theirs

    row.get_by_role("link", name="Rate", exact=True).click()
    expect(page).to_have_url(re.compile(r"/outcomes/feedback/intervention/\d+$"))
    rating_url = page.url
    expect(page.get_by_role("heading", name="How helpful was it?")).to_be_visible()
    expect(page.locator("main .lead")).to_contain_text("Career counseling")
    page.get_by_role("button", name="Send feedback").click()  # no rating chosen
    expect(page.locator("fieldset .error")).to_have_text("Choose a rating from 1 to 5.")
    page.get_by_label("4 — helpful").check()
    page.get_by_label("Comment (optional)").fill("Clear advice on the residency exam.")
    page.get_by_role("button", name="Send feedback").click()

    expect(page).to_have_url(path_is("/outcomes/me"))
    expect(page.locator(".flash-success")).to_have_text("Thank you for your feedback.")
    expect(rows).to_have_count(1)
    expect(row).to_contain_text("4 / 5")
    expect(row).to_contain_text("Clear advice on the residency exam.")
    expect(row.get_by_role("link", name="Rate", exact=True)).to_have_count(0)
    page.reload()
    expect(row).to_contain_text("4 / 5")

    # rating it again: the form shows the rating already given, and a new one replaces it
    row.get_by_role("link", name="Change", exact=True).click()
    expect(page).to_have_url(rating_url)
    expect(page.get_by_label("4 — helpful")).to_be_checked()
    expect(page.get_by_label("Comment (optional)")).to_have_value("Clear advice on the residency exam.")
    page.get_by_label("2 — of little help").check()
    page.get_by_label("Comment (optional)").fill("On second thought, too general.")
    page.get_by_role("button", name="Send feedback").click()
    expect(page).to_have_url(path_is("/outcomes/me"))
    expect(rows).to_have_count(1)
    expect(row).to_contain_text("2 / 5")
    expect(row).to_contain_text("On second thought, too general.")
    expect(row).not_to_contain_text("4 / 5")

    # the office counts one rating of the appointment, the latest
    office = new_page()
    sign_in(office, admin.username)
    expect(office).to_have_url(path_is("/admin/"))
    office.goto("/outcomes/feedback")
    by_measure = office.locator("section", has=office.get_by_role("heading", name="By measure")).locator("tbody tr")
    expect(by_measure.filter(has_text="Career counseling")).to_have_text(re.compile(r"Career counseling\s*1\s*2\.0\s*0%"))
    listed = office.locator("#feedback-results tbody tr")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("Li Hua")
    expect(listed).to_contain_text("2 / 5")
    expect(listed).to_contain_text("On second thought, too general.")
