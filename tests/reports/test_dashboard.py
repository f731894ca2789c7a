"""The analysis dashboard: the disadvantaged group against every graduate, for the office and for a
mentor's caseload, in a fixed number of queries, cached until the data changes."""
from __future__ import annotations

from datetime import date, timedelta

from portal import settings
from portal.extensions import db
from portal.reports import stats
from portal.students.services import log_intervention
from tests.outcomes.helpers import assign, destination, hardship

EN = {"Accept-Language": "en"}


def _class(app, make_student, n=4, year=2026):
    """n graduates: half employed (the first in the programme), a quarter studying, the rest waiting."""
    students = [make_student(graduation_year=year, college="护理学院" if i % 2 else "临床医学院",
                             major="护理学" if i % 2 else "临床医学") for i in range(n)]
    for i, s in enumerate(students):
        kind = ["agreement", "domestic_study", "agreement", "awaiting"][i % 4]
        destination(app, s, kind, decided_on=None if kind == "awaiting" else date(year, 4, 10 + i % 10),
                    unit_nature="healthcare" if kind == "agreement" else None,
                    hospital_level="3a" if kind == "agreement" else None, industry="Q" if kind == "agreement" else None,
                    province="贵州" if kind == "agreement" else None)
    hardship(app, students[0])
    hardship(app, students[3])
    return students


def test_the_office_sees_both_groups_side_by_side(app, client_as, make_student):
    _class(app, make_student)
    page = client_as("admin").get("/reports/?year=2026", headers=EN).get_data(as_text=True)
    assert "Class of 2026" in page and "All graduates" in page and "Disadvantaged group" in page
    # 3 of 4 placed; 1 of 2 in the group
    assert '<th scope="row">Destination rate</th><td>75.0%</td><td>50.0%</td>' in page
    for heading in ("Destination rate by hardship category", "Destination rate by college", "Destination rate by major",
                    "Destination rate over the season", "Destinations by category", "Industry", "Unit nature",
                    "Hospital level", "Where they work", "Relation to major", "Measures and outcomes"):
        assert heading in page, heading
    assert page.count("<svg") >= 10 and "<script" not in page.split("</head>")[1]


def test_a_mentor_sees_the_figures_of_their_caseload_only(app, client_as, users, make_student):
    students = _class(app, make_student, n=8)
    for s in students[:4]:
        assign(app, users["mentor"], s)
    page = client_as("mentor").get("/reports/?year=2026", headers=EN).get_data(as_text=True)
    assert "your caseload" in page
    assert '<td>4</td>' in page and '<td>8</td>' not in page
    # a mentor cannot widen the scope with the office's filters
    assert '<td>8</td>' not in client_as("mentor").get(f"/reports/?year=2026&mentor={users['admin'].id}").get_data(as_text=True)


def test_the_figures_take_a_fixed_number_of_queries(app, client_as, make_student, page_queries, users):
    admin = client_as("admin")
    _class(app, make_student, n=4)
    few = page_queries(admin, "/reports/?year=2026")
    students = _class(app, make_student, n=24)
    for s in students[:6]:
        log_intervention_for(app, s, users["mentor"])
    assert page_queries(admin, "/reports/?year=2026") == few


def log_intervention_for(app, student, author):
    with app.app_context():
        log_intervention(student.id, author=author, type="mock_interview", visibility="student")
        db.session.commit()


def test_measures_show_the_rate_of_those_who_had_them(app, client_as, users, make_student):
    students = _class(app, make_student, n=4)
    log_intervention_for(app, students[0], users["mentor"])  # employed
    log_intervention_for(app, students[3], users["mentor"])  # waiting
    with app.test_request_context(headers=EN):
        figures = stats.compute(stats.Scope(), 2026)
    row = next(r for r in figures.measures if r.key == "intervention:mock_interview")
    assert (row.students, row.placed, row.rate) == (2, 1, 0.5)
    assert figures.untouched.students == 2 and figures.reference.students == 4
    assert row.median_days == (date(2026, 4, 10) - date(2025, 9, 1)).days


def test_support_plans_count_as_measures_beside_interventions(app, make_student):
    from portal.plans.models import PlanGoal, SupportPlan

    students = _class(app, make_student, n=4)  # the first is employed, the last still waiting
    with app.app_context():
        for student, done in ((students[0], True), (students[3], False)):
            plan = SupportPlan(student_id=student.id)
            db.session.add(plan)
            db.session.flush()
            db.session.add(PlanGoal(plan_id=plan.id, title="模拟面试", status="done" if done else "open"))
        db.session.commit()
    with app.test_request_context(headers=EN):
        figures = stats.compute(stats.Scope(), 2026)
    rows = {r.key: r for r in figures.measures}
    assert (rows["plan:any"].students, rows["plan:any"].placed) == (2, 1)
    assert (rows["plan:goal_done"].students, rows["plan:goal_done"].placed) == (1, 1)


def test_counting_categories_change_every_figure(app, client_as, make_student):
    _class(app, make_student)
    with app.app_context():
        settings.put("outcomes.placed_categories", ["agreement"])
        db.session.commit()
    page = client_as("admin").get("/reports/?year=2026", headers=EN).get_data(as_text=True)
    assert '<th scope="row">Destination rate</th><td>50.0%</td>' in page
    follow_ups = client_as("admin").get("/outcomes/follow-ups?year=2026", headers=EN).get_data(as_text=True)
    assert "2 settled (50.0%)" in follow_ups


def test_the_dashboard_answers_htmx_with_its_body(app, client_as, make_student):
    _class(app, make_student)
    fragment = client_as("admin").get("/reports/?year=2026", headers={**EN, "HX-Request": "true"}).get_data(as_text=True)
    assert fragment.startswith('<div id="dashboard-body">') and "<html" not in fragment
    assert client_as("admin").get("/reports/?year=abc").status_code == 400


def test_cached_figures_are_renewed_when_a_destination_changes(app, client_as, make_student, count_queries):
    students = _class(app, make_student)
    admin = client_as("admin")
    admin.get("/reports/?year=2026", headers=EN)
    with count_queries() as cached:
        page = admin.get("/reports/?year=2026", headers=EN).get_data(as_text=True)
    # the sign-in check and nothing else: the filters and the figures are kept
    assert cached.count <= 2 and "75.0%" in page
    with app.test_request_context():
        from portal.outcomes.destinations import record_destination
        from portal.students.models import Student

        record_destination(db.session.get(Student, students[3].id), actor=None, source="office",
                           category="labour_contract", decided_on=date(2026, 9, 1), employer="某医院")
        db.session.commit()
    assert "100.0%" in admin.get("/reports/?year=2026", headers=EN).get_data(as_text=True)


def test_group_sessions_and_appointments_attended_count_as_measures(app, users, make_student, make_user):
    """Attending counts, registering alone does not; whether a student saw a psychological counselor
    is never a figure."""
    from sqlalchemy import update

    from portal.appointments.models import Booking, BookingStatus, Slot
    from tests.appointments.helpers import past_booking
    from tests.sessions.helpers import make_session, seat

    students = _class(app, make_student, n=4)  # the first is employed, the last still waiting
    host = make_user("mentor")
    talk = make_session(app, host, starts_in=-timedelta(days=20))
    seat(app, talk, students[0], attended=True)
    seat(app, talk, students[3], attended=False)
    interview = past_booking(app, host, students[3])
    counseling = past_booking(app, host, students[0], days_ago=3)
    with app.app_context():
        db.session.execute(update(Booking).values(status=BookingStatus.ATTENDED))
        slot_id = db.session.get(Booking, counseling).slot_id
        db.session.execute(update(Slot).where(Slot.id == slot_id).values(kind="psychological_counseling"))
        db.session.commit()
    with app.test_request_context(headers=EN):
        figures = stats.compute(stats.Scope(), 2026)
    rows = {r.key: r for r in figures.measures}
    assert (rows["session:any"].students, rows["session:any"].placed) == (1, 1)
    assert (rows["booking:mock_interview"].students, rows["booking:mock_interview"].placed) == (1, 0)
    assert interview and not any(key.startswith("booking:psychological") for key in rows)


def test_the_dashboard_shows_the_knowledge_and_nace_rates(app, client_as, make_student):
    _class(app, make_student)
    page = client_as("admin").get("/reports/?year=2026", headers=EN).get_data(as_text=True)
    # every graduate has a destination recorded (one of them "awaiting"): all four are known
    assert '<th scope="row">Knowledge rate</th><td>100.0%</td>' in page
    assert '<th scope="row">NACE career-outcomes rate</th>' in page
