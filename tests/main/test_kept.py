"""Figures kept for a few seconds (portal.kept): kept, renewed with time, dropped by this process's changes."""
from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select

from portal import kept
from portal.accounts.models import Role, User
from portal.extensions import db
from portal.students.models import HardshipClaim, Student


@pytest.fixture
def students_kept(app, monkeypatch):
    """A Kept of the number of students, kept 10 s, with a clock the test moves."""
    clock = [1000.0]
    monkeypatch.setattr(kept.time, "monotonic", lambda: clock[0])
    app.config["TEST_STUDENTS_SECONDS"] = 10
    counted = kept.Kept("TEST_STUDENTS_SECONDS", 10, lambda: (Student,))
    built = []

    def count() -> int:
        def build():
            built.append(1)
            return db.session.scalar(select(func.count()).select_from(Student))

        return counted.get(("students",), build)

    yield count, clock, built
    kept._ALL.remove(counted)
    app.config.pop("TEST_STUDENTS_SECONDS")


@pytest.mark.real_commits
def test_a_value_is_kept_for_its_time_then_counted_again(app, make_student, students_kept):
    count, clock, built = students_kept
    make_student()
    with app.app_context():
        assert count() == 1
        # another process's change (here: a row written behind the session's back) is not seen yet
        with db.engine.begin() as conn:
            user_id = conn.execute(insert(User).values(username="other", display_name="其他", role=Role.STUDENT,
                                                       password_hash="x", active=True)).inserted_primary_key[0]
            conn.execute(insert(Student).values(user_id=user_id, student_no="20990001", college="临床医学院",
                                                major="临床医学", degree_level="bachelor", graduation_year=2027,
                                                cohort=2023))
        assert count() == 1 and len(built) == 1
        clock[0] += 11
        assert count() == 2 and len(built) == 2


def test_a_change_made_here_drops_the_value_at_once_and_again_at_commit(app, make_student, students_kept):
    count, clock, built = students_kept
    student = make_student()
    with app.app_context():
        assert count() == 1
        row = db.session.get(Student, student.id)
        row.major = "麻醉学"
        db.session.flush()
        assert count() == 1 and len(built) == 2  # dropped by the flush
        db.session.commit()
        assert count() == 1 and len(built) == 3  # and again by the commit


def test_a_bulk_insert_of_the_model_drops_the_value(app, make_user, students_kept):
    count, clock, built = students_kept
    user = make_user()
    with app.app_context():
        assert count() == 0
        db.session.execute(insert(Student), [dict(user_id=user.id, student_no="20990002", college="临床医学院",
                                                  major="临床医学", degree_level="bachelor", graduation_year=2027,
                                                  cohort=2023)])
        db.session.commit()
        assert count() == 1


def test_changes_to_other_models_keep_the_value(app, make_student, students_kept):
    count, clock, built = students_kept
    student = make_student()
    with app.app_context():
        assert count() == 1
        db.session.add(HardshipClaim(student_id=student.id, category="disabled", source="self"))
        db.session.commit()
        assert count() == 1 and len(built) == 1


def test_nothing_is_kept_when_the_time_is_zero(app, make_student, students_kept):
    count, clock, built = students_kept
    app.config["TEST_STUDENTS_SECONDS"] = 0
    with app.app_context():
        assert count() == 0
        make_student()
        assert count() == 1 and len(built) == 2
