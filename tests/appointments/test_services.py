"""The appointment rules, called directly."""
from __future__ import annotations

from datetime import timedelta, timezone

import pytest
from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal import settings
from portal.accounts.models import User
from portal.appointments import attendance as attendance_rules
from portal.appointments import booking as booking_rules
from portal.appointments import calendar as calendar_files
from portal.appointments import campaigns as campaign_rules
from portal.clock import local_to_utc
from portal.appointments import hosts
from portal.appointments import reminders
from portal.appointments import slots as slot_rules
from portal.clock import local_zone
from portal.errors import RuleViolation
from portal.appointments.models import Booking, BookingStatus, Slot, SlotStatus
from portal.extensions import db
from portal.models_base import utcnow
from portal.notifications.models import Notification
from portal.students import archive
from portal.students.models import Intervention, Student
from tests.appointments.helpers import book, booking_status, outbox, past_booking, publish, publish_one


def _get(model, ident):
    return db.session.get(model, ident)


# --- publishing ---------------------------------------------------------------------------

def test_a_slot_is_stored_in_utc_with_its_rules(app, mentor):
    slot_id = publish_one(app, mentor, hours_ahead=72, minutes=45, min_notice_hours=24, cancel_deadline_hours=6)
    with app.app_context():
        slot = _get(Slot, slot_id)
        assert slot.starts_at.tzinfo == timezone.utc
        assert slot.duration_minutes == 45
        assert slot.bookable_until == slot.starts_at - timedelta(hours=24)
        assert slot.cancellable_until == slot.starts_at - timedelta(hours=6)
        assert slot.status == SlotStatus.OPEN and slot.series_key is None


def test_weekly_slots_keep_the_local_wall_time(app, mentor):
    ids = publish(app, mentor, weeks=6)
    with app.app_context():
        slots = db.session.scalars(select(Slot).where(Slot.id.in_(ids)).order_by(Slot.starts_at)).all()
        assert len(slots) == 6
        assert len({s.series_key for s in slots}) == 1 and slots[0].series_key
        for earlier, later in zip(slots, slots[1:]):
            assert later.starts_at - earlier.starts_at == timedelta(weeks=1)
        local = {s.starts_at.astimezone(local_zone()).strftime("%a %H:%M") for s in slots}
        assert len(local) == 1


def test_local_times_are_converted_from_beijing_time(app_ctx):
    from datetime import date, time

    assert local_to_utc(date(2027, 3, 1), time(14, 0)).hour == 6


@pytest.mark.parametrize("options, message", [
    ({"hours_ahead": -2}, "must start in the future"),
    ({"location": "", "online_link": ""}, "place or an online meeting link"),
    ({"online_link": "javascript:alert(1)"}, "http:// or https://"),
    ({"minutes": 50}, "offered durations"),
    ({"weeks": 40}, "Repeat for 1 to 26 weeks"),
    ({"max_active_per_student": 9}, "1 to 5 bookings"),
])
def test_publishing_refuses_bad_input(app, mentor, options, message):
    with pytest.raises(RuleViolation, match=message):
        publish(app, mentor, **options)
    with app.app_context():
        assert db.session.scalar(select(func.count(Slot.id))) == 0


def test_a_host_cannot_have_overlapping_slots(app, mentor, make_user):
    publish_one(app, mentor, hours_ahead=72, minutes=60)
    with pytest.raises(RuleViolation, match="overlaps") as caught:
        publish_one(app, mentor, hours_ahead=72.5, minutes=60)
    assert caught.value.status == 409
    # a weekly series is refused as a whole when one week clashes
    with pytest.raises(RuleViolation, match="overlaps"):
        publish(app, mentor, hours_ahead=71.5, minutes=60, weeks=3)
    # back to back is fine, and another host may use the same time
    publish_one(app, mentor, hours_ahead=73, minutes=60)
    publish_one(app, make_user("mentor"), hours_ahead=72, minutes=60)
    with app.app_context():
        assert db.session.scalar(select(func.count(Slot.id))) == 3


def test_a_withdrawn_slot_frees_its_time(app, mentor):
    slot_id = publish_one(app, mentor, hours_ahead=72)
    with app.app_context():
        withdrawn = slot_rules.withdraw_slot(_get(Slot, slot_id), by=_get(User, mentor.id))
        db.session.commit()
        assert withdrawn.status == SlotStatus.WITHDRAWN and withdrawn.withdrawn_at is not None
        assert db.session.scalar(slot_rules.open_slots_stmt().with_only_columns(Slot.id)) is None
    # the same time can be published again, and only the new slot is offered
    again = publish_one(app, mentor, hours_ahead=72)
    with app.app_context():
        old, new = _get(Slot, slot_id), _get(Slot, again)
        assert new.starts_at < old.ends_at and new.ends_at > old.starts_at and new.status == SlotStatus.OPEN
        assert list(db.session.scalars(slot_rules.open_slots_stmt().with_only_columns(Slot.id))) == [again]
        with pytest.raises(RuleViolation, match="already withdrawn") as caught:
            slot_rules.withdraw_slot(old, by=_get(User, mentor.id))
        assert caught.value.status == 409


def test_psychological_counseling_needs_the_counselor_mark(app, mentor, make_counselor, make_user):
    with pytest.raises(RuleViolation, match="psychological counselors") as caught:
        publish_one(app, mentor, kind="psychological_counseling")
    assert caught.value.status == 403
    make_counselor(mentor)
    publish_one(app, mentor, kind="psychological_counseling")
    alumni = make_user("alumni")
    with pytest.raises(RuleViolation):
        publish_one(app, alumni, kind="psychological_counseling")
    publish_one(app, alumni, kind="career_counseling")  # alumni counsel on careers, not on the mind
    publish_one(app, alumni, kind="mock_interview", hours_ahead=100)
    with app.app_context():
        assert "psychological_counseling" not in hosts.host_kinds(_get(User, alumni.id))


# --- booking --------------------------------------------------------------------------------

def test_booking_notifies_the_host_and_mails_the_student_a_calendar_file(app, mentor, student):
    slot_id = publish_one(app, mentor)
    booking_id = book(app, slot_id, student, topic="规培面试")
    with app.app_context():
        booking = _get(Booking, booking_id)
        assert booking.status == BookingStatus.BOOKED and booking.topic == "规培面试"
        note = db.session.scalar(select(Notification).where(Notification.user_id == mentor.id))
        assert note.kind == "appointments.booked" and note.params["student"] == "李同学"
        assert "(Asia/Shanghai)" in note.params["when"]
    [mail] = outbox(app)
    assert mail["To"].endswith("@example.edu.cn")
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert f"booking-{booking_id}@medpath" in attachment.get_content()


def test_mail_waits_for_the_commit(app, mentor, student):
    slot_id = publish_one(app, mentor)
    with app.app_context():
        record = _get(Student, student.id)
        booking_rules.book(_get(Slot, slot_id), record, by=_get(User, record.user_id))
        db.session.rollback()
    assert outbox(app) == []


def test_a_slot_is_booked_once(app, mentor, student, make_booker):
    slot_id = publish_one(app, mentor)
    book(app, slot_id, student)
    with pytest.raises(RuleViolation, match="just booked") as caught:
        book(app, slot_id, make_booker())
    assert caught.value.status == 409


def test_the_database_refuses_a_second_active_booking(app, mentor, student, make_booker):
    slot_id = publish_one(app, mentor)
    book(app, slot_id, student)
    other = make_booker()
    with app.app_context():
        db.session.add(Booking(slot_id=slot_id, student_id=other.id, status=BookingStatus.BOOKED))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        # cancelled bookings do not hold the slot
        db.session.add(Booking(slot_id=slot_id, student_id=other.id, status=BookingStatus.CANCELLED))
        db.session.commit()


def test_bookings_close_at_the_minimum_notice(app, mentor, student):
    slot_id = publish_one(app, mentor, hours_ahead=10, min_notice_hours=24)
    with pytest.raises(RuleViolation, match="closed 24 hours before"):
        book(app, slot_id, student)


def test_the_hosts_limit_of_active_bookings_per_kind(app, mentor, student):
    first, second, third = (publish_one(app, mentor, hours_ahead=h, max_active_per_student=2) for h in (48, 50, 52))
    other_kind = publish_one(app, mentor, hours_ahead=54, kind="resume_review")
    book(app, first, student)
    book(app, second, student)
    with pytest.raises(RuleViolation, match="upcoming bookings of this kind"):
        book(app, third, student)
    book(app, other_kind, student)  # another kind has its own limit


def test_a_student_cannot_hold_two_appointments_at_once(app, mentor, make_user, student):
    slot_id = publish_one(app, mentor, hours_ahead=48)
    other_host = make_user("mentor")
    clashing = publish_one(app, other_host, hours_ahead=48.5, kind="career_counseling")
    book(app, slot_id, student)
    with pytest.raises(RuleViolation, match="overlaps this slot"):
        book(app, clashing, student)


def test_cancelling_before_the_deadline_reopens_the_slot(app, mentor, student):
    slot_id = publish_one(app, mentor, hours_ahead=48, cancel_deadline_hours=12)
    booking_id = book(app, slot_id, student)
    with app.app_context():
        booking = _get(Booking, booking_id)
        booking_rules.cancel_booking(booking, by=_get(User, student.user_id))
        db.session.commit()
        assert db.session.scalar(slot_rules.open_slots_stmt().with_only_columns(Slot.id)) == slot_id
        assert db.session.scalar(select(Notification.kind).where(Notification.user_id == mentor.id)
                                 .order_by(Notification.id.desc())) == "appointments.cancelled_by_student"


def test_cancelling_after_the_deadline_is_refused(app, mentor, student):
    slot_id = publish_one(app, mentor, hours_ahead=48, cancel_deadline_hours=12)
    booking_id = book(app, slot_id, student)
    with app.app_context():
        booking = _get(Booking, booking_id)
        with pytest.raises(RuleViolation, match="cancellation deadline passed"):
            booking_rules.cancel_booking(booking, by=_get(User, student.user_id), now=utcnow() + timedelta(hours=40))


def test_rescheduling_moves_the_booking_in_one_step(app, mentor, student):
    old_slot, new_slot = publish_one(app, mentor, hours_ahead=48), publish_one(app, mentor, hours_ahead=96)
    booking_id = book(app, old_slot, student)
    with app.app_context():
        new = booking_rules.reschedule(_get(Booking, booking_id), _get(Slot, new_slot), by=_get(User, student.user_id))
        db.session.commit()
        old = _get(Booking, booking_id)
        assert old.status == BookingStatus.CANCELLED and old.rescheduled_to_id == new.id
        assert new.status == BookingStatus.BOOKED and new.slot_id == new_slot


def test_rescheduling_to_a_taken_slot_keeps_the_old_booking(app, mentor, student, make_booker):
    old_slot, taken = publish_one(app, mentor, hours_ahead=48), publish_one(app, mentor, hours_ahead=96)
    booking_id = book(app, old_slot, student)
    book(app, taken, make_booker())
    with app.app_context():
        with pytest.raises(RuleViolation, match="just booked"):
            booking_rules.reschedule(_get(Booking, booking_id), _get(Slot, taken), by=_get(User, student.user_id))
        db.session.rollback()
    assert booking_status(app, booking_id) == BookingStatus.BOOKED


def test_rescheduling_with_a_limit_of_one_is_possible(app, mentor, student):
    """The booking being moved does not count against the per-kind limit, which still holds after the move."""
    old_slot, new_slot, third = (publish_one(app, mentor, hours_ahead=h, max_active_per_student=1) for h in (48, 96, 120))
    booking_id = book(app, old_slot, student)
    with app.app_context():
        new = booking_rules.reschedule(_get(Booking, booking_id), _get(Slot, new_slot), by=_get(User, student.user_id))
        db.session.commit()
        assert new.slot_id == new_slot and new.status == BookingStatus.BOOKED
        old = _get(Booking, booking_id)
        assert old.status == BookingStatus.CANCELLED and old.rescheduled_to_id == new.id
        assert db.session.scalars(select(Booking.slot_id).where(
            Booking.student_id == student.id, Booking.status == BookingStatus.BOOKED)).all() == [new_slot]
    with pytest.raises(RuleViolation, match="upcoming booking of this kind") as caught:
        book(app, third, student)
    assert caught.value.status == 409


def test_a_host_cancels_with_a_reason_the_student_receives(app, mentor, student):
    slot_id = publish_one(app, mentor)
    booking_id = book(app, slot_id, student)
    outbox(app).clear()
    with app.app_context():
        with pytest.raises(RuleViolation, match="why you cancel"):
            slot_rules.withdraw_slot(_get(Slot, slot_id), by=_get(User, mentor.id), reason=" ")
        db.session.rollback()
        slot_rules.withdraw_slot(_get(Slot, slot_id), by=_get(User, mentor.id), reason="临时有手术")
        db.session.commit()
        booking = _get(Booking, booking_id)
        assert booking.status == BookingStatus.CANCELLED and booking.cancel_reason == "临时有手术"
        note = db.session.scalar(select(Notification).where(Notification.user_id == student.user_id))
        assert note.kind == "appointments.cancelled_by_host" and note.params["reason"] == "临时有手术"
    [mail] = outbox(app)
    assert "临时有手术" in mail.get_body(("plain",)).get_content()


# --- attendance and no-shows -------------------------------------------------------------------

def test_attendance_is_marked_once_the_appointment_has_begun(app, mentor, student):
    future = book(app, publish_one(app, mentor), student)
    with app.app_context():
        with pytest.raises(RuleViolation, match="once the appointment has begun"):
            attendance_rules.mark_attendance(_get(Booking, future), by=_get(User, mentor.id), attended=True)


def test_repeated_no_shows_pause_self_booking_until_excused(app, mentor, student):
    with app.app_context():
        settings.put("appointments.no_show_limit", 2)
        db.session.commit()
    for days in (3, 5):
        booking_id = past_booking(app, mentor, student, days_ago=days)
        with app.app_context():
            attendance_rules.mark_attendance(_get(Booking, booking_id), by=_get(User, mentor.id), attended=False)
            db.session.commit()
    slot_id = publish_one(app, mentor, hours_ahead=48)
    with pytest.raises(RuleViolation, match="booking by yourself is paused") as caught:
        book(app, slot_id, student)
    assert caught.value.status == 403
    with app.app_context():
        assert booking_rules.no_show_counts([student.id]) == {student.id: 2}
        assert db.session.scalar(select(func.count(Notification.id)).where(
            Notification.user_id == student.user_id, Notification.kind == "appointments.no_show")) == 2
        missed = db.session.scalar(select(Booking).where(Booking.status == BookingStatus.NO_SHOW))
        attendance_rules.excuse_no_show(missed, by=_get(User, mentor.id))
        db.session.commit()
    book(app, slot_id, student)


def test_a_limit_of_zero_never_pauses(app, mentor, student):
    with app.app_context():
        settings.put("appointments.no_show_limit", 0)
        db.session.commit()
    booking_id = past_booking(app, mentor, student)
    with app.app_context():
        attendance_rules.mark_attendance(_get(Booking, booking_id), by=_get(User, mentor.id), attended=False)
        db.session.commit()
        assert not booking_rules.booking_pause(_get(Student, student.id)).paused


# --- outcomes ------------------------------------------------------------------------------

SCORES = {"professional_knowledge": 4, "clinical_reasoning": 3, "communication": 5, "composure": 4, "presentation": 2}


def test_a_mock_interview_ends_with_rubric_feedback_logged_as_an_intervention(app, mentor, student):
    booking_id = past_booking(app, mentor, student)
    with app.app_context():
        booking = _get(Booking, booking_id)
        with pytest.raises(RuleViolation, match="every rubric criterion"):
            attendance_rules.record_outcome(booking, by=_get(User, mentor.id), scores={**SCORES, "composure": None})
        db.session.rollback()
        booking = _get(Booking, booking_id)
        outcome = attendance_rules.record_outcome(booking, by=_get(User, mentor.id), scores=SCORES,
                                          comments="病例分析思路清晰，注意语速。")
        db.session.commit()
        assert booking.status == BookingStatus.ATTENDED
        intervention = _get(Intervention, outcome.intervention_id)
        assert (intervention.type, intervention.source, intervention.source_id) == ("mock_interview", "booking", booking_id)
        assert intervention.visibility == "student" and intervention.student_id == student.id
        assert "5/5" in intervention.notes and "病例分析" in intervention.notes
        assert db.session.scalar(select(Notification.kind).where(Notification.user_id == student.user_id)
                                 .order_by(Notification.id.desc())) == "appointments.feedback"
        with pytest.raises(RuleViolation, match="already recorded"):
            attendance_rules.record_outcome(_get(Booking, booking_id), by=_get(User, mentor.id), scores=SCORES)


def test_career_counseling_logs_an_intervention_for_the_mentors(app, mentor, student):
    booking_id = past_booking(app, mentor, student, kind="career_counseling")
    with app.app_context():
        outcome = attendance_rules.record_outcome(_get(Booking, booking_id), by=_get(User, mentor.id),
                                          comments="建议关注基层岗位", notes="家庭期望回生源地")
        db.session.commit()
        intervention = _get(Intervention, outcome.intervention_id)
        assert intervention.type == "career_counseling" and intervention.visibility == "mentors"
        assert not outcome.has_scores and outcome.comments == "建议关注基层岗位"


def test_psychological_counseling_notes_are_private_to_the_counselor(app, mentor, make_user, student, make_counselor, assign_to):
    counselor = make_counselor(make_user("mentor", display_name="陈咨询师"))
    assign_to(student, mentor)
    booking_id = past_booking(app, counselor, student, kind="psychological_counseling")
    with app.test_request_context(headers={"Accept-Language": "en"}):  # entries carry links
        outcome = attendance_rules.record_outcome(_get(Booking, booking_id), by=_get(User, counselor.id),
                                          comments="should not be kept", notes="焦虑，睡眠差")
        db.session.commit()
        assert outcome.comments is None
        intervention = _get(Intervention, outcome.intervention_id)
        assert intervention.visibility == "private" and intervention.author_id == counselor.id
        from portal.policy import may

        assigned_mentor = _get(User, mentor.id)
        assert not may(assigned_mentor, "intervention.view", intervention)
        assert may(_get(User, counselor.id), "intervention.view", intervention)
        # the mentor's view of the archive says it took place, and nothing more
        entries = archive.timeline(_get(Student, student.id), assigned_mentor)
        [entry] = [e for e in entries if e.kind == "booking"]
        assert "Psychological counseling" in entry.title and entry.detail == ""
        assert all("焦虑" not in (e.detail or "") + (e.detail_html or "") for e in entries)


def test_archive_entries_show_feedback_to_the_student(app, mentor, student):
    booking_id = past_booking(app, mentor, student)
    with app.test_request_context(headers={"Accept-Language": "en"}):  # entries carry links
        attendance_rules.record_outcome(_get(Booking, booking_id), by=_get(User, mentor.id), scores=SCORES, comments="表达清楚")
        db.session.commit()
        record = _get(Student, student.id)
        entries = archive.timeline(record, _get(User, student.user_id))
        [entry] = [e for e in entries if e.kind == "booking"]
        assert "表达清楚" in entry.detail and "Communication 5/5" in entry.detail


# --- calendar files ---------------------------------------------------------------------------

def test_the_calendar_file_has_utc_times_and_a_stable_uid(app, mentor, student):
    slot_id = publish_one(app, mentor, online_link="https://meeting.tencent.com/dm/abc")
    booking_id = book(app, slot_id, student)
    with app.app_context():
        booking = _get(Booking, booking_id)
        first, second = calendar_files.booking_ics(booking), calendar_files.booking_ics(booking)
        assert first == second
        [event] = Calendar.from_ical(first).walk("VEVENT")
        assert str(event["uid"]) == f"booking-{booking_id}@medpath"
        assert event.decoded("dtstart") == booking.slot.starts_at
        assert event.decoded("dtstart").utcoffset() == timedelta(0)
        assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=60)
        assert str(event["status"]) == "CONFIRMED"
        assert "王老师" in str(event["summary"])
        assert str(event["url"]) == "https://meeting.tencent.com/dm/abc"
        cancelled = Calendar.from_ical(calendar_files.booking_ics(booking, cancelled=True)).walk("VEVENT")[0]
        assert str(cancelled["status"]) == "CANCELLED" and str(cancelled["uid"]) == str(event["uid"])


# --- reminders ------------------------------------------------------------------------------

def _tomorrow_at_ten_local():
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Asia/Shanghai")
    tomorrow = utcnow().astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(10), tzinfo=zone).astimezone(timezone.utc)


def test_reminders_go_out_once(app, mentor, student, runner):
    start = _tomorrow_at_ten_local()
    hours = (start - utcnow()).total_seconds() / 3600
    slot_id = publish_one(app, mentor, hours_ahead=hours, min_notice_hours=0)
    far_slot = publish_one(app, mentor, hours_ahead=hours + 72, min_notice_hours=0, kind="resume_review")
    booking_id = book(app, slot_id, student)
    book(app, far_slot, student)
    outbox(app).clear()
    result = runner.invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    assert "Reminded 1 booking" in result.output
    with app.app_context():
        student_mail = _get(User, student.user_id).email
        assert sorted(m["To"] for m in outbox(app)) == sorted(["mentor@example.edu.cn", student_mail])
        assert db.session.scalar(select(func.count(Notification.id)).where(Notification.kind == "appointments.reminder")) == 2
        assert _get(Booking, booking_id).reminded_at is not None
    again = runner.invoke(args=["reminders", "send"])
    assert "Reminded 0 booking" in again.output
    assert len(outbox(app)) == 2


def test_a_reminder_notification_is_never_duplicated_even_without_the_marker(app, mentor, student):
    """The notification's dedupe key is the second guard: clearing the marker sends no second notice."""
    start = _tomorrow_at_ten_local()
    slot_id = publish_one(app, mentor, hours_ahead=(start - utcnow()).total_seconds() / 3600, min_notice_hours=0)
    booking_id = book(app, slot_id, student)
    with app.app_context():
        reminders.send_reminders()
        db.session.commit()
        _get(Booking, booking_id).reminded_at = None
        db.session.commit()
        outbox(app).clear()
        reminders.send_reminders()
        db.session.commit()
        assert db.session.scalar(select(func.count(Notification.id)).where(Notification.kind == "appointments.reminder")) == 2
    assert outbox(app) == []


# --- campaigns ------------------------------------------------------------------------------

def test_a_campaign_invites_caseload_students_and_reminds_those_who_have_not_booked(app, mentor, make_booker, assign_to):
    students = [make_booker() for _ in range(3)]
    for s in students:
        assign_to(s, mentor)
    stranger = make_booker()
    with app.app_context():
        host = _get(User, mentor.id)
        with pytest.raises(RuleViolation, match="on your caseload"):
            campaign_rules.create_campaign(host, kind="mock_interview", title="模拟面试", message=None,
                                     student_ids=[students[0].id, stranger.id])
        db.session.rollback()
        campaign = campaign_rules.create_campaign(_get(User, mentor.id), kind="mock_interview", title="模拟面试周",
                                            message="请在本周内预约", student_ids=[s.id for s in students])
        db.session.commit()
        campaign_id = campaign.id
    assert len(outbox(app)) == 3
    slot_id = publish_one(app, mentor)
    book(app, slot_id, students[0])
    outbox(app).clear()
    with app.app_context():
        from portal.appointments.models import Campaign

        campaign = _get(Campaign, campaign_id)
        rows = campaign_rules.campaign_rows(campaign)
        assert [row.booking is not None for row in rows] == [False, False, True]
        assert campaign_rules.remind_campaign(campaign, by=_get(User, mentor.id)) == 2
        db.session.commit()
        assert campaign_rules.remind_campaign(_get(Campaign, campaign_id), by=_get(User, mentor.id)) == 0  # once a day
        db.session.commit()
        [(listed, invited, booked)] = campaign_rules.campaigns_of(_get(User, mentor.id))
        assert (invited, booked) == (3, 1)
    assert len(outbox(app)) == 2


def test_students_with_a_kind_already(app, mentor, student, make_booker):
    book(app, publish_one(app, mentor), student)
    other = make_booker()
    with app.app_context():
        assert campaign_rules.students_with_kind([student.id, other.id], "mock_interview") == {student.id}
        assert campaign_rules.students_with_kind([student.id, other.id], "resume_review") == set()


def test_next_appointments_for_the_caseload_page(app, mentor, student, make_booker):
    later, sooner = (publish_one(app, mentor, hours_ahead=h, max_active_per_student=2) for h in (96, 48))
    book(app, later, student)
    book(app, sooner, student)
    nobody = make_booker()
    with app.app_context():
        result = booking_rules.next_appointments([student.id, nobody.id])
        assert set(result) == {student.id}
        assert result[student.id] == _get(Slot, sooner).starts_at
        assert result[student.id].tzinfo is not None


def test_the_unique_index_has_the_last_word(app, mentor, student, make_booker, monkeypatch):
    """Were the check in Python to miss a booking, the insert is refused with the same clear 409."""
    slot_id = publish_one(app, mentor)
    book(app, slot_id, student)
    monkeypatch.setattr(booking_rules, "holding_booking", lambda slot_id: None)
    with pytest.raises(RuleViolation, match="just booked") as caught:
        book(app, slot_id, make_booker())
    assert caught.value.status == 409
