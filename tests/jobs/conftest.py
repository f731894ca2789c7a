"""Factories for the jobs tests: postings, students with intentions, mentors' caseloads."""
from __future__ import annotations

from datetime import timedelta

import pytest

from portal.clock import local_today
from portal.extensions import db

EN = {"Accept-Language": "en"}
HX = {"HX-Request": "true", "Accept-Language": "en"}


@pytest.fixture(autouse=True)
def _fresh_cache(app):
    """Values the jobs pages keep (the majors to filter by, match quality) start from nothing: the
    database is emptied between tests without telling the cache."""
    from portal.cache import cache

    with app.app_context():
        cache.clear()


def posting_data(**overrides) -> dict:
    data = dict(
        title="住院医师", employer="河南省人民医院", unit_nature="public_health", hospital_level="3a",
        grassroots_type="", emerging_field="", province="河南", city="郑州", post_type="establishment",
        majors="临床医学", min_degree="bachelor", licence_required="", openings=3, salary_min=6000,
        salary_max=9000, deadline=local_today() + timedelta(days=30), description="<p>负责病房工作</p>",
        source_url="https://example.org/job/1", status="published",
    )
    data.update(overrides)
    return data


@pytest.fixture
def make_posting(app):
    """make_posting(title=..., ...) → the posting's id (published, open, for 临床医学 by default)."""
    from portal.jobs import postings

    def make(**overrides):
        with app.test_request_context():
            posting = postings.save_posting(None, posting_data(**overrides), actor=None)
            db.session.commit()
            posting_id = posting.id
            db.session.remove()
        return posting_id

    return make


@pytest.fixture
def assign(app):
    """assign(mentor_user, student) puts the student on the mentor's caseload."""
    from portal.students.models import MentorAssignment

    def do(mentor, student):
        with app.app_context():
            db.session.add(MentorAssignment(student_id=student.id, mentor_id=mentor.id))
            db.session.commit()

    return do


@pytest.fixture
def recommend(app):
    """Runs the batch and returns {student_id: [posting ids in rank order]}."""
    from sqlalchemy import select

    from portal.jobs import matching
    from portal.jobs.models import Recommendation

    def run(**kwargs):
        with app.test_request_context():
            matching.compute(**kwargs)
            db.session.commit()
            out: dict[int, list[int]] = {}
            for rec in db.session.scalars(select(Recommendation).order_by(Recommendation.student_id, Recommendation.rank)):
                out.setdefault(rec.student_id, []).append(rec.posting_id)
            db.session.remove()
        return out

    return run
