"""Rules about students: who their mentors are, national ID hashing, and logging interventions."""
from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import delete, exists, func, insert, or_, select, update

from portal import notifications, settings
from portal.extensions import db
from portal.i18n import lazy_gettext as _l
from portal.models_base import utcnow
from portal.sanitize import clean_html
from portal.students.models import (
    AssignmentKind,
    Channel,
    ChecklistItem,
    ClaimSource,
    ClaimStatus,
    HardshipCategory,
    HardshipClaim,
    HardshipLevel,
    Intervention,
    InterventionRevision,
    InterventionType,
    MentorAssignment,
    ProfileChange,
    Student,
    Verification,
    Visibility,
)

NATIONAL_ID = re.compile(r"^\d{17}[\dX]$")

# days without any logged contact after which the caseload page highlights a student
settings.declare("students.no_contact_days", 30)

SUPPORT_REQUESTED = notifications.kind(
    "students.support_requested", _l("%(student)s has asked for support from their profile. Please talk with them privately.")
)
SUPPORT_REVIEWED = notifications.kind(
    "students.support_reviewed", _l("Your mentor has looked at what you told us. Open the support page to see the next step.")
)


class StudentError(ValueError):
    """A rule was broken; the message is translated and safe to show."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


class AlreadyExists(StudentError):
    """The thing asked for is already there (answered with 409)."""


# --- mentors and caseloads ------------------------------------------------------------

def is_assigned_mentor(user, student: Student | int) -> bool:
    """True when the user is one of the student's assigned mentors.

    Remembered for the rest of the request: a page asks the policy several times about one student.
    """
    student_id = student if isinstance(student, int) else student.id
    memo = _assignment_memo()
    key = (user.id, student_id)
    if key not in memo:
        memo[key] = bool(db.session.scalar(
            select(exists().where(MentorAssignment.student_id == student_id, MentorAssignment.mentor_id == user.id))
        ))
    return memo[key]


def _assignment_memo() -> dict:
    # kept on the request itself (not on g, which a test's outer app context can share between requests)
    from flask import has_request_context, request

    if not has_request_context():
        return {}
    return request.environ.setdefault("medpath.students.assignment_memo", {})


def _forget_assignments() -> None:
    from portal.students.caseload import forget_mentor_loads

    _assignment_memo().clear()
    forget_mentor_loads()  # the assignment page's students per mentor


def mentor_ids_of(student: Student | int) -> list[int]:
    student_id = student if isinstance(student, int) else student.id
    return list(db.session.scalars(select(MentorAssignment.mentor_id).where(MentorAssignment.student_id == student_id)))


def caseload_student_ids(mentor) -> select:
    """A subquery of the ids of the students on the mentor's caseload (for scoping list queries)."""
    return select(MentorAssignment.student_id).where(MentorAssignment.mentor_id == mentor.id)


def student_of_user(user) -> Student | None:
    return db.session.scalar(select(Student).where(Student.user_id == user.id))


def assign(student: Student, mentor, *, kind: str = AssignmentKind.PRIMARY, actor=None) -> MentorAssignment:
    """Put the student on the mentor's caseload. A new primary mentor replaces the old primary."""
    from portal import audit

    _forget_assignments()
    existing = db.session.scalar(
        select(MentorAssignment).where(MentorAssignment.student_id == student.id, MentorAssignment.mentor_id == mentor.id)
    )
    if kind == AssignmentKind.PRIMARY:
        old_primary = db.session.scalar(
            select(MentorAssignment).where(
                MentorAssignment.student_id == student.id, MentorAssignment.kind == AssignmentKind.PRIMARY
            )
        )
        if old_primary is not None and old_primary is not existing:
            db.session.delete(old_primary)
            db.session.flush()
    if existing is not None:
        existing.kind = kind
        assignment = existing
    else:
        assignment = MentorAssignment(student_id=student.id, mentor_id=mentor.id, kind=kind,
                                      created_by_id=getattr(actor, "id", None))
        db.session.add(assignment)
    db.session.flush()
    audit.record(actor, "caseload.assigned", student, detail=f"mentor={mentor.username} kind={kind}")
    return assignment


def unassign(student: Student, mentor, *, actor=None) -> None:
    from portal import audit

    _forget_assignments()
    row = db.session.scalar(
        select(MentorAssignment).where(MentorAssignment.student_id == student.id, MentorAssignment.mentor_id == mentor.id)
    )
    if row is not None:
        db.session.delete(row)
        audit.record(actor, "caseload.unassigned", student, detail=f"mentor={mentor.username}")


# --- national ID numbers ---------------------------------------------------------------

def normalize_national_id(value: str) -> str | None:
    value = (value or "").strip().upper().replace(" ", "")
    return value if NATIONAL_ID.match(value) else None


def national_id_hash(value: str) -> str:
    """Keyed hash of a national ID number: lists can be matched, the number cannot be read back."""
    key = current_app.config["ID_HASH_KEY"].encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def mask_national_id(value: str) -> str:
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def set_national_id(student: Student, value: str) -> None:
    from portal.i18n import gettext as _

    normalized = normalize_national_id(value)
    if normalized is None:
        raise StudentError(_("A national ID number has 18 characters: 17 digits and a digit or X."), field="national_id")
    student.national_id_hash = national_id_hash(normalized)
    student.national_id_masked = mask_national_id(normalized)


# --- interventions --------------------------------------------------------------------

def log_intervention(
    student: Student | int,
    *,
    author,
    type: str,
    channel: str = "in_person",
    occurred_at: datetime | None = None,
    duration_minutes: int | None = None,
    notes: str | None = None,
    follow_up_on: date | None = None,
    visibility: str | None = None,
    source: str | None = None,
    source_id: int | None = None,
) -> Intervention:
    """Record one act of support. Other features call this (resume coaching, mock interviews…).

    Psychological counseling is private to its author unless said otherwise.
    """
    if visibility is None:
        visibility = Visibility.PRIVATE if type == "psychological_counseling" else Visibility.MENTORS
    intervention = Intervention(
        student_id=student if isinstance(student, int) else student.id,
        author_id=getattr(author, "id", author),
        type=type,
        channel=channel,
        occurred_at=occurred_at or utcnow(),
        duration_minutes=duration_minutes,
        notes=clean_html(notes) if notes else None,
        follow_up_on=follow_up_on,
        visibility=visibility,
        source=source,
        source_id=source_id,
    )
    db.session.add(intervention)
    db.session.flush()
    return intervention


EDITABLE_FIELDS = ("type", "channel", "occurred_at", "duration_minutes", "notes", "follow_up_on", "follow_up_done", "visibility")


def edit_intervention(intervention: Intervention, *, editor, **changes) -> Intervention:
    """Change an intervention, keeping the fields as they were in a revision."""
    before = {}
    for name in EDITABLE_FIELDS:
        value = getattr(intervention, name)
        before[name] = value.isoformat() if isinstance(value, (date, datetime)) else value
    if "notes" in changes and changes["notes"]:
        changes["notes"] = clean_html(changes["notes"])
    changed = False
    for name, value in changes.items():
        if name not in EDITABLE_FIELDS:
            raise KeyError(name)
        if getattr(intervention, name) != value:
            setattr(intervention, name, value)
            changed = True
    if changed:
        db.session.add(InterventionRevision(intervention=intervention, edited_by_id=editor.id, before=before))
        db.session.flush()
    return intervention


# --- hooks for features that come later --------------------------------------------------
# The caseload page shows each student's next appointment and outcome status. The appointments
# and outcomes features fill these in: append a function taking a list of Student ids and
# returning {student_id: value} for those it knows (one query for the whole list, never one per
# student). Until then the caseload shows nothing in those columns.
NEXT_APPOINTMENT_PROVIDERS: list[Callable[[list[int]], dict[int, datetime]]] = []
OUTCOME_STATUS_PROVIDERS: list[Callable[[list[int]], dict[int, str]]] = []
# support-plan progress per student: (open goals, overdue goals)
PLAN_PROGRESS_PROVIDERS: list[Callable[[list[int]], dict[int, tuple[int, int]]]] = []


def plan_progress(student_ids: list[int]) -> dict[int, tuple[int, int]]:
    found: dict[int, tuple[int, int]] = {}
    for provider in PLAN_PROGRESS_PROVIDERS:
        found.update(provider(student_ids) or {})
    return found


def next_appointments(student_ids: list[int]) -> dict[int, datetime]:
    """The earliest upcoming appointment of each student, from every registered provider."""
    found: dict[int, datetime] = {}
    for provider in NEXT_APPOINTMENT_PROVIDERS:
        for student_id, at in (provider(student_ids) or {}).items():
            if at is not None and (student_id not in found or at < found[student_id]):
                found[student_id] = at
    return found


def next_appointment(student: Student | int) -> datetime | None:
    """None until the appointments feature registers a provider."""
    student_id = student if isinstance(student, int) else student.id
    return next_appointments([student_id]).get(student_id)


def outcome_statuses(student_ids: list[int]) -> dict[int, str]:
    """A short, translated outcome status per student (e.g. "Employed"); {} until outcomes exist."""
    found: dict[int, str] = {}
    for provider in OUTCOME_STATUS_PROVIDERS:
        for student_id, status in (provider(student_ids) or {}).items():
            if status:
                found.setdefault(student_id, status)
    return found


def outcome_status(student: Student | int) -> str | None:
    student_id = student if isinstance(student, int) else student.id
    return outcome_statuses([student_id]).get(student_id)


# --- times --------------------------------------------------------------------------------

# the office's clock lives in portal.clock; these names stay importable from here
from portal.clock import local_to_utc, local_today, local_zone  # noqa: E402,F401

# --- profiles -----------------------------------------------------------------------------

CONTACT_FIELDS = ("phone", "email")
INTENTION_FIELDS = (
    "intended_regions", "intended_hospital_levels", "intended_post_types", "grassroots_openness",
    "further_study", "standardized_training", "intentions_note",
)
# what admins and the student's mentors keep; the student keeps contact and intentions
RECORD_FIELDS = (
    "display_name", "gender", "college", "major", "degree_level", "cohort", "graduation_year",
    "class_name", "home_province", "origin", "academic_standing", "priority",
)
PHONE = re.compile(r"^(\+?86[- ]?)?1[3-9]\d{9}$|^0\d{2,3}-?\d{7,8}$")


def _current(student: Student, name: str):
    if name in ("email", "display_name"):
        return getattr(student.user, name)
    return getattr(student, name)


def _apply(student: Student, name: str, value) -> None:
    if name in ("email", "display_name"):
        setattr(student.user, name, value)
    else:
        setattr(student, name, value)


def _record_changes(student: Student, actor, changes: dict[str, list]) -> ProfileChange | None:
    if not changes:
        return None
    row = ProfileChange(student_id=student.id, changed_by_id=getattr(actor, "id", None), changes=changes)
    db.session.add(row)
    db.session.flush()
    return row


def _apply_values(student: Student, values: dict) -> dict[str, list]:
    """Set the fields that differ; returns {field: [old, new]}."""
    changes = {}
    for name, value in values.items():
        old = _current(student, name)
        if isinstance(value, str):
            value = value.strip() or None
        if old != value:
            changes[name] = [old, value]
            _apply(student, name, value)
    return changes


def _set_fields(student: Student, actor, values: dict) -> ProfileChange | None:
    return _record_changes(student, actor, _apply_values(student, values))


def _check_choices(name: str, values, allowed) -> None:
    from portal.i18n import gettext as _

    bad = [str(v) for v in values if v not in allowed]
    if bad:
        raise StudentError(_("“%(value)s” is not one of the choices offered.", value=", ".join(bad)), field=name)


def update_contact(student: Student, *, actor, phone: str | None, email: str | None) -> ProfileChange | None:
    """The student's own contact details; each change is kept for the archive."""
    from portal.i18n import gettext as _

    phone = (phone or "").strip() or None
    email = (email or "").strip().lower() or None
    if phone and not PHONE.match(phone):
        raise StudentError(_("Enter a mobile number such as 13800138000, or a landline such as 0311-12345678."), field="phone")
    if email and ("@" not in email or len(email) > 254):
        raise StudentError(_("Enter an e-mail address such as name@example.com."), field="email")
    return _set_fields(student, actor, {"phone": phone, "email": email})


def update_intentions(
    student: Student,
    *,
    actor,
    regions: list[str],
    hospital_levels: list[str],
    post_types: list[str],
    grassroots_openness: str | None,
    further_study: str | None,
    standardized_training: bool,
    note: str | None = None,
) -> ProfileChange | None:
    """The student's job-search intentions, each value one of the portal's lists."""
    from portal.students import labels

    _check_choices("regions", regions, labels.PROVINCES)
    _check_choices("hospital_levels", hospital_levels, labels.HOSPITAL_LEVELS)
    _check_choices("post_types", post_types, labels.POST_TYPES)
    if grassroots_openness:
        _check_choices("grassroots_openness", [grassroots_openness], labels.GRASSROOTS)
    if further_study:
        _check_choices("further_study", [further_study], labels.FURTHER_STUDY)
    order = {name: i for i, name in enumerate(labels.PROVINCES)}
    values = {
        "intended_regions": sorted(dict.fromkeys(regions), key=order.get),
        "intended_hospital_levels": [v for v in labels.HOSPITAL_LEVELS if v in set(hospital_levels)],
        "intended_post_types": [v for v in labels.POST_TYPES if v in set(post_types)],
        "grassroots_openness": grassroots_openness or None,
        "further_study": further_study or None,
        "standardized_training": bool(standardized_training),
        "intentions_note": (note or "").strip()[:1000] or None,
    }
    return _set_fields(student, actor, values)


def update_record(student: Student, *, actor, national_id: str | None = None, **fields) -> ProfileChange | None:
    """What admins and the student's mentors keep: identity, studies, origin, standing, priority.

    A national ID number is only ever stored as its keyed hash and masked form; the archive
    records that it changed, masked.
    """
    from portal.i18n import gettext as _

    from portal.students import labels

    unknown = set(fields) - set(RECORD_FIELDS)
    if unknown:
        raise KeyError(", ".join(sorted(unknown)))
    if not (fields.get("display_name") or student.user.display_name):
        raise StudentError(_("The name cannot be empty."), field="display_name")
    checks = {
        "gender": labels.GENDERS, "degree_level": labels.DEGREES, "origin": labels.ORIGINS,
        "academic_standing": labels.STANDINGS, "priority": labels.PRIORITIES,
        "home_province": labels.PROVINCES,
    }
    for name, allowed in checks.items():
        if fields.get(name):
            _check_choices(name, [fields[name]], allowed)
    if "graduation_year" in fields:
        year = fields["graduation_year"]
        if year is None or not 1990 <= int(year) <= 2100:
            raise StudentError(_("Enter a graduation year such as 2027."), field="graduation_year")
    year = fields.get("graduation_year", student.graduation_year)
    cohort = fields.get("cohort", student.cohort)
    if cohort is not None and not (year - 12 <= cohort < year):
        raise StudentError(_("The year of entry must be a few years before the graduation year."), field="cohort")
    for name in ("college", "major", "degree_level", "academic_standing", "priority"):
        if name in fields and not fields[name]:
            raise StudentError(_("This field is required."), field=name)
    changes = {}
    if national_id:
        old_hash, old_masked = student.national_id_hash, student.national_id_masked
        set_national_id(student, national_id)
        if student.national_id_hash != old_hash:
            changes["national_id"] = [old_masked, student.national_id_masked]
    changes.update(_apply_values(student, fields))
    return _record_changes(student, actor, changes)


# --- the hardship ledger: claims and their verification ---------------------------------

DEFAULT_CHECKLIST = (
    ("documents_checked", "材料已核验", "Documents checked"),
    ("household_checked", "家庭情况已核实", "Household situation checked"),
    ("lists_cross_checked", "已与认定名单比对", "Cross-checked against lists"),
    ("interview_held", "已与学生面谈", "Interview held"),
)


def ensure_default_checklist() -> bool:
    """Put the four usual checklist items in place the first time the checklist is used; True if it did."""
    if db.session.scalar(select(func.count(ChecklistItem.id))):
        return False
    for position, (key, zh, en) in enumerate(DEFAULT_CHECKLIST):
        db.session.add(ChecklistItem(key=key, label_zh=zh, label_en=en, position=position, active=True))
    db.session.flush()
    return True


def checklist_items(*, include_inactive: bool = False) -> list[ChecklistItem]:
    ensure_default_checklist()
    stmt = select(ChecklistItem).order_by(ChecklistItem.position, ChecklistItem.id)
    if not include_inactive:
        stmt = stmt.where(ChecklistItem.active.is_(True))
    return list(db.session.scalars(stmt))


def checklist_label(item: ChecklistItem, locale: str | None = None) -> str:
    if locale is None:
        from flask_babel import get_locale

        locale = str(get_locale() or "zh")
    return item.label_zh if locale.startswith("zh") else item.label_en


def _clean_label(value: str | None, field: str) -> str:
    from portal.i18n import gettext as _

    value = " ".join((value or "").split())
    if not value:
        raise StudentError(_("Give the item a name in both languages."), field=field)
    if len(value) > 200:
        raise StudentError(_("Keep the name under 200 characters."), field=field)
    return value


def add_checklist_item(*, label_zh: str, label_en: str, actor) -> ChecklistItem:
    from portal import audit

    ensure_default_checklist()
    label_zh, label_en = _clean_label(label_zh, "label_zh"), _clean_label(label_en, "label_en")
    last = db.session.scalar(select(func.max(ChecklistItem.position))) or 0
    count = db.session.scalar(select(func.count(ChecklistItem.id))) or 0
    key = f"item_{count + 1}"
    while db.session.scalar(select(ChecklistItem.id).where(ChecklistItem.key == key)):
        count += 1
        key = f"item_{count + 1}"
    item = ChecklistItem(key=key, label_zh=label_zh, label_en=label_en, position=last + 1, active=True)
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "checklist.item_added", item, detail=label_en)
    return item


def rename_checklist_item(item: ChecklistItem, *, label_zh: str, label_en: str, actor) -> ChecklistItem:
    """Rename an item. Past verifications keep their ticks (stored by key) and show the new name."""
    from portal import audit

    item.label_zh, item.label_en = _clean_label(label_zh, "label_zh"), _clean_label(label_en, "label_en")
    db.session.flush()
    audit.record(actor, "checklist.item_renamed", item, detail=item.label_en)
    return item


def set_checklist_item_active(item: ChecklistItem, active: bool, *, actor) -> ChecklistItem:
    from portal import audit

    item.active = active
    db.session.flush()
    audit.record(actor, "checklist.item_activated" if active else "checklist.item_deactivated", item)
    return item


def move_checklist_item(item: ChecklistItem, direction: str) -> None:
    """Swap the item with its neighbour above ("up") or below ("down")."""
    items = checklist_items(include_inactive=True)
    index = next(i for i, other in enumerate(items) if other.id == item.id)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
    for position, each in enumerate(items):
        each.position = position
    db.session.flush()


def _check_category(category: str, level: str | None) -> str | None:
    from portal.i18n import gettext as _

    if category not in set(HardshipCategory):
        raise StudentError(_("Choose one of the categories offered."), field="category")
    if level in ("", None):
        return None
    if category != HardshipCategory.FINANCIAL_HARDSHIP:
        raise StudentError(_("Only family financial hardship has a level."), field="level")
    if level not in set(HardshipLevel):
        raise StudentError(_("Choose one of the levels offered."), field="level")
    return level


def notes_html(text: str | None) -> str | None:
    """Rich text as stored: sanitised; plain text with line breaks becomes paragraphs first."""
    text = (text or "").strip()
    if not text:
        return None
    if "<" not in text:
        from markupsafe import escape

        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
        text = "".join("<p>" + str(escape(p)).replace("\n", "<br>") + "</p>" for p in paragraphs)
    return clean_html(text) or None


def _existing_claim(student: Student, category: str) -> HardshipClaim | None:
    return db.session.scalar(
        select(HardshipClaim).where(HardshipClaim.student_id == student.id, HardshipClaim.category == category)
    )


def add_claim(
    student: Student,
    *,
    actor,
    category: str,
    source: str,
    level: str | None = None,
    evidence_notes: str | None = None,
) -> HardshipClaim:
    """Staff record a category for a student, waiting for verification."""
    from portal.i18n import gettext as _

    from portal import audit

    level = _check_category(category, level)
    if source not in set(ClaimSource):
        raise StudentError(_("Choose one of the sources offered."), field="source")
    if _existing_claim(student, category) is not None:
        raise AlreadyExists(_("This student already has this category in the ledger; open it to verify or update it."),
                           field="category")
    claim = HardshipClaim(
        student_id=student.id, category=category, level=level, source=source,
        evidence_notes=notes_html(evidence_notes), status=ClaimStatus.PENDING, created_by_id=getattr(actor, "id", None),
    )
    db.session.add(claim)
    db.session.flush()
    audit.record(actor, "hardship_claim.added", claim, detail=f"student={student.student_no} category={category} source={source}")
    return claim


def self_declare(student: Student, *, category: str, note: str | None = None) -> HardshipClaim:
    """The student tells the office about their situation, privately. Their mentors are told.

    Saying it again after a "not confirmed" or "needs more" decision reopens the request with the
    new words added; saying it while it is open changes nothing and says so.
    """
    from portal.i18n import gettext as _

    from portal import audit

    _check_category(category, None)
    note_html = notes_html(note)
    claim = _existing_claim(student, category)
    if claim is not None:
        if claim.status in (ClaimStatus.PENDING, ClaimStatus.VERIFIED):
            raise AlreadyExists(_("You have already told us about this. Your mentor will be in touch; you can also "
                                 "contact them directly."), field="category")
        claim.status = ClaimStatus.PENDING
        if note_html:
            claim.evidence_notes = (claim.evidence_notes or "") + note_html
    else:
        claim = HardshipClaim(
            student_id=student.id, category=category, source=ClaimSource.SELF_DECLARED,
            evidence_notes=note_html, status=ClaimStatus.PENDING, created_by_id=student.user_id,
        )
        db.session.add(claim)
    db.session.flush()
    audit.record(student.user, "hardship_claim.self_declared", claim, detail=f"category={category}")
    for mentor_id in mentor_ids_of(student):
        notifications.notify(mentor_id, SUPPORT_REQUESTED, link=url_for("students.claim", claim_id=claim.id),
               dedupe_key=f"support-requested:{claim.id}:{claim.updated_at.isoformat() if claim.updated_at else ''}",
               student=student.user.display_name)
    return claim


def update_claim(claim: HardshipClaim, *, actor, level: str | None, evidence_notes: str | None) -> HardshipClaim:
    from portal import audit

    claim.level = _check_category(claim.category, level)
    claim.evidence_notes = notes_html(evidence_notes)
    db.session.flush()
    audit.record(actor, "hardship_claim.updated", claim)
    return claim


def verify_claim(
    claim: HardshipClaim,
    *,
    actor,
    decision: str,
    checked: list[str],
    note: str | None = None,
    level: str | None = None,
) -> Verification:
    """Record a check of the claim: which checklist items were done, the decision, who and when.

    A confirmation needs at least one item ticked; family financial hardship needs its level.
    "Not confirmed" and "needs more information" need a note saying why or what is missing.
    """
    from portal.i18n import gettext as _

    from portal import audit

    if decision not in (ClaimStatus.VERIFIED, ClaimStatus.REJECTED, ClaimStatus.NEEDS_MORE):
        raise StudentError(_("Choose a decision."), field="decision")
    items = checklist_items(include_inactive=True)
    known = {item.key for item in items}
    unknown = [key for key in checked if key not in known]
    if unknown:
        raise StudentError(_("The checklist has changed; reload the page and tick the items again."), field="checked")
    if level not in (None, ""):
        claim.level = _check_category(claim.category, level)
    note = (note or "").strip() or None
    if decision == ClaimStatus.VERIFIED:
        if not checked:
            raise StudentError(_("Tick the checks you made before confirming."), field="checked")
        if claim.category == HardshipCategory.FINANCIAL_HARDSHIP and not claim.level:
            raise StudentError(_("Choose the level of financial hardship before confirming."), field="level")
    elif not note:
        raise StudentError(_("Say why, or what is still missing, in the note."), field="note")
    active_keys = [item.key for item in items if item.active or item.key in checked]
    now = utcnow()
    verification = Verification(
        claim=claim,
        checklist={key: key in checked for key in active_keys},
        decision=decision,
        note=note,
        decided_by_id=actor.id,
        decided_at=now,
    )
    db.session.add(verification)
    claim.status = decision
    claim.decided_by_id = actor.id
    claim.decided_at = now
    db.session.flush()
    audit.record(actor, "hardship_claim.verified", claim, detail=f"decision={decision}")
    student = claim.student
    if claim.source == ClaimSource.SELF_DECLARED:
        # the student hears that their request was looked at; the page says what happens next
        notifications.notify(student.user_id, SUPPORT_REVIEWED, link=url_for("students.my_support"),
               dedupe_key=f"support-reviewed:{verification.id}")
    return verification


def claim_visible_to_student(claim: HardshipClaim) -> bool:
    """What a student sees of the ledger about themselves: what they told us, and what was confirmed.

    Items staff are still checking from lists or signals stay with the staff until decided.
    """
    return claim.source == ClaimSource.SELF_DECLARED or claim.status == ClaimStatus.VERIFIED


# --- interventions: what staff see, follow-ups -----------------------------------------------

def visible_interventions(student: Student | int, viewer, *, for_student: bool = False):
    """A select of the student's interventions this viewer may read, newest first.

    Private notes reach nobody but their author, administrators included.
    """
    student_id = student if isinstance(student, int) else student.id
    stmt = select(Intervention).where(Intervention.student_id == student_id)
    if for_student:
        stmt = stmt.where(Intervention.visibility == Visibility.STUDENT)
    else:
        stmt = stmt.where(or_(Intervention.visibility != Visibility.PRIVATE, Intervention.author_id == viewer.id))
    return stmt.order_by(Intervention.occurred_at.desc(), Intervention.id.desc())


def intervention_values(
    *,
    type: str,
    channel: str,
    occurred_at: datetime,
    duration_minutes: int | None,
    notes: str | None,
    follow_up_on: date | None,
    visibility: str | None,
) -> dict:
    """Check an intervention's fields; returns them ready to store."""
    from portal.i18n import gettext as _

    if type not in set(InterventionType):
        raise StudentError(_("Choose the kind of support."), field="type")
    if channel not in set(Channel):
        raise StudentError(_("Choose how you were in touch."), field="channel")
    if visibility not in (None, "") and visibility not in set(Visibility):
        raise StudentError(_("Choose who may read the notes."), field="visibility")
    if occurred_at > utcnow() + timedelta(days=1):
        raise StudentError(_("An intervention is logged once it has happened; the date is in the future."),
                           field="occurred_on")
    if duration_minutes is not None and not 0 < duration_minutes <= 24 * 60:
        raise StudentError(_("Give the duration in minutes, between 1 and 1440."), field="duration_minutes")
    if follow_up_on is not None and follow_up_on < occurred_at.astimezone(local_zone()).date():
        raise StudentError(_("The follow-up date is before the intervention."), field="follow_up_on")
    return dict(type=type, channel=channel, occurred_at=occurred_at, duration_minutes=duration_minutes,
                notes=notes_html(notes), follow_up_on=follow_up_on, visibility=visibility or None)


def complete_follow_up(intervention: Intervention, *, actor) -> Intervention:
    """Mark the follow-up done; kept as an edit so the history shows who closed it and when."""
    if not intervention.follow_up_done:
        edit_intervention(intervention, editor=actor, follow_up_done=True)
    return intervention


# --- caseload assignment in bulk ---------------------------------------------------------

def assign_mentor(student: Student, mentor, *, kind: str, actor) -> MentorAssignment:
    """Assign one student, checking the mentor is an active mentor and the kind is known."""
    _check_mentor(mentor, kind)
    return assign(student, mentor, kind=kind, actor=actor)


def _check_mentor(mentor, kind: str) -> None:
    from portal.i18n import gettext as _

    from portal.accounts.models import Role

    if mentor is None or mentor.role != Role.MENTOR or not mentor.active:
        raise StudentError(_("Choose an active mentor."), field="mentor")
    if kind not in set(AssignmentKind):
        raise StudentError(_("Choose the kind of assignment."), field="kind")


def bulk_assign(mentor, student_ids, *, kind: str = AssignmentKind.PRIMARY, actor=None) -> int:
    """Put many students on a mentor's caseload in a few statements; a new primary replaces the old one."""
    from portal.i18n import gettext as _

    from portal import audit

    _check_mentor(mentor, kind)
    _forget_assignments()
    ids = sorted(set(int(i) for i in student_ids))
    if not ids:
        raise StudentError(_("No student was selected."), field="target")
    now = utcnow()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        if kind == AssignmentKind.PRIMARY:
            db.session.execute(
                delete(MentorAssignment)
                .where(MentorAssignment.student_id.in_(chunk), MentorAssignment.kind == AssignmentKind.PRIMARY,
                       MentorAssignment.mentor_id != mentor.id)
                .execution_options(synchronize_session=False)
            )
        db.session.execute(
            update(MentorAssignment)
            .where(MentorAssignment.student_id.in_(chunk), MentorAssignment.mentor_id == mentor.id)
            .values(kind=kind)
            .execution_options(synchronize_session=False)
        )
        existing = set(db.session.scalars(
            select(MentorAssignment.student_id).where(MentorAssignment.student_id.in_(chunk),
                                                      MentorAssignment.mentor_id == mentor.id)
        ))
        rows = [dict(student_id=sid, mentor_id=mentor.id, kind=kind, created_at=now, created_by_id=getattr(actor, "id", None))
                for sid in chunk if sid not in existing]
        if rows:
            db.session.execute(insert(MentorAssignment), rows)
    db.session.expire_all()
    audit.record(actor, "caseload.bulk_assigned", mentor, detail=f"mentor={mentor.username} kind={kind} students={len(ids)}")
    return len(ids)
