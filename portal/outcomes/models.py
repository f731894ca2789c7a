"""Graduates' destinations and their history, follow-up calls, anonymous surveys and feedback on measures."""
from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    JSON,
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
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.extensions import db
from portal.models_base import UTCDateTime, utcnow
from portal.students.models import Student


class Destination(db.Model):
    """One record of where a graduate is going. Records are never overwritten: a new one
    supersedes the old, and only the current one (is_current) counts in the figures."""

    __tablename__ = "destinations"
    __table_args__ = (
        # one current record per student; the figures join students to it
        Index(
            "uq_destinations_one_current",
            "student_id",
            unique=True,
            sqlite_where=text("is_current = 1"),
            postgresql_where=text("is_current"),
        ),
        Index("ix_destinations_student_recorded", "student_id", "recorded_at"),
        # the dashboard's cache asks for the latest change on every visit
        Index("ix_destinations_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(24))  # a key of categories.CATEGORIES
    employer: Mapped[str | None] = mapped_column(String(200))  # unit, or school for further study
    unit_nature: Mapped[str | None] = mapped_column(String(24))
    industry: Mapped[str | None] = mapped_column(String(4))
    hospital_level: Mapped[str | None] = mapped_column(String(12))
    post_type: Mapped[str | None] = mapped_column(String(16))
    province: Mapped[str | None] = mapped_column(String(16))
    city: Mapped[str | None] = mapped_column(String(50))
    country: Mapped[str | None] = mapped_column(String(50))  # outside mainland China
    grassroots: Mapped[bool] = mapped_column(Boolean, default=False)
    relation_to_major: Mapped[str | None] = mapped_column(String(12))
    salary_band: Mapped[str | None] = mapped_column(String(8))
    decided_on: Mapped[date | None] = mapped_column(Date)  # offer signed, admission, enlistment
    note: Mapped[str | None] = mapped_column(Text)  # plain text
    source: Mapped[str] = mapped_column(String(16))  # student / mentor / follow_up / import
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    student: Mapped[Student] = relationship()
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])


class DestinationImport(db.Model):
    """An uploaded destination spreadsheet, checked row by row and kept until it is applied."""

    __tablename__ = "destination_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[list] = mapped_column(JSON, default=list)  # the checked rows, ready to write
    errors: Mapped[list] = mapped_column(JSON, default=list)  # [row number, column, message]
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    verified: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(12), default="previewed")  # previewed / applied / discarded
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User | None] = relationship()


class FollowUp(db.Model):
    """A call or visit to a graduate after graduation, and what came of it."""

    __tablename__ = "follow_ups"
    __table_args__ = (Index("ix_follow_ups_student", "student_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    channel: Mapped[str] = mapped_column(String(16), default="phone")
    result: Mapped[str] = mapped_column(String(16))  # reached / not_reached / status_changed / needs_help
    notes: Mapped[str | None] = mapped_column(Text)  # plain text
    destination_id: Mapped[int | None] = mapped_column(ForeignKey("destinations.id", ondelete="SET NULL"))
    intervention_id: Mapped[int | None] = mapped_column(ForeignKey("interventions.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    student: Mapped[Student] = relationship()
    author: Mapped[User | None] = relationship()
    destination: Mapped[Destination | None] = relationship()


# --- anonymous surveys ----------------------------------------------------------------------
# See portal/outcomes/surveys.py for the threat model. The tables that hold answers have random
# UUID keys, no time, no user and no address; on SQLite they are WITHOUT ROWID so that not even
# the storage order follows the order of submission.

class Survey(db.Model):
    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    intro: Mapped[str | None] = mapped_column(Text)
    graduation_year: Mapped[int | None] = mapped_column(SmallInteger)  # None: every class
    programme_only: Mapped[bool] = mapped_column(Boolean, default=False)  # only the support programme
    questions: Mapped[list] = mapped_column(JSON, default=list)  # [{key, kind, text, options}]
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft / open / closed
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SurveyParticipation(db.Model):
    """Who has answered, kept apart from the answers: no time, no order, nothing else."""

    __tablename__ = "survey_participations"
    __table_args__ = {"sqlite_with_rowid": False}

    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), primary_key=True)


class SurveySealedAnswer(db.Model):
    """Answers waiting to be mixed into the results with others, encrypted meanwhile."""

    __tablename__ = "survey_sealed_answers"
    __table_args__ = {"sqlite_with_rowid": False}

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class SurveyResponse(db.Model):
    __tablename__ = "survey_responses"
    __table_args__ = {"sqlite_with_rowid": False}

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)


class SurveyAnswer(db.Model):
    __tablename__ = "survey_answers"
    __table_args__ = (
        Index("ix_survey_answers_survey_question", "survey_id", "question_key"),
        {"sqlite_with_rowid": False},
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    response_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("survey_responses.id", ondelete="CASCADE"), index=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    question_key: Mapped[str] = mapped_column(String(16))
    value_int: Mapped[int | None] = mapped_column(SmallInteger)  # a rating, or the chosen option's index
    value_text: Mapped[str | None] = mapped_column(Text)


# --- feedback on support measures -------------------------------------------------------------

class Feedback(db.Model):
    """A student's rating and comment on one support measure they received (an intervention,
    a session, a booking…), named generically by (measure_type, measure_id)."""

    __tablename__ = "measure_feedback"
    __table_args__ = (
        UniqueConstraint("student_id", "measure_type", "measure_id", name="uq_measure_feedback_student_measure"),
        Index("ix_measure_feedback_measure", "measure_type", "measure_id"),
        # the feedback list shows the latest first, and the dashboard's cache watches the latest change
        Index("ix_measure_feedback_updated_at", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    measure_type: Mapped[str] = mapped_column(String(24))
    measure_id: Mapped[int] = mapped_column(Integer)
    rating: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)  # plain text
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    student: Mapped[Student] = relationship()
