"""Who may reach the resume pages: the owner, the owner's assigned mentors and admins; never alumni
or other students. Only the owner edits; only assigned mentors comment and complete reviews."""
from __future__ import annotations

from io import BytesIO

from tests.sweep import ALLOWED, only, per_role

VIEWERS = per_role(student=200, mentor=200, alumni=403, admin=200)


def _owner_post(ok: int) -> dict:
    return only("student", ok=ok)


# mentors and admins read a resume's sections; only its owner saves one
POSTS = {
    "resumes.section": only("student", ok=ALLOWED),
}

EXPECTATIONS = {
    "resumes.index": ("GET", "/resumes/", per_role(student=200, mentor=302, alumni=403, admin=302)),
    "resumes.student_resumes": ("GET", "/resumes/students/{resume_student_id}", VIEWERS),
    "resumes.new": ("GET", "/resumes/new", only("student")),
    "resumes.edit": ("GET", "/resumes/{resume_id}", VIEWERS),
    "resumes.section": ("GET", "/resumes/{resume_id}/sections/basics", VIEWERS),
    "resumes.item_new": ("GET", "/resumes/{resume_id}/sections/rotation/new", only("student")),
    "resumes.item_edit": ("GET", "/resumes/items/{item_id}", only("student")),
    "resumes.photo": ("GET", "/resumes/{resume_id}/photo", VIEWERS),
    "resumes.pdf": ("GET", "/resumes/{resume_id}/pdf", VIEWERS),
    "resumes.version_pdf": ("GET", "/resumes/versions/{version_id}/pdf", VIEWERS),
    "resumes.compare": ("GET", "/resumes/{resume_id}/compare", VIEWERS),
    "resumes.queue": ("GET", "/resumes/reviews", only("mentor", "admin")),
    "resumes.version": ("GET", "/resumes/versions/{version_id}", VIEWERS),
    # POSTs: an empty form is refused (400) once the policy has let the user through
    "resumes.settings": ("POST", "/resumes/{resume_id}/settings", _owner_post(400)),
    "resumes.item_move": ("POST", "/resumes/items/{item_id}/move", _owner_post(400)),
    "resumes.item_delete": ("POST", "/resumes/items/{spare_item_id}/delete", _owner_post(302)),
    "resumes.copy": ("POST", "/resumes/{resume_id}/copy", _owner_post(302)),
    "resumes.archive": ("POST", "/resumes/{spare_id}/archive", _owner_post(302)),
    "resumes.restore": ("POST", "/resumes/{spare_id}/restore", _owner_post(302)),
    "resumes.delete": ("POST", "/resumes/{draft_id}/delete", _owner_post(302)),
    "resumes.photo_upload": ("POST", "/resumes/{resume_id}/photo", _owner_post(400)),
    "resumes.photo_delete": ("POST", "/resumes/{resume_id}/photo/delete", _owner_post(302)),
    "resumes.submit": ("POST", "/resumes/{resume_id}/submit", _owner_post(302)),
    "resumes.comment": ("POST", "/resumes/versions/{version_id}/comments", only("mentor", ok=400)),
    "resumes.complete": ("POST", "/resumes/versions/{version_id}/complete", only("mentor", ok=400)),
    "resumes.reply": ("POST", "/resumes/comments/{comment_id}/reply", per_role(student=400, mentor=400, alumni=403, admin=403)),
    "resumes.resolve": ("POST", "/resumes/comments/{comment_id}/resolve", per_role(student=302, mentor=302, alumni=403, admin=403)),
    "resumes.reopen": ("POST", "/resumes/comments/{comment_id}/reopen", per_role(student=302, mentor=302, alumni=403, admin=403)),
}


def png_bytes(size=(120, 160), color=(200, 210, 230)) -> bytes:
    from PIL import Image

    out = BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def objects(app, users, other) -> dict:
    """The sweep student's resume (with a photo, a submitted version and a comment thread), a spare
    (archived, then restored) and a draft (deleted); users["mentor"] is the student's assigned mentor."""
    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.extensions import db
    from portal.resumes import editing, review
    from portal.resumes.models import Resume
    from portal.students.models import MentorAssignment
    from tests.resumes.conftest import ROTATION, build_resume

    student = users["student_record"]
    with app.test_request_context():
        assigned = db.session.scalar(select(MentorAssignment.id).where(
            MentorAssignment.student_id == student.id, MentorAssignment.mentor_id == users["mentor"].id))
        if assigned is None:  # another feature's sweep may have assigned them already
            db.session.add(MentorAssignment(student_id=student.id, mentor_id=users["mentor"].id, kind="other"))
            db.session.commit()
        resume_id = build_resume(student.id, items={"rotation": [ROTATION, {**ROTATION, "department": "急诊科"}]})
        spare_id = build_resume(student.id, title="备用")
        draft_id = build_resume(student.id, title="草稿")
        resume = db.session.get(Resume, resume_id)
        editing.set_photo(resume, png_bytes())
        version = review.submit(resume, actor=db.session.get(User, users["student"].id))
        item_id = next(i.id for i in resume.items if i.section == "rotation")
        comment = review.add_comment(version, author=db.session.get(User, users["mentor"].id), section="rotation",
                                       item_id=item_id, body="请补充数字")
        spare_item_id = [i.id for i in resume.items if i.section == "rotation"][1]
        db.session.commit()
        return dict(resume_id=resume_id, spare_id=spare_id, draft_id=draft_id, version_id=version.id, item_id=item_id,
                    spare_item_id=spare_item_id, comment_id=comment.id, resume_student_id=student.id)
