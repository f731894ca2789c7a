"""The office sets how many missed appointments pause a student's self-booking, from the page where
it marks counselors; the change is audited and takes effect at once."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal import settings
from portal.accounts.models import User
from portal.appointments import attendance as attendance_rules
from portal.appointments.models import Booking
from portal.audit.models import AuditLog
from portal.extensions import db
from tests.appointments.helpers import past_booking, publish_one

EN = {"Accept-Language": "en"}


@pytest.fixture
def student_client(app, login, student):
    with app.app_context():
        user = db.session.get(User, student.user_id)
        db.session.expunge(user)
    return login(app.test_client(), user)


def test_the_office_sets_the_no_show_limit(app, client_as, mentor, student, student_client):
    admin = client_as("admin")
    page = admin.get("/appointments/admin/hosts", headers=EN).get_data(as_text=True)
    assert "Missed appointments before self-booking pauses" in page and 'value="3"' in page
    for bad in ("-1", "21", "three", ""):
        refused = admin.post("/appointments/admin/no-show-limit", data={"limit": bad}, headers=EN)
        assert refused.status_code == 400, bad
    fraction = admin.post("/appointments/admin/no-show-limit", data={"limit": "2.5"}, headers=EN).get_data(as_text=True)
    # a value that is not a whole number is told so, not also that it is out of range
    assert "Not a valid integer value." in fraction and "between 0 and 20" not in fraction
    assert fraction.count('id="no-show-limit"') == 1  # drawn once: the page's title holds only its name
    with app.app_context():
        assert settings.get("appointments.no_show_limit") == 3
    assert admin.post("/appointments/admin/no-show-limit", data={"limit": "1"}).status_code == 302
    with app.app_context():
        assert settings.get("appointments.no_show_limit") == 1
        assert db.session.scalar(select(AuditLog.detail).where(AuditLog.action == "appointments.no_show_limit_set")) == "3 -> 1"
    missed = past_booking(app, mentor, student)
    with app.app_context():
        attendance_rules.mark_attendance(db.session.get(Booking, missed), by=db.session.get(User, mentor.id), attended=False)
        db.session.commit()
    slot_id = publish_one(app, mentor)
    # the slot page says so before the student tries, and offers no booking form
    page = student_client.get(f"/appointments/slots/{slot_id}", headers=EN).get_data(as_text=True)
    assert 'data-testid="booking-paused"' in page and 'data-testid="book"' not in page
    assert student_client.post(f"/appointments/slots/{slot_id}/book", headers=EN).status_code == 403
    # 0: never paused
    assert admin.post("/appointments/admin/no-show-limit", data={"limit": "0"}).status_code == 302
    page = student_client.get(f"/appointments/slots/{slot_id}", headers=EN).get_data(as_text=True)
    assert 'data-testid="booking-paused"' not in page and 'data-testid="book"' in page
    assert student_client.post(f"/appointments/slots/{slot_id}/book", headers=EN).status_code == 302


def test_only_the_office_changes_it(client_as):
    for role in ("student", "mentor", "alumni"):
        assert client_as(role).post("/appointments/admin/no-show-limit", data={"limit": "9"}).status_code == 403
