"""Hidden-hardship signals: campus-card spending under the thresholds, month after month, and who sees them."""
from __future__ import annotations

from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, insert, select

from portal import settings
from portal.audit.models import AuditLog
from portal.extensions import db
from portal.students import archive, imports, signals
from portal.students.import_services import KINDS
from portal.students.models import HardshipClaim, MentorAssignment, SpendingRecord, SpendingSignal, Student
from tests.fixtures import import_files as files

EN = {"Accept-Language": "en"}
MONTHS = ["2026-03", "2026-04", "2026-05"]
FRUGAL = [(70, "600.00")] * 3  # meals, yuan: under the defaults every month


@pytest.fixture
def ctx(app):
    with app.test_request_context(headers=EN), force_locale("en"):
        yield
        db.session.rollback()


def spend(student_id: int, months_values, months=MONTHS):
    db.session.execute(insert(SpendingRecord), [
        dict(student_id=student_id, month=m, meal_count=meals, canteen_amount=Decimal(amount))
        for m, (meals, amount) in zip(months, months_values)
    ])


def active_signals() -> dict[int, SpendingSignal]:
    return {s.student_id: s for s in db.session.scalars(select(SpendingSignal).where(SpendingSignal.active))}


def test_students_under_the_thresholds_every_month_and_without_a_claim_are_signalled(app, ctx, make_student):
    a, b, c, d, e, f = (make_student() for _ in range(6))
    spend(a.id, FRUGAL)
    spend(b.id, [(70, "600"), (70, "800"), (70, "600")])  # one month above the amount
    spend(c.id, FRUGAL)
    db.session.add(HardshipClaim(student_id=c.id, category="disabled", source="self_declared", status="rejected"))
    spend(d.id, [(59, "400")] * 3)  # too few canteen meals to say anything
    spend(e.id, [(70, "750.00")] * 3)  # "under ¥750": 750 itself is not
    spend(f.id, FRUGAL[:2], months=MONTHS[:2])  # no data for the latest month
    result = signals.refresh_signals()
    db.session.commit()
    assert result.months == MONTHS and result.new == 1
    signal = active_signals()[a.id]
    assert list(active_signals()) == [a.id]
    assert (signal.status, signal.months, signal.avg_amount, signal.avg_meals) == ("open", MONTHS, Decimal("600.00"), 70)


def test_the_reference_months_are_the_latest_months_with_any_data(app, ctx, make_student):
    assert signals.latest_months(3) == []
    a, b = make_student(), make_student()
    spend(a.id, FRUGAL[:2], months=["2025-12", "2026-03"])
    spend(b.id, FRUGAL, months=["2026-01", "2026-03", "2026-06"])  # a gap: 2026-04 and -05 have no data
    assert signals.latest_months(1) == ["2026-06"]
    assert signals.latest_months(3) == ["2026-01", "2026-03", "2026-06"]
    assert signals.latest_months(12) == ["2025-12", "2026-01", "2026-03", "2026-06"]


def test_the_college_filter_offers_every_college_once_in_order(app, client_as, make_student):
    for college in ("临床医学院", "药学院", "临床医学院", "护理学院", "药学院"):
        make_student(college=college)
    page = client_as("admin").get("/follow-up/spending?college=药学院", headers=EN).get_data(as_text=True)
    options = page.split('<select id="college" name="college">')[1].split("</select>")[0]
    assert options == ('<option value="">All colleges</option><option value="临床医学院">临床医学院</option>'
                       '<option value="护理学院">护理学院</option><option selected value="药学院">药学院</option>')


def test_the_thresholds_are_settings_and_changing_them_recomputes(app, ctx, make_student, make_user):
    a, b = make_student(), make_student()
    admin = db.session.merge(make_user("admin"))
    spend(a.id, FRUGAL)
    spend(b.id, [(70, "800"), (70, "600"), (70, "600")])
    signals.refresh_signals()
    assert set(active_signals()) == {a.id}
    result = signals.set_thresholds(min_meals=60, max_amount=Decimal("750"), months=2, actor=admin)
    db.session.commit()
    assert result.months == MONTHS[1:] and set(active_signals()) == {a.id, b.id}
    assert settings.get("signals.months") == 2
    signals.set_thresholds(min_meals=80, max_amount=Decimal("750"), months=2, actor=admin)
    db.session.commit()
    assert active_signals() == {}
    assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "signals.thresholds_changed")) == 2


def test_a_dismissal_holds_while_the_stretch_lasts_and_a_new_stretch_signals_again(app, ctx, make_student, make_user):
    a = make_student()
    mentor = db.session.merge(make_user("mentor"))
    spend(a.id, FRUGAL)
    signals.refresh_signals()
    signals.dismiss_signal(active_signals()[a.id], actor=mentor, reason="谈过了")
    db.session.commit()
    spend(a.id, [(70, "500")], months=["2026-06"])  # still frugal: still dismissed, no new signal
    assert signals.refresh_signals().new == 0
    assert active_signals()[a.id].status == "dismissed"
    spend(a.id, [(70, "900")], months=["2026-07"])  # the stretch ends
    signals.refresh_signals()
    assert active_signals() == {}
    spend(a.id, [(70, "500"), (70, "500"), (70, "500")], months=["2026-08", "2026-09", "2026-10"])
    assert signals.refresh_signals().new == 1
    assert active_signals()[a.id].status == "open"
    assert db.session.scalar(select(func.count(SpendingSignal.id))) == 2


def test_a_student_who_gets_a_claim_leaves_the_list(app, ctx, make_student, make_user):
    a = make_student()
    admin = db.session.merge(make_user("admin"))
    spend(a.id, FRUGAL)
    signals.refresh_signals()
    assert signals.open_signal_count(admin) == 1
    db.session.add(HardshipClaim(student_id=a.id, category="financial_hardship", source="self_declared"))
    db.session.commit()
    assert signals.open_signal_count(admin) == 0  # at once, before any recomputation
    signals.refresh_signals()
    assert active_signals() == {}


# --- the campus-card import --------------------------------------------------------------------------


SPENDING_HEADERS = ["学号", "月份", "食堂消费金额", "就餐次数"]


def test_the_spending_import_upserts_months_skips_strangers_and_raises_signals(app, ctx, make_student):
    make_student(student_no="2026900001")
    make_student(student_no="2026900002")
    rows = [["2026900001", m, "￥612.40", 71] for m in ("2026-03", "2026/4", "2026年5月")]
    rows += [["2026900002", m, "980", 66] for m in MONTHS] + [["2099000001", "2026-03", "100", 10]]
    data = files.xlsx(SPENDING_HEADERS, rows)
    kind = KINDS["spending"]
    parsed, plan = imports.preview(kind, data)
    assert plan.counts == {"created": 6, "updated": 0, "unchanged": 0, "skipped": 1}
    assert [p.severity for p in plan.problems] == ["warning"]
    batch = imports.commit(kind, parsed, options={}, actor=None, filename="card.xlsx", file_sha256="0" * 64)
    db.session.commit()
    assert batch.counts["new_signals"] == 1
    parsed, plan = imports.preview(kind, data)
    assert plan.counts == {"created": 0, "updated": 0, "unchanged": 6, "skipped": 1}
    rows[0][2] = "700"
    parsed, plan = imports.preview(kind, files.csv_file(SPENDING_HEADERS, rows, encoding="gbk"))
    assert plan.counts["updated"] == 1
    imports.commit(kind, parsed, options={}, actor=None, filename="card.csv", file_sha256="1" * 64)
    db.session.commit()
    record = db.session.scalar(select(SpendingRecord).where(SpendingRecord.month == "2026-03")
                               .join(Student).where(Student.student_no == "2026900001"))
    assert record.canteen_amount == Decimal("700.00") and record.meal_count == 71


def test_bad_spending_rows_are_reported(app, ctx, make_student):
    make_student(student_no="2026900001")
    rows = [["2026900001", "2026-13", "600", 70], ["2026900001", "2026-03", "-1", 70],
            ["2026900001", "2026-04", "600", "七十"], ["2026900001", "2099-01", "600", 70],
            ["2026900001", "2026-05", "600", 70], ["2026900001", "2026-05", "600", 70]]
    _, plan = imports.preview(KINDS["spending"], files.csv_file(SPENDING_HEADERS, rows))
    assert [(p.row, p.column) for p in plan.errors] == [(2, "月份"), (3, "食堂消费金额"), (4, "就餐次数"), (5, "Month"), (7, None)]
    assert "already has 2026-05 in row 6" in plan.errors[-1].message


# --- the signals page and its actions ----------------------------------------------------------------


@pytest.fixture
def signalled(app, users, make_student, make_user):
    """Signals for two students of the sweep mentor's caseload and one of another mentor's."""
    mine = [users["student_record"], make_student(display_name="周九")]
    theirs = make_student(display_name="吴十")
    other = make_user("mentor")
    with app.app_context():
        for student in mine:
            db.session.add(MentorAssignment(student_id=student.id, mentor_id=users["mentor"].id))
        db.session.add(MentorAssignment(student_id=theirs.id, mentor_id=other.id))
        for student in (*mine, theirs):
            spend(student.id, FRUGAL)
        signals.refresh_signals()
        db.session.commit()
        ids = {s.student_id: s.id for s in db.session.scalars(select(SpendingSignal))}
    return {"mine": [ids[s.id] for s in mine], "theirs": ids[theirs.id]}


def test_admins_see_every_signal_and_mentors_their_caseload_only(client_as, signalled):
    admin_page = client_as("admin").get("/follow-up/spending", headers=EN).get_data(as_text=True)
    assert "3 students" in admin_page and "吴十" in admin_page and "2026-03, 2026-04, 2026-05" in admin_page
    mentor_page = client_as("mentor").get("/follow-up/spending", headers=EN).get_data(as_text=True)
    assert "2 students" in mentor_page and "周九" in mentor_page and "吴十" not in mentor_page
    assert "¥600.00" in mentor_page
    for role in ("student", "alumni"):
        assert client_as(role).get("/follow-up/spending").status_code == 403


def test_the_signal_list_keeps_a_constant_number_of_queries(app, client_as, signalled, make_student, page_queries):
    client = client_as("admin")
    few = page_queries(client, "/follow-up/spending", headers=EN)
    more = [make_student() for _ in range(10)]
    with app.app_context():
        for student in more:
            spend(student.id, FRUGAL)
        signals.refresh_signals()
        db.session.commit()
    assert page_queries(client, "/follow-up/spending", headers=EN) == few
    assert few[1] < few[0]  # kept: the other tab's count, the latest months of data, the colleges
    assert "13 students" in client.get("/follow-up/spending", headers=EN).get_data(as_text=True)


def test_the_signal_pages_follow_spending_then_student_number_across_pages(app, client_as, make_student):
    """Pages of 50 in order of average spending, ties by student number, whichever page is asked."""
    import re

    amounts = ["500.00", "520.00", "520.00", "610.00", "700.00"]
    with app.app_context():
        students = [make_student() for _ in range(53)]
        for index, student in enumerate(students):
            spend(student.id, [(70, amounts[index % len(amounts)])] * 3)
        signals.refresh_signals()
        db.session.commit()
        expected = [no for _, no in sorted((Decimal(amounts[i % len(amounts)]), s.student_no)
                                           for i, s in enumerate(students))]
    client = client_as("admin")
    shown = []
    for page in (1, 2):
        html = client.get(f"/follow-up/spending?page={page}", headers=EN).get_data(as_text=True)
        shown += re.findall(r'<br><small class="muted">([^<]+)</small></td>\s*<td>[^<]*·', html)
    assert shown == expected


def test_the_signal_list_answers_htmx_with_its_results(client_as, signalled):
    response = client_as("admin").get("/follow-up/spending?status=dismissed", headers={**EN, "HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert "<html" not in body and 'id="signal-results"' in body and "0 students" in body
    assert "HX-Request" in response.headers["Vary"]


def test_a_counselor_opens_a_claim_from_a_signal(app, client_as, signalled, users):
    signal_id = signalled["mine"][0]
    response = client_as("mentor").post(f"/follow-up/spending/{signal_id}/claim", data={"category": "financial_hardship"})
    assert response.status_code == 303
    with app.app_context():
        claim = db.session.scalar(select(HardshipClaim))
        assert (claim.student_id, claim.category, claim.source, claim.status) == (
            users["student_record"].id, "financial_hardship", "data_signal", "pending")
        assert "600.00" in claim.evidence_notes and "2026-05" in claim.evidence_notes
        signal = db.session.get(SpendingSignal, signal_id)
        assert signal.status == "claimed" and signal.claim_id == claim.id
    page = client_as("mentor").get("/follow-up/spending", headers=EN).get_data(as_text=True)
    assert "1 student" in page
    again = client_as("admin").post(f"/follow-up/spending/{signal_id}/claim", headers={**EN, "HX-Request": "true"})
    assert again.status_code == 409 and "already been dealt with" in again.get_data(as_text=True)


def test_a_signal_is_dismissed_with_a_reason(app, client_as, signalled):
    client = client_as("admin")
    signal_id = signalled["theirs"]
    refused = client.post(f"/follow-up/spending/{signal_id}/dismiss", data={"reason": "  "}, headers=EN)
    assert refused.status_code == 400 and "Say why" in refused.get_data(as_text=True)
    done = client.post(f"/follow-up/spending/{signal_id}/dismiss", data={"reason": "在减重 <b>&</b>"},
                       headers={**EN, "HX-Request": "true"})
    assert done.status_code == 200 and "Dismissed: 在减重 &lt;b&gt;&amp;&lt;/b&gt;" in done.get_data(as_text=True)
    listed = client.get("/follow-up/spending?status=dismissed", headers=EN).get_data(as_text=True)
    assert "在减重 &lt;b&gt;" in listed and "<b>&" not in listed and "1 student" in listed
    with app.app_context():
        assert db.session.scalar(select(AuditLog).where(AuditLog.action == "signals.spending_dismissed")) is not None
        assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "signals.spending_viewed")) == 2  # the refused form showed the page


def test_another_mentors_signals_cannot_be_touched(app, client_as, signalled):
    client = client_as("mentor")
    assert client.post(f"/follow-up/spending/{signalled['theirs']}/claim").status_code == 403
    assert client.post(f"/follow-up/spending/{signalled['theirs']}/dismiss", data={"reason": "x"}).status_code == 403
    assert client.post("/follow-up/spending/999999/dismiss", data={"reason": "x"}).status_code == 404
    assert client_as("student").post(f"/follow-up/spending/{signalled['mine'][0]}/claim").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count(HardshipClaim.id))) == 0


def test_the_thresholds_page(app, client_as, signalled):
    client = client_as("admin")
    page = client.get("/admin/imports/signal-thresholds", headers=EN).get_data(as_text=True)
    assert 'value="60"' in page and 'value="750.00"' in page and 'value="3"' in page
    bad = client.post("/admin/imports/signal-thresholds", data={"min_meals": "0", "max_amount": "x", "months": "40"}, headers=EN)
    assert bad.status_code == 400
    saved = client.post("/admin/imports/signal-thresholds", data={"min_meals": "75", "max_amount": "750", "months": "3"},
                        headers=EN, follow_redirects=True)
    assert "0 students now meet them" in saved.get_data(as_text=True)
    assert client_as("mentor").get("/admin/imports/signal-thresholds").status_code == 403
    assert client_as("mentor").get("/follow-up/spending", headers=EN).get_data(as_text=True).count("signal-row") == 0


def test_the_archive_shows_flags_and_signals_to_mentors_never_to_the_student(app, ctx, signalled, users):
    student = db.session.get(Student, users["student_record"].id)
    mentor = db.session.merge(users["mentor"])
    kinds = [e.kind for e in archive.timeline(student, mentor)]
    assert "spending_signal" in kinds
    own = db.session.merge(users["student"])
    assert [e for e in archive.timeline(student, own) if e.kind in ("spending_signal", "list_match")] == []


def test_demo_data_shows_signals_and_flags(app, ctx):
    from portal import demo
    from portal.accounts.models import User

    # the demo seed assigns mentors, builds the ledger, then adds spending and list flags
    demo.seed(n_students=300, seed=3)
    mentors = list(db.session.scalars(select(User.id).where(User.role == "mentor").order_by(User.id)))
    months = db.session.scalar(select(func.count(func.distinct(SpendingRecord.month))))
    assert months == 4 and db.session.scalar(select(func.count(SpendingRecord.id))) == 4 * 300
    mentor = db.session.get(User, mentors[0])
    assert signals.open_signal_count(mentor) >= 1 and signals.open_list_match_count(mentor) >= 1
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    assert 5 <= signals.open_signal_count(admin) <= 40
    assert signals.open_list_match_count(admin) >= 4


def test_mentors_are_told_of_new_signals_in_their_caseload(app, ctx, make_student, make_user):
    from portal.notifications.models import Notification

    a, b = make_student(), make_student()
    mentor = make_user("mentor")
    db.session.add(MentorAssignment(student_id=a.id, mentor_id=mentor.id))
    spend(a.id, FRUGAL)
    spend(b.id, FRUGAL)
    signals.refresh_signals()
    signals.refresh_signals()  # nothing new the second time
    notes = list(db.session.scalars(select(Notification)))
    assert [(n.user_id, n.params, n.link) for n in notes] == [(mentor.id, {"num": 1}, "/follow-up/spending")]
