"""The student profile: who a graduating student is and where they study."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, SmallInteger, String
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


class Student(db.Model):
    __tablename__ = "students"
    __table_args__ = (
        Index("ix_students_college_major", "college", "major"),
        Index("ix_students_graduation_year", "graduation_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    student_no: Mapped[str] = mapped_column(String(32), unique=True)
    gender: Mapped[str | None] = mapped_column(String(8))
    college: Mapped[str] = mapped_column(String(100))
    major: Mapped[str] = mapped_column(String(100))
    degree_level: Mapped[str] = mapped_column(String(16))
    graduation_year: Mapped[int] = mapped_column(SmallInteger)
    class_name: Mapped[str | None] = mapped_column(String(100))
    home_province: Mapped[str | None] = mapped_column(String(32))
    origin: Mapped[str | None] = mapped_column(String(8))
    phone: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()

    @property
    def name(self) -> str:
        return self.user.display_name
