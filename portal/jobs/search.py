"""Browsing postings: the filters of the postings page, the columns a list shows, and the majors to filter by."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import selectinload

from portal.cache import cached
from portal.clock import local_today
from portal.extensions import db
from portal.jobs.models import JobPosting, PostingMajor, SavedPosting
from portal.students.models import Student

# what a list of postings shows (_posting_facts.html and the majors line), read as plain rows
LIST_COLUMNS = (
    JobPosting.id, JobPosting.title, JobPosting.employer, JobPosting.province, JobPosting.city, JobPosting.post_type,
    JobPosting.hospital_level, JobPosting.grassroots, JobPosting.grassroots_type, JobPosting.emerging_field,
    JobPosting.salary_min, JobPosting.salary_max, JobPosting.deadline, JobPosting.any_major, JobPosting.min_degree,
    JobPosting.licence_required,
)


def search_postings(*, q=None, major=None, province=None, level=None, grassroots=None, post_type=None,
                    deadline_within=None, statuses=("published",), today: date | None = None, columns=None):
    """A select of postings with the browse filters; the newest first, closing soonest first within a day.
    With `columns` (such as LIST_COLUMNS), a select of those columns instead of postings with their majors."""
    today = today or local_today()
    stmt = select(*columns) if columns else select(JobPosting).options(selectinload(JobPosting.majors))
    if statuses:
        stmt = stmt.where(JobPosting.status.in_(statuses))
    if statuses == ("published",):
        stmt = stmt.where(or_(JobPosting.deadline.is_(None), JobPosting.deadline >= today))
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(JobPosting.title.ilike(like), JobPosting.employer.ilike(like), JobPosting.city.ilike(like)))
    if major:
        stmt = stmt.where(or_(
            JobPosting.any_major.is_(True),
            exists().where(PostingMajor.posting_id == JobPosting.id, PostingMajor.major == major),
        ))
    if province:
        stmt = stmt.where(JobPosting.province == province)
    if level:
        stmt = stmt.where(JobPosting.hospital_level == level)
    if grassroots == "yes":
        stmt = stmt.where(JobPosting.grassroots.is_(True))
    elif grassroots == "no":
        stmt = stmt.where(JobPosting.grassroots.is_(False))
    if post_type:
        stmt = stmt.where(JobPosting.post_type == post_type)
    if deadline_within:
        stmt = stmt.where(JobPosting.deadline.is_not(None), JobPosting.deadline <= today + timedelta(days=deadline_within))
    order = [JobPosting.deadline.is_(None), JobPosting.deadline, JobPosting.id.desc()] if deadline_within else \
        [JobPosting.id.desc()]
    return stmt.order_by(*order)


def major_names(posting_ids) -> dict[int, list[str]]:
    """The majors each posting lists, in its order (one query); any posting without any reads as []."""
    names: dict[int, list[str]] = defaultdict(list)
    if posting_ids:
        for posting_id, major in db.session.execute(
            select(PostingMajor.posting_id, PostingMajor.major).where(PostingMajor.posting_id.in_(list(posting_ids)))
            .order_by(PostingMajor.posting_id, PostingMajor.position)
        ):
            names[posting_id].append(major)
    return names


def known_majors() -> list[str]:
    """Majors to filter by: those of students and of postings.

    Finding the students' majors reads the whole students table (a few milliseconds at 20,000
    students) for a list that rarely changes; it is kept until students or postings' majors change."""
    def build() -> list[str]:
        names = set(db.session.scalars(select(Student.major).distinct()))
        names.update(db.session.scalars(select(PostingMajor.major).distinct()))
        return sorted(names)

    return cached("jobs.known_majors", build, tables=(Student.__tablename__, PostingMajor.__tablename__),
                  per_viewer=False)


def saved_by_user(user_id: int):
    """A column for selects of postings: whether the student account `user_id` saved the posting."""
    student_id = select(Student.id).where(Student.user_id == user_id).scalar_subquery()
    return (exists().where(SavedPosting.student_id == student_id, SavedPosting.posting_id == JobPosting.id)
            .label("saved"))
