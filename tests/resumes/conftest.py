"""Factories for resume tests: resumes with items, assignments, submitted versions and comments."""
from __future__ import annotations

import pytest

from portal.extensions import db
from portal.resumes import editing, review
from portal.resumes.models import Resume, ResumeVersion
from portal.students.models import MentorAssignment, Student

EN = {"Accept-Language": "en"}
HX = {"HX-Request": "true", "Accept-Language": "en"}

ROTATION = {"hospital": "省人民医院", "hospital_level": "grade3a", "department": "心血管内科",
            "start": "2025-07", "end": "2025-09", "description": "参与查房，书写大病历 12 份。"}


def build_resume(student_id: int, *, title: str = "住院医师规培申请", items: dict | None = None, **basics) -> int:
    student = db.session.get(Student, student_id)
    resume = editing.create_resume(student, title=title, language="zh")
    editing.update_single(resume, "basics", {**resume.basics, "full_name": basics.pop("full_name", "王小明"), **basics})
    editing.update_single(resume, "intention", {"position": "临床医师", "locations": "贵州", "post_type": "residency"})
    for section, rows in (items if items is not None else {"rotation": [ROTATION]}).items():
        for row in rows:
            editing.add_item(resume, section, row)
    db.session.commit()
    return resume.id


@pytest.fixture
def make_resume(app):
    def make(student, **kwargs) -> int:
        with app.app_context():
            return build_resume(student.id, **kwargs)

    return make


@pytest.fixture
def assign(app):
    def do(student, mentor) -> None:
        with app.app_context():
            db.session.add(MentorAssignment(student_id=student.id, mentor_id=mentor.id, kind="other"))
            db.session.commit()

    return do


@pytest.fixture
def submit_resume(app):
    def do(resume_id: int, note: str = "") -> int:
        with app.test_request_context():
            resume = db.session.get(Resume, resume_id)
            version = review.submit(resume, actor=resume.student.user, note=note)
            db.session.commit()
            return version.id

    return do


@pytest.fixture
def add_comment(app):
    def do(version_id: int, mentor, *, section: str = "rotation", item_id: int | None = None, body: str = "请量化") -> int:
        with app.test_request_context():
            version = db.session.get(ResumeVersion, version_id)
            from portal.accounts.models import User

            comment = review.add_comment(version, author=db.session.get(User, mentor.id), section=section,
                                           item_id=item_id, body=body)
            db.session.commit()
            return comment.id

    return do


def first_item_id(app, resume_id: int, section: str = "rotation") -> int:
    with app.app_context():
        resume = db.session.get(Resume, resume_id)
        return next(i.id for i in resume.items if i.section == section)
