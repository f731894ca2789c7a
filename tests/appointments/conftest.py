"""Fixtures of the appointment tests."""
from __future__ import annotations

import pytest

from portal.accounts.models import User
from portal.appointments import hosts
from portal.extensions import db
from portal.students.models import Student
from portal.students.services import assign


@pytest.fixture(autouse=True)
def _empty_outbox(app):
    app.extensions["mail_outbox"] = []
    yield
    app.extensions["mail_outbox"] = []


@pytest.fixture
def mentor(make_user):
    return make_user("mentor", email="mentor@example.edu.cn", display_name="王老师")


@pytest.fixture
def make_booker(app, make_student):
    """A student with an e-mail address (make_student gives none)."""

    def make(**fields):
        student = make_student(**fields)
        with app.app_context():
            user = db.session.get(User, student.user_id)
            user.email = f"{user.username}@example.edu.cn"
            db.session.commit()
            db.session.remove()
        return student

    return make


@pytest.fixture
def student(make_booker):
    return make_booker(display_name="李同学")


@pytest.fixture
def assign_to(app):
    def do(student, mentor, kind="primary"):
        with app.app_context():
            assign(db.session.get(Student, student.id), db.session.get(User, mentor.id), kind=kind)
            db.session.commit()
            db.session.remove()

    return do


@pytest.fixture
def make_counselor(app):
    def do(mentor):
        with app.app_context():
            admin = User(username=f"office-{mentor.id}", display_name="office", role="admin", password_hash="x")
            db.session.add(admin)
            db.session.flush()
            hosts.set_counselor(db.session.get(User, mentor.id), True, actor=admin)
            db.session.commit()
            db.session.remove()
        return mentor

    return do
