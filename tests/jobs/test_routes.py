"""What students, mentors and the office see and do on the jobs pages."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.clock import local_today
from portal.extensions import db
from portal.jobs.models import Application, JobPosting, MatchFeedback, Recommendation, Referral, SavedPosting, StudentLicence
from portal.notifications.models import Notification
from portal.students.models import Intervention
from tests.jobs.conftest import EN, HX


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


# --- browsing -----------------------------------------------------------------------------------

def test_postings_page_filters_and_searches_as_you_type(client_as, make_posting):
    make_posting(title="乡镇全科医生", employer="石桥镇卫生院", province="贵州", hospital_level="",
                 grassroots_type="township_health_center")
    make_posting(title="心内科医师", province="广东")
    make_posting(title="药剂师", majors="药学", province="广东", hospital_level="2a")
    make_posting(title="未发布", status="draft")
    client = client_as("student")
    page = client.get("/jobs/", headers=EN)
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "3 postings" in body and "未发布" not in body
    assert 'hx-trigger="search, keyup delay:200ms changed"' in body
    assert "Vary" in page.headers and "HX-Request" in page.headers["Vary"]
    fragment = client.get("/jobs/?q=卫生院", headers=HX).get_data(as_text=True)
    assert fragment.lstrip().startswith("<") and "<html" not in fragment
    assert "乡镇全科医生" in fragment and "心内科医师" not in fragment
    assert "1 posting" in client.get("/jobs/?grassroots=yes", headers=EN).get_data(as_text=True)
    body = client.get("/jobs/?province=广东&major=药学", headers=EN).get_data(as_text=True)
    assert "药剂师" in body and "心内科医师" not in body
    body = client.get("/jobs/?level=2a", headers=EN).get_data(as_text=True)
    assert "药剂师" in body and "心内科医师" not in body
    assert client.get("/jobs/?level=9z", headers=EN).status_code == 400


def test_deadline_filter_lists_the_soonest_first(client_as, make_posting):
    today = local_today()
    make_posting(title="下周截止", deadline=today + timedelta(days=6))
    make_posting(title="明天截止", deadline=today + timedelta(days=1))
    make_posting(title="下月截止", deadline=today + timedelta(days=40))
    body = client_as("alumni").get("/jobs/?deadline=7", headers=EN).get_data(as_text=True)
    assert body.index("明天截止") < body.index("下周截止") and "下月截止" not in body


def test_postings_list_queries_do_not_grow_with_rows(app, client_as, make_posting, count_queries):
    client = client_as("student")
    make_posting(title="一")
    with count_queries() as few:
        assert client.get("/jobs/").status_code == 200
    for i in range(12):
        make_posting(title=f"岗位{i}", majors="临床医学、麻醉学")
    with count_queries() as many:
        assert client.get("/jobs/").status_code == 200
    assert many.count == few.count


def test_major_filter_lists_the_majors_of_postings_and_students(app, client_as, make_posting, make_student):
    client = client_as("student")
    make_posting(title="一", majors="临床医学")
    assert '<option value="临床医学">' in client.get("/jobs/", headers=EN).get_data(as_text=True)
    make_posting(title="二", majors="预防医学")  # a saved posting's majors show at once
    assert '<option value="预防医学">' in client.get("/jobs/", headers=EN).get_data(as_text=True)
    make_student(major="口腔医学")  # and so does a student's major
    body = client.get("/jobs/?major=口腔医学", headers=EN).get_data(as_text=True)
    assert '<option selected value="口腔医学">' in body and '<option value="临床医学">' in body


def test_drafts_are_for_curators_only(client_as, make_posting):
    draft = make_posting(status="draft")
    assert client_as("student").get(f"/jobs/{draft}").status_code == 403
    assert client_as("alumni").get(f"/jobs/{draft}").status_code == 403
    assert client_as("mentor").get(f"/jobs/{draft}").status_code == 200
    assert client_as("student").get("/jobs/999999").status_code == 404


def test_rich_text_is_shown_sanitised(app, client_as, make_posting):
    posting_id = make_posting(description="<p>职责<strong>明确</strong></p>")
    body = client_as("student").get(f"/jobs/{posting_id}", headers=EN).get_data(as_text=True)
    assert "<strong>明确</strong>" in body


# --- saving -----------------------------------------------------------------------------------

def test_save_and_unsave_with_and_without_htmx(app, client_as, users, make_posting):
    posting_id = make_posting()
    client = client_as("student")
    response = client.post(f"/jobs/{posting_id}/save", headers=HX)
    assert response.status_code == 200 and "Saved" in response.get_data(as_text=True)
    assert "<html" not in response.get_data(as_text=True)
    assert client.post(f"/jobs/{posting_id}/save", headers=HX).status_code == 200  # a second click
    assert count(app, SavedPosting) == 1
    saved_page = client.get("/jobs/saved", headers=EN).get_data(as_text=True)
    assert "住院医师" in saved_page
    response = client.post(f"/jobs/{posting_id}/unsave", data={"next": "/jobs/saved"}, headers=EN)
    assert response.status_code == 303 and response.location.endswith("/jobs/saved")
    assert count(app, SavedPosting) == 0
    response = client.post(f"/jobs/{posting_id}/save", data={"next": "https://evil.example/"}, headers=EN)
    assert response.location.endswith(f"/jobs/{posting_id}")


def test_only_published_postings_can_be_saved(app, client_as, make_posting):
    draft = make_posting(status="draft")
    closed = make_posting(title="关闭", status="closed")
    client = client_as("student")
    assert client.post(f"/jobs/{draft}/save").status_code == 403
    response = client.post(f"/jobs/{closed}/save", headers=HX)
    assert response.status_code == 409 and "Only published postings" in response.get_data(as_text=True)
    assert count(app, SavedPosting) == 0


# --- recommendations ---------------------------------------------------------------------------

def test_recommendations_page_shows_reasons_and_records_what_was_shown(app, client_as, users, make_posting, recommend):
    make_posting(title="贵州全科医生", province="贵州", hospital_level="", grassroots_type="township_health_center")
    recommend()
    client = client_as("student")
    body = client.get("/jobs/recommendations", headers=EN).get_data(as_text=True)
    assert "贵州全科医生" in body
    assert "Grassroots post in your home province 贵州" in body
    assert "Matches your major 临床医学" in body
    assert count(app, MatchFeedback) == 1
    client.get("/jobs/recommendations")
    assert count(app, MatchFeedback) == 1
    make_posting(title="河南住院医师")  # a new recommendation beside one already shown
    recommend()
    assert "河南住院医师" in client.get("/jobs/recommendations", headers=EN).get_data(as_text=True)
    assert count(app, MatchFeedback) == 2


def test_recommendations_page_reads_them_in_a_fixed_number_of_queries(app, client_as, users, make_posting, recommend,
                                                                      count_queries):
    client = client_as("student")
    make_posting(title="一")
    recommend()
    client.get("/jobs/recommendations")
    with count_queries() as few:
        assert client.get("/jobs/recommendations").status_code == 200
    for i in range(15):
        make_posting(title=f"岗位{i}", province="四川")
    recommend()
    client.get("/jobs/recommendations")
    with count_queries() as many:
        assert client.get("/jobs/recommendations").status_code == 200
    assert many.count == few.count


def test_not_interested_with_a_reason_removes_it_for_good(app, client_as, users, make_posting, recommend):
    posting_id = make_posting(title="不想去的岗位")
    other = make_posting(title="另一个")
    recommend()
    client = client_as("student")
    response = client.post(f"/jobs/recommendations/{posting_id}/dismiss", data={"reason": "region", "note": "太远"},
                           headers=HX)
    assert response.status_code == 200 and "will not be recommended to you again" in response.get_data(as_text=True)
    recommend()
    body = client.get("/jobs/recommendations", headers=EN).get_data(as_text=True)
    assert "不想去的岗位" not in body and "另一个" in body
    with app.app_context():
        feedback = db.session.get(MatchFeedback, (users["student_record"].id, posting_id))
        assert (feedback.dismiss_reason, feedback.dismiss_note) == ("region", "太远")
    # without htmx, and without a reason: a message, nothing changed
    response = client.post(f"/jobs/recommendations/{other}/dismiss", data={"reason": "because"}, headers=EN)
    assert response.status_code == 303
    assert "Choose why" in client.get("/jobs/recommendations", headers=EN).get_data(as_text=True)
    assert count(app, MatchFeedback, MatchFeedback.dismissed_at.is_not(None)) == 1


def test_student_can_recompute_and_record_licences(app, client_as, users, make_posting):
    make_posting(title="护士岗", majors="临床医学", licence_required="physician", hospital_level="")
    client = client_as("student")
    assert client.post("/jobs/recommendations/refresh").status_code == 303
    assert count(app, Recommendation) == 1
    assert client.post("/jobs/licences", data={"licence": "physician"}).status_code == 303
    assert client.post("/jobs/licences", data={"licence": "physician"}, headers=EN).status_code == 409
    assert client.post("/jobs/licences", data={"licence": "astronaut"}, headers=EN).status_code == 400
    client.post("/jobs/recommendations/refresh")
    body = client.get("/jobs/recommendations", headers=EN).get_data(as_text=True)
    assert "You hold the required Medical practitioner licence" in body


def test_a_student_cannot_remove_another_students_licence(app, client_as, make_student):
    other = make_student()
    with app.app_context():
        licence = StudentLicence(student_id=other.id, licence="nurse")
        db.session.add(licence)
        db.session.commit()
        licence_id = licence.id
    assert client_as("student").post(f"/jobs/licences/{licence_id}/delete").status_code == 404
    assert count(app, StudentLicence) == 1


# --- mentors -----------------------------------------------------------------------------------

def test_mentor_sees_caseload_recommendations_and_refers_personally(app, client_as, users, assign, make_posting, recommend):
    posting_id = make_posting(title="社区全科医生")
    recommend()
    assign(users["mentor"], users["student_record"])
    mentor = client_as("mentor")
    caseload = mentor.get("/jobs/caseload", headers=EN).get_data(as_text=True)
    assert users["student"].display_name in caseload
    student_id = users["student_record"].id
    page = mentor.get(f"/jobs/students/{student_id}", headers=EN).get_data(as_text=True)
    assert "社区全科医生" in page and "Matches your major" in page
    response = mentor.post(f"/jobs/{posting_id}/refer", data={"student_id": student_id, "note": "离家近"}, headers=HX)
    assert response.status_code == 200 and "has been notified" in response.get_data(as_text=True)
    with app.app_context():
        intervention = db.session.scalar(select(Intervention))
        assert intervention.type == "job_referral" and intervention.author_id == users["mentor"].id
        assert db.session.scalar(select(Notification.kind).where(Notification.user_id == users["student"].id)) == "jobs.referred"
    again = mentor.post(f"/jobs/{posting_id}/refer", data={"student_id": student_id}, headers=HX)
    assert again.status_code == 409
    student_view = client_as("student").get("/jobs/recommendations", headers=EN).get_data(as_text=True)
    assert "From your mentor" in student_view and "离家近" in student_view


def test_another_mentors_student_is_out_of_reach(app, client_as, users, make_student, make_user, assign, make_posting):
    posting_id = make_posting()
    stranger = make_student(display_name="陌生同学")
    assign(make_user("mentor"), stranger)
    mentor = client_as("mentor")
    assert mentor.get(f"/jobs/students/{stranger.id}").status_code == 403
    assert mentor.post(f"/jobs/{posting_id}/refer", data={"student_id": stranger.id}).status_code == 403
    assert mentor.post(f"/jobs/{posting_id}/refer", data={"student_id": 987654}).status_code == 404
    assert client_as("student").get(f"/jobs/students/{stranger.id}").status_code == 403
    assert "陌生同学" not in mentor.get("/jobs/caseload", headers=EN).get_data(as_text=True)
    assert count(app, Referral) == 0


def test_caseload_queries_do_not_grow_with_rows(app, client_as, users, make_student, assign, count_queries):
    client = client_as("mentor")
    assign(users["mentor"], make_student())
    with count_queries() as few:
        client.get("/jobs/caseload")
    for _ in range(8):
        assign(users["mentor"], make_student())
    with count_queries() as many:
        assert client.get("/jobs/caseload").status_code == 200
    assert many.count == few.count


# --- applications ------------------------------------------------------------------------------

def test_student_tracks_an_application_through_stages(app, client_as, users, assign, make_posting):
    posting_id = make_posting(title="急诊科医师")
    client = client_as("student")
    today = local_today()
    response = client.post(f"/jobs/{posting_id}/apply", data={"on": (today - timedelta(days=3)).isoformat()})
    assert response.status_code == 303
    with app.app_context():
        application_id = db.session.scalar(select(Application.id))
    response = client.post(f"/jobs/applications/{application_id}/stage",
                           data={"stage": "interview", "on": (today - timedelta(days=1)).isoformat(), "note": "周三面试"})
    assert response.status_code == 303
    bad = client.post(f"/jobs/applications/{application_id}/stage",
                      data={"stage": "written_test", "on": today.isoformat()}, headers=EN)
    assert bad.status_code == 400 and "cannot go from Interview to Written test" in bad.get_data(as_text=True)
    page = client.get(f"/jobs/applications/{application_id}", headers=EN).get_data(as_text=True)
    assert "周三面试" in page and "Interview" in page
    assign(users["mentor"], users["student_record"])
    mentor_page = client_as("mentor").get(f"/jobs/applications/{application_id}", headers=EN)
    assert mentor_page.status_code == 200 and "Record the next stage" not in mentor_page.get_data(as_text=True)
    assert client_as("mentor").post(f"/jobs/applications/{application_id}/stage",
                                    data={"stage": "offer", "on": today.isoformat()}).status_code == 403
    listing = client.get("/jobs/applications", headers=EN).get_data(as_text=True)
    assert "急诊科医师" in listing


def test_outside_application_with_bad_input_changes_nothing(app, client_as):
    client = client_as("student")
    response = client.post("/jobs/applications", data={"employer": "", "title": "护士", "on": local_today().isoformat()},
                           headers=EN)
    assert response.status_code == 400 and "This field is required" in response.get_data(as_text=True)
    response = client.post("/jobs/applications", data={"employer": "某医院", "title": "护士", "on": local_today().isoformat(),
                                                        "source_url": "javascript:alert(1)"}, headers=EN)
    assert response.status_code == 400 and "http://" in response.get_data(as_text=True)
    assert count(app, Application) == 0


def test_another_students_application_is_out_of_reach(app, client_as, make_student):
    from portal.jobs import tracking
    from portal.students.models import Student

    other = make_student()
    with app.test_request_context():
        application = tracking.apply(db.session.get(Student, other.id), employer="某医院", title="护士",
                                     on=local_today())
        db.session.commit()
        application_id = application.id
    client = client_as("student")
    assert client.get(f"/jobs/applications/{application_id}").status_code == 403
    assert client.post(f"/jobs/applications/{application_id}/stage",
                       data={"stage": "withdrawn", "on": local_today().isoformat()}).status_code == 403
    assert client_as("mentor").get(f"/jobs/applications/{application_id}").status_code == 403
    assert client_as("admin").get(f"/jobs/applications/{application_id}").status_code == 200
    with app.app_context():
        assert db.session.get(Application, application_id).stage == "submitted"


# --- curation ------------------------------------------------------------------------------------

def form_data(**overrides):
    data = dict(title="儿科医师", employer="某市妇幼保健院", unit_nature="public_health", hospital_level="2a",
                grassroots_type="", emerging_field="", province="湖南", city="长沙", post_type="contract",
                majors="儿科学、临床医学", min_degree="bachelor", licence_required="", openings="2", salary_min="5000",
                salary_max="8000", deadline=(local_today() + timedelta(days=20)).isoformat(),
                description="<p>负责儿科门诊</p>", source_url="", status="published")
    data.update(overrides)
    return data


def test_mentor_curates_a_posting(app, client_as):
    client = client_as("mentor")
    response = client.post("/jobs/manage/new", data=form_data())
    assert response.status_code == 303
    with app.app_context():
        posting = db.session.scalar(select(JobPosting))
        assert posting.major_names == ["儿科学", "临床医学"] and posting.status == "published"
        posting_id = posting.id
    assert client.post(f"/jobs/manage/{posting_id}/edit", data=form_data(title="儿科主治")).status_code == 303
    assert client_as("admin").get(f"/jobs/manage/{posting_id}/edit").status_code == 200
    assert "儿科主治" in client.get("/jobs/manage", headers=EN).get_data(as_text=True)


def test_a_mentor_cannot_edit_another_curators_posting(app, client_as, make_posting):
    posting_id = make_posting()
    client = client_as("mentor")
    assert client.get(f"/jobs/manage/{posting_id}/edit").status_code == 403
    assert client.post(f"/jobs/manage/{posting_id}/edit", data=form_data(title="改")).status_code == 403
    assert client.post(f"/jobs/manage/{posting_id}/status", data={"status": "closed"}).status_code == 403


def test_bad_postings_are_refused_with_clear_messages(app, client_as):
    client = client_as("admin")
    cases = [
        (dict(salary_min="9000", salary_max="3000"), "is below the lowest"),
        (dict(deadline=(local_today() - timedelta(days=1)).isoformat()), "has already passed"),
        (dict(description='<img src=x onerror="alert(1)">'), "scripts, styles or active links"),
        (dict(description="<script>document.cookie</script>"), "scripts, styles or active links"),
        (dict(salary_min="abc"), "Not a valid integer value"),
    ]
    for overrides, message in cases:
        response = client.post("/jobs/manage/new", data=form_data(**overrides), headers=EN)
        body = response.get_data(as_text=True)
        assert response.status_code == 400, overrides
        assert message in body, overrides
        assert "<script>document" not in body
    assert count(app, JobPosting) == 0


def test_status_changes_and_publishing_with_a_passed_deadline(app, client_as, make_posting):
    posting_id = make_posting(status="draft")
    client = client_as("admin")
    assert client.post(f"/jobs/manage/{posting_id}/status", data={"status": "published"}).status_code == 303
    with app.app_context():
        posting = db.session.get(JobPosting, posting_id)
        assert posting.status == "published" and posting.published_at is not None
        posting.status = "draft"
        posting.deadline = local_today() - timedelta(days=3)
        db.session.commit()
    client.post(f"/jobs/manage/{posting_id}/status", data={"status": "published"}, headers=EN)
    assert "change it before publishing" in client.get(f"/jobs/{posting_id}", headers=EN).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(JobPosting, posting_id).status == "draft"


def test_manage_list_queries_do_not_grow_with_rows(client_as, make_posting, count_queries):
    client = client_as("admin")
    make_posting()
    with count_queries() as few:
        client.get("/jobs/manage")
    for i in range(10):
        make_posting(title=f"岗{i}", status="draft")
    with count_queries() as many:
        assert client.get("/jobs/manage").status_code == 200
    assert many.count == few.count
    assert client.get("/jobs/manage?q=岗", headers=HX).get_data(as_text=True).count("<tr>") >= 10


def test_match_quality_page_and_weights(app, client_as, users, make_posting, recommend):
    make_posting()
    recommend()
    client_as("student").get("/jobs/recommendations")
    admin = client_as("admin")
    body = admin.get("/jobs/manage/quality", headers=EN).get_data(as_text=True)
    assert "临床医学院" in body and "Scoring weights" in body
    from portal.jobs import matching

    data = {f"w_{k}": v for k, v in matching.DEFAULT_WEIGHTS.items()}
    data.update(w_major=45, per_student=15, discovery_slots=3)
    assert admin.post("/jobs/manage/quality", data=data).status_code == 303
    with app.app_context():
        assert matching.weights()["major"] == 45
    data.update(w_major=400)
    response = admin.post("/jobs/manage/quality", data=data, headers=EN)
    assert response.status_code == 400
    with app.app_context():
        assert matching.weights()["major"] == 45


def test_match_quality_figures_follow_what_students_do(app, client_as, make_posting, recommend):
    posting_id = make_posting()
    recommend()
    student = client_as("student")
    student.get("/jobs/recommendations")
    admin = client_as("admin")

    def table() -> str:
        body = admin.get("/jobs/manage/quality", headers=EN).get_data(as_text=True)
        return body[body.index('<table class="table quality">'):body.index("</table>")]

    before = table()
    assert "临床医学院" in before and table() == before
    student.post(f"/jobs/recommendations/{posting_id}/dismiss", data={"reason": "region"}, headers=EN)
    after = table()
    assert after != before and "<td>1</td>" in after


# --- command line ----------------------------------------------------------------------------------

def test_cli_recommend_and_remind_deadlines(app, runner, users, make_posting):
    posting_id = make_posting(deadline=local_today() + timedelta(days=2))
    result = runner.invoke(args=["jobs", "recommend"])
    assert result.exit_code == 0 and "1 recommendations for 1 students from 1 open postings" in result.output
    client_saved = app.test_client()
    from tests.conftest import sign_in

    sign_in(app, client_saved, users["student"])
    client_saved.post(f"/jobs/{posting_id}/save")
    result = runner.invoke(args=["jobs", "remind-deadlines"])
    assert result.exit_code == 0 and "1 deadline reminders sent" in result.output
    assert "0 deadline reminders sent" in runner.invoke(args=["jobs", "remind-deadlines"]).output
    assert runner.invoke(args=["jobs", "recommend", "--student", "nobody"]).exit_code != 0
