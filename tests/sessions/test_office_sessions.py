"""The employment office schedules group sessions itself: published at once, no approval step,
and students can register."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models_base import utcnow
from portal.sessions.models import GroupSession

EN = {"Accept-Language": "en"}


def test_an_administrator_creates_a_session_students_can_join(app, client_as, users):
    start = (utcnow() + timedelta(days=7)).strftime("%Y-%m-%dT10:00")
    admin = client_as("admin")
    response = admin.post("/sessions/new", data={
        "kind": "skills_training", "title": "结构化面试技能训练营", "description": "免费参加，提供面试真题",
        "starts_at": start, "duration_minutes": "120", "place": "就业指导中心 201", "capacity": "40",
    }, headers=EN)
    assert response.status_code == 302
    with app.app_context():
        gs = db.session.scalar(select(GroupSession))
        assert (gs.status, gs.host_id, gs.capacity) == ("published", users["admin"].id, 40)
    listing = client_as("student").get("/sessions/", headers=EN).get_data(as_text=True)
    assert "结构化面试技能训练营" in listing
