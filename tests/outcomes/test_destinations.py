"""Destinations: one current record per graduate with its history, reported by students,
recorded and confirmed by their mentors."""
from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.errors import RuleViolation
from portal.extensions import db
from portal.notifications.models import Notification
from portal.outcomes import destinations, follow_ups
from portal.outcomes.models import Destination
from portal.outcomes.destinations import clean_destination
from portal.students.models import Student
from tests.outcomes.helpers import assign, destination, user_of

EN = {"Accept-Language": "en"}
JOB = {"category": "labour_contract", "decided_on": "2026-05-20", "employer": "遵义市第一人民医院",
       "unit_nature": "healthcare", "hospital_level": "3a", "province": "贵州", "city": "遵义"}


# --- the rules ----------------------------------------------------------------------------------

def test_a_job_needs_its_date_and_employer(app_ctx):
    with pytest.raises(RuleViolation) as no_date:
        clean_destination({"category": "agreement", "employer": "某医院"})
    assert no_date.value.field == "decided_on"
    with pytest.raises(RuleViolation) as no_employer:
        clean_destination({"category": "agreement", "decided_on": date(2026, 5, 1)})
    assert no_employer.value.field == "employer"
    with pytest.raises(RuleViolation) as unknown:
        clean_destination({"category": "astronaut"})
    assert unknown.value.field == "category"


def test_not_yet_employed_keeps_nothing_about_a_unit(app_ctx):
    values = clean_destination({"category": "awaiting", "employer": "某公司", "industry": "Q", "note": "仍在找工作"})
    assert values["employer"] is None and values["industry"] is None and values["note"] == "仍在找工作"


def test_township_health_centre_is_a_grassroots_post_in_a_medical_unit(app_ctx):
    values = clean_destination({"category": "labour_contract", "decided_on": date(2026, 6, 1), "employer": "石桥镇卫生院",
                                "hospital_level": "township"})
    assert values["unit_nature"] == "healthcare" and values["grassroots"] is True
    abroad = {"category": "study_abroad", "decided_on": date(2026, 4, 1), "employer": "悉尼大学", "province": "四川"}
    with pytest.raises(RuleViolation) as no_country:
        clean_destination(abroad)
    assert no_country.value.field == "country"
    assert clean_destination({**abroad, "country": "澳大利亚"})["province"] is None


def test_recording_keeps_the_history_and_one_current_record(app, make_student, make_user):
    student = make_student(graduation_year=2026)
    mentor = make_user("mentor")
    assign(app, mentor, student)
    with app.test_request_context():
        s = db.session.get(Student, student.id)
        destinations.record_destination(s, actor=s.user, source="student", category="awaiting")
        destinations.record_destination(s, actor=mentor, source="mentor", verified=True, **{**JOB, "decided_on": date(2026, 5, 20)})
        db.session.commit()
        history = destinations.destination_history(s)
        assert [d.category for d in history] == ["labour_contract", "awaiting"]
        assert [d.is_current for d in history] == [True, False] and history[1].superseded_at is not None
        assert history[0].verified and history[0].verified_by_id == mentor.id
        # the student's own report told their mentor
        assert db.session.scalar(select(func.count()).select_from(Notification).where(Notification.user_id == mentor.id)) == 1


def test_a_student_report_waits_for_the_mentor_who_confirms_it(app, make_student, make_user, login, client):
    student = make_student(graduation_year=2026, username="lin")
    mentor = make_user("mentor")
    assign(app, mentor, student)
    login(client, user_of(app, student))
    response = client.post("/outcomes/me/destination", data=JOB, headers=EN)
    assert response.status_code == 302
    page = client.get("/outcomes/me", headers=EN).get_data(as_text=True)
    assert "Employment by labour contract" in page and "Waiting for confirmation" in page

    mentor_client = login(app.test_client(), mentor)
    with app.app_context():
        current = db.session.scalar(select(Destination).where(Destination.student_id == student.id))
    assert mentor_client.post(f"/outcomes/destinations/{current.id}/verify").status_code == 302
    page = client.get("/outcomes/me", headers=EN).get_data(as_text=True)
    assert "Confirmed" in page and "Waiting for confirmation" not in page


def test_bad_input_is_refused_with_a_message_and_nothing_written(app, client_as, users):
    response = client_as("student").post("/outcomes/me/destination", data={**JOB, "decided_on": ""}, headers=EN)
    assert response.status_code == 400
    assert "Enter the date of the offer, contract or admission." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Destination.id))) == 0


def test_a_mentor_records_only_for_their_own_students(app, client_as, users, make_student, make_user):
    mine = users["student_record"]
    assign(app, users["mentor"], mine)
    other = make_student()
    mentor = client_as("mentor")
    assert mentor.post(f"/outcomes/students/{mine.id}/destination", data=JOB).status_code == 302
    assert mentor.post(f"/outcomes/students/{other.id}/destination", data=JOB).status_code == 403
    assert mentor.get(f"/outcomes/students/{other.id}/destination").status_code == 403
    assert mentor.get("/outcomes/students/999999/destination").status_code == 404
    foreign = destination(app, other, "agreement", verified=False)
    assert mentor.post(f"/outcomes/destinations/{foreign}/verify").status_code == 403
    # and a student cannot open another student's record
    assert client_as("student").get(f"/outcomes/students/{other.id}/destination").status_code == 403


def test_the_list_shows_a_class_in_a_fixed_number_of_queries(app, client_as, make_student, page_queries):
    admin = client_as("admin")

    def add(n):
        for _ in range(n):
            destination(app, make_student(graduation_year=2026), "agreement")

    add(2)
    few = page_queries(admin, "/outcomes/destinations?year=2026")
    add(12)
    many = page_queries(admin, "/outcomes/destinations?year=2026")
    assert many == few
    # kept: the class's count and totals, the colleges, the settings
    assert few[1] < few[0] <= 9
    page = admin.get("/outcomes/destinations?year=2026", headers=EN).get_data(as_text=True)
    assert page.count("遵义市第一人民医院") == 14


def test_the_list_answers_htmx_with_its_rows_only(app, client_as, make_student):
    destination(app, make_student(graduation_year=2026), "awaiting", verified=False)
    admin = client_as("admin")
    fragment = admin.get("/outcomes/destinations?year=2026&verified=pending", headers={**EN, "HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    assert "Not yet employed" in fragment.get_data(as_text=True) and "HX-Request" in fragment.headers["Vary"]
    assert "<html" in admin.get("/outcomes/destinations?year=2026&verified=pending").get_data(as_text=True)
    assert admin.get("/outcomes/destinations?year=abc").status_code == 400


@pytest.mark.real_commits
def test_two_mentors_recording_at_once_leave_one_current_record(app, make_student, make_user, login):
    student = make_student(graduation_year=2026)
    mentors = [make_user("mentor"), make_user("mentor")]
    for mentor in mentors:
        assign(app, mentor, student, kind="other")
    clients = [login(app.test_client(), m) for m in mentors]
    barrier = threading.Barrier(2)
    statuses = []

    def post(c, employer):
        barrier.wait()
        statuses.append(c.post(f"/outcomes/students/{student.id}/destination", data={**JOB, "employer": employer}).status_code)

    threads = [threading.Thread(target=post, args=(c, f"医院{i}")) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(statuses) <= {302, 409} and 302 in statuses
    with app.app_context():
        current = db.session.scalar(select(func.count(Destination.id)).where(
            Destination.student_id == student.id, Destination.is_current == True))  # noqa: E712
        assert current == 1


def test_the_archive_shows_destinations_to_the_student_and_calls_to_mentors_only(app, make_student, make_user):
    from portal.students import archive

    student = make_student(graduation_year=2026)
    mentor = make_user("mentor")
    assign(app, mentor, student)
    with app.test_request_context(headers=EN):
        s = db.session.get(Student, student.id)
        follow_ups.log_follow_up(s, author=mentor, result="status_changed", notes="已签约",
                               destination={**JOB, "decided_on": date(2026, 9, 1)})
        db.session.commit()
        for_student = {e.kind for e in archive.timeline(s, s.user)}
        for_mentor = {e.kind for e in archive.timeline(s, db.session.get(type(s.user), mentor.id))}
    assert "destination" in for_student and "follow_up" not in for_student
    assert {"destination", "follow_up"} <= for_mentor


def test_the_kept_class_count_follows_new_and_moved_students_at_once(app, client_as, make_student):
    """The list keeps the class's count in the cache; a student added or moved to another class
    shows in it on the next visit all the same."""
    admin = client_as("admin")

    def counted():
        page = admin.get("/outcomes/destinations?year=2026", headers=EN).get_data(as_text=True)
        return int(page.split("students match.")[0].split()[-1]) if "students match." in page else 1

    before = counted()
    student = make_student(graduation_year=2026)
    assert counted() == before + 1
    with app.app_context():
        db.session.get(Student, student.id).graduation_year = 2027
        db.session.commit()
    assert counted() == before


def test_a_student_account_without_a_record_is_refused(app, login, make_user):
    """An account the office has not imported a student record for yet: not allowed (403, as every
    page of one's own record answers), not "not found"."""
    c = login(app.test_client(), make_user("student"))
    assert c.get("/outcomes/me").status_code == 403
    assert c.get("/outcomes/me/destination").status_code == 403
