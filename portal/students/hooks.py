"""What later features tell the caseload and the student's record: the next appointment, the outcome
status and the support plan's progress of each student.

A feature appends a function taking a list of Student ids and returning {student_id: value} for those
it knows (one query for the whole list, never one per student). Until one does, the columns stay empty.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from portal.students.models import Student

NEXT_APPOINTMENT_PROVIDERS: list[Callable[[list[int]], dict[int, datetime]]] = []
OUTCOME_STATUS_PROVIDERS: list[Callable[[list[int]], dict[int, str]]] = []
# support-plan progress per student: (open goals, overdue goals)
PLAN_PROGRESS_PROVIDERS: list[Callable[[list[int]], dict[int, tuple[int, int]]]] = []


def plan_progress(student_ids: list[int]) -> dict[int, tuple[int, int]]:
    found: dict[int, tuple[int, int]] = {}
    for provider in PLAN_PROGRESS_PROVIDERS:
        found.update(provider(student_ids) or {})
    return found


def next_appointments(student_ids: list[int]) -> dict[int, datetime]:
    """The earliest upcoming appointment of each student, from every registered provider."""
    found: dict[int, datetime] = {}
    for provider in NEXT_APPOINTMENT_PROVIDERS:
        for student_id, at in (provider(student_ids) or {}).items():
            if at is not None and (student_id not in found or at < found[student_id]):
                found[student_id] = at
    return found


def next_appointment(student: Student | int) -> datetime | None:
    student_id = student if isinstance(student, int) else student.id
    return next_appointments([student_id]).get(student_id)


def outcome_statuses(student_ids: list[int]) -> dict[int, str]:
    """A short, translated outcome status per student (e.g. "Employed"); {} until outcomes exist."""
    found: dict[int, str] = {}
    for provider in OUTCOME_STATUS_PROVIDERS:
        for student_id, status in (provider(student_ids) or {}).items():
            if status:
                found.setdefault(student_id, status)
    return found


def outcome_status(student: Student | int) -> str | None:
    student_id = student if isinstance(student, int) else student.id
    return outcome_statuses([student_id]).get(student_id)
