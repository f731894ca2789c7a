"""The editor, the version page, the lists and the review queue load what they show in a fixed number of queries."""
from __future__ import annotations

from tests.resumes.conftest import EN, ROTATION, first_item_id


def _count(count_queries, client, url) -> int:
    client.get(url, headers=EN)  # warm: the session row, the templates
    with count_queries() as counted:
        response = client.get(url, headers=EN)
    assert response.status_code == 200
    return counted.count


def _big(n: int) -> dict:
    return {
        "rotation": [{**ROTATION, "department": f"科室{i}"} for i in range(n)],
        "award": [{"name": f"奖项{i}", "level": "university"} for i in range(n)],
        "skill": [{"name": f"技能{i}"} for i in range(n)],
    }


def test_the_editor_and_version_pages_do_not_grow_with_content(app, users, client_as, make_resume, assign,
                                                              submit_resume, add_comment, count_queries):
    assign(users["student_record"], users["mentor"])
    small = make_resume(users["student_record"], items=_big(1))
    big = make_resume(users["student_record"], items=_big(8), title="大")
    versions = {}
    for rid, comments in ((small, 1), (big, 6)):
        vid = versions[rid] = submit_resume(rid)
        item = first_item_id(app, rid)
        for n in range(comments):
            cid = add_comment(vid, users["mentor"], item_id=item, body=f"批注{n}")
            client_as("student").post(f"/resumes/comments/{cid}/reply", data={"body": "好"})
        add_comment(vid, users["mentor"], section="award", body="顺序")
    student, mentor = client_as("student"), client_as("mentor")
    assert _count(count_queries, student, f"/resumes/{small}") == _count(count_queries, student, f"/resumes/{big}")
    assert _count(count_queries, mentor, f"/resumes/versions/{versions[small]}") == \
        _count(count_queries, mentor, f"/resumes/versions/{versions[big]}")
    assert _count(count_queries, mentor, f"/resumes/{small}/compare") == _count(count_queries, mentor, f"/resumes/{big}/compare")


def test_the_queue_and_the_list_do_not_grow_with_rows(app, users, client_as, make_student, make_resume, assign,
                                                      submit_resume, count_queries):
    mentor = client_as("mentor")
    student = client_as("student")
    counts = []
    for n in (1, 6):
        for _ in range(n if not counts else n - 1):
            other = make_student()
            assign(other, users["mentor"])
            submit_resume(make_resume(other))
        submit_resume(make_resume(users["student_record"]))
        counts.append((_count(count_queries, mentor, "/resumes/reviews"), _count(count_queries, student, "/resumes/"),
                       _count(count_queries, client_as("admin"), "/resumes/reviews")))
    assert counts[0] == counts[1]
    assert counts[0][0] <= 10, counts
