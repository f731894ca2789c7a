"""Hostile input in any field: script tags, event handlers, javascript: URLs and huge texts are neutralised,
on the pages and in the PDF."""
from __future__ import annotations

import shutil
import subprocess

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.resumes.models import Resume, ResumeComment, ResumeItem
from tests.resumes.conftest import EN, HX, ROTATION, first_item_id

SCRIPT = "<script>alert('x')</script>"
HANDLER = '"><img src=x onerror=alert(1)>'
FILE = '<img src="file:///etc/passwd">'
HOSTILE = {
    "full_name": "王" + SCRIPT,
    "native_place": HANDLER,
    "phone": FILE,
    "city": "javascript:alert(1)",
}


def _assert_neutral(html: str) -> None:
    assert SCRIPT not in html and "<img src=x" not in html and FILE not in html
    assert "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")  # only ever as escaped text
    assert 'href="javascript:' not in html.lower()


def test_hostile_fields_are_escaped_in_the_editor_and_the_version(app, users, client_as, make_resume, assign, submit_resume):
    assign(users["student_record"], users["mentor"])
    rid = make_resume(users["student_record"], title=SCRIPT, items={"rotation": [{**ROTATION, "hospital": HANDLER, "description": SCRIPT + "\n" + FILE}]}, **HOSTILE)
    student = client_as("student")
    for url in (f"/resumes/{rid}", "/resumes/"):
        page = student.get(url, headers=EN).get_data(as_text=True)
        _assert_neutral(page)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in student.get(f"/resumes/{rid}", headers=EN).get_data(as_text=True)
    fragment = student.get(f"/resumes/{rid}/sections/rotation", headers=HX).get_data(as_text=True)
    _assert_neutral(fragment)
    vid = submit_resume(rid)
    mentor = client_as("mentor")
    for url in (f"/resumes/versions/{vid}", "/resumes/reviews", f"/resumes/{rid}/compare"):
        _assert_neutral(mentor.get(url, headers=EN).get_data(as_text=True))


def test_a_javascript_homepage_is_refused_and_never_linked(app, users, client_as, make_resume):
    rid = make_resume(users["student_record"])
    client = client_as("student")
    for url in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>x</script>", " javascript:x", "ftp://x"):
        response = client.post(f"/resumes/{rid}/sections/basics", headers=EN, data={"full_name": "王", "homepage": url})
        assert response.status_code == 400 and "http:// or https://" in response.get_data(as_text=True), url
    # a value that got into the database some other way is still not turned into a link
    with app.app_context():
        resume = db.session.get(Resume, rid)
        resume.basics = {**resume.basics, "homepage": "javascript:alert(1)"}
        db.session.commit()
    page = client.get(f"/resumes/{rid}", headers=EN).get_data(as_text=True)
    assert "javascript:alert(1)" not in page
    ok = client.post(f"/resumes/{rid}/sections/basics", data={"full_name": "王", "homepage": "https://example.org/~wang"})
    assert ok.status_code == 302
    assert 'href="https://example.org/~wang" rel="noopener noreferrer nofollow"' in client.get(f"/resumes/{rid}", headers=EN).get_data(as_text=True)


def test_hostile_comments_are_sanitised(app, users, client_as, make_resume, assign, submit_resume):
    assign(users["student_record"], users["mentor"])
    rid = make_resume(users["student_record"])
    vid = submit_resume(rid)
    body = ('<p onclick="steal()">看<a href="javascript:alert(1)">这里</a></p><script>bad()</script>'
            '<img src=x onerror=alert(1)><style>body{display:none}</style><a href="https://example.org">链接</a>')
    client_as("mentor").post(f"/resumes/versions/{vid}/comments", data={"section": "basics", "body": body})
    client_as("student").post("/resumes/comments/1/reply", data={"body": '<b onmouseover="x()">好</b><iframe src="//evil"></iframe>'})
    with app.app_context():
        stored = [c.body for c in db.session.scalars(select(ResumeComment).order_by(ResumeComment.id))]
    for html in stored + [client_as("student").get(f"/resumes/{rid}", headers=EN).get_data(as_text=True)]:
        assert "onclick" not in html and "javascript:" not in html and "<script>bad" not in html
        assert "onerror" not in html and "<iframe" not in html and "onmouseover" not in html and "<style>body" not in html
    assert 'href="https://example.org"' in stored[0] and "看" in stored[0]


@pytest.mark.parametrize("url,data", [
    ("/resumes/{rid}/sections/rotation/new", {**ROTATION, "description": "长" * 100_000}),
    ("/resumes/{rid}/sections/basics", {"full_name": "名" * 5_000}),
    ("/resumes/{rid}/sections/self_evaluation", {"text": "x" * 1_000_000}),
    ("/resumes/{rid}/settings", {"title": "t" * 10_000, "language": "zh", "template": "chinese"}),
    ("/resumes/{rid}/submit", {"note": "n" * 20_000}),
])
def test_huge_texts_are_refused_and_nothing_is_saved(app, users, client_as, make_resume, url, data):
    rid = make_resume(users["student_record"])
    client = client_as("student")
    response = client.post(url.format(rid=rid), data=data, headers=EN)
    assert response.status_code == 400
    assert "characters" in response.get_data(as_text=True) or "longer than" in response.get_data(as_text=True)
    with app.app_context():
        resume = db.session.get(Resume, rid)
        assert resume.basics["full_name"] == "王小明" and resume.title == "住院医师规培申请" and resume.self_evaluation == ""
        assert db.session.scalar(select(ResumeItem.id).where(ResumeItem.section == "rotation").offset(1)) is None
        assert resume.versions == []


def test_a_huge_comment_is_refused(app, users, client_as, make_resume, assign, submit_resume):
    assign(users["student_record"], users["mentor"])
    vid = submit_resume(make_resume(users["student_record"]))
    response = client_as("mentor").post(f"/resumes/versions/{vid}/comments", headers=HX,
                                        data={"section": "basics", "body": "<p>" + "批" * 60_000 + "</p>"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(ResumeComment.id)) is None


def test_control_characters_are_dropped(app, users, client_as, make_resume):
    rid = make_resume(users["student_record"])
    client_as("student").post(f"/resumes/{rid}/sections/basics", data={"full_name": "王\x00小\x08明\u200b"})
    with app.app_context():
        assert db.session.get(Resume, rid).basics["full_name"] == "王小明\u200b"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
def test_hostile_fields_are_plain_text_in_the_pdf(app, users, client_as, make_resume, tmp_path):
    items = {"rotation": [{**ROTATION, "hospital": HANDLER, "description": SCRIPT + "\n" + FILE + "\n" + "长" * 1900}]}
    rid = make_resume(users["student_record"], items=items, **HOSTILE)
    response = client_as("student").get(f"/resumes/{rid}/pdf")
    assert response.status_code == 200
    path = tmp_path / "hostile.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = text.replace("\n", "")
    assert "<script>alert('x')</script>" in flat and "file:///etc/passwd" in flat  # shown, not obeyed
    images = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    assert len(images.splitlines()) == 2  # header lines only: no image was fetched
    assert first_item_id(app, rid)
