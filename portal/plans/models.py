"""Questionnaires and their rounds, interest-inventory results, support plans, and the job-seeking subsidy."""
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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.extensions import db
from portal.models_base import UTCDateTime, utcnow
from portal.students.models import HardshipClaim, Student

# --- intake questionnaire ------------------------------------------------------------------

class QuestionnaireStatus(enum.StrEnum):
    DRAFT = "draft"  # being written; students never see it
    PUBLISHED = "published"  # may be used by rounds
    RETIRED = "retired"  # replaced by a newer version; kept for the answers given to it


class QuestionKind(enum.StrEnum):
    SINGLE = "single"  # one option
    MULTIPLE = "multiple"  # any options
    SCALE = "scale"  # 1–5
    TEXT = "text"  # a short text


class Section(enum.StrEnum):
    BARRIERS = "barriers"
    SKILLS = "skills"
    INTERESTS = "interests"
    HELP = "help"
    OTHER = "other"


class Questionnaire(db.Model):
    """One version of the intake questionnaire. Questions keep stable keys across versions."""

    __tablename__ = "questionnaires"

    id: Mapped[int] = mapped_column(primary_key=True)
    # set on the questionnaire the portal ships ("default-intake"), so seeding it is idempotent
    builtin_key: Mapped[str | None] = mapped_column(String(32), unique=True)
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    intro_zh: Mapped[str | None] = mapped_column(Text)
    intro_en: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default=QuestionnaireStatus.DRAFT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    questions: Mapped[list["Question"]] = relationship(
        back_populates="questionnaire", cascade="all, delete-orphan", order_by="Question.position"
    )


class Question(db.Model):
    __tablename__ = "questionnaire_questions"
    __table_args__ = (UniqueConstraint("questionnaire_id", "key", name="uq_questionnaire_questions_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # stable across versions: answers of different rounds are compared by key
    key: Mapped[str] = mapped_column(String(48))
    section: Mapped[str] = mapped_column(String(16), default=Section.OTHER)
    kind: Mapped[str] = mapped_column(String(16))
    text_zh: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    # choices: [{"key", "zh", "en"}]; scale: optional anchors [{"key": "low"|"high", "zh", "en"}]
    options: Mapped[list] = mapped_column(JSON, default=list)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    # about psychological barriers: every staff view of an answer to it is audited
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="questions")


class QuestionnaireRound(db.Model):
    """A survey round (e.g. autumn and spring of the final year): answers are kept per round."""

    __tablename__ = "questionnaire_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    questionnaire: Mapped[Questionnaire] = relationship()


class ResponseStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class QuestionnaireResponse(db.Model):
    """One student's answers in one round, keyed by question key."""

    __tablename__ = "questionnaire_responses"
    __table_args__ = (
        UniqueConstraint("student_id", "round_id", name="uq_questionnaire_responses_student_round"),
        Index("ix_questionnaire_responses_round_status", "round_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_rounds.id", ondelete="CASCADE"))
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id", ondelete="RESTRICT"), index=True)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=ResponseStatus.DRAFT)
    # who last saved it; on_behalf when a mentor filled it in after a talk or phone interview
    filled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[str | None] = mapped_column(String(24))  # talk / phone_interview, when on behalf
    intervention_id: Mapped[int | None] = mapped_column(ForeignKey("interventions.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    student: Mapped[Student] = relationship()
    round: Mapped[QuestionnaireRound] = relationship()
    questionnaire: Mapped[Questionnaire] = relationship()
    filled_by: Mapped[User | None] = relationship()


# --- career-interest inventory ------------------------------------------------------------

class InterestResult(db.Model):
    """One completed RIASEC inventory: the item answers, the six scale scores and the code."""

    __tablename__ = "interest_results"
    __table_args__ = (Index("ix_interest_results_student_taken", "student_id", "taken_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    answers: Mapped[dict] = mapped_column(JSON)  # item id ("R1") -> 1..5
    scores: Mapped[dict] = mapped_column(JSON)  # "R".."C" -> 8..40
    code: Mapped[str] = mapped_column(String(3))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    student: Mapped[Student] = relationship()


# --- one student, one plan ----------------------------------------------------------------

class GoalStatus(enum.StrEnum):
    SUGGESTED = "suggested"  # proposed by a rule; the mentor accepts, edits or drops it
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


class GoalOwner(enum.StrEnum):
    STUDENT = "student"
    MENTOR = "mentor"


class SupportPlan(db.Model):
    """The student's one-student-one-plan (一生一策), reviewed by the mentor on set dates."""

    __tablename__ = "support_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), unique=True)
    summary: Mapped[str | None] = mapped_column(Text)
    review_on: Mapped[date | None] = mapped_column(Date, index=True)
    last_reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    student: Mapped[Student] = relationship()
    last_reviewed_by: Mapped[User | None] = relationship(foreign_keys=[last_reviewed_by_id])
    goals: Mapped[list["PlanGoal"]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanGoal.position, PlanGoal.id"
    )


class PlanGoal(db.Model):
    """A goal with its measures, owner, due date and status."""

    __tablename__ = "plan_goals"
    __table_args__ = (Index("ix_plan_goals_plan_status_due", "plan_id", "status", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("support_plans.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    measures: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(16), default=GoalOwner.STUDENT)
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=GoalStatus.OPEN)
    # a suggestion remembers the rule and why it applied (staff only)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("plan_rules.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    plan: Mapped[SupportPlan] = relationship(back_populates="goals")


class PlanEvent(db.Model):
    """A change to a plan, for the student's archive: created, goal added/accepted/done/dropped, reviewed."""

    __tablename__ = "plan_events"
    __table_args__ = (Index("ix_plan_events_student_at", "student_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("support_plans.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("plan_goals.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(24))
    # e.g. the goal's title at the time, the review note; shown as plain text
    detail: Mapped[str | None] = mapped_column(Text)
    # events about suggestions that were never accepted stay with the staff
    staff_only: Mapped[bool] = mapped_column(Boolean, default=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship()


class RuleOperator(enum.StrEnum):
    ANY_OF = "any_of"  # a choice answer includes one of the listed option keys
    AT_LEAST = "at_least"  # a scale answer is at least the value
    AT_MOST = "at_most"  # a scale answer is at most the value
    INTEREST_TOP = "interest_top"  # one of the listed letters is among the first two of the interest code
    INTEREST_MISSING = "interest_missing"  # the student has not taken the interest inventory


class PlanRule(db.Model):
    """An administrator-editable row of the suggestion table: when … then suggest this goal and measures."""

    __tablename__ = "plan_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    name_zh: Mapped[str] = mapped_column(String(200))  # the reason shown to the mentor
    name_en: Mapped[str] = mapped_column(String(200))
    question_key: Mapped[str | None] = mapped_column(String(48))
    operator: Mapped[str] = mapped_column(String(24))
    value: Mapped[str | None] = mapped_column(String(200))
    goal_zh: Mapped[str] = mapped_column(String(200))
    goal_en: Mapped[str] = mapped_column(String(200))
    measures_zh: Mapped[str | None] = mapped_column(Text)
    measures_en: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(16), default=GoalOwner.STUDENT)
    due_in_days: Mapped[int] = mapped_column(Integer, default=30)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


# --- job-seeking subsidy and money for the search ------------------------------------------

class StudentLoan(db.Model):
    """The student holds a national student loan (国家助学贷款): one basis of subsidy eligibility."""

    __tablename__ = "student_loans"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # campus / home (校园地 / 生源地信用助学贷款)
    note: Mapped[str | None] = mapped_column(String(300))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SubsidyStatus(enum.StrEnum):
    APPLIED = "applied"
    SCHOOL_CHECKED = "school_checked"
    PUBLICLY_LISTED = "publicly_listed"  # 公示
    APPROVED = "approved"  # by the local human-resources and social-security bureau
    PAID = "paid"
    REJECTED = "rejected"


SUBSIDY_STEPS = (
    SubsidyStatus.APPLIED,
    SubsidyStatus.SCHOOL_CHECKED,
    SubsidyStatus.PUBLICLY_LISTED,
    SubsidyStatus.APPROVED,
    SubsidyStatus.PAID,
)


class SubsidyApplication(db.Model):
    """One graduate's application for the one-off job-seeking subsidy (一次性求职创业补贴)."""

    __tablename__ = "subsidy_applications"
    __table_args__ = (
        UniqueConstraint("student_id", "year", name="uq_subsidy_applications_student_year"),
        Index("ix_subsidy_applications_year_status", "year", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(SmallInteger)  # graduation year
    category: Mapped[str] = mapped_column(String(32))  # the basis: a hardship category or "student_loan"
    province: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    status: Mapped[str] = mapped_column(String(16), default=SubsidyStatus.APPLIED)
    rejected_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    student: Mapped[Student] = relationship()
    steps: Mapped[list["SubsidyStep"]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="SubsidyStep.id"
    )


class SubsidyStep(db.Model):
    """One step an application went through: when, by whom, with an optional note."""

    __tablename__ = "subsidy_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("subsidy_applications.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(300))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[SubsidyApplication] = relationship(back_populates="steps")
    by: Mapped[User | None] = relationship()


class HelpKind(enum.StrEnum):
    TRAVEL = "travel"  # travel and lodging for interviews
    PRINTING = "printing"  # free printing of resumes and documents
    CLOTHING = "clothing"  # interview clothing
    OTHER = "other"


class HelpGiven(db.Model):
    """Money or goods given for the job search; each is also logged as a financial_help intervention."""

    __tablename__ = "help_given"
    __table_args__ = (Index("ix_help_given_student_given", "student_id", "given_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    given_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(300))
    intervention_id: Mapped[int | None] = mapped_column(ForeignKey("interventions.id", ondelete="SET NULL"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recorded_by: Mapped[User | None] = relationship()


# The ledger ("a verified claim") and subsidy eligibility ("a verified claim in these categories")
# are this feature's questions about the students' claims table: the plan and subsidy lists count
# them from this index alone, without reading the claims or the students.
Index("ix_hardship_claims_status_student", HardshipClaim.status, HardshipClaim.student_id, HardshipClaim.category)
# The subsidy list shows one graduating class in student-number order: this walks it a page at a time.
Index("ix_students_graduation_year_student_no", Student.graduation_year, Student.student_no)
