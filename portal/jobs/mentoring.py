"""Students' job search as mentors and the office follow it: the list of students with their counts,
and referring a posting to a student personally."""
from __future__ import annotations

from flask import url_for
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from portal.accounts.models import User
from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.jobs.models import Application, JobPosting, Recommendation, Referral, SavedPosting
from portal.jobs.postings import is_open
from portal.notifications import kind, notify
from portal.sanitize import plain_to_html
from portal.students.access import caseload_student_ids
from portal.students.models import MentorAssignment, Student

REFERRED = kind("jobs.referred", _l("%(mentor)s recommends the post %(title)s to you."))


# --- the students' job search -----------------------------------------------------------------

def caseload_students(user, *, q: str | None = None):
    """A select of the students whose job search the user follows: a mentor's caseload, or everyone for
    admins; rows of id, student_no, major, degree_level and display_name."""
    stmt = (select(Student.id, Student.student_no, Student.major, Student.degree_level, User.display_name)
            .join(User, User.id == Student.user_id))
    if user.role == "mentor":
        stmt = stmt.where(Student.id.in_(caseload_student_ids(user)))
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(User.display_name.ilike(like), Student.student_no.ilike(like), Student.major.ilike(like)))
    return stmt.order_by(Student.student_no)


def with_job_search_counts(stmt):
    """caseload_students() with each student's recommendations, saved postings, applications and offers,
    counted in the same statement (for the rows of one page only: add it after filtering)."""
    def counted(model, *where):
        return (select(func.count()).select_from(model).where(model.student_id == Student.id, *where)
                .correlate(Student).scalar_subquery())

    return stmt.add_columns(
        counted(Recommendation).label("recommendations"), counted(SavedPosting).label("saved"),
        counted(Application).label("applications"),
        counted(Application, Application.stage.in_(("offer", "signed"))).label("offers"),
    )


def mentors_students_for_referral(mentor) -> list[Student]:
    """The students a user may refer a posting to: a mentor's caseload (admins use the student's page)."""
    if mentor.role != "mentor":
        return []
    return list(db.session.scalars(
        select(Student).options(joinedload(Student.user))
        .join(MentorAssignment, MentorAssignment.student_id == Student.id)
        .where(MentorAssignment.mentor_id == mentor.id).order_by(Student.student_no)
    ))


# --- referrals ----------------------------------------------------------------------------------

def refer(posting: JobPosting, student: Student, *, mentor, note: str = "") -> Referral:
    """A mentor points a posting out to a student: logged as a job-referral intervention, and the
    student is notified."""
    from portal.students.services import log_intervention

    if not is_open(posting):
        raise RuleViolation(_("This posting is not open, so it cannot be referred."), status=409)
    note = (note or "").strip()
    if len(note) > 1000:
        raise RuleViolation(_("At most %(n)d characters.", n=1000), field="note")
    if db.session.scalar(select(Referral.id).where(Referral.student_id == student.id, Referral.posting_id == posting.id,
                                                   Referral.mentor_id == mentor.id)):
        raise RuleViolation(_("You have already referred this posting to this student."), status=409)
    referral = Referral(student_id=student.id, posting_id=posting.id, mentor_id=mentor.id, note=note)
    db.session.add(referral)
    db.session.flush()
    summary = _("Referred the post %(title)s at %(employer)s.", title=posting.title, employer=posting.employer)
    intervention = log_intervention(
        student, author=mentor, type="job_referral", channel="online",
        notes=plain_to_html(summary) + plain_to_html(note),
        visibility="student", source="job_referral", source_id=referral.id,
    )
    referral.intervention_id = intervention.id
    notify(student.user_id, REFERRED, link=url_for("jobs.posting", posting_id=posting.id),
           dedupe_key=f"jobs.referred:{referral.id}", mentor=mentor.display_name, title=posting.title)
    db.session.flush()
    return referral


def referrals_for(student: Student) -> list[Referral]:
    return list(db.session.scalars(
        select(Referral).options(joinedload(Referral.posting), joinedload(Referral.mentor))
        .where(Referral.student_id == student.id).order_by(Referral.created_at.desc())
    ))
