"""The resume rules, called directly: values, building and copying, versions, comments, reviews, comparison."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.errors import RuleViolation
from portal.extensions import db
from portal.notifications.models import Notification
from portal.resumes import documents, editing, review
from portal.resumes.models import Resume, ResumeComment, ResumeItem, ResumeStatus, ResumeVersion
from portal.students.models import Intervention, MentorAssignment, Student
from tests.resumes.conftest import ROTATION, build_resume


@pytest.fixture
def student(app_ctx, make_student):
    made = make_student(display_name="李华", phone="13800000000", home_province="云南", cohort=2022)
    return db.session.get(Student, made.id)


@pytest.fixture
def mentor(app_ctx, make_user, student):
    made = make_user("mentor", display_name="周老师")
    db.session.add(MentorAssignment(student_id=student.id, mentor_id=made.id))
    db.session.commit()
    return db.session.get(User, made.id)


def test_values_are_checked_and_cleaned(app_ctx):
    cleaned = editing.validate_values("rotation", {**ROTATION, "hospital": "  省人民\x00医院 ", "extra": "dropped"})
    assert cleaned["hospital"] == "省人民医院" and "extra" not in cleaned
    for values, field in [
        ({**ROTATION, "hospital": ""}, "hospital"),
        ({**ROTATION, "start": "2025-13"}, "start"),
        ({**ROTATION, "end": "2024-01"}, "end"),
        ({**ROTATION, "hospital_level": "grade9"}, "hospital_level"),
        ({**ROTATION, "description": "字" * 2001}, "description"),
    ]:
        with pytest.raises(RuleViolation) as caught:
            editing.validate_values("rotation", values)
        assert caught.value.field == field
    with pytest.raises(RuleViolation) as caught:
        editing.validate_values("basics", {"full_name": "王", "homepage": "javascript:alert(1)"})
    assert caught.value.field == "homepage"
    assert editing.validate_values("basics", {"full_name": "王", "homepage": "https://example.org/me"})["homepage"]


def test_a_new_resume_starts_from_the_profile(student):
    resume = editing.create_resume(student, title="规培申请")
    assert resume.basics["full_name"] == "李华" and resume.basics["phone"] == "13800000000"
    assert resume.basics["native_place"] == "云南"
    education = [i for i in resume.items if i.section == "education"]
    assert education[0].data["major"] == "临床医学" and education[0].data["start"] == "2022-09"
    assert education[0].data["end"] == "2027-06" and education[0].data["degree"] == "bachelor"


def test_a_copy_has_the_content_and_photo_but_not_the_reviews(student, mentor):
    from tests.resumes.sweep import png_bytes

    resume = db.session.get(Resume, build_resume(student.id))
    editing.set_photo(resume, png_bytes())
    review.submit(resume, actor=student.user)
    db.session.commit()
    copy = editing.copy_resume(resume)
    db.session.commit()
    assert copy.id != resume.id and copy.title == "住院医师规培申请 (copy)"
    assert sorted(i.data["hospital"] for i in copy.items if i.section == "rotation") == ["省人民医院"]
    assert copy.has_photo and editing.photo_of(copy).data == editing.photo_of(resume).data
    assert copy.versions == [] and copy.status == ResumeStatus.DRAFT


def test_a_student_keeps_at_most_twenty_resumes(student):
    for n in range(editing.MAX_RESUMES):
        editing.create_resume(student, title=f"简历 {n}")
    with pytest.raises(RuleViolation) as caught:
        editing.create_resume(student, title="one too many")
    assert caught.value.status == 409


def test_items_move_up_and_down_within_their_section(student):
    resume = db.session.get(Resume, build_resume(student.id, items={"skill": [{"name": n} for n in "ABC"]}))
    skills = lambda: [i.data["name"] for i in editing._section_items(resume.id, "skill")]  # noqa: E731
    c = next(i for i in resume.items if i.data.get("name") == "C")
    editing.move_item(c, "up")
    assert skills() == ["A", "C", "B"]
    editing.move_item(c, "up")
    editing.move_item(c, "up")  # already first: nothing happens
    assert skills() == ["C", "A", "B"]
    editing.move_item(c, "down")
    assert skills() == ["A", "C", "B"]


def test_submitting_takes_a_snapshot_and_tells_the_mentors(student, mentor):
    resume = db.session.get(Resume, build_resume(student.id))
    first = review.submit(resume, actor=student.user, note="请老师看看")
    db.session.commit()
    editing.update_single(resume, "self_evaluation", {"text": "认真负责"})
    assert first.content["self_evaluation"] == ""  # the snapshot does not follow the working copy
    second = review.submit(resume, actor=student.user)
    db.session.commit()
    assert (first.number, second.number) == (1, 2)
    assert first.status == "superseded" and second.status == "waiting"
    assert second.waiting_since == first.waiting_since  # keeps the place in the queue
    assert second.content["self_evaluation"] == "认真负责"
    kinds = db.session.scalars(select(Notification.kind).where(Notification.user_id == mentor.id)).all()
    assert kinds == ["resume.submitted", "resume.submitted"]


def test_comments_anchor_to_items_of_the_version(student, mentor):
    resume = db.session.get(Resume, build_resume(student.id))
    version = review.submit(resume, actor=student.user)
    item = next(i for i in resume.items if i.section == "rotation")
    comment = review.add_comment(version, author=mentor, section="rotation", item_id=item.id, body="请量化\n\n例如病历份数")
    assert comment.anchor_label == "省人民医院（三级甲等） · 心血管内科"
    assert comment.body == "<p>请量化</p><p>例如病历份数</p>"
    with pytest.raises(RuleViolation):
        review.add_comment(version, author=mentor, section="rotation", item_id=999999, body="x")
    with pytest.raises(RuleViolation):
        review.add_comment(version, author=mentor, section="nonsense", item_id=None, body="x")
    with pytest.raises(RuleViolation):
        review.add_comment(version, author=mentor, section="basics", item_id=None, body="<p> </p>")
    review.submit(resume, actor=student.user)
    with pytest.raises(RuleViolation) as caught:
        review.add_comment(version, author=mentor, section="basics", item_id=None, body="late")
    assert caught.value.status == 409


def test_replies_notify_the_other_side_and_threads_resolve_and_reopen(student, mentor):
    resume = db.session.get(Resume, build_resume(student.id))
    version = review.submit(resume, actor=student.user)
    thread = review.add_comment(version, author=mentor, section="basics", item_id=None, body="补充照片")
    review.reply(thread, author=student.user, body="已补充")
    db.session.commit()
    assert [r.body for r in thread.replies] == ["<p>已补充</p>"]
    assert db.session.scalar(select(func.count()).where(Notification.user_id == mentor.id, Notification.kind == "resume.comment_reply")) == 1
    with pytest.raises(RuleViolation):
        review.reply(thread.replies[0], author=mentor, body="nested")
    review.resolve(thread, actor=student.user)
    assert not thread.is_open and thread.resolved_by_id == student.user_id
    review.reopen(thread, actor=mentor)
    assert thread.is_open


def test_completing_a_review_logs_coaching_and_notifies_both(student, mentor):
    resume = db.session.get(Resume, build_resume(student.id))
    version = review.submit(resume, actor=student.user)
    review.add_comment(version, author=mentor, section="basics", item_id=None, body="补充照片")
    review.complete_review(version, mentor=mentor, summary="整体不错", minutes=30)
    db.session.commit()
    assert version.status == "reviewed" and resume.status == ResumeStatus.REVIEWED
    intervention = db.session.scalar(select(Intervention))
    assert (intervention.type, intervention.source, intervention.source_id) == ("resume_coaching", "resume_review", version.id)
    assert intervention.visibility == "student" and intervention.duration_minutes == 30
    assert intervention.author_id == mentor.id and "整体不错" in intervention.notes and "1 comments, 1 still open" in intervention.notes
    to_student = db.session.scalars(select(Notification.kind).where(Notification.user_id == student.user_id)).all()
    to_mentor = db.session.scalars(select(Notification.kind).where(Notification.user_id == mentor.id)).all()
    assert "resume.reviewed" in to_student and "resume.review_logged" in to_mentor
    with pytest.raises(RuleViolation) as caught:
        review.complete_review(version, mentor=mentor, summary="again")
    assert caught.value.status == 409
    db.session.rollback()
    assert db.session.scalar(select(func.count(Intervention.id))) == 1


def test_two_mentors_completing_at_once_log_one_review(app, make_student, make_user):
    """Each mentor in their own session and transaction: the conditional update lets one through."""
    import threading

    made = make_student()
    mentors = [make_user("mentor"), make_user("mentor")]
    with app.app_context():
        for m in mentors:
            db.session.add(MentorAssignment(student_id=made.id, mentor_id=m.id, kind="other"))
        db.session.commit()
        resume = db.session.get(Resume, build_resume(made.id))
        version_id = review.submit(resume, actor=resume.student.user).id
        db.session.commit()
    barrier = threading.Barrier(2)
    outcomes = []

    def finish(mentor_id):
        with app.app_context():
            version = db.session.get(ResumeVersion, version_id)
            mentor = db.session.get(User, mentor_id)
            barrier.wait()
            try:
                review.complete_review(version, mentor=mentor, summary="ok")
                db.session.commit()
                outcomes.append("done")
            except RuleViolation:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=finish, args=(m.id,)) for m in mentors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["done", "refused"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Intervention.id))) == 1


def test_comparison_shows_what_changed_by_section(student):
    resume = db.session.get(Resume, build_resume(student.id))
    before = documents.document_of(resume)
    item = next(i for i in resume.items if i.section == "rotation")
    editing.update_item(item, {**item.data, "description": "参与查房，书写大病历 30 份。"})
    editing.add_item(resume, "licence", {"name": "大学英语六级（CET-6）", "detail": "512"})
    diffs = {d.key: d for d in documents.compare(before, documents.document_of(resume))}
    assert diffs["rotation"].rows.count(("removed", "    参与查房，书写大病历 12 份。")) == 1
    assert ("added", "    参与查房，书写大病历 30 份。") in diffs["rotation"].rows
    assert diffs["licence"].added == 1 and diffs["licence"].removed == 0
    assert not diffs["education"].changed and not diffs["basics"].changed


def test_the_queue_is_scoped_to_the_caseload_and_oldest_first(app_ctx, make_student, make_user, student, mentor):
    other = db.session.get(Student, make_student().id)
    mine = [db.session.get(Resume, build_resume(student.id, title=t)) for t in ("一", "二")]
    theirs = db.session.get(Resume, build_resume(other.id))
    for resume in (mine[1], theirs, mine[0]):
        review.submit(resume, actor=resume.student.user)
    db.session.commit()
    queue = db.session.scalars(review.review_queue(mentor)).all()
    assert [v.resume.title for v in queue] == ["二", "一"]
    admin = db.session.get(User, make_user("admin").id)
    assert len(db.session.scalars(review.review_queue(admin)).all()) == 3


def test_the_archive_lists_submissions_and_reviews(app, student, mentor):
    from portal.students import archive

    resume = db.session.get(Resume, build_resume(student.id))
    version = review.submit(resume, actor=student.user, note="请看")
    review.complete_review(version, mentor=mentor, summary="<p>很好</p><script>x</script>")
    db.session.commit()
    with app.test_request_context():  # the archive is read in a request (other providers build links)
        entries = [e for e in archive.timeline(student, student.user) if e.kind.startswith("resume")]
    assert entries[0].link == f"/resumes/versions/{version.id}"
    assert [e.kind for e in entries] == ["resume_review", "resume_submission"]
    assert "<script>" not in entries[0].detail_html and "很好" in entries[0].detail_html
    assert entries[1].detail == "请看"


def test_only_a_resume_never_submitted_can_be_deleted(student):
    resume = db.session.get(Resume, build_resume(student.id))
    review.submit(resume, actor=student.user)
    with pytest.raises(RuleViolation) as caught:
        editing.delete_resume(resume)
    assert caught.value.status == 409
    editing.archive_resume(resume)
    assert editing.resumes_of(student) == [] and editing.resumes_of(student, archived=True) == [resume]
    with pytest.raises(RuleViolation):
        editing.add_item(resume, "skill", {"name": "x"})
    draft = db.session.get(Resume, build_resume(student.id))
    editing.delete_resume(draft)
    db.session.commit()
    assert db.session.get(Resume, draft.id) is None
    assert db.session.scalar(select(func.count(ResumeItem.id)).where(ResumeItem.resume_id == draft.id)) == 0
    assert db.session.scalar(select(func.count(ResumeComment.id))) == 0
