"""Graduates' destinations: checking and recording them, confirming a student's report, the history,
and each student's outcome status as caseload pages show it."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from flask import has_request_context, url_for
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from portal.clock import local_today
from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models_base import utcnow
from portal.notifications import services as notifications
from portal.outcomes import categories as cat
from portal.outcomes.models import Destination
from portal.outcomes.rates import classify, placed_categories
from portal.students.access import mentor_ids_of
from portal.students.models import Student

REPORTED = notifications.kind(
    "outcomes.destination_reported", _l("%(student)s reported a destination (%(category)s). Please confirm it.")
)
CONFIRMED = notifications.kind("outcomes.destination_confirmed", _l("Your mentor confirmed your destination (%(category)s)."))

DESTINATION_FIELDS = (
    "category", "employer", "unit_nature", "industry", "hospital_level", "post_type", "province", "city",
    "country", "grassroots", "relation_to_major", "salary_band", "decided_on", "note",
)
# who must name the unit or school
NEEDS_EMPLOYER = frozenset({
    "agreement", "labour_contract", "research_assistant", "national_grassroots", "local_grassroots",
    "residency", "domestic_study", "study_abroad",
})
_CHOICES = {
    "unit_nature": cat.UNIT_NATURE_LABELS,
    "industry": cat.INDUSTRY_LABELS,
    "hospital_level": cat.HOSPITAL_LEVEL_LABELS,
    "post_type": cat.POST_TYPE_LABELS,
    "relation_to_major": cat.RELATION_LABELS,
    "salary_band": cat.SALARY_LABELS,
}
_LENGTHS = {"employer": 200, "city": 50, "country": 50, "note": 2000}

OUTCOME_STATUS_LABELS = {
    "placed": _l("Destination settled"),
    "seeking": _l("Not yet employed"),
    "not_seeking": _l("Not seeking work"),
    "not_counted": _l("Other destination"),
    "unknown": _l("No destination recorded"),
}


def text_or_none(value) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def link(endpoint: str, **values) -> str | None:
    """A link for a notification or an archive entry, when there is a request to build it from (the
    demo seed has none)."""
    return url_for(endpoint, **values) if has_request_context() else None


def clean_destination(fields: dict, *, today: date | None = None) -> dict:
    """Check and normalise a destination's fields; raises RuleViolation naming the field."""
    today = today or local_today()
    values = {name: text_or_none(fields.get(name)) for name in DESTINATION_FIELDS if name not in ("grassroots", "decided_on")}
    category = values["category"]
    if category not in cat.BY_KEY:
        raise RuleViolation(_("Choose a destination category."), field="category")
    for name, limit in _LENGTHS.items():
        if values[name] and len(values[name]) > limit:
            raise RuleViolation(_("Keep this under %(n)d characters.", n=limit), field=name)
    for name, allowed in _CHOICES.items():
        if values[name] and values[name] not in allowed:
            raise RuleViolation(_("Choose one of the listed values."), field=name)
    decided_on = fields.get("decided_on")
    if isinstance(decided_on, datetime):
        decided_on = decided_on.date()
    if decided_on is not None and not isinstance(decided_on, date):
        raise RuleViolation(_("Enter the date as YYYY-MM-DD."), field="decided_on")
    group = cat.BY_KEY[category].group
    if group == "unplaced":
        # nothing about a unit belongs to "not yet employed"
        note = values["note"]
        return {**{name: None for name in values}, "category": category, "note": note,
                "grassroots": False, "decided_on": decided_on}
    if decided_on is None:
        raise RuleViolation(_("Enter the date of the offer, contract or admission."), field="decided_on")
    if decided_on.year < 2000 or decided_on > today + timedelta(days=366):
        raise RuleViolation(_("This date is not plausible."), field="decided_on")
    if category in NEEDS_EMPLOYER and not values["employer"]:
        message = (_("Name the school or university.") if group == "study"
                   else _("Name the employer or training base."))
        raise RuleViolation(message, field="employer")
    if values["province"] and values["province"] not in cat.PROVINCES:
        raise RuleViolation(_("Choose a province from the list."), field="province")
    if category == "study_abroad":
        if not values["country"]:
            raise RuleViolation(_("Name the country or region of study."), field="country")
        values["province"] = values["city"] = None
    if values["hospital_level"] and not values["unit_nature"]:
        values["unit_nature"] = "healthcare"
    if values["unit_nature"] != "healthcare":
        values["hospital_level"] = None
    if category == "residency" and not values["post_type"]:
        values["post_type"] = "residency"
    grassroots = bool(fields.get("grassroots")) or (
        values["hospital_level"] in cat.GRASSROOTS_LEVELS
        or category in ("national_grassroots", "local_grassroots")
        or values["unit_nature"] == "village"
    )
    return {**values, "grassroots": grassroots, "decided_on": decided_on}


def current_destination(student: Student | int) -> Destination | None:
    student_id = student if isinstance(student, int) else student.id
    return db.session.scalar(
        select(Destination).where(Destination.student_id == student_id, Destination.is_current == True)  # noqa: E712
    )


def destination_history(student: Student | int) -> list[Destination]:
    student_id = student if isinstance(student, int) else student.id
    return list(db.session.scalars(
        select(Destination).options(joinedload(Destination.recorded_by), joinedload(Destination.verified_by))
        .where(Destination.student_id == student_id).order_by(Destination.recorded_at.desc(), Destination.id.desc())
    ))


def record_destination(student: Student, *, actor, source: str, verified: bool = False, **fields) -> Destination:
    """Record where the student is going; the new record becomes the current one, the old one stays
    in the history. Students' own reports wait for a mentor to confirm them."""
    values = clean_destination(fields)
    if source not in cat.SOURCE_LABELS:
        raise RuleViolation(_("Unknown source."), field="source")
    if source == "student":
        verified = False
    now = utcnow()
    db.session.execute(
        update(Destination)
        .where(Destination.student_id == student.id, Destination.is_current == True)  # noqa: E712
        .values(is_current=False, superseded_at=now, updated_at=now)
        .execution_options(synchronize_session="fetch")
    )
    destination = Destination(
        student_id=student.id, source=source, recorded_by_id=getattr(actor, "id", None), recorded_at=now,
        is_current=True, verified=verified, updated_at=now, **values,
    )
    if verified:
        destination.verified_by_id = getattr(actor, "id", None)
        destination.verified_at = now
    db.session.add(destination)
    db.session.flush()
    if source == "student":
        label = cat.category_label(destination.category)
        for mentor_id in mentor_ids_of(student):
            notifications.notify(mentor_id, REPORTED, student=student.name, category=label,
                                 link=link("outcomes.student_destination", student_id=student.id))
    return destination


def verify_destination(destination: Destination, *, actor) -> Destination:
    """A mentor or the office confirms the current record (they have seen the agreement, contract or admission)."""
    if not destination.is_current:
        raise RuleViolation(_("Only the current record can be confirmed; this one has been replaced."), status=409)
    if destination.verified:
        return destination
    destination.verified = True
    destination.verified_by_id = actor.id
    destination.verified_at = utcnow()
    db.session.flush()
    if destination.source == "student":
        notifications.notify(destination.student.user_id, CONFIRMED, category=cat.category_label(destination.category),
                             link=link("outcomes.me"), dedupe_key=f"destination-confirmed-{destination.id}")
    return destination


# --- the caseload's outcome status ----------------------------------------------------------

def outcome_status(student_ids: Iterable[int]) -> dict[int, str]:
    """Each student's outcome status (a key of OUTCOME_STATUS_LABELS), by the same rule as the
    destination rate. For caseload pages: one query per 500 students."""
    ids = list(dict.fromkeys(student_ids))
    placed = placed_categories()
    status = {student_id: "unknown" for student_id in ids}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for student_id, category in db.session.execute(
            select(Destination.student_id, Destination.category)
            .where(Destination.student_id.in_(chunk), Destination.is_current == True)  # noqa: E712
        ):
            status[student_id] = classify(category, placed)
    return status


def _outcome_labels(student_ids) -> dict[int, str]:
    return {sid: str(OUTCOME_STATUS_LABELS.get(status, status)) for sid, status in outcome_status(student_ids).items()}


# the caseload page shows each student's outcome status, in the reader's language
from portal.students.services import OUTCOME_STATUS_PROVIDERS  # noqa: E402

OUTCOME_STATUS_PROVIDERS.append(_outcome_labels)
