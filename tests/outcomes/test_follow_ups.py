"""Follow-up calls after graduation: per-mentor lists of graduates employed and not yet employed,
each call logged as an intervention, a changed destination recorded in the same form."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal.clock import local_today
from portal.extensions import db
from portal.outcomes.models import Destination, FollowUp
from portal.students.models import Intervention
from tests.outcomes.helpers import assign, destination

EN = {"Accept-Language": "en"}


def test_a_call_is_logged_as_an_intervention(app, client_as, users):
    student = users["student_record"]
    assign(app, users["mentor"], student)
    response = client_as("mentor").post(f"/outcomes/follow-ups/{student.id}", data={
        "result": "needs_help", "channel": "phone", "notes": "仍在求职，希望推荐基层岗位", "occurred_on": "2026-09-10"})
    assert response.status_code == 302
    with app.app_context():
        follow_up = db.session.scalar(select(FollowUp))
        intervention = db.session.get(Intervention, follow_up.intervention_id)
        assert (intervention.type, intervention.source, intervention.source_id) == ("phone_interview", "follow_up", follow_up.id)
        assert intervention.follow_up_on == local_today() + timedelta(days=7)  # "needs help" asks for another contact
        assert "仍在求职" in intervention.notes and follow_up.occurred_at.date() == date(2026, 9, 10)


def test_a_changed_destination_is_recorded_with_the_call(app, client_as, users):
    student = users["student_record"]
    assign(app, users["mentor"], student)
    destination(app, student, "awaiting", decided_on=None)
    mentor = client_as("mentor")
    missing = mentor.post(f"/outcomes/follow-ups/{student.id}", data={"result": "status_changed"}, headers=EN)
    assert missing.status_code == 400 and "Enter the new destination below." in missing.get_data(as_text=True)
    wrong = mentor.post(f"/outcomes/follow-ups/{student.id}", headers=EN, data={
        "result": "reached", "category": "agreement", "decided_on": "2026-09-01", "employer": "某医院"})
    assert wrong.status_code == 400
    ok = mentor.post(f"/outcomes/follow-ups/{student.id}", data={
        "result": "status_changed", "category": "labour_contract", "decided_on": "2026-09-01",
        "employer": "石桥镇卫生院", "hospital_level": "township", "province": "贵州"})
    assert ok.status_code == 302
    with app.app_context():
        rows = list(db.session.scalars(select(Destination).order_by(Destination.id)))
        follow_up = db.session.scalar(select(FollowUp))
        assert [r.is_current for r in rows] == [False, True]
        assert rows[1].source == "follow_up" and rows[1].grassroots and follow_up.destination_id == rows[1].id
        assert db.session.scalar(select(FollowUp).where(FollowUp.result == "reached")) is None  # the refused one left nothing


def test_lists_split_the_mentors_graduates(app, client_as, users, make_student):
    mentor = users["mentor"]
    employed, waiting, unknown, not_mine = (
        make_student(graduation_year=2026, display_name=name) for name in ("甲已就业", "乙待就业", "丙未知", "戊别人"))
    next_class = make_student(graduation_year=2027, display_name="己明年")
    for s in (employed, waiting, unknown, next_class):
        assign(app, mentor, s)
    destination(app, employed, "agreement")
    destination(app, waiting, "awaiting", decided_on=None)
    destination(app, not_mine, "awaiting", decided_on=None)
    c = client_as("mentor")
    open_list = c.get("/outcomes/follow-ups?year=2026", headers=EN).get_data(as_text=True)
    assert "乙待就业" in open_list and "丙未知" in open_list
    assert "甲已就业" not in open_list and "戊别人" not in open_list and "己明年" not in open_list
    done = c.get("/outcomes/follow-ups?year=2026&group=employed", headers=EN).get_data(as_text=True)
    assert "甲已就业" in done and "乙待就业" not in done
    assert "3 graduates, 1 settled" in open_list
    # the office sees everyone, and may pick a mentor
    office = client_as("admin").get(f"/outcomes/follow-ups?year=2026&mentor={mentor.id}", headers=EN).get_data(as_text=True)
    assert "乙待就业" in office and "戊别人" not in office


def test_the_list_has_a_fixed_number_of_queries_and_an_htmx_fragment(app, client_as, users, make_student, page_queries):
    mentor = users["mentor"]

    def add(n):
        for _ in range(n):
            s = make_student(graduation_year=2026)
            assign(app, mentor, s)
            destination(app, s, "awaiting", decided_on=None)

    c = client_as("mentor")
    add(2)
    few = page_queries(c, "/outcomes/follow-ups?year=2026")
    add(10)
    assert page_queries(c, "/outcomes/follow-ups?year=2026") == few
    fragment = c.get("/outcomes/follow-ups?year=2026", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'id="follow-up-results"' in fragment and "<html" not in fragment


def test_another_mentors_graduate_cannot_be_called(app, client_as, users, make_student):
    stranger = make_student(graduation_year=2026)
    assert client_as("mentor").post(f"/outcomes/follow-ups/{stranger.id}", data={"result": "reached"}).status_code == 403
    assert client_as("mentor").get(f"/outcomes/follow-ups/{stranger.id}").status_code == 403
    assert client_as("admin").get(f"/outcomes/follow-ups/{stranger.id}").status_code == 200
