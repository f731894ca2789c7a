"""Shorthands for the authorization sweep's expectations (tests/<feature>/sweep.py files use them)."""
from __future__ import annotations

ROLES = ("student", "mentor", "alumni", "admin")
# users with nothing to do with the sweep's student: a second student and that student's own mentor
OUTSIDERS = {"other_student": "student", "other_mentor": "mentor"}
LOGIN = "login"  # redirected to the sign-in page
ALLOWED = "allowed"  # let through by the policy: the page answers (200, a redirect, 400/409/422 for the form)
ANYONE = {"anon": 200, "student": 200, "mentor": 200, "alumni": 200, "admin": 200}


def only(*roles: str, ok: int = 200, anon=LOGIN, others: int = 403) -> dict:
    """Only these roles get `ok`; other signed-in roles get `others`; anonymous visitors `anon`."""
    expected = {r: others for r in ROLES}
    for role in roles:
        expected[role] = ok
    expected["anon"] = anon
    return expected


def signed_in(ok: int = 200) -> dict:
    return {"anon": LOGIN, **{r: ok for r in ROLES}}


def per_role(anon=LOGIN, **codes: int) -> dict:
    """Spell out every role: per_role(student=200, mentor=200, alumni=403, admin=200)."""
    missing = set(ROLES) - set(codes)
    if missing:
        raise ValueError(f"per_role needs every role; missing {sorted(missing)}")
    return {"anon": anon, **codes}


def assign_mentor(student_id: int, mentor_id: int) -> None:
    """Make the sweep's mentor the sweep student's primary mentor, once, whichever feature asks first.

    Call inside an app context; the caller commits.
    """
    from sqlalchemy import select

    from portal.extensions import db
    from portal.students.models import MentorAssignment

    exists = db.session.scalar(select(MentorAssignment.id).where(
        MentorAssignment.student_id == student_id, MentorAssignment.mentor_id == mentor_id))
    if exists is None:
        db.session.add(MentorAssignment(student_id=student_id, mentor_id=mentor_id, kind="primary"))
        db.session.flush()
