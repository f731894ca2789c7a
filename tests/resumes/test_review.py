"""Review workflow through the pages: submit, queue, comments beside sections, threads, completion,
comparison; and who may do what (id tampering by other students and other mentors)."""
from __future__ import annotations

import re

from sqlalchemy import select

from portal.extensions import db
from portal.notifications.models import Notification
from portal.resumes.models import ResumeComment, ResumeVersion
from portal.students.models import Intervention
from tests.resumes.conftest import EN, HX, first_item_id


def test_submitting_puts_the_resume_in_the_mentors_queue(app, users, client_as, make_resume, assign):
    student = users["student_record"]
    assign(student, users["mentor"])
    rid = make_resume(student)
    client = client_as("student")
    response = client.post(f"/resumes/{rid}/submit", data={"note": "请老师帮忙看看"}, headers=EN)
    assert response.status_code == 302
    editor = client.get(f"/resumes/{rid}", headers=EN).get_data(as_text=True)
    assert "Version 1 was submitted" in editor and "Waiting for review" in editor
    queue = client_as("mentor").get("/resumes/reviews", headers=EN).get_data(as_text=True)
    assert users["student"].display_name in queue and "住院医师规培申请" in queue
    assert re.search(r'data-testid="waiting">\s*\d+ (second|minute)s?', queue)
    with app.app_context():
        assert db.session.scalar(select(Notification.kind).where(Notification.user_id == users["mentor"].id)) == "resume.submitted"


def test_the_queue_is_oldest_first_and_shows_only_the_caseload(app, users, client_as, make_resume, make_student,
                                                                 assign, submit_resume):
    mine_late, other = make_student(display_name="晚提交"), make_student(display_name="别人的学生")
    assign(users["student_record"], users["mentor"])
    assign(mine_late, users["mentor"])
    submit_resume(make_resume(users["student_record"], title="早"))
    submit_resume(make_resume(mine_late, title="晚"))
    submit_resume(make_resume(other, title="别人"))
    queue = client_as("mentor").get("/resumes/reviews", headers=EN).get_data(as_text=True)
    assert queue.index(users["student"].display_name) < queue.index("晚提交")
    assert "别人的学生" not in queue
    everyone = client_as("admin").get("/resumes/reviews", headers=EN).get_data(as_text=True)
    assert "别人的学生" in everyone


def test_a_mentor_comments_on_a_section_and_an_item_with_and_without_htmx(app, users, client_as, make_resume, assign,
                                                                         submit_resume):
    assign(users["student_record"], users["mentor"])
    rid = make_resume(users["student_record"])
    vid = submit_resume(rid)
    item = first_item_id(app, rid)
    mentor = client_as("mentor")
    page = mentor.get(f"/resumes/versions/{vid}", headers=EN).get_data(as_text=True)
    assert "Comment on this entry" in page and "Complete the review" in page
    fragment = mentor.post(f"/resumes/versions/{vid}/comments", headers=HX,
                           data={"section": "rotation", "item_id": item, "body": "请<strong>量化</strong>工作量"})
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and f'id="threads-rotation-{item}"' in body and "<strong>量化</strong>" in body
    assert "<html" not in body and "Open" in body
    plain = mentor.post(f"/resumes/versions/{vid}/comments", data={"section": "self_evaluation", "body": "请补充自我评价"})
    assert plain.status_code == 302 and plain.location.endswith("#section-self_evaluation")
    empty = mentor.post(f"/resumes/versions/{vid}/comments", headers=HX, data={"section": "basics", "body": ""})
    assert empty.status_code == 400 and "This field is required." in empty.get_data(as_text=True)
    # the student sees them beside the sections, marked open
    editor = client_as("student").get(f"/resumes/{rid}", headers=EN).get_data(as_text=True)
    assert "2 open comments" in editor
    rotation = editor[editor.index('id="item-%d"' % item):editor.index('id="section-practice"')]
    assert "量化" in rotation and "thread-open" in rotation
    own_section = editor[editor.index('id="section-self_evaluation"'):]
    assert "请补充自我评价" in own_section


def test_threads_take_replies_and_are_resolved_and_reopened_in_place(app, users, client_as, make_resume, assign,
                                                                    submit_resume, add_comment):
    assign(users["student_record"], users["mentor"])
    rid = make_resume(users["student_record"])
    vid = submit_resume(rid)
    cid = add_comment(vid, users["mentor"], section="basics", body="请补充照片")
    student = client_as("student")
    reply = student.post(f"/resumes/comments/{cid}/reply", headers=HX, data={"body": "已补充"})
    body = reply.get_data(as_text=True)
    assert reply.status_code == 200 and body.startswith('<article class="thread thread-open" id="thread-%d"' % cid)
    assert "已补充" in body
    resolved = student.post(f"/resumes/comments/{cid}/resolve", headers=HX)
    assert "thread-resolved" in resolved.get_data(as_text=True) and "Reopen" in resolved.get_data(as_text=True)
    reopened = client_as("mentor").post(f"/resumes/comments/{cid}/reopen")
    assert reopened.status_code == 302 and reopened.location.endswith(f"/resumes/versions/{vid}#thread-{cid}")
    back = student.post(f"/resumes/comments/{cid}/resolve")
    assert back.location.endswith(f"/resumes/{rid}#thread-{cid}")
    empty = student.post(f"/resumes/comments/{cid}/reply", headers=EN, data={"body": ""})
    assert empty.status_code == 400
    with app.app_context():
        thread = db.session.get(ResumeComment, cid)
        assert thread.resolved_at is not None and len(thread.replies) == 1
        notified = db.session.scalar(select(Notification.kind).where(Notification.user_id == users["mentor"].id,
                                                                     Notification.kind == "resume.comment_reply"))
        assert notified


def test_completing_the_review_records_coaching_and_notifies(app, users, client_as, make_resume, assign, submit_resume):
    assign(users["student_record"], users["mentor"])
    rid = make_resume(users["student_record"])
    vid = submit_resume(rid)
    mentor = client_as("mentor")
    missing = mentor.post(f"/resumes/versions/{vid}/complete", data={"summary": ""}, headers=EN)
    assert missing.status_code == 400
    done = mentor.post(f"/resumes/versions/{vid}/complete", data={"summary": "结构清楚，可以投递。", "minutes": "25"})
    assert done.status_code == 302 and done.location == "/resumes/reviews"
    again = mentor.post(f"/resumes/versions/{vid}/complete", data={"summary": "again"}, headers=EN)
    assert again.status_code == 409 and "no longer waiting" in again.get_data(as_text=True)
    with app.app_context():
        interventions = db.session.scalars(select(Intervention)).all()
        assert [(i.type, i.source, i.source_id) for i in interventions] == [("resume_coaching", "resume_review", vid)]
        kinds = set(db.session.scalars(select(Notification.kind)))
        assert {"resume.reviewed", "resume.review_logged"} <= kinds
    editor = client_as("student").get(f"/resumes/{rid}", headers=EN).get_data(as_text=True)
    assert "结构清楚，可以投递。" in editor and "Reviewed" in editor
    notices = client_as("student").get("/notifications/", headers=EN).get_data(as_text=True)
    assert "reviewed your resume" in notices


def test_versions_are_compared_since_the_last_review(app, users, client_as, make_resume, assign, submit_resume):
    assign(users["student_record"], users["mentor"])
    rid = make_resume(users["student_record"])
    v1 = submit_resume(rid)
    client_as("mentor").post(f"/resumes/versions/{v1}/complete", data={"summary": "请量化"})
    student = client_as("student")
    item = first_item_id(app, rid)
    student.post(f"/resumes/items/{item}", data={"hospital": "省人民医院", "department": "心血管内科", "start": "2025-07",
                                                 "description": "书写大病历 30 份"})
    working = student.get(f"/resumes/{rid}/compare", headers=EN).get_data(as_text=True)
    assert "书写大病历 30 份" in working and "diff-added" in working and "diff-removed" in working
    v2 = submit_resume(rid)
    page = client_as("mentor").get(f"/resumes/versions/{v2}", headers=EN).get_data(as_text=True)
    assert "What changed since the review of version 1" in page and "书写大病历 30 份" in page
    compare = client_as("mentor").get(f"/resumes/{rid}/compare?old=1&new=2", headers=EN).get_data(as_text=True)
    assert "diff-added" in compare and "Current working copy" not in compare
    assert client_as("mentor").get(f"/resumes/{rid}/compare?old=7", headers=EN).status_code == 400


def test_other_students_alumni_and_other_mentors_are_kept_out(app, users, client_as, make_resume, make_student,
                                                            make_user, login, assign, submit_resume, add_comment):
    assign(users["student_record"], users["mentor"])
    rid = make_resume(users["student_record"])
    vid = submit_resume(rid)
    cid = add_comment(vid, users["mentor"], section="basics")
    item = first_item_id(app, rid)
    other_student = make_student()
    with app.app_context():
        from portal.accounts.models import User

        other_student_user = db.session.get(User, other_student.user_id)
        db.session.expunge(other_student_user)
    other_mentor = make_user("mentor")
    for intruder in (other_student_user, other_mentor, users["alumni"]):
        client = login(app.test_client(), intruder)
        for url in (f"/resumes/{rid}", f"/resumes/{rid}/pdf", f"/resumes/{rid}/compare", f"/resumes/versions/{vid}",
                    f"/resumes/versions/{vid}/pdf", f"/resumes/{rid}/sections/basics", f"/resumes/students/{users['student_record'].id}"):
            assert client.get(url).status_code == 403, (intruder.username, url)
        for url, data in ((f"/resumes/items/{item}/delete", {}), (f"/resumes/{rid}/submit", {}),
                          (f"/resumes/versions/{vid}/comments", {"section": "basics", "body": "x"}),
                          (f"/resumes/versions/{vid}/complete", {"summary": "x"}),
                          (f"/resumes/comments/{cid}/reply", {"body": "x"}), (f"/resumes/comments/{cid}/resolve", {})):
            assert client.post(url, data=data).status_code == 403, (intruder.username, url)
    # the other mentor's queue does not show the student; an unknown version is 404
    queue = login(app.test_client(), other_mentor).get("/resumes/reviews", headers=EN).get_data(as_text=True)
    assert users["student"].display_name not in queue
    assert client_as("mentor").get("/resumes/versions/999999").status_code == 404
    assert client_as("mentor").post("/resumes/comments/999999/reply", data={"body": "x"}).status_code == 404
    # the assigned mentor cannot edit; the admin may read but not comment
    assert client_as("mentor").post(f"/resumes/items/{item}/delete").status_code == 403
    assert client_as("admin").get(f"/resumes/versions/{vid}").status_code == 200
    assert client_as("admin").post(f"/resumes/versions/{vid}/comments", data={"section": "basics", "body": "x"}).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(ResumeVersion.status).where(ResumeVersion.id == vid)) == "waiting"


def test_a_reply_id_must_be_a_thread(app, users, client_as, make_resume, assign, submit_resume, add_comment):
    assign(users["student_record"], users["mentor"])
    rid = make_resume(users["student_record"])
    cid = add_comment(submit_resume(rid), users["mentor"], section="basics")
    client = client_as("student")
    client.post(f"/resumes/comments/{cid}/reply", data={"body": "好的"})
    with app.app_context():
        reply_id = db.session.scalar(select(ResumeComment.id).where(ResumeComment.parent_id == cid))
    assert client.post(f"/resumes/comments/{reply_id}/reply", data={"body": "x"}).status_code == 404


# needs the merged catalogue
def test_the_resume_pages_in_chinese(app, users, client_as, make_resume):
    rid = make_resume(users["student_record"])
    page = client_as("student").get(f"/resumes/{rid}", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "基本信息" in page and "提交审阅" in page


def test_a_student_without_a_mentor_is_told_and_the_office_sees_the_submission(app, users, client_as, make_resume):
    rid = make_resume(users["student_record"])
    response = client_as("student").post(f"/resumes/{rid}/submit", headers=EN, follow_redirects=True)
    assert "You have no assigned mentor yet" in response.get_data(as_text=True)
    assert users["student"].display_name in client_as("admin").get("/resumes/reviews", headers=EN).get_data(as_text=True)
    assert users["student"].display_name not in client_as("mentor").get("/resumes/reviews", headers=EN).get_data(as_text=True)
