"""Curated job postings, students' licences, precomputed recommendations and their feedback,
saved postings, mentors' referrals, and applications with their stage history."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
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


class JobPosting(db.Model):
    __tablename__ = "job_postings"
    __table_args__ = (
        Index("ix_job_postings_status_deadline", "status", "deadline"),
        Index("ix_job_postings_province", "province"),
        Index("ix_job_postings_post_type", "post_type"),
        Index("ix_job_postings_hospital_level", "hospital_level"),
        Index("ix_job_postings_grassroots", "grassroots"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    employer: Mapped[str] = mapped_column(String(200))
    unit_nature: Mapped[str] = mapped_column(String(24))
    hospital_level: Mapped[str] = mapped_column(String(4), default="")  # "" when not a graded hospital
    grassroots: Mapped[bool] = mapped_column(Boolean, default=False)
    grassroots_type: Mapped[str] = mapped_column(String(32), default="")
    emerging_field: Mapped[str] = mapped_column(String(32), default="")  # "" when not an emerging field
    province: Mapped[str] = mapped_column(String(16))
    city: Mapped[str] = mapped_column(String(64), default="")
    post_type: Mapped[str] = mapped_column(String(24))
    any_major: Mapped[bool] = mapped_column(Boolean, default=False)
    min_degree: Mapped[str] = mapped_column(String(16), default="bachelor")
    licence_required: Mapped[str] = mapped_column(String(24), default="")
    openings: Mapped[int] = mapped_column(Integer, default=1)
    salary_min: Mapped[int | None] = mapped_column(Integer)  # yuan per month
    salary_max: Mapped[int | None] = mapped_column(Integer)
    deadline: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")  # sanitised rich text
    source_url: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    majors: Mapped[list["PostingMajor"]] = relationship(
        back_populates="posting", cascade="all, delete-orphan", order_by="PostingMajor.position"
    )
    created_by: Mapped[User | None] = relationship()

    @property
    def major_names(self) -> list[str]:
        return [m.major for m in self.majors]


class PostingMajor(db.Model):
    """A major a posting accepts (a posting with none accepts any major: `any_major`)."""

    __tablename__ = "job_posting_majors"
    __table_args__ = (Index("ix_job_posting_majors_major", "major", "posting_id"),)

    posting_id: Mapped[int] = mapped_column(ForeignKey("job_postings.id", ondelete="CASCADE"), primary_key=True)
    major: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)

    posting: Mapped[JobPosting] = relationship(back_populates="majors")


class StudentLicence(db.Model):
    """A professional licence a student holds (the student profile has none)."""

    __tablename__ = "job_student_licences"
    __table_args__ = (UniqueConstraint("student_id", "licence", name="uq_job_student_licences_student_licence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    licence: Mapped[str] = mapped_column(String(24))
    obtained_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Recommendation(db.Model):
    """A precomputed match, replaced by each batch run: a student's top postings with score and reasons."""

    __tablename__ = "job_recommendations"
    __table_args__ = (Index("ix_job_recommendations_posting", "posting_id"),)

    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), primary_key=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("job_postings.id", ondelete="CASCADE"), primary_key=True)
    rank: Mapped[int] = mapped_column(SmallInteger)
    score: Mapped[int] = mapped_column(Integer)
    reason_bits: Mapped[int] = mapped_column(Integer, default=0)  # the rules that fired: matching.explain()
    discovery: Mapped[bool] = mapped_column(Boolean, default=False)  # surfaced though not asked for
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    posting: Mapped[JobPosting] = relationship()


class MatchFeedback(db.Model):
    """What a student did with a recommended posting; kept across batch runs.
    The funnel shown → viewed → saved → applied, and "not interested" with a reason."""

    __tablename__ = "job_match_feedback"
    __table_args__ = (Index("ix_job_match_feedback_dismissed", "student_id", "dismissed_at"),)

    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), primary_key=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("job_postings.id", ondelete="CASCADE"), primary_key=True)
    shown_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    viewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dismiss_reason: Mapped[str | None] = mapped_column(String(24))
    dismiss_note: Mapped[str | None] = mapped_column(String(500))
    score: Mapped[int | None] = mapped_column(Integer)  # the score when first shown

    posting: Mapped[JobPosting] = relationship()


class SavedPosting(db.Model):
    __tablename__ = "job_saved_postings"
    __table_args__ = (Index("ix_job_saved_postings_posting", "posting_id"),)

    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), primary_key=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("job_postings.id", ondelete="CASCADE"), primary_key=True)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    posting: Mapped[JobPosting] = relationship()


class Referral(db.Model):
    """A mentor pointing one posting out to one of their students, personally."""

    __tablename__ = "job_referrals"
    __table_args__ = (
        UniqueConstraint("student_id", "posting_id", "mentor_id", name="uq_job_referrals_student_posting_mentor"),
        Index("ix_job_referrals_student", "student_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    posting_id: Mapped[int] = mapped_column(ForeignKey("job_postings.id", ondelete="CASCADE"))
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(1000), default="")
    intervention_id: Mapped[int | None] = mapped_column(ForeignKey("interventions.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    posting: Mapped[JobPosting] = relationship()
    mentor: Mapped[User | None] = relationship()


class Application(db.Model):
    """A student's application to a curated posting or to a post found elsewhere."""

    __tablename__ = "job_applications"
    __table_args__ = (
        UniqueConstraint("student_id", "posting_id", name="uq_job_applications_student_posting"),
        Index("ix_job_applications_student", "student_id", "updated_at"),
        Index("ix_job_applications_posting", "posting_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    posting_id: Mapped[int | None] = mapped_column(ForeignKey("job_postings.id", ondelete="SET NULL"))
    # for posts found outside the portal (and a copy for curated ones, should the posting go)
    employer: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    source_url: Mapped[str] = mapped_column(String(500), default="")
    stage: Mapped[str] = mapped_column(String(16), default="submitted")
    stage_on: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    student: Mapped[Student] = relationship()
    posting: Mapped[JobPosting | None] = relationship()
    events: Mapped[list["ApplicationEvent"]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="ApplicationEvent.id"
    )


class ApplicationEvent(db.Model):
    """One stage an application reached, on which date, recorded by whom: the archive's entries."""

    __tablename__ = "job_application_events"
    __table_args__ = (Index("ix_job_application_events_student", "student_id", "recorded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("job_applications.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(16))
    stage_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(1000), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship(back_populates="events")


class PostingImport(db.Model):
    """An uploaded spreadsheet of postings between its preview and its confirmation."""

    __tablename__ = "job_posting_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
