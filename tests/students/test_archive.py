"""The student's archive: one timeline for staff, the student's own share of it, and a download."""
from __future__ import annotations

import json

from portal.students import archive
from tests.students.ledger_helpers import EN, assign, audit_actions, claim, intervention


def seeded(app, client_as, users, make_user):
    """A student with a profile change, a self-declared verified claim, a list claim being checked,
    and interventions of every visibility."""
    counselor = make_user("mentor")
    assign(app, users["student_record"], users["mentor"])
    assign(app, users["student_record"], counselor, kind="psychological")
    client_as("student").post("/me/profile/contact", data={"phone": "13912345678"})
    claim(app, users["student_record"], "financial_hardship", source="self_declared", status="verified", level="hardship",
          decided_by=users["mentor"])
    claim(app, users["student_record"], "low_income_guarantee", source="government_list", evidence="<p>民政局名单</p>")
    intervention(app, users["student_record"], users["mentor"], type="resume_coaching", visibility="student",
                 notes="<p>简历修改建议</p>")
    intervention(app, users["student_record"], users["mentor"], type="talk", visibility="mentors", notes="<p>导师间备注</p>")
    intervention(app, users["student_record"], counselor, type="psychological_counseling", visibility="private",
                 notes="<p>咨询师私人记录</p>")
    return counselor


def test_staff_see_the_whole_timeline_but_not_others_private_notes(app, client_as, users, make_user):
    seeded(app, client_as, users, make_user)
    page = client_as("mentor").get(f"/students/{users['student_record'].id}/archive", headers=EN).get_data(as_text=True)
    for expected in ("Profile updated by the student", "Mobile phone: — → 13912345678", "Verified: Family financial hardship",
                     "Added to the ledger: Urban or rural minimum living allowance (dibao)", "民政局名单",
                     "简历修改建议", "导师间备注"):
        assert expected in page, expected
    assert "咨询师私人记录" not in page
    assert "student.archive_viewed" in audit_actions(app)


def test_the_student_sees_their_share_of_the_timeline(app, client_as, users, make_user):
    seeded(app, client_as, users, make_user)
    page = client_as("student").get("/me/archive", headers=EN).get_data(as_text=True)
    assert "You updated your profile" in page and "简历修改建议" in page
    assert "You asked for support: Family financial hardship" in page and "Confirmed; support is arranged" in page
    for hidden in ("导师间备注", "咨询师私人记录", "民政局名单", "dibao", "Checks:"):
        assert hidden not in page, hidden


def test_the_student_downloads_their_archive_as_json_and_pdf(app, client_as, users, make_user):
    seeded(app, client_as, users, make_user)
    client = client_as("student")
    response = client.get("/me/archive/download?format=json", headers=EN)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    fields = {row["field"]: row["value"] for row in data["profile"]}
    assert fields["student_no"] == users["student_record"].student_no and fields["phone"] == "13912345678"
    assert [s["status"] for s in data["support"]] == ["Confirmed; support is arranged"]
    text = response.get_data(as_text=True)
    for hidden in ("导师间备注", "咨询师私人记录", "民政局名单"):
        assert hidden not in text
    assert "简历修改建议" in text
    pdf = client.get("/me/archive/download?format=pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and pdf.mimetype == "application/pdf"
    assert client.get("/me/archive/download?format=exe").status_code == 400
    assert audit_actions(app).count("archive.exported") == 2


def test_other_features_add_entries_through_a_provider(app, client_as, users):
    from datetime import datetime, timezone

    def bookings(student, viewer, *, for_student):
        return [archive.ArchiveEntry(at=datetime(2026, 5, 1, tzinfo=timezone.utc), kind="booking",
                                     title="Mock interview booked", audience=archive.STUDENT)]

    archive.PROVIDERS.append(bookings)
    try:
        page = client_as("student").get("/me/archive", headers=EN).get_data(as_text=True)
    finally:
        archive.PROVIDERS.remove(bookings)
    assert "Mock interview booked" in page


def test_archive_timeline_issues_a_fixed_number_of_queries(app, client_as, users, make_user, count_queries):
    seeded(app, client_as, users, make_user)
    client = client_as("admin")
    url = f"/students/{users['student_record'].id}/archive"
    client.get(url)
    with count_queries() as few:
        client.get(url)
    student = client_as("student")
    for phone in ("13900000001", "13900000002"):
        student.post("/me/profile/contact", data={"phone": phone})
    for category in ("disabled", "orphan"):
        claim(app, users["student_record"], category, status="verified", decided_by=users["admin"])
    for _ in range(5):
        intervention(app, users["student_record"], users["mentor"])
    with count_queries() as many:
        client.get(url)
    assert many.count == few.count


def test_notes_are_sanitized_at_display_each_time_even_when_stored_unclean(app, client_as, users, make_user):
    """A note stored before a sanitizing rule existed is cleaned when shown; the timeline remembers
    the cleaned text, and the second visit shows the same."""
    from portal.extensions import db
    from portal.students.models import Intervention

    seeded(app, client_as, users, make_user)
    with app.app_context():
        row = db.session.query(Intervention).filter_by(visibility="mentors").one()
        row.notes = '<p>旧记录</p><script>alert(1)</script><a href="javascript:x" onclick="y">链接</a>'
        db.session.commit()
    client = client_as("mentor")
    pages = [client.get(f"/students/{users['student_record'].id}/archive", headers=EN).get_data(as_text=True)
             for _ in range(2)]
    for page in pages:
        assert "<p>旧记录</p>" in page and "链接" in page
        for unsafe in ("<script>", "javascript:", "onclick"):
            assert unsafe not in page, unsafe
