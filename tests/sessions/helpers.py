"""Factories for group-session tests: sessions written directly (past ones too) and registrations."""
from __future__ import annotations

from datetime import timedelta

from portal.extensions import db
from portal.models_base import utcnow
from portal.sessions.models import GroupSession, Registration, SessionStatus


def make_session(app, host, *, starts_in=timedelta(days=3), hours: float = 1.5, capacity: int = 30,
                 status: str = SessionStatus.PUBLISHED, kind: str = "career_lecture", title: str = "规培政策解读",
                 opens_ago=timedelta(days=1), closes_before_start=timedelta(0), place: str = "图书馆报告厅",
                 description: str = "<p>讲解住院医师规范化培训的报考与待遇。</p>") -> GroupSession:
    now = utcnow()
    starts = now + starts_in
    with app.app_context():
        gs = GroupSession(
            kind=kind, title=title, description=description, host_id=host.id, created_by_id=host.id,
            starts_at=starts, ends_at=starts + timedelta(hours=hours), place=place, capacity=capacity,
            registration_opens_at=min(now - opens_ago, starts - timedelta(minutes=1)),
            registration_closes_at=starts - closes_before_start, status=status,
            registered_count=0, waitlisted_count=0, next_position=0,
        )
        db.session.add(gs)
        db.session.commit()
        db.session.refresh(gs)
        db.session.expunge(gs)
        return gs


def seat(app, gs, student, *, status: str = "registered", attended: bool = False, rating: int | None = None,
         comment: str | None = None) -> Registration:
    """Put a student straight into a session (for sessions already past), keeping the counters right."""
    with app.app_context():
        row = db.session.get(GroupSession, gs.id)
        row.next_position += 1
        if status == "registered":
            row.registered_count += 1
        elif status == "waitlisted":
            row.waitlisted_count += 1
        registration = Registration(
            session_id=gs.id, student_id=student.id, status=status, position=row.next_position,
            registered_at=utcnow(), attended=attended, checked_in_at=utcnow() if attended else None,
            rating=rating, rating_comment=comment, rated_at=utcnow() if rating else None,
        )
        db.session.add(registration)
        db.session.commit()
        db.session.refresh(registration)
        db.session.expunge(registration)
        return registration


def load(app, model, obj_id):
    with app.app_context():
        obj = db.session.get(model, obj_id)
        db.session.expunge(obj)
        return obj
