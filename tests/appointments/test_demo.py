"""The demo seed gives every appointment page something real to show."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.appointments.models import Booking, BookingStatus, Campaign, HostProfile, Outcome, Slot
from portal.extensions import db
from portal.students.models import Intervention, Student

EN = {"Accept-Language": "en"}


def _sign_in(app, username):
    client = app.test_client()
    response = client.post("/auth/login", data={"username": username, "password": "demo-pass-123"})
    assert response.status_code == 302
    return client


def test_demo_appointments_for_the_demo_accounts(app, runner):
    result = runner.invoke(args=["demo", "seed", "--students", "40", "--seed", "3"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        first = db.session.scalar(select(Student).join(User).where(User.username == "student0001"))
        statuses = db.session.scalars(select(Booking.status).where(Booking.student_id == first.id)).all()
        assert BookingStatus.BOOKED in statuses and BookingStatus.ATTENDED in statuses
        assert db.session.scalar(select(func.count(Outcome.id)).join(Booking).where(Booking.student_id == first.id))
        assert db.session.scalar(select(func.count(Intervention.id)).where(Intervention.source == "booking"))
        mentor03 = db.session.scalar(select(User.id).where(User.username == "mentor03"))
        assert db.session.get(HostProfile, mentor03).psychological_counselor
        alumni01 = db.session.scalar(select(User.id).where(User.username == "alumni01"))
        assert db.session.scalar(select(func.count(Slot.id)).where(Slot.host_id == alumni01, Slot.online_link.is_not(None)))
        assert db.session.scalar(select(func.count(Campaign.id)))
    student = _sign_in(app, "student0001")
    assert "Mock interview" in student.get("/appointments/mine", headers=EN).get_data(as_text=True)
    assert "open slot" in student.get("/appointments/", headers=EN).get_data(as_text=True)
    mentor = _sign_in(app, "mentor01")
    host_page = mentor.get("/appointments/host", headers=EN).get_data(as_text=True)
    assert "Upcoming slots" in host_page and "weekly" in host_page
    assert "毕业季模拟面试邀约" in mentor.get("/appointments/campaigns", headers=EN).get_data(as_text=True)
    assert _sign_in(app, "alumni01").get("/appointments/host").status_code == 200
    assert _sign_in(app, "admin").get("/appointments/admin/hosts").status_code == 200
