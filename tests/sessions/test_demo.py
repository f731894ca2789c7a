"""The demo programme: something real on every group-session page for the demo accounts."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.extensions import db
from portal.sessions.models import AlumniProfile, GroupSession, Registration
from portal.students.models import Student


def test_the_demo_programme(app, runner):
    result = runner.invoke(args=["demo", "seed", "--students", "120", "--seed", "3"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        alumni = db.session.scalar(select(func.count(User.id)).where(User.role == "alumni"))
        assert db.session.scalar(select(func.count(AlumniProfile.id))) == alumni
        sessions = list(db.session.scalars(select(GroupSession)))
        statuses = {gs.status for gs in sessions}
        assert {"published", "proposed", "declined", "cancelled"} <= statuses
        full = [gs for gs in sessions if gs.status == "published" and gs.is_full and gs.waitlisted_count]
        assert full
        ratings = db.session.scalar(select(func.count(Registration.id)).where(Registration.rating.is_not(None)))
        attended = db.session.scalar(select(func.count(Registration.id)).where(Registration.attended.is_(True)))
        assert ratings > 10 and attended > ratings
        # the counters agree with the registrations
        for gs in sessions:
            counts = dict(db.session.execute(
                select(Registration.status, func.count(Registration.id)).where(Registration.session_id == gs.id)
                .group_by(Registration.status)).all())
            assert (gs.registered_count, gs.waitlisted_count) == (counts.get("registered", 0), counts.get("waitlisted", 0))
        me = db.session.scalar(select(Student.id).join(User, User.id == Student.user_id).where(User.username == "student0001"))
        mine = {r.status for r in db.session.scalars(select(Registration).where(Registration.student_id == me))}
        assert {"registered", "waitlisted"} <= mine
    pages = {
        "student0001": ["/sessions/", "/sessions/?show=mine", "/sessions/?show=past"],
        "alumni01": ["/sessions/hosting", "/sessions/profile"],
        "mentor01": ["/sessions/hosting"],
        "admin": ["/sessions/manage", "/sessions/alumni", f"/sessions/{full[0].id}/roster"],
    }
    for username, urls in pages.items():
        client = app.test_client()
        client.post("/auth/login", data={"username": username, "password": "demo-pass-123"})
        for url in urls:
            response = client.get(url, headers={"Accept-Language": "en"})
            assert response.status_code == 200, (username, url)
    mine_page = app.test_client()
    mine_page.post("/auth/login", data={"username": "student0001", "password": "demo-pass-123"})
    body = mine_page.get("/sessions/?show=mine", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Waitlist no. 3" in body and "Attended" in body
