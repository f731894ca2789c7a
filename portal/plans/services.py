"""What every part of the plans feature shares: today in the office's zone, the zh/en variant of a
bilingual text, and who is in the ledger."""
from __future__ import annotations

from flask_babel import get_locale
from sqlalchemy import Select, exists, func, select

from portal.extensions import db
from portal.students.models import ClaimStatus, HardshipClaim, Student

# today in the office's time zone: a goal due today is not overdue until tomorrow there
from portal.clock import local_today as today  # noqa: E402,F401


def locale_code() -> str:
    return str(get_locale() or "zh")


def localized(obj, field: str, locale: str | None = None) -> str:
    """The zh or en variant of a bilingual field, falling back to the other when empty."""
    locale = locale or locale_code()
    first, second = ("zh", "en") if locale.startswith("zh") else ("en", "zh")
    return getattr(obj, f"{field}_{first}") or getattr(obj, f"{field}_{second}") or ""


def option_label(option: dict, locale: str | None = None) -> str:
    locale = locale or locale_code()
    first, second = ("zh", "en") if locale.startswith("zh") else ("en", "zh")
    return option.get(first) or option.get(second) or option.get("key", "")


# --- the ledger --------------------------------------------------------------------------

def ledger_ids() -> Select:
    """The ids of the students in the ledger: those holding at least one verified hardship claim.

    The one definition of "in the ledger" for this feature, as a subquery for `Student.id.in_(…)`.
    """
    return select(HardshipClaim.student_id).where(HardshipClaim.status == ClaimStatus.VERIFIED)


def in_ledger(student_id_column):
    """SQL condition: the student is in the ledger."""
    return student_id_column.in_(ledger_ids())


def in_ledger_row(student_id_column):
    """SQL condition tested row by row (EXISTS): for lists that walk students in index order and stop
    after a page, where building the whole ledger set first would cost more."""
    return exists(ledger_ids().where(HardshipClaim.student_id == student_id_column))


def ledger_count(*conditions) -> Select:
    """Counts the ledger's students whose id meets `conditions` (functions of the id column), from the
    claims alone."""
    return ledger_ids().with_only_columns(func.count(HardshipClaim.student_id.distinct())).where(
        *(condition(HardshipClaim.student_id) for condition in conditions)
    )


def is_in_ledger(student: Student | int) -> bool:
    student_id = student if isinstance(student, int) else student.id
    return db.session.scalar(ledger_ids().where(HardshipClaim.student_id == student_id).limit(1)) is not None
