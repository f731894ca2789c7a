"""The student's archive (就业档案): one timeline to which every feature contributes its entries."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, lru_cache
from typing import Any

from markupsafe import Markup

from portal.rows import rows as plain_rows
from portal.sanitize import sanitize_html

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
    detail_html: str | None = None  # sanitised HTML
    audience: str = MENTORS
    author_id: int | None = None
    link: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def notes_html(self) -> Markup:
        """detail_html through the sanitizer, as the timeline shows it."""
        text = self.detail_html or ""
        return _sanitized(text) if len(text) <= _REMEMBERED_LENGTH else sanitize_html(text)


# Sanitizing a note costs about a millisecond (bleach parses it twice), and a timeline shows the same
# notes on every visit: the result for a given text never changes, so short ones are remembered.
_REMEMBERED_LENGTH = 4000


@lru_cache(maxsize=2048)
def _sanitized(text: str) -> Markup:
    return sanitize_html(text)


# A provider takes (student, viewer, *, for_student: bool) and returns entries for that student.
# It must load what it returns in a fixed number of queries. Providers build their statements once
# (functools.cache) with the student's id as the bind parameter "student_id": SQLAlchemy derives the
# cache key of each new statement object again, which costs about as much as running the query, and
# a timeline runs some twenty queries.
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


def timeline_items_html(entries: list[ArchiveEntry]) -> Markup:
    """Each entry's <li>, character for character as the loop in students/_timeline.html wrote them: a
    Jinja loop of five conditionals and a date filter per entry cost about as much as loading them."""
    from markupsafe import escape

    from portal.i18n import datetime_filter
    from portal.i18n import gettext as _

    badge = None
    parts = []
    for entry in entries:
        title = escape(entry.title)
        what = f'<a href="{escape(entry.link)}">{title}</a>' if entry.link else title
        if entry.audience == "author":
            if badge is None:
                badge = f'<span class="badge">{escape(_("private: only you"))}</span>'
            mark = badge
        else:
            mark = ""
        detail = f'<p class="detail">{escape(entry.detail)}</p>' if entry.detail else ""
        notes = f'<div class="notes">{entry.notes_html}</div>' if entry.detail_html else ""
        parts.append(
            f'\n    <li class="timeline-entry kind-{escape(entry.kind)}">'
            f'\n      <p class="when">{escape(datetime_filter(entry.at))}</p>'
            f'\n      <p class="what">{what}\n        {mark}</p>'
            f'\n      {detail}\n      {notes}\n    </li>\n  '
        )
    return Markup("".join(parts))


# --- what the students feature contributes: profile changes, the ledger, interventions ---------
# Each provider loads its entries for one student in one or two queries.

def _value_text(name: str, value) -> str:
    from portal.i18n import gettext as _

    from portal.students import labels

    if value in (None, "", []):
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    mapping = {
        "gender": labels.GENDERS, "origin": labels.ORIGINS, "degree_level": labels.DEGREES,
        "academic_standing": labels.STANDINGS, "priority": labels.PRIORITIES,
        "intended_hospital_levels": labels.HOSPITAL_LEVELS, "intended_post_types": labels.POST_TYPES,
        "grassroots_openness": labels.GRASSROOTS, "further_study": labels.FURTHER_STUDY,
    }.get(name)
    if isinstance(value, list):
        return "、".join(labels.label(mapping, v) if mapping else str(v) for v in value)
    return labels.label(mapping, value) if mapping else str(value)


def describe_changes(changes: dict, *, for_student: bool) -> str:
    from portal.students import labels

    lines = []
    for name, (old, new) in changes.items():
        if for_student and name in labels.INTERNAL_FIELDS:
            continue
        lines.append(f"{labels.label(labels.FIELDS, name)}: {_value_text(name, old)} → {_value_text(name, new)}")
    return "\n".join(lines)


@cache
def _profile_changes_stmt():
    from sqlalchemy import bindparam, select

    from portal.accounts.models import User
    from portal.students.models import ProfileChange

    return (select(ProfileChange.changed_at, ProfileChange.changes, ProfileChange.changed_by_id,
                   User.display_name.label("by_name"))
            .outerjoin(User, User.id == ProfileChange.changed_by_id)
            .where(ProfileChange.student_id == bindparam("student_id")).order_by(ProfileChange.id))


@provider
def _profile_changes(student, viewer, *, for_student: bool) -> list[ArchiveEntry]:
    from portal.i18n import gettext as _


    rows = plain_rows(_profile_changes_stmt(), {"student_id": student.id})
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


@cache
def _ledger_stmts():
    """The claims, their checks and the checklist's names: plain columns, built once."""
    from sqlalchemy import bindparam, select
    from sqlalchemy.orm import aliased

    from portal.accounts.models import User
    from portal.students.models import ChecklistItem, HardshipClaim, Verification

    student_id = bindparam("student_id")
    created_by, decided_by = aliased(User), aliased(User)
    claims = (
        select(HardshipClaim.id, HardshipClaim.category, HardshipClaim.level, HardshipClaim.source,
               HardshipClaim.status, HardshipClaim.created_at, HardshipClaim.decided_at,
               HardshipClaim.evidence_notes, created_by.display_name.label("created_by_name"))
        .outerjoin(created_by, created_by.id == HardshipClaim.created_by_id)
        .where(HardshipClaim.student_id == student_id).order_by(HardshipClaim.id)
    )
    checks = (
        select(Verification.claim_id, Verification.decided_at, Verification.decision, Verification.checklist,
               Verification.note, Verification.decided_by_id, decided_by.display_name.label("decided_by_name"))
        .join(HardshipClaim, HardshipClaim.id == Verification.claim_id)
        .outerjoin(decided_by, decided_by.id == Verification.decided_by_id)
        .where(HardshipClaim.student_id == student_id).order_by(Verification.decided_at, Verification.id)
    )
    checklist = select(ChecklistItem.key, ChecklistItem.label_zh, ChecklistItem.label_en)
    return claims, checks, checklist


def _checklist_names(stmt) -> dict[str, str]:
    """Each checklist key's name in the reader's language, in one query (the items are put in place
    the first time, as the ledger does)."""
    from flask_babel import get_locale

    from portal.students.services import checklist_items, checklist_label

    rows = plain_rows(stmt)
    if not rows:
        return {item.key: checklist_label(item) for item in checklist_items(include_inactive=True)}
    zh = str(get_locale() or "zh").startswith("zh")
    return {key: (label_zh if zh else label_en) for key, label_zh, label_en in rows}


@provider
def _ledger(student, viewer, *, for_student: bool) -> list[ArchiveEntry]:
    """Staff see every claim and check; the student sees their own requests and what was confirmed."""
    from portal.i18n import gettext as _

    from portal.students import labels
    from portal.students.models import ClaimSource
    from portal.templating import IdUrl
    from portal.students.services import claim_visible_to_student

    claims_stmt, checks_stmt, checklist_stmt = _ledger_stmts()
    params = {"student_id": student.id}
    claims = plain_rows(claims_stmt, params)
    checks_of: dict[int, list] = {}
    if claims:
        for check in plain_rows(checks_stmt, params):
            checks_of.setdefault(check.claim_id, []).append(check)
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
                        at=check.decided_at, kind="support_request", audience=STUDENT,
                        title=_("Your request was reviewed: %(what)s", what=what),
                        detail=labels.label(labels.STUDENT_STATUSES, check.decision)))
            elif claim.decided_at:
                entries.append(ArchiveEntry(at=claim.decided_at, kind="support_request", audience=STUDENT,
                                            title=_("Support on record: %(what)s", what=what)))
        return entries
    names = _checklist_names(checklist_stmt) if checks_of else {}
    claim_url = IdUrl("students.claim", "claim_id")
    for claim in claims:
        what = labels.category_label(claim.category, claim.level)
        link = claim_url(claim.id)
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
                at=check.decided_at, kind="verification", audience=MENTORS, link=link,
                author_id=check.decided_by_id,
                title=_("%(decision)s: %(what)s (%(name)s)", decision=labels.label(labels.DECISIONS, check.decision),
                        what=what, name=check.decided_by_name if check.decided_by_name is not None else "—"),
                detail="\n".join(lines),
            ))
    return entries


AUDIENCE_OF_VISIBILITY = {"private": AUTHOR, "mentors": MENTORS, "student": STUDENT}


@cache
def _interventions_stmts():
    """The interventions a student may read and those staff may read (all but other authors' private
    notes, as services.visible_interventions selects them): plain columns, built once."""
    from sqlalchemy import bindparam, or_, select

    from portal.accounts.models import User
    from portal.students.models import Intervention, Visibility

    base = (
        select(Intervention.id, Intervention.occurred_at, Intervention.type, Intervention.channel,
               Intervention.duration_minutes, Intervention.notes, Intervention.visibility, Intervention.author_id,
               Intervention.follow_up_on, Intervention.follow_up_done, User.display_name.label("author_name"))
        .outerjoin(User, User.id == Intervention.author_id)
        .where(Intervention.student_id == bindparam("student_id"))
        .order_by(Intervention.occurred_at.desc(), Intervention.id.desc())
    )
    for_student = base.where(Intervention.visibility == Visibility.STUDENT)
    for_staff = base.where(or_(Intervention.visibility != Visibility.PRIVATE,
                               Intervention.author_id == bindparam("viewer_id")))
    return for_student, for_staff


@provider
def _interventions(student, viewer, *, for_student: bool) -> list[ArchiveEntry]:
    from portal.i18n import gettext as _
    from portal.templating import IdUrl

    from portal.students import labels

    student_stmt, staff_stmt = _interventions_stmts()
    if for_student:
        rows = plain_rows(student_stmt, {"student_id": student.id})
    else:
        rows = plain_rows(staff_stmt, {"student_id": student.id, "viewer_id": viewer.id})
    entries = []
    intervention_url = None if for_student else IdUrl("students.intervention", "intervention_id")
    for row in rows:
        parts = [labels.label(labels.CHANNELS, row.channel)]
        if row.duration_minutes:
            parts.append(_("%(n)d minutes", n=row.duration_minutes))
        if row.author_name is not None:
            parts.append(row.author_name)
        entries.append(ArchiveEntry(
            at=row.occurred_at, kind="intervention", audience=AUDIENCE_OF_VISIBILITY.get(row.visibility, MENTORS),
            author_id=row.author_id, title=labels.label(labels.INTERVENTION_TYPES, row.type),
            detail=" · ".join(parts), detail_html=row.notes,
            link=None if for_student else intervention_url(row.id),
            extra={"visibility": row.visibility, "follow_up_on": row.follow_up_on, "follow_up_done": row.follow_up_done},
        ))
    return entries
