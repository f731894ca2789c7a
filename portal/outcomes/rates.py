"""The destination rate, the knowledge rate and the NACE career-outcomes rate: computed here, one way,
for the dashboard, the reports, the exports and the caseload's outcome status."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, case, func, literal_column, select
from sqlalchemy.sql import ColumnElement

from portal import settings
from portal.clock import local_today
from portal.extensions import db
from portal.outcomes.categories import (
    BY_KEY,
    CATEGORY_KEYS,
    MINISTRY_PLACED,
    NACE_POSITIVE,
)
from portal.outcomes.models import Destination
from portal.students.models import ClaimStatus, HardshipClaim, MentorAssignment, Student

# Which categories count as "placed" (落实) in the destination rate. The default is the Ministry's
# definition: every form of employment and further study, 规培 included.
settings.declare("outcomes.placed_categories", list(MINISTRY_PLACED))
# Aggregates of fewer people than this are suppressed in exports and anything students see.
settings.declare("outcomes.min_group_size", 5)
# The Ministry code under which 规培 is exported (it has none of its own): 12 其他录用形式就业.
settings.declare("outcomes.residency_code", "12")
# The month a class graduates (July: the class of 2026 has graduated from 1 July 2026), and the
# month its job-search season starts the year before (September).
settings.declare("outcomes.graduation_month", 7)
settings.declare("outcomes.season_start_month", 9)


def placed_categories() -> tuple[str, ...]:
    chosen = settings.get("outcomes.placed_categories") or []
    return tuple(key for key in CATEGORY_KEYS if key in chosen)


def min_group_size() -> int:
    return max(1, int(settings.get("outcomes.min_group_size") or 1))


def graduated_years(today: date | None = None) -> int:
    """The latest class that has graduated (every class up to it has left)."""
    today = today or local_today()
    return today.year if today.month >= int(settings.get("outcomes.graduation_month")) else today.year - 1


def season_year(today: date | None = None) -> int:
    """The class whose job search is under way: the next one to graduate."""
    return graduated_years(today) + 1


def season_start(year: int) -> date:
    return date(year - 1, int(settings.get("outcomes.season_start_month")), 1)


@dataclass
class Rates:
    """Counts for one group of graduates and the three rates derived from them."""

    graduates: int = 0
    known: int = 0  # with a current destination record
    placed: int = 0  # counted in the destination rate
    nace_positive: int = 0  # employed, in service or studying (NACE)

    @property
    def destination_rate(self) -> float | None:
        return self.placed / self.graduates if self.graduates else None

    @property
    def knowledge_rate(self) -> float | None:
        return self.known / self.graduates if self.graduates else None

    @property
    def nace_rate(self) -> float | None:
        return self.nace_positive / self.known if self.known else None

    def __add__(self, other: Rates) -> Rates:
        return Rates(self.graduates + other.graduates, self.known + other.known,
                     self.placed + other.placed, self.nace_positive + other.nace_positive)


@dataclass(frozen=True)
class Scope:
    """Which graduates a figure is about: classes, a mentor's caseload, a college or major."""

    years: tuple[int, ...] = ()
    mentor_id: int | None = None
    college: str | None = None
    major: str | None = None
    student_ids: tuple[int, ...] | None = None

    def conditions(self) -> list[ColumnElement]:
        where: list[ColumnElement] = []
        if self.years:
            where.append(Student.graduation_year.in_(self.years) if len(self.years) > 1
                         else Student.graduation_year == self.years[0])
        if self.mentor_id is not None:
            where.append(Student.id.in_(select(MentorAssignment.student_id).where(MentorAssignment.mentor_id == self.mentor_id)))
        if self.college:
            where.append(Student.college == self.college)
        if self.major:
            where.append(Student.major == self.major)
        if self.student_ids is not None:
            where.append(Student.id.in_(self.student_ids))
        return where

    def student_ids_select(self):
        return select(Student.id).where(*self.conditions())


def programme_members():
    """The disadvantaged group: students with at least one verified hardship category."""
    return (select(HardshipClaim.student_id.label("student_id"))
            .where(HardshipClaim.status == ClaimStatus.VERIFIED).distinct().subquery("programme"))


@dataclass
class RateTable:
    """destination_rates' answer: Rates per group key, each split into the disadvantaged group and the rest."""

    dims: int
    rows: dict[tuple, dict[bool, Rates]] = field(default_factory=dict)

    def all(self, key: tuple = ()) -> Rates:
        parts = self.rows.get(key, {})
        return parts.get(True, Rates()) + parts.get(False, Rates())

    def group(self, key: tuple = ()) -> Rates:
        return self.rows.get(key, {}).get(True, Rates())

    def keys(self) -> list[tuple]:
        return list(self.rows)


def destination_rates(
    scope: Scope,
    *,
    by: Sequence[ColumnElement] = (),
    where: Iterable[ColumnElement] = (),
    hardship_categories: bool = False,
    placed: Sequence[str] | None = None,
) -> RateTable:
    """THE destination-rate computation, in one GROUP BY statement.

    Graduates in `scope`, grouped by the `by` expressions (columns of Student or Destination, or
    HardshipClaim.category with hardship_categories=True), each group split into the disadvantaged
    group (a verified hardship category) and the others. Counts: graduates, graduates with a known
    (current) destination, graduates placed (their current category counts, per the setting
    outcomes.placed_categories) and NACE positives. Groups are formed by position in the select list,
    so the `by` expressions may carry bound values.
    """
    placed = tuple(placed) if placed is not None else placed_categories()
    # membership as "id IN (verified claimants)": the database builds that set once. An outer join
    # to the same set made SQLite run it again for every graduate (23 s for a class of 17,000).
    member = Student.id.in_(select(HardshipClaim.student_id).where(HardshipClaim.status == ClaimStatus.VERIFIED))
    placed_sum = func.sum(case((Destination.category.in_(placed or ("-",)), 1), else_=0))
    nace_sum = func.sum(case((Destination.category.in_(NACE_POSITIVE), 1), else_=0))
    stmt = (
        select(*by, member, func.count(Student.id), func.count(Destination.id), placed_sum, nace_sum)
        .select_from(Student)
        .outerjoin(Destination, and_(Destination.student_id == Student.id, Destination.is_current == True))  # noqa: E712
        .where(*scope.conditions(), *where)
        # by position: PostgreSQL would not match a grouped expression holding a subquery or a
        # bound value with the same expression in the select list
        .group_by(*(literal_column(str(position)) for position in range(1, len(by) + 2)))
    )
    if hardship_categories:
        stmt = stmt.join(HardshipClaim, and_(HardshipClaim.student_id == Student.id,
                                             HardshipClaim.status == ClaimStatus.VERIFIED))
    table = RateTable(dims=len(by))
    for row in db.session.execute(stmt):
        key = tuple(row[: len(by)])
        flag = bool(row[len(by)])
        graduates, known, placed_n, nace_n = (int(v or 0) for v in row[len(by) + 1:])
        table.rows.setdefault(key, {})[flag] = Rates(graduates, known, placed_n, nace_n)
    return table


# --- one student's status, for caseloads and follow-up lists ---------------------------------

OUTCOME_STATUSES = ("placed", "seeking", "not_seeking", "not_counted", "unknown")


def classify(category: str | None, placed: Sequence[str] | None = None) -> str:
    """A current destination category as the caseload shows it, by the same rule as the rate."""
    if category is None:
        return "unknown"
    placed = placed if placed is not None else placed_categories()
    if category in placed:
        return "placed"
    nace = BY_KEY[category].nace if category in BY_KEY else ""
    if nace == "seeking":
        return "seeking"
    if nace == "not_seeking":
        return "not_seeking"
    return "not_counted"
