"""The job-seeking subsidy: who qualifies, applications through their steps, the bureau's list,
student loans, and other help recorded as interventions."""
from __future__ import annotations

import io
import threading
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import func, select

from portal import settings
from portal.audit.models import AuditLog
from portal.errors import RuleViolation
from portal.extensions import db
from portal.plans import subsidy
from portal.plans.models import HelpGiven, StudentLoan, SubsidyApplication, SubsidyStep
from portal.students.models import Intervention, Student
from tests.plans.helpers import put_in_ledger

EN = {"Accept-Language": "en"}
HX = {"HX-Request": "true", "Accept-Language": "en"}


def _graduating(app, make_student, **fields):
    with app.app_context():
        year = subsidy.graduating_year()
    return make_student(graduation_year=year, **fields)


def test_eligibility_follows_the_configured_categories_and_loans(app, users, make_student):
    low_income = _graduating(app, make_student, display_name="低保同学")
    hardship_only = _graduating(app, make_student, display_name="一般困难同学")
    loan_only = _graduating(app, make_student, display_name="助学贷款同学")
    pending = _graduating(app, make_student, display_name="待核实同学")
    next_year = make_student(display_name="明年毕业同学", graduation_year=2099)
    put_in_ledger(app, low_income, category="low_income_guarantee")
    put_in_ledger(app, hardship_only, category="financial_hardship")
    put_in_ledger(app, pending, category="disabled", status="pending")
    put_in_ledger(app, next_year, category="orphan")
    with app.app_context():
        db.session.add(StudentLoan(student_id=loan_only.id, kind="home"))
        db.session.commit()
        year = subsidy.graduating_year()
        categories = subsidy.eligible_categories()
        rows = subsidy.eligible_list(users["admin"], year=year, categories=categories)
        names = {row.display_name for row in db.session.execute(rows)}
        assert names == {"低保同学", "助学贷款同学"}
        assert subsidy.eligible_total(users["admin"], year=year, categories=categories) == 2
        # the office adds family financial hardship and stops counting loans
        settings.put("plans.subsidy_categories", ["low_income_guarantee", "financial_hardship"])
        db.session.commit()
        rows = subsidy.eligible_list(users["admin"], year=year, categories=subsidy.eligible_categories())
        names = {row.display_name for row in db.session.execute(rows)}
        assert names == {"低保同学", "一般困难同学"}


def test_application_goes_through_its_steps(app, client_as, users):
    student = users["student_record"]
    put_in_ledger(app, student, category="poverty_alleviated", mentor=users["mentor"])
    with app.app_context():
        settings.put("plans.subsidy_amounts", {"湖北": "1500"})
        settings.put("plans.subsidy_province", "湖北")
        db.session.commit()
    mentor = client_as("mentor")
    form_page = mentor.get(f"/plans/subsidy/students/{student.id}/apply", headers=EN).get_data(as_text=True)
    assert "湖北" in form_page
    response = mentor.post(f"/plans/subsidy/students/{student.id}/apply",
                           data={"category": "poverty_alleviated", "province": "湖北"})
    assert response.status_code == 302
    with app.app_context():
        application = db.session.scalar(select(SubsidyApplication))
        assert application.amount == Decimal("1500") and application.status == "applied"
        application_id = application.id
    again = mentor.post(f"/plans/subsidy/students/{student.id}/apply", data={"category": "poverty_alleviated", "province": "湖北"},
                        headers=EN)
    assert again.status_code == 409 and "already applied" in again.get_data(as_text=True)
    # mentors record the application; the office confirms the steps
    assert mentor.post(f"/plans/subsidy/{application_id}/advance", data={"expected": "applied"}).status_code == 403

    admin = client_as("admin")
    for expected, reached in (("applied", "school_checked"), ("school_checked", "publicly_listed"),
                              ("publicly_listed", "approved"), ("approved", "paid")):
        response = admin.post(f"/plans/subsidy/{application_id}/advance", data={"expected": expected, "note": "ok"})
        assert response.status_code == 302
        with app.app_context():
            assert db.session.get(SubsidyApplication, application_id).status == reached
    stale = admin.post(f"/plans/subsidy/{application_id}/advance", data={"expected": "approved"}, headers=EN)
    assert stale.status_code == 409 and "moved this application on" in stale.get_data(as_text=True)
    with app.app_context():
        steps = list(db.session.scalars(select(SubsidyStep.step).order_by(SubsidyStep.id)))
        assert steps == ["applied", "school_checked", "publicly_listed", "approved", "paid"]
    page = client_as("student").get("/plans/me", headers=EN).get_data(as_text=True)
    assert "Job-seeking subsidy" in page and "Paid" in page


def test_step_over_htmx_returns_the_steps(app, client_as, users, make_student):
    student = _graduating(app, make_student)
    put_in_ledger(app, student, category="disabled")
    with app.app_context():
        application = subsidy.apply(db.session.get(Student, student.id), actor=users["admin"], province="湖北")
        db.session.commit()
        application_id = application.id
    admin = client_as("admin")
    response = admin.post(f"/plans/subsidy/{application_id}/advance", data={"expected": "applied"}, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<section class="card" id="subsidy-steps"')
    assert "Step recorded: Checked by the school" in body and "HX-Request" in response.headers["Vary"]
    refused = admin.post(f"/plans/subsidy/{application_id}/reject", data={"expected": "school_checked", "reason": ""}, headers=HX)
    assert refused.status_code == 400
    response = admin.post(f"/plans/subsidy/{application_id}/reject",
                          data={"expected": "school_checked", "reason": "公示期内发现不符合条件"}, headers=HX)
    assert response.status_code == 200 and "公示期内发现不符合条件" in response.get_data(as_text=True)


def test_two_officers_confirming_the_same_step_at_once_record_it_once(app, users, make_student):
    student = _graduating(app, make_student)
    put_in_ledger(app, student, category="disabled")
    with app.app_context():
        application = subsidy.apply(db.session.get(Student, student.id), actor=users["admin"], province="湖北")
        db.session.commit()
        application_id = application.id
    barrier = threading.Barrier(2)
    outcomes = []

    def confirm():
        with app.app_context():
            from portal.accounts.models import User

            admin = db.session.get(User, users["admin"].id)
            application = db.session.get(SubsidyApplication, application_id)
            barrier.wait()
            try:
                subsidy.advance(application, actor=admin, expected="applied")
                db.session.commit()
                outcomes.append("ok")
            except RuleViolation:
                db.session.rollback()
                outcomes.append("conflict")
            except Exception as error:  # sqlite may refuse the second writer outright
                db.session.rollback()
                outcomes.append(type(error).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 1
    with app.app_context():
        assert db.session.get(SubsidyApplication, application_id).status == "school_checked"
        assert db.session.scalar(select(func.count(SubsidyStep.id)).where(SubsidyStep.step == "school_checked")) == 1


def test_bureau_list_is_formula_safe_and_audited(app, client_as, users, make_student):
    student = _graduating(app, make_student, display_name="=HYPERLINK(\"http://evil\",\"x\")", phone="+8613800000000")
    put_in_ledger(app, student, category="low_income_guarantee")
    with app.app_context():
        subsidy.apply(db.session.get(Student, student.id), actor=users["admin"], province="@湖北")
        db.session.commit()
        year = subsidy.graduating_year()
    response = client_as("admin").get(f"/plans/subsidy/export.xlsx?year={year}", headers=EN)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["No.", "Name", "Gender", "Student number"] and "Qualifying category" in header
    row = [c.value for c in sheet[2]]
    assert row[1] == "'=HYPERLINK(\"http://evil\",\"x\")" and sheet.cell(row=2, column=2).data_type == "s"
    assert row[10] == "'@湖北" and row[13] == "'+8613800000000"
    assert row[9] == "Minimum living allowance (低保)" and row[11] == 1000
    with app.app_context():
        audit_row = db.session.scalar(select(AuditLog).where(AuditLog.action == "plans.subsidy_exported"))
        assert audit_row.actor_id == users["admin"].id and "rows=1" in audit_row.detail
    assert client_as("mentor").get(f"/plans/subsidy/export.xlsx?year={year}").status_code == 403


def test_settings_change_amounts_and_categories(app, client_as):
    client = client_as("admin")
    response = client.post("/plans/subsidy/settings", data={
        "categories": ["low_income_guarantee", "student_loan"], "default_amount": "800",
        "amounts": "湖北 1500\n广东 3000", "province": "湖北",
    })
    assert response.status_code == 302
    with app.app_context():
        assert subsidy.amount_for("广东") == Decimal("3000") and subsidy.amount_for("西藏") == Decimal("800")
        assert subsidy.eligible_categories() == ["low_income_guarantee", "student_loan"]
    bad = client.post("/plans/subsidy/settings", data={"default_amount": "800", "amounts": "湖北 很多"}, headers=EN)
    assert bad.status_code == 400 and "number of yuan" in bad.get_data(as_text=True)


def test_help_given_is_logged_as_financial_help(app, client_as, users, ledger_student):
    client = client_as("mentor")
    with app.app_context():
        from portal.plans.services import today

        day = today().isoformat()
    response = client.post(f"/plans/students/{ledger_student.id}/help",
                           data={"kind": "travel", "amount": "450", "given_on": day, "note": "赴武汉面试的高铁票"})
    assert response.status_code == 302
    with app.app_context():
        help_row = db.session.scalar(select(HelpGiven))
        intervention = db.session.get(Intervention, help_row.intervention_id)
        assert intervention.type == "financial_help" and intervention.source == "plans.help"
        assert intervention.source_id == help_row.id and "450.00" in intervention.notes and "高铁票" in intervention.notes
    assert client.post(f"/plans/students/{ledger_student.id}/help",
                       data={"kind": "travel", "given_on": "2999-01-01"}).status_code == 400


def test_student_loan_flag_is_kept_by_mentors(app, client_as, users, ledger_student):
    client = client_as("mentor")
    assert client.post(f"/plans/students/{ledger_student.id}/loan", data={"kind": "home", "note": "生源地贷款"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(StudentLoan)).kind == "home"
    assert client.post(f"/plans/students/{ledger_student.id}/loan", data={"kind": ""}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(StudentLoan)) is None
    assert client.post(f"/plans/students/{ledger_student.id}/loan", data={"kind": "gift"}).status_code == 400


def test_subsidy_list_is_scoped_and_uses_a_fixed_number_of_queries(app, client_as, users, make_student, make_user,
                                                                  count_queries):
    mine = _graduating(app, make_student, display_name="我的学生")
    put_in_ledger(app, mine, category="low_income_guarantee", mentor=users["mentor"])
    theirs = _graduating(app, make_student, display_name="别人的学生")
    put_in_ledger(app, theirs, category="low_income_guarantee", mentor=make_user("mentor"))
    client = client_as("mentor")

    def measure():
        client.get("/plans/subsidy/", headers=EN)  # warm, in the language measured
        with count_queries() as counted:
            response = client.get("/plans/subsidy/", headers=EN)
        assert response.status_code == 200
        return counted.count, response.get_data(as_text=True)

    few, page = measure()
    assert "我的学生" in page and "别人的学生" not in page
    for n in range(6):
        student = _graduating(app, make_student)
        put_in_ledger(app, student, category="orphan", mentor=users["mentor"])
        with app.app_context():
            db.session.add(StudentLoan(student_id=student.id, kind="campus"))
            db.session.commit()
            if n % 2:
                subsidy.apply(db.session.get(Student, student.id), actor=users["admin"], province="湖北")
                db.session.commit()
    many, page = measure()
    assert many == few and "7 eligible graduates" in page
    # filter over htmx: the rows only
    response = client.get("/plans/subsidy/?status=none", headers=HX)
    assert response.get_data(as_text=True).lstrip().startswith('<div id="subsidy-results">')


def test_id_tampering_on_subsidy(app, client_as, users, make_student, make_user):
    theirs = _graduating(app, make_student)
    put_in_ledger(app, theirs, category="low_income_guarantee", mentor=make_user("mentor"))
    with app.app_context():
        application = subsidy.apply(db.session.get(Student, theirs.id), actor=users["admin"], province="湖北")
        db.session.commit()
        application_id = application.id
    mentor = client_as("mentor")
    assert mentor.get(f"/plans/subsidy/{application_id}").status_code == 403
    assert mentor.post(f"/plans/subsidy/students/{theirs.id}/apply", data={"province": "湖北"}).status_code == 403
    assert mentor.post(f"/plans/students/{theirs.id}/help", data={"kind": "travel"}).status_code == 403
    assert mentor.post(f"/plans/students/{theirs.id}/loan", data={"kind": "home"}).status_code == 403
    assert client_as("student").get(f"/plans/subsidy/{application_id}").status_code == 403
    assert mentor.get("/plans/subsidy/999999").status_code == 404


def test_kept_eligible_count_follows_changes_at_once(app, client_as, users, make_student):
    """The list's count is kept between visits; a claim, loan or application changed since shows in
    the count on the next visit all the same."""
    admin = client_as("admin")

    def counted(query=""):
        page = admin.get(f"/plans/subsidy/{query}", headers=EN).get_data(as_text=True)
        return int(page.split('data-testid="subsidy-count">')[1].split(" ")[0])

    first = _graduating(app, make_student, display_name="补贴甲")
    put_in_ledger(app, first, category="low_income_guarantee")
    assert counted() == 1 and counted("?status=none") == 1
    second = _graduating(app, make_student, display_name="补贴乙")
    with app.app_context():
        db.session.add(StudentLoan(student_id=second.id, kind="home"))
        db.session.commit()
    assert counted() == 2
    with app.app_context():
        subsidy.apply(db.session.get(Student, second.id), actor=users["admin"], province="湖北")
        db.session.commit()
    assert counted("?status=none") == 1 and counted("?status=applied") == 1
    with app.app_context():
        db.session.delete(db.session.scalar(select(StudentLoan).where(StudentLoan.student_id == second.id)))
        db.session.commit()
    assert counted() == 1
