"""Resumes: the working copy with its items and photo, submitted versions, and mentors' comments."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.extensions import db
from portal.models_base import UTCDateTime, utcnow
from portal.students.models import Student


class ResumeStatus(enum.StrEnum):
    DRAFT = "draft"  # never submitted, or the last submission was withdrawn
    WAITING = "waiting"  # a version waits for a mentor's review
    REVIEWED = "reviewed"  # the latest version has been reviewed


class VersionStatus(enum.StrEnum):
    WAITING = "waiting"
    REVIEWED = "reviewed"
    SUPERSEDED = "superseded"  # a newer submission replaced it before anyone reviewed it


class Resume(db.Model):
    """A student's resume as they are editing it (the working copy)."""

    __tablename__ = "resumes"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(8), default="zh")  # the document's language
    template: Mapped[str] = mapped_column(String(16), default="chinese")  # PDF layout
    basics: Mapped[dict] = mapped_column(JSON, default=dict)  # name, contact, birth month…
    intention: Mapped[dict] = mapped_column(JSON, default=dict)  # the post and place sought
    self_evaluation: Mapped[str] = mapped_column(Text, default="")
    has_photo: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default=ResumeStatus.DRAFT)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    student: Mapped[Student] = relationship()
    items: Mapped[list["ResumeItem"]] = relationship(
        back_populates="resume", cascade="all, delete-orphan", passive_deletes=True,
        order_by="(ResumeItem.section, ResumeItem.position, ResumeItem.id)",
    )
    versions: Mapped[list["ResumeVersion"]] = relationship(
        back_populates="resume", cascade="all, delete-orphan", passive_deletes=True, order_by="ResumeVersion.number",
    )


class ResumeItem(db.Model):
    """One entry of a list section (an education, a rotation, a licence…); its fields are in `data`."""

    __tablename__ = "resume_items"
    __table_args__ = (Index("ix_resume_items_resume_section", "resume_id", "section", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resume_id: Mapped[int] = mapped_column(ForeignKey("resumes.id", ondelete="CASCADE"))
    section: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[dict] = mapped_column(JSON, default=dict)

    resume: Mapped[Resume] = relationship(back_populates="items")


class ResumePhoto(db.Model):
    """The photo of a resume, re-encoded on upload; kept apart so that loading a resume never loads it."""

    __tablename__ = "resume_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    resume_id: Mapped[int] = mapped_column(ForeignKey("resumes.id", ondelete="CASCADE"), unique=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    mime: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))  # sha256 of data, for ETags
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ResumeVersion(db.Model):
    """A snapshot taken when the student submits the resume for review."""

    __tablename__ = "resume_versions"
    __table_args__ = (
        UniqueConstraint("resume_id", "number", name="uq_resume_versions_resume_number"),
        Index("ix_resume_versions_status_waiting", "status", "waiting_since"),
        Index("ix_resume_versions_student", "student_id", "status"),
        Index("ix_resume_versions_reviewer", "reviewed_by_id", "reviewed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resume_id: Mapped[int] = mapped_column(ForeignKey("resumes.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict] = mapped_column(JSON)  # the document as it was (see documents.document_of)
    note: Mapped[str] = mapped_column(Text, default="")  # the student's note to the mentor, plain text
    status: Mapped[str] = mapped_column(String(16), default=VersionStatus.WAITING)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # when the student started waiting: a resubmission before review keeps its place in the queue
    waiting_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    review_summary: Mapped[str | None] = mapped_column(Text)  # sanitised rich text

    resume: Mapped[Resume] = relationship(back_populates="versions")
    student: Mapped[Student] = relationship()
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])


class ResumeComment(db.Model):
    """A mentor's comment on a section or item of a version, or a reply in its thread."""

    __tablename__ = "resume_comments"
    __table_args__ = (Index("ix_resume_comments_resume", "resume_id", "parent_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resume_id: Mapped[int] = mapped_column(ForeignKey("resumes.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("resume_versions.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("resume_comments.id", ondelete="CASCADE"))
    section: Mapped[str] = mapped_column(String(16))
    item_id: Mapped[int | None] = mapped_column(Integer)  # no foreign key: the item may be removed later
    anchor_label: Mapped[str] = mapped_column(String(200), default="")  # the item as it read then
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)  # sanitised rich text
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    replies: Mapped[list["ResumeComment"]] = relationship(
        order_by="ResumeComment.id", cascade="all, delete-orphan", passive_deletes=True,
    )
    version: Mapped[ResumeVersion] = relationship()

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
