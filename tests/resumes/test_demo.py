"""The demo seed gives every resume page something real to show for the demo accounts."""
from __future__ import annotations

import shutil

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.extensions import db
from portal.resumes.models import Resume, ResumeComment, ResumeVersion
from portal.students.models import Intervention, Student
from tests.resumes.conftest import EN
from tests.resumes.test_pdf import pages_of


def _sign_in(client, username):
    response = client.post("/auth/login", data={"username": username, "password": "demo-pass-123"})
    assert response.status_code == 302


def test_demo_resumes_for_the_demo_accounts(app, runner, tmp_path):
    result = runner.invoke(args=["demo", "seed", "--students", "120", "--seed", "7"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        first = db.session.get(Resume, 1)
        assert first.student.user.username == "student0001" and first.language == "zh" and first.has_photo
        assert db.session.scalar(select(func.count(Resume.id))) >= 12
        statuses = set(db.session.scalars(select(ResumeVersion.status)))
        assert statuses == {"waiting", "reviewed"}
        assert db.session.scalar(select(func.count(ResumeComment.id)).where(ResumeComment.parent_id.is_not(None))) > 0
        coaching = db.session.scalar(select(func.count(Intervention.id)).where(Intervention.source == "resume_review"))
        assert coaching == db.session.scalar(select(func.count(ResumeVersion.id)).where(ResumeVersion.status == "reviewed"))
        names = db.session.scalars(select(Resume.basics)).all()
        assert all("\u4e00" <= n["full_name"][0] <= "\u9fff" for n in names)
        student_no = db.session.scalar(select(Student.student_no).join(User).where(User.username == "student0001"))
        assert student_no
    student = app.test_client()
    _sign_in(student, "student0001")
    editor = student.get("/resumes/1", headers=EN).get_data(as_text=True)
    assert "open comment" in editor and "Version 2" in editor
    pdf = student.get("/resumes/1/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    if shutil.which("pdfinfo"):  # the benchmark's two-page Chinese resume
        path = tmp_path / "demo.pdf"
        path.write_bytes(pdf.data)
        assert pages_of(path) == 2
    mentor = app.test_client()
    _sign_in(mentor, "mentor01")
    queue = mentor.get("/resumes/reviews", headers=EN).get_data(as_text=True)
    assert "No resume is waiting" not in queue and "Review" in queue
