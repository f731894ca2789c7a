"""The rules of group sessions, called directly."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.extensions import db
from portal.models_base import utcnow
from portal.notifications.models import Notification
from portal.notifications.services import text_of
from portal.sessions import alumni as alumni_rules
from portal.sessions import attendance as attendance_rules
from portal.sessions import programme
from portal.sessions import registration as registration_rules
from portal.sessions import reminders
from portal.sessions.models import AlumniProfile, GroupSession, Registration
from portal.errors import RuleViolation
from portal.students import archive
from portal.students.models import Student
from tests.sessions.helpers import make_session, seat


def get(model, obj_id):
    return db.session.get(model, obj_id)


def students(make_student, n):
    return [make_student() for _ in range(n)]


def notifications_of(user_id, kind=None):
    stmt = select(Notification).where(Notification.user_id == user_id)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return list(db.session.scalars(stmt.order_by(Notification.id)))


def new_session_values(**overrides):
    values = dict(
        kind="skills_training", title="OSCE 考前模拟", description="第一段\n\n第二段<script>alert(1)</script>",
        starts_at=utcnow() + timedelta(days=5), duration_minutes=120, place="临床技能中心 3 楼", capacity=24,
    )
    values.update(overrides)
    return values


# --- creating and reviewing ----------------------------------------------------------------

def test_a_mentor_publishes_at_once_and_the_text_is_sanitised(app, app_ctx, users):
    gs = programme.create_session(actor=get(User, users["mentor"].id), **new_session_values())
    db.session.commit()
    assert gs.status == "published" and gs.host_id == users["mentor"].id
    assert gs.ends_at - gs.starts_at == timedelta(minutes=120)
    assert gs.registration_closes_at == gs.starts_at and gs.registration_opens_at <= utcnow()
    assert "<script>" not in gs.description and "<p>第一段</p>" in gs.description


def test_an_alumnus_proposes_and_the_office_is_told(app, app_ctx, users):
    gs = programme.create_session(actor=get(User, users["alumni"].id), **new_session_values(kind="alumni_sharing"))
    db.session.commit()
    assert gs.status == "proposed"
    [note] = notifications_of(users["admin"].id, "sessions.proposed")
    assert note.link == f"/sessions/{gs.id}"


def test_alumni_cannot_propose_group_counseling(app, app_ctx, users):
    with pytest.raises(RuleViolation) as error:
        programme.create_session(actor=get(User, users["alumni"].id), **new_session_values(kind="group_counseling"))
    assert error.value.field == "kind" and error.value.status == 400


@pytest.mark.parametrize("overrides, field", [
    (dict(starts_at=utcnow() - timedelta(hours=1)), "starts_at"),
    (dict(registration_closes_at=utcnow() + timedelta(days=6)), "registration_closes_at"),
    (dict(registration_opens_at=utcnow() + timedelta(days=5, hours=1)), "registration_opens_at"),
    (dict(capacity=0), "capacity"),
    (dict(place="  "), "place"),
    (dict(kind="party"), "kind"),
])
def test_bad_sessions_are_refused_naming_the_field(app, app_ctx, users, overrides, field):
    with pytest.raises(RuleViolation) as error:
        programme.create_session(actor=get(User, users["mentor"].id), **new_session_values(**overrides))
    assert error.value.field == field
    db.session.rollback()
    assert db.session.scalar(select(func.count(GroupSession.id))) == 0


def test_approving_publishes_and_tells_the_volunteer(app, app_ctx, users):
    gs = make_session(app, users["alumni"], status="proposed", kind="alumni_sharing")
    programme.approve(get(GroupSession, gs.id), actor=get(User, users["admin"].id))
    db.session.commit()
    assert get(GroupSession, gs.id).status == "published"
    [note] = notifications_of(users["alumni"].id, "sessions.approved")
    assert "规培政策解读" in text_of(note)


def test_declining_needs_a_reason_which_the_volunteer_reads(app, app_ctx, users):
    gs = make_session(app, users["alumni"], status="proposed", kind="alumni_sharing")
    admin = get(User, users["admin"].id)
    with pytest.raises(RuleViolation):
        programme.decline(get(GroupSession, gs.id), actor=admin, reason="  ")
    programme.decline(get(GroupSession, gs.id), actor=admin, reason="与招聘会时间冲突，请改期")
    db.session.commit()
    row = get(GroupSession, gs.id)
    assert row.status == "declined" and row.review_note == "与招聘会时间冲突，请改期"
    [note] = notifications_of(users["alumni"].id, "sessions.declined")
    assert "与招聘会时间冲突" in text_of(note)
    with pytest.raises(RuleViolation):
        programme.approve(row, actor=admin)


def test_a_declined_proposal_edited_by_its_volunteer_goes_back_for_review(app, app_ctx, users):
    gs = make_session(app, users["alumni"], status="declined", kind="alumni_sharing")
    programme.update_session(get(GroupSession, gs.id), actor=get(User, users["alumni"].id),
                            **new_session_values(kind="alumni_sharing", title="改期后的分享"))
    db.session.commit()
    assert get(GroupSession, gs.id).status == "proposed"
    assert notifications_of(users["admin"].id, "sessions.proposed")


# --- registering, the waitlist, promotion ---------------------------------------------------------

def test_seats_then_waitlist_then_promotion_in_order(app, app_ctx, users, make_student):
    gs = make_session(app, users["mentor"], capacity=2)
    a, b, c, d = students(make_student, 4)
    statuses = [registration_rules.register(gs.id, get(Student, s.id)).status for s in (a, b, c, d)]
    db.session.commit()
    assert statuses == ["registered", "registered", "waitlisted", "waitlisted"]
    assert registration_rules.place_of(get(Student, d.id), get(GroupSession, gs.id)).waitlist_rank == 2

    registration_rules.leave(gs.id, get(Student, a.id))
    db.session.commit()
    row = get(GroupSession, gs.id)
    assert (row.registered_count, row.waitlisted_count) == (2, 1)
    assert registration_rules.place_of(get(Student, c.id), row).status == "registered"
    assert registration_rules.place_of(get(Student, d.id), row).waitlist_rank == 1
    c_user = get(Student, c.id).user_id
    [note] = notifications_of(c_user, "sessions.promoted")
    assert note.link == f"/sessions/{gs.id}"
    assert not notifications_of(get(Student, d.id).user_id, "sessions.promoted")


def test_leaving_the_waitlist_promotes_nobody(app, app_ctx, users, make_student):
    gs = make_session(app, users["mentor"], capacity=1)
    a, b, c = students(make_student, 3)
    for s in (a, b, c):
        registration_rules.register(gs.id, get(Student, s.id))
    registration_rules.leave(gs.id, get(Student, b.id))
    db.session.commit()
    row = get(GroupSession, gs.id)
    assert (row.registered_count, row.waitlisted_count) == (1, 1)
    assert registration_rules.place_of(get(Student, c.id), row).waitlist_rank == 1


def test_a_student_cannot_register_twice(app, app_ctx, users, make_student):
    gs = make_session(app, users["mentor"], capacity=1)
    a, b = students(make_student, 2)
    registration_rules.register(gs.id, get(Student, a.id))
    registration_rules.register(gs.id, get(Student, b.id))
    with pytest.raises(RuleViolation, match="already registered"):
        registration_rules.register(gs.id, get(Student, a.id))
    with pytest.raises(RuleViolation, match="already on the waitlist"):
        registration_rules.register(gs.id, get(Student, b.id))


def test_registering_again_after_cancelling_goes_to_the_back(app, app_ctx, users, make_student):
    gs = make_session(app, users["mentor"], capacity=1)
    a, b = students(make_student, 2)
    registration_rules.register(gs.id, get(Student, a.id))
    registration_rules.register(gs.id, get(Student, b.id))
    registration_rules.leave(gs.id, get(Student, a.id))  # b gets the seat
    again = registration_rules.register(gs.id, get(Student, a.id))
    db.session.commit()
    assert again.status == "waitlisted" and again.position == 3
    assert db.session.scalar(select(func.count(Registration.id))) == 2


@pytest.mark.parametrize("kwargs, message", [
    (dict(opens_ago=-timedelta(days=1)), "Registration opens on"),
    (dict(closes_before_start=timedelta(days=4)), "Registration closed on"),
    (dict(starts_in=-timedelta(minutes=10)), "already started"),
    (dict(status="proposed"), "not open to students"),
    (dict(status="cancelled"), "cancelled"),
])
def test_no_registration_outside_the_window(app, app_ctx, users, make_student, kwargs, message):
    gs = make_session(app, users["mentor"], **kwargs)
    student = make_student()
    with pytest.raises(RuleViolation, match=message):
        registration_rules.register(gs.id, get(Student, student.id))
    db.session.rollback()
    assert db.session.scalar(select(func.count(Registration.id))) == 0


def test_cancelling_is_possible_only_before_the_start(app, app_ctx, users, make_student):
    gs = make_session(app, users["mentor"], starts_in=-timedelta(minutes=5))
    student, stranger = students(make_student, 2)
    seat(app, gs, student)
    with pytest.raises(RuleViolation, match="only before the start"):
        registration_rules.leave(gs.id, get(Student, student.id))
    with pytest.raises(RuleViolation, match="not registered"):
        registration_rules.leave(gs.id, get(Student, stranger.id))


def test_more_seats_promote_the_waitlist_and_fewer_than_registered_are_refused(app, app_ctx, users, make_student):
    gs = make_session(app, users["mentor"], capacity=2)
    group = students(make_student, 5)
    for s in group:
        registration_rules.register(gs.id, get(Student, s.id))
    db.session.commit()
    mentor = get(User, users["mentor"].id)
    row = get(GroupSession, gs.id)
    values = dict(kind=row.kind, title=row.title, description="", starts_at=row.starts_at, duration_minutes=90,
                  place=row.place, registration_opens_at=row.registration_opens_at,
                  registration_closes_at=row.registration_closes_at)
    with pytest.raises(RuleViolation) as error:
        programme.update_session(row, actor=mentor, capacity=1, **values)
    assert error.value.field == "capacity"
    db.session.rollback()
    programme.update_session(get(GroupSession, gs.id), actor=mentor, capacity=4, **values)
    db.session.commit()
    row = get(GroupSession, gs.id)
    assert (row.registered_count, row.waitlisted_count) == (4, 1)
    promoted = {get(Student, s.id).user_id for s in group[2:4]}
    assert {n.user_id for n in db.session.scalars(select(Notification).where(Notification.kind == "sessions.promoted"))} == promoted


def test_a_new_time_is_announced_to_everyone_registered_or_waiting(app, app_ctx, users, make_student):
    gs = make_session(app, users["mentor"], capacity=1)
    a, b = students(make_student, 2)
    registration_rules.register(gs.id, get(Student, a.id))
    registration_rules.register(gs.id, get(Student, b.id))
    db.session.commit()
    row = get(GroupSession, gs.id)
    programme.update_session(row, actor=get(User, users["mentor"].id), kind=row.kind, title=row.title, description="",
                            starts_at=row.starts_at + timedelta(days=1), duration_minutes=90, place=row.place,
                            capacity=1, registration_opens_at=row.registration_opens_at)
    db.session.commit()
    told = {n.user_id for n in db.session.scalars(select(Notification).where(Notification.kind == "sessions.changed"))}
    assert told == {get(Student, a.id).user_id, get(Student, b.id).user_id}


def test_cancelling_a_session_tells_everyone_and_keeps_their_history(app, app_ctx, users, make_student):
    gs = make_session(app, users["mentor"], capacity=1)
    a, b = students(make_student, 2)
    registration_rules.register(gs.id, get(Student, a.id))
    registration_rules.register(gs.id, get(Student, b.id))
    with pytest.raises(RuleViolation):
        programme.cancel_session(get(GroupSession, gs.id), actor=get(User, users["mentor"].id), reason="")
    programme.cancel_session(get(GroupSession, gs.id), actor=get(User, users["mentor"].id), reason="讲者临时出差")
    db.session.commit()
    assert get(GroupSession, gs.id).status == "cancelled"
    notes = list(db.session.scalars(select(Notification).where(Notification.kind == "sessions.cancelled")))
    assert len(notes) == 2 and all("讲者临时出差" in text_of(n) for n in notes)
    entries = services_entries(get(Student, a.id), users)
    assert entries[0].title.startswith("Session cancelled by its host")
    latecomer = make_student()
    with pytest.raises(RuleViolation, match="cancelled"):
        registration_rules.leave(gs.id, get(Student, a.id))
    with pytest.raises(RuleViolation, match="cancelled"):
        registration_rules.register(gs.id, get(Student, latecomer.id))


# --- attendance and ratings ---------------------------------------------------------------

def test_check_in_only_registered_students_from_an_hour_before(app, app_ctx, users, make_student):
    later = make_session(app, users["mentor"], starts_in=timedelta(hours=3))
    soon = make_session(app, users["mentor"], starts_in=timedelta(minutes=30), capacity=1)
    a, b = students(make_student, 2)
    early = seat(app, later, a)
    on_time = seat(app, soon, a)
    waiting = seat(app, soon, b, status="waitlisted")
    host = get(User, users["mentor"].id)
    with pytest.raises(RuleViolation, match="one hour before"):
        attendance_rules.set_attendance(get(Registration, early.id), attended=True, actor=host)
    with pytest.raises(RuleViolation, match="Only registered"):
        attendance_rules.set_attendance(get(Registration, waiting.id), attended=True, actor=host)
    done = attendance_rules.set_attendance(get(Registration, on_time.id), attended=True, actor=host)
    assert done.attended and done.checked_in_by_id == host.id
    undone = attendance_rules.set_attendance(get(Registration, on_time.id), attended=False, actor=host)
    assert not undone.attended and undone.checked_in_at is None


def test_only_attendees_rate_and_only_after_the_end(app, app_ctx, users, make_student):
    past = make_session(app, users["mentor"], starts_in=-timedelta(days=1))
    running = make_session(app, users["mentor"], starts_in=-timedelta(minutes=10))
    came, absent = students(make_student, 2)
    seat(app, past, came, attended=True)
    seat(app, past, absent)
    seat(app, running, came, attended=True)
    with pytest.raises(RuleViolation, match="Only students who attended"):
        attendance_rules.rate(get(GroupSession, past.id), get(Student, absent.id), score=5)
    with pytest.raises(RuleViolation, match="once it has ended"):
        attendance_rules.rate(get(GroupSession, running.id), get(Student, came.id), score=5)
    with pytest.raises(RuleViolation) as error:
        attendance_rules.rate(get(GroupSession, past.id), get(Student, came.id), score=6)
    assert error.value.status == 400
    attendance_rules.rate(get(GroupSession, past.id), get(Student, came.id), score=4, comment="  很实用  ")
    db.session.commit()
    summary = attendance_rules.rating_summary(get(GroupSession, past.id))
    assert (summary.count, summary.average, summary.comments) == (1, 4.0, [(4, "很实用")])


# --- rosters ------------------------------------------------------------------------------

def test_the_roster_lists_names_only_registered_by_name_and_the_waitlist_in_order(app, app_ctx, users, make_student):
    gs = make_session(app, users["mentor"], capacity=2)
    zhao = make_student(display_name="赵一")
    qian = make_student(display_name="钱二")
    sun = make_student(display_name="孙三")
    li = make_student(display_name="李四")
    for s in (zhao, qian, sun, li):
        registration_rules.register(gs.id, get(Student, s.id))
    db.session.commit()
    registered, waitlist = attendance_rules.roster(get(GroupSession, gs.id))
    assert {line.name for line in registered} == {"赵一", "钱二"}
    assert [line.name for line in waitlist] == ["孙三", "李四"]
    assert set(registered[0].__dataclass_fields__) == {
        "registration_id", "name", "status", "position", "attended", "checked_in_at"}


# --- alumni profiles ------------------------------------------------------------------------

def test_topics_are_split_on_lines_and_both_kinds_of_comma():
    assert alumni_rules.parse_topics("规培经验，基层就业\n考研、考博, 规培经验 ;面试技巧") == [
        "规培经验", "基层就业", "考研", "考博", "面试技巧"]


def test_a_volunteer_keeps_one_profile(app, app_ctx, users):
    alumnus = get(User, users["alumni"].id)
    alumni_rules.save_profile(alumnus, graduation_year=2012, employer="省人民医院", post="心内科主治医师",
                          topics="规培经验\n三甲医院招聘")
    alumni_rules.save_profile(alumnus, graduation_year=2012, employer="省人民医院", post="心内科副主任医师", topics=[])
    db.session.commit()
    [profile] = db.session.scalars(select(AlumniProfile))
    assert profile.post == "心内科副主任医师" and profile.topics == []
    with pytest.raises(RuleViolation) as error:
        alumni_rules.save_profile(alumnus, graduation_year=1900, employer="x", post="y")
    assert error.value.field == "graduation_year"
    with pytest.raises(RuleViolation):
        alumni_rules.save_profile(get(User, users["mentor"].id), graduation_year=2012, employer="x", post="y")


# --- reminders and the archive ----------------------------------------------------------------

def test_reminders_are_due_within_a_day_and_sent_once(app, app_ctx, users, make_student):
    tomorrow = make_session(app, users["mentor"], starts_in=timedelta(hours=20), title="明天的讲座")
    next_week = make_session(app, users["mentor"], starts_in=timedelta(days=7))
    a, b = students(make_student, 2)
    with app.app_context():
        db.session.execute(User.__table__.update().where(User.id == get(Student, a.id).user_id).values(email="a@example.edu.cn"))
        db.session.commit()
    seat(app, tomorrow, a)
    seat(app, tomorrow, b, status="waitlisted")
    seat(app, next_week, a)
    due = reminders.due_session_reminders()
    assert [(r.user_id, r.session_id) for r in due] == [(get(Student, a.id).user_id, tomorrow.id)]
    app.extensions["mail_outbox"] = []
    assert reminders.send_session_reminders() == 1
    db.session.commit()
    assert reminders.send_session_reminders() == 0
    assert reminders.due_session_reminders() == []
    [mail] = app.extensions["mail_outbox"]
    assert mail["To"] == "a@example.edu.cn" and "明天的讲座" in mail["Subject"]


def services_entries(student, users):
    from flask import current_app

    # other features' archive entries carry links, which need a request
    with current_app.test_request_context(headers={"Accept-Language": "en"}):
        entries = [e for e in archive.timeline(student, get(User, users["admin"].id)) if e.kind == "group_session"]
    # viewing an archive may leave audit rows; drop them so the next factory can write
    db.session.rollback()
    return entries


def test_the_archive_shows_registrations_attendance_and_ratings(app, app_ctx, users, make_student, count_queries):
    student = make_student()
    past = make_session(app, users["mentor"], starts_in=-timedelta(days=3), title="OSCE 模拟")
    missed = make_session(app, users["mentor"], starts_in=-timedelta(days=2), title="面试技巧")
    coming = make_session(app, users["mentor"], title="校友分享")
    seat(app, past, student, attended=True, rating=5)
    seat(app, missed, student)
    seat(app, coming, student, status="waitlisted")
    row = get(Student, student.id)
    entries = services_entries(row, users)
    titles = [e.title for e in entries]
    assert "On the waitlist: 校友分享" in titles
    assert "Attended a group session: OSCE 模拟" in titles
    assert "Registered but did not attend: 面试技巧" in titles
    attended = next(e for e in entries if "OSCE" in e.title)
    assert "rated it 5 of 5" in attended.detail and attended.audience == archive.STUDENT
    # the student sees the same entries in their own archive
    with app.test_request_context(headers={"Accept-Language": "en"}):
        own = [e for e in archive.timeline(row, get(User, row.user_id)) if e.kind == "group_session"]
    assert len(own) == 3
    provider = services_provider()
    with count_queries() as few:
        provider(row, get(User, users["admin"].id), for_student=False)
    for _ in range(3):
        seat(app, make_session(app, users["mentor"]), student)
    with count_queries() as more:
        assert len(provider(row, get(User, users["admin"].id), for_student=False)) == 6
    assert more.count == few.count


def services_provider():
    from portal.sessions.archive import session_entries

    return session_entries
