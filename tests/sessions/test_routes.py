"""Group-session pages as students, hosts and the office use them."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.models_base import utcnow
from portal.notifications.models import Notification
from portal.sessions.models import AlumniProfile, GroupSession, Registration
from portal.students.models import HardshipClaim
from tests.sessions.helpers import load, make_session, seat

EN = {"Accept-Language": "en"}
HX = {"HX-Request": "true", "Accept-Language": "en"}


def text(response) -> str:
    return response.get_data(as_text=True)


# --- students ------------------------------------------------------------------------------

def test_a_student_registers_from_the_session_page(app, client_as, users):
    gs = make_session(app, users["mentor"], capacity=2, title="三甲医院面试经验")
    student = client_as("student")
    page = text(student.get(f"/sessions/{gs.id}", headers=EN))
    assert "2 seats left." in page and 'data-testid="register"' in page
    response = student.post(f"/sessions/{gs.id}/register", headers=EN, follow_redirects=True)
    body = text(response)
    assert "You are registered. See you there!" in body
    assert "1 of 2 taken" in body and "Cancel my registration" in body
    listing = text(student.get("/sessions/?show=mine", headers=EN))
    assert "三甲医院面试经验" in listing and "Registered" in listing


def test_registering_with_htmx_swaps_the_box_only(app, client_as, users):
    gs = make_session(app, users["mentor"], capacity=1)
    response = client_as("student").post(f"/sessions/{gs.id}/register", headers=HX)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    body = text(response)
    assert body.lstrip().startswith('<div class="card registration-box"') and "<html" not in body
    assert "You are registered." in body


def test_a_full_session_offers_the_waitlist_and_tells_the_place(app, client_as, users, make_student):
    gs = make_session(app, users["mentor"], capacity=1)
    seat(app, gs, make_student())
    seat(app, gs, make_student(), status="waitlisted")
    student = client_as("student")
    assert "Join the waitlist" in text(student.get(f"/sessions/{gs.id}", headers=EN))
    body = text(student.post(f"/sessions/{gs.id}/register", headers=HX))
    assert "you are on the waitlist" in body and "You are number 2 on the waitlist" in body
    listing = text(student.get("/sessions/", headers=EN))
    assert "Waitlist no. 2" in listing and "2 waiting" in listing


def test_registering_twice_or_out_of_the_window_is_refused_clearly(app, client_as, users):
    gs = make_session(app, users["mentor"])
    student = client_as("student")
    assert student.post(f"/sessions/{gs.id}/register").status_code == 302
    again = student.post(f"/sessions/{gs.id}/register", headers=HX)
    assert again.status_code == 409 and "already registered" in text(again)
    not_yet = make_session(app, users["mentor"], opens_ago=-timedelta(days=1))
    response = student.post(f"/sessions/{not_yet.id}/register", headers=EN)
    assert response.status_code == 409 and "Registration opens on" in text(response)
    assert "<html" in text(response)  # the full page, with the message, without JavaScript
    with app.app_context():
        assert db.session.scalar(select(func.count(Registration.id))) == 1


def test_cancelling_gives_the_seat_to_the_next_student_who_is_notified(app, client_as, users, make_student):
    gs = make_session(app, users["mentor"], capacity=1, title="简历门诊")
    seat(app, gs, users["student_record"])
    waiting = make_student()
    seat(app, gs, waiting, status="waitlisted")
    response = client_as("student").post(f"/sessions/{gs.id}/leave", headers=EN, follow_redirects=True)
    assert "Your registration is cancelled." in text(response)
    with app.app_context():
        assert db.session.scalar(select(Registration.status).where(Registration.student_id == waiting.id)) == "registered"
        note = db.session.scalar(select(Notification).where(Notification.user_id == waiting.user_id))
        assert note.kind == "sessions.promoted" and note.link == f"/sessions/{gs.id}"


def test_students_see_counts_but_never_who_else_registered(app, client_as, users, make_student):
    gs = make_session(app, users["mentor"], capacity=1)
    seat(app, gs, make_student(display_name="欧阳娜娜"))
    seat(app, gs, make_student(display_name="司马懿然"), status="waitlisted")
    student = client_as("student")
    for url in (f"/sessions/{gs.id}", "/sessions/", f"/sessions/{gs.id}/roster"):
        body = text(student.get(url, headers=EN))
        assert "欧阳娜娜" not in body and "司马懿然" not in body
    assert "1 of 1 taken" in text(student.get(f"/sessions/{gs.id}", headers=EN))
    assert student.get(f"/sessions/{gs.id}/roster").status_code == 403


def test_an_attendee_rates_after_the_session(app, client_as, users):
    gs = make_session(app, users["mentor"], starts_in=-timedelta(days=1))
    seat(app, gs, users["student_record"], attended=True)
    student = client_as("student")
    page = text(student.get(f"/sessions/{gs.id}", headers=EN))
    assert "You attended this session." in page and "Send rating" in page
    bad = student.post(f"/sessions/{gs.id}/rating", data={"score": "9"}, headers=HX)
    assert bad.status_code == 400 and "Please choose a rating from 1 to 5." in text(bad)
    good = student.post(f"/sessions/{gs.id}/rating", data={"score": "4", "comment": "老师讲得很细"}, headers=HX)
    assert good.status_code == 200 and "Your rating: 4 of 5." in text(good)
    roster = text(client_as("mentor").get(f"/sessions/{gs.id}/roster", headers=EN))
    assert "Average 4.0 of 5 from 1 ratings." in roster and "老师讲得很细" in roster


def test_a_student_who_did_not_attend_cannot_rate(app, client_as, users):
    gs = make_session(app, users["mentor"], starts_in=-timedelta(days=1))
    seat(app, gs, users["student_record"])
    response = client_as("student").post(f"/sessions/{gs.id}/rating", data={"score": "5"}, headers=EN)
    assert response.status_code == 409 and "Only students who attended" in text(response)


def test_list_filters_by_kind_with_and_without_htmx(app, client_as, users):
    make_session(app, users["mentor"], kind="skills_training", title="OSCE 技能训练")
    make_session(app, users["mentor"], kind="career_lecture", title="考公考编讲座")
    student = client_as("student")
    fragment = student.get("/sessions/?kind=skills_training", headers=HX)
    assert "HX-Request" in fragment.headers["Vary"]
    body = text(fragment)
    assert "<html" not in body and "OSCE 技能训练" in body and "考公考编讲座" not in body
    page = text(student.get("/sessions/?kind=skills_training", headers=EN))
    assert "<html" in page and "OSCE 技能训练" in page and "考公考编讲座" not in page
    assert student.get("/sessions/?kind=party").status_code == 400


def test_the_session_list_has_a_constant_number_of_queries(app, client_as, users, make_student, count_queries):
    student = client_as("student")
    mentor = client_as("mentor")
    admin = client_as("admin")

    def add(n):
        for _ in range(n):
            gs = make_session(app, users["mentor"], capacity=1)
            seat(app, gs, users["student_record"])
            seat(app, make_session(app, users["mentor"], starts_in=-timedelta(days=2)), users["student_record"],
                 attended=True, rating=4)

    add(1)
    urls = [(student, "/sessions/"), (student, "/sessions/?show=mine"), (student, "/sessions/?show=past"),
            (mentor, "/sessions/hosting"), (admin, "/sessions/manage"), (admin, "/sessions/alumni")]
    for client, url in urls:
        client.get(url)  # warm up
    with count_queries() as few:
        for client, url in urls:
            assert client.get(url).status_code == 200
    add(6)
    with count_queries() as more:
        for client, url in urls:
            assert client.get(url).status_code == 200
    assert more.count == few.count, more.statements[few.count:]


# --- hosts ---------------------------------------------------------------------------------

def test_a_mentor_creates_a_session_in_beijing_time(app, client_as):
    mentor = client_as("mentor")
    start = (utcnow() + timedelta(days=10)).astimezone().replace(hour=14, minute=30)
    local = start.strftime("%Y-%m-%dT14:30")
    response = mentor.post("/sessions/new", data={
        "kind": "group_counseling", "title": "求职焦虑团体辅导", "description": "一起聊聊求职压力\n\n名额有限",
        "starts_at": local, "duration_minutes": "90", "place": "心理中心团辅室", "capacity": "12",
    }, headers=EN)
    assert response.status_code == 302
    with app.app_context():
        gs = db.session.scalar(select(GroupSession))
        assert gs.status == "published"
        assert (gs.starts_at.hour, gs.starts_at.minute) == (6, 30)  # 14:30 in Beijing is 06:30 UTC
    page = text(mentor.get(response.location, headers=EN))
    assert "14:30 China Standard Time" in page
    assert "<p>一起聊聊求职压力</p>" in page


def test_a_bad_form_says_what_is_wrong_and_saves_nothing(app, client_as):
    response = client_as("mentor").post("/sessions/new", data={
        "kind": "career_lecture", "title": "讲座", "starts_at": "2020-01-01T09:00", "duration_minutes": "90",
        "place": "报告厅", "capacity": "30",
    }, headers=EN)
    assert response.status_code == 400 and "The session must start in the future." in text(response)
    response = client_as("mentor").post("/sessions/new", data={"title": "", "capacity": "-1"}, headers=EN)
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(GroupSession.id))) == 0


def test_the_host_checks_students_in_from_the_roster(app, client_as, users, make_student):
    gs = make_session(app, users["mentor"], starts_in=timedelta(minutes=20), capacity=1)
    registration = seat(app, gs, make_student(display_name="吴小满"))
    seat(app, gs, make_student(display_name="郑大林"), status="waitlisted")
    host = client_as("mentor")
    roster = text(host.get(f"/sessions/{gs.id}/roster", headers=EN))
    assert "吴小满" in roster and "郑大林" in roster and "Check in" in roster
    url = f"/sessions/{gs.id}/roster/{registration.id}/attendance"
    row = host.post(url, data={"attended": "1"}, headers=HX)
    assert row.status_code == 200 and "Checked in" in text(row) and "<html" not in text(row)
    assert load(app, Registration, registration.id).attended
    assert host.post(url, data={"attended": "0"}).status_code == 302
    assert not load(app, Registration, registration.id).attended


def test_the_roster_shows_names_only(app, client_as, users, make_student):
    gs = make_session(app, users["mentor"])
    student = make_student(display_name="冯晓雨", student_no="2022999123")
    with app.app_context():
        db.session.add(HardshipClaim(student_id=student.id, category="low_income_guarantee", source="government_list",
                                     status="verified", evidence_notes="低保证明"))
        db.session.commit()
    seat(app, gs, student)
    for role in ("mentor", "admin"):
        body = text(client_as(role).get(f"/sessions/{gs.id}/roster", headers=EN))
        assert "冯晓雨" in body
        for secret in ("2022999123", "low_income", "低保", "Low-income", "临床医学", "贵州"):
            assert secret not in body


def test_checking_in_another_sessions_registration_is_not_found(app, client_as, users, make_student):
    mine = make_session(app, users["mentor"], starts_in=timedelta(minutes=20))
    other = make_session(app, users["admin"], starts_in=timedelta(minutes=20))
    foreign = seat(app, other, make_student())
    host = client_as("mentor")
    assert host.post(f"/sessions/{mine.id}/roster/{foreign.id}/attendance", data={"attended": "1"}).status_code == 404
    assert host.post(f"/sessions/{other.id}/roster/{foreign.id}/attendance", data={"attended": "1"}).status_code == 403
    assert host.get(f"/sessions/{other.id}/roster").status_code == 403
    assert host.get(f"/sessions/{other.id}/edit").status_code == 403
    assert not load(app, Registration, foreign.id).attended


def test_another_mentor_cannot_cancel_my_session(app, client_as, users, make_user, login):
    gs = make_session(app, users["mentor"])
    intruder = login(app.test_client(), make_user("mentor"))
    assert intruder.post(f"/sessions/{gs.id}/cancel", data={"reason": "x"}).status_code == 403
    assert load(app, GroupSession, gs.id).status == "published"
    response = client_as("mentor").post(f"/sessions/{gs.id}/cancel", data={"reason": "会场改作考场"}, headers=EN)
    assert response.status_code == 302
    assert load(app, GroupSession, gs.id).status == "cancelled"


def test_a_mentor_edits_a_session_and_the_form_shows_beijing_time(app, client_as, users):
    gs = make_session(app, users["mentor"], description="<p>第一行<br>第二行</p><p>第二段</p>")
    mentor = client_as("mentor")
    form = text(mentor.get(f"/sessions/{gs.id}/edit", headers=EN))
    local = gs.starts_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")
    assert local in form and "第一行\n第二行\n\n第二段" in form
    response = mentor.post(f"/sessions/{gs.id}/edit", data={
        "kind": "career_lecture", "title": "规培政策解读（更新）", "description": "新内容", "starts_at": local,
        "duration_minutes": "60", "place": "图书馆报告厅", "capacity": "40",
    }, headers=EN)
    assert response.status_code == 302
    row = load(app, GroupSession, gs.id)
    assert row.title == "规培政策解读（更新）" and row.capacity == 40 and row.ends_at - row.starts_at == timedelta(hours=1)


# --- alumni and the office --------------------------------------------------------------------

def test_an_alumnus_proposes_and_the_office_approves(app, client_as, users):
    alumni = client_as("alumni")
    start = (utcnow() + timedelta(days=14)).strftime("%Y-%m-%dT19:00")
    response = alumni.post("/sessions/new", data={
        "kind": "alumni_sharing", "title": "从规培到主治：我的十年", "starts_at": start, "duration_minutes": "90",
        "place": "线上（腾讯会议）", "capacity": "100",
    }, headers=EN)
    assert response.status_code == 302
    gs_id = int(response.location.rsplit("/", 1)[1])
    assert "awaits the employment office" in text(alumni.get(response.location, headers=EN))
    # students and other mentors do not see a proposal
    assert client_as("student").get(f"/sessions/{gs_id}").status_code == 403
    assert client_as("mentor").get(f"/sessions/{gs_id}").status_code == 403
    assert "从规培到主治" not in text(client_as("student").get("/sessions/"))
    admin = client_as("admin")
    manage = text(admin.get("/sessions/manage", headers=EN))
    assert "从规培到主治：我的十年" in manage and 'data-testid="proposal"' in manage
    assert admin.post(f"/sessions/{gs_id}/approve").status_code == 302
    assert "从规培到主治" in text(client_as("student").get("/sessions/"))
    with app.app_context():
        assert db.session.scalar(select(Notification.kind).where(Notification.user_id == users["alumni"].id)) == "sessions.approved"
    # after approval the volunteer asks the office for changes
    assert alumni.get(f"/sessions/{gs_id}/edit").status_code == 403


def test_the_office_declines_with_a_reason(app, client_as, users):
    gs = make_session(app, users["alumni"], status="proposed", kind="alumni_sharing")
    admin = client_as("admin")
    empty = admin.post(f"/sessions/{gs.id}/decline", data={"decline-reason": ""}, headers=EN)
    assert empty.status_code == 400 and "Please give the volunteer a reason." in text(empty)
    assert admin.post(f"/sessions/{gs.id}/decline", data={"decline-reason": "本周已有同类讲座"}).status_code == 302
    page = text(client_as("alumni").get("/sessions/hosting", headers=EN))
    assert "本周已有同类讲座" in page and "Declined" in page
    assert client_as("alumni").get(f"/sessions/{gs.id}/edit").status_code == 200


def test_one_volunteer_cannot_touch_anothers_proposal(app, users, make_user, login):
    gs = make_session(app, users["alumni"], status="proposed", kind="alumni_sharing")
    other = login(app.test_client(), make_user("alumni"))
    assert other.get(f"/sessions/{gs.id}").status_code == 403
    assert other.get(f"/sessions/{gs.id}/edit").status_code == 403
    assert other.post(f"/sessions/{gs.id}/cancel", data={"reason": "x"}).status_code == 403
    assert other.post(f"/sessions/{gs.id}/approve").status_code == 403


def test_a_volunteer_keeps_a_profile_that_the_office_sees(app, client_as, users):
    alumni = client_as("alumni")
    assert "Fill in my volunteer profile" in text(alumni.get("/sessions/hosting", headers=EN))
    response = alumni.post("/sessions/profile", data={
        "graduation_year": "2014", "major": "临床医学", "employer": "四川大学华西医院", "post": "急诊科主治医师",
        "topics": "急诊规培经历，三甲医院面试\n考博", "show_on_sessions": "y",
    }, headers=EN)
    assert response.status_code == 302
    with app.app_context():
        profile = db.session.scalar(select(AlumniProfile))
        assert profile.topics == ["急诊规培经历", "三甲医院面试", "考博"]
    form = text(alumni.get("/sessions/profile", headers=EN))
    assert "四川大学华西医院" in form and "急诊规培经历\n三甲医院面试\n考博" in form
    directory = text(client_as("admin").get("/sessions/alumni?q=华西", headers=EN))
    assert "四川大学华西医院" in directory and "急诊科主治医师" in directory and "三甲医院面试" in directory
    assert "华西" not in text(client_as("admin").get("/sessions/alumni?q=协和", headers=HX))
    bad = alumni.post("/sessions/profile", data={"graduation_year": "1800", "employer": "", "post": ""}, headers=EN)
    assert bad.status_code == 400


def test_students_see_the_volunteers_post_only_when_allowed(app, client_as, users):
    gs = make_session(app, users["alumni"], kind="alumni_sharing")
    with app.app_context():
        db.session.add(AlumniProfile(user_id=users["alumni"].id, graduation_year=2015, employer="省妇幼保健院",
                                     post="儿科医师", topics=[], show_on_sessions=True))
        db.session.commit()
    student = client_as("student")
    assert "Class of 2015 · 省妇幼保健院 · 儿科医师" in text(student.get(f"/sessions/{gs.id}", headers=EN))
    with app.app_context():
        db.session.scalar(select(AlumniProfile)).show_on_sessions = False
        db.session.commit()
    assert "省妇幼保健院" not in text(student.get(f"/sessions/{gs.id}", headers=EN))
    assert "省妇幼保健院" in text(client_as("admin").get(f"/sessions/{gs.id}", headers=EN))


def test_the_navigation_leads_to_the_sessions(client_as):
    assert 'href="/sessions/"' in text(client_as("student").get("/student/"))
    assert 'href="/sessions/hosting"' in text(client_as("alumni").get("/alumni/"))
    assert 'href="/sessions/hosting"' in text(client_as("mentor").get("/mentor/"))
    assert 'href="/sessions/manage"' in text(client_as("admin").get("/admin/"))


def test_the_session_page_in_chinese(app, client_as, users):
    # needs the merged catalogue
    gs = make_session(app, users["mentor"])
    assert "报名" in text(client_as("student").get(f"/sessions/{gs.id}", headers={"Accept-Language": "zh"}))
