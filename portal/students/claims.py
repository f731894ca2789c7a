"""The hardship ledger's rules: claims, the verification checklist, and decisions on claims."""
from __future__ import annotations

from flask import url_for
from flask_babel import get_locale
from sqlalchemy import func, select

from portal import audit, notifications
from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models_base import utcnow
from portal.students.access import mentor_ids_of
from portal.students.interventions import notes_html
from portal.students.models import (
    ChecklistItem,
    ClaimSource,
    ClaimStatus,
    HardshipCategory,
    HardshipClaim,
    HardshipLevel,
    Student,
    Verification,
)

SUPPORT_REQUESTED = notifications.kind(
    "students.support_requested", _l("%(student)s has asked for support from their profile. Please talk with them privately.")
)
SUPPORT_REVIEWED = notifications.kind(
    "students.support_reviewed", _l("Your mentor has looked at what you told us. Open the support page to see the next step.")
)


# --- the verification checklist ------------------------------------------------------------------

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
        locale = str(get_locale() or "zh")
    return item.label_zh if locale.startswith("zh") else item.label_en


def _clean_label(value: str | None, field: str) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise RuleViolation(_("Give the item a name in both languages."), field=field)
    if len(value) > 200:
        raise RuleViolation(_("Keep the name under 200 characters."), field=field)
    return value


def add_checklist_item(*, label_zh: str, label_en: str, actor) -> ChecklistItem:
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
    item.label_zh, item.label_en = _clean_label(label_zh, "label_zh"), _clean_label(label_en, "label_en")
    db.session.flush()
    audit.record(actor, "checklist.item_renamed", item, detail=item.label_en)
    return item


def set_checklist_item_active(item: ChecklistItem, active: bool, *, actor) -> ChecklistItem:
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


# --- claims ----------------------------------------------------------------------------------------

def _check_category(category: str, level: str | None) -> str | None:
    if category not in set(HardshipCategory):
        raise RuleViolation(_("Choose one of the categories offered."), field="category")
    if level in ("", None):
        return None
    if category != HardshipCategory.FINANCIAL_HARDSHIP:
        raise RuleViolation(_("Only family financial hardship has a level."), field="level")
    if level not in set(HardshipLevel):
        raise RuleViolation(_("Choose one of the levels offered."), field="level")
    return level


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
    level = _check_category(category, level)
    if source not in set(ClaimSource):
        raise RuleViolation(_("Choose one of the sources offered."), field="source")
    if _existing_claim(student, category) is not None:
        raise RuleViolation(_("This student already has this category in the ledger; open it to verify or update it."),
                            field="category", status=409)
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
    _check_category(category, None)
    note_html = notes_html(note)
    claim = _existing_claim(student, category)
    if claim is not None:
        if claim.status in (ClaimStatus.PENDING, ClaimStatus.VERIFIED):
            raise RuleViolation(_("You have already told us about this. Your mentor will be in touch; you can also "
                                  "contact them directly."), field="category", status=409)
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
    if decision not in (ClaimStatus.VERIFIED, ClaimStatus.REJECTED, ClaimStatus.NEEDS_MORE):
        raise RuleViolation(_("Choose a decision."), field="decision")
    items = checklist_items(include_inactive=True)
    known = {item.key for item in items}
    unknown = [key for key in checked if key not in known]
    if unknown:
        raise RuleViolation(_("The checklist has changed; reload the page and tick the items again."), field="checked")
    if level not in (None, ""):
        claim.level = _check_category(claim.category, level)
    note = (note or "").strip() or None
    if decision == ClaimStatus.VERIFIED:
        if not checked:
            raise RuleViolation(_("Tick the checks you made before confirming."), field="checked")
        if claim.category == HardshipCategory.FINANCIAL_HARDSHIP and not claim.level:
            raise RuleViolation(_("Choose the level of financial hardship before confirming."), field="level")
    elif not note:
        raise RuleViolation(_("Say why, or what is still missing, in the note."), field="note")
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
    if claim.source == ClaimSource.SELF_DECLARED:
        # the student hears that their request was looked at; the page says what happens next
        notifications.notify(claim.student.user_id, SUPPORT_REVIEWED, link=url_for("students.my_support"),
                             dedupe_key=f"support-reviewed:{verification.id}")
    return verification


def claim_visible_to_student(claim) -> bool:
    """What a student sees of the ledger about themselves: what they told us, and what was confirmed.

    Items staff are still checking from lists or signals stay with the staff until decided.
    """
    return claim.source == ClaimSource.SELF_DECLARED or claim.status == ClaimStatus.VERIFIED
