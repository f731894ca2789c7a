"""Requests that race: the database keeps a slot to one booking and a host to one slot at a time.

Each thread has its own test client (so its own app context, session and connection) and all start
together behind a barrier. Runs on SQLite and on PostgreSQL (TEST_DATABASE_URL)."""
from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from portal.clock import local_today
from portal.accounts.models import User
from portal.appointments import reminders
from portal.errors import RuleViolation
from portal.appointments.models import Booking, BookingStatus, Slot
from portal.extensions import db
from portal.notifications.models import Notification
from tests.appointments.helpers import book, outbox, publish_one


def _race(calls) -> list:
    """Run the callables at once; return their results (or the exceptions they raised)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except BaseException as error:  # reported by the test, not lost in the thread
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _detached_user(app, user_id):
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        db.session.remove()
    return user


def test_many_students_booking_one_slot_at_once_make_exactly_one_booking(app, mentor, make_booker, login):
    slot_id = publish_one(app, mentor)
    clients = [login(app.test_client(), _detached_user(app, make_booker().user_id)) for _ in range(16)]

    def attempt(client):
        return lambda: client.post(f"/appointments/slots/{slot_id}/book").status_code

    statuses = _race([attempt(client) for client in clients])
    assert sorted(statuses) == [302] + [409] * 15, statuses
    with app.app_context():
        assert db.session.scalar(select(func.count(Booking.id))) == 1
        assert db.session.scalar(select(Booking.status)) == BookingStatus.BOOKED
        assert db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == mentor.id)) == 1
    assert len(outbox(app)) == 1  # only the winner got a confirmation


def test_one_host_publishing_overlapping_slots_at_once_gets_exactly_one(app, mentor, login):
    clients = [login(app.test_client(), mentor) for _ in range(8)]
    day = (local_today() + timedelta(days=5)).isoformat()

    def attempt(client, minute):
        data = {"kind": "mock_interview", "start_date": day, "start_time": f"14:{minute:02d}", "duration": "60",
                "weeks": "1", "location": "行政楼 302", "min_notice_hours": "24", "cancel_deadline_hours": "12",
                "max_active_per_student": "1"}
        return lambda: client.post("/appointments/host/slots/new", data=data).status_code

    # every pair overlaps: they start within 35 minutes of each other and last an hour
    statuses = _race([attempt(client, 5 * i) for i, client in enumerate(clients)])
    assert sorted(statuses) == [302] + [409] * 7, statuses
    with app.app_context():
        assert db.session.scalar(select(func.count(Slot.id))) == 1


def test_students_racing_for_one_slot_through_the_service(app, mentor, make_booker):
    """The same race without HTTP: exactly one booking, every other call refused with a 409."""
    slot_id = publish_one(app, mentor)
    students = [make_booker() for _ in range(10)]

    def attempt(student):
        def call():
            try:
                return book(app, slot_id, student)
            except RuleViolation as error:
                with app.app_context():
                    db.session.rollback()
                return error.status
        return call

    results = _race([attempt(student) for student in students])
    assert sum(1 for r in results if r == 409) == 9, results
    with app.app_context():
        assert db.session.scalar(select(func.count(Booking.id))) == 1


def test_two_reminder_runs_at_once_send_each_reminder_once(app, mentor, make_booker):
    from datetime import datetime, time, timezone
    from zoneinfo import ZoneInfo

    from portal.models_base import utcnow

    zone = ZoneInfo("Asia/Shanghai")
    tomorrow = utcnow().astimezone(zone).date() + timedelta(days=1)
    hours = (datetime.combine(tomorrow, time(9), tzinfo=zone).astimezone(timezone.utc) - utcnow()).total_seconds() / 3600
    for index in range(3):
        book(app, publish_one(app, mentor, hours_ahead=hours + index, min_notice_hours=0), make_booker())
    outbox(app).clear()

    def run():
        with app.app_context():
            count = reminders.send_reminders()
            db.session.commit()
            db.session.remove()
        return count

    results = _race([run, run])
    assert sum(results) == 3, results
    assert len(outbox(app)) == 6  # each booking: its student and its host, once
    with app.app_context():
        assert db.session.scalar(select(func.count(Notification.id)).where(Notification.kind == "appointments.reminder")) == 6
