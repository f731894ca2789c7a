"""The rules: posting checks, applications through their stages, referrals, reminders, match quality, archive."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.clock import local_today
from portal.errors import RuleViolation
from portal.extensions import db
from portal.jobs import feedback, mentoring, postings, tracking
from portal.jobs.models import ApplicationEvent, JobPosting, MatchFeedback, Recommendation, Referral
from portal.notifications.models import Notification
from portal.students.models import Intervention, Student
from tests.jobs.conftest import posting_data


def errors_of(**overrides):
    _values, errors = postings.clean_posting(posting_data(**overrides))
    return dict(errors)


def test_posting_checks_give_clear_messages(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert errors_of() == {}
        assert "is below the lowest" in errors_of(salary_min=9000, salary_max=6000)["salary_max"]
        assert "monthly salary between" in errors_of(salary_min=-5)["salary_min"]
        assert "has already passed" in errors_of(deadline=local_today() - timedelta(days=2))["deadline"]
        assert "scripts" in errors_of(description='<p onclick="steal()">hi</p>')["description"]
        assert "scripts" in errors_of(description="<script>alert(1)</script>")["description"]
        assert "scripts" in errors_of(description='<a href="javascript:alert(1)">x</a>')["description"]
        assert errors_of(province="火星")["province"] == "Choose a province."
        assert errors_of(post_type="兼职")["post_type"] == "Choose one of the listed values."
        assert "http" in errors_of(source_url="ftp://x")["source_url"]
        assert "tertiary hospital is not a grassroots" in errors_of(grassroots_type="社区卫生服务中心")["grassroots_type"]
        assert errors_of(title="")["title"] == "This field is required."


def test_posting_values_are_normalised(app):
    with app.test_request_context():
        values, errors = postings.clean_posting(posting_data(
            unit_nature="医疗卫生事业单位", hospital_level="二甲", province="河南省", post_type="编制", min_degree="硕士",
            majors="临床医学，麻醉学、临床医学", description="<p>好<b>岗位</b></p><div>x</div>", grassroots_type=""))
        assert errors == []
        assert values["unit_nature"] == "public_health" and values["hospital_level"] == "2a"
        assert values["province"] == "河南" and values["post_type"] == "establishment"
        assert values["min_degree"] == "master" and values["majors"] == ["临床医学", "麻醉学"]
        assert "<div>" not in values["description"] and "<b>岗位</b>" in values["description"]


def test_a_refused_posting_writes_nothing(app):
    with app.test_request_context():
        with pytest.raises(RuleViolation):
            postings.save_posting(None, posting_data(salary_min=10000, salary_max=100), actor=None)
        db.session.rollback()
        assert db.session.scalar(select(func.count(JobPosting.id))) == 0


def test_an_old_deadline_may_stay_on_an_existing_posting(app, make_posting):
    posting_id = make_posting()
    with app.test_request_context():
        posting = db.session.get(JobPosting, posting_id)
        posting.deadline = local_today() - timedelta(days=5)
        db.session.commit()
        postings.save_posting(posting, {**posting_data(deadline=posting.deadline), "title": "改名"}, actor=None)
        with pytest.raises(RuleViolation):
            postings.set_status(posting, "published", actor=None)


def test_application_moves_forward_through_dated_stages(app, make_student, make_posting):
    student = make_student()
    posting_id = make_posting()
    today = services_today(app)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        s = db.session.get(Student, student.id)
        application = tracking.apply(s, posting=db.session.get(JobPosting, posting_id), on=today - timedelta(days=10))
        tracking.advance(application, stage="interview", on=today - timedelta(days=3), actor=None)
        assert tracking.allowed_stages(application) == ["offer", "signed", "rejected", "withdrawn"]
        with pytest.raises(RuleViolation, match="cannot go from Interview to Written test"):
            tracking.advance(application, stage="written_test", on=today, actor=None)
        with pytest.raises(RuleViolation, match="before the previous stage"):
            tracking.advance(application, stage="offer", on=today - timedelta(days=5), actor=None)
        tracking.advance(application, stage="offer", on=today, actor=None)
        tracking.advance(application, stage="signed", on=today, actor=None)
        with pytest.raises(RuleViolation, match="has ended"):
            tracking.advance(application, stage="withdrawn", on=today, actor=None)
        db.session.commit()
        stages = db.session.scalars(select(ApplicationEvent.stage).order_by(ApplicationEvent.id)).all()
        assert stages == ["submitted", "interview", "offer", "signed"]
        with pytest.raises(RuleViolation, match="already tracking"):
            tracking.apply(s, posting=db.session.get(JobPosting, posting_id), on=today)


def services_today(app):
    with app.app_context():
        return local_today()


def test_outside_applications_need_employer_and_title(app, make_student):
    student = make_student()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        s = db.session.get(Student, student.id)
        with pytest.raises(RuleViolation) as error:
            tracking.apply(s, employer="", title="护士", on=local_today())
        assert error.value.field == "employer"
        with pytest.raises(RuleViolation, match="future"):
            tracking.apply(s, employer="某医院", title="护士", on=local_today() + timedelta(days=2))
        application = tracking.apply(s, employer="某医院", title="护士", on=local_today())
        assert application.posting_id is None and application.stage == "submitted"


def test_stage_changes_enter_the_students_archive(app, make_student, make_user):
    from portal.students import archive

    student = make_student()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        s = db.session.get(Student, student.id)
        application = tracking.apply(s, employer="某医院", title="护士", on=local_today())
        tracking.advance(application, stage="interview", on=local_today(), note="面试在周三", actor=None)
        db.session.commit()
        entries = [e for e in archive.timeline(s, s.user) if e.kind == "job_application"]
        assert [e.title for e in entries] == ["Application to 护士 at 某医院: Interview",
                                              "Application to 护士 at 某医院: Submitted"]
        assert "面试在周三" in entries[0].detail


def test_referral_is_logged_and_notified_once(app, make_student, make_user, make_posting):
    mentor = make_user("mentor", display_name="李老师")
    student = make_student()
    posting_id = make_posting()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        s = db.session.get(Student, student.id)
        m = db.session.merge(mentor)
        posting = db.session.get(JobPosting, posting_id)
        referral = mentoring.refer(posting, s, mentor=m, note="离家近<script>")
        db.session.commit()
        intervention = db.session.scalar(select(Intervention))
        assert (intervention.type, intervention.source, intervention.source_id) == ("job_referral", "job_referral", referral.id)
        assert "<script>" not in intervention.notes
        note = db.session.scalar(select(Notification).where(Notification.user_id == s.user_id))
        assert note.kind == "jobs.referred" and note.link == f"/jobs/{posting_id}"
        with pytest.raises(RuleViolation, match="already referred"):
            mentoring.refer(posting, s, mentor=m)
        posting.status = "closed"
        with pytest.raises(RuleViolation, match="not open"):
            mentoring.refer(posting, s, mentor=db.session.merge(make_user("mentor")))


def test_deadline_reminders_go_once_for_saved_postings_closing_soon(app, make_student, make_posting):
    student = make_student()
    today = services_today(app)
    soon = make_posting(title="快截止", deadline=today + timedelta(days=2))
    later = make_posting(title="还早", deadline=today + timedelta(days=20))
    applied = make_posting(title="已投", deadline=today + timedelta(days=1))
    with app.test_request_context(headers={"Accept-Language": "en"}):
        s = db.session.get(Student, student.id)
        for pid in (soon, later, applied):
            tracking.save(s, db.session.get(JobPosting, pid))
        tracking.apply(s, posting=db.session.get(JobPosting, applied), on=today)
        db.session.commit()
        assert tracking.remind_deadlines(days=3) == 1
        db.session.commit()
        assert tracking.remind_deadlines(days=3) == 0
        notes = db.session.scalars(select(Notification).where(Notification.kind == "jobs.deadline")).all()
        assert len(notes) == 1 and notes[0].params["title"] == "快截止"
        assert notes[0].dedupe_key == f"jobs.deadline:{s.id}:{soon}"


def test_saving_twice_is_harmless_and_counts_in_the_funnel(app, make_student, make_posting, recommend):
    student = make_student()
    posting_id = make_posting()
    recommend()
    with app.test_request_context():
        s = db.session.get(Student, student.id)
        posting = db.session.get(JobPosting, posting_id)
        feedback.record_shown(s)
        feedback.record_shown(s)
        feedback.record_viewed(s, posting)
        assert tracking.save(s, posting) is True
        assert tracking.save(s, posting) is False
        tracking.apply(s, posting=posting, on=local_today())
        db.session.commit()
        said = db.session.get(MatchFeedback, (s.id, posting_id))
        assert said.viewed_at and said.saved_at and said.applied_at
        assert db.session.scalar(select(func.count()).select_from(MatchFeedback)) == 1
        assert db.session.get(Recommendation, (s.id, posting_id)) is None  # applied: no longer recommended


def test_match_quality_by_college_and_major(app, make_student, make_posting, recommend):
    nurse = make_student(college="护理学院", major="护理学")
    doctor = make_student(college="临床医学院", major="临床医学")
    make_posting(majors="护理学、临床医学")
    other = make_posting(title="其二", majors="护理学")
    recommend()
    with app.test_request_context():
        for sid in (nurse.id, doctor.id):
            feedback.record_shown(db.session.get(Student, sid))
        feedback.dismiss(db.session.get(Student, nurse.id), db.session.get(JobPosting, other), reason="pay")
        db.session.commit()
        stats = feedback.match_quality(by="major")
        rows = {(r["college"], r["major"]): r for r in stats["rows"]}
        assert rows[("护理学院", "护理学")]["shown"] == 2 and rows[("护理学院", "护理学")]["dismissed"] == 1
        assert rows[("护理学院", "护理学")]["reasons"] == {"pay": 1}
        assert rows[("临床医学院", "临床医学")]["shown"] == 1
        assert stats["totals"]["shown"] == 3 and stats["reasons"] == {"pay": 1}
        assert {r["college"] for r in feedback.match_quality(by="college")["rows"]} == {"护理学院", "临床医学院"}


def test_weights_are_checked(app, make_user):
    from portal import settings
    from portal.jobs import matching

    admin = make_user("admin")
    with app.test_request_context():
        with pytest.raises(RuleViolation):
            feedback.set_weights({**matching.DEFAULT_WEIGHTS, "major": 500}, per_student=20, discovery_slots=2, actor=admin)
        with pytest.raises(RuleViolation):
            feedback.set_weights(matching.DEFAULT_WEIGHTS, per_student=10, discovery_slots=8, actor=admin)
        feedback.set_weights({**matching.DEFAULT_WEIGHTS, "major": 50}, per_student=10, discovery_slots=3, actor=admin)
        db.session.commit()
        assert matching.weights()["major"] == 50 and settings.get("jobs.per_student") == 10


def test_referrals_reach_the_archive(app, make_student, make_user, make_posting):
    from portal.students import archive

    mentor = make_user("mentor", display_name="王老师")
    student = make_student()
    posting_id = make_posting(title="社区医生")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        s = db.session.get(Student, student.id)
        mentoring.refer(db.session.get(JobPosting, posting_id), s, mentor=db.session.merge(mentor), note="推荐")
        db.session.commit()
        titles = [e.title for e in archive.timeline(s, s.user) if e.kind == "job_referral"]
        assert titles == ["王老师 referred the post 社区医生"]
        assert db.session.scalar(select(func.count(Referral.id))) == 1


def test_a_stage_change_made_meanwhile_is_not_overwritten(app, make_student):
    from sqlalchemy import update

    from portal.jobs.models import Application

    student = make_student()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        application = tracking.apply(db.session.get(Student, student.id), employer="某医院", title="护士",
                                     on=local_today())
        db.session.commit()
        # another tab moved it on after this page was loaded
        with db.engine.begin() as conn:
            conn.execute(update(Application).where(Application.id == application.id).values(stage="rejected"))
        with pytest.raises(RuleViolation, match="changed meanwhile") as error:
            tracking.advance(application, stage="interview", on=local_today(), actor=None)
        assert error.value.status == 409
        db.session.rollback()
        assert db.session.get(Application, application.id).stage == "rejected"
        assert db.session.scalar(select(func.count(ApplicationEvent.id))) == 1
