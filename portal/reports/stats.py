"""The figures of the analysis dashboard and the cohort report, computed with GROUP BY in a fixed
number of statements, and the dashboard's filter lists."""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, extract, func, select

from portal.accounts.models import User
from portal.cache import cached
from portal.clock import local_today
from portal.extensions import db
from portal.models_base import utcnow
from portal.outcomes import categories as cat
from portal.outcomes.models import Destination
from portal.outcomes.rates import (
    Rates,
    RateTable,
    Scope,
    destination_rates,
    placed_categories,
    programme_members,
    season_start,
)
from portal.outcomes.measures import MEASURE_PROVIDERS
from portal.students.models import HardshipClaim, Student

# Every table the figures are read from: the measures come from interventions, group sessions,
# appointments and support plans. A committed change to any of them drops the kept figures.
FIGURE_TABLES = (
    "students", "destinations", "hardship_claims", "mentor_assignments", "settings", "interventions",
    "session_registrations", "appointment_bookings", "appointment_slots", "support_plans", "plan_goals",
)


@dataclass
class Row:
    """One group in a breakdown: every graduate in it, and the disadvantaged ones among them."""

    key: object
    all: Rates
    group: Rates


@dataclass
class SeasonPoint:
    month: date
    all_placed: int
    group_placed: int
    all_rate: float | None
    group_rate: float | None


@dataclass
class MeasureRow:
    key: str
    students: int
    placed: int
    median_days: float | None
    group_students: int
    group_placed: int
    group_median_days: float | None

    @property
    def rate(self) -> float | None:
        return self.placed / self.students if self.students else None

    @property
    def group_rate(self) -> float | None:
        return self.group_placed / self.group_students if self.group_students else None


@dataclass
class Figures:
    scope: Scope
    year: int
    computed_at: datetime
    placed_categories: tuple[str, ...]
    overall: Row
    by_hardship: list[Row]
    by_college: list[Row]
    by_major: list[Row]
    by_degree: list[Row]
    by_class: list[Row]
    season: list[SeasonPoint]
    by_category: list[Row]
    employed: Row  # graduates in employment or service, the base of the quality breakdowns
    industry: list[Row]
    unit_nature: list[Row]
    hospital_level: list[Row]
    region: list[Row]
    relation: list[Row]
    salary: list[Row]
    measures: list[MeasureRow] = field(default_factory=list)
    reference: MeasureRow | None = None  # every graduate in scope
    untouched: MeasureRow | None = None  # graduates with no recorded measure


def _rows(table: RateTable, *, order: list | None = None, keep_none: bool = False) -> list[Row]:
    keys = [k[0] if len(k) == 1 else k for k in table.keys()]
    if order is not None:
        keys = [k for k in order if k in keys] + sorted((k for k in keys if k not in order), key=lambda k: str(k))
    else:
        keys = sorted(keys, key=lambda k: (k is None, str(k)))
    rows = []
    for key in keys:
        if key is None and not keep_none:
            continue
        tkey = key if isinstance(key, tuple) else (key,)
        rows.append(Row(key, table.all(tkey), table.group(tkey)))
    return rows


def _season(table: RateTable, year: int, total: Row, *, today: date) -> list[SeasonPoint]:
    """Cumulative destination rate at the end of each month of the season (September before
    graduation to December after it, or to this month if sooner)."""
    start = season_start(year)
    end = min(date(year, 12, 1), date(today.year, today.month, 1))
    placed_by_month: dict[date, list[int]] = {}
    before = [0, 0]
    for key, parts in table.rows.items():
        y, m = key
        if y is None:
            continue
        month = date(int(y), int(m), 1)
        counts = [parts.get(True, Rates()).placed + parts.get(False, Rates()).placed, parts.get(True, Rates()).placed]
        if month < start:
            before = [before[0] + counts[0], before[1] + counts[1]]
        else:
            slot = placed_by_month.setdefault(month, [0, 0])
            slot[0] += counts[0]
            slot[1] += counts[1]
    points = []
    running = list(before)
    month = start
    while month <= end:
        got = placed_by_month.get(month, [0, 0])
        running = [running[0] + got[0], running[1] + got[1]]
        points.append(SeasonPoint(
            month, running[0], running[1],
            running[0] / total.all.graduates if total.all.graduates else None,
            running[1] / total.group.graduates if total.group.graduates else None,
        ))
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return points


def _region_rows(table: RateTable) -> list[Row]:
    """Where the employed work, from (grassroots, same province as home, abroad, place known)."""
    merged: dict[str, dict[bool, Rates]] = {}
    for (grassroots, same, abroad, known), parts in table.rows.items():
        if grassroots:
            region = "grassroots"
        elif abroad:
            region = "abroad"
        elif same:
            region = "home"
        elif known:
            region = "other"
        else:
            region = "unknown"
        slot = merged.setdefault(region, {})
        for flag, rates in parts.items():
            slot[flag] = slot.get(flag, Rates()) + rates
    order = [key for key, _label in cat.REGIONS]
    return [Row(k, merged[k].get(True, Rates()) + merged[k].get(False, Rates()), merged[k].get(True, Rates()))
            for k in order if k in merged]


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def _measures(scope: Scope, year: int, placed: tuple[str, ...]) -> tuple[list[MeasureRow], MeasureRow, MeasureRow]:
    """For each measure: how many graduates had it, their destination rate, and the median days from
    the start of the season to their first offer (the earliest placed record in their history)."""
    programme = programme_members()
    graduates = scope.student_ids_select()
    outcome = {}
    for student_id, member, category in db.session.execute(
        select(Student.id, programme.c.student_id.is_not(None), Destination.category)
        .outerjoin(Destination, and_(Destination.student_id == Student.id, Destination.is_current == True))  # noqa: E712
        .outerjoin(programme, programme.c.student_id == Student.id)
        .where(*scope.conditions())
    ):
        outcome[student_id] = (bool(member), category in placed if category else False)
    start = season_start(year)
    first_offer = {}
    for student_id, first in db.session.execute(
        select(Destination.student_id, func.min(Destination.decided_on))
        .where(Destination.student_id.in_(graduates), Destination.category.in_(placed or ("-",)),
               Destination.decided_on.is_not(None))
        .group_by(Destination.student_id)
    ):
        if first is not None and outcome.get(student_id, (False, False))[1]:
            first_offer[student_id] = max(0, (first - start).days)

    def row(key: str, ids) -> MeasureRow:
        ids = [i for i in ids if i in outcome]
        members = [i for i in ids if outcome[i][0]]
        return MeasureRow(
            key, len(ids), sum(1 for i in ids if outcome[i][1]),
            _median([first_offer[i] for i in ids if i in first_offer]),
            len(members), sum(1 for i in members if outcome[i][1]),
            _median([first_offer[i] for i in members if i in first_offer]),
        )

    sets: dict[str, set[int]] = {}
    for provider in MEASURE_PROVIDERS:
        for key, ids in provider(graduates).items():
            sets.setdefault(key, set()).update(ids)
    touched = set().union(*sets.values()) if sets else set()
    rows = sorted((row(k, v) for k, v in sets.items()), key=lambda r: -r.students)
    return rows, row("all", outcome.keys()), row("none", [i for i in outcome if i not in touched])


def compute(scope: Scope, year: int, *, today: date | None = None) -> Figures:
    """Every figure of the dashboard for one class in one scope: about twenty GROUP BY statements."""
    today = today or local_today()
    placed = placed_categories()
    scoped = Scope(years=(year,), mentor_id=scope.mentor_id, college=scope.college, major=scope.major,
                   student_ids=scope.student_ids)
    D = Destination
    overall_table = destination_rates(scoped)
    overall = Row("all", overall_table.all(), overall_table.group())
    employed_only = [D.category.in_(cat.EMPLOYED)]
    employed_table = destination_rates(scoped, where=employed_only)
    same_province = and_(D.province.is_not(None), D.province == Student.home_province)
    figures = Figures(
        scope=scoped,
        year=year,
        computed_at=utcnow(),
        placed_categories=placed,
        overall=overall,
        by_hardship=_rows(destination_rates(scoped, by=[HardshipClaim.category], hardship_categories=True),
                          order=[c.value for c in _hardship_order()]),
        by_college=_rows(destination_rates(scoped, by=[Student.college])),
        by_major=_rows(destination_rates(scoped, by=[Student.college, Student.major])),
        by_degree=_rows(destination_rates(scoped, by=[Student.degree_level]), order=["bachelor", "master", "doctor"]),
        by_class=_rows(destination_rates(Scope(mentor_id=scope.mentor_id, college=scope.college, major=scope.major,
                                               student_ids=scope.student_ids), by=[Student.graduation_year])),
        season=_season(destination_rates(scoped, by=[extract("year", D.decided_on), extract("month", D.decided_on)],
                                         where=[D.category.in_(placed or ("-",))]), year, overall, today=today),
        by_category=_rows(destination_rates(scoped, by=[D.category]), order=list(cat.CATEGORY_KEYS)),
        employed=Row("employed", employed_table.all(), employed_table.group()),
        industry=_rows(destination_rates(scoped, by=[D.industry], where=employed_only),
                       order=[k for k, _ in cat.INDUSTRIES], keep_none=True),
        unit_nature=_rows(destination_rates(scoped, by=[D.unit_nature], where=employed_only),
                          order=[k for k, _ in cat.UNIT_NATURES], keep_none=True),
        hospital_level=_rows(destination_rates(scoped, by=[D.hospital_level],
                                               where=[*employed_only, D.unit_nature == "healthcare"]),
                             order=[k for k, _ in cat.HOSPITAL_LEVELS], keep_none=True),
        region=_region_rows(destination_rates(
            scoped, by=[D.grassroots, same_province, D.country.is_not(None), D.province.is_not(None)],
            where=employed_only)),
        relation=_rows(destination_rates(scoped, by=[D.relation_to_major], where=employed_only),
                       order=[k for k, _ in cat.RELATIONS], keep_none=True),
        salary=_rows(destination_rates(scoped, by=[D.salary_band], where=employed_only),
                     order=[k for k, _ in cat.SALARY_BANDS], keep_none=True),
    )
    figures.measures, figures.reference, figures.untouched = _measures(scoped, year, placed)
    return figures


def _hardship_order():
    from portal.students.models import HardshipCategory

    return list(HardshipCategory)


def filter_choices(mentor_id: int | None) -> tuple[list[int], list[str], list[tuple[int, str]]]:
    """Classes in scope, colleges and mentors, for the dashboard's filters (and the outcome lists'):
    read on every view, over every student, so kept."""
    def build():
        years = list(db.session.scalars(select(Student.graduation_year).distinct()
                                        .where(*Scope(mentor_id=mentor_id).conditions())
                                        .order_by(Student.graduation_year.desc())))
        colleges = list(db.session.scalars(select(Student.college).distinct().order_by(Student.college)))
        mentors = [tuple(r) for r in db.session.execute(
            select(User.id, User.display_name).where(User.role == "mentor", User.active == True)  # noqa: E712
            .order_by(User.display_name))]
        return years, colleges, mentors
    return cached("reports.filter_choices", build, tables=("students", "mentor_assignments", "users"),
                  args=(mentor_id,))
