"""Group sessions (团体活动), their registrations and waitlists, and alumni volunteers' profiles."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.extensions import db
from portal.models_base import UTCDateTime, utcnow
from portal.students.models import Student


class SessionKind(enum.StrEnum):
    ALUMNI_SHARING = "alumni_sharing"  # 校友分享
    GROUP_COUNSELING = "group_counseling"  # 团体辅导
    CAREER_LECTURE = "career_lecture"  # 就业讲座
    SKILLS_TRAINING = "skills_training"  # 技能培训 (OSCE, interview skills…)


class SessionStatus(enum.StrEnum):
    PROPOSED = "proposed"  # an alumnus proposed it; an administrator has not decided yet
    DECLINED = "declined"  # the proposal was declined, with a reason
    PUBLISHED = "published"  # students see it and may register in its window
    CANCELLED = "cancelled"


class RegistrationStatus(enum.StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class AlumniProfile(db.Model):
    """What an alumni volunteer tells the office about themselves; they keep it up to date."""

    __tablename__ = "alumni_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    graduation_year: Mapped[int] = mapped_column(SmallInteger)
    major: Mapped[str | None] = mapped_column(String(100))
    employer: Mapped[str] = mapped_column(String(200))
    post: Mapped[str] = mapped_column(String(100))
    topics: Mapped[list] = mapped_column(JSON, default=list)  # short phrases they can speak on
    bio: Mapped[str | None] = mapped_column(Text)  # plain text
    # whether students see the employer and post beside the volunteer's name on session pages
    show_on_sessions: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()


class GroupSession(db.Model):
    """One group session. The counters are changed only while the row is locked
    (locking.lock_session), so that seats and waitlist places are handed out in order."""

    __tablename__ = "group_sessions"
    __table_args__ = (
        Index("ix_group_sessions_status_starts", "status", "starts_at"),
        Index("ix_group_sessions_host_starts", "host_id", "starts_at"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        # the database itself refuses a seat beyond the capacity
        CheckConstraint("registered_count >= 0 AND registered_count <= capacity", name="seats_within_capacity"),
        CheckConstraint("waitlisted_count >= 0", name="waitlist_not_negative"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")  # sanitised rich text
    host_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer)
    registration_opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=SessionStatus.PUBLISHED)
    review_note: Mapped[str | None] = mapped_column(Text)  # why a proposal was declined
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registered_count: Mapped[int] = mapped_column(Integer, default=0)
    waitlisted_count: Mapped[int] = mapped_column(Integer, default=0)
    # the last arrival position handed out: every registration takes the next one
    next_position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    host: Mapped[User] = relationship(foreign_keys=[host_id])

    @property
    def seats_left(self) -> int:
        return max(0, self.capacity - self.registered_count)

    @property
    def is_full(self) -> bool:
        return self.registered_count >= self.capacity


class Registration(db.Model):
    """A student's place in a session: a seat or a waitlist place, in arrival order.
    A cancelled registration keeps its row; registering again takes a new position at the back."""

    __tablename__ = "session_registrations"
    __table_args__ = (
        UniqueConstraint("session_id", "student_id", name="uq_session_registrations_session_student"),
        UniqueConstraint("session_id", "position", name="uq_session_registrations_session_position"),
        Index("ix_session_registrations_session_status_position", "session_id", "status", "position"),
        Index("ix_session_registrations_student", "student_id"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attended: Mapped[bool] = mapped_column(Boolean, default=False)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    rating_comment: Mapped[str | None] = mapped_column(Text)  # plain text
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    session: Mapped[GroupSession] = relationship()
    student: Mapped[Student] = relationship()
