"""The demo seed gives every jobs page something real to show."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.jobs.models import Application, JobPosting, MatchFeedback, Recommendation, Referral
from tests.jobs.conftest import EN


def test_demo_seed_fills_the_jobs_pages(app, runner):
    result = runner.invoke(args=["demo", "seed", "--students", "60", "--seed", "3"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(JobPosting.id))) >= 300
        grassroots = db.session.scalar(select(func.count(JobPosting.id)).where(JobPosting.grassroots.is_(True)))
        assert grassroots >= 40
        assert db.session.scalar(select(func.count()).select_from(Recommendation)) > 0
        assert db.session.scalar(select(func.count()).select_from(MatchFeedback).where(MatchFeedback.dismissed_at.is_not(None)))
        assert db.session.scalar(select(func.count(Application.id))) > 0
        assert db.session.scalar(select(func.count(Referral.id))) > 0
    for username, path, expected in (
        ("student0001", "/jobs/recommendations", "Score"),
        ("student0001", "/jobs/", "postings"),
        ("mentor01", "/jobs/caseload", "/jobs/students/"),
        ("admin", "/jobs/manage/quality", "临床医学院"),
        ("admin", "/jobs/manage", "Publish"),
    ):
        client = app.test_client()
        assert client.post("/auth/login", data={"username": username, "password": "demo-pass-123"}).status_code == 302
        response = client.get(path, headers=EN)
        assert response.status_code == 200 and expected in response.get_data(as_text=True), (username, path)
