"""Factories that write committed rows and hand back detached, fully loaded objects."""
from __future__ import annotations

import itertools
from functools import cache

from werkzeug.security import generate_password_hash

from portal.accounts import services
from portal.accounts.models import User
from portal.extensions import db
from portal.students.models import Student

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


@cache
def _default_password_hash() -> str:
    """The factory password's hash, worked out once per run: scrypt is slow on purpose (~0.2 s),
    and most tests only need a user who can sign in with PASSWORD."""
    return generate_password_hash(PASSWORD)


def _detach(obj):
    db.session.refresh(obj)
    db.session.expunge(obj)
    return obj


def make_user(app, *, role: str = "student", username: str | None = None, password: str = PASSWORD,
              display_name: str | None = None, active: bool = True, must_change_password: bool = False,
              email: str | None = None, locale: str | None = None) -> User:
    n = next(_seq)
    with app.app_context():
        user = User(
            username=username or f"{role}{n:04d}",
            display_name=display_name or f"测试用户{n}",
            role=role,
            email=email,
            active=active,
            must_change_password=must_change_password,
            locale=locale,
        )
        if password == PASSWORD:
            user.password_hash = _default_password_hash()
        else:  # a test about passwords gets a hash of its own
            user.set_password(password)
        db.session.add(user)
        db.session.commit()
        return _detach(user)


def attach_student(app, user: User, **fields) -> Student:
    n = next(_seq)
    values = dict(
        student_no=f"2022{n:06d}",
        gender="female",
        college="临床医学院",
        major="临床医学",
        degree_level="bachelor",
        graduation_year=2027,
        class_name="临床医学22级1班",
        home_province="贵州",
        origin="rural",
    )
    values.update(fields)
    with app.app_context():
        student = Student(user_id=user.id, **values)
        db.session.add(student)
        db.session.commit()
        return _detach(student)


def make_student(app, **fields) -> Student:
    user_fields = {k: fields.pop(k) for k in ("username", "display_name", "password") if k in fields}
    user = make_user(app, role="student", **user_fields)
    return attach_student(app, user, **fields)


def open_session(app, user: User) -> str:
    with app.test_request_context():
        token = services.start_session(db.session.get(User, user.id))
        db.session.commit()
        db.session.remove()
    return token
