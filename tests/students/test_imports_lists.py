"""Certification lists: matching by student number or hashed ID, flags for a discreet check, and their page."""
from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from portal.audit.models import AuditLog
from portal.extensions import db
from portal import imports
from portal.errors import RuleViolation
from portal.students.import_services import KINDS, commit
from portal.students.models import HardshipClaim, ListMatch, MentorAssignment, Student
from portal.students.services import set_national_id
from tests.fixtures import import_files as files

LIST = KINDS["list"]
OPTIONS = {"category": "low_income_guarantee", "list_name": "2026年城乡低保名单"}
EN = {"Accept-Language": "en"}


@pytest.fixture
def ctx(app):
    with app.test_request_context(headers=EN), force_locale("en"):
        yield
        db.session.rollback()


def run(data: bytes, options=OPTIONS, *, actor=None):
    rows, plan = imports.preview(LIST, data, options=dict(options))
    if not plan.errors:
        commit(LIST, rows, options=dict(options), actor=actor, filename="list.xlsx", file_sha256="0" * 64)
        db.session.commit()
    return plan


def claim(app, student, category="low_income_guarantee", status="verified"):
    with app.app_context():
        db.session.add(HardshipClaim(student_id=student.id, category=category, source="self_declared", status=status))
        db.session.commit()


def with_id(app, student, number):
    with app.app_context():
        row = db.session.get(Student, student.id)
        set_national_id(row, number)
        db.session.commit()


def test_students_on_a_list_without_the_category_are_flagged_not_added(app, ctx, make_student):
    by_number = make_student(student_no="2026900001", display_name="张三")
    by_id = make_student(student_no="2026900002", display_name="李四")
    number = files.national_id(5)
    with_id(app, by_id, number)
    data = files.xlsx(["学号", "身份证号", "姓名"], [["2026900001", "", "张三"], ["", number, "李四"],
                                                 ["", files.national_id(6), "王五"], ["2099999999", "", "赵六"]])
    plan = run(data)
    assert plan.counts == {"matched": 2, "flagged": 2, "already_flagged": 0, "in_ledger": 0, "pending": 0, "unmatched": 2}
    flags = {m.student_id: m.matched_by for m in db.session.scalars(select(ListMatch))}
    assert flags == {by_number.id: "student_no", by_id.id: "national_id"}
    assert db.session.scalar(select(func.count(HardshipClaim.id))) == 0
    unmatched = [p for p in plan.problems if p.severity == "unmatched"]
    assert [p.row for p in unmatched] == [4, 5]
    assert files.national_id(6) not in unmatched[0].message and "王五" in unmatched[0].message
    assert "*" in unmatched[0].message


def test_a_name_that_differs_is_a_warning_and_the_match_stands(app, ctx, make_student):
    make_student(student_no="2026900001", display_name="张三")
    plan = run(files.csv_file(["学号", "姓名"], [["2026900001", "张叁"]]))
    assert [(p.severity, p.row) for p in plan.problems] == [("warning", 2)]
    assert "张叁" in plan.problems[0].message and "张三" in plan.problems[0].message
    assert plan.counts["flagged"] == 1


def test_students_already_in_the_ledger_or_awaiting_verification_are_not_flagged(app, ctx, make_student):
    verified, pending, rejected, other_category = (make_student(student_no=f"202690000{i}") for i in range(1, 5))
    claim(app, verified)
    claim(app, pending, status="pending")
    claim(app, rejected, status="rejected")
    claim(app, other_category, category="disabled")
    rows = [[f"202690000{i}", "x"] for i in range(1, 5)]
    plan = run(files.csv_file(["学号", "姓名"], rows))
    assert (plan.counts["in_ledger"], plan.counts["pending"], plan.counts["flagged"]) == (1, 1, 2)
    assert set(db.session.scalars(select(ListMatch.student_id))) == {rejected.id, other_category.id}


def test_importing_the_same_list_again_flags_nobody_twice(app, ctx, make_student):
    make_student(student_no="2026900001")
    data = files.csv_file(["学号", "姓名"], [["2026900001", "x"], ["2026900001", "x"]])
    first = run(data)
    assert first.counts["flagged"] == 1 and any("already on the list in row 2" in p.message for p in first.warnings)
    second = run(data)
    assert second.counts["already_flagged"] == 1 and second.counts["flagged"] == 0
    assert db.session.scalar(select(func.count(ListMatch.id))) == 1


def test_a_list_needs_a_student_number_or_an_id_column_and_a_category(app, ctx):
    with pytest.raises(RuleViolation, match="at least one of these columns: 学号"):
        imports.preview(LIST, files.csv_file(["姓名"], [["x"]]), options=OPTIONS)
    plan = run(files.csv_file(["学号", "姓名"], [["2026900001", "x"]]), {"category": "nonsense", "list_name": "x"})
    assert "category" in plan.errors[0].message
    plan = run(files.csv_file(["学号", "身份证号", "姓名"], [["", "", "x"]]))
    assert plan.errors[0].row == 2 and "student number or a national ID" in plan.errors[0].message


# --- the flags page and its actions ----------------------------------------------------------------


@pytest.fixture
def flagged(app, users, make_student, make_user):
    """Two flags on the sweep mentor's caseload, one on another mentor's."""
    mine = [users["student_record"], make_student(display_name="钱七")]
    other_mentor = make_user("mentor")
    theirs = make_student(display_name="孙八")
    with app.app_context():
        for student in mine:
            db.session.add(MentorAssignment(student_id=student.id, mentor_id=users["mentor"].id))
        db.session.add(MentorAssignment(student_id=theirs.id, mentor_id=other_mentor.id))
        matches = [ListMatch(student_id=s.id, category="low_income_guarantee", list_name="低保名单", matched_by="student_no")
                   for s in (*mine, theirs)]
        db.session.add_all(matches)
        db.session.commit()
        return {"mine": [m.id for m in matches[:2]], "theirs": matches[2].id, "other_mentor": other_mentor}


def test_admins_see_every_flag_and_mentors_their_caseload_only(client_as, flagged):
    admin_page = client_as("admin").get("/follow-up/lists", headers=EN).get_data(as_text=True)
    assert "3 students" in admin_page and "孙八" in admin_page
    mentor_page = client_as("mentor").get("/follow-up/lists", headers=EN).get_data(as_text=True)
    assert "2 students" in mentor_page and "钱七" in mentor_page and "孙八" not in mentor_page
    assert "Confidential" in mentor_page


def test_viewing_flags_is_audit_logged(app, client_as, flagged):
    client_as("mentor").get("/follow-up/lists?category=low_income_guarantee", headers=EN)
    with app.app_context():
        row = db.session.scalar(select(AuditLog).where(AuditLog.action == "signals.list_matches_viewed"))
        assert "category=low_income_guarantee" in row.detail and "total=2" in row.detail


def test_the_flag_list_filters_with_htmx_and_without(client_as, flagged):
    client = client_as("admin")
    full = client.get("/follow-up/lists?category=disabled", headers=EN)
    assert "<html" in full.get_data(as_text=True) and "0 students" in full.get_data(as_text=True)
    fragment = client.get("/follow-up/lists?category=low_income_guarantee", headers={**EN, "HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and 'id="flag-results"' in body and "3 students" in body
    assert "HX-Request" in fragment.headers["Vary"]
    assert client.get("/follow-up/lists?status=bogus", headers=EN).status_code == 400


def test_the_flag_list_keeps_a_constant_number_of_queries(app, client_as, flagged, make_student, count_queries):
    client = client_as("admin")
    client.get("/follow-up/lists")
    with count_queries() as few:
        client.get("/follow-up/lists")
    with app.app_context():
        for n in range(12):
            student = make_student()
            db.session.add(ListMatch(student_id=student.id, category="disabled", list_name="残联", matched_by="student_no"))
        db.session.commit()
    client.get("/follow-up/lists", headers=EN)  # the filter lists and tab counts, counted again after the change
    with count_queries() as many:
        assert "15 students" in client.get("/follow-up/lists", headers=EN).get_data(as_text=True)
    assert many.count == few.count, "\n".join(many.statements)


def test_a_mentor_opens_a_claim_for_verification_from_a_flag(app, client_as, flagged, users):
    match_id = flagged["mine"][0]
    response = client_as("mentor").post(f"/follow-up/lists/{match_id}/claim", headers=EN)
    assert response.status_code == 303 and response.location.endswith("/follow-up/lists")
    with app.app_context():
        new = db.session.scalar(select(HardshipClaim))
        assert (new.student_id, new.category, new.source, new.status) == (
            users["student_record"].id, "low_income_guarantee", "government_list", "pending")
        assert "低保名单" in new.evidence_notes and new.created_by_id == users["mentor"].id
        match = db.session.get(ListMatch, match_id)
        assert match.resolved_at is not None and match.resolved_by_id == users["mentor"].id
        assert db.session.scalar(select(AuditLog).where(AuditLog.action == "signals.list_match_claimed")) is not None
    page = client_as("mentor").get("/follow-up/lists", headers=EN).get_data(as_text=True)
    assert "1 student" in page
    again = client_as("admin").post(f"/follow-up/lists/{match_id}/claim", headers=EN)
    assert again.status_code == 409 and "already been dealt with" in again.get_data(as_text=True)


def test_a_rejected_claim_is_reopened_by_a_list_flag(app, client_as, flagged, users):
    claim(app, users["student_record"], status="rejected")
    assert client_as("admin").post(f"/follow-up/lists/{flagged['mine'][0]}/claim").status_code == 303
    with app.app_context():
        reopened = db.session.scalar(select(HardshipClaim))
        assert reopened.status == "pending" and "低保名单" in reopened.evidence_notes


def test_dismissing_needs_a_reason_and_answers_htmx_with_the_row(app, client_as, flagged):
    client = client_as("mentor")
    match_id = flagged["mine"][1]
    hx = {**EN, "HX-Request": "true"}
    refused = client.post(f"/follow-up/lists/{match_id}/dismiss", data={"reason": ""}, headers=hx)
    assert refused.status_code == 400 and f'id="flag-{match_id}"' in refused.get_data(as_text=True)
    done = client.post(f"/follow-up/lists/{match_id}/dismiss", data={"reason": "已核实家庭情况好转"}, headers=hx)
    body = done.get_data(as_text=True)
    assert done.status_code == 200 and "<html" not in body and "Dismissed: 已核实家庭情况好转" in body
    with app.app_context():
        assert db.session.get(ListMatch, match_id).resolution == "dismissed: 已核实家庭情况好转"
    resolved = client.get("/follow-up/lists?status=resolved", headers=EN).get_data(as_text=True)
    assert "已核实家庭情况好转" in resolved


def test_flags_of_another_mentors_students_cannot_be_touched(app, client_as, flagged):
    client = client_as("mentor")
    theirs = flagged["theirs"]
    assert client.post(f"/follow-up/lists/{theirs}/claim").status_code == 403
    assert client.post(f"/follow-up/lists/{theirs}/dismiss", data={"reason": "x"}).status_code == 403
    assert client.post("/follow-up/lists/999999/claim").status_code == 404
    for role in ("student", "alumni"):
        assert client_as(role).post(f"/follow-up/lists/{flagged['mine'][0]}/claim").status_code == 403
        assert client_as(role).get("/follow-up/lists").status_code == 403
    with app.app_context():
        assert db.session.get(ListMatch, theirs).resolved_at is None
        assert db.session.scalar(select(func.count(HardshipClaim.id))) == 0


def test_mentors_are_told_how_many_of_their_students_were_flagged(app, ctx, make_student, make_user):
    from portal.notifications.models import Notification
    from portal.notifications.services import text_of

    mentor, other = make_user("mentor"), make_user("mentor")
    students = [make_student(student_no=f"202690000{i}") for i in range(1, 4)]
    with app.app_context():
        for student in students[:2]:
            db.session.add(MentorAssignment(student_id=student.id, mentor_id=mentor.id))
        db.session.commit()
    run(files.csv_file(["学号", "姓名"], [[s.student_no, "x"] for s in students]))
    notes = list(db.session.scalars(select(Notification)))
    assert [(n.user_id, n.link) for n in notes] == [(mentor.id, "/follow-up/lists")]
    assert text_of(notes[0]) == "Discreet checks for your caseload: 2 new from a certification list."
    assert not any(s.student_no in text_of(notes[0]) for s in students)
