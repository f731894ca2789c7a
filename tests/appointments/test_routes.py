"""The appointment pages as students, hosts, mentors and the office use them."""
from __future__ import annotations

import re

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from portal.clock import local_today
from portal import settings
from portal.accounts.models import User
from portal.appointments import attendance as attendance_rules
from portal.appointments import booking as booking_rules
from portal.appointments import campaigns as campaign_rules
from portal.appointments import hosts
from portal.clock import local_zone
from portal.appointments.models import Booking, BookingStatus, Campaign, Outcome, Slot, SlotStatus
from portal.extensions import db
from portal.notifications.models import Notification
from portal.students.models import Intervention
from tests.appointments.helpers import book, booking_status, outbox, past_booking, publish, publish_one

EN = {"Accept-Language": "en"}
HX = {"HX-Request": "true", "Accept-Language": "en"}


@pytest.fixture
def as_user(app, login):
    def make(user):
        return login(app.test_client(), user)

    return make


@pytest.fixture
def student_client(app, as_user, student):
    with app.app_context():
        user = db.session.get(User, student.user_id)
        db.session.expunge(user)
    return as_user(user)


# --- finding and booking ------------------------------------------------------------------

def test_the_slot_list_shows_times_with_their_zone_and_filters(app, mentor, make_user, student_client):
    publish_one(app, mentor, kind="mock_interview", hours_ahead=48)
    publish_one(app, mentor, kind="resume_review", hours_ahead=72)
    alumni = make_user("alumni", display_name="赵校友")
    publish_one(app, alumni, kind="mock_interview", hours_ahead=96)
    page = student_client.get("/appointments/", headers=EN)
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "3 open slots" in body and "China Standard Time" in body
    assert "王老师" in body and "赵校友" in body
    only_mock = student_client.get("/appointments/?kind=mock_interview", headers=EN).get_data(as_text=True)
    assert "2 open slots" in only_mock
    by_host = student_client.get(f"/appointments/?host={alumni.id}", headers=EN).get_data(as_text=True)
    assert "1 open slot" in by_host and "王老师" not in by_host.split('id="slot-results"')[1]


def test_the_slot_list_filters_by_local_date(app, mentor, student_client):
    slot_id = publish_one(app, mentor, hours_ahead=48)
    with app.app_context():
        local_day = db.session.get(Slot, slot_id).starts_at.astimezone(local_zone()).date()
    assert "1 open slot" in student_client.get(f"/appointments/?day={local_day}", headers=EN).get_data(as_text=True)
    other_day = local_day.replace(day=1) if local_day.day != 1 else local_day.replace(day=2)
    assert "0 open slots" in student_client.get(f"/appointments/?day={other_day}", headers=EN).get_data(as_text=True)


def test_the_slot_list_answers_htmx_with_the_rows_only(app, mentor, student_client):
    publish_one(app, mentor)
    full = student_client.get("/appointments/", headers=EN)
    fragment = student_client.get("/appointments/?kind=mock_interview", headers=HX)
    assert "<html" in full.get_data(as_text=True)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and body.lstrip().startswith('<div id="slot-results">')
    assert "1 open slot" in body
    assert "HX-Request" in full.headers["Vary"] and "HX-Request" in fragment.headers["Vary"]


def test_the_slot_list_needs_a_constant_number_of_queries(app, mentor, make_user, student_client, count_queries):
    publish_one(app, mentor, hours_ahead=48)
    student_client.get("/appointments/")
    with count_queries() as few:
        student_client.get("/appointments/")
    hosts = [make_user("mentor") for _ in range(4)] + [make_user("alumni") for _ in range(2)]
    for index, host in enumerate(hosts):
        publish(app, host, hours_ahead=48 + index, weeks=4)
    student_client.get("/appointments/", headers=EN)  # the host filter's list is read again once after a change
    with count_queries() as many:
        body = student_client.get("/appointments/", headers=EN).get_data(as_text=True)
    assert "25 open slots" in body
    assert many.count == few.count


def test_a_bad_filter_is_a_clear_400(student_client):
    assert student_client.get("/appointments/?kind=astrology").status_code == 400
    assert student_client.get("/appointments/?day=tomorrow").status_code == 400


def test_the_host_filter_offers_every_host_with_open_slots_and_refuses_others(app, mentor, make_user,
                                                                               student_client):
    publish_one(app, mentor, hours_ahead=48)
    alumni = make_user("alumni", display_name="赵校友")
    publish_one(app, alumni, hours_ahead=72)
    idle = make_user("mentor", display_name="钱老师")
    body = student_client.get(f"/appointments/?host={alumni.id}", headers=EN).get_data(as_text=True)
    options = body.split('<select id="host" name="host">')[1].split("</select>")[0]
    assert options.startswith('<option value="">All hosts</option>')
    assert f'<option value="{mentor.id}">王老师</option>' in options
    assert f'<option selected value="{alumni.id}">赵校友</option>' in options
    assert "钱老师" not in options
    assert student_client.get(f"/appointments/?host={idle.id}").status_code == 400


def test_a_student_books_and_gets_a_calendar_file(app, mentor, student, student_client):
    slot_id = publish_one(app, mentor, online_link="https://meeting.tencent.com/dm/123")
    page = student_client.get(f"/appointments/slots/{slot_id}", headers=EN).get_data(as_text=True)
    assert "Book this slot" in page and "Cancel until" in page
    response = student_client.post(f"/appointments/slots/{slot_id}/book", data={"topic": "三甲医院面试"}, headers=EN)
    assert response.status_code == 302
    booking_page = student_client.get(response.location, headers=EN).get_data(as_text=True)
    assert "三甲医院面试" in booking_page and "https://meeting.tencent.com/dm/123" in booking_page
    with app.app_context():
        booking = db.session.scalar(select(Booking))
    ics = student_client.get(f"/appointments/bookings/{booking.id}/calendar.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    assert "attachment" in ics.headers["Content-Disposition"]
    [event] = Calendar.from_ical(ics.data).walk("VEVENT")
    assert str(event["uid"]) == f"booking-{booking.id}@medpath"
    mine = student_client.get("/appointments/mine", headers=EN).get_data(as_text=True)
    assert "王老师" in mine and "Add to calendar" in mine


def test_booking_a_taken_slot_says_so_with_409(app, mentor, student_client, make_booker):
    slot_id = publish_one(app, mentor)
    book(app, slot_id, make_booker())
    response = student_client.post(f"/appointments/slots/{slot_id}/book", headers=EN)
    assert response.status_code == 409
    assert "already booked" in response.get_data(as_text=True) or "just booked" in response.get_data(as_text=True)


def test_a_paused_student_is_told_why(app, mentor, student, student_client):
    with app.app_context():
        settings.put("appointments.no_show_limit", 1)
        db.session.commit()
    missed = past_booking(app, mentor, student)
    with app.app_context():
        attendance_rules.mark_attendance(db.session.get(Booking, missed), by=db.session.get(User, mentor.id), attended=False)
        db.session.commit()
    slot_id = publish_one(app, mentor)
    listing = student_client.get("/appointments/", headers=EN).get_data(as_text=True)
    assert "booking by yourself is paused" in listing
    response = student_client.post(f"/appointments/slots/{slot_id}/book", headers=EN)
    assert response.status_code == 403
    assert "talk to your mentor" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Booking.id)).where(Booking.status == BookingStatus.BOOKED)) == 0


def test_cancel_and_reschedule_from_the_students_pages(app, mentor, student, student_client):
    first, second = publish_one(app, mentor, hours_ahead=48), publish_one(app, mentor, hours_ahead=96)
    booking_id = book(app, first, student)
    page = student_client.get(f"/appointments/bookings/{booking_id}/reschedule", headers=EN).get_data(as_text=True)
    assert "Move here" in page
    moved = student_client.post(f"/appointments/bookings/{booking_id}/reschedule", data={"slot_id": second})
    assert moved.status_code == 302
    assert booking_status(app, booking_id) == BookingStatus.CANCELLED
    with app.app_context():
        new_id = db.session.scalar(select(Booking.id).where(Booking.status == BookingStatus.BOOKED))
    assert student_client.post(f"/appointments/bookings/{new_id}/cancel").status_code == 302
    assert booking_status(app, new_id) == BookingStatus.CANCELLED
    again = student_client.post(f"/appointments/bookings/{new_id}/cancel", headers=EN)
    assert again.status_code == 409 and "no longer active" in again.get_data(as_text=True)


def test_a_failed_reschedule_keeps_the_booking(app, mentor, student, student_client, make_booker):
    first, taken = publish_one(app, mentor, hours_ahead=48), publish_one(app, mentor, hours_ahead=96)
    booking_id = book(app, first, student)
    book(app, taken, make_booker())
    response = student_client.post(f"/appointments/bookings/{booking_id}/reschedule", data={"slot_id": taken}, headers=EN)
    assert response.status_code == 409
    assert "just booked" in response.get_data(as_text=True)
    assert booking_status(app, booking_id) == BookingStatus.BOOKED
    assert student_client.post(f"/appointments/bookings/{booking_id}/reschedule", data={}).status_code == 400


# --- hosts --------------------------------------------------------------------------------

def test_a_host_publishes_weekly_slots_from_the_form(app, mentor, as_user):
    client = as_user(mentor)
    form = client.get("/appointments/host/slots/new", headers=EN).get_data(as_text=True)
    assert "Psychological counseling" not in form.split("<select")[1]
    from datetime import timedelta

    day = (local_today() + timedelta(days=3)).isoformat()
    data = {"kind": "mock_interview", "start_date": day, "start_time": "14:00", "duration": "45", "weeks": "4",
            "location": "临床技能中心 2 楼", "online_link": "", "note": "请带简历", "min_notice_hours": "24",
            "cancel_deadline_hours": "12", "max_active_per_student": "1"}
    response = client.post("/appointments/host/slots/new", data=data, headers=EN)
    assert response.status_code == 302
    with app.app_context():
        slots = db.session.scalars(select(Slot).order_by(Slot.starts_at)).all()
        assert len(slots) == 4
        assert {s.starts_at.astimezone(local_zone()).strftime("%H:%M") for s in slots} == {"14:00"}
        assert all(s.starts_at.hour == 6 for s in slots)  # 14:00 Beijing is 06:00 UTC
    again = client.post("/appointments/host/slots/new", data=data, headers=EN)
    assert again.status_code == 409 and "overlaps" in again.get_data(as_text=True)
    bad = client.post("/appointments/host/slots/new", data={**data, "location": ""}, headers=EN)
    assert bad.status_code == 400 and "place or an online meeting link" in bad.get_data(as_text=True)
    page = client.get("/appointments/host", headers=EN).get_data(as_text=True)
    assert page.count("临床技能中心") == 4 and "weekly" in page


def test_the_host_page_shows_bookings_and_no_shows_to_mentors(app, mentor, student, as_user, count_queries):
    missed = past_booking(app, mentor, student, days_ago=4)
    with app.app_context():
        attendance_rules.mark_attendance(db.session.get(Booking, missed), by=db.session.get(User, mentor.id), attended=False)
        db.session.commit()
    book(app, publish_one(app, mentor), student)
    client = as_user(mentor)
    body = client.get("/appointments/host", headers=EN).get_data(as_text=True)
    assert "李同学" in body and "1 no-show" in body


def test_the_host_page_query_count_does_not_grow(app, mentor, make_booker, as_user, count_queries):
    client = as_user(mentor)
    book(app, publish_one(app, mentor, hours_ahead=48), make_booker())
    past_booking(app, mentor, make_booker(), days_ago=3)
    client.get("/appointments/host")
    with count_queries() as few:
        client.get("/appointments/host")
    for index in range(6):
        book(app, publish_one(app, mentor, hours_ahead=60 + index * 2), make_booker())
        past_booking(app, mentor, make_booker(), days_ago=4 + index)
    with count_queries() as many:
        client.get("/appointments/host")
    assert many.count == few.count


def test_attendance_answers_htmx_with_the_row(app, mentor, student, as_user):
    booking_id = past_booking(app, mentor, student)
    client = as_user(mentor)
    fragment = client.post(f"/appointments/bookings/{booking_id}/attendance", data={"attended": "no"}, headers=HX)
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and body.lstrip().startswith(f'<tr id="close-{booking_id}">')
    assert "Did not come" in body and "HX-Request" in fragment.headers["Vary"]
    future = book(app, publish_one(app, mentor, kind="resume_review"), student)
    refused = client.post(f"/appointments/bookings/{future}/attendance", data={"attended": "yes"}, headers=HX)
    assert refused.status_code == 409 and refused.get_data(as_text=True).lstrip().startswith(f'<tr id="close-{future}">')
    assert "once the appointment has begun" in refused.get_data(as_text=True)
    assert client.post(f"/appointments/bookings/{future}/attendance", data={"attended": "yes"}).status_code == 409
    plain = client.post(f"/appointments/bookings/{booking_id}/attendance", data={"attended": "yes"})
    assert plain.status_code == 302 and plain.location.endswith("/appointments/host")
    assert booking_status(app, booking_id) == BookingStatus.ATTENDED


def test_a_host_cancels_a_booking_with_a_reason(app, mentor, student, as_user):
    booking_id = book(app, publish_one(app, mentor), student)
    client = as_user(mentor)
    refused = client.post(f"/appointments/bookings/{booking_id}/host-cancel", data={"reason": ""}, headers=EN)
    assert refused.status_code == 400 and "why you cancel" in refused.get_data(as_text=True)
    assert client.post(f"/appointments/bookings/{booking_id}/host-cancel", data={"reason": "出差"}).status_code == 302
    assert booking_status(app, booking_id) == BookingStatus.CANCELLED
    with app.app_context():
        assert db.session.scalar(select(Notification.kind).where(Notification.user_id == student.user_id)) == \
            "appointments.cancelled_by_host"
    assert any("出差" in m.get_body(("plain",)).get_content() for m in outbox(app))


def test_mock_interview_feedback_from_the_form_reaches_the_student(app, mentor, student, as_user, student_client):
    booking_id = past_booking(app, mentor, student)
    client = as_user(mentor)
    form = client.get(f"/appointments/bookings/{booking_id}/outcome", headers=EN).get_data(as_text=True)
    assert "Clinical reasoning" in form
    data = {"professional_knowledge": "4", "clinical_reasoning": "5", "communication": "3", "composure": "4",
            "presentation": "", "comments": "<b>加强</b>自我介绍"}
    missing = client.post(f"/appointments/bookings/{booking_id}/outcome", data=data, headers=EN)
    assert missing.status_code == 400 and "every rubric criterion" in missing.get_data(as_text=True)
    assert client.post(f"/appointments/bookings/{booking_id}/outcome", data={**data, "presentation": "3"}).status_code == 302
    page = student_client.get(f"/appointments/bookings/{booking_id}", headers=EN).get_data(as_text=True)
    assert "Clinical reasoning" in page and "&lt;b&gt;加强&lt;/b&gt;自我介绍" in page
    with app.app_context():
        assert db.session.scalar(select(Intervention.type).where(Intervention.source == "booking")) == "mock_interview"


def test_psychological_counseling_shows_the_mentor_only_that_it_happened(app, mentor, make_user, student, make_counselor,
                                                                        assign_to, as_user):
    counselor = make_counselor(make_user("mentor", display_name="陈咨询师"))
    assign_to(student, mentor)
    booking_id = past_booking(app, counselor, student, kind="psychological_counseling")
    with app.app_context():
        db.session.get(Booking, booking_id).topic = "最近失眠"
        db.session.commit()
    counselor_client = as_user(counselor)
    form = counselor_client.get(f"/appointments/bookings/{booking_id}/outcome", headers=EN).get_data(as_text=True)
    assert "Private notes" in form and "Clinical reasoning" not in form
    counselor_client.post(f"/appointments/bookings/{booking_id}/outcome", data={"notes": "睡眠问题，下周再约"})
    mentor_page = as_user(mentor).get(f"/appointments/bookings/{booking_id}", headers=EN)
    body = mentor_page.get_data(as_text=True)
    assert mentor_page.status_code == 200 and "This counseling took place" in body
    assert "睡眠问题" not in body and "最近失眠" not in body
    with app.app_context():
        from portal.audit.models import AuditLog

        assert db.session.scalar(select(AuditLog.actor_id).where(AuditLog.action == "appointments.counseling_viewed")) == mentor.id
    assert "最近失眠" in counselor_client.get(f"/appointments/bookings/{booking_id}").get_data(as_text=True)


def test_a_mentor_excuses_a_no_show(app, mentor, student, assign_to, as_user):
    missed = past_booking(app, mentor, student)
    with app.app_context():
        attendance_rules.mark_attendance(db.session.get(Booking, missed), by=db.session.get(User, mentor.id), attended=False)
        db.session.commit()
    assert as_user(mentor).post(f"/appointments/bookings/{missed}/excuse").status_code == 302
    with app.app_context():
        assert booking_rules.no_show_counts([student.id]) == {}


# --- campaigns ------------------------------------------------------------------------------

def test_a_mentor_runs_a_campaign(app, mentor, make_booker, assign_to, as_user):
    students = [make_booker(display_name=f"学生{i}") for i in range(3)]
    for s in students:
        assign_to(s, mentor)
    book(app, publish_one(app, mentor, hours_ahead=30), students[0])  # already has a mock interview
    client = as_user(mentor)
    new = client.get("/appointments/campaigns/new?kind=mock_interview&group=without", headers=EN).get_data(as_text=True)
    checked = re.findall(r'value="(\d+)" checked', new)
    assert sorted(map(int, checked)) == sorted(s.id for s in students[1:])
    response = client.post("/appointments/campaigns/new", data={
        "kind": "mock_interview", "title": "毕业季模拟面试", "message": "本周内预约", "students": [s.id for s in students[1:]],
    })
    assert response.status_code == 302
    with app.app_context():
        campaign_id = db.session.scalar(select(Campaign.id))
    book(app, publish_one(app, mentor, hours_ahead=50), students[1])
    page = client.get(f"/appointments/campaigns/{campaign_id}", headers=EN).get_data(as_text=True)
    assert "1 of 2 have booked." in page and "Not booked" in page
    outbox(app).clear()
    assert client.post(f"/appointments/campaigns/{campaign_id}/remind").status_code == 302
    assert len(outbox(app)) == 1
    listing = client.get("/appointments/campaigns", headers=EN).get_data(as_text=True)
    assert "毕业季模拟面试" in listing and "1 of 2" in listing


def test_a_campaign_cannot_invite_other_mentors_students(app, mentor, make_booker, as_user):
    stranger = make_booker()
    response = as_user(mentor).post("/appointments/campaigns/new", data={
        "kind": "mock_interview", "title": "x", "students": [stranger.id]})
    assert response.status_code == 400  # not a choice of the form: the caseload is empty
    with app.app_context():
        assert db.session.scalar(select(func.count(Campaign.id))) == 0


# --- id tampering ---------------------------------------------------------------------------

def test_another_students_booking_is_out_of_reach(app, mentor, student, make_booker, as_user, login):
    booking_id = book(app, publish_one(app, mentor), student)
    other = make_booker()
    with app.app_context():
        other_user = db.session.get(User, other.user_id)
        db.session.expunge(other_user)
    client = as_user(other_user)
    assert client.get(f"/appointments/bookings/{booking_id}").status_code == 403
    assert client.get(f"/appointments/bookings/{booking_id}/calendar.ics").status_code == 403
    assert client.post(f"/appointments/bookings/{booking_id}/cancel").status_code == 403
    assert client.post(f"/appointments/bookings/{booking_id}/reschedule", data={"slot_id": 1}).status_code == 403
    assert client.get("/appointments/bookings/999999").status_code == 404
    assert booking_status(app, booking_id) == BookingStatus.BOOKED


def test_another_hosts_bookings_and_campaigns_are_out_of_reach(app, mentor, make_user, student, assign_to, as_user):
    past = past_booking(app, mentor, student)
    slot_id = publish_one(app, mentor, hours_ahead=200)
    assign_to(student, mentor)
    with app.app_context():
        campaign = campaign_rules.create_campaign(db.session.get(User, mentor.id), kind="mock_interview", title="t",
                                            message=None, student_ids=[student.id])
        db.session.commit()
        campaign_id = campaign.id
    other = as_user(make_user("mentor"))
    alumni = as_user(make_user("alumni"))
    for client in (other, alumni):
        assert client.post(f"/appointments/bookings/{past}/attendance", data={"attended": "no"}).status_code == 403
        assert client.get(f"/appointments/bookings/{past}/outcome").status_code == 403
        assert client.post(f"/appointments/host/slots/{slot_id}/withdraw").status_code == 403
        assert client.get(f"/appointments/bookings/{past}").status_code == 403
    assert other.get(f"/appointments/campaigns/{campaign_id}").status_code == 403
    assert other.post(f"/appointments/campaigns/{campaign_id}/remind").status_code == 403
    assert other.get("/appointments/campaigns/999999").status_code == 404
    assert booking_status(app, past) == BookingStatus.BOOKED
    with app.app_context():
        assert db.session.get(Slot, slot_id).status == SlotStatus.OPEN
        assert db.session.scalar(select(func.count(Outcome.id))) == 0


def test_the_office_marks_a_counselor(app, mentor, users, client_as):
    admin = client_as("admin")
    page = admin.get("/appointments/admin/hosts", headers=EN).get_data(as_text=True)
    assert "王老师" in page and "Mark as counselor" in page
    assert admin.post(f"/appointments/admin/hosts/{mentor.id}/counselor", data={"counselor": "yes"}).status_code == 302
    with app.app_context():
        assert hosts.is_counselor(db.session.get(User, mentor.id))
    refused = admin.post(f"/appointments/admin/hosts/{users['student'].id}/counselor", data={"counselor": "yes"}, headers=EN)
    assert refused.status_code == 400 and "Only mentors" in refused.get_data(as_text=True)


def test_pages_have_no_inline_script_or_style(app, mentor, student, student_client, as_user):
    booking_id = book(app, publish_one(app, mentor), student)
    host = as_user(mentor)
    pages = [(student_client, "/appointments/"), (student_client, "/appointments/mine"),
             (student_client, f"/appointments/bookings/{booking_id}"), (host, "/appointments/host"),
             (host, "/appointments/host/slots/new"), (host, "/appointments/campaigns/new")]
    for client, path in pages:
        body = client.get(path).get_data(as_text=True)
        assert "<script>" not in body and "style=" not in body and " on" + "click=" not in body, path


def _catalogue_has(msgid: str) -> bool:
    from babel.messages.pofile import read_po

    from portal import ROOT

    with (ROOT / "portal" / "translations" / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        message = read_po(source).get(msgid)
    return bool(message and message.string)


@pytest.mark.skipif(not _catalogue_has("Open slots"), reason="needs the merged catalogue")
def test_the_slot_list_in_chinese(mentor, app, student_client):
    # needs the merged catalogue
    publish_one(app, mentor)
    body = student_client.get("/appointments/", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "开放时段" in body and "中国标准时间" in body
