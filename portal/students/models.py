"""Students and what the office knows of them: profile, hardship ledger, caseloads, interventions."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.extensions import db
from portal.models_base import UTCDateTime, utcnow


class DegreeLevel(enum.StrEnum):
    BACHELOR = "bachelor"  # 本科
    MASTER = "master"  # 硕士
    DOCTOR = "doctor"  # 博士


class Gender(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"


class Origin(enum.StrEnum):
    URBAN = "urban"
    RURAL = "rural"


class Standing(enum.StrEnum):
    GOOD = "good"
    WARNING = "warning"  # 学业预警
    PROBATION = "probation"


class Priority(enum.StrEnum):
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class Student(db.Model):
    __tablename__ = "students"
    __table_args__ = (
        Index("ix_students_college_major", "college", "major"),
        Index("ix_students_graduation_year", "graduation_year"),
        Index("ix_students_national_id_hash", "national_id_hash"),
        Index("ix_students_cohort", "cohort"),
        Index("ix_students_class_name", "class_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    student_no: Mapped[str] = mapped_column(String(32), unique=True)
    gender: Mapped[str | None] = mapped_column(String(8))
    college: Mapped[str] = mapped_column(String(100))
    major: Mapped[str] = mapped_column(String(100))
    degree_level: Mapped[str] = mapped_column(String(16))
    cohort: Mapped[int | None] = mapped_column(SmallInteger)  # year of entry
    graduation_year: Mapped[int] = mapped_column(SmallInteger)
    class_name: Mapped[str | None] = mapped_column(String(100))
    home_province: Mapped[str | None] = mapped_column(String(32))
    origin: Mapped[str | None] = mapped_column(String(8))
    phone: Mapped[str | None] = mapped_column(String(32))
    academic_standing: Mapped[str] = mapped_column(String(16), default=Standing.GOOD)
    priority: Mapped[str] = mapped_column(String(8), default=Priority.NORMAL)
    # national ID: only a keyed hash for matching government lists, and a masked form to show
    national_id_hash: Mapped[str | None] = mapped_column(String(64))
    national_id_masked: Mapped[str | None] = mapped_column(String(24))

    # job-search intentions (the student keeps these up to date)
    intended_regions: Mapped[list] = mapped_column(JSON, default=list)  # provinces
    intended_hospital_levels: Mapped[list] = mapped_column(JSON, default=list)
    intended_post_types: Mapped[list] = mapped_column(JSON, default=list)
    grassroots_openness: Mapped[str | None] = mapped_column(String(8))  # yes / maybe / no
    further_study: Mapped[str | None] = mapped_column(String(16))  # none / domestic / abroad
    standardized_training: Mapped[bool] = mapped_column(Boolean, default=False)  # 规培
    intentions_note: Mapped[str | None] = mapped_column(Text)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()
    claims: Mapped[list["HardshipClaim"]] = relationship(back_populates="student", cascade="all, delete-orphan")
    assignments: Mapped[list["MentorAssignment"]] = relationship(back_populates="student", cascade="all, delete-orphan")

    @property
    def name(self) -> str:
        return self.user.display_name


class HardshipCategory(enum.StrEnum):
    POVERTY_ALLEVIATED = "poverty_alleviated"  # 脱贫家庭(原建档立卡)
    LOW_INCOME_GUARANTEE = "low_income_guarantee"  # 城乡低保
    ZERO_EMPLOYMENT_FAMILY = "zero_employment_family"  # 零就业家庭
    DISABLED = "disabled"  # 残疾
    ORPHAN = "orphan"  # 孤儿/事实无人抚养
    EXTREME_POVERTY_SUPPORT = "extreme_poverty_support"  # 特困供养
    LOW_INCOME_FAMILY = "low_income_family"  # 低收入家庭
    FINANCIAL_HARDSHIP = "financial_hardship"  # 家庭经济困难 (with a level)
    OTHER = "other"


class HardshipLevel(enum.StrEnum):
    SPECIAL = "special"  # 特别困难
    HARDSHIP = "hardship"  # 困难
    GENERAL = "general"  # 一般困难


class ClaimSource(enum.StrEnum):
    SELF_DECLARED = "self_declared"
    GOVERNMENT_LIST = "government_list"
    COUNSELOR = "counselor"
    DATA_SIGNAL = "data_signal"


class ClaimStatus(enum.StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    NEEDS_MORE = "needs_more"


class HardshipClaim(db.Model):
    """One hardship category a student holds or claims; its status follows the latest verification."""

    __tablename__ = "hardship_claims"
    __table_args__ = (
        UniqueConstraint("student_id", "category", name="uq_hardship_claims_student_category"),
        Index("ix_hardship_claims_category_status", "category", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    level: Mapped[str | None] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(24))
    evidence_notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=ClaimStatus.PENDING)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # the latest decision, copied from its Verification so the ledger lists it without a join per row
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    student: Mapped[Student] = relationship(back_populates="claims")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    verifications: Mapped[list["Verification"]] = relationship(
        back_populates="claim", cascade="all, delete-orphan", order_by="Verification.decided_at"
    )


class Verification(db.Model):
    """One check of a claim: the checklist as it was ticked, the decision, who and when."""

    __tablename__ = "verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("hardship_claims.id", ondelete="CASCADE"), index=True)
    checklist: Mapped[dict] = mapped_column(JSON, default=dict)  # item key -> checked
    decision: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    claim: Mapped[HardshipClaim] = relationship(back_populates="verifications")
    decided_by: Mapped[User | None] = relationship()


class ChecklistItem(db.Model):
    """A configurable item of the verification checklist."""

    __tablename__ = "checklist_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(48), unique=True)
    label_zh: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class AssignmentKind(enum.StrEnum):
    PRIMARY = "primary"  # the student's main career mentor
    PSYCHOLOGICAL = "psychological"
    CLASS_COUNSELOR = "class_counselor"
    OTHER = "other"


class MentorAssignment(db.Model):
    """A student on a mentor's caseload. At most one primary mentor per student."""

    __tablename__ = "mentor_assignments"
    __table_args__ = (
        UniqueConstraint("student_id", "mentor_id", name="uq_mentor_assignments_student_mentor"),
        Index(
            "uq_mentor_assignments_one_primary",
            "student_id",
            unique=True,
            sqlite_where=text("kind = 'primary'"),
            postgresql_where=text("kind = 'primary'"),
        ),
        Index("ix_mentor_assignments_mentor", "mentor_id", "student_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16), default=AssignmentKind.PRIMARY)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    student: Mapped[Student] = relationship(back_populates="assignments")
    mentor: Mapped[User] = relationship(foreign_keys=[mentor_id])


class InterventionType(enum.StrEnum):
    TALK = "talk"
    PHONE_INTERVIEW = "phone_interview"
    HOME_VISIT = "home_visit"
    RESUME_COACHING = "resume_coaching"
    MOCK_INTERVIEW = "mock_interview"
    CAREER_COUNSELING = "career_counseling"
    PSYCHOLOGICAL_COUNSELING = "psychological_counseling"
    JOB_REFERRAL = "job_referral"
    SKILLS_TRAINING_REFERRAL = "skills_training_referral"
    FINANCIAL_HELP = "financial_help"
    OTHER = "other"


class Channel(enum.StrEnum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    ONLINE = "online"
    HOME_VISIT = "home_visit"
    MESSAGE = "message"


class Visibility(enum.StrEnum):
    PRIVATE = "private"  # the author only
    MENTORS = "mentors"  # the student's mentors and admins
    STUDENT = "student"  # also the student


class Intervention(db.Model):
    """One logged act of support. Edits keep the earlier text in InterventionRevision."""

    __tablename__ = "interventions"
    __table_args__ = (
        Index("ix_interventions_student_occurred", "student_id", "occurred_at"),
        Index("ix_interventions_follow_up", "follow_up_on", "follow_up_done"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    type: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16), default=Channel.IN_PERSON)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)  # sanitised rich text
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    follow_up_done: Mapped[bool] = mapped_column(Boolean, default=False)
    visibility: Mapped[str] = mapped_column(String(16), default=Visibility.MENTORS)
    # where it came from when another feature logged it (e.g. "resume_review", 17)
    source: Mapped[str | None] = mapped_column(String(32))
    source_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    student: Mapped[Student] = relationship()
    author: Mapped[User | None] = relationship()
    revisions: Mapped[list["InterventionRevision"]] = relationship(
        back_populates="intervention", cascade="all, delete-orphan", order_by="InterventionRevision.edited_at"
    )


class InterventionRevision(db.Model):
    __tablename__ = "intervention_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    intervention_id: Mapped[int] = mapped_column(ForeignKey("interventions.id", ondelete="CASCADE"), index=True)
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    before: Mapped[dict] = mapped_column(JSON)  # the fields as they were before this edit

    intervention: Mapped[Intervention] = relationship(back_populates="revisions")
    edited_by: Mapped[User | None] = relationship()


class ProfileChange(db.Model):
    """A change to a student's profile, for the archive: which fields, from what, to what, by whom."""

    __tablename__ = "profile_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changes: Mapped[dict] = mapped_column(JSON)  # field -> [old, new]

    changed_by: Mapped[User | None] = relationship()


class ListMatch(db.Model):
    """A student found on a certification list without that category in the ledger: to follow up discreetly."""

    __tablename__ = "list_matches"
    __table_args__ = (
        UniqueConstraint("student_id", "category", "list_name", name="uq_list_matches_student_category_list"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    list_name: Mapped[str] = mapped_column(String(200))
    matched_by: Mapped[str] = mapped_column(String(16))  # student_no / national_id
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution: Mapped[str | None] = mapped_column(String(200))

    student: Mapped[Student] = relationship()


class SpendingRecord(db.Model):
    """A month of campus-card canteen spending: the data behind hidden-hardship signals."""

    __tablename__ = "spending_records"
    __table_args__ = (
        UniqueConstraint("student_id", "month", name="uq_spending_records_student_month"),
        # the latest months of data are found by walking this index (signals.latest_months)
        Index("ix_spending_records_month", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    canteen_amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    meal_count: Mapped[int] = mapped_column(Integer)


class ImportBatch(db.Model):
    """One committed import: who imported which file, when, and what it changed."""

    __tablename__ = "import_batches"
    __table_args__ = (Index("ix_import_batches_kind_at", "kind", "imported_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # roster / list / spending
    filename: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)  # created, updated, unchanged, flagged…
    options: Mapped[dict] = mapped_column(JSON, default=dict)  # e.g. the list's category and name
    via: Mapped[str] = mapped_column(String(8), default="web")  # web / cli
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    imported_by: Mapped[User | None] = relationship()


class SignalStatus(enum.StrEnum):
    OPEN = "open"  # waiting for a counselor's discreet check
    DISMISSED = "dismissed"  # checked: no follow-up needed (a reason is kept)
    CLAIMED = "claimed"  # a claim was opened for verification


class SpendingSignal(db.Model):
    """A student whose canteen spending stayed under the thresholds for the set number of months.

    `active` is true while the latest imported months still meet the thresholds; a dismissal holds
    for that stretch, and a new stretch after the student stopped meeting them raises a new signal.
    """

    __tablename__ = "spending_signals"
    __table_args__ = (
        Index("ix_spending_signals_active_status", "active", "status"),
        Index(
            "uq_spending_signals_one_active",
            "student_id",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=SignalStatus.OPEN)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    months: Mapped[list] = mapped_column(JSON, default=list)  # the months that met the thresholds
    avg_amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    avg_meals: Mapped[int] = mapped_column(Integer)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(String(200))
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("hardship_claims.id", ondelete="SET NULL"))

    student: Mapped[Student] = relationship()
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
