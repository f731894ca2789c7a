"""One-to-one appointments: hosts, their slots, students' bookings, outcomes and booking campaigns."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    and_,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.extensions import db
from portal.models_base import UTCDateTime, utcnow
from portal.students.models import Student


class AppointmentKind(enum.StrEnum):
    MOCK_INTERVIEW = "mock_interview"
    CAREER_COUNSELING = "career_counseling"
    PSYCHOLOGICAL_COUNSELING = "psychological_counseling"  # hosts marked as counselors only
    RESUME_REVIEW = "resume_review"


class SlotStatus(enum.StrEnum):
    OPEN = "open"
    WITHDRAWN = "withdrawn"  # the host took it back; its booking, if any, is cancelled


class BookingStatus(enum.StrEnum):
    BOOKED = "booked"
    ATTENDED = "attended"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class HostProfile(db.Model):
    """What the office says about a host. The row is also the lock taken while a host's slots change,
    so that two requests cannot both pass the overlap check (see hosts.lock_host)."""

    __tablename__ = "appointment_hosts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # set by an administrator: only counselors publish psychological-counseling slots
    psychological_counselor: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class Slot(db.Model):
    """A time a host offers for one kind of appointment. Times are UTC."""

    __tablename__ = "appointment_slots"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        # the open-slot list, soonest first; its count and its host filter read the index alone
        Index("ix_appointment_slots_open", "status", "starts_at", "bookable_until", "host_id"),
        Index("ix_appointment_slots_host_time", "host_id", "starts_at"),
        Index("ix_appointment_slots_series", "series_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    location: Mapped[str | None] = mapped_column(String(200))
    online_link: Mapped[str | None] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(String(500))
    # the host's rules, kept as published, and the two moments they give
    min_notice_hours: Mapped[int] = mapped_column(Integer, default=24)
    cancel_deadline_hours: Mapped[int] = mapped_column(Integer, default=12)
    max_active_per_student: Mapped[int] = mapped_column(Integer, default=1)
    bookable_until: Mapped[datetime] = mapped_column(UTCDateTime)  # starts_at - min notice
    cancellable_until: Mapped[datetime] = mapped_column(UTCDateTime)  # starts_at - cancellation deadline
    status: Mapped[str] = mapped_column(String(16), default=SlotStatus.OPEN)
    series_key: Mapped[str | None] = mapped_column(String(32))  # slots published together as a weekly series
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdraw_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    host: Mapped[User] = relationship()
    bookings: Mapped[list["Booking"]] = relationship(back_populates="slot", order_by="Booking.id")
    active_booking: Mapped["Booking | None"] = relationship(
        primaryjoin=lambda: and_(Booking.slot_id == Slot.id, Booking.status != BookingStatus.CANCELLED),
        viewonly=True,
        uselist=False,
    )

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def online(self) -> bool:
        return bool(self.online_link)


class Booking(db.Model):
    """A student's booking of a slot. A slot never holds two bookings that are not cancelled:
    the partial unique index below refuses the second one, on SQLite and PostgreSQL alike."""

    __tablename__ = "appointment_bookings"
    __table_args__ = (
        Index(
            "uq_appointment_bookings_one_per_slot",
            "slot_id",
            unique=True,
            sqlite_where=text("status <> 'cancelled'"),
            postgresql_where=text("status <> 'cancelled'"),
        ),
        Index("ix_appointment_bookings_student_status", "student_id", "status"),
        Index("ix_appointment_bookings_status_reminded", "status", "reminded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("appointment_slots.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=BookingStatus.BOOKED)
    topic: Mapped[str | None] = mapped_column(String(300))  # what the student wants to work on
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancel_reason: Mapped[str | None] = mapped_column(String(300))
    rescheduled_to_id: Mapped[int | None] = mapped_column(ForeignKey("appointment_bookings.id", ondelete="SET NULL"))
    attendance_marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    no_show_excused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the day-before reminder went out

    slot: Mapped[Slot] = relationship(back_populates="bookings")
    student: Mapped[Student] = relationship()
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])
    outcome: Mapped["Outcome | None"] = relationship(back_populates="booking", uselist=False)


RUBRIC = ("professional_knowledge", "clinical_reasoning", "communication", "composure", "presentation")


class Outcome(db.Model):
    """What the host recorded after an attended appointment. Private notes of a psychological
    counseling are not here: they live only in the counselor's private intervention."""

    __tablename__ = "appointment_outcomes"
    __table_args__ = tuple(
        CheckConstraint(f"{name} IS NULL OR ({name} BETWEEN 1 AND 5)", name=f"{name}_1_to_5") for name in RUBRIC
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("appointment_bookings.id", ondelete="CASCADE"), unique=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # the mock-interview rubric, 1-5 each
    professional_knowledge: Mapped[int | None] = mapped_column(SmallInteger)
    clinical_reasoning: Mapped[int | None] = mapped_column(SmallInteger)
    communication: Mapped[int | None] = mapped_column(SmallInteger)
    composure: Mapped[int | None] = mapped_column(SmallInteger)
    presentation: Mapped[int | None] = mapped_column(SmallInteger)
    comments: Mapped[str | None] = mapped_column(Text)  # plain text, shown to the student
    intervention_id: Mapped[int | None] = mapped_column(ForeignKey("interventions.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    booking: Mapped[Booking] = relationship(back_populates="outcome")
    author: Mapped[User | None] = relationship()

    def scores(self) -> dict[str, int | None]:
        return {name: getattr(self, name) for name in RUBRIC}

    @property
    def has_scores(self) -> bool:
        return any(value is not None for value in self.scores().values())


class Campaign(db.Model):
    """A mentor's invitation to chosen caseload students to book one kind of appointment."""

    __tablename__ = "appointment_campaigns"
    __table_args__ = (Index("ix_appointment_campaigns_mentor", "mentor_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(120))
    message: Mapped[str | None] = mapped_column(Text)  # plain text
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    mentor: Mapped[User] = relationship()
    invites: Mapped[list["CampaignInvite"]] = relationship(back_populates="campaign", cascade="all, delete-orphan")


class CampaignInvite(db.Model):
    __tablename__ = "appointment_campaign_invites"
    __table_args__ = (UniqueConstraint("campaign_id", "student_id", name="uq_appointment_campaign_invites_campaign_student"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("appointment_campaigns.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))

    campaign: Mapped[Campaign] = relationship(back_populates="invites")
    student: Mapped[Student] = relationship()
