"""Alumni volunteers' profiles: each keeps their own; the office reads them in a directory."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import Select, func, or_, select

from portal.accounts.models import Role, User
from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.models_base import utcnow
from portal.sessions.models import AlumniProfile, GroupSession, SessionStatus

MAX_TOPICS = 20
MAX_TOPIC_LENGTH = 40


def parse_topics(text: str | None) -> list[str]:
    """Topics typed one per line or separated by commas (either script), without repeats."""
    topics: list[str] = []
    for part in re.split(r"[\n,，、;；]+", text or ""):
        part = part.strip()[:MAX_TOPIC_LENGTH]
        if part and part not in topics:
            topics.append(part)
    return topics[:MAX_TOPICS]


def profile_of(user: User | int) -> AlumniProfile | None:
    user_id = user if isinstance(user, int) else user.id
    return db.session.scalar(select(AlumniProfile).where(AlumniProfile.user_id == user_id))


def save_profile(user: User, *, graduation_year: int, employer: str, post: str, major: str | None = None,
                 topics: list[str] | str | None = None, bio: str | None = None, show_on_sessions: bool = True,
                 now: datetime | None = None) -> AlumniProfile:
    """A volunteer keeps their own profile; administrators read it."""
    now = now or utcnow()
    if user.role != Role.ALUMNI:
        raise RuleViolation(_("Only alumni volunteers have a volunteer profile."), status=403)
    if not graduation_year or not 1950 <= graduation_year <= now.year + 1:
        raise RuleViolation(_("Give the year you graduated."), field="graduation_year")
    employer = (employer or "").strip()
    post = (post or "").strip()
    if not employer:
        raise RuleViolation(_("Give your employer."), field="employer")
    if not post:
        raise RuleViolation(_("Give your post."), field="post")
    if isinstance(topics, str) or topics is None:
        topics = parse_topics(topics)
    profile = profile_of(user)
    if profile is None:
        profile = AlumniProfile(user_id=user.id)
        db.session.add(profile)
    profile.graduation_year = graduation_year
    profile.major = (major or "").strip()[:100] or None
    profile.employer = employer[:200]
    profile.post = post[:100]
    profile.topics = list(topics)
    profile.bio = (bio or "").strip()[:2000] or None
    profile.show_on_sessions = bool(show_on_sessions)
    profile.updated_at = now
    db.session.flush()
    return profile


def alumni_directory(*, q: str | None = None) -> Select:
    """Every alumni account (with or without a profile yet), by username; searchable by name,
    employer or post. directory_details() loads the rest for a page of them."""
    stmt = (
        select(User)
        .outerjoin(AlumniProfile, AlumniProfile.user_id == User.id)
        .where(User.role == Role.ALUMNI)
        .order_by(User.username)
    )
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(User.display_name.ilike(like), AlumniProfile.employer.ilike(like),
                              AlumniProfile.post.ilike(like)))
    return stmt


def directory_details(user_ids: list[int]) -> dict[int, tuple[AlumniProfile | None, int]]:
    """Profiles and the number of published sessions hosted, for these volunteers, in two queries."""
    if not user_ids:
        return {}
    profiles = {p.user_id: p for p in db.session.scalars(select(AlumniProfile).where(AlumniProfile.user_id.in_(user_ids)))}
    hosted = dict(db.session.execute(
        select(GroupSession.host_id, func.count(GroupSession.id))
        .where(GroupSession.host_id.in_(user_ids), GroupSession.status == SessionStatus.PUBLISHED)
        .group_by(GroupSession.host_id)
    ).all())
    return {uid: (profiles.get(uid), int(hosted.get(uid, 0))) for uid in user_ids}
