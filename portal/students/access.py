"""Who a student is to the signed-in user: the one loader of "my own student record", and the
assignment facts the policy asks about. Imports no routes or services, so the policy can use it."""
from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import exists, inspect, select

from portal.extensions import db
from portal.students.models import MentorAssignment, Student


def student_of_user(user) -> Student | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(Student).where(Student.user_id == user.id))


def signed_in_student() -> Student:
    """The signed-in user's own student record, or 403 for anyone who has none (an admin, a mentor,
    an alumnus, or a student account whose record the office has not imported yet)."""
    student = student_of_user(current_user)
    if student is None:
        abort(403)
    return student


def is_assigned_mentor(user, student: Student | int) -> bool:
    """True when the user is one of the student's assigned mentors (answered from the student's
    mentors when they were loaded with the student, as a student's record page loads them)."""
    if isinstance(student, Student) and "assignments" in inspect(student).dict:
        return any(assignment.mentor_id == user.id for assignment in student.assignments)
    student_id = student if isinstance(student, int) else student.id
    return bool(db.session.scalar(
        select(exists().where(MentorAssignment.student_id == student_id, MentorAssignment.mentor_id == user.id))
    ))


def mentor_ids_of(student: Student | int) -> list[int]:
    student_id = student if isinstance(student, int) else student.id
    return list(db.session.scalars(select(MentorAssignment.mentor_id).where(MentorAssignment.student_id == student_id)))


def caseload_student_ids(mentor):
    """A subquery of the ids of the students on the mentor's caseload (for scoping list queries)."""
    return select(MentorAssignment.student_id).where(MentorAssignment.mentor_id == mentor.id)
