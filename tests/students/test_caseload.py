"""Caseloads: the office assigns students to mentors; a mentor follows their students from one page."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.clock import local_today
from portal.extensions import db
from portal.students import assignments, hooks
from portal.students.models import MentorAssignment
from tests.students.ledger_helpers import EN, HX, assign, audit_actions, claim, intervention


def mentors_of(app, student_id):
    with app.app_context():
        return sorted((a.mentor_id, a.kind) for a in db.session.scalars(
            select(MentorAssignment).where(MentorAssignment.student_id == student_id)))


def rows_of(page: str) -> list[str]:
    return page.split('data-testid="caseload-row"')[1:]


# --- the mentor's caseload page ------------------------------------------------------------------

def test_caseload_lists_my_students_with_needs_and_contacts(app, client_as, users, make_student, make_user):
    me = users["mentor"]
    student = users["student_record"]
    stranger = make_student(display_name="别的学生")
    assign(app, student, me)
    assign(app, stranger, make_user("mentor"))
    claim(app, student, "financial_hardship", status="verified", level="special", decided_by=me)
    intervention(app, student, me, days_ago=3, follow_up_on=local_today() + timedelta(days=4))
    page = client_as("mentor").get("/caseload", headers=EN).get_data(as_text=True)
    [row] = rows_of(page)
    assert student.student_no in row and "Financial hardship · Special hardship" in row and "Verified" in row
    assert "no recent contact" not in row and "1 · " in row
    assert "别的学生" not in page
    assert "caseload.viewed" in audit_actions(app)


def test_students_without_recent_contact_are_highlighted(app, client_as, users, make_student):
    me = users["mentor"]
    recent, old, never, fine = users["student_record"], make_student(), make_student(), make_student()
    for s in (recent, old, never, fine):
        assign(app, s, me)
    for s in (recent, old, never):
        claim(app, s, "financial_hardship")
    intervention(app, recent, me, days_ago=2)
    intervention(app, old, me, days_ago=45)
    client = client_as("mentor")
    page = client.get("/caseload?sort=last_contact", headers=EN).get_data(as_text=True)
    rows = rows_of(page)
    # never contacted first, then the longest without contact
    assert never.student_no in rows[0] or never.student_no in rows[1]
    assert old.student_no in rows[2] and recent.student_no in rows[3]
    assert 'class="stale"' in page.split(never.student_no)[0].rsplit("<tr", 1)[1]
    # a student outside the support programme is not flagged for lack of contact
    assert 'class="stale"' not in page.split(fine.student_no)[0].rsplit("<tr", 1)[1]
    stale = client.get("/caseload?attention=no_contact", headers=EN).get_data(as_text=True)
    assert recent.student_no not in stale and old.student_no in stale and never.student_no in stale
    assert fine.student_no not in stale
    # the office widens the window: 45 days is no longer too long
    assert client_as("admin").post("/caseloads/settings", data={"no_contact_days": "60"}).status_code == 302
    stale = client.get("/caseload?attention=no_contact", headers=EN).get_data(as_text=True)
    assert old.student_no not in stale and never.student_no in stale
    assert client_as("admin").post("/caseloads/settings", data={"no_contact_days": "0"}).status_code == 400


def test_caseload_filters_and_htmx(app, client_as, users, make_student):
    me = users["mentor"]
    in_ledger, plain = users["student_record"], make_student()
    assign(app, in_ledger, me)
    assign(app, plain, me, kind="psychological")
    claim(app, in_ledger, "orphan")
    intervention(app, in_ledger, me, follow_up_on=local_today())
    client = client_as("mentor")

    def shown(query):
        page = client.get("/caseload?" + query, headers=EN).get_data(as_text=True)
        return {s.student_no for s in (in_ledger, plain) if s.student_no in page}

    assert shown("category=none") == {plain.student_no}
    assert shown("category=orphan&status=pending") == {in_ledger.student_no}
    assert shown("kind=psychological") == {plain.student_no}
    assert shown("attention=follow_up") == {in_ledger.student_no}
    assert shown("q=" + plain.student_no) == {plain.student_no}
    fragment = client.get("/caseload?category=none", headers=HX)
    assert "<html" not in fragment.get_data(as_text=True) and 'id="caseload-results"' in fragment.get_data(as_text=True)
    assert "HX-Request" in fragment.headers["Vary"]
    assert client.get("/caseload?sort=x").status_code == 400


def test_a_private_follow_up_of_another_mentor_does_not_show(app, client_as, users, make_user):
    me, counselor = users["mentor"], make_user("mentor")
    assign(app, users["student_record"], me)
    assign(app, users["student_record"], counselor, kind="psychological")
    intervention(app, users["student_record"], counselor, type="psychological_counseling", visibility="private",
                 follow_up_on=local_today() + timedelta(days=2))
    page = client_as("mentor").get("/caseload?attention=follow_up", headers=EN).get_data(as_text=True)
    assert users["student_record"].student_no not in page


def test_appointment_and_outcome_hooks_fill_their_columns(app, client_as, users):
    from datetime import datetime, timezone

    assign(app, users["student_record"], users["mentor"])
    real = (list(hooks.NEXT_APPOINTMENT_PROVIDERS), list(hooks.OUTCOME_STATUS_PROVIDERS))
    at = datetime(2030, 3, 4, 2, 0, tzinfo=timezone.utc)
    try:
        hooks.NEXT_APPOINTMENT_PROVIDERS[:] = []
        hooks.OUTCOME_STATUS_PROVIDERS[:] = []
        page = client_as("mentor").get("/caseload", headers=EN).get_data(as_text=True)
        assert page.count("<td>—</td>") >= 2  # nothing when no feature answers
        hooks.NEXT_APPOINTMENT_PROVIDERS[:] = [lambda ids: {i: at for i in ids}]
        hooks.OUTCOME_STATUS_PROVIDERS[:] = [lambda ids: {i: "Signed a contract" for i in ids}]
        page = client_as("mentor").get("/caseload", headers=EN).get_data(as_text=True)
    finally:
        hooks.NEXT_APPOINTMENT_PROVIDERS[:], hooks.OUTCOME_STATUS_PROVIDERS[:] = real
    assert "2030-03-04 10:00" in page and "Signed a contract" in page


def test_caseload_page_issues_a_fixed_number_of_queries(app, client_as, users, make_student, make_user, page_queries):
    me = users["mentor"]
    assign(app, users["student_record"], me)
    client = client_as("mentor")
    client.get("/caseload")
    few = page_queries(client, "/caseload")
    for i in range(10):
        student = make_student()
        assign(app, student, me, kind="primary" if i % 2 else "psychological")
        assign(app, student, make_user("mentor"), kind="other")
        claim(app, student, "financial_hardship", status="verified", level="general", decided_by=me)
        claim(app, student, "disabled")
        intervention(app, student, me, follow_up_on=local_today() + timedelta(days=i))
    assert page_queries(client, "/caseload") == few


# --- the office assigns -------------------------------------------------------------------------

def test_admin_assigns_one_student_and_a_new_primary_replaces_the_old(app, client_as, users, make_user):
    first, second, counselor = users["mentor"], make_user("mentor"), make_user("mentor")
    student_id = users["student_record"].id
    client = client_as("admin")
    url = f"/students/{student_id}/mentors"
    assert client.post(url, data={"mentor": str(first.id), "kind": "primary"}).status_code == 302
    assert client.post(url, data={"mentor": str(counselor.id), "kind": "psychological"}).status_code == 302
    assert client.post(url, data={"mentor": str(second.id), "kind": "primary"}).status_code == 302
    assert mentors_of(app, student_id) == sorted([(second.id, "primary"), (counselor.id, "psychological")])
    # only active mentors can be assigned
    assert client.post(url, data={"mentor": str(users["alumni"].id), "kind": "primary"}).status_code == 400
    assert client.post(f"/students/{student_id}/mentors/{counselor.id}/remove").status_code == 302
    assert mentors_of(app, student_id) == [(second.id, "primary")]
    assert {"caseload.assigned", "caseload.unassigned"} <= set(audit_actions(app))


def test_bulk_assignment_by_selection_college_and_class(app, client_as, users, make_student, make_user):
    nurse_a = make_student(college="护理学院", major="护理学", class_name="护理22级1班")
    nurse_b = make_student(college="护理学院", major="护理学", class_name="护理22级2班")
    pharmacist = make_student(college="药学院", major="药学", class_name="药学22级1班")
    old, new, counselor = users["mentor"], make_user("mentor"), make_user("mentor")
    assign(app, nurse_a, old)
    client = client_as("admin")
    # the ticked rows
    r = client.post("/caseloads/assign", data={"mentor": str(counselor.id), "kind": "psychological", "target": "selected",
                                               "student_ids": [str(nurse_a.id), str(pharmacist.id)]})
    assert r.status_code == 302
    assert mentors_of(app, pharmacist.id) == [(counselor.id, "psychological")]
    # every student of a college: the new primary replaces the old one, other mentors stay
    r = client.post("/caseloads/assign", data={"mentor": str(new.id), "kind": "primary", "target": "filtered",
                                               "college": "护理学院"})
    assert r.status_code == 302
    assert mentors_of(app, nurse_a.id) == sorted([(new.id, "primary"), (counselor.id, "psychological")])
    assert mentors_of(app, nurse_b.id) == [(new.id, "primary")]
    assert mentors_of(app, pharmacist.id) == [(counselor.id, "psychological")]
    # one class
    r = client.post("/caseloads/assign", data={"mentor": str(old.id), "kind": "primary", "target": "filtered",
                                               "class_name": "护理22级2班"})
    assert r.status_code == 302
    assert mentors_of(app, nurse_b.id) == [(old.id, "primary")] and (new.id, "primary") in mentors_of(app, nurse_a.id)
    assert "caseload.bulk_assigned" in audit_actions(app)


def test_bulk_assignment_refuses_an_empty_selection(app, client_as, users):
    response = client_as("admin").post("/caseloads/assign", data={"mentor": str(users["mentor"].id), "kind": "primary",
                                                                  "target": "selected"}, headers=EN)
    assert response.status_code == 400 and "No student was selected" in response.get_data(as_text=True)
    response = client_as("admin").post("/caseloads/assign", data={"mentor": "99999", "kind": "primary", "target": "selected"})
    assert response.status_code == 400
    # "every student matching" needs a filter: no one hands the whole university to one mentor by mistake
    response = client_as("admin").post("/caseloads/assign", data={"mentor": str(users["mentor"].id), "kind": "primary",
                                                                  "target": "filtered"}, headers=EN)
    assert response.status_code == 400 and "Filter the list first" in response.get_data(as_text=True)
    assert mentors_of(app, users["student_record"].id) == []


def test_bulk_assign_service_handles_many_students_in_a_few_statements(app, users, count_queries):
    from sqlalchemy import insert

    from portal.accounts.models import User
    from portal.students.models import Student

    with app.test_request_context():
        db.session.execute(insert(User), [dict(username=f"bulk{i}", display_name=f"学生{i}", role="student",
                                               password_hash="x") for i in range(1200)])
        user_ids = db.session.scalars(select(User.id).where(User.username.like("bulk%"))).all()
        db.session.execute(insert(Student), [dict(user_id=u, student_no=f"B{u:08d}", college="护理学院", major="护理学",
                                                  degree_level="bachelor", graduation_year=2027) for u in user_ids])
        ids = db.session.scalars(select(Student.id).where(Student.college == "护理学院")).all()
        mentor, other = db.session.get(User, users["mentor"].id), db.session.get(User, users["admin"].id)
        with count_queries() as counted:
            assert assignments.bulk_assign(mentor, ids, kind="primary", actor=other) == 1200
        # three chunks of 500, four statements each, and the audit row at commit
        assert counted.count <= 3 * 4 + 2
        db.session.commit()
        assert db.session.scalar(select(db.func.count()).select_from(MentorAssignment)) == 1200


def test_caseloads_page_filters_and_issues_a_fixed_number_of_queries(app, client_as, users, make_student, make_user,
                                                                    page_queries):
    client = client_as("admin")
    plain = make_student(college="药学院")
    assign(app, users["student_record"], users["mentor"])
    page = client.get("/caseloads?unassigned=y", headers=EN).get_data(as_text=True)
    assert plain.student_no in page and users["student_record"].student_no not in page
    fragment = client.get("/caseloads?college=药学院", headers=HX).get_data(as_text=True)
    assert "<html" not in fragment and plain.student_no in fragment
    few = page_queries(client, "/caseloads")
    for _ in range(8):
        student = make_student()
        assign(app, student, make_user("mentor"))
        assign(app, student, make_user("mentor"), kind="psychological")
    assert page_queries(client, "/caseloads") == few
    assert few[1] < few[0]  # kept: the mentors with their caseloads, the colleges and majors


def test_mentor_loads_on_the_caseloads_page_follow_assignments_at_once(app, client_as, users, make_student):
    """The assignment page's mentor lists show each mentor's number of students; assigning students
    there, or removing one from a record, shows in them on the next visit."""
    mentor = users["mentor"]
    client = client_as("admin")

    def load():
        page = client.get("/caseloads", headers=EN).get_data(as_text=True)
        return int(page.split(f"({mentor.username}, ")[1].split(" ")[0])

    before = load()
    student = make_student()
    r = client.post("/caseloads/assign", data={"mentor": str(mentor.id), "kind": "primary", "target": "selected",
                                               "student_ids": [str(student.id)]})
    assert r.status_code == 302
    assert load() == before + 1
    assert client.post(f"/students/{student.id}/mentors/{mentor.id}/remove").status_code == 302
    assert load() == before


def test_the_assignment_list_names_each_students_mentors(app, client_as, users, make_student, make_user):
    lonely = make_student(display_name="周八")
    supported = users["student_record"]
    assign(app, supported, make_user("mentor", display_name="钱老师"))
    assign(app, supported, make_user("mentor", display_name="赵老师"), kind="psychological")
    page = client_as("admin").get("/caseloads", headers=EN).get_data(as_text=True)
    row = page.split(f'id="pick-{supported.id}"')[1].split("</tr>")[0]
    assert f'href="/students/{supported.id}"' in row and "钱老师<br>" in row
    assert '<span class="muted">赵老师 (Psychological counselor)</span>' in row
    row = page.split(f'id="pick-{lonely.id}"')[1].split("</tr>")[0]
    assert ">周八</a>" in row and "no primary mentor" in row
    chinese = client_as("admin").get("/caseloads", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "未分配主责导师" in chinese.split(f'id="pick-{lonely.id}"')[1].split("</tr>")[0]
