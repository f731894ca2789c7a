"""The student's archive (就业档案): one timeline to which every feature contributes its entries."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import get_locale
from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from portal.accounts.models import User
from portal.cache import cached
from portal.extensions import db
from portal.i18n import gettext as _
from portal.students import labels
from portal.students.claims import DEFAULT_CHECKLIST, claim_visible_to_student
from portal.students.models import (
    ChecklistItem,
    ClaimSource,
    HardshipClaim,
    Intervention,
    ProfileChange,
    Verification,
    Visibility,
)

# Audiences of an entry: who may see it in the timeline.
STUDENT = "student"  # the student, their mentors and admins
MENTORS = "mentors"  # the student's mentors and admins
AUTHOR = "author"  # only the author (private notes)


@dataclass
class ArchiveEntry:
    at: datetime
    kind: str  # e.g. "intervention", "verification", "profile", "booking", "resume_review"
    title: str  # already translated for the reader
    detail: str = ""  # plain text; rich text goes in detail_html
    detail_html: str | None = None  # rich text as stored; the timeline sanitizes it when it shows it
    audience: str = MENTORS
    author_id: int | None = None
    link: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# A provider takes (student, viewer, *, for_student: bool) and returns entries for that student.
# It must load what it returns in a fixed number of queries, selecting the columns its entries show.
Provider = Callable[..., list[ArchiveEntry]]
PROVIDERS: list[Provider] = []


def provider(fn: Provider) -> Provider:
    """Register a function that contributes entries to every student's archive."""
    PROVIDERS.append(fn)
    return fn


def visible(entry: ArchiveEntry, viewer, *, viewer_is_student: bool) -> bool:
    if entry.audience == AUTHOR:
        return entry.author_id is not None and entry.author_id == viewer.id
    if viewer_is_student:
        return entry.audience == STUDENT
    return True


def timeline(student, viewer) -> list[ArchiveEntry]:
    """Everything about the student that this viewer may see, newest first."""
    viewer_is_student = viewer.id == student.user_id
    entries: list[ArchiveEntry] = []
    for fn in PROVIDERS:
        entries.extend(fn(student, viewer, for_student=viewer_is_student))
    entries = [e for e in entries if visible(e, viewer, viewer_is_student=viewer_is_student)]
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


# --- what the students feature contributes: profile changes, the ledger, interventions ---------
# Each provider loads its entries for one student in one or two queries.

_VALUE_LABELS = {
    "gender": labels.GENDERS, "origin": labels.ORIGINS, "degree_level": labels.DEGREES,
    "academic_standing": labels.STANDINGS, "priority": labels.PRIORITIES,
    "intended_hospital_levels": labels.HOSPITAL_LEVELS, "intended_post_types": labels.POST_TYPES,
    "grassroots_openness": labels.GRASSROOTS, "further_study": labels.FURTHER_STUDY,
}


def _value_text(name: str, value) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    mapping = _VALUE_LABELS.get(name)
    if isinstance(value, list):
        return "、".join(labels.label(mapping, v) if mapping else str(v) for v in value)
    return labels.label(mapping, value) if mapping else str(value)


def describe_changes(changes: dict, *, for_student: bool) -> str:
    lines = []
    for name, (old, new) in changes.items():
        if for_student and name in labels.INTERNAL_FIELDS:
            continue
        lines.append(f"{labels.label(labels.FIELDS, name)}: {_value_text(name, old)} → {_value_text(name, new)}")
    return "\n".join(lines)


@provider
def _profile_changes(student, viewer, *, for_student: bool) -> list[ArchiveEntry]:
    rows = db.session.execute(
        select(ProfileChange.changed_at, ProfileChange.changes, ProfileChange.changed_by_id,
               User.display_name.label("by_name"))
        .outerjoin(User, User.id == ProfileChange.changed_by_id)
        .where(ProfileChange.student_id == student.id).order_by(ProfileChange.id)
    )
    entries = []
    for row in rows:
        detail = describe_changes(row.changes or {}, for_student=for_student)
        if not detail:
            continue
        by_someone = row.by_name is not None
        if by_someone and row.changed_by_id == student.user_id:
            title = _("Profile updated by the student") if not for_student else _("You updated your profile")
        else:
            title = _("Profile updated by %(name)s", name=row.by_name if by_someone else _("the office"))
        entries.append(ArchiveEntry(at=row.changed_at, kind="profile", title=title, detail=detail,
                                    audience=STUDENT, author_id=row.changed_by_id))
    return entries


def _checklist_names() -> dict[str, str]:
    """Each checklist key's name in the reader's language (the usual items' names before the office
    first uses the checklist); kept until the checklist changes, since every staff archive with a
    check shows them."""
    def build() -> dict[str, str]:
        rows = db.session.execute(select(ChecklistItem.key, ChecklistItem.label_zh, ChecklistItem.label_en)).all()
        zh = str(get_locale() or "zh").startswith("zh")
        return {key: (label_zh if zh else label_en) for key, label_zh, label_en in rows or DEFAULT_CHECKLIST}

    return cached("students.checklist_names", build, tables=["checklist_items"], per_viewer=False)


# who added a claim to the ledger, and who decided on each check of it
_CREATOR = aliased(User, name="creator")
_CHECKER = aliased(User, name="checker")


@provider
def _ledger(student, viewer, *, for_student: bool) -> list[ArchiveEntry]:
    """Staff see every claim and check; the student sees their own requests and what was confirmed.
    One query: each claim with its checks (a claim without any is one row with no check)."""
    rows = db.session.execute(
        select(HardshipClaim.id, HardshipClaim.category, HardshipClaim.level, HardshipClaim.source,
               HardshipClaim.status, HardshipClaim.created_at, HardshipClaim.decided_at,
               HardshipClaim.evidence_notes, _CREATOR.display_name.label("created_by_name"),
               Verification.id.label("check_id"), Verification.decided_at.label("checked_at"), Verification.decision,
               Verification.checklist, Verification.note, Verification.decided_by_id,
               _CHECKER.display_name.label("checked_by_name"))
        .outerjoin(_CREATOR, _CREATOR.id == HardshipClaim.created_by_id)
        .outerjoin(Verification, Verification.claim_id == HardshipClaim.id)
        .outerjoin(_CHECKER, _CHECKER.id == Verification.decided_by_id)
        .where(HardshipClaim.student_id == student.id)
        .order_by(HardshipClaim.id, Verification.decided_at, Verification.id)
    )
    claims, checks_of = {}, {}
    for row in rows:
        claims.setdefault(row.id, row)
        if row.check_id is not None:
            checks_of.setdefault(row.id, []).append(row)
    claims = list(claims.values())
    entries = []
    if for_student:
        for claim in claims:
            if not claim_visible_to_student(claim):
                continue
            what = labels.category_label(claim.category, claim.level)
            if claim.source == ClaimSource.SELF_DECLARED:
                entries.append(ArchiveEntry(at=claim.created_at, kind="support_request", audience=STUDENT,
                                            title=_("You asked for support: %(what)s", what=what)))
                for check in checks_of.get(claim.id, ()):
                    entries.append(ArchiveEntry(
                        at=check.checked_at, kind="support_request", audience=STUDENT,
                        title=_("Your request was reviewed: %(what)s", what=what),
                        detail=labels.label(labels.STUDENT_STATUSES, check.decision)))
            elif claim.decided_at:
                entries.append(ArchiveEntry(at=claim.decided_at, kind="support_request", audience=STUDENT,
                                            title=_("Support on record: %(what)s", what=what)))
        return entries
    names = _checklist_names() if checks_of else {}
    for claim in claims:
        what = labels.category_label(claim.category, claim.level)
        link = url_for("students.claim", claim_id=claim.id)
        entries.append(ArchiveEntry(
            at=claim.created_at, kind="hardship_claim", audience=MENTORS, link=link,
            title=_("Added to the ledger: %(what)s", what=what),
            detail=_("Source: %(source)s", source=labels.label(labels.SOURCES, claim.source))
            + (" · " + claim.created_by_name if claim.created_by_name is not None else ""),
            detail_html=claim.evidence_notes,
        ))
        for check in checks_of.get(claim.id, ()):
            ticked = [names.get(k, k) for k, done in (check.checklist or {}).items() if done]
            lines = [_("Checks: %(items)s", items="、".join(ticked) if ticked else "—")]
            if check.note:
                lines.append(check.note)
            entries.append(ArchiveEntry(
                at=check.checked_at, kind="verification", audience=MENTORS, link=link,
                author_id=check.decided_by_id,
                title=_("%(decision)s: %(what)s (%(name)s)", decision=labels.label(labels.DECISIONS, check.decision),
                        what=what, name=check.checked_by_name if check.checked_by_name is not None else "—"),
                detail="\n".join(lines),
            ))
    return entries


AUDIENCE_OF_VISIBILITY = {"private": AUTHOR, "mentors": MENTORS, "student": STUDENT}


@provider
def _interventions(student, viewer, *, for_student: bool) -> list[ArchiveEntry]:
    """The interventions a student may read, or those staff may read (all but other authors' private
    notes, as interventions.visible_interventions selects them)."""
    stmt = (
        select(Intervention.id, Intervention.occurred_at, Intervention.type, Intervention.channel,
               Intervention.duration_minutes, Intervention.notes, Intervention.visibility, Intervention.author_id,
               Intervention.follow_up_on, Intervention.follow_up_done, User.display_name.label("author_name"))
        .outerjoin(User, User.id == Intervention.author_id)
        .where(Intervention.student_id == student.id)
        .order_by(Intervention.occurred_at.desc(), Intervention.id.desc())
    )
    if for_student:
        stmt = stmt.where(Intervention.visibility == Visibility.STUDENT)
    else:
        stmt = stmt.where(or_(Intervention.visibility != Visibility.PRIVATE, Intervention.author_id == viewer.id))
    entries = []
    for row in db.session.execute(stmt):
        parts = [labels.label(labels.CHANNELS, row.channel)]
        if row.duration_minutes:
            parts.append(_("%(n)d minutes", n=row.duration_minutes))
        if row.author_name is not None:
            parts.append(row.author_name)
        entries.append(ArchiveEntry(
            at=row.occurred_at, kind="intervention", audience=AUDIENCE_OF_VISIBILITY.get(row.visibility, MENTORS),
            author_id=row.author_id, title=labels.label(labels.INTERVENTION_TYPES, row.type),
            detail=" · ".join(parts), detail_html=row.notes,
            link=None if for_student else url_for("students.intervention", intervention_id=row.id),
            extra={"visibility": row.visibility, "follow_up_on": row.follow_up_on, "follow_up_done": row.follow_up_done},
        ))
    return entries
