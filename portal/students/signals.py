"""Discreet follow-up: hidden-hardship signals from campus-card spending and students found on
certification lists, who may see them, and what a counselor does with them (open a claim or dismiss).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import exists, func, insert, literal, select, update

from portal import audit, notifications, settings
from portal.accounts.models import Role, User
from portal.cache import cached
from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models_base import utcnow
from portal.students import archive
from portal.students.access import caseload_student_ids
from portal.students.models import (
    ClaimSource,
    ClaimStatus,
    HardshipCategory,
    HardshipClaim,
    ListMatch,
    MentorAssignment,
    SignalStatus,
    SpendingRecord,
    SpendingSignal,
    Student,
)

# Defaults from a published practice: a student who eats at the canteen at least 60 times a month
# yet spends under ¥750 there, month after month, may be in hardship without having said so.
settings.declare("signals.min_meals", 60)
settings.declare("signals.max_amount", 750)
settings.declare("signals.months", 3)

CATEGORY_LABELS = {
    HardshipCategory.POVERTY_ALLEVIATED: _l("Poverty-alleviated family (formerly registered poor)"),
    HardshipCategory.LOW_INCOME_GUARANTEE: _l("Urban or rural minimum living guarantee (dibao)"),
    HardshipCategory.ZERO_EMPLOYMENT_FAMILY: _l("Zero-employment family"),
    HardshipCategory.DISABLED: _l("Disability"),
    HardshipCategory.ORPHAN: _l("Orphan or without de facto guardian"),
    HardshipCategory.EXTREME_POVERTY_SUPPORT: _l("Extreme-poverty support"),
    HardshipCategory.LOW_INCOME_FAMILY: _l("Low-income family"),
    HardshipCategory.FINANCIAL_HARDSHIP: _l("Family financial hardship"),
    HardshipCategory.OTHER: _l("Other hardship"),
}
MATCHED_BY_LABELS = {"student_no": _l("student number"), "national_id": _l("national ID number")}
# A flag whose student already holds the category with one of these statuses needs no follow-up.
SETTLED = (ClaimStatus.PENDING, ClaimStatus.VERIFIED, ClaimStatus.NEEDS_MORE)
CLAIM_RESOLUTION = "claim"
DISMISSED_PREFIX = "dismissed: "


NEW_FLAGS = notifications.kind(
    "signals.new_list_flags",
    _l("Discreet checks for your caseload: %(num)d new from a certification list."),
)
NEW_SIGNALS = notifications.kind(
    "signals.new_spending_signals",
    _l("Discreet checks for your caseload: %(num)d new from campus-card spending."),
)
PAGES = {NEW_FLAGS: "/follow-up/lists", NEW_SIGNALS: "/follow-up/spending"}


def notify_mentors(student_ids, kind_key: str) -> int:
    """Tell each mentor how many of their students newly need a discreet check (a count, never who or why
    in the message itself); returns how many mentors were told."""
    from portal.students.models import MentorAssignment

    ids = sorted(set(student_ids))
    counts: dict[int, int] = {}
    for start in range(0, len(ids), 900):
        for mentor_id, n in db.session.execute(
            select(MentorAssignment.mentor_id, func.count(func.distinct(MentorAssignment.student_id)))
            .where(MentorAssignment.student_id.in_(ids[start:start + 900])).group_by(MentorAssignment.mentor_id)
        ):
            counts[mentor_id] = counts.get(mentor_id, 0) + n
    for mentor_id, n in counts.items():
        notifications.notify(mentor_id, kind_key, link=PAGES[kind_key], num=n)
    return len(counts)


def category_label(category: str) -> str:
    return str(CATEGORY_LABELS.get(category, category))




# --- thresholds ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    min_meals: int
    max_amount: Decimal
    months: int


def thresholds() -> Thresholds:
    values = settings.get_many("signals.min_meals", "signals.max_amount", "signals.months")
    return Thresholds(
        min_meals=int(values["signals.min_meals"]),
        max_amount=Decimal(str(values["signals.max_amount"])),
        months=int(values["signals.months"]),
    )


def set_thresholds(*, min_meals: int, max_amount: Decimal, months: int, actor) -> "RefreshResult":
    """Change the thresholds and recompute the signals with them."""
    before = thresholds()
    settings.put("signals.min_meals", int(min_meals), actor=actor)
    settings.put("signals.max_amount", str(Decimal(max_amount).quantize(Decimal("0.01"))), actor=actor)
    settings.put("signals.months", int(months), actor=actor)
    db.session.flush()
    audit.record(actor, "signals.thresholds_changed", target_type="Setting", target_id="signals",
                 detail=f"min_meals {before.min_meals}->{min_meals}; max_amount {before.max_amount}->{max_amount}; "
                        f"months {before.months}->{months}")
    return refresh_signals()


# --- computing the signals ------------------------------------------------------------------------


def _distinct_values(column, *, descending: bool = False, limit=None):
    """The distinct values of an indexed column, in order, one index probe per value (a recursive CTE):
    a DISTINCT reads every row, tens of thousands of them for a handful of values."""
    first = select(column).order_by(column.desc() if descending else column).limit(1).scalar_subquery()
    steps = select(first.label("value"), literal(1).label("n")).cte(f"distinct_{column.key}", recursive=True)
    following = (select(column).where(column < steps.c.value if descending else column > steps.c.value)
                 .order_by(column.desc() if descending else column).limit(1).scalar_subquery())
    more = [steps.c.value.is_not(None)]
    if limit is not None:
        more.append(steps.c.n < limit)
    steps = steps.union_all(select(following, steps.c.n + 1).where(*more))
    return select(steps.c.value).where(steps.c.value.is_not(None)).order_by(steps.c.n)


def latest_months(count: int) -> list[str]:
    """The latest `count` months for which any campus-card data was imported, oldest first."""
    return sorted(db.session.scalars(_distinct_values(SpendingRecord.month, descending=True, limit=count)))


def reference_months(count: int) -> list[str]:
    """latest_months() as the signal pages show them on every view: kept until spending data is
    imported. (Recomputing the signals reads latest_months(), which sees an import not yet committed.)"""
    return list(cached("signals.reference_months", lambda: tuple(latest_months(count)), tables=["spending_records"],
                       args=(count,), per_viewer=False))


def _has_claim(student_id_column):
    return exists().where(HardshipClaim.student_id == student_id_column)


def students_meeting(limits: Thresholds, months: list[str]) -> dict[int, tuple[Decimal, int]]:
    """Students without any claim whose every one of `months` met the thresholds: id -> (average
    spending, average meals). One grouped query whatever the number of students."""
    if not months:
        return {}
    rows = db.session.execute(
        select(SpendingRecord.student_id, func.sum(SpendingRecord.canteen_amount), func.sum(SpendingRecord.meal_count))
        .where(
            SpendingRecord.month.in_(months),
            SpendingRecord.meal_count >= limits.min_meals,
            SpendingRecord.canteen_amount < limits.max_amount,
            ~_has_claim(SpendingRecord.student_id),
        )
        .group_by(SpendingRecord.student_id)
        .having(func.count(SpendingRecord.id) == len(months))
    ).all()
    n = len(months)
    return {
        student_id: (
            (Decimal(str(total)) / n).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
            int((Decimal(str(meals)) / n).quantize(Decimal("1"), rounding=ROUND_HALF_UP)),
        )
        for student_id, total, meals in rows
    }


@dataclass
class RefreshResult:
    new: int
    ended: int
    active: int
    months: list[str]


def refresh_signals() -> RefreshResult:
    """Bring the signals up to date with the spending data, the thresholds and the ledger.

    A student meeting the thresholds in each of the latest months of data gets an active signal
    (a new one if they had none); a signal whose student no longer meets them, or now has a claim,
    stops being active. A dismissal therefore holds while the stretch lasts.
    """
    limits = thresholds()
    months = latest_months(limits.months)
    current = students_meeting(limits, months) if len(months) == limits.months else {}
    active = dict(db.session.execute(select(SpendingSignal.student_id, SpendingSignal.id).where(SpendingSignal.active)).all())
    now = utcnow()
    ended = [signal_id for student_id, signal_id in active.items() if student_id not in current]
    for start in range(0, len(ended), 900):
        db.session.execute(update(SpendingSignal).where(SpendingSignal.id.in_(ended[start:start + 900]))
                           .values(active=False, updated_at=now))
    kept = [dict(id=active[student_id], months=months, avg_amount=amount, avg_meals=meals, updated_at=now)
            for student_id, (amount, meals) in current.items() if student_id in active]
    for start in range(0, len(kept), 2000):
        db.session.execute(update(SpendingSignal), kept[start:start + 2000])
    new = [dict(student_id=student_id, status=SignalStatus.OPEN, active=True, months=months, avg_amount=amount,
                avg_meals=meals, detected_at=now, updated_at=now)
           for student_id, (amount, meals) in current.items() if student_id not in active]
    for start in range(0, len(new), 2000):
        db.session.execute(insert(SpendingSignal), new[start:start + 2000])
    if new:
        notify_mentors([row["student_id"] for row in new], NEW_SIGNALS)
    return RefreshResult(new=len(new), ended=len(ended), active=len(current), months=months)


# --- who sees what ----------------------------------------------------------------------------------


def _scoped(stmt, viewer, student_id_column):
    """Admins see every student; a mentor sees their caseload; anyone else sees nobody."""
    if viewer.role == Role.ADMIN:
        return stmt
    if viewer.role == Role.MENTOR:
        return stmt.where(student_id_column.in_(caseload_student_ids(viewer)))
    return stmt.where(False)


def _in_college(student_id_column, college: str):
    return student_id_column.in_(select(Student.id).where(Student.college == college))


def _listed(*columns):
    """A list's rows as plain rows: the columns shown, with the student's and their account's. A list
    sorts every matching row and builds 50; ORM objects (and wide student rows) would cost more than
    the rest of the page."""
    entity = columns[0].class_
    return (
        select(*columns, Student.student_no, Student.college, Student.major, Student.class_name, User.display_name)
        .join(Student, Student.id == entity.student_id)
        .join(User, User.id == Student.user_id)
    )


def _signal_rows():
    s = SpendingSignal
    return _listed(s.id, s.status, s.active, s.months, s.avg_amount, s.avg_meals, s.detected_at, s.resolved_at,
                   s.reason)


def signal_row(signal_id: int):
    """One signal as signals_stmt() lists it (the row htmx swaps in after an action), or None."""
    return db.session.execute(_signal_rows().where(SpendingSignal.id == signal_id)).one_or_none()


def _signal_filters(status: str, college: str | None) -> list:
    if status == SignalStatus.DISMISSED:
        filters = [SpendingSignal.status == SignalStatus.DISMISSED]
    else:
        filters = [SpendingSignal.active.is_(True), SpendingSignal.status == SignalStatus.OPEN,
                   ~_has_claim(SpendingSignal.student_id)]
    if college is not None:
        filters.append(_in_college(SpendingSignal.student_id, college))
    return filters


def signals_stmt(viewer, *, status: str = SignalStatus.OPEN, college: str | None = None, upto: int | None = None):
    """Signals to show, as rows: open ones (still active, student without a claim) or dismissed ones.
    With `upto`, the statement need only list the first `upto` rows correctly (a page and those before)."""
    filters = _signal_filters(status, college)
    stmt = _signal_rows().where(*filters)
    if status == SignalStatus.DISMISSED:
        stmt = stmt.order_by(SpendingSignal.resolved_at.desc(), SpendingSignal.id.desc())
    else:
        if upto is not None:
            # Sorting by average and then student number reads every matching student's row; the first
            # `upto` rows have an average no higher than the upto-th lowest, which the signals alone tell.
            nth = _scoped(select(SpendingSignal.avg_amount).where(*filters), viewer, SpendingSignal.student_id) \
                .order_by(SpendingSignal.avg_amount).offset(upto - 1).limit(1).scalar_subquery()
            stmt = stmt.where(SpendingSignal.avg_amount <= func.coalesce(nth, SpendingSignal.avg_amount))
        stmt = stmt.order_by(SpendingSignal.avg_amount, Student.student_no)
    return _scoped(stmt, viewer, SpendingSignal.student_id)


def signal_count_stmt(viewer, *, status: str = SignalStatus.OPEN, college: str | None = None):
    """How many signals signals_stmt() lists, counted without reading the students' rows."""
    stmt = select(func.count(SpendingSignal.id)).where(*_signal_filters(status, college))
    return _scoped(stmt, viewer, SpendingSignal.student_id)


# What the tabs' badges count from: kept until one of them changes.
_COUNTED = ["spending_signals", "list_matches", "hardship_claims", "mentor_assignments", "students"]


def open_signal_count(viewer) -> int:
    """How many open signals the viewer has (the tab's badge)."""
    return cached("signals.open_signals", lambda: db.session.scalar(signal_count_stmt(viewer)) or 0,
                  tables=_COUNTED, args=(viewer.id,))


def _settled_claim(match_category, match_student):
    return exists().where(HardshipClaim.student_id == match_student, HardshipClaim.category == match_category,
                          HardshipClaim.status.in_(SETTLED))


def _list_match_filters(status: str, category: str | None, college: str | None) -> list:
    if status == "resolved":
        filters = [ListMatch.resolved_at.is_not(None)]
    else:
        filters = [ListMatch.resolved_at.is_(None), ~_settled_claim(ListMatch.category, ListMatch.student_id)]
    if category is not None:
        filters.append(ListMatch.category == category)
    if college is not None:
        filters.append(_in_college(ListMatch.student_id, college))
    return filters


def _list_match_rows():
    m = ListMatch
    return _listed(m.id, m.category, m.list_name, m.matched_by, m.imported_at, m.resolved_at, m.resolution)


def list_match_row(match_id: int):
    """One flag as list_matches_stmt() lists it (the row htmx swaps in after an action), or None."""
    return db.session.execute(_list_match_rows().where(ListMatch.id == match_id)).one_or_none()


def list_matches_stmt(viewer, *, status: str = "open", category: str | None = None, college: str | None = None):
    """List flags to show, as rows: open ones (not resolved, category not meanwhile claimed) or resolved ones."""
    stmt = _list_match_rows().where(*_list_match_filters(status, category, college))
    if status == "resolved":
        stmt = stmt.order_by(ListMatch.resolved_at.desc(), ListMatch.id.desc())
    else:
        stmt = stmt.order_by(ListMatch.imported_at.desc(), Student.student_no)
    return _scoped(stmt, viewer, ListMatch.student_id)


def list_match_count_stmt(viewer, *, status: str = "open", category: str | None = None, college: str | None = None):
    """How many flags list_matches_stmt() lists, counted without reading the students' rows."""
    stmt = select(func.count(ListMatch.id)).where(*_list_match_filters(status, category, college))
    return _scoped(stmt, viewer, ListMatch.student_id)


def open_list_match_count(viewer) -> int:
    """How many open flags the viewer has (the tab's badge)."""
    return cached("signals.open_flags", lambda: db.session.scalar(list_match_count_stmt(viewer)) or 0,
                  tables=_COUNTED, args=(viewer.id,))


def resolution_label(match) -> str:
    """How a flag ended (a ListMatch, or a row with its resolution)."""
    if match.resolution == CLAIM_RESOLUTION:
        return _("Claim opened for verification")
    if match.resolution and match.resolution.startswith(DISMISSED_PREFIX):
        return _("Dismissed: %(reason)s", reason=match.resolution[len(DISMISSED_PREFIX):])
    return match.resolution or ""


# --- actions -----------------------------------------------------------------------------------------


def _claim_for(student_id: int, category: str) -> HardshipClaim | None:
    return db.session.scalar(
        select(HardshipClaim).where(HardshipClaim.student_id == student_id, HardshipClaim.category == category))


def open_claim_from_list_match(match: ListMatch, *, actor) -> HardshipClaim:
    """Put the category in the ledger as a claim awaiting verification, sourced from the list.
    A claim rejected earlier is reopened: the list is new evidence."""
    if match.resolved_at is not None:
        raise RuleViolation(_("This flag has already been dealt with."), status=409)
    note = _("Found on the certification list \"%(list)s\" imported on %(day)s (matched by %(by)s).",
             list=match.list_name, day=match.imported_at.date().isoformat(),
             by=MATCHED_BY_LABELS.get(match.matched_by, match.matched_by))
    claim = _claim_for(match.student_id, match.category)
    if claim is None:
        claim = HardshipClaim(student_id=match.student_id, category=match.category, source=ClaimSource.GOVERNMENT_LIST,
                              status=ClaimStatus.PENDING, evidence_notes=note, created_by_id=actor.id)
        db.session.add(claim)
    elif claim.status == ClaimStatus.REJECTED:
        claim.status = ClaimStatus.PENDING
        claim.evidence_notes = ((claim.evidence_notes or "") + "\n" + note).strip()
    else:
        raise RuleViolation(_("The student already has this category in the ledger."), status=409)
    match.resolved_at = utcnow()
    match.resolved_by_id = actor.id
    match.resolution = CLAIM_RESOLUTION
    db.session.flush()
    audit.record(actor, "signals.list_match_claimed", match.student,
                 detail=f"list_match={match.id} category={match.category} claim={claim.id}")
    return claim


def dismiss_list_match(match: ListMatch, *, actor, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(_("Say why the flag is dismissed."))
    if match.resolved_at is not None:
        raise RuleViolation(_("This flag has already been dealt with."), status=409)
    match.resolved_at = utcnow()
    match.resolved_by_id = actor.id
    match.resolution = (DISMISSED_PREFIX + reason)[:200]
    audit.record(actor, "signals.list_match_dismissed", match.student, detail=f"list_match={match.id} reason={reason}")


def open_claim_from_signal(signal: SpendingSignal, *, actor,
                           category: str = HardshipCategory.FINANCIAL_HARDSHIP) -> HardshipClaim:
    """Open a claim sourced from the data signal, pending verification by a counselor."""
    if signal.status != SignalStatus.OPEN or not signal.active:
        raise RuleViolation(_("This signal has already been dealt with."), status=409)
    if category not in set(HardshipCategory):
        raise RuleViolation(_("Choose a hardship category."))
    if _claim_for(signal.student_id, category) is not None:
        raise RuleViolation(_("The student already has this category in the ledger."), status=409)
    months = signal.months or []
    note = _("Campus-card data: on average ¥%(amount)s and %(meals)d canteen meals a month in %(months)s.",
             amount=signal.avg_amount, meals=signal.avg_meals, months=", ".join(months))
    claim = HardshipClaim(student_id=signal.student_id, category=category, source=ClaimSource.DATA_SIGNAL,
                          status=ClaimStatus.PENDING, evidence_notes=note, created_by_id=actor.id)
    db.session.add(claim)
    db.session.flush()
    signal.status = SignalStatus.CLAIMED
    signal.claim_id = claim.id
    signal.resolved_at = utcnow()
    signal.resolved_by_id = actor.id
    db.session.flush()
    audit.record(actor, "signals.spending_claimed", signal.student, detail=f"signal={signal.id} claim={claim.id} category={category}")
    return claim


def dismiss_signal(signal: SpendingSignal, *, actor, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(_("Say why the signal is dismissed."))
    if signal.status != SignalStatus.OPEN or not signal.active:
        raise RuleViolation(_("This signal has already been dealt with."), status=409)
    signal.status = SignalStatus.DISMISSED
    signal.reason = reason[:200]
    signal.resolved_at = utcnow()
    signal.resolved_by_id = actor.id
    audit.record(actor, "signals.spending_dismissed", signal.student, detail=f"signal={signal.id} reason={reason}")


# --- the archive: mentors and admins see that a flag or signal was raised and how it ended ----------


@archive.provider
def archive_entries(student, viewer, *, for_student: bool) -> list[archive.ArchiveEntry]:
    if for_student:
        return []
    entries = []
    matches = db.session.execute(
        select(ListMatch.list_name, ListMatch.matched_by, ListMatch.category, ListMatch.imported_at,
               ListMatch.resolved_at, ListMatch.resolution)
        .where(ListMatch.student_id == student.id).order_by(ListMatch.id)
    )
    for match in matches:
        detail = _("List \"%(list)s\"; matched by %(by)s.", list=match.list_name,
                   by=MATCHED_BY_LABELS.get(match.matched_by, match.matched_by))
        if match.resolved_at is not None:
            detail += " " + resolution_label(match)
        entries.append(archive.ArchiveEntry(
            at=match.imported_at, kind="list_match", audience=archive.MENTORS,
            title=_("Found on a certification list: %(category)s", category=category_label(match.category)),
            detail=detail,
        ))
    found = db.session.execute(
        select(SpendingSignal.avg_amount, SpendingSignal.avg_meals, SpendingSignal.months, SpendingSignal.status,
               SpendingSignal.reason, SpendingSignal.detected_at)
        .where(SpendingSignal.student_id == student.id).order_by(SpendingSignal.id)
    )
    for signal in found:
        detail = _("On average ¥%(amount)s and %(meals)d canteen meals a month in %(months)s.",
                   amount=signal.avg_amount, meals=signal.avg_meals, months=", ".join(signal.months or []))
        if signal.status == SignalStatus.DISMISSED:
            detail += " " + _("Dismissed: %(reason)s", reason=signal.reason or "")
        elif signal.status == SignalStatus.CLAIMED:
            detail += " " + _("Claim opened for verification")
        entries.append(archive.ArchiveEntry(
            at=signal.detected_at, kind="spending_signal", audience=archive.MENTORS,
            title=_("Hidden-hardship signal from campus-card spending"), detail=detail,
        ))
    return entries


# --- demo data ---------------------------------------------------------------------------------------

DEMO_LISTS = (
    (HardshipCategory.LOW_INCOME_GUARANTEE, "2026年城乡最低生活保障对象名单（民政局）"),
    (HardshipCategory.POVERTY_ALLEVIATED, "脱贫家庭（原建档立卡）学生名单（乡村振兴局）"),
    (HardshipCategory.DISABLED, "持证残疾学生名单（残联）"),
)


def _demo_months(today: date, count: int = 4) -> list[str]:
    """The latest `count` complete months of term time (no February, July or August), oldest first."""
    months = []
    year, month = today.year, today.month
    while len(months) < count:
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        if month not in (2, 7, 8):
            months.append(f"{year:04d}-{month:02d}")
    return sorted(months)


def seed_signals(ctx) -> None:
    """Demo data: four months of canteen spending for every student, with realistic spreads, so that
    some students without a claim raise signals; a few certification-list flags; an import history.
    Call it after the ledger's demo claims and mentor assignments exist."""
    from portal.students.models import ImportBatch, MentorAssignment

    rng = ctx.rng
    months = _demo_months(ctx.now.date())
    with_claims = set(db.session.scalars(select(HardshipClaim.student_id).distinct()))
    mentor_ids = ctx.mentor_ids
    first_caseload = set(db.session.scalars(
        select(MentorAssignment.student_id).where(MentorAssignment.mentor_id == mentor_ids[0]))) if mentor_ids else set()
    # a few of the first mentor's students without a claim show the pattern, so the demo has something to show
    frugal_demo = sorted(first_caseload - with_claims)[:3]
    if not frugal_demo:
        frugal_demo = [sid for sid in ctx.student_ids if sid not in with_claims][5:8]
    frugal_demo = set(frugal_demo)

    rows = []
    for student_id in ctx.student_ids:
        draw = rng.random()
        if student_id in frugal_demo or draw < (0.35 if student_id in with_claims else 0.05):
            profile = "frugal"  # eats at the canteen nearly every meal, spends little
        elif draw < 0.22:
            profile = "elsewhere"  # eats out or cooks: few canteen meals
        else:
            profile = "typical"
        for month in months:
            if profile == "frugal":
                meals = rng.randint(64, 88)
                amount = Decimal(meals) * Decimal(str(round(rng.uniform(6.2, 8.4), 2)))
            elif profile == "elsewhere":
                meals = rng.randint(8, 40)
                amount = Decimal(meals) * Decimal(str(round(rng.uniform(11.0, 19.0), 2)))
            else:
                meals = max(20, min(95, int(rng.gauss(62, 12))))
                amount = Decimal(meals) * Decimal(str(round(rng.uniform(11.5, 17.5), 2)))
            rows.append(dict(student_id=student_id, month=month, meal_count=meals,
                             canteen_amount=amount.quantize(Decimal("0.01"))))
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(SpendingRecord), rows[start:start + 5000])
    db.session.flush()
    result = refresh_signals()

    # a counselor already looked at one signal in the first mentor's caseload
    first_signal = db.session.scalar(
        select(SpendingSignal).where(SpendingSignal.active.is_(True), SpendingSignal.student_id.in_(first_caseload))
        .order_by(SpendingSignal.id).offset(2).limit(1)) if first_caseload else None
    if first_signal is not None and mentor_ids:
        first_signal.status = SignalStatus.DISMISSED
        first_signal.reason = "已谈话：学生为备考节省开支，家庭经济正常，暂不需帮扶。"
        first_signal.resolved_at = ctx.now
        first_signal.resolved_by_id = mentor_ids[0]

    # certification lists: a few students on a list without that category in the ledger
    claimed_pairs = set(db.session.execute(select(HardshipClaim.student_id, HardshipClaim.category)).all())
    with_id_numbers = set(db.session.scalars(select(Student.id).where(Student.national_id_hash.is_not(None))))
    pool = [sid for sid in ctx.student_ids if sid not in frugal_demo]
    n_flags = max(4, len(ctx.student_ids) // 150)
    picks = [sid for sid in sorted(first_caseload) if sid not in frugal_demo][:2]
    picks += rng.sample(pool, min(len(pool), n_flags))
    flags = []
    seen = set()
    for index, student_id in enumerate(picks):
        category, list_name = DEMO_LISTS[index % len(DEMO_LISTS)]
        if (student_id, category) in claimed_pairs or (student_id, category) in seen:
            continue
        seen.add((student_id, category))
        flags.append(dict(student_id=student_id, category=category, list_name=list_name,
                          matched_by="national_id" if student_id in with_id_numbers and index % 2 else "student_no",
                          imported_at=ctx.now, imported_by_id=ctx.admin_id))
    if flags:
        db.session.execute(insert(ListMatch), flags)

    n = len(ctx.student_ids)
    history = [
        dict(kind="roster", filename="2027届毕业生名单.xlsx", row_count=n, counts={"created": n, "updated": 0, "unchanged": 0}),
        dict(kind="list", filename=DEMO_LISTS[0][1] + ".xlsx", row_count=len(flags) * 6,
             counts={"matched": len(flags), "flagged": len(flags), "unmatched": len(flags) * 5},
             options={"category": DEMO_LISTS[0][0], "list_name": DEMO_LISTS[0][1]}),
        dict(kind="spending", filename=f"一卡通食堂消费{months[0]}至{months[-1]}.xlsx", row_count=len(rows),
             counts={"created": len(rows), "updated": 0, "unchanged": 0, "skipped": 0, "new_signals": result.new}),
    ]
    db.session.execute(insert(ImportBatch), [
        dict(file_sha256="0" * 64, via="web", imported_by_id=ctx.admin_id, imported_at=ctx.now,
             options=item.pop("options", {}), **item)
        for item in history
    ])
