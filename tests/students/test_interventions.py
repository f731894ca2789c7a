"""The intervention log: mentors record each act of support; edits keep the history; private notes stay private."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal.clock import local_today
from portal.extensions import db
from portal.students.models import Intervention, InterventionRevision
from tests.students.ledger_helpers import EN, HX, assign, audit_actions, intervention

FORM = {"type": "talk", "channel": "in_person", "occurred_on": "2026-11-02", "occurred_time": "14:30",
        "duration_minutes": "40", "notes": "谈了求职计划", "follow_up_on": "2026-11-20"}


def only_intervention(app) -> Intervention:
    with app.app_context():
        return db.session.scalars(select(Intervention)).one()


def test_mentor_logs_an_intervention(app, client_as, users):
    assign(app, users["student_record"], users["mentor"])
    client = client_as("mentor")
    assert client.get(f"/students/{users['student_record'].id}/interventions/new", headers=EN).status_code == 200
    response = client.post(f"/students/{users['student_record'].id}/interventions/new",
                           data={**FORM, "notes": "<p>谈话</p><script>alert(1)</script><a href='javascript:x'>x</a>"})
    assert response.status_code == 302
    row = only_intervention(app)
    assert (row.type, row.channel, row.duration_minutes, row.visibility) == ("talk", "in_person", 40, "mentors")
    assert row.occurred_at.isoformat() == "2026-11-02T06:30:00+00:00"  # 14:30 in Shanghai
    assert row.follow_up_on == date(2026, 11, 20) and row.author_id == users["mentor"].id
    assert "<script>" not in row.notes and "javascript:" not in row.notes and "谈话" in row.notes
    assert "intervention.logged" in audit_actions(app)


def test_psychological_counseling_is_private_by_default(app, client_as, users):
    assign(app, users["student_record"], users["mentor"], kind="psychological")
    client_as("mentor").post(f"/students/{users['student_record'].id}/interventions/new",
                             data={**FORM, "type": "psychological_counseling"})
    assert only_intervention(app).visibility == "private"


def test_bad_intervention_input_is_refused_with_a_message(app, client_as, users):
    assign(app, users["student_record"], users["mentor"])
    client = client_as("mentor")
    url = f"/students/{users['student_record'].id}/interventions/new"
    future = (local_today() + timedelta(days=10)).isoformat()
    for change, message in [({"occurred_on": future}, "the date is in the future"),
                            ({"follow_up_on": "2026-10-01"}, "before the intervention"),
                            ({"type": "bribe"}, "Not a valid choice"), ({"occurred_on": ""}, "This field is required")]:
        response = client.post(url, data={**FORM, **change}, headers=EN)
        assert response.status_code == 400 and message in response.get_data(as_text=True), change
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Intervention)) == 0


def test_private_notes_reach_only_their_author(app, client_as, users, make_user):
    counselor = make_user("mentor")
    assign(app, users["student_record"], users["mentor"])
    assign(app, users["student_record"], counselor, kind="psychological")
    from tests.conftest import sign_in

    private_id = intervention(app, users["student_record"], counselor, type="psychological_counseling",
                              visibility="private", notes="<p>只给自己看的咨询记录</p>")
    author = app.test_client()
    sign_in(app, author, counselor)
    assert author.get(f"/interventions/{private_id}").status_code == 200
    for role in ("mentor", "admin", "student", "alumni"):
        client = client_as(role)
        assert client.get(f"/interventions/{private_id}").status_code == 403, role
        if role in ("mentor", "admin"):
            for path in (f"/students/{users['student_record'].id}", f"/students/{users['student_record'].id}/archive"):
                assert "只给自己看的咨询记录" not in client.get(path).get_data(as_text=True), (role, path)
    assert "只给自己看的咨询记录" in author.get(f"/students/{users['student_record'].id}/archive").get_data(as_text=True)


def test_editing_keeps_the_earlier_version(app, client_as, users):
    assign(app, users["student_record"], users["mentor"])
    row_id = intervention(app, users["student_record"], users["mentor"], notes="<p>第一版</p>")
    client = client_as("mentor")
    assert client.get(f"/interventions/{row_id}/edit", headers=EN).status_code == 200
    response = client.post(f"/interventions/{row_id}/edit", data={**FORM, "notes": "第二版", "visibility": "student"})
    assert response.status_code == 302
    with app.app_context():
        row = db.session.get(Intervention, row_id)
        assert row.notes == "<p>第二版</p>" and row.visibility == "student"
        [revision] = db.session.scalars(select(InterventionRevision))
        assert revision.before["notes"] == "<p>第一版</p>" and revision.edited_by_id == users["mentor"].id
    page = client.get(f"/interventions/{row_id}", headers=EN).get_data(as_text=True)
    assert "第二版" in page and "Earlier versions" in page and "第一版" in page
    # only the author edits, administrators included
    assert client_as("admin").get(f"/interventions/{row_id}/edit").status_code == 403
    assert client_as("admin").post(f"/interventions/{row_id}/edit", data=FORM).status_code == 403


def test_follow_up_is_marked_done_with_and_without_htmx(app, client_as, users):
    assign(app, users["student_record"], users["mentor"])
    first = intervention(app, users["student_record"], users["mentor"], follow_up_on=local_today())
    second = intervention(app, users["student_record"], users["mentor"], follow_up_on=local_today())
    client = client_as("mentor")
    page = client.get(f"/interventions/{first}", headers=EN).get_data(as_text=True)
    assert "Mark as done" in page
    fragment = client.post(f"/interventions/{first}/follow-up-done", headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    assert ": done." in fragment.get_data(as_text=True) and "HX-Request" in fragment.headers["Vary"]
    plain = client.post(f"/interventions/{second}/follow-up-done")
    assert plain.status_code == 302 and plain.location.endswith(f"/interventions/{second}")
    with app.app_context():
        assert all(db.session.get(Intervention, i).follow_up_done for i in (first, second))
        # closing is an edit: the history says who closed it
        assert db.session.scalar(select(db.func.count()).select_from(InterventionRevision)) == 2


def test_other_features_log_interventions_through_the_service(app, users):
    with app.test_request_context():
        from portal.students.services import log_intervention

        row = log_intervention(users["student_record"].id, author=users["mentor"].id, type="resume_coaching",
                               source="resume_review", source_id=17, notes="<b>改简历</b><script>x</script>")
        db.session.commit()
        assert (row.source, row.source_id, row.visibility) == ("resume_review", 17, "mentors")
        assert "<script>" not in row.notes
