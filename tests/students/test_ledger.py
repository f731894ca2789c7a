"""The hardship ledger: self-declaration, claims, verification with a configurable checklist, the list and its export."""
from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from portal.extensions import db
from portal.notifications.models import Notification
from portal.students.models import ChecklistItem, HardshipClaim, Verification
from tests.students.ledger_helpers import EN, HX, assign, audit_actions, claim


def claims_of(app, student_id):
    with app.app_context():
        return list(db.session.scalars(select(HardshipClaim).where(HardshipClaim.student_id == student_id)))


# --- the student tells the office ---------------------------------------------------------------

def test_student_declares_privately_and_their_mentor_is_told(app, client_as, users):
    assign(app, users["student_record"], users["mentor"])
    client = client_as("student")
    page = client.get("/me/support", headers=EN).get_data(as_text=True)
    assert "no other student" in page.lower() or "Other students, alumni and employers never see it" in page
    response = client.post("/me/support", data={"category": "financial_hardship", "note": "路费 <script>x</script>"}, headers=EN)
    assert response.status_code == 302
    [row] = claims_of(app, users["student_record"].id)
    assert (row.source, row.status, row.level) == ("self_declared", "pending", None)
    assert "<script>" not in row.evidence_notes and "路费" in row.evidence_notes
    with app.app_context():
        [note] = db.session.scalars(select(Notification).where(Notification.user_id == users["mentor"].id))
        assert note.kind == "students.support_requested"
    page = client.get("/me/support", headers=EN).get_data(as_text=True)
    assert "Received; your mentor will talk with you" in page
    assert "hardship_claim.self_declared" in audit_actions(app)


def test_declaring_the_same_thing_twice_is_answered_kindly(app, client_as, users):
    client = client_as("student")
    client.post("/me/support", data={"category": "disabled"})
    again = client.post("/me/support", data={"category": "disabled"}, headers=EN)
    assert again.status_code == 409
    assert "already told us" in again.get_data(as_text=True)
    assert len(claims_of(app, users["student_record"].id)) == 1


def test_declaring_again_after_needs_more_reopens_the_request(app, client_as, users):
    claim_id = claim(app, users["student_record"], "disabled", source="self_declared", status="needs_more",
                     decided_by=users["admin"])
    response = client_as("student").post("/me/support", data={"category": "disabled", "note": "补充了残疾人证"})
    assert response.status_code == 302
    [row] = claims_of(app, users["student_record"].id)
    assert row.id == claim_id and row.status == "pending" and "补充了残疾人证" in row.evidence_notes


def test_declaration_with_an_unknown_category_is_refused(app, client_as, users):
    response = client_as("student").post("/me/support", data={"category": "rich"}, headers=EN)
    assert response.status_code == 400
    assert claims_of(app, users["student_record"].id) == []


# --- staff record and verify ---------------------------------------------------------------------

def test_staff_add_a_claim_once_per_category(app, client_as, users):
    assign(app, users["student_record"], users["mentor"])
    client = client_as("mentor")
    url = f"/students/{users['student_record'].id}/claims"
    response = client.post(url, data={"category": "poverty_alleviated", "source": "government_list",
                                      "evidence_notes": "脱贫户名单 <img src=x onerror=alert(1)>"}, headers=EN)
    assert response.status_code == 302
    [row] = claims_of(app, users["student_record"].id)
    assert "onerror" not in row.evidence_notes and row.created_by_id == users["mentor"].id
    again = client.post(url, data={"category": "poverty_alleviated", "source": "counselor"}, headers=EN)
    assert again.status_code == 409 and "already has this category" in again.get_data(as_text=True)
    level = client.post(url, data={"category": "disabled", "source": "counselor", "level": "special"}, headers=EN)
    assert level.status_code == 400 and "Only family financial hardship has a level" in level.get_data(as_text=True)


def test_verification_rules_and_history(app, client_as, users):
    assign(app, users["student_record"], users["mentor"])
    claim_id = claim(app, users["student_record"], "financial_hardship", source="self_declared")
    client = client_as("mentor")
    url = f"/claims/{claim_id}/verify"
    # confirming needs ticks, and the level for financial hardship
    no_ticks = client.post(url, data={"decision": "verified", "level": "hardship"}, headers=EN)
    assert no_ticks.status_code == 400 and "Tick the checks" in no_ticks.get_data(as_text=True)
    no_level = client.post(url, data={"decision": "verified", "checked": ["documents_checked"]}, headers=EN)
    assert no_level.status_code == 400 and "level of financial hardship" in no_level.get_data(as_text=True)
    # needing more needs a note
    no_note = client.post(url, data={"decision": "needs_more"}, headers=EN)
    assert no_note.status_code == 400 and "Say why" in no_note.get_data(as_text=True)
    assert claims_of(app, users["student_record"].id)[0].status == "pending"

    assert client.post(url, data={"decision": "needs_more", "note": "请补充低保证明"}).status_code == 302
    ok = client.post(url, data={"decision": "verified", "level": "special",
                                "checked": ["documents_checked", "interview_held"]})
    assert ok.status_code == 302
    [row] = claims_of(app, users["student_record"].id)
    assert (row.status, row.level, row.decided_by_id) == ("verified", "special", users["mentor"].id)
    with app.app_context():
        checks = list(db.session.scalars(select(Verification).where(Verification.claim_id == claim_id).order_by(Verification.id)))
        assert [c.decision for c in checks] == ["needs_more", "verified"]
        assert checks[1].checklist == {"documents_checked": True, "household_checked": False,
                                       "lists_cross_checked": False, "interview_held": True}
        kinds = list(db.session.scalars(select(Notification.kind).where(Notification.user_id == users["student"].id)))
        assert kinds == ["students.support_reviewed", "students.support_reviewed"]
    page = client.get(f"/claims/{claim_id}", headers=EN).get_data(as_text=True)
    assert "请补充低保证明" in page and "✓ Interview held" in page and "✗ Household situation checked" in page
    student_page = client_as("student").get("/me/support", headers=EN).get_data(as_text=True)
    assert "Confirmed; support is arranged" in student_page and "请补充低保证明" not in student_page


def test_a_decision_with_a_checklist_item_that_does_not_exist_is_refused(app, client_as, users):
    claim_id = claim(app, users["student_record"], "orphan")
    response = client_as("admin").post(f"/claims/{claim_id}/verify", data={"decision": "verified", "checked": ["bribe_paid"]},
                                       headers=EN)
    assert response.status_code == 400 and "checklist has changed" in response.get_data(as_text=True)


def test_evidence_can_be_updated(app, client_as, users):
    claim_id = claim(app, users["student_record"], "financial_hardship")
    client = client_as("admin")
    response = client.post(f"/claims/{claim_id}/evidence", data={"level": "general", "evidence_notes": "家访记录\n\n第二段"})
    assert response.status_code == 302
    [row] = claims_of(app, users["student_record"].id)
    assert row.level == "general" and row.evidence_notes == "<p>家访记录</p><p>第二段</p>"


# --- the checklist is the office's to configure ----------------------------------------------------

def checklist(app):
    with app.app_context():
        return [(i.key, i.label_en, i.active) for i in db.session.scalars(select(ChecklistItem).order_by(ChecklistItem.position))]


def test_checklist_starts_with_the_four_usual_items(app, client_as):
    page = client_as("admin").get("/ledger/checklist", headers=EN).get_data(as_text=True)
    assert page.count('data-testid="checklist-item"') == 4
    assert [k for k, _, _ in checklist(app)] == ["documents_checked", "household_checked", "lists_cross_checked", "interview_held"]


def test_admin_adds_renames_deactivates_and_reorders_items(app, client_as, users):
    client = client_as("admin")
    client.get("/ledger/checklist")
    assert client.post("/ledger/checklist", data={"new-label_zh": "已核对一卡通消费", "new-label_en": "Campus-card spending checked"}).status_code == 302
    assert checklist(app)[-1] == ("item_5", "Campus-card spending checked", True)
    empty = client.post("/ledger/checklist", data={"new-label_zh": " ", "new-label_en": "x"}, headers=EN)
    assert empty.status_code == 400
    with app.app_context():
        first = db.session.scalar(select(ChecklistItem).where(ChecklistItem.key == "documents_checked"))
        interview = db.session.scalar(select(ChecklistItem).where(ChecklistItem.key == "interview_held"))
    prefix = f"item{first.id}-"
    assert client.post(f"/ledger/checklist/{first.id}", data={prefix + "label_zh": "证明材料已核验", prefix + "label_en": "Certificates checked"}).status_code == 302
    assert client.post(f"/ledger/checklist/{first.id}/move?direction=down").status_code == 302
    assert [k for k, _, _ in checklist(app)][:2] == ["household_checked", "documents_checked"]
    assert client.post(f"/ledger/checklist/{interview.id}/toggle").status_code == 302
    assert ("interview_held", "Interview held", False) in checklist(app)
    # a past tick of a renamed or retired item still reads well; the verify form no longer offers it
    claim_id = claim(app, users["student_record"], "orphan")
    client.post(f"/claims/{claim_id}/verify", data={"decision": "verified", "checked": ["documents_checked"]})
    page = client.get(f"/claims/{claim_id}", headers=EN).get_data(as_text=True)
    assert "✓ Certificates checked" in page
    assert 'value="interview_held"' not in page and 'value="item_5"' in page
    assert {"checklist.item_added", "checklist.item_renamed", "checklist.item_deactivated"} <= set(audit_actions(app))


# --- the ledger list -------------------------------------------------------------------------------

def test_admin_sees_the_whole_ledger_and_a_mentor_only_their_caseload(app, client_as, users, make_student):
    mine = users["student_record"]
    other = make_student(display_name="别人的学生", college="护理学院", major="护理学")
    assign(app, mine, users["mentor"])
    claim(app, mine, "disabled")
    claim(app, other, "orphan", status="verified", decided_by=users["admin"])
    admin = client_as("admin").get("/ledger", headers=EN).get_data(as_text=True)
    assert mine.student_no in admin and other.student_no in admin
    mentor = client_as("mentor").get("/ledger", headers=EN).get_data(as_text=True)
    assert mine.student_no in mentor and other.student_no not in mentor and "别人的学生" not in mentor
    assert "ledger.viewed" in audit_actions(app)


def test_ledger_filters_and_counts(app, client_as, users, make_student):
    a = make_student(college="护理学院", major="护理学", graduation_year=2026, cohort=2022)
    b = make_student(college="药学院", major="药学", graduation_year=2027, cohort=2023)
    claim(app, a, "financial_hardship", status="verified", level="special", decided_by=users["admin"])
    claim(app, a, "poverty_alleviated")
    claim(app, b, "financial_hardship", status="needs_more", decided_by=users["admin"])
    client = client_as("admin")

    def shown(query):
        page = client.get("/ledger?" + query, headers=EN).get_data(as_text=True)
        return {s.student_no for s in (a, b) if s.student_no in page.split('data-testid="ledger-total"')[1]}

    assert shown("category=financial_hardship") == {a.student_no, b.student_no}
    assert shown("category=financial_hardship&status=needs_more") == {b.student_no}
    assert shown("college=护理学院") == {a.student_no}
    assert shown("major=药学") == {b.student_no}
    assert shown("graduation_year=2026") == {a.student_no}
    assert shown("cohort=2023") == {b.student_no}
    assert shown("q=" + b.student_no) == {b.student_no}
    page = client.get("/ledger", headers=EN).get_data(as_text=True)
    counts = page.split('data-testid="ledger-counts"')[1].split("</table>")[0]
    # Financial hardship: 1 verified, 0 waiting, 1 needs more, 0 not confirmed, 2 in all
    assert "Financial hardship</th><td>1</td><td>0</td><td>1</td><td>0</td><td>2</td>" in counts
    assert client.get("/ledger?cohort=abc", headers=EN).status_code == 400


def test_ledger_counts_show_a_new_claim_at_once(app, client_as, users, make_student):
    a = make_student()
    claim(app, a, "disabled")
    client = client_as("admin")

    def disabled_row():
        page = client.get("/ledger", headers=EN).get_data(as_text=True)
        return page.split('data-testid="ledger-counts"')[1].split("Disability</th>")[1].split("</tr>")[0]

    assert disabled_row() == "<td>0</td><td>1</td><td>0</td><td>0</td><td>1</td>"
    claim(app, make_student(), "disabled", status="verified", decided_by=users["admin"])
    assert disabled_row() == "<td>1</td><td>1</td><td>0</td><td>0</td><td>2</td>"


def test_ledger_filters_answer_a_fragment_to_htmx(app, client_as, users):
    claim(app, users["student_record"], "disabled")
    response = client_as("admin").get("/ledger?category=disabled", headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body and 'id="ledger-results"' in body
    assert "HX-Request" in response.headers["Vary"]


def test_ledger_page_issues_a_fixed_number_of_queries(app, client_as, users, make_student, make_user, page_queries):
    client = client_as("admin")
    claim(app, make_student(), "disabled")
    few = page_queries(client, "/ledger")
    for i in range(12):
        student = make_student(college="药学院" if i % 2 else "护理学院")
        assign(app, student, make_user("mentor"))
        claim(app, student, "financial_hardship", status="verified", level="general", decided_by=users["mentor"])
        claim(app, student, "poverty_alleviated")
    assert page_queries(client, "/ledger") == few
    assert few[1] < few[0]  # kept: the counts per category, the colleges and majors


def test_export_is_an_excel_file_safe_from_formulas_and_audited(app, client_as, users, make_student):
    evil = make_student(display_name="=HYPERLINK(\"http://x\",\"点我\")", class_name="+1-2", college="护理学院")
    claim(app, evil, "other", evidence="<p>@SUM(A1:A9)</p>")
    claim(app, users["student_record"], "disabled")
    response = client_as("admin").get("/ledger/export?college=护理学院", headers=EN)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Student number" and len(rows) == 2
    row = rows[1]
    assert row[1] == "'=HYPERLINK(\"http://x\",\"点我\")" and row[6] == "'+1-2" and row[-1] == "'@SUM(A1:A9)"
    assert all(not (isinstance(v, str) and v[:1] in "=+-@") for v in row)
    with app.app_context():
        from portal.audit.models import AuditLog

        row = db.session.scalar(select(AuditLog).where(AuditLog.action == "ledger.exported"))
        assert "college=护理学院" in row.detail and "rows=1" in row.detail


def test_mentor_export_holds_only_their_caseload(app, client_as, users, make_student):
    other = make_student()
    assign(app, users["student_record"], users["mentor"])
    claim(app, users["student_record"], "disabled")
    claim(app, other, "orphan")
    sheet = load_workbook(io.BytesIO(client_as("mentor").get("/ledger/export").data)).active
    numbers = [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert numbers == [users["student_record"].student_no]


def test_filter_lists_offer_every_college_and_major_on_the_roster(app, make_student):
    from portal.students import ledger
    from portal.students.models import Student

    make_student(college="药学院", major="药学", graduation_year=2026, cohort=2022)
    make_student(college="药学院", major="临床药学", graduation_year=2028, cohort=None)
    make_student(college="护理学院", major="护理学", graduation_year=2027, cohort=2023)
    with app.test_request_context():
        options = ledger.filter_choices()
        students = db.session.scalars(select(Student)).all()
        assert [c.value for c in options["colleges"]] == [""] + sorted({s.college for s in students})
        assert [c.value for c in options["majors"]] == [""] + sorted({s.major for s in students})
        assert str(options["colleges"][0].label) == "全部学院"
        # a student moved to another major shows in the lists at once
        moved = db.session.get(Student, students[0].id)
        moved.major = "口腔医学"
        db.session.commit()
        assert "口腔医学" in [c.value for c in ledger.filter_choices()["majors"]]


def test_ledger_pages_list_the_claims_in_the_chosen_order(app, users, make_student, make_user):
    from flask_login import login_user

    from portal.accounts.models import User
    from portal.students import ledger

    mentor = make_user("mentor")
    for i, name in enumerate(["周", "吴", "郑", "王", "冯"]):
        student = make_student(display_name=f"{name}同学", college="药学院" if i % 2 else "护理学院")
        if i % 2:
            assign(app, student, mentor)
        claim(app, student, "financial_hardship", status="verified" if i % 3 else "pending", decided_by=users["mentor"])
        claim(app, student, "disabled" if i % 2 else "orphan")
    for viewer_id in (users["admin"].id, mentor.id):
        for sort in ("student_no", "name", "category", "recent"):
            for extra in ({}, {"status": "verified"}, {"college": "药学院"}, {"q": "同学"}):
                filters = ledger.LedgerFilters(sort=sort, **extra)
                shown, totals = [], []
                for number in (1, 2):
                    with app.test_request_context(f"/ledger?page={number}"):
                        viewer = db.session.get(User, viewer_id)
                        login_user(viewer)
                        expected = [c.id for c in db.session.scalars(ledger.ledger_query(viewer, filters)).unique()]
                        page = ledger.ledger_page(viewer, filters, page=number, per_page=3)
                        shown += [r.id for r in page.items]
                        totals.append(page.total)
                assert shown == expected[:6], (sort, extra)
                assert totals == [len(expected)] * 2
    # the roster walk (chosen when many claims match) lists the same page as the sort
    with app.test_request_context():
        admin = db.session.get(User, users["admin"].id)
        for extra in ({}, {"status": "verified"}, {"category": "financial_hardship", "status": "verified"}):
            filters = ledger.LedgerFilters(**extra)
            for offset in (0, 2, 4):
                walked = db.session.execute(ledger.listed_claims(admin, filters, walk=True).limit(3).offset(offset)).all()
                sorted_ = db.session.execute(ledger.listed_claims(admin, filters).limit(3).offset(offset)).all()
                assert walked == sorted_ and (walked or offset), (extra, offset)


def test_a_ledger_row_shows_the_student_the_claim_the_decision_and_the_primary_mentor(app, client_as, users,
                                                                                      make_student, make_user):
    student = make_student(display_name="孙七", college="护理学院", major="护理学", graduation_year=2027)
    primary = make_user("mentor", display_name="钱老师")
    assign(app, student, primary)
    assign(app, student, make_user("mentor", display_name="赵老师"), kind="psychological")
    claim_id = claim(app, student, "financial_hardship", status="verified", level="special", decided_by=users["admin"])
    client = client_as("admin")
    english = client.get("/ledger", headers=EN).get_data(as_text=True)
    row = english.split(f'href="/students/{student.id}"')[1].split("</tr>")[0]
    assert ">孙七</a>" in row and student.student_no in row and "护理学院" in row and "护理学 · 2027" in row
    assert f'<a href="/claims/{claim_id}">Financial hardship · Special hardship</a>' in row
    assert "Government or certification list" in row
    assert '<span class="state state-verified">Verified</span>' in row
    assert users["admin"].display_name in row and "钱老师" in row and "赵老师" not in row
    chinese = client.get("/ledger", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    row = chinese.split(f'href="/students/{student.id}"')[1].split("</tr>")[0]
    assert "已认定" in row and "钱老师" in row
