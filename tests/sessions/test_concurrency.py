"""Many students at once: seats and waitlist places are handed out exactly, in arrival order."""
from __future__ import annotations

import threading

from sqlalchemy import func, insert, select

from portal.accounts.models import User
from portal.errors import RuleViolation
from portal.extensions import db
from portal.notifications.models import Notification
from portal.sessions import locking
from portal.sessions import registration as registration_rules
from portal.sessions.models import GroupSession, Registration
from portal.students.models import Student
from tests.sessions.helpers import make_session

N_STUDENTS = 200
SEATS = 30


def _many_students(app, n: int) -> list[int]:
    """n students written in bulk (the factories would hash a password per student)."""
    with app.app_context():
        db.session.execute(insert(User), [
            dict(username=f"crowd{i:04d}", display_name=f"学生{i}", role="student", password_hash="x", active=True)
            for i in range(n)
        ])
        user_ids = list(db.session.scalars(select(User.id).where(User.username.like("crowd%")).order_by(User.id)))
        db.session.execute(insert(Student), [
            dict(user_id=uid, student_no=f"C{uid:08d}", college="临床医学院", major="临床医学",
                 degree_level="bachelor", graduation_year=2027)
            for uid in user_ids
        ])
        db.session.commit()
        return list(db.session.scalars(select(Student.id).where(Student.user_id.in_(user_ids)).order_by(Student.id)))


def _run_in_threads(app, student_ids, work):
    """Start one thread per student, all released at once; each has its own app context (and session)."""
    barrier = threading.Barrier(len(student_ids))
    results: dict[int, object] = {}
    errors: list[BaseException] = []

    def one(student_id: int) -> None:
        with app.app_context():
            try:
                student = db.session.get(Student, student_id)
                # give the connection back before waiting: 200 threads share a pool of 15
                db.session.close()
                barrier.wait(timeout=60)
                results[student_id] = work(student)
            except BaseException as error:  # noqa: BLE001 - reported by the test
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=one, args=(sid,)) for sid in student_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert not any(thread.is_alive() for thread in threads), "a registration never finished"
    assert not errors, errors[:3]
    return results


def test_200_students_at_once_fill_30_seats_and_wait_in_arrival_order(app, users):
    gs = make_session(app, users["mentor"], capacity=SEATS)
    student_ids = _many_students(app, N_STUDENTS)

    def register(student):
        registration = locking.commit_with_retries(lambda: registration_rules.register(gs.id, student))
        return registration.status, registration.position

    results = _run_in_threads(app, student_ids, register)

    assert len(results) == N_STUDENTS
    with app.app_context():
        rows = db.session.execute(
            select(Registration.student_id, Registration.status, Registration.position, Registration.registered_at)
            .where(Registration.session_id == gs.id).order_by(Registration.position)
        ).all()
        session = db.session.get(GroupSession, gs.id)
        # none lost, none twice
        assert sorted(r.student_id for r in rows) == sorted(student_ids)
        # every arrival took the next position
        assert [r.position for r in rows] == list(range(1, N_STUDENTS + 1))
        registered = [r for r in rows if r.status == "registered"]
        waitlisted = [r for r in rows if r.status == "waitlisted"]
        assert len(registered) == SEATS and len(waitlisted) == N_STUDENTS - SEATS
        # the first 30 to arrive have the seats; the waitlist is in arrival order
        assert [r.position for r in registered] == list(range(1, SEATS + 1))
        assert [r.position for r in waitlisted] == list(range(SEATS + 1, N_STUDENTS + 1))
        times = [r.registered_at for r in rows]
        assert times == sorted(times)
        # the counters agree with the rows
        assert (session.registered_count, session.waitlisted_count, session.next_position) == (SEATS, 170, N_STUDENTS)
    # each student was told what the database holds
    for student_id, status, position, _at in rows:
        assert results[student_id] == (status, position)


def test_concurrent_cancellations_promote_the_waitlist_in_order(app, users):
    gs = make_session(app, users["mentor"], capacity=10)
    student_ids = _many_students(app, 30)
    with app.app_context():
        students = {sid: db.session.get(Student, sid) for sid in student_ids}
        for sid in student_ids:
            locking.commit_with_retries(lambda sid=sid: registration_rules.register(gs.id, students[sid]))
        db.session.remove()
    leaving = student_ids[:8]  # eight seated students cancel at the same moment

    results = _run_in_threads(app, leaving, lambda student: locking.commit_with_retries(
        lambda: registration_rules.leave(gs.id, student)).status)

    assert set(results.values()) == {"cancelled"}
    with app.app_context():
        session = db.session.get(GroupSession, gs.id)
        assert (session.registered_count, session.waitlisted_count) == (10, 12)
        registered = set(db.session.scalars(select(Registration.student_id).where(
            Registration.session_id == gs.id, Registration.status == "registered")))
        # the eight freed seats went to the next eight in line, not to anyone further back
        assert registered == set(student_ids[8:18])
        promoted_users = db.session.scalar(select(func.count(Notification.id)).where(Notification.kind == "sessions.promoted"))
        assert promoted_users == 8


def test_the_same_student_clicking_twice_at_once_gets_one_place(app, users, make_student):
    gs = make_session(app, users["mentor"], capacity=5)
    student = make_student()

    def twice(_student_row):
        try:
            return locking.commit_with_retries(lambda: registration_rules.register(gs.id, _student_row)).position
        except RuleViolation as error:
            return str(error)

    with app.app_context():
        student_row = db.session.get(Student, student.id)
        db.session.expunge(student_row)
    barrier = threading.Barrier(6)
    outcomes = []

    def click():
        with app.app_context():
            barrier.wait(timeout=60)
            outcomes.append(twice(db.session.merge(student_row, load=False)))
            db.session.remove()

    threads = [threading.Thread(target=click) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(o for o in outcomes if isinstance(o, int)) == [1]
    assert len([o for o in outcomes if isinstance(o, str)]) == 5
    with app.app_context():
        assert db.session.scalar(select(func.count(Registration.id)).where(Registration.session_id == gs.id)) == 1
        assert db.session.get(GroupSession, gs.id).registered_count == 1


def test_concurrent_registrations_through_the_pages(app, users):
    """The same guarantee through the real route: each student signed in on their own client."""
    from tests.conftest import sign_in

    gs = make_session(app, users["mentor"], capacity=10)
    student_ids = _many_students(app, 40)
    with app.app_context():
        pairs = db.session.execute(select(Student.id, User).join(User, User.id == Student.user_id)
                                   .where(Student.id.in_(student_ids))).all()
        for _sid, user in pairs:
            db.session.expunge(user)
    clients = []
    for _sid, user in pairs:
        client = app.test_client()
        sign_in(app, client, user)
        clients.append(client)
    barrier = threading.Barrier(len(clients))
    codes: list[int] = []

    def post(client):
        barrier.wait(timeout=60)
        codes.append(client.post(f"/sessions/{gs.id}/register", headers={"HX-Request": "true"}).status_code)

    threads = [threading.Thread(target=post, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert codes == [200] * 40
    with app.app_context():
        rows = db.session.execute(select(Registration.status, Registration.position)
                                  .where(Registration.session_id == gs.id).order_by(Registration.position)).all()
        assert [p for _s, p in rows] == list(range(1, 41))
        assert [s for s, _p in rows] == ["registered"] * 10 + ["waitlisted"] * 30
