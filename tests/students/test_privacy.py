"""Sensitive records reach only administrators and the student's own mentors, whatever id is typed in the address."""
from __future__ import annotations

import pytest

from tests.students.ledger_helpers import EN, assign, claim, intervention


@pytest.fixture
def theirs(app, users, make_student, make_user):
    """Another mentor's student, with a claim and an intervention; our mentor and student are strangers to it."""
    other_mentor = make_user("mentor")
    student = make_student(display_name="隔壁学生")
    assign(app, student, other_mentor)
    assign(app, users["student_record"], users["mentor"])
    return {
        "student": student.id,
        "claim": claim(app, student, "orphan", evidence="<p>孤儿证明</p>"),
        "intervention": intervention(app, student, other_mentor, visibility="student", notes="<p>别人的记录</p>"),
        "mentor": other_mentor.id,
    }


GETS = ["/students/{student}", "/students/{student}/edit", "/students/{student}/archive", "/claims/{claim}",
        "/interventions/{intervention}", "/interventions/{intervention}/edit", "/students/{student}/interventions/new"]
POSTS = ["/students/{student}/claims", "/claims/{claim}/verify", "/claims/{claim}/evidence",
         "/interventions/{intervention}/follow-up-done", "/students/{student}/edit",
         "/students/{student}/interventions/new"]


@pytest.mark.parametrize("role", ["mentor", "student", "alumni"])
def test_another_mentors_student_cannot_be_reached_by_changing_ids(app, client_as, theirs, role):
    client = client_as(role)
    for path in GETS:
        url = path.format(**theirs)
        response = client.get(url)
        assert response.status_code == 403, (role, url)
        assert "隔壁学生" not in response.get_data(as_text=True)
    for path in POSTS:
        url = path.format(**theirs)
        assert client.post(url, data={"decision": "verified", "checked": ["documents_checked"], "category": "disabled",
                                      "source": "counselor"}).status_code == 403, (role, url)


def test_unknown_ids_answer_not_found(client_as):
    client = client_as("admin")
    for url in ("/students/999999", "/claims/999999", "/interventions/999999", "/students/999999/archive",
                "/ledger/checklist/999999/toggle"):
        method = client.post if url.endswith("toggle") else client.get
        assert method(url).status_code == 404, url


def test_shared_with_the_student_means_that_student_only(app, client_as, users, theirs):
    """An intervention shared with its student is still closed to every other student."""
    mine = intervention(app, users["student_record"], users["mentor"], visibility="student", notes="<p>给我的建议</p>")
    client = client_as("student")
    assert client.get(f"/interventions/{mine}").status_code == 200
    assert client.get(f"/interventions/{theirs['intervention']}").status_code == 403
    assert "别人的记录" not in client.get("/me/archive").get_data(as_text=True)


def test_lists_never_show_another_mentors_students(app, client_as, users, theirs):
    client = client_as("mentor")
    for url in ("/ledger", "/caseload", "/ledger?q=隔壁"):
        assert "隔壁学生" not in client.get(url, headers=EN).get_data(as_text=True), url
    assert "隔壁学生".encode() not in client.get("/ledger/export").data


def test_admins_reach_every_record_but_not_private_notes(app, client_as, users, theirs):
    client = client_as("admin")
    for path in ("/students/{student}", "/students/{student}/archive", "/claims/{claim}", "/interventions/{intervention}"):
        assert client.get(path.format(**theirs)).status_code == 200
    assert client.get("/interventions/{intervention}/edit".format(**theirs)).status_code == 403


def test_alumni_and_students_reach_no_list(client_as):
    for role in ("student", "alumni"):
        client = client_as(role)
        for url in ("/ledger", "/ledger/export", "/caseload", "/caseloads", "/ledger/checklist"):
            assert client.get(url).status_code == 403, (role, url)
