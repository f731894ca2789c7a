"""Who may reach the appointment pages: students book, hosts (mentors, alumni) publish and close,
mentors run campaigns, the office marks psychological counselors."""
from __future__ import annotations

from datetime import timedelta

from tests.sweep import only, per_role

BROWSE = per_role(student=200, mentor=200, alumni=403, admin=200)

EXPECTATIONS = {
    "appointments.slots": ("GET", "/appointments/", BROWSE),
    "appointments.slot": ("GET", "/appointments/slots/{appt_slot_id}", BROWSE),
    "appointments.book": ("POST", "/appointments/slots/{appt_slot_id}/book", only("student", ok=302)),
    "appointments.mine": ("GET", "/appointments/mine", only("student")),
    # the student, the host (the sweep's mentor) and the office; alumni have no part in it
    "appointments.booking": ("GET", "/appointments/bookings/{appt_booking_id}", BROWSE),
    "appointments.calendar": ("GET", "/appointments/bookings/{appt_booking_id}/calendar.ics",
                              per_role(student=200, mentor=200, alumni=403, admin=403)),
    "appointments.cancel": ("POST", "/appointments/bookings/{appt_cancel_booking_id}/cancel", only("student", ok=302)),
    "appointments.reschedule": ("GET", "/appointments/bookings/{appt_booking_id}/reschedule", only("student")),
    "appointments.host_home": ("GET", "/appointments/host", only("mentor", "alumni")),
    "appointments.publish": ("GET", "/appointments/host/slots/new", only("mentor", "alumni")),
    "appointments.withdraw_slot": ("POST", "/appointments/host/slots/{appt_withdraw_slot_id}/withdraw",
                                   only("mentor", ok=302)),
    # an alumnus is a host, but the series is not theirs
    "appointments.withdraw_series": ("POST", "/appointments/host/series/{appt_series_key}/withdraw",
                                     per_role(student=403, mentor=302, alumni=404, admin=403)),
    # an empty form is refused by the host's form check, and by the policy for everyone else
    "appointments.attendance": ("POST", "/appointments/bookings/{appt_past_booking_id}/attendance", only("mentor", ok=400)),
    "appointments.host_cancel": ("POST", "/appointments/bookings/{appt_booking_id}/host-cancel", only("mentor", ok=400)),
    "appointments.outcome": ("GET", "/appointments/bookings/{appt_past_booking_id}/outcome", only("mentor")),
    "appointments.excuse": ("POST", "/appointments/bookings/{appt_no_show_booking_id}/excuse",
                            only("mentor", "admin", ok=302)),
    "appointments.campaigns": ("GET", "/appointments/campaigns", only("mentor")),
    "appointments.campaign_new": ("GET", "/appointments/campaigns/new", only("mentor")),
    "appointments.campaign": ("GET", "/appointments/campaigns/{appt_campaign_id}", only("mentor")),
    "appointments.campaign_remind": ("POST", "/appointments/campaigns/{appt_campaign_id}/remind", only("mentor", ok=302)),
    "appointments.admin_hosts": ("GET", "/appointments/admin/hosts", only("admin")),
    "appointments.admin_no_show_limit": ("POST", "/appointments/admin/no-show-limit", only("admin", ok=400)),
    "appointments.admin_host_counselor": ("POST", "/appointments/admin/hosts/{appt_mentor_user_id}/counselor",
                                          only("admin", ok=400)),
}

# an open slot is its host's, not a student's: every student and mentor browses it, and any student
# may book it (the outsider already holds an upcoming booking of that kind, the most allowed: 409)
FOREIGN = {
    "appointments.slot": {"student": 200, "mentor": 200},
    "appointments.book": {"student": 409},
    # another host's series is looked up among the signed-in host's own
    "appointments.withdraw_series": {"mentor": 404},
}


def objects(app, users, other) -> dict:
    """The sweep's mentor hosts every slot; the sweep's student holds the bookings and is on the
    mentor's caseload."""
    from portal.accounts.models import User
    from portal.appointments import services
    from portal.extensions import db
    from portal.models_base import utcnow
    from portal.students.models import Student
    from portal.students.services import assign

    with app.app_context():
        mentor = db.session.get(User, users["mentor"].id)
        student = db.session.get(Student, users["student_record"].id)
        student_user = db.session.get(User, student.user_id)
        now = utcnow().replace(second=0, microsecond=0)
        then = now - timedelta(days=10)

        def publish(hours, kind, *, at=now, weeks=1):
            return services.publish_slots(mentor, kind=kind, starts_at=at + timedelta(hours=hours), duration_minutes=60,
                                          weeks=weeks, location="行政楼 302", now=at)

        def book(slot, *, at=now):
            return services.book(slot, student, by=student_user, now=at)

        # the past first: a booking made ten days ago must not count the future ones against its limits
        past = book(publish(24 * 7, "mock_interview", at=then)[0], at=then)
        missed = book(publish(24 * 7 + 2, "career_counseling", at=then)[0], at=then)
        open_slot = publish(48, "career_counseling")[0]
        withdraw_slot = publish(50, "mock_interview")[0]
        series = publish(52, "resume_review", weeks=2)
        booking = book(publish(54, "mock_interview")[0])
        to_cancel = book(publish(56, "resume_review")[0])
        services.mark_attendance(missed, by=mentor, attended=False)
        assign(student, mentor)
        campaign = services.create_campaign(mentor, kind="mock_interview", title="模拟面试", message=None,
                                            student_ids=[student.id])
        db.session.commit()
        ids = {
            "appt_slot_id": open_slot.id,
            "appt_withdraw_slot_id": withdraw_slot.id,
            "appt_series_key": series[0].series_key,
            "appt_booking_id": booking.id,
            "appt_cancel_booking_id": to_cancel.id,
            "appt_past_booking_id": past.id,
            "appt_no_show_booking_id": missed.id,
            "appt_campaign_id": campaign.id,
            "appt_mentor_user_id": mentor.id,
        }
        db.session.remove()
    return ids
